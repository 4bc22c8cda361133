# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The nat64_client role's checks of its variables (module_utils/_nat64_client.py), one table per rule."""

from __future__ import annotations

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64_client
from ansible_collections.ipv6ready.docker.plugins.module_utils._names import DOMAIN_RULE, INTERFACE_RULE

# The role's defaults (defaults/main.yml); each case changes some.
DEFAULTS = {
    "nat64_client_prefix": "",
    "nat64_client_route_via": "",
    "nat64_client_route_device": "",
    "nat64_client_dns_servers": [],
    "nat64_client_probe_names": ["ipv4only.arpa"],
    "nat64_client_probe_servers": [],
    "nat64_client_probe_timeout": 3,
}


def inputs(**changes):
    return dict(DEFAULTS, **changes)


def test_the_defaults_have_no_problem():
    assert _nat64_client.input_problems(DEFAULTS) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"nat64_client_prefix": "fd64:64:f1:0:64::/96"}, [], id="prefix-alone"),
        pytest.param(
            {"nat64_client_route_via": "fd64:64:e::10"},
            ["nat64_client_prefix: required when nat64_client_route_via is set (the prefix to route through it)"],
            id="route-without-prefix",
        ),
        pytest.param(
            {"nat64_client_prefix": "64:ff9b:1::/96"},
            [
                "nat64_client_prefix: '64:ff9b:1::/96' is reserved address space (::/8 other than 64:ff9b::/96, fe80::/10 "
                "or ff00::/8, which includes the RFC 8215 local-use prefix 64:ff9b:1::/48); TAYGA refuses it as "
                '"reserved"'
            ],
            id="reserved",
        ),
        pytest.param(
            {"nat64_client_prefix": "fd64::/64"},
            ["nat64_client_prefix: 'fd64::/64' is a /64; the NAT64 prefix must be a /96 (the IPv4 address fills its last 32 bits)"],
            id="a-64",
        ),
    ],
)
def test_prefix(changes, expected):
    assert _nat64_client.prefix_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({}, [], id="no-route"),
        pytest.param({"nat64_client_route_via": "fd64:64:e::10"}, [], id="global-gateway"),
        pytest.param({"nat64_client_route_via": "fe80::1", "nat64_client_route_device": "eth0"}, [], id="link-local-dev"),
        pytest.param(
            {"nat64_client_route_via": "fd64:64:e::/64"},
            ["nat64_client_route_via: 'fd64:64:e::/64' is not an IP address (give one address, without a /length)"],
            id="a-prefix",
        ),
        pytest.param({"nat64_client_route_via": "192.0.2.1"}, ["nat64_client_route_via: '192.0.2.1' is an IPv4 address, IPv6 is required"], id="ipv4"),
        pytest.param(
            {"nat64_client_route_via": "fe80::1"},
            ["nat64_client_route_device: required because nat64_client_route_via fe80::1 is link-local"],
            id="link-local-without-device",
        ),
        pytest.param(
            {"nat64_client_route_via": "FEBF::1"},
            ["nat64_client_route_device: required because nat64_client_route_via FEBF::1 is link-local"],
            id="upper-end-of-fe80-10",
        ),
        pytest.param(
            {"nat64_client_route_via": "fe80::1%eth0"}, ["nat64_client_route_via: 'fe80::1%eth0' has a zone index, which is not allowed here"], id="zone-index"
        ),
    ],
)
def test_route(changes, expected):
    assert _nat64_client.route_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "device, expected",
    [
        pytest.param("", [], id="none"),
        pytest.param("eth0.100", [], id="vlan"),
        pytest.param("eth 0", ["nat64_client_route_device: 'eth 0' is not an interface name (%s)" % INTERFACE_RULE], id="blank"),
        pytest.param("a" * 16, ["nat64_client_route_device: '%s' is not an interface name (%s)" % ("a" * 16, INTERFACE_RULE)], id="too-long"),
    ],
)
def test_device(device, expected):
    assert _nat64_client.device_problems(inputs(nat64_client_route_device=device)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"nat64_client_dns_servers": ["fd64:64:e::10"], "nat64_client_probe_servers": ["192.0.2.53"]}, [], id="good"),
        pytest.param(
            {"nat64_client_dns_servers": ["10.164.2.10"]}, ["nat64_client_dns_servers: '10.164.2.10' is an IPv4 address, IPv6 is required"], id="ipv4-resolver"
        ),
        pytest.param({"nat64_client_probe_servers": ["nonsense"]}, ["nat64_client_probe_servers: 'nonsense' is not an IP address"], id="bad-probe-server"),
    ],
)
def test_resolvers(changes, expected):
    assert _nat64_client.resolver_problems(inputs(**changes)) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"nat64_client_probe_names": ["ipv4only.arpa", "smtp.sendgrid.net."]}, [], id="good"),
        pytest.param({"nat64_client_probe_names": []}, [], id="no-proof"),
        pytest.param({"nat64_client_probe_timeout": "5"}, [], id="timeout-as-text"),
        pytest.param(
            {"nat64_client_probe_names": ["smtp sendgrid"]},
            ["nat64_client_probe_names: 'smtp sendgrid' is not a domain name (%s)" % DOMAIN_RULE],
            id="bad-name",
        ),
        pytest.param({"nat64_client_probe_timeout": 0}, ["nat64_client_probe_timeout: must be at least 1 second (got 0)"], id="zero"),
        pytest.param({"nat64_client_probe_timeout": True}, ["nat64_client_probe_timeout: must be at least 1 second (got True)"], id="boolean"),
        pytest.param({"nat64_client_probe_timeout": None}, ["nat64_client_probe_timeout: must be at least 1 second (got None)"], id="none"),
    ],
)
def test_probe(changes, expected):
    assert _nat64_client.probe_problems(inputs(**changes)) == expected


