# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: dns64_problems
short_description: "Internal to the dns64 role: check its variables, choose its prefix and listening addresses"
version_added: 0.3.0
description:
  - B(Internal) to the P(ipv6ready.docker.dns64#role) role, not a public interface. Its name, inputs and output may
    change in any release without a deprecation period; do not call it from your own playbooks.
  - C(dns64_problems) lists what is wrong with the role's variables beyond their types, one message per problem,
    each starting with the variable's name. The input holds the role's variables by name and the fact
    C(nat64_gateway_active_prefix).
  - C(dns64_plan) returns C(prefix), the NAT64 /96 (C(dns64_prefix), else the gateway role's fact), and
    C(interfaces), the addresses unbound listens on (C(dns64_interfaces), else every IPv6 address of the host in
    O(addresses) that is not link-local, sorted, then C(::1)).
options:
  _input:
    description: The role's variables by name, and C(nat64_gateway_active_prefix).
    type: dict
    required: true
  addresses:
    description: C(dns64_plan) - the host's IPv6 addresses (the fact C(all_ipv6_addresses)).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ inputs | ipv6ready.docker.dns64_problems }}"
    inputs:
      dns64_prefix: "2001:db8:1:2:64::/96"
      dns64_allowed_prefixes: ["2001:db8:1::/48"]
"""

RETURN = r"""
_value:
  description:
    - C(dns64_problems) - one message per problem; empty when the variables are usable.
    - C(dns64_plan) - a dict with C(prefix) and C(interfaces).
  type: raw
"""

from ansible_collections.ipv6ready.docker.plugins.module_utils import _dns64
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping


def dns64_problems(inputs):
    """What is wrong with the dns64 role's variables beyond their types (``_dns64.input_problems``)."""
    return _dns64.input_problems(mapping(inputs, "dns64_problems input"))


def dns64_plan(inputs, addresses=None):
    """The prefix and the listening addresses (``_dns64.plan``)."""
    return _dns64.plan(mapping(inputs, "dns64_plan input"), addresses or [])


class FilterModule:
    """The dns64 role's decisions."""

    def filters(self):
        return {"dns64_problems": dns64_problems, "dns64_plan": dns64_plan}
