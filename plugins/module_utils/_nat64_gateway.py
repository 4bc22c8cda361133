# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the NAT64 gateway role decides in Python (private): what is wrong
with its variables (input_problems), the gateway's packet policy as one
nftables ruleset (gateway_ruleset), the IPv4 destinations the translator
refuses, and the layout of the configuration the tc-BPF translator
(roles/nat64_gateway/files/nat64_bpf.c) reads.

Prefixes and addresses are read with ``_prefix``, the NAT64 prefix with
``_nat64``, interface names with ``_names``. This file is private to the
collection: its names may change without notice.
"""

from __future__ import annotations

import ipaddress
import struct

from ansible_collections.ipv6ready.docker.plugins.module_utils import _names, _nat64
from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import prefix_problem

ENGINES = ("tayga", "bpf")
IPV6_MIN_MTU = 1280

# IPv4 space that is not globally reachable: the IANA IPv4 Special-Purpose
# Address Registry (RFC 6890) entries with "Globally Reachable: False", and
# multicast. With nat64_gateway_ipv4_destinations=global the translator drops
# packets for these unless a network of nat64_gateway_ipv4_targets holds them
# (the targets' ACCEPT rules come first). 192.0.0.0/24 is refused whole,
# including the two anycast /32s in it (PCP, TURN) no client needs through a
# NAT64.
IPV4_NON_GLOBAL = (
    ("0.0.0.0/8", '"this network" (RFC 791)'),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link local (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved, and the limited broadcast address (RFC 1112, RFC 919)"),
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
    ("prefix", "12s"),  # __u32 prefix[3]: the first 96 bits of the NAT64 prefix
    ("pool_first", "I"),  # first address of the IPv4 pool
    ("pool_size", "I"),  # number of pool addresses
    ("flags", "I"),  # BPF_CONFIGURED
    ("timeout_ns", "Q"),  # idle time before a pool address may go to another source
)
BPF_CONFIG_FORMAT = "!" + "".join(code for dummy, code in BPF_CONFIG_FIELDS)
BPF_CONFIGURED = 1
# N64_POOL_MAX in nat64_bpf.c: the size of the pool map.
BPF_POOL_MAX = 65536
# The veth peer of the translator device is named <device>-peer.
BPF_PEER_SUFFIX = "-peer"


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
        raise ValueError("%r is not a /96" % (prefix,))
    first, count = pool_addresses(pool)
    if count > BPF_POOL_MAX:
        raise ValueError("%r has %d addresses, more than the %d the translator maps" % (pool, count, BPF_POOL_MAX))
    timeout = int(timeout)
    if timeout <= 0:
        raise ValueError("the timeout must be a positive number of seconds, not %r" % (timeout,))
    return struct.pack(BPF_CONFIG_FORMAT, network.network_address.packed[:12], int(first), count, BPF_CONFIGURED, timeout * 1000000000)


def bpf_config_hex(prefix, pool, timeout):
    """The n64_config value as bpftool takes it: hex bytes separated by spaces."""
    return " ".join("%02x" % byte for byte in bpf_config(prefix, pool, timeout))


def engine_problems(engine, pool, device, timeout, names, lowest_ipv6_mtu=IPV6_MIN_MTU):
    """``name: problem`` for settings the chosen engine cannot use.

    ``names`` maps 'engine', 'pool', 'device', 'timeout' and
    'lowest_ipv6_mtu' to the variable names to put in the messages.
    """
    if engine not in ENGINES:
        return ["%s: %r is not one of %s" % (names["engine"], engine, ", ".join(ENGINES))]
    problems = []
    if isinstance(lowest_ipv6_mtu, bool) or not isinstance(lowest_ipv6_mtu, int) or not IPV6_MIN_MTU <= lowest_ipv6_mtu <= 65535:
        problems.append(
            "%s: %r is not an MTU from %d to 65535 (RFC 7915 4.1: the lowest IPv6 MTU of the network)"
            % (names.get("lowest_ipv6_mtu", "lowest_ipv6_mtu"), lowest_ipv6_mtu, IPV6_MIN_MTU)
        )
    if engine != "bpf":
        return problems
    try:
        dummy, count = pool_addresses(pool)
    except (ValueError, TypeError):
        count = None  # reported by the check of the pool itself
    if count is not None and count > BPF_POOL_MAX:
        problems.append(
            "%s: %s holds %d addresses; the bpf engine maps at most %d (a /16), each to one IPv6 source" % (names["pool"], pool, count, BPF_POOL_MAX)
        )
    longest = _names.INTERFACE_NAME_MAX - len(BPF_PEER_SUFFIX)
    if isinstance(device, str) and len(device) > longest:
        problems.append(
            "%s: %r is longer than %d characters; the bpf engine also creates its veth peer %r" % (names["device"], device, longest, device + BPF_PEER_SUFFIX)
        )
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 60:
        problems.append("%s: %r is not a number of seconds of at least 60" % (names["timeout"], timeout))
    return problems


# ---------------------------------------------------------------------------
# The role's variables: what is wrong with them beyond their types
# (meta/argument_specs.yml checks those), one rule per fact, each message
# starting with the variable's name. ``inputs`` holds the role's variables by
# name (roles/nat64_gateway/vars/main.yml, __nat64_gateway_inputs).
# ---------------------------------------------------------------------------

# The variables engine_problems names in its messages.
ENGINE_VARIABLES = {
    "engine": "nat64_gateway_engine",
    "pool": "nat64_gateway_dynamic_pool",
    "device": "nat64_gateway_tun_device",
    "timeout": "nat64_gateway_bpf_mapping_timeout",
    "lowest_ipv6_mtu": "nat64_gateway_lowest_ipv6_mtu",
}
EMPTY_ALLOWLIST = (
    "nat64_gateway_allowed_prefixes: the list is empty; an empty allowlist is refused rather than "
    'read as "allow all", which would make the gateway an open NAT64 relay: list the IPv6 prefixes '
    "of the fleet"
)
# What the offset is checked against when the routed prefix is not known
# before the host's facts are read (the /64 of its default IPv6 address).
CARVE_STAND_IN = _nat64.CARVE_STAND_IN


def _prefix_problems(values, name, version):
    return ["%s: %s" % (name, problem) for problem in (prefix_problem(value, version=version) for value in values or []) if problem]


def allowlist_problems(inputs):
    """The fleet's IPv6 prefixes: an empty list is refused, never read as "allow all"."""
    allowed = inputs.get("nat64_gateway_allowed_prefixes") or []
    if not allowed:
        return [EMPTY_ALLOWLIST]
    return _prefix_problems(allowed, "nat64_gateway_allowed_prefixes", 6)


