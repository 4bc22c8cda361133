# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_prefix.py (pure helpers)."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _prefix as p

ULA = "fd00:d0c::/48"
HOST = "2001:db8:1:2::/64"


# --------------------------------------------------------------------------
# prefix_problem (used by the prefix_problems filter; behaviour is fixed)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, version, expected",
    [
        pytest.param("fd00:d0c::/48", 6, None, id="ula-48"),
        pytest.param("2001:db8:1:2::/64", None, None, id="any-family-v6"),
        pytest.param("172.30.0.0/24", 4, None, id="ipv4"),
        pytest.param("fd00::1/64", 6, "'fd00::1/64' has host bits set; the network is fd00::/64", id="host-bits"),
        pytest.param("fd00::", 6, "'fd00::' is not a prefix in address/length form", id="no-length"),
        pytest.param(None, 6, "None is not a prefix in address/length form", id="none"),
        pytest.param(64, 6, "64 is not a prefix in address/length form", id="int"),
        pytest.param("fd00::/129", 6, "'fd00::/129' is not a valid prefix", id="too-long"),
        pytest.param("fz00::/64", 6, "'fz00::/64' is not a valid prefix", id="bad-hex"),
        pytest.param(
            "10.0.0.0/8",
            6,
            "'10.0.0.0/8' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.0.0.0/104)",
            id="ipv4-for-ipv6",
        ),
        pytest.param("fd00::/64", 4, "'fd00::/64' is an IPv6 prefix, IPv4 is required", id="ipv6-for-ipv4"),
    ],
)
def test_prefix_problem(value, version, expected):
    problem = p.prefix_problem(value, version=version)
    if expected is None:
        assert problem is None
    else:
        assert problem.startswith(expected)


# --------------------------------------------------------------------------
# parse_prefix: the one prefix reader (kinds, host bits, optional length)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, kwargs, kind, words",
    [
        pytest.param(None, {}, "type", ["None is not a prefix in address/length form"], id="none"),
        pytest.param(64, {"length_required": False}, "type", ["64 is not a prefix", "a string"], id="int-optional-length"),
        pytest.param("fd00::", {}, "form", ["address/length"], id="no-length"),
        pytest.param("fe80::%eth0/64", {}, "zone", ["zone index"], id="zone"),
        pytest.param("fe80::%eth0", {"length_required": False}, "zone", ["zone index"], id="zone-no-length"),
        # Docker (Go's ParseCIDR), TAYGA, unbound and glibc take a decimal length only.
        pytest.param("10.0.0.0/255.0.0.0", {}, "length", ["invalid prefix length", "0 to 32"], id="netmask-form"),
        pytest.param("fd00::/x", {}, "length", ["invalid prefix length", "0 to 128"], id="letters"),
        pytest.param("fd00::/129", {}, "length", ["is not a valid prefix", "0 to 128"], id="too-long-v6"),
        pytest.param("10.0.0.0/33", {}, "length", ["0 to 32"], id="too-long-v4"),
        pytest.param("nonsense/x", {}, "length", ["32 (IPv4) or 128 (IPv6)"], id="letters-bad-address"),
        pytest.param("nonsense/64", {}, "invalid", ["is not a valid prefix", "does not appear to be"], id="garbage"),
        pytest.param("fd00:::/8", {"version": 6}, "invalid", ["is not an IPv6 prefix"], id="garbage-v6"),
        pytest.param("10.0.0.0/8", {"version": 6}, "version", ["IPv4 prefix, IPv6 is required", "::ffff:10.0.0.0/104"], id="ipv4-for-ipv6"),
        pytest.param("fd00::/8", {"version": 4}, "version", ["IPv6 prefix, IPv4 is required"], id="ipv6-for-ipv4"),
        pytest.param("fd00::1/64", {}, "host_bits", ["host bits", "fd00::/64"], id="host-bits"),
    ],
)
def test_parse_prefix_errors(value, kwargs, kind, words):
    with pytest.raises(p.PrefixError) as exc:
        p.parse_prefix(value, **kwargs)
    assert exc.value.kind == kind
    assert kind in p.PrefixError.KINDS
    assert exc.value.value == value
    message = str(exc.value)
    assert message == "%r %s" % (value, exc.value.reason)
    for word in words:
        assert word in message
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    "value, kwargs, expected",
    [
        pytest.param("fd00:d0c::/48", {}, "fd00:d0c::/48", id="v6"),
        pytest.param("FD00:0D0C:0000::/48", {"version": 6}, "fd00:d0c::/48", id="canonical"),
        pytest.param("192.0.2.0/24", {"version": 4}, "192.0.2.0/24", id="v4"),
        pytest.param("fd00::/064", {}, "fd00::/64", id="leading-zero-length"),
        pytest.param("2001:db8:1:2::1/64", {"host_bits": True}, "2001:db8:1:2::/64", id="interface-masked"),
        pytest.param("fd00::1", {"length_required": False}, "fd00::1/128", id="address-is-128"),
        pytest.param("192.0.2.1", {"length_required": False}, "192.0.2.1/32", id="address-is-32"),
        pytest.param("::/0", {"version": 6}, "::/0", id="default"),
    ],
)
def test_parse_prefix_accepts(value, kwargs, expected):
    network = p.parse_prefix(value, **kwargs)
    assert str(network) == expected
    assert network == ipaddress.ip_network(expected)


