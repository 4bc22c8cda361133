# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Raw IPv4 and IPv6 packets for the conformance harness (standard library only).

A packet is ``bytes`` that start with the IP header (no link header). This
module parses one into named fields (outer headers, and for an ICMP error
the packet inside it), rewrites fields while it keeps every checksum exactly
as right or as wrong as it was (RFC 1624 incremental updates, so a vector
with a deliberately bad checksum stays bad by the same amount), builds small
packets, and compares a received packet with an expected one field by field.

It runs both on the controller (unit tests, the report) and inside the
gateway container (replay.py), so it needs nothing but Python 3.9.
"""

from __future__ import annotations

import ipaddress
import struct

ICMP = 1
TCP = 6
UDP = 17
ICMPV6 = 58
HOPOPTS = 0
ROUTING = 43
FRAGMENT = 44
DSTOPTS = 60
EXTENSION_HEADERS = (HOPOPTS, ROUTING, DSTOPTS)

ICMP4_ERRORS = (3, 11, 12)
ICMP6_ERRORS = (1, 2, 3, 4)
ICMP4_ECHO = (0, 8)
ICMP6_ECHO = (128, 129)


def ones_sum(data, total=0):
    """The ones' complement sum of ``data`` as 16-bit words (odd length padded), folded."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    for (word,) in struct.iter_unpack("!H", bytes(data)):
        total += word
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def fold_add(a, b):
    total = a + b
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


class Field:
    """A named header field: ``size`` bytes at ``offset`` (``mask``: only these bits of a one-byte field)."""

    __slots__ = ("name", "offset", "size", "mask")

    def __init__(self, name, offset, size, mask=None):
        self.name = name
        self.offset = offset
        self.size = size
        self.mask = mask

    def __repr__(self):
        return "Field(%r, %d, %d)" % (self.name, self.offset, self.size)


class Checksum:
    """A checksum field at ``offset`` over ``ranges`` of the packet (a pseudo
    header's addresses included), plus ``const``, the sum of what the packet
    does not hold (protocol, length). ``complete``: the ranges cover all the
    data the checksum covers, so its validity can be computed."""

    __slots__ = ("name", "offset", "ranges", "const", "complete", "udp")

    def __init__(self, name, offset, ranges, const=0, complete=True, udp=False):
        self.name = name
        self.offset = offset
        self.ranges = ranges
        self.const = const
        self.complete = complete
        self.udp = udp

    def covered_sum(self, data):
        """The sum of the covered data with this checksum's own field read as zero."""
        buf = bytearray(data)
        buf[self.offset : self.offset + 2] = b"\0\0"
        total = self.const
        for start, end in self.ranges:
            total = ones_sum(buf[start:end], total)
        return total

    def valid(self, data):
        if not self.complete:
            return None
        value = struct.unpack_from("!H", data, self.offset)[0]
        if self.udp and value == 0:
            return True
        return fold_add(self.covered_sum(data), value) == 0xFFFF


class Parsed:
    """The fields and checksums of one packet (see parse())."""

    def __init__(self):
        self.fields = []
        self.checksums = []
        self.version = None
        self.proto = None  # transport protocol (after extension headers)
        self.l4 = None  # offset of the transport header, None when not parsed
        self.fragment = None  # (offset in bytes, more fragments, identification) or None
        self.icmp = None  # (type, code) of an ICMP message
        self.inner = None  # offset of the packet inside an ICMP error
        self.inner_parsed = None
        self.src = None
        self.dst = None
        self.length = 0  # length according to the IP header
        self.extensions = []  # IPv6 extension header types, in order

    def field(self, name):
        for field in self.fields:
            if field.name == name:
                return field
        return None

    def names(self):
        return [field.name for field in self.fields]


def _ip6_pseudo_const(length, proto):
    return ones_sum(struct.pack("!IxxxB", length, proto))


def _ip4_pseudo_const(length, proto):
    return ones_sum(struct.pack("!xBH", proto, length))


