# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan of several gateways behind floating IPv6 /64s (module_utils/_failover.py, filter failover_*)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter import failover as flt
from ansible_collections.ipv6ready.docker.plugins.module_utils import _failover

GWS = ["gw-a", "gw-b"]
FIPS = [{"name": "fip-1", "network": "2001:db8:f1::/64", "home": "gw-a"}, {"name": "fip-2", "network": "2001:DB8:F2:0::/64", "home": "gw-b"}]


def test_plan_derives_a_nat64_prefix_and_a_resolver_per_floating_ip():
    plan = _failover.floating_plan(FIPS, GWS)
    assert plan["problems"] == []
    assert plan["floating_ips"] == [
        {"name": "fip-1", "network": "2001:db8:f1::/64", "home": "gw-a", "nat64_prefix": "2001:db8:f1:0:64::/96", "resolver": "2001:db8:f1::53"},
        {"name": "fip-2", "network": "2001:db8:f2::/64", "home": "gw-b", "nat64_prefix": "2001:db8:f2:0:64::/96", "resolver": "2001:db8:f2::53"},
    ]
    assert plan["nat64_prefixes"] == ["2001:db8:f1:0:64::/96", "2001:db8:f2:0:64::/96"]
    assert plan["home_prefix"] == {"gw-a": "2001:db8:f1:0:64::/96", "gw-b": "2001:db8:f2:0:64::/96"}


def test_plan_offsets():
    plan = _failover.floating_plan(FIPS, GWS, nat64_offset="::6464:0:0:0", resolver_offset="::1")
    assert [(f["nat64_prefix"], f["resolver"]) for f in plan["floating_ips"]] == [
        ("2001:db8:f1:0:6464::/96", "2001:db8:f1::1"),
        ("2001:db8:f2:0:6464::/96", "2001:db8:f2::1"),
    ]


@pytest.mark.parametrize(
    "fips, kwargs, problem",
    [
        ("x", {}, "ipv6ready_floating_ips: 'x' is not a list"),
        ([FIPS[0]], {}, "ipv6ready_floating_ips: one floating IP fails over nowhere"),
        ([FIPS[0], dict(FIPS[1], name="fip-1")], {}, "ipv6ready_floating_ips[1].name: fip-1 is listed twice"),
        ([FIPS[0], dict(FIPS[1], network="2001:db8:f1::/64")], {}, "ipv6ready_floating_ips[1].network: 2001:db8:f1::/64 is listed twice"),
        (
            [FIPS[0], dict(FIPS[1], network="2001:db8:f2::/56")],
            {},
            "ipv6ready_floating_ips[1].network: '2001:db8:f2::/56' is not an IPv6 /64 network (a /56, not a /64)",
        ),
        ([FIPS[0], dict(FIPS[1], network="203.0.113.7")], {}, "ipv6ready_floating_ips[1].network: '203.0.113.7' is not an IPv6 /64"),
        ([FIPS[0], dict(FIPS[1], home="gw-c")], {}, "ipv6ready_floating_ips[1].home: 'gw-c' is not one of the gateways (gw-a, gw-b)"),
        ([FIPS[0], dict(FIPS[1], name="bad name")], {}, "ipv6ready_floating_ips[1].name: 'bad name' is not a Hetzner"),
        ([FIPS[0], dict(FIPS[1], ip="x")], {}, "ipv6ready_floating_ips[1]: unknown keys ip"),
        (FIPS, {"nat64_offset": "::64:0:0:1"}, "nat64_failover_nat64_offset: '::64:0:0:1' sets bits in the last 32"),
        (FIPS, {"nat64_offset": "1::"}, "nat64_failover_nat64_offset: '1::' sets bits inside the /64"),
        (FIPS, {"resolver_offset": "::64:0:0:53"}, "nat64_failover_resolver_offset: '::64:0:0:53' lies inside the NAT64"),
        (FIPS, {"resolver_offset": "nope"}, "nat64_failover_resolver_offset: 'nope' is not an IPv6 address"),
    ],
)
def test_plan_problems_name_the_variable(fips, kwargs, problem):
    plan = _failover.floating_plan(fips, GWS, **kwargs)
    assert any(found.startswith(problem) for found in plan["problems"]), plan["problems"]
    assert plan["floating_ips"] == [] and plan["nat64_prefixes"] == []


