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
  - C(nat64_address_problems) lists every value that is not a single IP address of the wanted family.
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

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import parse_prefix, prefix_problem
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list

WELL_KNOWN_PREFIX = ipaddress.IPv6Network('64:ff9b::/96')
# What TAYGA 0.9.2 refuses in its `prefix` directive ("Cannot use reserved address"), checked here.
TAYGA_RESERVED = (
    ipaddress.IPv6Network('::/8'),
    ipaddress.IPv6Network('fe80::/10'),
    ipaddress.IPv6Network('ff00::/8'),
)
DEFAULT_OFFSET = '::64:0:0:0'


def _routed_network(value):
    """The routed IPv6 network; an interface address (host bits set) stands for its network."""
    return parse_prefix(value, version=6, host_bits=True)


def nat64_carve_problems(routed, name, offset=DEFAULT_OFFSET, offset_name='offset'):
    """Return ``name: problem`` for a routed prefix and offset that cannot give a /96."""
    problems = []
    network = None
    try:
        network = _routed_network(routed)
    except ValueError as exc:
        problems.append('%s: %s' % (name, exc))
    else:
        if network.prefixlen > 96:
            problems.append('%s: %r is a /%d; a /96 cannot be carved out of a prefix longer than /96'
                            % (name, routed, network.prefixlen))
    try:
        offset_address = ipaddress.IPv6Address(offset)
    except (ValueError, TypeError) as exc:
        problems.append('%s: %r is not an IPv6 address (%s)' % (offset_name, offset, exc))
        return problems
    if int(offset_address) & 0xFFFFFFFF:
        problems.append('%s: %r sets bits in the last 32 bits, which hold the IPv4 address in a /96'
                        % (offset_name, offset))
    if network is not None and network.prefixlen <= 96:
        if int(offset_address) & int(network.netmask):
            problems.append('%s: %r sets bits inside the /%d network part of %s'
                            % (offset_name, offset, network.prefixlen, network))
    return problems


def nat64_carve(routed, offset=DEFAULT_OFFSET):
    """Return the /96 at ``offset`` inside ``routed``."""
    problems = nat64_carve_problems(routed, 'routed prefix', offset=offset)
    if problems:
        raise AnsibleFilterError('nat64_carve: %s' % '; '.join(problems))
    network = _routed_network(routed)
    base = int(network.network_address) | int(ipaddress.IPv6Address(offset))
    return str(ipaddress.IPv6Network((base, 96)))


def nat64_prefix_problems(value, name, ipv4_targets=None, targets_name='ipv4_targets'):
    """Return ``name: problem`` for everything that makes ``value`` unusable as a TAYGA/DNS64 prefix."""
    problem = prefix_problem(value, version=6)
    if problem:
        return ['%s: %s' % (name, problem)]
    network = ipaddress.IPv6Network(value)
    problems = []
    if network.prefixlen != 96:
        problems.append('%s: %r is a /%d; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)'
                        % (name, value, network.prefixlen))
    if network != WELL_KNOWN_PREFIX and any(network.overlaps(r) for r in TAYGA_RESERVED):
        problems.append('%s: %r is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 or ff00::/8, '
                        'which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as '
                        '"reserved"' % (name, value))
    if network == WELL_KNOWN_PREFIX:
        private = nat64_non_global(ipv4_targets)
        if private:
            problems.append('%s: the well-known prefix 64:ff9b::/96 cannot reach the non-global IPv4 targets %s in %s: '
                            'RFC 6052 forbids it and TAYGA answers "unreachable route"; use a network-specific /96, '
                            'e.g. one carved out of the gateway\'s routed /64'
                            % (name, ', '.join(private), targets_name))
    return problems


def nat64_non_global(values):
    """Return the addresses or prefixes that are not global (RFC 6890 special-purpose); unparsable ones are skipped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    result = []
    for value in values:
        try:
            if not ipaddress.ip_network(value, strict=False).is_global:
                result.append(value)
        except (ValueError, TypeError):
            continue  # reported by the check of the values themselves
    return result


def nat64_address_problems(values, name, version=None):
    """Return ``name: problem`` for every value that is not a single IP address (of ``version``)."""
    problems = []
    for value in value_list(values, 'nat64_address_problems', 'an address or a list of addresses'):
        try:
            if not isinstance(value, str):
                raise TypeError(value)
            address = ipaddress.ip_address(value)
        except (ValueError, TypeError):
            hint = ' (give one address, without a /length)' if isinstance(value, str) and '/' in value else ''
            problems.append('%s: %r is not an IP address%s' % (name, value, hint))
            continue
        if version is not None and address.version != version:
            problems.append('%s: %r is an IPv%d address, IPv%d is required' % (name, value, address.version, version))
    return problems


def nat64_addresses_inside(addresses, prefix):
    """Return the addresses (plain or address/length) that lie inside ``prefix``; unparsable ones are skipped."""
    if addresses is None:
        return []
    if isinstance(addresses, str):
        addresses = [addresses]
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except (ValueError, TypeError):
        return []
    inside = []
    for value in addresses:
        try:
            address = ipaddress.ip_interface(value).ip
        except (ValueError, TypeError):
            continue
        if address.version == network.version and address in network:
            inside.append(value)
    return inside


class FilterModule:
    """NAT64 prefix carving and checks."""

    def filters(self):
        return {
            'nat64_carve': nat64_carve,
            'nat64_carve_problems': nat64_carve_problems,
            'nat64_prefix_problems': nat64_prefix_problems,
            'nat64_address_problems': nat64_address_problems,
            'nat64_addresses_inside': nat64_addresses_inside,
            'nat64_non_global': nat64_non_global,
        }
