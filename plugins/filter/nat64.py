# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: nat64_carve
short_description: Carve a NAT64 /96 out of a routed IPv6 prefix, and check NAT64 prefixes and addresses
version_added: 0.1.0
description:
  - C(nat64_carve) returns the network-specific NAT64 /96 that sits at O(offset) inside the routed prefix
    (the input), e.g. C(2001:db8:1:2:64::/96) out of C(2001:db8:1:2::/64). An interface address such as
    C(2001:db8:1:2::1/64) is accepted and stands for its network.
  - C(nat64_carve_problems) lists what is wrong with a routed prefix and an offset, naming the variables.
  - C(nat64_prefix_problems) lists what is wrong with a NAT64 prefix for TAYGA and unbound's DNS64, naming the
    variable. It must be an IPv6 /96 network; TAYGA 0.9.2 refuses reserved space (C(::/8) except the well-known
    prefix, C(fe80::/10), C(ff00::/8)), which includes the RFC 8215 local-use prefix C(64:ff9b:1::/48); and the
    well-known prefix C(64:ff9b::/96) cannot reach non-global IPv4 addresses (RFC 6052 section 3.1).
  - C(nat64_address_problems) lists every value that is not a single IP address of the wanted family (one
    address, without a C(/length) or a zone index).
  - C(nat64_addresses_inside) returns the addresses of the input list that lie inside O(prefix).
  - C(nat64_non_global) returns the addresses or prefixes of the input list that are not global (private,
    shared, documentation and other special-purpose space).
options:
  _input:
    description:
      - C(nat64_carve), C(nat64_carve_problems) - the routed prefix to carve from.
      - C(nat64_prefix_problems) - the NAT64 prefix.
      - C(nat64_address_problems), C(nat64_addresses_inside), C(nat64_non_global) - an address or a list of
        addresses (or prefixes).
    type: raw
    required: true
  offset:
    description:
      - C(nat64_carve), C(nat64_carve_problems) - where the /96 sits inside the routed prefix, written as an
        IPv6 address that is ORed into the network. Its last 32 bits (the IPv4 part) and the bits covered by
        the routed prefix's length must be zero.
    type: str
    default: "::64:0:0:0"
  name:
    description: The variable name to put in front of each message (the C(*_problems) filters).
    type: str
  offset_name:
    description: C(nat64_carve_problems) - the variable name of the offset, for its messages.
    type: str
    default: offset
  ipv4_targets:
    description:
      - C(nat64_prefix_problems) - the IPv4 networks clients must reach through the translator. With the
        well-known prefix every non-global one is refused.
    type: list
    elements: str
    default: []
  targets_name:
    description: C(nat64_prefix_problems) - the variable name of O(ipv4_targets), for its messages.
    type: str
    default: ipv4_targets
  prefix:
    description: C(nat64_addresses_inside) - the prefix to look in.
    type: str
  version:
    description: C(nat64_address_problems) - require this address family.
    type: int
    choices: [4, 6]
"""

EXAMPLES = r"""
- name: Carve the NAT64 prefix out of the gateway's routed /64
  ansible.builtin.set_fact:
    # 2001:db8:1:2:64::/96
    my_nat64_prefix: "{{ '2001:db8:1:2::1/64' | ipv6ready.docker.nat64_carve }}"

- name: Refuse the well-known prefix for private IPv4 targets
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: >-
      {{ my_nat64_prefix | ipv6ready.docker.nat64_prefix_problems('my_nat64_prefix',
                                                                  ipv4_targets=['10.0.0.0/8'],
                                                                  targets_name='my_targets') }}
"""

RETURN = r"""
_value:
  description:
    - C(nat64_carve) - the NAT64 prefix, e.g. C(2001:db8:1:2:64::/96).
    - C(nat64_addresses_inside) - the addresses inside the prefix.
    - C(nat64_non_global) - the non-global values.
    - The C(*_problems) filters - one message per problem, each starting with the variable name; empty when
      everything is valid.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64
from ansible_collections.ipv6ready.docker.plugins.module_utils._nat64 import DEFAULT_OFFSET
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list

# The rules live in module_utils/_nat64.py; these are their filter faces.
nat64_carve_problems = _nat64.carve_problems
nat64_prefix_problems = _nat64.prefix_problems
nat64_non_global = _nat64.non_global
nat64_addresses_inside = _nat64.addresses_inside


def nat64_carve(routed, offset=DEFAULT_OFFSET):
    """Return the /96 at ``offset`` inside ``routed``."""
    try:
        return _nat64.carve(routed, offset=offset)
    except ValueError as exc:
        raise AnsibleFilterError("nat64_carve: %s" % exc) from None


def nat64_address_problems(values, name, version=None):
    """Return ``name: problem`` for every value that is not a single IP address (of ``version``)."""
    return _nat64.address_problems(value_list(values, "nat64_address_problems", "an address or a list of addresses"), name, version=version)


class FilterModule:
    """NAT64 prefix carving and checks."""

    def filters(self):
        return {
            "nat64_carve": nat64_carve,
            "nat64_carve_problems": nat64_carve_problems,
            "nat64_prefix_problems": nat64_prefix_problems,
            "nat64_address_problems": nat64_address_problems,
            "nat64_addresses_inside": nat64_addresses_inside,
            "nat64_non_global": nat64_non_global,
        }
