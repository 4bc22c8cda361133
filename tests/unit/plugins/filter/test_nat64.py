# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the NAT64 filters (plugins/filter/nat64.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.nat64 import (
    FilterModule,
    nat64_address_problems,
    nat64_addresses_inside,
    nat64_carve,
    nat64_carve_problems,
    nat64_non_global,
    nat64_prefix_problems,
)


def test_registered():
    assert FilterModule().filters() == {
        "nat64_carve": nat64_carve,
        "nat64_carve_problems": nat64_carve_problems,
        "nat64_prefix_problems": nat64_prefix_problems,
        "nat64_address_problems": nat64_address_problems,
        "nat64_addresses_inside": nat64_addresses_inside,
        "nat64_non_global": nat64_non_global,
    }


@pytest.mark.parametrize(
    "routed, kwargs, expected",
    [
        pytest.param("2001:db8:1:2::/64", {}, "2001:db8:1:2:64::/96", id="default-offset"),
        pytest.param("2001:db8:1:2::1/64", {}, "2001:db8:1:2:64::/96", id="interface-address-form"),
        pytest.param("fd64:64:f1::/64", {}, "fd64:64:f1:0:64::/96", id="ula"),
        pytest.param("2001:db8:1:2::/64", {"offset": "::ffff:0:0"}, "2001:db8:1:2:0:ffff::/96", id="explicit-offset"),
        pytest.param("2001:db8:1::/48", {"offset": "::7:0:0:0:0"}, "2001:db8:1:7::/96", id="from-48"),
        pytest.param("2001:db8:1:2:3:4::/96", {"offset": "::"}, "2001:db8:1:2:3:4::/96", id="already-96"),
    ],
)
def test_nat64_carve(routed, kwargs, expected):
    assert nat64_carve(routed, **kwargs) == expected


@pytest.mark.parametrize(
    "routed, offset, fragment",
    [
        pytest.param("10.0.0.0/8", "::64:0:0:0", "IPv4 prefix, IPv6 is required", id="ipv4"),
        pytest.param("2001:db8::1", "::64:0:0:0", "address/length", id="no-length"),
        pytest.param("2001:db8::/112", "::", "longer than /96", id="too-long"),
        pytest.param("nonsense/64", "::64:0:0:0", "does not appear to be", id="garbage"),
        pytest.param("2001:db8:1:2::/64", "::64:0:0:1", "last 32 bits", id="offset-host-bits"),
        pytest.param("2001:db8:1:2::/64", "0:0:0:1:64::", "network part", id="offset-in-network"),
        pytest.param("2001:db8:1:2::/64", "64", "offset: '64' is not an IPv6 address", id="offset-garbage"),
    ],
)
def test_nat64_carve_problems(routed, offset, fragment):
    problems = nat64_carve_problems(routed, "routed", offset=offset, offset_name="offset")
    assert problems
    assert any(fragment in p for p in problems), problems
    with pytest.raises(AnsibleFilterError):
        nat64_carve(routed, offset=offset)


def test_nat64_carve_problems_none():
    assert nat64_carve_problems("2001:db8:1:2::/64", "routed") == []


@pytest.mark.parametrize(
    "prefix, targets",
    [
        pytest.param("fd64:64:f1:0:64::/96", ["10.0.0.0/8"], id="ula-nsp-private-targets"),
        pytest.param("2001:db8:64::/96", [], id="documentation-nsp"),
        pytest.param("64:ff9b::/96", [], id="wkp-internet"),
        pytest.param("64:ff9b::/96", ["8.8.8.0/24"], id="wkp-global-target"),
        pytest.param("100::/96", [], id="discard-prefix-tayga-accepts"),
    ],
)
def test_nat64_prefix_ok(prefix, targets):
    assert nat64_prefix_problems(prefix, "p", ipv4_targets=targets, targets_name="t") == []