def test_parse_prefix_error_carries_the_network():
    with pytest.raises(p.PrefixError) as exc:
        p.parse_prefix("fd00::1/64")
    assert exc.value.network == ipaddress.ip_network("fd00::/64")
    with pytest.raises(p.PrefixError) as exc:
        p.parse_prefix("10.0.0.0/8", version=6)
    assert exc.value.network == ipaddress.ip_network("10.0.0.0/8")


def test_prefix_problem_host_bits_allowed():
    assert p.prefix_problem("2001:db8::1/64", version=6, host_bits=True) is None
    assert "host bits" in p.prefix_problem("2001:db8::1/64", version=6)


# --------------------------------------------------------------------------
# parse_address / address_problem
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, version, kind, expected",
    [
        pytest.param("192.0.2.53", None, None, None, id="v4"),
        pytest.param("2001:db8::53", 6, None, None, id="v6"),
        pytest.param("192.0.2.53", 6, "version", "'192.0.2.53' is an IPv4 address, IPv6 is required", id="v4-for-v6"),
        pytest.param("2001:db8::53", 4, "version", "'2001:db8::53' is an IPv6 address, IPv4 is required", id="v6-for-v4"),
        pytest.param("192.0.2.53/32", None, "form", "'192.0.2.53/32' is not an IP address (give one address, without a /length)", id="prefix"),
        pytest.param("fe80::1%eth0", None, "zone", "'fe80::1%eth0' has a zone index", id="zone"),
        pytest.param("dns.example", None, "invalid", "'dns.example' is not an IP address", id="name"),
        pytest.param(53, None, "type", "53 is not an IP address", id="int"),
    ],
)
def test_parse_address(value, version, kind, expected):
    if kind is None:
        assert p.parse_address(value, version=version) == ipaddress.ip_address(value)
        assert p.address_problem(value, version=version) is None
        return
    with pytest.raises(p.PrefixError) as exc:
        p.parse_address(value, version=version)
    assert exc.value.kind == kind
    assert str(exc.value).startswith(expected)
    assert p.address_problem(value, version=version) == str(exc.value)


# --------------------------------------------------------------------------
# carve_slot: name -> slot, deterministic and never 0
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, bits, attempt, expected",
    [
        # Fixed values: a change here moves every user's networks.
        pytest.param("kamal", 16, 0, 0x145, id="kamal"),
        pytest.param("apps", 16, 0, 0x6377, id="apps"),
        pytest.param("edge", 16, 0, 0xCC53, id="edge"),
        pytest.param("kamal", 1, 0, 1, id="one-bit-only-slot-1"),
    ],
)
def test_carve_slot_fixed_values(name, bits, attempt, expected):
    assert p.carve_slot(name, bits, attempt) == expected


@pytest.mark.parametrize("bits", [1, 2, 4, 8, 16, 32, 72])
def test_carve_slot_range(bits):
    for i in range(300):
        slot = p.carve_slot("net-%d" % i, bits)
        assert 1 <= slot <= (1 << bits) - 1


def test_carve_slot_attempts_differ():
    assert len({p.carve_slot("kamal", 16, attempt) for attempt in range(5)}) == 5


def test_carve_slot_needs_a_bit():
    with pytest.raises(ValueError, match="at least one bit"):
        p.carve_slot("kamal", 0)


