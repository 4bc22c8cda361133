# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The nat64_gateway role's checks of its variables (module_utils/_nat64_gateway.py, input_problems and
prefix_in_use_problems), one table per rule."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64_gateway as g
from ansible_collections.ipv6ready.docker.plugins.module_utils._names import INTERFACE_RULE

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "nat64_gateway")


def role_defaults():
    with open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# The role's defaults, and the one variable without a default; each case changes some.
DEFAULTS = dict(role_defaults(), nat64_gateway_allowed_prefixes=["2001:db8:1::/48"])


def inputs(**changes):
    return dict(DEFAULTS, **changes)


def test_the_defaults_have_no_problem():
    assert g.input_problems(DEFAULTS) == []


def test_the_inputs_hold_every_variable_the_rules_read():
    with open(os.path.join(ROLE, "vars", "main.yml"), encoding="utf-8") as handle:
        names = set(yaml.safe_load(handle)["__nat64_gateway_inputs"])
    read = set()

    class Recorder(dict):
        def get(self, key, default=None):
            read.add(key)
            return dict.get(self, key, default)

    g.input_problems(Recorder(DEFAULTS))
    g.prefix_in_use_problems(Recorder(inputs(nat64_gateway_engine="tayga")), "2001:db8:1:2:64::/96", [])
    assert read <= names
    assert names == {name for name in names if name.startswith("nat64_gateway_")}


@pytest.mark.parametrize(
    "allowed, expected",
    [
        pytest.param(["2001:db8:1::/48", "fd00::/8"], [], id="good"),
        pytest.param([], [g.EMPTY_ALLOWLIST], id="empty"),
        pytest.param(None, [g.EMPTY_ALLOWLIST], id="none"),
        pytest.param(
            ["10.164.1.0/24", "2001:db8::1/64"],
            [
                "nat64_gateway_allowed_prefixes: '10.164.1.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as "
                "IPv4-mapped, e.g. ::ffff:10.164.1.0/120)",
                "nat64_gateway_allowed_prefixes: '2001:db8::1/64' has host bits set; the network is 2001:db8::/64",
            ],
            id="each-bad-one",
        ),
    ],
)
def test_allowlist(allowed, expected):
    assert g.allowlist_problems(inputs(nat64_gateway_allowed_prefixes=allowed)) == expected


