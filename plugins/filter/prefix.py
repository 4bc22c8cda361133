# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: prefix_problems
short_description: List what is wrong with network prefixes, naming the variable
version_added: 0.1.0
description:
  - Checks each prefix with Python's C(ipaddress) and returns one message per bad value,
    prefixed with the variable name, so that roles can fail at argument validation
    with a message that names the variable and the problem.
  - An empty list means every value is a valid network prefix of the wanted family.
options:
  _input:
    description: A prefix or a list of prefixes.
    type: raw
    required: true
  name:
    description: The variable name to put in front of each message.
    type: str
    required: true
  version:
    description: Require this address family.
    type: int
    choices: [4, 6]
"""

EXAMPLES = r"""
- name: Refuse bad prefixes before touching anything
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ my_prefixes | ipv6ready.docker.prefix_problems('my_prefixes', version=6) }}"
"""

RETURN = r"""
_value:
  description:
    - One message per invalid prefix.
    - "For example: C(my_prefixes: '10.0.0.0/8' is an IPv4 prefix, IPv6 is required)."
  type: list
  elements: str
"""

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import prefix_problem
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list


def prefix_problems(values, name, version=None):
    """Return ``name: problem`` for every invalid prefix in ``values``."""
    problems = []
    for value in value_list(values, "prefix_problems", "a prefix or a list of prefixes"):
        problem = prefix_problem(value, version=version)
        if problem:
            problems.append("%s: %s" % (name, problem))
    return problems


class FilterModule:
    """Prefix validation filters."""

    def filters(self):
        return {"prefix_problems": prefix_problems}
