# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the NAT64 gateway role decides in Python (private): the IPv4
destinations the translator refuses, and the layout of the configuration the
tc-BPF translator (roles/nat64_gateway/files/nat64_bpf.c) reads."""

from __future__ import annotations

import ipaddress
import struct

ENGINES = ('tayga', 'bpf')

# IPv4 space that is not globally reachable: the IANA IPv4 Special-Purpose
# Address Registry (RFC 6890) entries with "Globally Reachable: False", and
# multicast. With nat64_gateway_ipv4_destinations=global the translator drops
# packets for these unless a network of nat64_gateway_ipv4_targets holds them
# (the targets' ACCEPT rules come first). 192.0.0.0/24 is refused whole,
# including the two anycast /32s in it (PCP, TURN) no client needs through a
# NAT64.
IPV4_NON_GLOBAL = (
    ('0.0.0.0/8', '"this network" (RFC 791)'),
    ('10.0.0.0/8', 'private (RFC 1918)'),
    ('100.64.0.0/10', 'shared address space (RFC 6598)'),
    ('127.0.0.0/8', 'loopback (RFC 1122)'),
    ('169.254.0.0/16', 'link local (RFC 3927)'),
    ('172.16.0.0/12', 'private (RFC 1918)'),
    ('192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'),
    ('192.0.2.0/24', 'documentation, TEST-NET-1 (RFC 5737)'),
    ('192.168.0.0/16', 'private (RFC 1918)'),
    ('198.18.0.0/15', 'benchmarking (RFC 2544)'),
    ('198.51.100.0/24', 'documentation, TEST-NET-2 (RFC 5737)'),
    ('203.0.113.0/24', 'documentation, TEST-NET-3 (RFC 5737)'),
    ('224.0.0.0/4', 'multicast (RFC 5771)'),
    ('240.0.0.0/4', 'reserved, and the limited broadcast address (RFC 1112, RFC 919)'),
)


def ipv4_denied(targets=None):
    """The non-global IPv4 networks to drop, in table order, leaving out those
    that lie entirely inside one of ``targets`` (their ACCEPT covers them)."""
    allowed = [ipaddress.IPv4Network(t) for t in (targets or [])]
    denied = []
    for value, dummy in IPV4_NON_GLOBAL:
        network = ipaddress.IPv4Network(value)
        if not any(network.subnet_of(t) for t in allowed):
            denied.append(value)
    return denied


# ---------------------------------------------------------------------------
# The tc-BPF translator's configuration map (struct n64_config in
# nat64_bpf.c): every field in network byte order, so the bytes do not depend
# on the gateway's CPU. The unit tests compare these fields with the C struct.
# ---------------------------------------------------------------------------

BPF_CONFIG_FIELDS = (
    ('prefix', '12s'),      # __u32 prefix[3]: the first 96 bits of the NAT64 prefix
    ('pool_first', 'I'),    # first address of the IPv4 pool
    ('pool_size', 'I'),     # number of pool addresses
    ('flags', 'I'),         # BPF_CONFIGURED
    ('timeout_ns', 'Q'),    # idle time before a pool address may go to another source
)
BPF_CONFIG_FORMAT = '!' + ''.join(code for dummy, code in BPF_CONFIG_FIELDS)
BPF_CONFIGURED = 1
# N64_POOL_MAX in nat64_bpf.c: the size of the pool map.
BPF_POOL_MAX = 65536
# The veth peer of the translator device is named <device>-peer.
BPF_PEER_SUFFIX = '-peer'
IFNAMSIZ = 15


def pool_addresses(pool):
    """(first address, count) the translator hands out from ``pool``: every
    address, less the network and broadcast address when there are more than
    two."""
    network = ipaddress.IPv4Network(pool)
    if network.num_addresses > 2:
        return network.network_address + 1, network.num_addresses - 2
    return network.network_address, network.num_addresses


def bpf_config(prefix, pool, timeout):
    """The n64_config value: the bytes the loader writes into the map."""
    network = ipaddress.IPv6Network(prefix)
    if network.prefixlen != 96:
        raise ValueError('%r is not a /96' % (prefix,))
    first, count = pool_addresses(pool)
    if count > BPF_POOL_MAX:
        raise ValueError('%r has %d addresses, more than the %d the translator maps' % (pool, count, BPF_POOL_MAX))
    timeout = int(timeout)
    if timeout <= 0:
        raise ValueError('the timeout must be a positive number of seconds, not %r' % (timeout,))
    return struct.pack(BPF_CONFIG_FORMAT, network.network_address.packed[:12], int(first), count, BPF_CONFIGURED,
                       timeout * 1000000000)


def bpf_config_hex(prefix, pool, timeout):
    """The n64_config value as bpftool takes it: hex bytes separated by spaces."""
    return ' '.join('%02x' % byte for byte in bpf_config(prefix, pool, timeout))


def engine_problems(engine, pool, device, timeout, names):
    """``name: problem`` for settings the chosen engine cannot use.

    ``names`` maps 'engine', 'pool', 'device' and 'timeout' to the variable
    names to put in the messages.
    """
    if engine not in ENGINES:
        return ['%s: %r is not one of %s' % (names['engine'], engine, ', '.join(ENGINES))]
    if engine != 'bpf':
        return []
    problems = []
    try:
        dummy, count = pool_addresses(pool)
    except (ValueError, TypeError):
        count = None  # reported by the check of the pool itself
    if count is not None and count > BPF_POOL_MAX:
        problems.append('%s: %s holds %d addresses; the bpf engine maps at most %d (a /16), each to one IPv6 source'
                        % (names['pool'], pool, count, BPF_POOL_MAX))
    longest = IFNAMSIZ - len(BPF_PEER_SUFFIX)
    if isinstance(device, str) and len(device) > longest:
        problems.append('%s: %r is longer than %d characters; the bpf engine also creates its veth peer %r'
                        % (names['device'], device, longest, device + BPF_PEER_SUFFIX))
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 60:
        problems.append('%s: %r is not a number of seconds of at least 60' % (names['timeout'], timeout))
    return problems


# ---------------------------------------------------------------------------
# TAYGA's hop limit. A packet through TAYGA is decremented three times: by the
# kernel's forwarding into the TUN device, by TAYGA, and by the forwarding out
# of it. The gateway gives two back on the IPv6 side of TAYGA, in both
# directions, so that it counts as one hop. nftables cannot add to a field, so
# the ruleset maps every hop limit to the one two higher (at most 255).
# ---------------------------------------------------------------------------

TAYGA_HOPS_GIVEN_BACK = 2


def hop_limit_map(plus=TAYGA_HOPS_GIVEN_BACK):
    """The elements of an nftables map from each hop limit (1 to 255) to the
    one ``plus`` higher, at most 255, as ``1 : 3, 2 : 4, ...``."""
    return ', '.join('%d : %d' % (value, min(value + plus, 255)) for value in range(1, 256))
