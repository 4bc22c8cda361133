# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: nat64_ipv4_denied
short_description: "Internal to the nat64_gateway role: check its variables, its packet policy and its tc-BPF translator's configuration"
version_added: 0.2.0
description:
  - B(Internal) to the P(ipv6ready.docker.nat64_gateway#role) role, not a public interface; these filters may change
    in any release without notice.
  - C(nat64_ipv4_denied) returns the non-global IPv4 networks (the IANA special-purpose registry entries that are
    not globally reachable, and multicast) the translator must not forward to, leaving out those entirely inside
    one of the input networks (the gateway's IPv4 targets, which stay reachable).
  - C(nat64_bpf_config) returns the configuration map value of the tc-BPF translator for the NAT64 prefix (the
    input), O(pool) and O(timeout), as the space-separated hex bytes C(bpftool map update) takes.
  - C(nat64_gateway_problems) lists what is wrong with the role's variables beyond their types, one message per
    problem, each starting with the variable's name. The input holds the role's variables by name.
  - C(nat64_gateway_prefix_problems) lists what is wrong with the NAT64 prefix in use, O(prefix) (given or carved
    out of the routed prefix), on this host - TAYGA's rules, the host's own addresses in O(addresses) inside it,
    TAYGA's own IPv6 address - naming the variable it came from. The input holds the role's variables by name.
  - C(nat64_engine_problems) lists what the chosen engine (the input) cannot use, naming the variables; empty
    when everything is usable.
  - C(nat64_gateway_plan) returns the gateway's whole packet policy as one nftables ruleset (allowlist, IPv4
    destination policy, the gateway's own addresses, invalid packets, masquerade; key C(ruleset)) and what its host
    networking script needs (C(routes), C(table), C(mark_accepted), C(mark_fragment), C(fragment_table),
    C(fragment_mtu)), from the engine (the input) and the options C(device), C(prefixes), C(pool), C(allowed),
    C(ipv4_targets), C(ipv4_destinations), C(deny_action), C(uplink), C(tayga_address), C(lowest_ipv6_mtu).
options:
  _input:
    description:
      - C(nat64_gateway_problems), C(nat64_gateway_prefix_problems) - the role's variables by name.
      - C(nat64_ipv4_denied) - the IPv4 targets, a list of networks.
      - C(nat64_bpf_config) - the NAT64 prefix, a /96.
      - C(nat64_engine_problems) - the engine, C(tayga) or C(bpf).
      - C(nat64_gateway_plan) - the engine, C(tayga) or C(bpf).
    type: raw
    required: true
  pool:
    description:
      - C(nat64_bpf_config), C(nat64_engine_problems), C(nat64_gateway_plan) - the IPv4 pool IPv6 sources are
        mapped to.
    type: str
  timeout:
    description:
      - C(nat64_bpf_config), C(nat64_engine_problems) - seconds a pool address stays with an idle IPv6 source
        before it may go to another one.
    type: int
  device:
    description: C(nat64_engine_problems), C(nat64_gateway_plan) - the translator's device name.
    type: str
  names:
    description:
      - C(nat64_engine_problems) - the variable names for the messages, keys C(engine), C(pool), C(device),
        C(timeout) and C(lowest_ipv6_mtu).
    type: dict
  prefix:
    description: C(nat64_gateway_prefix_problems) - the NAT64 prefix in use (C(nat64_gateway_active_prefix)).
    type: str
  addresses:
    description: C(nat64_gateway_prefix_problems) - the host's IPv6 addresses (the fact C(all_ipv6_addresses)).
    type: list
    elements: str
  prefixes:
    description: C(nat64_gateway_plan) - the NAT64 /96s the translator handles.
    type: list
    elements: str
  extra_prefixes:
    description:
      - C(nat64_gateway_plan) - further /96s mapped onto the first of O(prefixes) before routing (the floating /64s of
        several gateways); the answers are mapped back by conntrack.
    type: list
    elements: str
  allowed:
    description: C(nat64_gateway_plan) - the fleet's IPv6 prefixes, the only sources the translator takes.
    type: list
    elements: str
  ipv4_targets:
    description: C(nat64_gateway_plan) - non-global IPv4 networks the fleet reaches all the same.
    type: list
    elements: str
  ipv4_destinations:
    description: C(nat64_gateway_plan) - C(global) (global destinations and the targets only) or C(any).
    type: str
  deny_action:
    description: C(nat64_gateway_plan) - C(drop) or C(reject) what the policy refuses.
    type: str
  uplink:
    description: C(nat64_gateway_plan) - the interface to masquerade the pool out of; empty for every one but the device.
    type: str
  tayga_address:
    description: C(nat64_gateway_plan) - TAYGA's own IPv6 address, routed to it too (ignored with C(bpf)).
    type: str
  lowest_ipv6_mtu:
    description:
      - C(nat64_gateway_plan), C(nat64_engine_problems) - the lowest IPv6 MTU of the network (RFC 7915 4.1); IPv4
        packets without DF that would be longer as IPv6 are fragmented before translation.
    type: int
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ inputs | ipv6ready.docker.nat64_gateway_problems }}"
    inputs:
      nat64_gateway_allowed_prefixes: ["2001:db8:1::/48"]
      nat64_gateway_prefix: "2001:db8:1:2:64::/96"