def prefix_problems(inputs):
    """The NAT64 prefix when it is given, else the routed prefix and the offset it is carved with.

    Without either, only the offset is checked (against CARVE_STAND_IN): the
    routed prefix is the host's, known once its facts are read
    (prefix_in_use_problems).
    """
    prefix = inputs.get("nat64_gateway_prefix") or ""
    if prefix:
        return _nat64.prefix_problems(
            prefix, "nat64_gateway_prefix", ipv4_targets=inputs.get("nat64_gateway_ipv4_targets"), targets_name="nat64_gateway_ipv4_targets"
        )
    return _nat64.carve_problems(
        inputs.get("nat64_gateway_carve_from") or CARVE_STAND_IN,
        "nat64_gateway_carve_from",
        offset=inputs.get("nat64_gateway_carve_offset"),
        offset_name="nat64_gateway_carve_offset",
    )


def pool_problems(inputs):
    """The IPv4 pool: a network of at least two addresses."""
    pool = inputs.get("nat64_gateway_dynamic_pool")
    problems = _prefix_problems([pool], "nat64_gateway_dynamic_pool", 4)
    if not problems and ipaddress.IPv4Network(pool).prefixlen > 31:
        problems.append("nat64_gateway_dynamic_pool: %s is longer than /31; TAYGA needs at least two addresses" % pool)
    return problems


def target_problems(inputs):
    """The non-global IPv4 networks the fleet reaches all the same."""
    return _prefix_problems(inputs.get("nat64_gateway_ipv4_targets"), "nat64_gateway_ipv4_targets", 4)


def extra_prefix_problems(inputs):
    """Further NAT64 /96s (the floating ones), each a usable NAT64 prefix."""
    problems = []
    for value in inputs.get("nat64_gateway_extra_prefixes") or []:
        problems += _nat64.prefix_problems(value, "nat64_gateway_extra_prefixes")
    return problems