def parse(data, prefix="", base=0, inner=False):
    """Parse ``data`` (from offset ``base``) into a Parsed. ``inner``: the
    packet sits inside an ICMP error and may be truncated."""
    p = Parsed()
    end = len(data)
    if end - base < 1:
        return p
    version = data[base] >> 4
    p.version = version
    f = p.fields
    if version == 4:
        if end - base < 20:
            return p
        ihl = (data[base] & 0xF) * 4
        total = struct.unpack_from("!H", data, base + 2)[0]
        p.length = total
        f += [
            Field(prefix + "ip.version", base, 1),
            Field(prefix + "ip.tos", base + 1, 1),
            Field(prefix + "ip.length", base + 2, 2),
            Field(prefix + "ip.id", base + 4, 2),
            Field(prefix + "ip.df", base + 6, 1, 0x40),
            Field(prefix + "ip.mf", base + 6, 1, 0x20),
            Field(prefix + "ip.fragoff", base + 6, 2),
            Field(prefix + "ip.ttl", base + 8, 1),
            Field(prefix + "ip.proto", base + 9, 1),
            Field(prefix + "ip.checksum", base + 10, 2),
            Field(prefix + "ip.src", base + 12, 4),
            Field(prefix + "ip.dst", base + 16, 4),
        ]
        if ihl > 20:
            f.append(Field(prefix + "ip.options", base + 20, ihl - 20))
        p.src = ipaddress.IPv4Address(bytes(data[base + 12 : base + 16]))
        p.dst = ipaddress.IPv4Address(bytes(data[base + 16 : base + 20]))
        if end - base >= ihl:
            p.checksums.append(Checksum(prefix + "ip.checksum", base + 10, [(base, base + ihl)]))
        flags = struct.unpack_from("!H", data, base + 6)[0]
        offset = (flags & 0x1FFF) * 8
        if flags & 0x2000 or offset:
            p.fragment = (offset, bool(flags & 0x2000), struct.unpack_from("!H", data, base + 4)[0])
        p.proto = data[base + 9]
        l4 = base + ihl
        l4_len = total - ihl
        stop = min(end, base + total) if not inner else end
        if offset:
            return p
        pseudo = [(base + 12, base + 20)]
        pseudo_const = _ip4_pseudo_const(l4_len, p.proto)
    elif version == 6:
        if end - base < 40:
            return p
        plen = struct.unpack_from("!H", data, base + 4)[0]
        p.length = plen + 40
        f += [
            Field(prefix + "ip.tclass", base, 2),
            Field(prefix + "ip.flowlabel", base + 1, 3),
            Field(prefix + "ip.length", base + 4, 2),
            Field(prefix + "ip.nexthdr", base + 6, 1),
            Field(prefix + "ip.hoplimit", base + 7, 1),
            Field(prefix + "ip.src", base + 8, 16),
            Field(prefix + "ip.dst", base + 24, 16),
        ]
        p.src = ipaddress.IPv6Address(bytes(data[base + 8 : base + 24]))
        p.dst = ipaddress.IPv6Address(bytes(data[base + 24 : base + 40]))
        nexthdr = data[base + 6]
        l4 = base + 40
        stop = min(end, base + 40 + plen) if not inner else end
        offset = 0
        while nexthdr in EXTENSION_HEADERS + (FRAGMENT,) and l4 + 8 <= end:
            p.extensions.append(nexthdr)
            if nexthdr == FRAGMENT:
                word = struct.unpack_from("!H", data, l4 + 2)[0]
                offset = word & 0xFFF8
                ident = struct.unpack_from("!I", data, l4 + 4)[0]
                p.fragment = (offset, bool(word & 1), ident)
                f += [Field(prefix + "frag.nexthdr", l4, 1), Field(prefix + "frag.offset", l4 + 2, 2), Field(prefix + "frag.id", l4 + 4, 4)]
                size = 8
            else:
                size = (data[l4 + 1] + 1) * 8
                f.append(Field(prefix + "ext%d" % len(p.extensions), l4, size))
            nexthdr = data[l4]
            l4 += size
        p.proto = nexthdr
        l4_len = base + 40 + plen - l4
        if offset or nexthdr in EXTENSION_HEADERS + (FRAGMENT,):
            return p
        pseudo = [(base + 8, base + 40)]
        pseudo_const = _ip6_pseudo_const(l4_len, p.proto)
    else:
        return p

    p.l4 = l4
    atomic = p.fragment is None or (p.fragment[0] == 0 and not p.fragment[1])
    whole = not inner and atomic and stop - l4 == l4_len
    proto = p.proto
    if proto == TCP and end - l4 >= 20:
        f += [
            Field(prefix + "tcp.sport", l4, 2),
            Field(prefix + "tcp.dport", l4 + 2, 2),
            Field(prefix + "tcp.seq", l4 + 4, 4),
            Field(prefix + "tcp.ack", l4 + 8, 4),
            Field(prefix + "tcp.offset", l4 + 12, 1),
            Field(prefix + "tcp.flags", l4 + 13, 1),
            Field(prefix + "tcp.window", l4 + 14, 2),
            Field(prefix + "tcp.checksum", l4 + 16, 2),
            Field(prefix + "tcp.urgent", l4 + 18, 2),
        ]
        p.checksums.insert(0, Checksum(prefix + "tcp.checksum", l4 + 16, pseudo + [(l4, stop)], pseudo_const, whole))
    elif proto == UDP and end - l4 >= 8:
        f += [
            Field(prefix + "udp.sport", l4, 2),
            Field(prefix + "udp.dport", l4 + 2, 2),
            Field(prefix + "udp.length", l4 + 4, 2),
            Field(prefix + "udp.checksum", l4 + 6, 2),
        ]
        if not (version == 4 and struct.unpack_from("!H", data, l4 + 6)[0] == 0):
            p.checksums.insert(0, Checksum(prefix + "udp.checksum", l4 + 6, pseudo + [(l4, stop)], pseudo_const, whole, udp=True))
    elif proto in (ICMP, ICMPV6) and end - l4 >= 8:
        p.icmp = (data[l4], data[l4 + 1])
        f += [
            Field(prefix + "icmp.type", l4, 1),
            Field(prefix + "icmp.code", l4 + 1, 1),
            Field(prefix + "icmp.checksum", l4 + 2, 2),
            Field(prefix + "icmp.rest", l4 + 4, 4),
        ]
        error = p.icmp[0] in (ICMP4_ERRORS if proto == ICMP else ICMP6_ERRORS)
        if p.icmp[0] in (ICMP4_ECHO if proto == ICMP else ICMP6_ECHO):
            f[-1:] = [Field(prefix + "icmp.id", l4 + 4, 2), Field(prefix + "icmp.seq", l4 + 6, 2)]
        ranges = ([] if proto == ICMP else pseudo) + [(l4, stop)]
        const = 0 if proto == ICMP else pseudo_const
        p.checksums.insert(0, Checksum(prefix + "icmp.checksum", l4 + 2, ranges, const, whole))
        if error and not inner and end - l4 > 8:
            p.inner = l4 + 8
            p.inner_parsed = parse(data[:stop], prefix + "inner.", l4 + 8, inner=True)
            f += p.inner_parsed.fields
            # Inner checksums first: the outer ICMP checksum covers them.
            p.checksums[0:0] = p.inner_parsed.checksums
    return p