def test_no_floating_ip_is_no_problem():
    assert _failover.floating_plan([], GWS)["problems"] == []


@pytest.mark.parametrize(
    "host, expect",
    [
        ("docker-1", ["2001:db8:f1::53", "2001:db8:f2::53", "2001:db8:f3::53"]),
        ("docker-2", ["2001:db8:f2::53", "2001:db8:f3::53", "2001:db8:f1::53"]),
        ("docker-3", ["2001:db8:f3::53", "2001:db8:f1::53", "2001:db8:f2::53"]),
        ("docker-4", ["2001:db8:f1::53", "2001:db8:f2::53", "2001:db8:f3::53"]),
    ],
)
def test_docker_hosts_are_spread_over_the_floating_ips(host, expect):
    fips = [{"name": "fip-%d" % i, "network": "2001:db8:f%d::/64" % i, "home": "gw-%d" % i} for i in (1, 2, 3)]
    plan = _failover.floating_plan(fips, ["gw-1", "gw-2", "gw-3"])
    hosts = ["docker-4", "docker-2", "docker-3", "docker-1"]  # any order: name order decides
    assert _failover.client_resolvers(plan, host, hosts) == expect


def test_at_most_three_resolvers():
    fips = [{"name": "fip-%d" % i, "network": "2001:db8:f%d::/64" % i, "home": "gw"} for i in range(1, 5)]
    plan = _failover.floating_plan(fips, ["gw"])
    assert len(_failover.client_resolvers(plan, "d", ["d"])) == 3


SETTINGS = {"port": 6464, "interval": 1.0, "dead_after": 3.0, "stagger": 2.0, "failback_after": 300, "trust_after": 60, "api_refresh": 30, "interface": "eth0"}
GATEWAYS = [{"name": "gw-a", "address": "2001:db8:a::1"}, {"name": "gw-b", "address": "2001:db8:b::1"}]
TOKEN = "s3cret-token-value"


def test_agent_config():
    config, problems = _failover.agent_config("gw-b", _failover.floating_plan(FIPS, GWS), GATEWAYS, SETTINGS, TOKEN)
    assert problems == []
    assert config["me"] == "gw-b" and config["gateways"] == GATEWAYS
    assert config["floating_ips"][1] == {"name": "fip-2", "home": "gw-b", "resolver": "2001:db8:f2::53", "nat64_prefix": "2001:db8:f2:0:64::/96"}
    assert config["interface"] == "eth0" and config["failback_after"] == 300
    # The token is checked, never copied into the configuration the agent reads.
    assert TOKEN not in repr(config)


