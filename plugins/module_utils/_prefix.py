# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Prefixes and addresses for the collection's modules and filters (private).

The one place that reads a prefix or an address from user input
(``parse_prefix``, ``parse_address`` and their ``*_problem`` wrappers), and
the carving of subnets out of a parent prefix for the networks role.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re


# ---------------------------------------------------------------------------
# Reading prefixes and addresses: the one implementation
# ---------------------------------------------------------------------------
#
# Every module and filter of the collection that takes a prefix or an address
# from the user reads it here, so that one value means the same thing to every
# role. The rules are those of the programs the values end up in (Docker's
# daemon.json, TAYGA, unbound, glibc's gai.conf):
#   - a prefix is ``address/length`` with a decimal length (no netmask form);
#   - no zone index (``fe80::1%eth0``);
#   - a prefix with host bits set names an address, not a network: refused by
#     default, or masked off where an interface address stands for its network;
#   - an address family, when one is required.
#
# The functions raise PrefixError; the *_problem wrappers return its message.
# Callers put the variable name in front: ``name: <message>``.


class PrefixError(ValueError):
    """A value that is not a usable prefix or address.

    ``str(error)`` is the message: the value (its ``repr``) followed by the
    reason, e.g. ``'fd00::1/64' has host bits set; the network is fd00::/64``.
    ``reason`` is the message without the value (for callers that name the
    value themselves), ``kind`` what is wrong (one of ``KINDS``), ``network``
    the network for the ``version`` and ``host_bits`` kinds (else None).
    """

    #: ``type``: not a string; ``form``: the prefix has no /length, or the
    #: address has one; ``zone``: a zone index; ``length``: a bad prefix
    #: length; ``invalid``: not an address; ``version``: the wrong family;
    #: ``host_bits``: host bits set.
    KINDS = ("type", "form", "zone", "length", "invalid", "version", "host_bits")

    def __init__(self, value, kind, reason, network=None):
        self.value = value
        self.kind = kind
        self.reason = reason
        self.network = network
        super().__init__("%r %s" % (value, reason))


_DIGITS = re.compile(r"[0-9]+\Z")


def parse_prefix(value, version=None, host_bits=False, length_required=True):
    """Return ``value`` as an ``ipaddress`` network, or raise ``PrefixError``.

    ``version`` (4 or 6) requires that address family. ``host_bits=False``
    refuses a prefix with host bits set (``fd00::1/64`` names an address);
    ``host_bits=True`` accepts it and returns its network, for interface
    addresses such as ``2001:db8:1:2::1/64`` that stand for their network.
    ``length_required=False`` reads an address without ``/length`` as a
    single-address prefix (/32 or /128), as glibc's gai.conf does.
    """
    if not isinstance(value, str) and not length_required:
        raise PrefixError(value, "type", "is not a prefix (expected a string such as 'fd00::/8')")
    if not isinstance(value, str) or (length_required and "/" not in value):
        raise PrefixError(value, "type" if not isinstance(value, str) else "form", "is not a prefix in address/length form")
    address, sep, length = value.partition("/")
    if "%" in address:
        raise PrefixError(value, "zone", "is not a valid prefix: it has a zone index, and a prefix takes none")
    try:
        width = "%d" % ipaddress.ip_address(address).max_prefixlen
    except ValueError:
        width = None  # reported below, with what ipaddress says about the address
    if sep and (not _DIGITS.match(length) or (width and int(length) > int(width))):
        raise PrefixError(value, "length", "is not a valid prefix: invalid prefix length %r; it must be 0 to %s" % (length, width or "32 (IPv4) or 128 (IPv6)"))
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        if version is not None:
            raise PrefixError(value, "invalid", "is not a valid prefix: it is not an IPv%d prefix (%s)" % (version, exc))
        raise PrefixError(value, "invalid", "is not a valid prefix (%s)" % (exc,))
    if version is not None and network.version != version:
        hint = ""
        if version == 6 and network.version == 4:
            hint = " (write an IPv4 range as IPv4-mapped, e.g. ::ffff:%s/%d)" % (network.network_address, 96 + network.prefixlen)
        raise PrefixError(value, "version", "is an IPv%d prefix, IPv%d is required%s" % (network.version, version, hint), network)
    if not host_bits and int(ipaddress.ip_address(address)) != int(network.network_address):
        raise PrefixError(value, "host_bits", "has host bits set; the network is %s" % network, network)
    return network


def parse_address(value, version=None):
    """Return ``value`` as an ``ipaddress`` address, or raise ``PrefixError``.

    One address: no ``/length`` and no zone index. ``version`` (4 or 6)
    requires that address family.
    """
    if not isinstance(value, str):
        raise PrefixError(value, "type", "is not an IP address")
    if "/" in value:
        raise PrefixError(value, "form", "is not an IP address (give one address, without a /length)")
    if "%" in value:
        raise PrefixError(value, "zone", "has a zone index, which is not allowed here")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise PrefixError(value, "invalid", "is not an IP address")
    if version is not None and address.version != version:
        raise PrefixError(value, "version", "is an IPv%d address, IPv%d is required" % (address.version, version))
    return address


