# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dns64 role's checks and choices (module_utils/_dns64.py), one table per rule."""

from __future__ import annotations

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _dns64
from ansible_collections.ipv6ready.docker.plugins.module_utils._names import DOMAIN_RULE

# Good values for every variable (the role's defaults where it has one); each case changes some.
GOOD = {
    "dns64_prefix": "2001:db8:1:2:64::/96",
    "nat64_gateway_active_prefix": "",
    "dns64_allowed_prefixes": ["2001:db8:1::/48"],
    "dns64_interfaces": [],
    "dns64_forwarders": [],
    "dns64_stub_zones": [],
    "dns64_local_zones": [],
    "dns64_local_data": [],
    "dns64_domain_insecure": [],
}


def inputs(**changes):
    return dict(GOOD, **changes)


def test_good_variables_have_no_problem():
    assert _dns64.input_problems(GOOD) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"dns64_prefix": "", "nat64_gateway_active_prefix": "fd64:64:f1:0:64::/96"}, [], id="gateway-fact"),
        pytest.param(
            {"dns64_prefix": "", "nat64_gateway_active_prefix": ""},
            ["dns64_prefix: empty, and this host has no nat64_gateway_active_prefix from the nat64_gateway role; set it to the NAT64 /96 of the gateway"],
            id="neither",
        ),
        pytest.param(
            {"dns64_prefix": "fd64:64:64::/64"},
            ["dns64_prefix: 'fd64:64:64::/64' is a /64; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)"],
            id="a-64",
        ),
        pytest.param(
            {"dns64_prefix": "", "nat64_gateway_active_prefix": "64:ff9b:1::/96"},
            [
                "dns64_prefix: '64:ff9b:1::/96' is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 or "
                'ff00::/8, which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as "reserved"'
            ],
            id="reserved-fact-named-as-the-variable",
        ),
        pytest.param(
            {"dns64_prefix": "10.0.0.0/8"},
            ["dns64_prefix: '10.0.0.0/8' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.0.0.0/104)"],
            id="ipv4",
        ),
    ],
)
def test_prefix(changes, expected):
    assert _dns64.prefix_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "prefixes, expected",
    [
        pytest.param(["2001:db8:1::/48", "fd00::/8"], [], id="good"),
        pytest.param([], [_dns64.EMPTY_ACCESS_LIST], id="empty"),
        pytest.param(None, [_dns64.EMPTY_ACCESS_LIST], id="none"),
        pytest.param(
            ["10.164.1.0/24", "2001:db8::1/64"],
            [
                "dns64_allowed_prefixes: '10.164.1.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.164.1.0/120)",
                "dns64_allowed_prefixes: '2001:db8::1/64' has host bits set; the network is 2001:db8::/64",
            ],
            id="each-bad-one",
        ),
    ],
)
def test_access_list(prefixes, expected):
    assert _dns64.access_list_problems(inputs(dns64_allowed_prefixes=prefixes)) == expected


