# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: failover_plan
short_description: Plan several NAT64/DNS64 gateways behind floating IPv6 /64s (failover and scale-out)
version_added: 0.3.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - C(failover_plan) checks the floating IPs (the input, a list of C({name, network, home})) against the gateways
    and derives what each floating /64 holds, a NAT64 /96 at O(nat64_offset) and a DNS64 resolver address at
    O(resolver_offset). Returns C(problems) (each naming the variable), C(floating_ips) (each with C(nat64_prefix)
    and C(resolver)), C(nat64_prefixes), C(resolvers) and C(home_prefix) (per gateway, the /96 its resolver
    synthesizes in).
  - C(failover_gateways) returns the gateways (the input, inventory names, in order) as C({name, address}), the
    address being the host variable C(nat64_failover_address) or its gathered C(default_ipv6.address); empty when
    neither is known.
  - C(failover_agent_config) returns C({config, problems}) - the configuration of the failover agent of one
    gateway (M(ipv6ready.docker.nat64_failover)) from the plan, O(me), O(gateways) and the role's O(settings);
    C(problems) also names an empty C(interface) setting and an empty O(api_token).
  - C(failover_client_resolvers) returns the DNS64 resolvers of one Docker host, O(host), out of the plan, the
    resolver of its home /64 first (host number i of O(hosts), in name order, is homed on floating IP number
    i mod N), then the others, at most three.
options:
  _input:
    description:
      - C(failover_plan) - the floating IPs, a list of C({name, network, home}).
      - C(failover_gateways) - the gateways' inventory names, in order.
      - C(failover_agent_config), C(failover_client_resolvers) - the plan C(failover_plan) returned.
    type: raw
    required: true
  gateways:
    description:
      - C(failover_plan) - the gateways' inventory names.
      - C(failover_agent_config) - the gateways as C(failover_gateways) returns them.
    type: list
  nat64_offset:
    description: C(failover_plan) - where the NAT64 /96 sits in each floating /64, ORed into it.
    type: str
    default: "::64:0:0:0"
  resolver_offset:
    description: C(failover_plan) - the DNS64 resolver's address in each floating /64, ORed into it.
    type: str
    default: "::53"
  hostvars:
    description: C(failover_gateways) - the C(hostvars) magic variable.
    type: dict
  me:
    description: C(failover_agent_config) - the gateway the configuration is for.
    type: str
  settings:
    description: C(failover_agent_config) - the agent's timers, port, interface, API endpoint, paths and self-check.
    type: dict
  api_token:
    description:
      - C(failover_agent_config) - the Hetzner Cloud API token, only checked (not empty). It is not part of the
        configuration returned, since the agent reads it from a file of its own.
    type: str
  host:
    description: C(failover_client_resolvers) - the Docker host.
    type: str
  hosts:
    description: C(failover_client_resolvers) - every Docker host.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Derive the floating /96s and resolver addresses
  ansible.builtin.set_fact:
    plan: >-
      {{ [{'name': 'fleet-nat64-floating-1', 'network': '2001:db8:f1::/64', 'home': 'fleet-nat64'},
          {'name': 'fleet-nat64-floating-2', 'network': '2001:db8:f2::/64', 'home': 'fleet-nat64-2'}]
         | ipv6ready.docker.failover_plan(['fleet-nat64', 'fleet-nat64-2']) }}
    # plan.floating_ips[0].nat64_prefix == '2001:db8:f1:0:64::/96', .resolver == '2001:db8:f1::53'
"""

RETURN = r"""
_value:
  description: See each filter in the description.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _failover
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list


def _plan(value, filter_name):
    if not isinstance(value, dict) or "floating_ips" not in value:
        raise AnsibleFilterError("%s: expected the plan failover_plan returned" % filter_name)
    return value


def failover_plan(floating_ips, gateways=None, nat64_offset=_failover.DEFAULT_NAT64_OFFSET, resolver_offset=_failover.DEFAULT_RESOLVER_OFFSET):
    return _failover.floating_plan(floating_ips, list(value_list(gateways, "failover_plan", "a list of gateways")), nat64_offset, resolver_offset)


def failover_gateways(names, hostvars=None):
    names = value_list(names, "failover_gateways", "a list of inventory hosts")
    if not hasattr(hostvars, "__getitem__"):
        raise AnsibleFilterError("failover_gateways: hostvars must be the hostvars variable")
    out = []
    for name in names:
        try:
            host = hostvars[name]
        except KeyError:
            host = {}
        address = host.get("nat64_failover_address") or ""
        if not address:
            facts = host.get("ansible_facts") or {}
            address = (facts.get("default_ipv6") or {}).get("address") or ""
        out.append({"name": name, "address": address})
    return out


def failover_agent_config(plan, me=None, gateways=None, settings=None, api_token=None):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("failover_agent_config: settings must be a dict")
    config, problems = _failover.agent_config(
        me, _plan(plan, "failover_agent_config"), list(value_list(gateways, "failover_agent_config", "a list")), settings, api_token
    )
    return {"config": config, "problems": problems}


def failover_client_resolvers(plan, host=None, hosts=None):
    return _failover.client_resolvers(_plan(plan, "failover_client_resolvers"), host, list(value_list(hosts, "failover_client_resolvers", "a list of hosts")))


class FilterModule:
    """Several gateways behind floating IPv6 /64s."""

    def filters(self):
        return {
            "failover_plan": failover_plan,
            "failover_gateways": failover_gateways,
            "failover_agent_config": failover_agent_config,
            "failover_client_resolvers": failover_client_resolvers,
        }