def engine_input_problems(inputs):
    """What the chosen engine cannot use (engine_problems)."""
    return engine_problems(
        inputs.get("nat64_gateway_engine"),
        inputs.get("nat64_gateway_dynamic_pool"),
        inputs.get("nat64_gateway_tun_device"),
        inputs.get("nat64_gateway_bpf_mapping_timeout"),
        ENGINE_VARIABLES,
        inputs.get("nat64_gateway_lowest_ipv6_mtu"),
    )


def address_problems(inputs):
    """TAYGA's own IPv4 address, and its IPv6 address when one is given."""
    problems = _nat64.address_problems([inputs.get("nat64_gateway_ipv4_addr")], "nat64_gateway_ipv4_addr", version=4)
    ipv6_addr = inputs.get("nat64_gateway_ipv6_addr") or ""
    if ipv6_addr:
        problems += _nat64.address_problems([ipv6_addr], "nat64_gateway_ipv6_addr", version=6)
    return problems


def interface_problems(inputs):
    """The translator's device, and the IPv4 uplink when one is given."""
    return _names.interface_problems(inputs.get("nat64_gateway_tun_device"), "nat64_gateway_tun_device") + _names.interface_problems(
        inputs.get("nat64_gateway_ipv4_uplink"), "nat64_gateway_ipv4_uplink", required=False
    )


RULES = (
    allowlist_problems,
    prefix_problems,
    pool_problems,
    target_problems,
    extra_prefix_problems,
    engine_input_problems,
    address_problems,
    interface_problems,
)


def input_problems(inputs):
    """Every problem of the role's variables, in the order of RULES."""
    problems = []
    for rule in RULES:
        problems.extend(rule(inputs))
    return problems


def prefix_in_use_problems(inputs, prefix, host_addresses):
    """What is wrong with ``prefix``, the NAT64 prefix in use (nat64_gateway_active_prefix), on this host.

    Run once the prefix is chosen (given, or carved out of the routed prefix):
    TAYGA's rules and the targets (named as the variable the prefix came
    from), none of ``host_addresses`` (the host's IPv6 addresses) inside it,
    TAYGA's own IPv6 address outside it, and TAYGA's own IPv6 address given
    with the well-known prefix and a non-global IPv4 address (TAYGA cannot map
    that one into the prefix).
    """
    source = "nat64_gateway_prefix" if inputs.get("nat64_gateway_prefix") else "nat64_gateway_carve_from"
    problems = _nat64.prefix_problems(prefix, source, ipv4_targets=inputs.get("nat64_gateway_ipv4_targets"), targets_name="nat64_gateway_ipv4_targets")
    own = _nat64.addresses_inside(host_addresses, prefix)
    if own:
        problems.append(
            "%s: the NAT64 prefix %s holds the address(es) of this host %s; choose another "
            "nat64_gateway_carve_offset or prefix" % (source, prefix, ", ".join(own))
        )
    if inputs.get("nat64_gateway_engine") != "tayga":
        return problems
    ipv6_addr = inputs.get("nat64_gateway_ipv6_addr") or ""
    if ipv6_addr and _nat64.addresses_inside(ipv6_addr, prefix):
        problems.append("nat64_gateway_ipv6_addr: %s lies inside the NAT64 prefix %s; TAYGA needs an address outside it" % (ipv6_addr, prefix))
    ipv4_addr = inputs.get("nat64_gateway_ipv4_addr")
    if not ipv6_addr and _is_well_known(prefix) and _nat64.non_global(ipv4_addr):
        problems.append(
            "nat64_gateway_ipv6_addr: required with the well-known prefix %s and the non-global "
            "nat64_gateway_ipv4_addr %s (TAYGA refuses to start without it)" % (_nat64.WELL_KNOWN_PREFIX, ipv4_addr)
        )
    return problems


def _is_well_known(prefix):
    try:
        return ipaddress.IPv6Network(prefix) == _nat64.WELL_KNOWN_PREFIX
    except (ValueError, TypeError):
        return False


# ---------------------------------------------------------------------------
# The gateway's packet policy: one nftables table, rendered here whole and
# loaded atomically (`nft -f`, after `nft -c -f`) by ipv6ready-nat64-net on
# every start of the translator. The table is the collection's own; nothing
# else on the host (Docker's tables, iptables-nft's) is touched, except one
# rule per family in iptables' FORWARD chain that accepts what this table
# accepted (MARK_ACCEPTED): a packet must be accepted by every base chain of
# the hook, and the sysctl role keeps iptables' FORWARD policy DROP.
# ---------------------------------------------------------------------------