def test_every_rule_reports_in_order():
    problems = _nat64_client.input_problems(
        inputs(nat64_client_route_via="fe80::1", nat64_client_route_device="", nat64_client_dns_servers=["192.0.2.1"], nat64_client_probe_timeout=0)
    )
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "nat64_client_prefix",
        "nat64_client_route_device",
        "nat64_client_dns_servers",
        "nat64_client_probe_timeout",
    ]


@pytest.mark.parametrize(
    "setting, link, text, expected",
    [
        pytest.param("auto", None, "nameserver 2001:db8::53\n", "resolv_conf", id="plain-file"),
        pytest.param("auto", None, "", "resolv_conf", id="no-file"),
        pytest.param("auto", "/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n", "resolved", id="link-to-resolved"),
        pytest.param("auto", "/run/systemd/resolve/resolv.conf", "nameserver 2001:db8::1\n", "resolved", id="link-to-resolved-upstream"),
        pytest.param("auto", None, "# copied\nnameserver 127.0.0.53\noptions edns0\n", "resolved", id="copy-naming-the-stub"),
        pytest.param("auto", None, "nameserver 127.0.0.53 # no\n", "resolv_conf", id="stub-with-trailing-words"),
        pytest.param("auto", None, "#nameserver 127.0.0.53\n", "resolv_conf", id="stub-commented-out"),
        pytest.param("auto", "/run/resolvconf/resolv.conf", "nameserver 192.0.2.53\n", "resolv_conf", id="link-elsewhere"),
        pytest.param("resolved", None, "nameserver 2001:db8::53\n", "resolved", id="forced-resolved"),
        pytest.param("resolv_conf", "/run/systemd/resolve/stub-resolv.conf", "", "resolv_conf", id="forced-file"),
        pytest.param("none", None, "", "none", id="none"),
    ],
)
def test_resolver_mode(setting, link, text, expected):
    assert _nat64_client.resolver_mode(setting, link, text) == expected


SERVERS = ["2001:db8::53"]
FOUR = ["2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"]


@pytest.mark.parametrize(
    "servers, mode, link, expected",
    [
        pytest.param(SERVERS, "resolv_conf", None, [], id="plain-file"),
        pytest.param(
            SERVERS,
            "resolv_conf",
            "/run/resolvconf/resolv.conf",
            ["nat64_client_resolver: /etc/resolv.conf is a link to /run/resolvconf/resolv.conf"],
            id="link-elsewhere",
        ),
        pytest.param(
            FOUR, "resolv_conf", None, ["nat64_client_dns_servers: glibc reads at most 3 nameservers from /etc/resolv.conf, 4 given"], id="four-servers"
        ),
        pytest.param(FOUR, "resolv_conf", "/run/x", ["nat64_client_resolver: ", "nat64_client_dns_servers: "], id="both"),
        pytest.param(FOUR, "resolved", "/run/systemd/resolve/stub-resolv.conf", [], id="resolved-takes-any-number"),
        pytest.param(SERVERS, "none", "/run/x", [], id="resolver-none"),
        pytest.param([], "resolv_conf", "/run/x", [], id="no-servers-no-write"),
    ],
)
def test_host_problems(servers, mode, link, expected):
    problems = _nat64_client.host_problems(inputs(nat64_client_dns_servers=servers), mode, link)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
