# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.fleet import fleet_prefixes
from ansible_collections.ipv6ready.docker.plugins.module_utils._fleet import host_prefix


def facts(address, prefix="64"):
    return {"ansible_facts": {"default_ipv6": {"address": address, "prefix": prefix}}}


@pytest.mark.parametrize(
    "hostvars, expected",
    [
        ({"ipv6ready_host_prefix": "2001:db8:9::/56", "hcloud_ipv6_network": "2001:db8:1::"}, ("2001:db8:9::/56", "ipv6ready_host_prefix")),
        ({"hcloud_ipv6_network": "2001:db8:1:a::", "hcloud_ipv6_network_mask": "64", **facts("2001:db8:7::1")}, ("2001:db8:1:a::/64", "hcloud_ipv6_network")),
        ({"hcloud_ipv6_network": "2001:db8:1:a::"}, ("2001:db8:1:a::/64", "hcloud_ipv6_network")),
        (facts("2001:db8:1:b::1"), ("2001:db8:1:b::/64", "facts (default_ipv6 2001:db8:1:b::1)")),
        # The /64 around the address, whatever the interface's own prefix length.
        (facts("2001:db8:1:b::22", prefix="128"), ("2001:db8:1:b::/64", "facts (default_ipv6 2001:db8:1:b::22)")),
        ({"ansible_host": "2001:db8:1:c::1"}, ("2001:db8:1:c::/64", "ansible_host")),
        ({"ansible_host": "2001:db8:1:c::1", "ansible_facts": {"default_ipv6": {}}}, ("2001:db8:1:c::/64", "ansible_host")),
    ],
)
def test_host_prefix_sources_in_order(hostvars, expected):
    network, source = host_prefix(hostvars)
    assert (str(network), source) == expected


@pytest.mark.parametrize(
    "hostvars, why",
    [
        ({}, "no facts were gathered (unreachable, or outside the run)"),
        ({"ansible_host": "docker-1.example"}, "no facts were gathered"),
        ({"ansible_facts": {"default_ipv6": {}}}, "its facts show no default IPv6 address"),
        ({"ipv6ready_host_prefix": "2001:db8:9::1/56"}, "ipv6ready_host_prefix: '2001:db8:9::1/56' has host bits set"),
        ({"hcloud_ipv6_network": "2001:db8:1:a::", "hcloud_ipv6_network_mask": "200"}, "hcloud_ipv6_network: "),
    ],
)
def test_host_prefix_unknown(hostvars, why):
    network, source = host_prefix(hostvars)
    assert network is None and source.startswith(why)


def test_host_prefix_with_another_length():
    network, _source = host_prefix(facts("fd64:1ab:f1::22"), length=128)
    assert str(network) == "fd64:1ab:f1::22/128"


def test_fleet_prefixes_deduplicates_and_drops_covered_prefixes():
    hostvars = {
        "h1": facts("fd64:1ab:f1::21"),
        "h2": facts("fd64:1ab:f1::22"),
        "h3": {"hcloud_ipv6_network": "2001:db8:1:a::", "hcloud_ipv6_network_mask": "64"},
        "h4": {"ipv6ready_host_prefix": "2001:db8:1:a:8000::/65"},
    }
    result = fleet_prefixes(["h1", "h2", "h3", "h4"], hostvars, extra=["2001:db8:2::/48", "2001:db8:2:5::/64"])
    assert result["prefixes"] == ["2001:db8:1:a::/64", "2001:db8:2::/48", "fd64:1ab:f1::/64"]
    assert result["hosts"]["h2"] == {"prefix": "fd64:1ab:f1::/64", "source": "facts (default_ipv6 fd64:1ab:f1::22)"}
    assert result["unknown"] == [] and result["problems"] == []


def test_fleet_prefixes_names_every_unknown_host():
    result = fleet_prefixes(["h1", "h2", "h3"], {"h1": facts("fd64:1ab:f1::21"), "h3": {"ansible_facts": {}}})
    assert result["prefixes"] == ["fd64:1ab:f1::/64"]
    assert result["unknown"] == ["h2", "h3"]
    assert result["problems"][0] == (
        "h2: no IPv6 prefix known, no facts were gathered (unreachable, or outside the run); give it "
        "ipv6ready_host_prefix, or list the allowlists (nat64_gateway_allowed_prefixes, dns64_allowed_prefixes) "
        "by hand"
    )


def test_fleet_prefixes_per_host_with_length_128():
    hostvars = {"h1": facts("fd64:1ab:f1::21"), "h3": facts("fd64:1ab:f1::23")}
    assert fleet_prefixes(["h1", "h3"], hostvars, length=128)["prefixes"] == ["fd64:1ab:f1::21/128", "fd64:1ab:f1::23/128"]


def test_fleet_prefixes_of_an_empty_group():
    assert fleet_prefixes([], {}) == {"prefixes": [], "hosts": {}, "unknown": [], "problems": []}


@pytest.mark.parametrize(
    "extra, problem",
    [
        (["10.0.0.0/8"], "ipv6ready_extra_prefixes[0]: '10.0.0.0/8' is an IPv4 prefix"),
        (["2001:db8::1"], "ipv6ready_extra_prefixes[0]: '2001:db8::1' is not a prefix"),
    ],
)
def test_fleet_prefixes_reports_bad_extra_prefixes(extra, problem):
    assert fleet_prefixes([], {}, extra=extra)["problems"][0].startswith(problem)


@pytest.mark.parametrize("length", [0, 129, "x"])
def test_fleet_prefixes_refuses_a_bad_length(length):
    if length == "x":
        with pytest.raises(AnsibleFilterError, match="length 'x' is not an integer"):
            fleet_prefixes([], {}, length=length)
    else:
        assert "is not a prefix length" in fleet_prefixes(["h1"], {}, length=length)["problems"][0]


def test_fleet_prefixes_refuses_a_host_that_is_not_a_list():
    with pytest.raises(AnsibleFilterError, match="expected a list of inventory hosts, got dict"):
        fleet_prefixes({"h1": 1}, {})
