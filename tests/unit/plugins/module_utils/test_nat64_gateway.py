# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_nat64_gateway.py: the IPv4 destination
policy and the tc-BPF translator's configuration layout, checked against the C
source the role compiles."""

from __future__ import annotations

import ipaddress
import os
import re
import struct

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils._nat64_gateway import (
    BPF_CONFIG_FIELDS,
    BPF_CONFIG_FORMAT,
    BPF_PEER_SUFFIX,
    BPF_POOL_MAX,
    IPV4_NON_GLOBAL,
    bpf_config,
    bpf_config_hex,
    MARK_ACCEPTED,
    MARK_FRAGMENT,
    engine_problems,
    fragment_sizes,
    gateway_plan,
    gateway_ruleset,
    hop_limit_map,
    ipv4_denied,
    pool_addresses,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
C_SOURCE = os.path.join(ROOT, "roles", "nat64_gateway", "files", "nat64_bpf.c")
NAMES = {"engine": "e", "pool": "p", "device": "d", "timeout": "t"}
C_SIZES = {"__u8": 1, "__u16": 2, "__be16": 2, "__u32": 4, "__be32": 4, "__u64": 8, "__be64": 8}


def c_source():
    with open(C_SOURCE, encoding="utf-8") as handle:
        return handle.read()


def c_struct(name):
    """[(field, size in bytes)] of ``struct name`` in the translator's source."""
    body = re.search(r"struct %s \{(.*?)\n\};" % name, c_source(), re.S).group(1)
    fields = []
    for line in body.splitlines():
        line = line.split("//")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"(\w+) (\w+)(?:\[(\d+)\])?;", line)
        assert match, line
        ctype, field, count = match.groups()
        fields.append((field, C_SIZES[ctype] * int(count or 1)))
    return fields


def c_define(name):
    return int(re.search(r"#define %s (\d+)" % name, c_source()).group(1))


def test_config_layout_matches_the_c_struct():
    python = [(field, struct.calcsize("!" + code)) for field, code in BPF_CONFIG_FIELDS]
    assert python == c_struct("n64_config")
    assert struct.calcsize(BPF_CONFIG_FORMAT) == 32
    assert re.search(r"sizeof\(struct n64_config\) == 32", c_source())


def test_constants_match_the_c_source():
    assert c_define("N64_POOL_MAX") == BPF_POOL_MAX
    assert c_define("N64_CONFIGURED") == 1


def test_counters_are_u64_fields():
    fields = c_struct("n64_stats")
    assert fields and all(size == 8 for dummy, size in fields)
    assert "xlat_6to4" in dict(fields) and "drop_pool_full" in dict(fields)


@pytest.mark.parametrize(
    "pool, first, count",
    [
        pytest.param("192.168.255.0/24", "192.168.255.1", 254, id="slash24-no-network-or-broadcast"),
        pytest.param("100.64.0.0/16", "100.64.0.1", 65534, id="slash16"),
        pytest.param("192.0.2.8/30", "192.0.2.9", 2, id="slash30"),
        pytest.param("192.0.2.8/31", "192.0.2.8", 2, id="slash31-both"),
        pytest.param("192.0.2.8/32", "192.0.2.8", 1, id="slash32"),
    ],
)
def test_pool_addresses(pool, first, count):
    assert pool_addresses(pool) == (ipaddress.IPv4Address(first), count)


def test_config_bytes():
    value = bpf_config("2001:db8:1:2:64::/96", "192.168.255.0/24", 7200)
    assert len(value) == 32
    prefix, first, count, flags, timeout = struct.unpack("!12sIIIQ", value)
    assert prefix == bytes.fromhex("20010db80001000200640000")
    assert ipaddress.IPv4Address(first) == ipaddress.IPv4Address("192.168.255.1")
    assert (count, flags, timeout) == (254, 1, 7200 * 10**9)


def test_config_hex_is_what_bpftool_takes():
    text = bpf_config_hex("64:ff9b::/96", "192.0.2.0/31", 60)
    assert text.split() == ["00", "64", "ff", "9b"] + ["00"] * 8 + ["c0", "00", "02", "00"] + ["00", "00", "00", "02"] + ["00", "00", "00", "01"] + [
        "00",
        "00",
        "00",
        "0d",
        "f8",
        "47",
        "58",
        "00",
    ]


@pytest.mark.parametrize(
    "prefix, pool, timeout, message",
    [
        pytest.param("2001:db8::/64", "192.0.2.0/24", 60, "not a /96", id="not-96"),
        pytest.param("2001:db8::/96", "10.0.0.0/15", 60, "more than the 65536", id="pool-too-big"),
        pytest.param("2001:db8::/96", "10.0.0.0/24", 0, "positive", id="timeout-zero"),
    ],
)
def test_config_refuses(prefix, pool, timeout, message):
    with pytest.raises(ValueError, match=message):
        bpf_config(prefix, pool, timeout)


