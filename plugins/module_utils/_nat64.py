# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NAT64 prefixes: carving one, and what TAYGA and unbound's dns64 accept (private).

The rules every role that takes a NAT64 prefix applies (nat64_gateway, dns64,
nat64_client), behind the ``nat64_*`` filters:

- the prefix is an IPv6 /96 (the IPv4 address fills its last 32 bits);
- TAYGA 0.9.2 refuses reserved space (``::/8`` other than the well-known
  prefix, ``fe80::/10``, ``ff00::/8``), which includes the RFC 8215
  local-use prefix ``64:ff9b:1::/48``;
- the well-known prefix ``64:ff9b::/96`` cannot reach non-global IPv4
  addresses (RFC 6052 section 3.1).

Prefixes and addresses are read with ``_prefix``. Messages start with the
variable name. This file is private to the collection: its names may change
without notice.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import (
    address_problem,
    parse_prefix,
    prefix_problem,
)

WELL_KNOWN_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
# What TAYGA 0.9.2 refuses in its `prefix` directive ("Cannot use reserved address"), checked here.
TAYGA_RESERVED = (
    ipaddress.IPv6Network("::/8"),
    ipaddress.IPv6Network("fe80::/10"),
    ipaddress.IPv6Network("ff00::/8"),
)
DEFAULT_OFFSET = "::64:0:0:0"
# What an offset is checked against when the routed /64 is not known yet (a
# gateway's facts not read, a server not created).
CARVE_STAND_IN = "::/64"


def routed_network(value):
    """The routed IPv6 network; an interface address (host bits set) stands for its network."""
    return parse_prefix(value, version=6, host_bits=True)


def carve_problems(routed, name, offset=DEFAULT_OFFSET, offset_name="offset"):
    """Return ``name: problem`` for a routed prefix and offset that cannot give a /96."""
    problems = []
    network = None
    try:
        network = routed_network(routed)
    except ValueError as exc:
        problems.append("%s: %s" % (name, exc))
    else:
        if network.prefixlen > 96:
            problems.append("%s: %r is a /%d; a /96 cannot be carved out of a prefix longer than /96" % (name, routed, network.prefixlen))
    try:
        offset_address = ipaddress.IPv6Address(offset)
    except (ValueError, TypeError) as exc:
        problems.append("%s: %r is not an IPv6 address (%s)" % (offset_name, offset, exc))
        return problems
    if int(offset_address) & 0xFFFFFFFF:
        problems.append("%s: %r sets bits in the last 32 bits, which hold the IPv4 address in a /96" % (offset_name, offset))
    if network is not None and network.prefixlen <= 96:
        if int(offset_address) & int(network.netmask):
            problems.append("%s: %r sets bits inside the /%d network part of %s" % (offset_name, offset, network.prefixlen, network))
    return problems


def carve(routed, offset=DEFAULT_OFFSET):
    """Return the /96 at ``offset`` inside ``routed``; ``ValueError`` with the problems when there is none."""
    problems = carve_problems(routed, "routed prefix", offset=offset)
    if problems:
        raise ValueError("; ".join(problems))
    network = routed_network(routed)
    base = int(network.network_address) | int(ipaddress.IPv6Address(offset))
    return str(ipaddress.IPv6Network((base, 96)))


def prefix_problems(value, name, ipv4_targets=None, targets_name="ipv4_targets"):
    """Return ``name: problem`` for everything that makes ``value`` unusable as a TAYGA/DNS64 prefix."""
    problem = prefix_problem(value, version=6)
    if problem:
        return ["%s: %s" % (name, problem)]
    network = ipaddress.IPv6Network(value)
    problems = []
    if network.prefixlen != 96:
        problems.append("%s: %r is a /%d; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)" % (name, value, network.prefixlen))
    if network != WELL_KNOWN_PREFIX and any(network.overlaps(r) for r in TAYGA_RESERVED):
        problems.append(
            "%s: %r is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 or ff00::/8, "
            "which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as "
            '"reserved"' % (name, value)
        )
    if network == WELL_KNOWN_PREFIX:
        private = non_global(ipv4_targets)
        if private:
            problems.append(
                "%s: the well-known prefix 64:ff9b::/96 cannot reach the non-global IPv4 targets %s in %s: "
                'RFC 6052 forbids it and TAYGA answers "unreachable route"; use a network-specific /96, '
                "e.g. one carved out of the gateway's routed /64" % (name, ", ".join(private), targets_name)
            )
    return problems


def non_global(values):
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


def address_problems(values, name, version=None):
    """Return ``name: problem`` for every value of the list that is not a single IP address (of ``version``)."""
    problems = []
    for value in values or []:
        problem = address_problem(value, version=version)
        if problem:
            problems.append("%s: %s" % (name, problem))
    return problems


def addresses_inside(addresses, prefix):
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
