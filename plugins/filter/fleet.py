# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_prefixes
short_description: Derive the fleet's IPv6 source prefixes (the gateway's allowlists) from the inventory
version_added: 0.2.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - Takes a list of inventory hosts (normally C(groups['docker_hosts'])) and returns the prefix of every one of
    them, for the NAT64 gateway's and the DNS64 resolver's allowlists.
  - A host's prefix is the first known of C(ipv6ready_host_prefix), C(hcloud_ipv6_network) with
    C(hcloud_ipv6_network_mask) (set by the hetzner.hcloud inventory plugin), the /O(length) around the gathered
    fact C(default_ipv6.address), and the /O(length) around C(ansible_host) when it is an IPv6 address.
  - A host with none of them is listed in RV(_value.unknown) with a message in RV(_value.problems); it is never
    silently left out, since dropping a host that already resolves through the gateway takes its DNS away.
options:
  _input:
    description: The inventory hosts.
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  length:
    description: The prefix length around a host's address (facts or C(ansible_host)); Hetzner routes a /64.
    type: int
    default: 64
  extra:
    description: Further prefixes to allow, e.g. hosts outside the inventory.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Allow every Docker host of the inventory, plus one more network
  ansible.builtin.set_fact:
    nat64_gateway_allowed_prefixes: "{{ fleet.prefixes }}"
  vars:
    fleet: "{{ groups['docker_hosts'] | ipv6ready.docker.fleet_prefixes(hostvars, extra=['2001:db8:9::/64']) }}"
"""

RETURN = r"""
_value:
  description: The derived allowlist and how each host's prefix was found.
  type: dict
  contains:
    prefixes:
      description: The sorted prefixes, duplicates and prefixes inside another one removed.
      type: list
      elements: str
    hosts:
      description: For each host with a prefix, C({prefix, source}).
      type: dict
    unknown:
      description: The hosts without a prefix.
      type: list
      elements: str
    problems:
      description: One message per unknown host or invalid extra prefix.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils._fleet import fleet_prefixes as _fleet_prefixes
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list


class _Vars:
    """Read a host's variables through ``hostvars`` only when asked (they are templated lazily)."""

    def __init__(self, hostvars):
        self._hostvars = hostvars

    def get(self, host, default=None):
        try:
            return self._hostvars[host]
        except KeyError:
            return default


def fleet_prefixes(hosts, hostvars, length=64, extra=None):
    """See DOCUMENTATION."""
    hosts = value_list(hosts, "fleet_prefixes", "a list of inventory hosts")
    extra = value_list(extra, "fleet_prefixes", "a list of prefixes for extra")
    if not hasattr(hostvars, "__getitem__"):
        raise AnsibleFilterError("fleet_prefixes: hostvars must be the hostvars variable, got %s" % type(hostvars).__name__)
    try:
        length = int(length)
    except (TypeError, ValueError):
        raise AnsibleFilterError("fleet_prefixes: length %r is not an integer" % (length,))
    return _fleet_prefixes(list(hosts), _Vars(hostvars), length=length, extra=list(extra))


class FilterModule:
    """Fleet-wide values derived from the inventory."""

    def filters(self):
        return {"fleet_prefixes": fleet_prefixes}
