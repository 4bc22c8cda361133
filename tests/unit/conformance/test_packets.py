# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The conformance harness's packet code (tests/conformance/packets.py) and
its address mappings (cases.py), on packets built here."""

from __future__ import annotations

import ipaddress
import os
import struct
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "conformance"))

import cases  # noqa: E402  pylint: disable=wrong-import-position
import packets  # noqa: E402  pylint: disable=wrong-import-position


def _csum(data):
    return 0xFFFF ^ packets.ones_sum(data)


def ipv4(src, dst, proto, payload, ttl=64, df=True, ident=0x1234):
    header = bytearray(
        struct.pack(
            "!BBHHHBBH4s4s",
            0x45,
            0,
            20 + len(payload),
            ident,
            0x4000 if df else 0,
            ttl,
            proto,
            0,
            ipaddress.IPv4Address(src).packed,
            ipaddress.IPv4Address(dst).packed,
        )
    )
    struct.pack_into("!H", header, 10, _csum(header))
    return bytes(header) + payload


def ipv6(src, dst, proto, payload, hlim=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), proto, hlim) + ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload


def udp(src, dst, sport, dport, data, broken=0):
    """A UDP datagram with its checksum for the pseudo header of src/dst (plus ``broken``)."""
    seg = bytearray(struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data)
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if a.version == 6:
        pseudo = a.packed + b.packed + struct.pack("!IxxxB", len(seg), 17)
    else:
        pseudo = a.packed + b.packed + struct.pack("!xBH", 17, len(seg))
    value = (_csum(pseudo + seg) + broken) & 0xFFFF
    struct.pack_into("!H", seg, 6, value or 0xFFFF)
    return bytes(seg)


def icmp6_error(src, dst, inner):
    msg = bytearray(struct.pack("!BBHI", 1, 4, 0, 0) + inner)
    pseudo = ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + struct.pack("!IxxxB", len(msg), 58)
    struct.pack_into("!H", msg, 2, _csum(pseudo + msg))
    return ipv6(src, dst, 58, bytes(msg))


def icmp4_error(src, dst, inner):
    msg = bytearray(struct.pack("!BBHI", 3, 3, 0, 0) + inner)
    struct.pack_into("!H", msg, 2, _csum(msg))
    return ipv4(src, dst, 1, bytes(msg), df=False)


V6_UDP = ipv6("2001:db8::5", "64:ff9b::c000:205", 17, udp("2001:db8::5", "64:ff9b::c000:205", 2000, 4000, b"abcde"))
V6_UDP_BAD = ipv6("2001:db8::5", "64:ff9b::c000:205", 17, udp("2001:db8::5", "64:ff9b::c000:205", 2000, 4000, b"abcde", broken=7))
V4_UDP = ipv4("192.0.2.5", "192.0.2.2", 17, udp("192.0.2.5", "192.0.2.2", 4000, 2000, b"xyz"))
INNER4 = ipv4("192.0.2.2", "192.0.2.5", 17, udp("192.0.2.2", "192.0.2.5", 2000, 4000, b"q" * 40))[:40]
V4_ERROR = icmp4_error("192.0.2.5", "192.0.2.2", INNER4)
INNER6 = ipv6("64:ff9b::c000:205", "2001:db8::5", 17, udp("64:ff9b::c000:205", "2001:db8::5", 4000, 2000, b"q" * 40))
V6_ERROR = icmp6_error("2001:db8::5", "64:ff9b::c000:205", INNER6[:60])


def validity(data):
    parsed = packets.parse(data)
    return {c.name: c.valid(data) for c in parsed.checksums}


@pytest.mark.parametrize(
    "data, names",
    [
        (V6_UDP, {"udp.checksum": True}),
        (V6_UDP_BAD, {"udp.checksum": False}),
        (V4_UDP, {"ip.checksum": True, "udp.checksum": True}),
        # The quoted packet is cut short: its UDP checksum cannot be judged.
        (V4_ERROR, {"ip.checksum": True, "icmp.checksum": True, "inner.ip.checksum": True, "inner.udp.checksum": None}),
        (V6_ERROR, {"icmp.checksum": True, "inner.udp.checksum": None}),
    ],
    ids=["udp6", "udp6 bad", "udp4", "icmp4 error", "icmp6 error"],
)
def test_parse_finds_every_checksum(data, names):
    assert validity(data) == names


@pytest.mark.parametrize("data", [V6_UDP, V6_UDP_BAD, V4_UDP, V4_ERROR, V6_ERROR], ids=["udp6", "udp6 bad", "udp4", "icmp4 error", "icmp6 error"])
def test_rewrite_keeps_each_checksum_as_right_or_wrong_as_it_was(data):
    def mapping(addr):
        if addr.version == 6:
            return cases.map_nat64(addr)
        return ipaddress.IPv4Address("198.51.100.7") if addr == ipaddress.IPv4Address("192.0.2.5") else addr

    out = packets.rewrite(data, addresses=mapping)
    assert out != data
    assert validity(out) == validity(data)
    # Mapping back restores the very bytes, checksums included.
    back = packets.rewrite(
        out,
        addresses=lambda a: (
            ipaddress.IPv6Address(int(a) & 0xFFFFFFFF | int(ipaddress.IPv6Address("64:ff9b::")))
            if a.version == 6 and a in cases.PREFIX
            else ipaddress.IPv4Address("192.0.2.5")
            if a == ipaddress.IPv4Address("198.51.100.7")
            else a
        ),
    )
    assert back == data


def test_rewrite_of_a_bad_checksum_keeps_the_same_error():
    good = packets.rewrite(V6_UDP, addresses=cases.map_nat64)
    bad = packets.rewrite(V6_UDP_BAD, addresses=cases.map_nat64)
    off = packets.parse(good).field("udp.checksum").offset
    assert (struct.unpack_from("!H", bad, off)[0] - struct.unpack_from("!H", good, off)[0]) % 0xFFFF == 7


def test_rewrite_sets_fields_and_fixes_the_checksums():
    out = packets.rewrite(V4_UDP, fields={"ip.id": b"\xab\xcd", "udp.dport": struct.pack("!H", 61000)})
    assert out[4:6] == b"\xab\xcd"
    assert validity(out) == {"ip.checksum": True, "udp.checksum": True}


@pytest.mark.parametrize(
    "received, expected, free, problems",
    [
        (V4_UDP, V4_UDP, (), []),
        (packets.rewrite(V4_UDP, fields={"ip.id": b"\0\1"}), V4_UDP, ("ip.id",), []),
        (packets.rewrite(V4_UDP, fields={"ip.id": b"\0\1"}), V4_UDP, (), ["ip.id: 1 != 4660", "ip.checksum: "]),
        (packets.rewrite(V4_UDP, fields={"ip.ttl": b"\x3d"}), V4_UDP, ("ip.id",), ["ip.ttl: 61 != 64", "ip.checksum: "]),
        (V4_UDP[:-1], V4_UDP, (), ["size: 30 != 31"]),
    ],
    ids=["same", "free id", "other id", "ttl", "cut short"],
)
def test_compare(received, expected, free, problems):
    found = packets.compare(received, expected, free)
    assert len(found) >= len(problems)
    for want, got in zip(problems, found):
        assert got.startswith(want)
    if not problems:
        assert found == []


def test_compare_takes_a_free_bit_only():
    no_df = ipv4("192.0.2.5", "192.0.2.2", 17, udp("192.0.2.5", "192.0.2.2", 4000, 2000, b"xyz"), df=False)
    assert packets.compare(no_df, V4_UDP, ("ip.df",)) == []


@pytest.mark.parametrize(
    "addr, mapped",
    [
        ("64:ff9b::c000:205", "2001:db8:64::c000:205"),
        ("2001:db8::5", "2001:db8::5"),
        ("192.0.2.5", "192.0.2.5"),
    ],
)
def test_map_nat64(addr, mapped):
    assert cases.map_nat64(ipaddress.ip_address(addr)) == ipaddress.ip_address(mapped)


@pytest.mark.parametrize(
    "addr, mapped",
    [
        ("2001:db8:1c6:3364:2::", "2001:db8:64::c633:6402"),  # 198.51.100.2, RFC 6052 /40
        ("2001:db8:1c0:2:21::", "2001:db8:1c0:2:21::"),  # the IPv6 host itself
        ("2001:db8:2::60", "2001:db8:64::a00:60"),  # EAM 2001:db8:2::/120 <-> 10.0.0.0/24
        ("2001:db8:3::60", "2001:db8:3::60"),  # an IPv6 host behind n6
        ("192.0.2.33", "198.51.100.1"),  # the IPv6 host's IPv4 face: the NAT
        ("1.0.0.96", "198.51.100.1"),
        ("198.51.100.2", "198.51.100.2"),
    ],
)
def test_map_siit(addr, mapped):
    assert cases.map_siit(ipaddress.ip_address(addr)) == ipaddress.ip_address(mapped)


def test_cases_are_consistent():
    names = [case.name for case in cases.CASES]
    assert len(names) == len(set(names))
    assert {case.feature for case in cases.CASES} <= set(cases.FEATURES)
    for engine, known in cases.EXPECTED.items():
        assert set(known) <= set(names), engine
        for status, reason in known.values():
            assert status in ("wrong", "dropped") and reason
    for case in cases.CASES:
        assert not (case.vectors() & set(cases.NOT_TAKEN)), case.name