def test_empty_allowlist_message():
    # molecule/nat64/vars/bad_input.yml matches "empty" and "open NAT64 relay".
    assert g.EMPTY_ALLOWLIST == (
        "nat64_gateway_allowed_prefixes: the list is empty; an empty allowlist is refused rather than read as "
        '"allow all", which would make the gateway an open NAT64 relay: list the IPv6 prefixes of the fleet'
    )


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({}, [], id="carve-from-the-host-offset-only"),
        pytest.param({"nat64_gateway_prefix": "2001:db8:1:2:64::/96"}, [], id="given"),
        pytest.param({"nat64_gateway_carve_from": "2001:db8:1:2::1/64"}, [], id="carve-from-an-interface-address"),
        pytest.param(
            {"nat64_gateway_prefix": "fd64:64:64::/64"},
            ["nat64_gateway_prefix: 'fd64:64:64::/64' is a /64; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)"],
            id="a-64",
        ),
        pytest.param(
            {"nat64_gateway_prefix": "64:ff9b::/96", "nat64_gateway_ipv4_targets": ["10.164.3.0/24"]},
            [
                "nat64_gateway_prefix: the well-known prefix 64:ff9b::/96 cannot reach the non-global IPv4 targets "
                '10.164.3.0/24 in nat64_gateway_ipv4_targets: RFC 6052 forbids it and TAYGA answers "unreachable route"; '
                "use a network-specific /96, e.g. one carved out of the gateway's routed /64"
            ],
            id="well-known-private",
        ),
        pytest.param(
            {"nat64_gateway_prefix": "64:ff9b::/96", "nat64_gateway_ipv4_targets": ["198.51.100.0/24"]},
            [
                "nat64_gateway_prefix: the well-known prefix 64:ff9b::/96 cannot reach the non-global IPv4 targets "
                '198.51.100.0/24 in nat64_gateway_ipv4_targets: RFC 6052 forbids it and TAYGA answers "unreachable route"; '
                "use a network-specific /96, e.g. one carved out of the gateway's routed /64"
            ],
            id="well-known-documentation",
        ),
        pytest.param({"nat64_gateway_prefix": "64:ff9b::/96"}, [], id="well-known-no-targets"),
        pytest.param(
            {"nat64_gateway_prefix": "64:ff9b:1::/96"},
            [
                "nat64_gateway_prefix: '64:ff9b:1::/96' is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 "
                "or ff00::/8, which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as "
                '"reserved"'
            ],
            id="rfc8215",
        ),
        pytest.param({"nat64_gateway_prefix": "fd64::/96", "nat64_gateway_carve_offset": "::1"}, [], id="given-prefix-ignores-the-offset"),
        pytest.param(
            {"nat64_gateway_carve_offset": "::64:0:0:1"},
            ["nat64_gateway_carve_offset: '::64:0:0:1' sets bits in the last 32 bits, which hold the IPv4 address in a /96"],
            id="offset-into-the-ipv4-bits",
        ),
        pytest.param(
            {"nat64_gateway_carve_offset": "1::"},
            ["nat64_gateway_carve_offset: '1::' sets bits inside the /64 network part of ::/64"],
            id="offset-into-the-host-64",
        ),
        pytest.param(
            {"nat64_gateway_carve_from": "10.164.1.0/24"},
            ["nat64_gateway_carve_from: '10.164.1.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.164.1.0/120)"],
            id="ipv4-carve-from",
        ),
        pytest.param(
            {"nat64_gateway_carve_from": "2001:db8::/112"},
            ["nat64_gateway_carve_from: '2001:db8::/112' is a /112; a /96 cannot be carved out of a prefix longer than /96"],
            id="carve-from-too-long",
        ),
    ],
)
def test_prefix(changes, expected):
    assert g.prefix_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "pool, expected",
    [
        pytest.param("192.168.255.0/24", [], id="default"),
        pytest.param("192.168.255.0/31", [], id="two-addresses"),
        pytest.param(
            "192.168.255.1/32", ["nat64_gateway_dynamic_pool: 192.168.255.1/32 is longer than /31; TAYGA needs at least two addresses"], id="one-address"
        ),
        pytest.param("192.168.255.1/24", ["nat64_gateway_dynamic_pool: '192.168.255.1/24' has host bits set; the network is 192.168.255.0/24"], id="host-bits"),
        pytest.param("fd00::/120", ["nat64_gateway_dynamic_pool: 'fd00::/120' is an IPv6 prefix, IPv4 is required"], id="ipv6"),
        pytest.param("192.168.255.1", ["nat64_gateway_dynamic_pool: '192.168.255.1' is not a prefix in address/length form"], id="no-length"),
        pytest.param(None, ["nat64_gateway_dynamic_pool: None is not a prefix in address/length form"], id="none"),
    ],
)
def test_pool(pool, expected):
    assert g.pool_problems(inputs(nat64_gateway_dynamic_pool=pool)) == expected


@pytest.mark.parametrize(
    "targets, expected",
    [
        pytest.param(["10.164.3.0/24", "192.0.2.0/24"], [], id="good"),
        pytest.param(
            ["10.164.3.1/24", "fd00::/8"],
            [
                "nat64_gateway_ipv4_targets: '10.164.3.1/24' has host bits set; the network is 10.164.3.0/24",
                "nat64_gateway_ipv4_targets: 'fd00::/8' is an IPv6 prefix, IPv4 is required",
            ],
            id="each-bad-one",
        ),
    ],
)
def test_targets(targets, expected):
    assert g.target_problems(inputs(nat64_gateway_ipv4_targets=targets)) == expected


