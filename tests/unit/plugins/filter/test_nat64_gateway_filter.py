# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/filter/nat64_gateway.py."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.nat64_gateway import (
    FilterModule,
    nat64_bpf_config,
    nat64_engine_problems,
    nat64_gateway_plan,
    nat64_gateway_prefix_problems,
    nat64_gateway_problems,
    nat64_ipv4_denied,
)
from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64_gateway


def test_registered():
    assert FilterModule().filters() == {
        "nat64_gateway_problems": nat64_gateway_problems,
        "nat64_gateway_prefix_problems": nat64_gateway_prefix_problems,
        "nat64_ipv4_denied": nat64_ipv4_denied,
        "nat64_bpf_config": nat64_bpf_config,
        "nat64_engine_problems": nat64_engine_problems,
        "nat64_gateway_plan": nat64_gateway_plan,
    }


def test_ipv4_denied_takes_one_network_or_a_list():
    assert nat64_ipv4_denied("10.0.0.0/8") == nat64_ipv4_denied(["10.0.0.0/8"])
    assert "10.0.0.0/8" in nat64_ipv4_denied(None)


@pytest.mark.parametrize("targets", [["not-a-network"], ["2001:db8::/32"], 42])
def test_ipv4_denied_refuses_garbage(targets):
    with pytest.raises(AnsibleFilterError, match="nat64_ipv4_denied"):
        nat64_ipv4_denied(targets)


def test_bpf_config():
    assert nat64_bpf_config("64:ff9b::/96", "192.0.2.0/24", 7200).startswith("00 64 ff 9b 00 00")
    with pytest.raises(AnsibleFilterError, match="nat64_bpf_config: .* not a /96"):
        nat64_bpf_config("64:ff9b::/64", "192.0.2.0/24", 7200)


def test_engine_problems_default_names():
    assert nat64_engine_problems("bpf", "10.0.0.0/8", "nat64", 7200) == [
        "nat64_gateway_dynamic_pool: 10.0.0.0/8 holds 16777214 addresses; the bpf engine maps at most 65536 (a /16), each to one IPv6 source"
    ]
    assert nat64_engine_problems("bpf", "10.0.0.0/24", "nat64", 7200, names={"pool": "x"}) == []


def test_gateway_plan_filter_names_the_problem():
    with pytest.raises(AnsibleFilterError, match="nat64_gateway_plan: no allowed prefixes"):
        nat64_gateway_plan("bpf", device="nat64", prefixes=["2001:db8:64::/96"], pool="192.168.255.0/24", allowed=[])


@pytest.mark.parametrize(
    "call, name",
    [
        pytest.param(lambda: nat64_gateway_problems(["x"]), "nat64_gateway_problems input", id="problems-list"),
        pytest.param(lambda: nat64_gateway_problems(None), "nat64_gateway_problems input", id="problems-none"),
        pytest.param(lambda: nat64_gateway_prefix_problems("x", "2001:db8::/96"), "nat64_gateway_prefix_problems input", id="prefix-problems-string"),
    ],
)
def test_a_non_mapping_input_names_the_filter(call, name):
    with pytest.raises(AnsibleFilterError, match="^%s: expected a dict" % name):
        call()


def test_the_problems_filters_return_what_module_utils_decides():
    inputs = {"nat64_gateway_allowed_prefixes": [], "nat64_gateway_tun_device": "a/b"}
    assert nat64_gateway_problems(inputs) == _nat64_gateway.input_problems(inputs) != []
    assert (
        nat64_gateway_prefix_problems({}, "2001:db8::/96", ["2001:db8::1"]) == _nat64_gateway.prefix_in_use_problems({}, "2001:db8::/96", ["2001:db8::1"]) != []
    )


@pytest.mark.parametrize(
    "addresses, expected",
    [
        pytest.param(None, [], id="no-facts"),
        pytest.param("2001:db8::1", ["2001:db8::1"], id="one-address"),
        pytest.param(["fe80::1", "2001:db8::1"], ["2001:db8::1"], id="a-list"),
    ],
)
def test_prefix_problems_takes_the_host_addresses(addresses, expected):
    problems = nat64_gateway_prefix_problems({}, "2001:db8::/96", addresses)
    assert [problem.split("host ", 1)[1].split(";")[0] for problem in problems] == expected


def test_prefix_problems_refuses_addresses_that_are_no_list():
    with pytest.raises(AnsibleFilterError, match="nat64_gateway_prefix_problems: expected a list of addresses"):
        nat64_gateway_prefix_problems({}, "2001:db8::/96", {"a": 1})