@pytest.mark.parametrize(
    "engine, pool, device, timeout, expected",
    [
        pytest.param("tayga", "10.0.0.0/8", "a-very-long-name", 1, [], id="tayga-ignores-bpf-limits"),
        pytest.param("bpf", "192.168.255.0/24", "nat64", 7200, [], id="bpf-defaults"),
        pytest.param("bpf", "100.64.0.0/16", "nat64", 60, [], id="bpf-slash16-fits"),
        pytest.param("bpf", "100.64.0.0/15", "nat64", 60, ["p: 100.64.0.0/15 holds 131070 addresses"], id="bpf-pool-too-big"),
        pytest.param("bpf", "192.0.2.0/24", "translator0", 60, ["d: 'translator0' is longer than 10"], id="bpf-peer-name-too-long"),
        pytest.param("bpf", "192.0.2.0/24", "nat64", 59, ["t: 59 is not a number of seconds of at least 60"], id="bpf-timeout-short"),
        pytest.param("bpf", "192.0.2.0/24", "nat64", True, ["t: True is not"], id="bpf-timeout-bool"),
        pytest.param("bpf", "garbage", "nat64", 60, [], id="bad-pool-left-to-its-own-check"),
        pytest.param("jool", "192.0.2.0/24", "nat64", 60, ["e: 'jool' is not one of tayga, bpf"], id="unknown-engine"),
    ],
)
def test_engine_problems(engine, pool, device, timeout, expected):
    problems = engine_problems(engine, pool, device, timeout, NAMES)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problem


@pytest.mark.parametrize(
    "engine, mtu, expected",
    [
        pytest.param("bpf", 1280, [], id="minimum"),
        pytest.param("tayga", 9000, [], id="jumbo-tayga"),
        pytest.param("bpf", 1279, ["m: 1279 is not an MTU from 1280 to 65535"], id="below-1280"),
        pytest.param("tayga", 70000, ["m: 70000 is not"], id="above-65535"),
        pytest.param("bpf", "1500", ["m: '1500' is not"], id="string"),
        pytest.param("bpf", True, ["m: True is not"], id="bool"),
    ],
)
def test_engine_problems_lowest_ipv6_mtu(engine, mtu, expected):
    problems = engine_problems(engine, "192.168.255.0/24", "nat64", 7200, dict(NAMES, lowest_ipv6_mtu="m"), mtu)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problem


def test_peer_suffix_fits_linux_names():
    assert len("x" * (15 - len(BPF_PEER_SUFFIX)) + BPF_PEER_SUFFIX) == 15


def test_non_global_table_agrees_with_ipaddress():
    for value, dummy in IPV4_NON_GLOBAL:
        network = ipaddress.IPv4Network(value)
        assert not network.network_address.is_global or network.is_multicast, value
    # global unicast space stays reachable
    for address in ("1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.169.0.1", "198.20.0.1", "223.255.255.254"):
        assert not any(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(v) for v, d in IPV4_NON_GLOBAL)
        assert ipaddress.IPv4Address(address).is_global


@pytest.mark.parametrize(
    "targets, absent, present",
    [
        pytest.param([], [], ["10.0.0.0/8", "192.168.0.0/16", "224.0.0.0/4"], id="no-targets"),
        pytest.param(["10.164.3.0/24"], [], ["10.0.0.0/8"], id="target-inside-stays-denied-after-its-accept"),
        pytest.param(["10.0.0.0/8", "192.168.0.0/15"], ["10.0.0.0/8", "192.168.0.0/16"], ["172.16.0.0/12"], id="covered-ranges-left-out"),
    ],
)
def test_ipv4_denied(targets, absent, present):
    denied = ipv4_denied(targets)
    assert not set(absent) & set(denied)
    assert set(present) <= set(denied)
    assert denied == [v for v, d in IPV4_NON_GLOBAL if v in denied]


@pytest.mark.parametrize(
    "plus, first, last, count",
    [
        pytest.param(2, "1 : 3", "255 : 255", 255, id="tayga-two-back"),
        pytest.param(1, "1 : 2", "255 : 255", 255, id="one"),
    ],
)
def test_hop_limit_map(plus, first, last, count):
    elements = hop_limit_map(plus).split(", ")
    assert (elements[0], elements[-1], len(elements)) == (first, last, count)
    assert "254 : 255" in elements


# ----------------------------------------------------------- the packet policy

