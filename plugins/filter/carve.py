# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: carve_subnets
short_description: Give Docker networks stable IPv6 subnets carved from a ULA or the host's prefix, and find overlaps
version_added: 0.1.0
description:
  - Fills in the IPv6 subnet of every network that has none, carved out of O(ula_prefix) or O(host_prefix).
  - "The subnet depends only on the network's name, the parent prefix and the size. The slot, the subnet's number
    inside the parent, is the SHA-256 of the name modulo C(2^bits - 1), plus one, where C(bits) is the size minus
    the parent's prefix length. Reordering the list, or adding and removing other networks, never moves a subnet."
  - Slot 0 is never used. In a host's routed /64 it holds the host's own C(::1) and often the gateway; in a ULA
    /48 it is the first subnet Docker's own address pools hand out.
  - When a host slot holds an address in O(reserved), the name is hashed again with C(#1), C(#2), ... appended.
  - An explicit C(index) on a network picks the slot instead of the hash (1 to 2^bits - 1).
  - Explicit subnets are written the canonical way (C(fd00:d0c:0099::/64) becomes C(fd00:d0c:99::/64)), as Docker
    stores them.
  - Reports every pair of overlapping subnets, among the networks and against the host's existing Docker networks,
    naming both networks. A network of the same name is the one being managed and is not a conflict.
options:
  _input:
    description:
      - The networks, dicts with C(name) and optional C(ipv6_subnet), C(ipv4_subnet), C(carve_from)
        (C(ula) or C(host)), C(index) and C(var). Other keys are kept.
      - C(var) is how messages name the network, by default C(<var>[<position>] \\(<name>\\)) with O(var).
    type: list
    elements: dict
    required: true
  ula_prefix:
    description: The ULA prefix to carve from, e.g. C(fd00:d0c::/48).
    type: str
  ula_size:
    description: The prefix length of subnets carved from O(ula_prefix).
    type: int
    default: 64
  host_prefix:
    description:
      - The host's routed prefix to carve from. An interface address such as C(2001:db8:1:2::10/64) is accepted
        and stands for its network.
    type: str
  host_size:
    description: The prefix length of subnets carved from O(host_prefix).
    type: int
    default: 80
  reserved:
    description: Addresses or prefixes no subnet carved from O(host_prefix) may contain (the host's own addresses).
    type: list
    elements: str
    default: []
  existing:
    description: The host's Docker networks, as dicts with C(name) and C(subnets) (a list of prefixes).
    type: list
    elements: dict
    default: []
  default_source:
    description: Where to carve from for networks without C(carve_from).
    type: str
    choices: [ula, host]
    default: ula
  var:
    description: The variable name to put in front of messages about a single network without its own C(var).
    type: str
    default: networks_list
"""

EXAMPLES = r"""
- name: Carve the subnets and refuse conflicts
  ansible.builtin.assert:
    that: carved.problems | length == 0
    fail_msg: "{{ carved.problems | join('; ') }}"
  vars:
    carved: >-
      {{ [{'name': 'kamal'}, {'name': 'edge', 'carve_from': 'host'}]
         | ipv6ready.docker.carve_subnets(ula_prefix='fd00:d0c::/48', host_prefix='2001:db8:1:2::10/64',
                                          reserved=['2001:db8:1:2::10']) }}
"""

RETURN = r"""
_value:
  description: The networks with their subnets, and the problems found.
  type: dict
  contains:
    networks:
      description:
        - Copies of the input networks with C(ipv6_subnet) filled in (canonical), C(ipv4_subnet) canonical, and
          C(carved) set to C(ula), C(host) or V(null) (explicit subnet).
      type: list
      elements: dict
    problems:
      description:
        - "One message per problem, naming the networks, for example
          V(networks 'a' \\(fd00:d0c:1::/64\\) and 'b' \\(fd00:d0c:1::/80\\) overlap)."
        - Empty when every network has a subnet and none overlaps.
      type: list
      elements: str
    existing:
      description:
        - The O(existing) networks with their valid subnets in canonical form, as C(name) and C(subnets).
        - Docker keeps a subnet as it was given, so compare with these, not with Docker's own strings.
      type: list
      elements: dict
"""

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import canonical_subnets, carve_networks


def _as_list(value, what):
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise AnsibleFilterError("ipv6ready.docker.carve_subnets: %s must be a list, got %s" % (what, type(value).__name__))
    return list(value)


def carve_subnets(
    networks, ula_prefix=None, ula_size=64, host_prefix=None, host_size=80, reserved=None, existing=None, default_source="ula", var="networks_list"
):
    """Carve the missing IPv6 subnets and report conflicts; see DOCUMENTATION."""
    networks = _as_list(networks, "the input")
    for item in networks:
        if not isinstance(item, Mapping) or not item.get("name"):
            raise AnsibleFilterError("ipv6ready.docker.carve_subnets: every network must be a dict with a name, got %r" % (item,))
    existing = _as_list(existing, "existing")
    for item in existing:
        if not isinstance(item, Mapping):
            raise AnsibleFilterError("ipv6ready.docker.carve_subnets: existing must be a list of dicts, got %r" % (item,))
    if default_source not in ("ula", "host"):
        raise AnsibleFilterError("ipv6ready.docker.carve_subnets: default_source must be ula or host, got %r" % (default_source,))
    try:
        sizes = int(ula_size), int(host_size)
    except (TypeError, ValueError):
        raise AnsibleFilterError("ipv6ready.docker.carve_subnets: ula_size and host_size must be integers, got %r and %r" % (ula_size, host_size))
    try:
        carved, problems = carve_networks(
            [dict(item) for item in networks],
            ula_prefix=ula_prefix or None,
            ula_size=sizes[0],
            host_prefix=host_prefix or None,
            host_size=sizes[1],
            reserved=_as_list(reserved, "reserved"),
            existing=[dict(item) for item in existing],
            default_source=default_source,
            var=var,
        )
    except ValueError as exc:
        raise AnsibleFilterError("ipv6ready.docker.carve_subnets: %s" % exc)
    normalized = [{"name": item.get("name"), "subnets": canonical_subnets(item.get("subnets"))} for item in existing]
    return {"networks": carved, "problems": problems, "existing": normalized}


class FilterModule(object):
    """Subnet carving filters."""

    def filters(self):
        return {"carve_subnets": carve_subnets}