def rewrite(data, addresses=None, fields=None):
    """``data`` with its addresses mapped through ``addresses`` (a function from
    an ipaddress object to another of the same family, or None to keep it) in
    the outer header and in the packet inside an ICMP error, and with
    ``fields`` ({name: bytes}, or {name: (bytes, mask)} for bit fields) set;
    every checksum is updated so that it is exactly as valid or invalid as
    before."""
    p = parse(data)
    before = [c.covered_sum(data) for c in p.checksums]
    out = bytearray(data)
    if addresses is not None:
        for field in p.fields:
            if field.name.endswith("ip.src") or field.name.endswith("ip.dst"):
                raw = bytes(out[field.offset : field.offset + field.size])
                old = ipaddress.ip_address(raw)
                new = addresses(old)
                if new is not None and new != old:
                    if new.version != old.version:
                        raise ValueError("cannot map %s to %s" % (old, new))
                    out[field.offset : field.offset + field.size] = new.packed
    for name, value in (fields or {}).items():
        field = p.field(name)
        if field is None:
            raise KeyError("%s: no such field in this packet" % name)
        if isinstance(value, tuple):
            value, mask = value
            out[field.offset] = (out[field.offset] & ~mask & 0xFF) | (value[0] & mask)
        else:
            if len(value) != field.size:
                raise ValueError("%s: %d bytes, not %d" % (name, len(value), field.size))
            out[field.offset : field.offset + field.size] = value
    for checksum, old_sum in zip(p.checksums, before):
        old = struct.unpack_from("!H", out, checksum.offset)[0]
        if checksum.udp and old == 0:
            continue
        new_sum = checksum.covered_sum(out)
        # RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')
        value = 0xFFFF ^ fold_add(fold_add(0xFFFF ^ old, 0xFFFF ^ old_sum), new_sum)
        if checksum.udp and value == 0:
            value = 0xFFFF
        struct.pack_into("!H", out, checksum.offset, value)
    return bytes(out)