BASE = {
    "engine": "bpf",
    "device": "nat64",
    "prefixes": ["2001:db8:1:2:64::/96"],
    "pool": "192.168.255.0/24",
    "allowed": ["2001:db8:1:2::/64"],
}


def ruleset_lines(**changes):
    args = dict(BASE)
    args.update(changes)
    return [line.strip() for line in gateway_ruleset(**args).splitlines()]


@pytest.mark.parametrize(
    "changes, present, absent",
    [
        pytest.param(
            {},
            [
                "table inet ipv6ready_nat64",
                "delete table inet ipv6ready_nat64",
                "elements = { 2001:db8:1:2::/64 }",
                "elements = { 2001:db8:1:2:64::/96 }",
                'ip6 daddr @translated ct state invalid counter name "invalid" drop',
                "ip6 daddr @translated ip6 saddr @fleet meta mark set meta mark | 0x00200000 accept",
                'ip6 daddr @translated counter name "not_fleet" drop',
                'iifname "nat64" ct state invalid counter name "invalid" drop',
                'oifname "nat64" ct state invalid counter name "invalid" drop',
                'iifname "nat64" ip saddr != 192.168.255.0/24 counter name "unsolicited" drop',
                'iifname "nat64" ip daddr @ipv4_denied counter name "ipv4_denied" drop',
                'oifname "nat64" ip daddr 192.168.255.0/24 ct state established,related meta mark set meta mark | 0x00200000 accept',
                'iifname "nat64" counter name "to_gateway" drop',
                'ip saddr 192.168.255.0/24 oifname != "nat64" masquerade',
                'ip saddr 192.168.255.0/24 oifname != "nat64" counter name "pool_leaked" drop',
                "ip daddr 192.168.255.0/24 ip frag-off & 0x4000 == 0 ip length > 1260 meta mark set meta mark | 0x00400000",
            ],
            ["map hop_limit_plus_two {", "reject with icmpv6 type admin-prohibited"],
            id="bpf-defaults-invalid-dropped-both-ways",
        ),
        pytest.param(
            {"ipv4_destinations": "global", "ipv4_targets": ["10.164.3.0/24"]},
            ["elements = { 10.164.3.0/24 }"],
            [],
            id="target-accepted-before-the-denied-10-8",
        ),
        pytest.param(
            {"ipv4_targets": ["10.0.0.0/8", "192.168.0.0/16"]},
            [
                "elements = { 0.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24, "
                "192.0.2.0/24, 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4 }"
            ],
            [],
            id="whole-targets-leave-the-denied-set",
        ),
        pytest.param(
            {"ipv4_destinations": "any"},
            ["set ipv4_denied {"],
            [
                "elements = { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, "
                "192.0.0.0/24, 192.0.2.0/24, 192.168.0.0/16, 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24, "
                "224.0.0.0/4, 240.0.0.0/4 }"
            ],
            id="any-destination-denies-nothing",
        ),
        pytest.param(
            {"deny_action": "reject"},
            [
                'ip6 daddr @translated counter name "not_fleet" reject with icmpv6 type admin-prohibited',
                'iifname "nat64" ip daddr @ipv4_denied counter name "ipv4_denied" reject with icmp type admin-prohibited',
            ],
            ['ip6 daddr @translated counter name "not_fleet" drop'],
            id="reject",
        ),
        pytest.param(
            {"uplink": "eth1"},
            ['ip saddr 192.168.255.0/24 oifname "eth1" masquerade'],
            ['ip saddr 192.168.255.0/24 oifname != "nat64" masquerade'],
            id="masquerade-out-of-the-uplink-only",
        ),
        pytest.param(
            {"engine": "tayga", "tayga_address": "2001:db8:1:2::64"},
            [
                "map hop_limit_plus_two {",
                "elements = { 2001:db8:1:2:64::/96, 2001:db8:1:2::64/128 }",
                'oifname "nat64" ip6 hoplimit set ip6 hoplimit map @hop_limit_plus_two',
                'iifname "nat64" ip6 hoplimit set ip6 hoplimit map @hop_limit_plus_two',
                'iifname "nat64" ip frag-off 0x4000 ip length <= 1260 ip frag-off set 0',
            ],
            [],
            id="tayga-hop-limit-df-and-its-own-address",
        ),
        pytest.param(
            {"tayga_address": "2001:db8:1:2::64"},
            ["elements = { 2001:db8:1:2:64::/96 }"],
            ["map hop_limit_plus_two {"],
            id="bpf-has-no-address-of-its-own",
        ),
        pytest.param(
            {"prefixes": ["2001:db8:1:2:64::/96", "2001:db8:9:9:64::/96"], "allowed": ["2001:db8:1:2::/64", "fd00:1::/48"]},
            ["elements = { 2001:db8:1:2:64::/96, 2001:db8:9:9:64::/96 }", "elements = { 2001:db8:1:2::/64, fd00:1::/48 }"],
            [],
            id="a-second-prefix-and-fleet",
        ),
        pytest.param(
            {"extra_prefixes": ["2001:db8:f1:0:64::/96", "2001:db8:f2:0:64::/96"]},
            [
                "elements = { 2001:db8:f1:0:64::/96, 2001:db8:f2:0:64::/96 }",
                "chain map_extra {",
                "type nat hook prerouting priority dstnat; policy accept;",
                "ip6 daddr 2001:db8:f1:0:64::/96 dnat ip6 prefix to 2001:db8:1:2:64::/96",
                "ip6 daddr 2001:db8:f2:0:64::/96 dnat ip6 prefix to 2001:db8:1:2:64::/96",
                'ip6 daddr @extra counter name "invalid" drop',
            ],
            [],
            id="floating-prefixes-mapped-onto-the-own-one",
        ),
        pytest.param(
            {},
            ["set extra {"],
            ["chain map_extra {"],
            id="no-floating-prefixes-no-mapping",
        ),
        pytest.param(
            {"lowest_ipv6_mtu": 1500},
            ["ip daddr 192.168.255.0/24 ip frag-off & 0x4000 == 0 ip length > 1480 meta mark set meta mark | 0x00400000"],
            [],
            id="lowest-ipv6-mtu",
        ),
    ],
)
def test_ruleset(changes, present, absent):
    lines = ruleset_lines(**changes)
    for line in present:
        assert line in lines
    for line in absent:
        assert line not in lines