@pytest.mark.parametrize(
    "extra, expected",
    [
        pytest.param(["2001:db8:1:3:64::/96", "2001:db8:1:4:64::/96"], [], id="good"),
        pytest.param(
            ["2001:db8:1:3::/64"],
            ["nat64_gateway_extra_prefixes: '2001:db8:1:3::/64' is a /64; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)"],
            id="a-64",
        ),
        pytest.param(
            ["192.0.2.0/24"],
            [
                "nat64_gateway_extra_prefixes: '192.0.2.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as "
                "IPv4-mapped, e.g. ::ffff:192.0.2.0/120)"
            ],
            id="ipv4",
        ),
    ],
)
def test_extra_prefixes(extra, expected):
    assert g.extra_prefix_problems(inputs(nat64_gateway_extra_prefixes=extra)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param(
            {"nat64_gateway_engine": "tayga", "nat64_gateway_tun_device": "translator0", "nat64_gateway_bpf_mapping_timeout": 1},
            [],
            id="tayga-ignores-the-bpf-limits",
        ),
        pytest.param(
            {"nat64_gateway_tun_device": "translator0"},
            ["nat64_gateway_tun_device: 'translator0' is longer than 10 characters; the bpf engine also creates its veth peer 'translator0-peer'"],
            id="bpf-peer-name",
        ),
        pytest.param(
            {"nat64_gateway_bpf_mapping_timeout": 59}, ["nat64_gateway_bpf_mapping_timeout: 59 is not a number of seconds of at least 60"], id="bpf-timeout"
        ),
        pytest.param(
            {"nat64_gateway_dynamic_pool": "10.0.0.0/15"},
            ["nat64_gateway_dynamic_pool: 10.0.0.0/15 holds 131070 addresses; the bpf engine maps at most 65536 (a /16), each to one IPv6 source"],
            id="bpf-pool",
        ),
        pytest.param(
            {"nat64_gateway_lowest_ipv6_mtu": 1000},
            ["nat64_gateway_lowest_ipv6_mtu: 1000 is not an MTU from 1280 to 65535 (RFC 7915 4.1: the lowest IPv6 MTU of the network)"],
            id="mtu",
        ),
        pytest.param({"nat64_gateway_engine": "jool"}, ["nat64_gateway_engine: 'jool' is not one of tayga, bpf"], id="engine"),
    ],
)
def test_engine(changes, expected):
    assert g.engine_input_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"nat64_gateway_ipv6_addr": "2001:db8:1:2::64"}, [], id="good"),
        pytest.param({"nat64_gateway_ipv4_addr": "fd64::1"}, ["nat64_gateway_ipv4_addr: 'fd64::1' is an IPv6 address, IPv4 is required"], id="ipv6-as-ipv4"),
        pytest.param({"nat64_gateway_ipv4_addr": ""}, ["nat64_gateway_ipv4_addr: '' is not an IP address"], id="ipv4-empty"),
        pytest.param(
            {"nat64_gateway_ipv4_addr": "192.168.255.1/24"},
            ["nat64_gateway_ipv4_addr: '192.168.255.1/24' is not an IP address (give one address, without a /length)"],
            id="ipv4-with-length",
        ),
        pytest.param(
            {"nat64_gateway_ipv6_addr": "192.0.2.1"}, ["nat64_gateway_ipv6_addr: '192.0.2.1' is an IPv4 address, IPv6 is required"], id="ipv4-as-ipv6"
        ),
        pytest.param(
            {"nat64_gateway_ipv6_addr": "fe80::1%eth0"},
            ["nat64_gateway_ipv6_addr: 'fe80::1%eth0' has a zone index, which is not allowed here"],
            id="ipv6-zone-index",
        ),
    ],
)
def test_addresses(changes, expected):
    assert g.address_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"nat64_gateway_tun_device": "nat64", "nat64_gateway_ipv4_uplink": "eth0.100"}, [], id="good"),
        pytest.param({"nat64_gateway_tun_device": ""}, ["nat64_gateway_tun_device: '' is not an interface name (%s)" % INTERFACE_RULE], id="device-empty"),
        pytest.param(
            {"nat64_gateway_tun_device": "a/b"}, ["nat64_gateway_tun_device: 'a/b' is not an interface name (%s)" % INTERFACE_RULE], id="device-slash"
        ),
        pytest.param({"nat64_gateway_tun_device": ".."}, ["nat64_gateway_tun_device: '..' is not an interface name (%s)" % INTERFACE_RULE], id="device-dots"),
        pytest.param(
            {"nat64_gateway_ipv4_uplink": "eth 0"}, ["nat64_gateway_ipv4_uplink: 'eth 0' is not an interface name (%s)" % INTERFACE_RULE], id="uplink-blank"
        ),
        pytest.param(
            {"nat64_gateway_ipv4_uplink": "a" * 16},
            ["nat64_gateway_ipv4_uplink: '%s' is not an interface name (%s)" % ("a" * 16, INTERFACE_RULE)],
            id="uplink-too-long",
        ),
    ],
)
def test_interfaces(changes, expected):
    assert g.interface_problems(inputs(**changes)) == expected


def test_every_rule_reports_in_order():
    problems = g.input_problems(
        inputs(
            nat64_gateway_allowed_prefixes=[],
            nat64_gateway_prefix="fd64::/64",
            nat64_gateway_dynamic_pool="10.0.0.1/32",
            nat64_gateway_ipv4_targets=["nope"],
            nat64_gateway_extra_prefixes=["nope"],
            nat64_gateway_engine="bpf",
            nat64_gateway_bpf_mapping_timeout=1,
            nat64_gateway_ipv4_addr="nope",
            nat64_gateway_ipv6_addr="nope",
            nat64_gateway_tun_device="a b",
            nat64_gateway_ipv4_uplink="c d",
        )
    )
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "nat64_gateway_allowed_prefixes",
        "nat64_gateway_prefix",
        "nat64_gateway_dynamic_pool",
        "nat64_gateway_ipv4_targets",
        "nat64_gateway_extra_prefixes",
        "nat64_gateway_bpf_mapping_timeout",
        "nat64_gateway_ipv4_addr",
        "nat64_gateway_ipv6_addr",
        "nat64_gateway_tun_device",
        "nat64_gateway_ipv4_uplink",
    ]