NFT_TABLE = "ipv6ready_nat64"
# Packet marks (bits of skb->mark; the ruleset sets them with OR).
MARK_ACCEPTED = 0x00200000  # forwarded, accepted by this table
MARK_FRAGMENT = 0x00400000  # IPv4 without DF to the translator, too big for IPv6 in one piece
# The routing table (and rule priority) of the fragmenting route.
FRAGMENT_TABLE = 6464
DENY_ACTIONS = ("drop", "reject")
IPV4_DESTINATIONS = ("global", "any")
# The named counters of the table, what `ipv6ready-nat64-net stats` prints.
COUNTERS = (
    ("invalid", "what conntrack cannot track (a wrong checksum), towards or from the translator"),
    ("not_fleet", "sources outside the allowlist, to the NAT64 prefix"),
    ("ipv4_denied", "translated packets to non-global IPv4 networks that are no target"),
    ("unsolicited", "packets into or out of the translator that answer nothing"),
    ("to_gateway", "translated packets to the gateway itself"),
    ("pool_leaked", "packets about to leave with a pool source address (none should)"),
)


def _tayga_route(engine, tayga_address):
    """TAYGA's own IPv6 address as a /128 network (none for bpf, or when unset)."""
    if engine != "tayga" or not tayga_address:
        return []
    return [ipaddress.IPv6Network(ipaddress.IPv6Address(tayga_address))]


def gateway_plan(
    engine,
    device,
    prefixes,
    pool,
    allowed,
    ipv4_targets=(),
    ipv4_destinations="global",
    deny_action="drop",
    uplink="",
    tayga_address="",
    lowest_ipv6_mtu=IPV6_MIN_MTU,
    extra_prefixes=(),
):
    """What ipv6ready-nat64-net and the ruleset file need: the ruleset
    (gateway_ruleset, same arguments), the destinations routed to the
    translator, the table's name, the marks, and the fragmenting route."""
    dummy, fragment_mtu = fragment_sizes(lowest_ipv6_mtu)
    return {
        "ruleset": gateway_ruleset(
            engine, device, prefixes, pool, allowed, ipv4_targets, ipv4_destinations, deny_action, uplink, tayga_address, lowest_ipv6_mtu, extra_prefixes
        ),
        "routes": [str(ipaddress.IPv6Network(p)) for p in prefixes] + [str(n) for n in _tayga_route(engine, tayga_address)],
        "table": NFT_TABLE,
        "mark_accepted": "0x%08x" % MARK_ACCEPTED,
        "mark_fragment": "0x%08x" % MARK_FRAGMENT,
        "fragment_table": FRAGMENT_TABLE,
        "fragment_mtu": fragment_mtu,
    }


def fragment_sizes(lowest_ipv6_mtu=IPV6_MIN_MTU):
    """(IPv4 length above which a packet without DF is fragmented before
    translation, the MTU of the route that fragments it): RFC 7915 4.1, the
    translated fragments (IPv6 and fragment headers, payload a multiple of 8)
    fit ``lowest_ipv6_mtu``."""
    lowest = int(lowest_ipv6_mtu)
    if lowest < IPV6_MIN_MTU:
        raise ValueError("the lowest IPv6 MTU is at least %d, not %d" % (IPV6_MIN_MTU, lowest))
    payload = (lowest - 40 - 8) // 8 * 8
    return lowest - 20, payload + 20


def _elements(networks):
    return ", ".join(str(n) for n in networks)


def _set(lines, name, kind, networks, comment):
    lines.append("\t# %s" % comment)
    lines.append("\tset %s {" % name)
    lines.append("\t\ttype %s" % kind)
    lines.append("\t\tflags interval")
    if networks:
        lines.append("\t\telements = { %s }" % _elements(networks))
    lines.append("\t}")