- name: Write the translator's configuration
  ansible.builtin.debug:
    msg: "{{ '2001:db8:1:2:64::/96' | ipv6ready.docker.nat64_bpf_config(pool='192.168.255.0/24', timeout=7200) }}"

- name: The IPv4 networks to drop, the targets left out
  ansible.builtin.debug:
    msg: "{{ ['10.0.3.0/24', '192.168.0.0/16'] | ipv6ready.docker.nat64_ipv4_denied }}"
"""

RETURN = r"""
_value:
  description:
    - C(nat64_ipv4_denied) - the networks, in the registry's order.
    - C(nat64_bpf_config) - hex bytes, e.g. C(20 01 0d b8 ...).
    - C(nat64_gateway_problems), C(nat64_gateway_prefix_problems), C(nat64_engine_problems) - one message per
      problem, each starting with the variable name; empty when everything is usable.
    - C(nat64_gateway_plan) - a dict, the ruleset text under C(ruleset).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64_gateway
from ansible_collections.ipv6ready.docker.plugins.module_utils._nat64_gateway import (
    ENGINE_VARIABLES,
    bpf_config_hex,
    engine_problems,
    gateway_plan,
    ipv4_denied,
)
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping, value_list


def nat64_gateway_problems(inputs):
    """What is wrong with the role's variables beyond their types (``_nat64_gateway.input_problems``)."""
    return _nat64_gateway.input_problems(mapping(inputs, "nat64_gateway_problems input"))


def nat64_gateway_prefix_problems(inputs, prefix, addresses=None):
    """What is wrong with the NAT64 prefix in use on this host (``_nat64_gateway.prefix_in_use_problems``)."""
    return _nat64_gateway.prefix_in_use_problems(
        mapping(inputs, "nat64_gateway_prefix_problems input"), prefix, value_list(addresses, "nat64_gateway_prefix_problems", "a list of addresses")
    )


def nat64_ipv4_denied(targets):
    """The non-global IPv4 networks the translator drops, minus those inside ``targets``."""
    try:
        return ipv4_denied(value_list(targets, "nat64_ipv4_denied", "a network or a list of networks"))
    except (ValueError, TypeError) as exc:
        raise AnsibleFilterError("nat64_ipv4_denied: %s" % exc) from exc


def nat64_bpf_config(prefix, pool, timeout):
    """The tc-BPF translator's configuration map value, as hex bytes for bpftool."""
    try:
        return bpf_config_hex(prefix, pool, timeout)
    except (ValueError, TypeError) as exc:
        raise AnsibleFilterError("nat64_bpf_config: %s" % exc) from exc


def nat64_engine_problems(engine, pool, device, timeout, names=None, lowest_ipv6_mtu=1280):
    """``name: problem`` for each setting the engine cannot use."""
    return engine_problems(engine, pool, device, timeout, dict(ENGINE_VARIABLES, **(names or {})), lowest_ipv6_mtu)


def nat64_gateway_plan(engine, **kwargs):
    """The gateway's packet policy (one nftables ruleset) and what its host networking script needs."""
    try:
        return gateway_plan(engine, **kwargs)
    except (ValueError, TypeError) as exc:
        raise AnsibleFilterError("nat64_gateway_plan: %s" % exc) from exc


class FilterModule:
    """The nat64_gateway role's checks, packet policy and translator configuration."""

    def filters(self):
        return {
            "nat64_gateway_problems": nat64_gateway_problems,
            "nat64_gateway_prefix_problems": nat64_gateway_prefix_problems,
            "nat64_ipv4_denied": nat64_ipv4_denied,
            "nat64_bpf_config": nat64_bpf_config,
            "nat64_engine_problems": nat64_engine_problems,
            "nat64_gateway_plan": nat64_gateway_plan,
        }