# --------------------------------------------------------------------------
# subnet_at
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parent, size, slot, expected",
    [
        pytest.param(ULA, 64, 0, "fd00:d0c::/64", id="ula-slot-0"),
        pytest.param(ULA, 64, 1, "fd00:d0c:0:1::/64", id="ula-slot-1"),
        pytest.param(ULA, 64, 0xFFFF, "fd00:d0c:0:ffff::/64", id="ula-last"),
        pytest.param(ULA, 56, 3, "fd00:d0c:0:300::/56", id="ula-56"),
        pytest.param(HOST, 80, 0x145, "2001:db8:1:2:145::/80", id="host-80"),
        pytest.param("2001:db8:1:2::10/64", 80, 1, "2001:db8:1:2:1::/80", id="interface-form"),
        pytest.param("192.0.2.0/24", 28, 2, "192.0.2.32/28", id="ipv4"),
    ],
)
def test_subnet_at(parent, size, slot, expected):
    assert str(p.subnet_at(parent, size, slot)) == expected


@pytest.mark.parametrize(
    "parent, size, slot, match",
    [
        pytest.param(ULA, 48, 0, "cannot carve /48", id="same-size"),
        pytest.param(ULA, 129, 0, "cannot carve /129", id="too-long"),
        pytest.param(ULA, 64, 0x10000, "outside 0..65535", id="slot-too-big"),
        pytest.param(ULA, 64, -1, "outside", id="negative"),
    ],
)
def test_subnet_at_errors(parent, size, slot, match):
    with pytest.raises(ValueError, match=match):
        p.subnet_at(parent, size, slot)


# --------------------------------------------------------------------------
# carve_subnet
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parent, size, kwargs, expected",
    [
        pytest.param(ULA, 64, {"name": "kamal"}, "fd00:d0c:0:145::/64", id="ula-kamal"),
        pytest.param(ULA, 64, {"name": "apps"}, "fd00:d0c:0:6377::/64", id="ula-apps"),
        pytest.param(HOST, 80, {"name": "kamal"}, "2001:db8:1:2:145::/80", id="host-kamal"),
        pytest.param(HOST, 80, {"name": "edge"}, "2001:db8:1:2:cc53::/80", id="host-edge"),
        pytest.param("2001:db8:1:2::10/64", 80, {"name": "edge"}, "2001:db8:1:2:cc53::/80", id="host-interface-form"),
        pytest.param(ULA, 64, {"name": "kamal", "index": 7}, "fd00:d0c:0:7::/64", id="index-wins"),
        pytest.param(ULA, 64, {"index": "9"}, "fd00:d0c:0:9::/64", id="index-as-string"),
        pytest.param(HOST, 80, {"name": "kamal", "reserved": ["2001:db8:1:2::1", "2001:db8:1:2::10"]}, "2001:db8:1:2:145::/80", id="reserved-elsewhere"),
        pytest.param(HOST, 80, {"name": "kamal", "reserved": ["fd00::1"]}, "2001:db8:1:2:145::/80", id="reserved-other-prefix"),
        pytest.param(HOST, 80, {"name": "kamal", "reserved": ["192.0.2.1"]}, "2001:db8:1:2:145::/80", id="reserved-other-family"),
        pytest.param(ULA, 49, {"name": "kamal"}, "fd00:d0c:0:8000::/49", id="one-bit"),
    ],
)
def test_carve_subnet(parent, size, kwargs, expected):
    assert p.carve_subnet(parent, size, **kwargs) == expected


def test_carve_subnet_skips_a_slot_holding_a_reserved_address():
    first = p.carve_subnet(HOST, 80, name="kamal")
    host_address = str(ipaddress.ip_network(first)[0x10])
    moved = p.carve_subnet(HOST, 80, name="kamal", reserved=[host_address])
    assert moved != first
    assert moved == str(p.subnet_at(HOST, 80, p.carve_slot("kamal", 16, 1)))
    # Deterministic: the same reserved set gives the same answer.
    assert p.carve_subnet(HOST, 80, name="kamal", reserved=[host_address]) == moved


def test_carve_subnet_is_stable_for_many_names():
    names = ["net%03d" % i for i in range(200)]
    forward = [p.carve_subnet(ULA, 64, name=n) for n in names]
    backward = [p.carve_subnet(ULA, 64, name=n) for n in reversed(names)]
    assert forward == list(reversed(backward))
    assert "fd00:d0c::/64" not in forward


