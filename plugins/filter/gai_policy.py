# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: gai_policy_problems
short_description: "Internal to the gai_policy role: check its variables"
version_added: 0.3.0
description:
  - B(Internal) to the P(ipv6ready.docker.gai_policy#role) role, not a public interface. Its name, input and output
    may change in any release without a deprecation period; do not call it from your own playbooks.
  - Lists what is wrong with the role's variables beyond their types, one message per problem, each starting with
    the variable's name, by the rules of the P(ipv6ready.docker.gai_conf#module) module - IPv6 prefixes (the length
    optional, no host bits), labels and precedences from 0 to 2147483647, one value per prefix.
  - The companion filter C(ipv6ready.docker.gai_policy_plan) takes what M(ipv6ready.docker.state_info) read on a host
    and the role's variables, and returns the role's plan - C(local_prefixes) (the variable, else daemon.json's IPv6
    ranges, else C(fc00::/7)), C(directory) (whether the container policy's directory needs creating or its owner
    and mode back) and C(write) (the policy files M(ipv6ready.docker.gai_conf) would change, decided with that
    module's own parser and renderer). A daemon.json that is not a JSON object fails it.
options:
  _input:
    description: The role's variables by name (C(gai_policy_local_prefixes), C(gai_policy_labels), ...).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ inputs | ipv6ready.docker.gai_policy_problems }}"
    inputs:
      gai_policy_local_prefixes: ["fd00:d0c::/48"]
      gai_policy_labels: [{prefix: "2001:db8:64::/96", label: 1}]
      gai_policy_precedences: []
"""

RETURN = r"""
_value:
  description: One message per problem; empty when the variables are usable.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _gai_policy
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping


def gai_policy_problems(inputs):
    """What is wrong with the gai_policy role's variables beyond their types (``_gai_policy.input_problems``)."""
    return _gai_policy.input_problems(mapping(inputs, "gai_policy_problems input"))


def gai_policy_plan(read, inputs):
    """What the gai_policy role writes on one host (``_gai_policy.plan``)."""
    try:
        return _gai_policy.plan(mapping(read, "gai_policy_plan input"), mapping(inputs, "gai_policy_plan inputs"))
    except ValueError as exc:
        raise AnsibleFilterError("gai_policy_daemon_json: %s" % exc)


class FilterModule:
    """The gai_policy role's checks."""

    def filters(self):
        return {"gai_policy_problems": gai_policy_problems, "gai_policy_plan": gai_policy_plan}