def field_value(data, parsed, name):
    field = parsed.field(name)
    if field is None:
        return None
    raw = bytes(data[field.offset : field.offset + field.size])
    if field.mask is not None:
        return raw[0] & field.mask
    return raw


def describe_value(name, raw):
    if raw is None:
        return "-"
    if isinstance(raw, int):
        return str(raw)
    if name.endswith(("ip.src", "ip.dst")):
        return str(ipaddress.ip_address(raw))
    if len(raw) <= 4:
        return str(int.from_bytes(raw, "big"))
    return raw.hex()


def compare(received, expected, free=()):
    """Differences between a received and an expected packet, as a list of
    'field: received != expected' strings (empty: they match). ``free`` names
    fields whose value is the translator's to choose (an IPv4 identification,
    a port the NAT picked): the expected packet takes the received value
    there, its checksums updated to match, before the bytes are compared."""
    got = parse(received)
    want = parse(expected)
    take = {}
    for name in free:
        field_got = got.field(name)
        field_want = want.field(name)
        if field_got is None or field_want is None or field_got.size != field_want.size:
            continue
        raw = bytes(received[field_got.offset : field_got.offset + field_got.size])
        if field_want.offset + field_want.size > len(expected):
            continue
        take[name] = (raw, field_want.mask) if field_want.mask is not None else raw
    if take:
        expected = rewrite(expected, fields=take)
        want = parse(expected)
    if received == expected:
        return []
    problems = []
    if len(received) != len(expected):
        problems.append("size: %d != %d" % (len(received), len(expected)))
    seen = set()
    for field in want.fields:
        if field.name in seen:
            continue
        seen.add(field.name)
        a = field_value(received, got, field.name) if field.offset + field.size <= len(received) else None
        b = field_value(expected, want, field.name)
        if a != b:
            problems.append("%s: %s != %s" % (field.name, describe_value(field.name, a), describe_value(field.name, b)))
    covered = set()
    for field in want.fields:
        covered.update(range(field.offset, field.offset + field.size))
    common = min(len(received), len(expected))
    payload = [i for i in range(common) if i not in covered and received[i] != expected[i]]
    if payload:
        problems.append("payload: %d bytes differ, first at offset %d" % (len(payload), payload[0]))
    if not problems:
        problems.append("bytes differ")
    return problems