@pytest.mark.parametrize(
    "parent, size, kwargs, match",
    [
        pytest.param(ULA, 48, {"name": "a"}, r"cannot carve /48 subnets out of fd00:d0c::/48: the size must be between /49 and /128", id="size-not-longer"),
        pytest.param(ULA, 130, {"name": "a"}, "cannot carve /130", id="size-too-long"),
        pytest.param(ULA, 64, {"index": 0}, r"index 0 is outside 1\.\.65535 .*0 is reserved", id="index-0"),
        pytest.param(ULA, 64, {"index": 65536}, r"index 65536 is outside 1\.\.65535", id="index-too-big"),
        pytest.param(
            HOST,
            80,
            {"index": 1, "reserved": ["2001:db8:1:2:1::5"]},
            r"index 1 gives 2001:db8:1:2:1::/80, which holds the reserved address 2001:db8:1:2:1::5",
            id="index-reserved",
        ),
        pytest.param(
            HOST, 80, {"index": 1, "reserved": ["2001:db8:1:2::/72"]}, r"which holds the reserved prefix 2001:db8:1:2::/72", id="index-reserved-prefix"
        ),
        pytest.param(ULA, 64, {}, "a name or an index is needed", id="no-name"),
        pytest.param(HOST, 65, {"name": "a", "reserved": ["2001:db8:1:2::/64"]}, "no /65 subnet", id="all-reserved"),
    ],
)
def test_carve_subnet_errors(parent, size, kwargs, match):
    with pytest.raises(ValueError, match=match):
        p.carve_subnet(parent, size, **kwargs)


# --------------------------------------------------------------------------
# overlapping_pairs, canonical_prefix
# --------------------------------------------------------------------------


def _names(pairs):
    return [(a["name"], b["name"]) for a, b in pairs]


@pytest.mark.parametrize(
    "entries, others, expected",
    [
        pytest.param([{"name": "a", "subnet": "fd00::/64"}, {"name": "b", "subnet": "fd00:0:0:1::/64"}], None, [], id="disjoint"),
        pytest.param([{"name": "a", "subnet": "fd00::/64"}, {"name": "b", "subnet": "fd00::/80"}], None, [("a", "b")], id="nested"),
        pytest.param([{"name": "a", "subnet": "fd00::/64"}, {"name": "b", "subnet": "fd00::/64"}], None, [("a", "b")], id="equal"),
        pytest.param([{"name": "a", "subnet": "fd00::/64"}, {"name": "a", "subnet": "fd00::/80"}], None, [], id="same-name"),
        pytest.param([{"name": "a", "subnet": "10.0.0.0/8"}, {"name": "b", "subnet": "::ffff:10.0.0.0/104"}], None, [], id="different-family"),
        pytest.param(
            [{"name": "a", "subnet": "10.0.0.0/8"}, {"name": "b", "subnet": "10.1.0.0/16"}, {"name": "c", "subnet": "10.2.0.0/16"}],
            None,
            [("a", "b"), ("a", "c")],
            id="three",
        ),
        pytest.param(
            [{"name": "a", "subnet": "fd00::/64"}, {"name": "b"}, {"name": "c", "subnet": None}, {"name": "d", "subnet": "garbage"}],
            None,
            [],
            id="missing-or-bad-skipped",
        ),
        pytest.param(
            [{"name": "a", "subnet": "fd00::/64"}],
            [{"name": "x", "subnet": "fd00::/48"}, {"name": "a", "subnet": "fd00::/64"}],
            [("a", "x")],
            id="against-others",
        ),
        pytest.param([{"name": "a", "subnet": "fd00::/64"}], [], [], id="no-others"),
    ],
)
def test_overlapping_pairs(entries, others, expected):
    assert _names(p.overlapping_pairs(entries, others)) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("fd00:d0c:0099::/64", "fd00:d0c:99::/64", id="leading-zeros"),
        pytest.param("FD00:D0C::/48", "fd00:d0c::/48", id="upper-case"),
        pytest.param("2001:db8:1:2::10/64", "2001:db8:1:2::/64", id="interface"),
        pytest.param("172.30.0.0/24", "172.30.0.0/24", id="ipv4"),
    ],
)
def test_canonical_prefix(value, expected):
    assert p.canonical_prefix(value) == expected


# --------------------------------------------------------------------------
# carve_networks
# --------------------------------------------------------------------------

CARVE = {"ula_prefix": ULA, "host_prefix": "2001:db8:1:2::10/64", "reserved": ["2001:db8:1:2::10"]}


def _subnets(networks):
    return {n["name"]: (n.get("ipv6_subnet"), n.get("ipv4_subnet"), n["carved"]) for n in networks}