def prefix_problem(value, version=None, host_bits=False):
    """Return why ``value`` is not a usable network prefix, or None when it is.

    ``version`` (4 or 6) additionally requires that address family. Host bits
    must be zero unless ``host_bits`` is true: ``fd00::1/64`` is refused
    because it names an address, not a network. See ``parse_prefix``.
    """
    try:
        parse_prefix(value, version=version, host_bits=host_bits)
    except PrefixError as exc:
        return str(exc)
    return None


def address_problem(value, version=None):
    """Return why ``value`` is not a single IP address (of ``version``), or None when it is."""
    try:
        parse_address(value, version=version)
    except PrefixError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------
# Carving subnets out of a parent prefix
# ---------------------------------------------------------------------------
#
# A network's subnet is chosen by its NAME, not by its position in a list: the
# slot (the subnet number inside the parent) is the SHA-256 of the name modulo
# the number of slots minus one, plus one. Slot 0 is never used (in a host's
# routed /64 it holds the host's own ::1 and the gateway; in a ULA /48 it is
# the first subnet Docker's own address pools hand out). When the slot holds a
# reserved address (an address of the host's uplink), the name is hashed again
# with "#1", "#2", ... appended. The same name, parent and size therefore always
# give the same subnet, whatever the order of the list and whatever other
# networks are added or removed.

CARVE_ATTEMPTS = 64


def carve_slot(name, bits, attempt=0):
    """Return the slot, 1 .. 2**bits - 1, that ``name`` hashes to."""
    if bits < 1:
        raise ValueError("there must be at least one bit to carve, got %d" % bits)
    key = name if attempt == 0 else "%s#%d" % (name, attempt)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return int(digest, 16) % ((1 << bits) - 1) + 1


def subnet_at(parent, new_prefix, slot):
    """Return subnet number ``slot`` of length ``new_prefix`` inside ``parent``."""
    network = ipaddress.ip_network(parent, strict=False)
    bits = new_prefix - network.prefixlen
    if bits < 1 or new_prefix > network.max_prefixlen:
        raise ValueError("cannot carve /%d subnets out of %s" % (new_prefix, network))
    if not 0 <= slot < (1 << bits):
        raise ValueError("slot %d is outside 0..%d for /%d subnets of %s" % (slot, (1 << bits) - 1, new_prefix, network))
    first = int(network.network_address) + (slot << (network.max_prefixlen - new_prefix))
    return ipaddress.ip_network((first, new_prefix))


def carve_subnet(parent, new_prefix, name=None, index=None, reserved=()):
    """Return the subnet (a string) of length ``new_prefix`` carved out of ``parent``.

    ``index`` picks the slot explicitly (1 .. 2**bits - 1); otherwise the slot
    is derived from ``name`` (see above). Subnets that contain an address or
    overlap a prefix in ``reserved`` are skipped; an explicit ``index`` that
    hits one is refused. Raises ValueError with the reason.
    """
    network = ipaddress.ip_network(parent, strict=False)
    new_prefix = int(new_prefix)
    bits = new_prefix - network.prefixlen
    if bits < 1 or new_prefix > network.max_prefixlen:
        raise ValueError(
            "cannot carve /%d subnets out of %s: the size must be between /%d and /%d" % (new_prefix, network, network.prefixlen + 1, network.max_prefixlen)
        )
    blocked = [ipaddress.ip_network(item, strict=False) for item in reserved or ()]
    blocked = [item for item in blocked if item.version == network.version]
    last = (1 << bits) - 1
    if index is not None:
        index = int(index)
        if not 1 <= index <= last:
            raise ValueError("index %d is outside 1..%d (/%d subnets of %s; 0 is reserved)" % (index, last, new_prefix, network))
        subnet = subnet_at(network, new_prefix, index)
        for item in blocked:
            if subnet.overlaps(item):
                raise ValueError("index %d gives %s, which holds the reserved %s" % (index, subnet, _short(item)))
        return str(subnet)
    if not name:
        raise ValueError("a name or an index is needed to carve a subnet")
    for attempt in range(CARVE_ATTEMPTS):
        subnet = subnet_at(network, new_prefix, carve_slot(name, bits, attempt))
        if not any(subnet.overlaps(item) for item in blocked):
            return str(subnet)
    raise ValueError("no /%d subnet of %s free of the reserved addresses was found for %r" % (new_prefix, network, name))