def summary(data):
    """One line: family, addresses, protocol, ports or ICMP type, sizes."""
    p = parse(data)
    if p.version not in (4, 6) or p.src is None:
        return "%d bytes, not IP" % len(data)
    names = {TCP: "TCP", UDP: "UDP", ICMP: "ICMP", ICMPV6: "ICMPv6"}
    parts = ["IPv%d %s > %s" % (p.version, p.src, p.dst), names.get(p.proto, "proto %s" % p.proto)]
    if p.version == 4:
        parts.append("ttl %d%s" % (data[8], " DF" if data[6] & 0x40 else ""))
    else:
        parts.append("hlim %d" % data[7])
    if p.extensions:
        parts.append("ext %s" % ",".join(str(e) for e in p.extensions))
    if p.fragment:
        parts.append("frag off %d%s id %d" % (p.fragment[0], " MF" if p.fragment[1] else "", p.fragment[2]))
    if p.l4 is not None and p.proto in (TCP, UDP) and len(data) >= p.l4 + 4:
        parts.append("%d > %d" % struct.unpack_from("!HH", data, p.l4))
    if p.icmp:
        parts.append("type %d code %d" % p.icmp)
    parts.append("%d bytes" % len(data))
    if p.inner_parsed is not None and p.inner_parsed.src is not None:
        parts.append("[%s]" % summary(data[p.inner :]))
    bad = [c.name for c in p.checksums if c.valid(data) is False]
    if bad:
        parts.append("bad " + ",".join(bad))
    return " ".join(parts)


def reassemble(fragments):
    """The datagram the IPv4 or IPv6 ``fragments`` (all of one datagram, any
    order) make, or None when they do not make a whole one. Packets that are
    not fragments are returned as they are (a list of one)."""
    if not fragments:
        return None
    parsed = [(parse(f), f) for f in fragments]
    if len(parsed) == 1 and parsed[0][0].fragment is None:
        return fragments[0]
    if any(p.fragment is None for p, dummy in parsed):
        return None
    parsed.sort(key=lambda item: item[0].fragment[0])
    first, first_data = parsed[0]
    payload = b""
    for p, data in parsed:
        offset = p.fragment[0]
        if offset != len(payload):
            return None
        if first.version == 4:
            payload += data[(data[0] & 0xF) * 4 : p.length]
        else:
            payload += data[_frag_end(data) : p.length]
    if parsed[-1][0].fragment[1]:
        return None
    if first.version == 4:
        ihl = (first_data[0] & 0xF) * 4
        header = bytearray(first_data[:ihl])
        struct.pack_into("!HH", header, 2, ihl + len(payload), struct.unpack_from("!H", header, 4)[0])
        struct.pack_into("!H", header, 6, 0)
        struct.pack_into("!H", header, 10, 0)
        struct.pack_into("!H", header, 10, 0xFFFF ^ ones_sum(header))
        return bytes(header) + payload
    # IPv6: the headers before the fragment header, its next header in place of 44.
    end = _frag_end(first_data)
    start = end - 8
    header = bytearray(first_data[:start])
    nexthdr = first_data[start]
    _set_nexthdr_before(header, nexthdr)
    struct.pack_into("!H", header, 4, len(header) - 40 + len(payload))
    return bytes(header) + payload


def _frag_end(data):
    """The offset just past the fragment header of an IPv6 packet."""
    nexthdr, off = data[6], 40
    while nexthdr != FRAGMENT:
        nexthdr, off = data[off], off + (data[off + 1] + 1) * 8
    return off + 8


def _set_nexthdr_before(header, value):
    """Set the next header field that pointed at the fragment header."""
    nexthdr, field, off = header[6], 6, 40
    while nexthdr != FRAGMENT and off < len(header):
        field, nexthdr, off = off, header[off], off + (header[off + 1] + 1) * 8
    header[field] = value