def test_carve_networks_fills_and_keeps():
    networks, problems = p.carve_networks(
        [
            {"name": "kamal"},
            {"name": "edge", "carve_from": "host", "driver": "bridge"},
            {"name": "fixed", "ipv6_subnet": "fd00:d0c:0099::/64", "ipv4_subnet": "172.31.99.0/24"},
            {"name": "pinned", "index": 2},
        ],
        **CARVE,
    )
    assert problems == []
    assert _subnets(networks) == {
        "kamal": ("fd00:d0c:0:145::/64", None, "ula"),
        "edge": ("2001:db8:1:2:cc53::/80", None, "host"),
        "fixed": ("fd00:d0c:99::/64", "172.31.99.0/24", None),
        "pinned": ("fd00:d0c:0:2::/64", None, "ula"),
    }
    assert networks[1]["driver"] == "bridge"


def test_carve_networks_does_not_change_its_input():
    given = [{"name": "kamal"}]
    p.carve_networks(given, **CARVE)
    assert given == [{"name": "kamal"}]


def test_carve_networks_order_and_additions_do_not_move_subnets():
    one = p.carve_networks([{"name": "a"}, {"name": "b"}], **CARVE)[0]
    two = p.carve_networks([{"name": "c"}, {"name": "b"}, {"name": "z", "carve_from": "host"}, {"name": "a"}], **CARVE)[0]
    assert _subnets(one)["a"] == _subnets(two)["a"]
    assert _subnets(one)["b"] == _subnets(two)["b"]


def test_carve_networks_default_source_host():
    networks, problems = p.carve_networks([{"name": "kamal"}, {"name": "x", "carve_from": "ula"}], default_source="host", **CARVE)
    assert problems == []
    assert _subnets(networks)["kamal"][2] == "host"
    assert _subnets(networks)["x"][2] == "ula"


def test_carve_networks_host_size():
    networks, problems = p.carve_networks([{"name": "kamal", "carve_from": "host"}], host_size=96, **CARVE)
    assert problems == []
    assert networks[0]["ipv6_subnet"].endswith("/96")


@pytest.mark.parametrize(
    "networks, kwargs, expected",
    [
        pytest.param(
            [{"name": "ovl-a", "ipv6_subnet": "fd00:d0c:77::/64"}, {"name": "ovl-b", "ipv6_subnet": "fd00:d0c:77::/80"}],
            {},
            ["networks 'ovl-a' (fd00:d0c:77::/64) and 'ovl-b' (fd00:d0c:77::/80) overlap"],
            id="listed-overlap",
        ),
        pytest.param(
            [{"name": "a", "ipv4_subnet": "172.31.0.0/16"}, {"name": "b", "ipv4_subnet": "172.31.5.0/24"}],
            {},
            ["networks 'a' (172.31.0.0/16) and 'b' (172.31.5.0/24) overlap"],
            id="listed-ipv4-overlap",
        ),
        pytest.param(
            [{"name": "x", "index": 0x145}, {"name": "kamal"}],
            {},
            ["networks 'x' (fd00:d0c:0:145::/64) and 'kamal' (fd00:d0c:0:145::/64) overlap; give one of them an explicit index or ipv6_subnet"],
            id="carved-collision-hint",
        ),
        pytest.param(
            [{"name": "c", "ipv6_subnet": "fd00:d0c:0:6377::/64"}],
            {"existing": [{"name": "apps", "subnets": ["172.18.0.0/16", "fd00:d0c:0:6377::/64"]}]},
            ["network 'c' (fd00:d0c:0:6377::/64) overlaps the existing Docker network 'apps' (fd00:d0c:0:6377::/64)"],
            id="existing-overlap",
        ),
        pytest.param(
            [{"name": "kamal", "ipv4_subnet": "172.17.5.0/24"}],
            {"existing": [{"name": "bridge", "subnets": ["172.17.0.0/16"]}, {"name": "kamal", "subnets": ["172.18.0.0/16"]}]},
            ["network 'kamal' (172.17.5.0/24) overlaps the existing Docker network 'bridge' (172.17.0.0/16)"],
            id="existing-ipv4-overlap",
        ),
        pytest.param(
            [{"name": "kamal"}],
            {"existing": [{"name": "kamal", "subnets": ["fd00:d0c::/48"]}, {"name": "none", "subnets": None}, {"name": "host"}]},
            [],
            id="same-name-existing-is-not-a-conflict",
        ),
        pytest.param(
            [{"name": "edge", "carve_from": "host"}], {"host_prefix": None}, ["networks_list[0] (edge): no host prefix to carve from"], id="no-host-prefix"
        ),
        pytest.param([{"name": "a", "carve_from": "moon"}], {}, ["networks_list[0] (a).carve_from: 'moon' is neither ula nor host"], id="bad-source"),
        pytest.param(
            [{"name": "a", "index": 70000}],
            {},
            ["networks_list[0] (a): index 70000 is outside 1..65535 (/64 subnets of fd00:d0c::/48; 0 is reserved)"],
            id="bad-index",
        ),
        pytest.param(
            [{"name": "a"}],
            {"ula_size": 40},
            ["networks_list[0] (a): cannot carve /40 subnets out of fd00:d0c::/48: the size must be between /49 and /128"],
            id="bad-size",
        ),
        pytest.param([{"name": "a", "ipv6_subnet": "fd00:::/64"}], {}, ["networks_list[0] (a).ipv6_subnet: "], id="bad-explicit"),
        pytest.param([{"name": "a", "ipv4_subnet": "300.0.0.0/8"}], {"var": "my_networks"}, ["my_networks[0] (a).ipv4_subnet: "], id="bad-ipv4-var-name"),
    ],
)
def test_carve_networks_problems(networks, kwargs, expected):
    args = dict(CARVE)
    args.update(kwargs)
    problems = p.carve_networks(networks, **args)[1]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