def overlapping_pairs(entries, others=None):
    """Return ``(a, b)`` for every pair of overlapping entries.

    An entry is a dict with ``name`` and ``subnet``. Without ``others`` the
    entries are compared with each other, otherwise each entry with each of
    ``others``. Entries with the same name are one network and never conflict;
    prefixes of different address families never overlap.
    """

    def parsed(items):
        out = []
        for item in items or ():
            subnet = item.get("subnet")
            if not subnet:
                continue
            try:
                out.append((item, ipaddress.ip_network(subnet, strict=False)))
            except ValueError:
                continue
        return out

    left = parsed(entries)
    pairs = []
    if others is None:
        for i, (a, net_a) in enumerate(left):
            for b, net_b in left[i + 1 :]:
                if a.get("name") != b.get("name") and net_a.version == net_b.version and net_a.overlaps(net_b):
                    pairs.append((a, b))
    else:
        right = parsed(others)
        for a, net_a in left:
            for b, net_b in right:
                if a.get("name") != b.get("name") and net_a.version == net_b.version and net_a.overlaps(net_b):
                    pairs.append((a, b))
    return pairs


def canonical_subnets(values):
    """Return the valid prefixes of ``values`` in canonical form, dropping the rest (Docker keeps what it was given)."""
    out = []
    for value in values or ():
        try:
            out.append(canonical_prefix(value))
        except (TypeError, ValueError):
            continue
    return out


def canonical_prefix(value):
    """Return ``value`` as Python (and Docker) write the network: ``fd00:d0c:0099::/64`` -> ``fd00:d0c:99::/64``."""
    return str(ipaddress.ip_network(value, strict=False))


def carve_networks(networks, ula_prefix=None, ula_size=64, host_prefix=None, host_size=80, reserved=(), existing=(), default_source="ula", var="networks_list"):
    """Give every network its IPv6 subnet and check all subnets for conflicts.

    ``networks`` are dicts with ``name`` and optional ``ipv6_subnet``,
    ``ipv4_subnet``, ``carve_from`` (``ula`` or ``host``), ``index`` and
    ``var`` (how messages name the network; default ``<var>[<position>] (<name>)``). A
    network without ``ipv6_subnet`` gets one carved from ``ula_prefix`` (size
    ``ula_size``) or ``host_prefix`` (size ``host_size``, skipping the slots
    that hold an address in ``reserved``). ``host_prefix`` may carry host bits
    (an interface address such as ``2001:db8:1:2::10/64``).

    ``existing`` are the host's Docker networks as dicts with ``name`` and
    ``subnets``; a network of the same name is the one being managed and is
    not a conflict.

    Returns ``(networks, problems)``: copies of the networks with canonical
    ``ipv6_subnet``/``ipv4_subnet`` and ``carved`` (``ula``, ``host`` or None),
    and one message per problem, naming the networks involved.
    """
    reserved = [canonical_prefix(str(item).split("%", 1)[0]) for item in reserved or ()]
    result = []
    problems = []
    sources = {"ula": (ula_prefix, ula_size), "host": (host_prefix, host_size)}
    for position, network in enumerate(networks or ()):
        item = dict(network)
        name = item.get("name")
        label = item.get("var") or "%s[%d] (%s)" % (var, position, name)
        item["carved"] = None
        explicit = item.get("ipv6_subnet")
        if explicit:
            try:
                item["ipv6_subnet"] = canonical_prefix(explicit)
            except ValueError as exc:
                problems.append("%s.ipv6_subnet: %s" % (label, exc))
        else:
            source = item.get("carve_from") or default_source
            if source not in sources:
                problems.append("%s.carve_from: %r is neither ula nor host" % (label, source))
            else:
                parent, size = sources[source]
                if not parent:
                    problems.append("%s: no %s prefix to carve from" % (label, source))
                else:
                    try:
                        item["ipv6_subnet"] = carve_subnet(parent, size, name=name, index=item.get("index"), reserved=reserved if source == "host" else ())
                        item["carved"] = source
                    except ValueError as exc:
                        problems.append("%s: %s" % (label, exc))
        if item.get("ipv4_subnet"):
            try:
                item["ipv4_subnet"] = canonical_prefix(item["ipv4_subnet"])
            except ValueError as exc:
                problems.append("%s.ipv4_subnet: %s" % (label, exc))
        result.append(item)

    def entries(item):
        return [{"name": item.get("name"), "subnet": item.get(key), "carved": item.get("carved")} for key in ("ipv6_subnet", "ipv4_subnet") if item.get(key)]

    wanted = [entry for item in result for entry in entries(item)]
    for a, b in overlapping_pairs(wanted):
        hint = ""
        if a["carved"] or b["carved"]:
            hint = "; give one of them an explicit index or ipv6_subnet"
        problems.append("networks %r (%s) and %r (%s) overlap%s" % (a["name"], a["subnet"], b["name"], b["subnet"], hint))
    others = [{"name": item.get("name"), "subnet": subnet} for item in existing or () for subnet in item.get("subnets") or ()]
    for a, b in overlapping_pairs(wanted, others):
        problems.append("network %r (%s) overlaps the existing Docker network %r (%s)" % (a["name"], a["subnet"], b["name"], b["subnet"]))
    return result, problems


def _short(network):
    if network.prefixlen == network.max_prefixlen:
        return "address %s" % network.network_address
    return "prefix %s" % network