def gateway_ruleset(
    engine,
    device,
    prefixes,
    pool,
    allowed,
    ipv4_targets=(),
    ipv4_destinations="global",
    deny_action="drop",
    uplink="",
    tayga_address="",
    lowest_ipv6_mtu=IPV6_MIN_MTU,
    extra_prefixes=(),
):
    """The gateway's whole packet policy, as one nftables ruleset (text for
    ``nft -f``) that replaces the table NFT_TABLE atomically.

    ``prefixes``: the NAT64 /96s the translator handles (one; a second for a
    floating prefix), ``pool``: its IPv4 pool, ``allowed``: the fleet's IPv6
    prefixes (the only sources), ``ipv4_targets`` and ``ipv4_destinations``:
    the IPv4 destination policy, ``deny_action``: drop or reject what is
    refused, ``uplink``: the interface to masquerade out of (empty: every one
    but the translator's), ``tayga_address``: TAYGA's own IPv6 address (routed
    to TAYGA too), ``lowest_ipv6_mtu``: RFC 7915 4.1's threshold,
    ``extra_prefixes``: further /96s mapped onto the first of ``prefixes``
    before routing (the floating /64s of several gateways,
    docs/availability.md); conntrack maps the answers back.

    In short: to the prefix only from the fleet, and nothing conntrack cannot
    track; from the translator only answers on the IPv6 side, and on the IPv4
    side only from the pool, to global destinations and the targets; into the
    translator on the IPv4 side only answers; nothing from the translator to
    the gateway itself (on any address: the rule is on the device); the pool
    masqueraded, and nothing leaves with a pool address.
    """
    if engine not in ENGINES:
        raise ValueError("engine %r is not one of %s" % (engine, ", ".join(ENGINES)))
    if deny_action not in DENY_ACTIONS:
        raise ValueError("deny action %r is not one of %s" % (deny_action, ", ".join(DENY_ACTIONS)))
    if ipv4_destinations not in IPV4_DESTINATIONS:
        raise ValueError("IPv4 destinations %r is not one of %s" % (ipv4_destinations, ", ".join(IPV4_DESTINATIONS)))
    if not allowed:
        raise ValueError("no allowed prefixes: an empty allowlist would make an open relay")
    if not prefixes:
        raise ValueError("no NAT64 prefix")
    pool = ipaddress.IPv4Network(pool)
    translated = [ipaddress.IPv6Network(p) for p in prefixes] + _tayga_route(engine, tayga_address)
    extra = [ipaddress.IPv6Network(p) for p in extra_prefixes or ()]
    fleet = [ipaddress.IPv6Network(p) for p in allowed]
    targets = [ipaddress.IPv4Network(t) for t in (ipv4_targets or [])]
    denied = [ipaddress.IPv4Network(d) for d in ipv4_denied(targets)] if ipv4_destinations == "global" else []
    above, fragment_mtu = fragment_sizes(lowest_ipv6_mtu)
    dev = '"%s"' % device
    accept = "meta mark set meta mark | 0x%08x accept" % MARK_ACCEPTED
    deny6 = "reject with icmpv6 type admin-prohibited" if deny_action == "reject" else "drop"
    deny4 = "reject with icmp type admin-prohibited" if deny_action == "reject" else "drop"

    lines = [
        "# The NAT64 gateway's packet policy (engine %s), generated by gateway_ruleset()" % engine,
        "# in plugins/module_utils/_nat64_gateway.py. Loading this file replaces the",
        "# table %s as a whole, in one transaction." % NFT_TABLE,
        "table inet %s" % NFT_TABLE,
        "delete table inet %s" % NFT_TABLE,
        "",
        "table inet %s {" % NFT_TABLE,
    ]
    for name, comment in COUNTERS:
        lines.append('\tcounter %s {\n\t\tcomment "%s"\n\t}' % (name, comment))
    _set(lines, "fleet", "ipv6_addr", fleet, "The fleet: the only sources the translator takes.")
    _set(lines, "translated", "ipv6_addr", translated, "What the translator handles.")
    _set(lines, "extra", "ipv6_addr", extra, "Further /96s, mapped onto %s before routing." % translated[0])
    _set(lines, "ipv4_targets", "ipv4_addr", targets, "Non-global IPv4 networks the fleet reaches all the same.")
    _set(lines, "ipv4_denied", "ipv4_addr", denied, "Non-global IPv4 networks the translator does not reach (destinations: %s)." % ipv4_destinations)
    lines += [
        "",
        "\t# Forwarded packets; what this chain accepts, iptables' FORWARD chain accepts",
        "\t# too (its one rule for mark 0x%08x)." % MARK_ACCEPTED,
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter - 10; policy accept;",
        '\t\tip6 daddr @translated ct state invalid counter name "invalid" drop',
        '\t\tip6 daddr @extra counter name "invalid" drop',
        "\t\tip6 daddr @translated ip6 saddr @fleet %s" % accept,
        '\t\tip6 daddr @translated counter name "not_fleet" %s' % deny6,
        '\t\tiifname %s ct state invalid counter name "invalid" drop' % dev,
        '\t\toifname %s ct state invalid counter name "invalid" drop' % dev,
        "\t\tiifname %s meta nfproto ipv6 ct state established,related %s" % (dev, accept),
        '\t\tiifname %s meta nfproto ipv6 counter name "unsolicited" drop' % dev,
        '\t\tiifname %s ip saddr != %s counter name "unsolicited" drop' % (dev, pool),
        "\t\tiifname %s ip daddr @ipv4_targets %s" % (dev, accept),
        '\t\tiifname %s ip daddr @ipv4_denied counter name "ipv4_denied" %s' % (dev, deny4),
        "\t\tiifname %s %s" % (dev, accept),
        "\t\toifname %s ip daddr %s ct state established,related %s" % (dev, pool, accept),
        '\t\toifname %s counter name "unsolicited" drop' % dev,
        "\t}",
        "",
        "\t# Nothing from the translator reaches the gateway itself, on any of its",
        "\t# addresses; over IPv6 only answers to its own use of the prefix.",
        "\tchain input {",
        "\t\ttype filter hook input priority filter - 10; policy accept;",
        "\t\tiifname %s meta nfproto ipv6 ct state established,related accept" % dev,
        '\t\tiifname %s counter name "to_gateway" drop' % dev,
        "\t}",
        "",
        "\t# The pool leaves masqueraded, and never with a pool address.",
        "\tchain masquerade_pool {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        "\t\tip saddr %s oifname %s masquerade" % (pool, '"%s"' % uplink if uplink else "!= " + dev),
        "\t}",
        "\tchain pool_guard {",
        "\t\ttype filter hook postrouting priority srcnat + 10; policy accept;",
        '\t\tip saddr %s oifname != %s counter name "pool_leaked" drop' % (pool, dev),
        "\t}",
        "",
        "\t# RFC 7915 4.1: IPv4 without DF that would be longer than %d bytes as IPv6" % int(lowest_ipv6_mtu),
        "\t# goes through routing table %d (route MTU %d), so the kernel fragments it" % (FRAGMENT_TABLE, fragment_mtu),
        "\t# before the translator. After the masquerade's reverse mapping, before routing.",
        "\tchain fragment_mark {",
        "\t\ttype filter hook prerouting priority dstnat + 10; policy accept;",
        "\t\tip daddr %s ip frag-off & 0x4000 == 0 ip length > %d meta mark set meta mark | 0x%08x" % (pool, above, MARK_FRAGMENT),
        "\t}",
    ]
    if extra:
        lines += (
            [
                "",
                "\t# The further /96s: mapped onto the prefix before routing, so the allowlist",
                "\t# in forward applies to them as to the prefix; a packet conntrack cannot",
                "\t# track stays unmapped, and forward drops it.",
                "\tchain map_extra {",
                "\t\ttype nat hook prerouting priority dstnat; policy accept;",
            ]
            + ["\t\tip6 daddr %s dnat ip6 prefix to %s" % (network, translated[0]) for network in extra]
            + ["\t}"]
        )
    if engine == "tayga":
        lines += [
            "",
            "\t# TAYGA decrements the hop limit itself, between the forwarding into its",
            "\t# TUN device and out of it: two are given back on its IPv6 side, both ways.",
            "\t# It sets DF on every packet; RFC 7915 5.1 wants it above 1260 bytes only.",
            "\tmap hop_limit_plus_two {",
            "\t\ttypeof ip6 hoplimit : ip6 hoplimit",
            "\t\telements = { %s }" % hop_limit_map(TAYGA_HOPS_GIVEN_BACK),
            "\t}",
            "\tchain tayga_in {",
            "\t\ttype filter hook postrouting priority mangle; policy accept;",
            "\t\toifname %s ip6 hoplimit set ip6 hoplimit map @hop_limit_plus_two" % dev,
            "\t}",
            "\tchain tayga_out {",
            "\t\ttype filter hook prerouting priority mangle; policy accept;",
            "\t\tiifname %s ip6 hoplimit set ip6 hoplimit map @hop_limit_plus_two" % dev,
            "\t\tiifname %s ip frag-off 0x4000 ip length <= 1260 ip frag-off set 0" % dev,
            "\t}",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


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
    return ", ".join("%d : %d" % (value, min(value + plus, 255)) for value in range(1, 256))