def test_ruleset_order_refuses_before_it_accepts():
    lines = ruleset_lines()
    invalid = lines.index('ip6 daddr @translated ct state invalid counter name "invalid" drop')
    fleet = lines.index("ip6 daddr @translated ip6 saddr @fleet meta mark set meta mark | 0x00200000 accept")
    others = lines.index('ip6 daddr @translated counter name "not_fleet" drop')
    targets = lines.index('iifname "nat64" ip daddr @ipv4_targets meta mark set meta mark | 0x00200000 accept')
    denied = lines.index('iifname "nat64" ip daddr @ipv4_denied counter name "ipv4_denied" drop')
    assert invalid < fleet < others
    assert targets < denied
    # What is still addressed to a further prefix in forward was not mapped (conntrack could not track it).
    assert lines.index('ip6 daddr @extra counter name "invalid" drop') < fleet


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param({"allowed": []}, "open relay", id="empty-allowlist"),
        pytest.param({"engine": "jool"}, "engine 'jool'", id="engine"),
        pytest.param({"deny_action": "ignore"}, "deny action 'ignore'", id="deny-action"),
        pytest.param({"ipv4_destinations": "some"}, "IPv4 destinations 'some'", id="destinations"),
        pytest.param({"prefixes": []}, "no NAT64 prefix", id="no-prefix"),
        pytest.param({"lowest_ipv6_mtu": 1000}, "at least 1280", id="lowest-mtu"),
    ],
)
def test_ruleset_refuses(changes, message):
    args = dict(BASE)
    args.update(changes)
    with pytest.raises(ValueError, match=message):
        gateway_ruleset(**args)


@pytest.mark.parametrize(
    "lowest, above, mtu",
    [
        pytest.param(1280, 1260, 1252, id="1280-fragments-of-1232"),
        pytest.param(1402, 1382, 1372, id="jool-jc-1402"),
        pytest.param(1500, 1480, 1468, id="1500"),
    ],
)
def test_fragment_sizes(lowest, above, mtu):
    assert fragment_sizes(lowest) == (above, mtu)
    assert (mtu - 20) % 8 == 0 and mtu - 20 + 48 <= lowest


def test_plan():
    args = {
        "device": "nat64",
        "prefixes": ["2001:db8:1:2:64::/96"],
        "pool": "192.168.255.0/24",
        "allowed": ["2001:db8:1:2::/64"],
        "tayga_address": "2001:db8:1:2::64",
    }
    plan = gateway_plan("tayga", **args)
    assert plan["routes"] == ["2001:db8:1:2:64::/96", "2001:db8:1:2::64/128"]
    assert (plan["table"], plan["fragment_table"], plan["fragment_mtu"]) == ("ipv6ready_nat64", 6464, 1252)
    assert plan["mark_accepted"] == "0x%08x" % MARK_ACCEPTED and plan["mark_fragment"] == "0x%08x" % MARK_FRAGMENT
    assert MARK_ACCEPTED & MARK_FRAGMENT == 0
    assert plan["ruleset"] == gateway_ruleset("tayga", **args)