@pytest.mark.parametrize(
    "prefix, targets, fragments",
    [
        pytest.param("fd64:64:64::/64", [], ["p:", "/64", "must be a /96"], id="length-64"),
        pytest.param("fd64:64:64::/80", [], ["must be a /96"], id="length-80"),
        pytest.param("64:ff9b:1::/96", [], ["reserved", "64:ff9b:1::/48"], id="rfc8215-local-use"),
        pytest.param("64:ff9b:0:1::/96", [], ["reserved"], id="inside-wkp-32"),
        pytest.param("fe80::/96", [], ["reserved"], id="link-local"),
        pytest.param("ff00::/96", [], ["reserved"], id="multicast"),
        pytest.param("::ffff:0:0/96", [], ["reserved"], id="ipv4-mapped"),
        pytest.param("64:ff9b::/96", ["10.164.3.0/24"], ["non-global", "10.164.3.0/24", "in t", "unreachable route"], id="wkp-private-target"),
        pytest.param("64:ff9b::/96", ["192.0.2.25/32", "8.8.8.0/24"], ["192.0.2.25/32"], id="wkp-documentation-target"),
        pytest.param("10.0.0.0/8", [], ["IPv4 prefix"], id="ipv4"),
        pytest.param("fd64::1/96", [], ["host bits"], id="host-bits"),
        pytest.param("fd64::", [], ["address/length"], id="no-length"),
    ],
)
def test_nat64_prefix_problems(prefix, targets, fragments):
    problems = nat64_prefix_problems(prefix, "p", ipv4_targets=targets, targets_name="t")
    assert problems
    text = "; ".join(problems)
    assert text.startswith("p: ")
    for fragment in fragments:
        assert fragment in text


def test_nat64_prefix_problems_ignores_bad_targets():
    # Bad targets are reported by the check of the targets variable itself.
    assert nat64_prefix_problems("64:ff9b::/96", "p", ipv4_targets=["nonsense"]) == []


@pytest.mark.parametrize(
    "values, version, expected",
    [
        pytest.param(["fd64::10", "2001:db8::53"], 6, [], id="ipv6-ok"),
        pytest.param("fd64::10", 6, [], id="single-string"),
        pytest.param(None, 6, [], id="none"),
        pytest.param(["192.0.2.53", "fd64::10"], None, [], id="any-family"),
        pytest.param(["192.0.2.53"], 6, ["a: '192.0.2.53' is an IPv4 address, IPv6 is required"], id="ipv4-in-ipv6"),
        pytest.param(["fd64::/64"], 6, ["a: 'fd64::/64' is not an IP address (give one address, without a /length)"], id="prefix"),
        pytest.param(["nonsense"], None, ["a: 'nonsense' is not an IP address"], id="garbage"),
        pytest.param([53], None, ["a: 53 is not an IP address"], id="integer"),
    ],
)
def test_nat64_address_problems(values, version, expected):
    assert nat64_address_problems(values, "a", version=version) == expected


def test_nat64_address_problems_type():
    with pytest.raises(AnsibleFilterError):
        nat64_address_problems({"a": 1}, "a")


@pytest.mark.parametrize(
    "addresses, prefix, expected",
    [
        pytest.param(["fd64:64:f1::10", "fd64:64:f1:0:64::1", "192.168.255.1"], "fd64:64:f1:0:64::/96", ["fd64:64:f1:0:64::1"], id="one-inside"),
        pytest.param("fd64:64:f1:0:64::1/64", "fd64:64:f1:0:64::/96", ["fd64:64:f1:0:64::1/64"], id="interface-form"),
        pytest.param(["nonsense", None], "fd64::/96", [], id="unparsable-skipped"),
        pytest.param(None, "fd64::/96", [], id="none"),
        pytest.param(["fd64::1"], "nonsense", [], id="bad-prefix"),
    ],
)
def test_nat64_addresses_inside(addresses, prefix, expected):
    assert nat64_addresses_inside(addresses, prefix) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param(["10.1.2.3", "8.8.8.8", "192.0.2.0/24", "100.64.0.1", "1.1.1.0/24"], ["10.1.2.3", "192.0.2.0/24", "100.64.0.1"], id="mixed"),
        pytest.param("192.168.255.1", ["192.168.255.1"], id="single"),
        pytest.param(["nonsense"], [], id="unparsable"),
        pytest.param(None, [], id="none"),
    ],
)
def test_nat64_non_global(values, expected):
    assert nat64_non_global(values) == expected