@pytest.mark.parametrize(
    "me, gateways, settings, problem",
    [
        ("gw-c", GATEWAYS, {}, "nat64_failover_gateways: this host, gw-c, is not one of them"),
        ("gw-a", GATEWAYS[:1], {}, "nat64_failover_gateways: 1 gateway(s); failover needs at least two"),
        ("gw-a", [GATEWAYS[0], dict(GATEWAYS[1], address="")], {}, "nat64_failover_gateways: gw-b has no usable IPv6"),
        ("gw-a", [GATEWAYS[0], dict(GATEWAYS[1], address="ff02::1")], {}, "nat64_failover_gateways: gw-b has no usable"),
        ("gw-a", GATEWAYS + [GATEWAYS[0]], {}, "nat64_failover_gateways: gw-a is listed twice"),
        ("gw-a", GATEWAYS, {"dead_after": 1.5}, "nat64_failover_dead_after: 1.5 is less than twice"),
        ("gw-a", GATEWAYS, {"stagger": 0.5}, "nat64_failover_stagger: 0.5 is less than nat64_failover_interval"),
        ("gw-a", GATEWAYS, {"interval": "1"}, "nat64_failover_interval: '1' is not a positive number"),
        ("gw-a", GATEWAYS, {"failback_after": -1}, "nat64_failover_failback_after: -1 is not a number of seconds"),
        ("gw-a", GATEWAYS, {"interface": ""}, "nat64_failover_interface: empty, and this gateway has no default IPv6 route to take the uplink from"),
        ("gw-a", GATEWAYS, {"interface": " "}, "nat64_failover_interface: empty"),
        ("gw-a", GATEWAYS, {"interface": None}, "nat64_failover_interface: empty"),
    ],
)
def test_agent_config_problems(me, gateways, settings, problem):
    config, problems = _failover.agent_config(me, _failover.floating_plan(FIPS, GWS), gateways, dict(SETTINGS, **settings), TOKEN)
    assert config == {} and any(found.startswith(problem) for found in problems), problems


TOKEN_EMPTY = "nat64_failover_api_token: empty; give the Hetzner Cloud API token (read and write) of the fleet's project, from Ansible Vault"


@pytest.mark.parametrize(
    "token, problems",
    [
        (TOKEN, []),
        ("", [TOKEN_EMPTY]),
        ("  \n", [TOKEN_EMPTY]),
        (None, [TOKEN_EMPTY]),
    ],
)
def test_token_problems(token, problems):
    assert _failover.token_problems(token) == problems


def test_agent_config_checks_the_token_and_every_other_setting_at_once():
    config, problems = _failover.agent_config("gw-a", _failover.floating_plan(FIPS, GWS), GATEWAYS, dict(SETTINGS, interface=""), "")
    assert config == {}
    assert problems == ["nat64_failover_interface: empty, and this gateway has no default IPv6 route to take the uplink from", TOKEN_EMPTY]


def test_agent_config_reports_the_plans_problems():
    _config, problems = _failover.agent_config("gw-a", _failover.floating_plan("x", GWS), GATEWAYS, SETTINGS, TOKEN)
    assert problems[0].startswith("ipv6ready_floating_ips:")


def test_failover_gateways_takes_the_address_from_the_variable_or_the_facts():
    hostvars = {
        "gw-a": {"nat64_failover_address": "2001:db8:a::10", "ansible_facts": {"default_ipv6": {"address": "2001:db8:a::1"}}},
        "gw-b": {"ansible_facts": {"default_ipv6": {"address": "2001:db8:b::1"}}},
        "gw-c": {},
    }
    assert flt.failover_gateways(["gw-a", "gw-b", "gw-c", "gw-d"], hostvars) == [
        {"name": "gw-a", "address": "2001:db8:a::10"},
        {"name": "gw-b", "address": "2001:db8:b::1"},
        {"name": "gw-c", "address": ""},
        {"name": "gw-d", "address": ""},
    ]


def test_filters_refuse_what_is_not_a_plan():
    with pytest.raises(AnsibleFilterError, match="expected the plan"):
        flt.failover_client_resolvers({"x": 1}, "d", ["d"])
    with pytest.raises(AnsibleFilterError, match="settings must be a dict"):
        flt.failover_agent_config(flt.failover_plan(FIPS, GWS), "gw-a", GATEWAYS, None)


def test_filter_agent_config():
    result = flt.failover_agent_config(flt.failover_plan(FIPS, GWS), "gw-a", GATEWAYS, SETTINGS, api_token=TOKEN)
    assert result["problems"] == [] and result["config"]["me"] == "gw-a"
    assert TOKEN not in repr(result)


def test_filter_agent_config_without_a_token():
    result = flt.failover_agent_config(flt.failover_plan(FIPS, GWS), "gw-a", GATEWAYS, SETTINGS)
    assert result == {"config": {}, "problems": [TOKEN_EMPTY]}