HOST = ["2001:db8:1:2::10", "fe80::1", "::1"]


@pytest.mark.parametrize(
    "changes, prefix, expected",
    [
        pytest.param({}, "2001:db8:1:2:64::/96", [], id="carved"),
        pytest.param({"nat64_gateway_engine": "tayga", "nat64_gateway_ipv6_addr": "2001:db8:1:2::64"}, "2001:db8:1:2:64::/96", [], id="tayga-address-outside"),
        pytest.param(
            {},
            "2001:db8:1:2::/96",
            [
                "nat64_gateway_carve_from: the NAT64 prefix 2001:db8:1:2::/96 holds the address(es) of this host "
                "2001:db8:1:2::10; choose another nat64_gateway_carve_offset or prefix"
            ],
            id="holds-the-host-carved",
        ),
        pytest.param(
            {"nat64_gateway_prefix": "2001:db8:1:2::/96"},
            "2001:db8:1:2::/96",
            [
                "nat64_gateway_prefix: the NAT64 prefix 2001:db8:1:2::/96 holds the address(es) of this host "
                "2001:db8:1:2::10; choose another nat64_gateway_carve_offset or prefix"
            ],
            id="holds-the-host-given",
        ),
        pytest.param(
            {},
            "::/96",
            [
                "nat64_gateway_carve_from: '::/96' is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 or "
                'ff00::/8, which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as "reserved"',
                "nat64_gateway_carve_from: the NAT64 prefix ::/96 holds the address(es) of this host ::1; choose another nat64_gateway_carve_offset or prefix",
            ],
            id="carved-out-of-reserved-space",
        ),
        pytest.param(
            {"nat64_gateway_engine": "tayga", "nat64_gateway_ipv6_addr": "2001:db8:1:2:64::1"},
            "2001:db8:1:2:64::/96",
            ["nat64_gateway_ipv6_addr: 2001:db8:1:2:64::1 lies inside the NAT64 prefix 2001:db8:1:2:64::/96; TAYGA needs an address outside it"],
            id="tayga-address-inside",
        ),
        pytest.param({"nat64_gateway_ipv6_addr": "2001:db8:1:2:64::1"}, "2001:db8:1:2:64::/96", [], id="bpf-has-no-own-address"),
        pytest.param(
            {"nat64_gateway_engine": "tayga", "nat64_gateway_prefix": "64:ff9b::/96"},
            "64:ff9b::/96",
            [
                "nat64_gateway_ipv6_addr: required with the well-known prefix 64:ff9b::/96 and the non-global "
                "nat64_gateway_ipv4_addr 192.168.255.1 (TAYGA refuses to start without it)"
            ],
            id="tayga-well-known-private",
        ),
        pytest.param(
            {"nat64_gateway_engine": "tayga", "nat64_gateway_prefix": "64:ff9b::/96", "nat64_gateway_ipv6_addr": "2001:db8:1:2::64"},
            "64:ff9b::/96",
            [],
            id="tayga-well-known-with-address",
        ),
        pytest.param(
            {"nat64_gateway_engine": "tayga", "nat64_gateway_prefix": "64:ff9b::/96", "nat64_gateway_ipv4_addr": "8.8.8.8"},
            "64:ff9b::/96",
            [],
            id="tayga-well-known-global-ipv4",
        ),
        pytest.param({"nat64_gateway_prefix": "64:ff9b::/96"}, "64:ff9b::/96", [], id="bpf-well-known"),
    ],
)
def test_prefix_in_use(changes, prefix, expected):
    assert g.prefix_in_use_problems(inputs(**changes), prefix, HOST) == expected


def test_prefix_in_use_names_the_targets():
    problems = g.prefix_in_use_problems(inputs(nat64_gateway_ipv4_targets=["10.164.3.0/24"]), "64:ff9b::/96", [])
    assert problems == [
        "nat64_gateway_carve_from: the well-known prefix 64:ff9b::/96 cannot reach the non-global IPv4 targets "
        '10.164.3.0/24 in nat64_gateway_ipv4_targets: RFC 6052 forbids it and TAYGA answers "unreachable route"; '
        "use a network-specific /96, e.g. one carved out of the gateway's routed /64"
    ]