def test_carve_networks_reserved_scope_is_ignored():
    networks, problems = p.carve_networks([{"name": "kamal", "carve_from": "host"}], ula_prefix=ULA, host_prefix=HOST, reserved=["fe80::1%eth0"])
    assert problems == []
    assert networks[0]["ipv6_subnet"] == "2001:db8:1:2:145::/80"


def test_carve_networks_bad_reserved_raises():
    with pytest.raises(ValueError):
        p.carve_networks([{"name": "kamal"}], ula_prefix=ULA, reserved=["nonsense"])


def test_carve_networks_own_var_names_the_network():
    problems = p.carve_networks([{"name": "kamal", "var": "networks_kamal (kamal)", "index": 0x10000}], **CARVE)[1]
    assert problems == ["networks_kamal (kamal): index 65536 is outside 1..65535 (/64 subnets of fd00:d0c::/48; 0 is reserved)"]


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param(["FD00:d0c:0099:0::/64", "172.29.0.0/24"], ["fd00:d0c:99::/64", "172.29.0.0/24"], id="docker-keeps-input"),
        pytest.param(["garbage", None, "", "fd00::/64"], ["fd00::/64"], id="bad-dropped"),
        pytest.param(None, [], id="none"),
    ],
)
def test_canonical_subnets(values, expected):
    assert p.canonical_subnets(values) == expected


# --------------------------------------------------------------------------
# The readers of the modules and filters are this one
# --------------------------------------------------------------------------

AGREEMENT_VALUES = [
    "fd00::/8",
    "fd00::1/8",
    "10.0.0.0/8",
    "fd00::/129",
    "fd00::/x",
    "fe80::%eth0/64",
    "fd00:::/8",
    "2001:db8:1:2::1/64",
    "::ffff:192.0.2.0/120",
    "10.0.0.0/255.0.0.0",
    "2001:db8::",
]


@pytest.mark.parametrize("value", AGREEMENT_VALUES)
def test_gai_reads_prefixes_with_this_reader(value):
    from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import GaiOptionError, parse_prefix

    try:
        expected = p.parse_prefix(value, version=6, length_required=False)
    except p.PrefixError as exc:
        with pytest.raises(GaiOptionError) as gai_exc:
            parse_prefix(value, "opt")
        assert str(gai_exc.value) == "opt: %s" % exc
    else:
        assert parse_prefix(value, "opt") == expected


@pytest.mark.parametrize("value", AGREEMENT_VALUES)
def test_nat64_reads_routed_prefixes_with_this_reader(value):
    from ansible_collections.ipv6ready.docker.plugins.filter.nat64 import nat64_carve_problems

    problem = p.prefix_problem(value, version=6, host_bits=True)
    problems = nat64_carve_problems(value, "routed", offset="::")
    if problem is None:
        assert all("longer than /96" in item for item in problems), problems
    else:
        assert "routed: %s" % problem in problems