def test_empty_access_list_message():
    assert _dns64.EMPTY_ACCESS_LIST == (
        'dns64_allowed_prefixes: the list is empty; an empty access list is refused rather than read as "allow all", '
        "which would make the resolver open: list the IPv6 prefixes of the fleet"
    )


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"dns64_interfaces": ["2001:db8::53", "::1"], "dns64_forwarders": ["192.0.2.53", "2001:db8::53"]}, [], id="good"),
        pytest.param({"dns64_interfaces": ["10.164.2.30"]}, ["dns64_interfaces: '10.164.2.30' is an IPv4 address, IPv6 is required"], id="ipv4-listen"),
        pytest.param({"dns64_interfaces": ["fe80::1%eth0"]}, ["dns64_interfaces: 'fe80::1%eth0' has a zone index, which is not allowed here"], id="zone-index"),
        pytest.param(
            {"dns64_forwarders": ["10.164.3.0/24"]},
            ["dns64_forwarders: '10.164.3.0/24' is not an IP address (give one address, without a /length)"],
            id="forwarder-prefix",
        ),
        pytest.param(
            {"dns64_stub_zones": [{"name": "nat64.test", "addresses": []}]},
            ["dns64_stub_zones[].addresses: empty for zone nat64.test"],
            id="stub-without-servers",
        ),
        pytest.param({"dns64_stub_zones": [{"name": "nat64.test"}]}, ["dns64_stub_zones[].addresses: empty for zone nat64.test"], id="stub-without-the-key"),
        pytest.param(
            {"dns64_stub_zones": [{"name": "a.test", "addresses": ["192.0.2.53", "nonsense"]}]},
            ["dns64_stub_zones[].addresses: 'nonsense' is not an IP address"],
            id="stub-bad-server",
        ),
    ],
)
def test_addresses(changes, expected):
    assert _dns64.address_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param(
            {
                "dns64_stub_zones": [{"name": "corp.example.", "addresses": ["192.0.2.53"]}],
                "dns64_local_zones": [{"name": "example.test", "type": "static"}],
                "dns64_domain_insecure": ["corp.example", "."],
            },
            [],
            id="good",
        ),
        pytest.param(
            {"dns64_domain_insecure": ["corp example"]}, ["dns64_domain_insecure: 'corp example' is not a domain name (%s)" % DOMAIN_RULE], id="insecure"
        ),
        pytest.param(
            {"dns64_stub_zones": [{"name": "a..b", "addresses": ["192.0.2.53"]}]},
            ["dns64_stub_zones[].name: 'a..b' is not a domain name (%s)" % DOMAIN_RULE],
            id="stub",
        ),
        pytest.param(
            {"dns64_local_zones": [{"name": "x y", "type": "static"}]}, ["dns64_local_zones[].name: 'x y' is not a domain name (%s)" % DOMAIN_RULE], id="local"
        ),
    ],
)
def test_zone_names(changes, expected):
    assert _dns64.zone_name_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "records, expected",
    [
        pytest.param(["host.example.test. AAAA 2001:db8::25", 'x.test. TXT "v=1"', "y.test. TXT 'it'"], [], id="good"),
        pytest.param(["""x.test. TXT "it's\""""], ["""dns64_local_data: a record holds both quote characters: x.test. TXT "it's\""""], id="both-quotes"),
    ],
)
def test_local_data(records, expected):
    assert _dns64.local_data_problems(inputs(dns64_local_data=records)) == expected


def test_every_rule_reports_in_order():
    problems = _dns64.input_problems(
        inputs(dns64_prefix="fd64::/64", dns64_allowed_prefixes=[], dns64_forwarders=["nope"], dns64_domain_insecure=["a b"], dns64_local_data=["""a "'"""])
    )
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "dns64_prefix",
        "dns64_allowed_prefixes",
        "dns64_forwarders",
        "dns64_domain_insecure",
        "dns64_local_data",
    ]


@pytest.mark.parametrize(
    "interfaces, host, expected",
    [
        pytest.param(["2001:db8::53"], ["2001:db8::1"], ["2001:db8::53"], id="given"),
        pytest.param(
            [],
            ["fe80::1", "2001:db8::2", "::1", "fd00::1", "2001:db8::10"],
            ["2001:db8::10", "2001:db8::2", "fd00::1", "::1"],
            id="host-sorted-without-link-local",
        ),
        pytest.param([], ["FE80::1", "febf::1", "fe80::1%eth0"], ["::1"], id="every-link-local-spelling"),
        pytest.param([], None, ["::1"], id="no-facts"),
        pytest.param([], ["2001:db8::2", "2001:db8::2"], ["2001:db8::2", "::1"], id="once-each"),
    ],
)
def test_listen_addresses(interfaces, host, expected):
    assert _dns64.listen_addresses(interfaces, host) == expected


def test_plan():
    assert _dns64.plan(inputs(dns64_prefix="", nat64_gateway_active_prefix="fd64::/96"), ["2001:db8::2"]) == {
        "prefix": "fd64::/96",
        "interfaces": ["2001:db8::2", "::1"],
    }
