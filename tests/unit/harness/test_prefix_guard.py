# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The harness stops before creating test hosts whose outer networks overlap the tests' inner prefixes."""

from __future__ import annotations

import importlib.util
import ipaddress
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("prefix_guard", os.path.join(HERE, "..", "..", "harness", "prefix_guard.py"))
guard = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(guard)

INNER = [ipaddress.ip_network("fd00:d0c::/32"), ipaddress.ip_network("2001:db8::/32")]


def test_the_inner_prefixes_cover_the_roles_defaults():
    inner = guard.inner_prefixes()
    for prefix in ("fd00:d0c::/48", "fd00:d0c:1::/64", "fd00:d0c:feed::/64", "2001:db8:1:2::/64"):
        assert any(ipaddress.ip_network(prefix).subnet_of(item) for item in inner), prefix


@pytest.mark.parametrize(
    "hosts, expected",
    [
        # Molecule's usual hosts: on the outer default bridge.
        ([{"name": "sysctl-debian12"}, {"name": "sysctl-debian13"}], ["bridge"]),
        # Hosts with networks sit on those (the first one given to docker run, the others connected).
        ([{"name": "gw", "networks": [{"name": "fleet"}, {"name": "v4"}]}, {"name": "h1", "networks": [{"name": "fleet"}]}], ["fleet", "v4"]),
        ([{"name": "a", "networks": []}, {"name": "b", "networks": [{"name": "n"}]}], ["bridge", "n"]),
        ([], []),
    ],
)
def test_joined_networks(hosts, expected):
    assert guard.joined_networks(hosts) == expected


@pytest.mark.parametrize(
    "subnets, expected",
    [
        # The incident: an outer engine with fixed-cidr-v6 fd00:d0c::/64.
        ({"bridge": ["fd00:d0c::/64"]}, [("bridge", "fd00:d0c::/64", "fd00:d0c::/32")]),
        # CI's outer engine (.ci/dockerd.json) and the scenarios' own outer networks are clear.
        ({"bridge": ["fd00:c1::/64"], "nat64-fleet": ["fd64:64:f1::/64"], "lab-fleet": ["fd64:1ab:f1::/64"]}, []),
        # A wider outer subnet that contains the inner prefixes overlaps too.
        ({"wide": ["fd00::/8"]}, [("wide", "fd00::/8", "fd00:d0c::/32")]),
        ({"doc": ["2001:db8:1::/64"]}, [("doc", "2001:db8:1::/64", "2001:db8::/32")]),
        ({"bridge": []}, []),
    ],
)
def test_overlaps(subnets, expected):
    assert guard.overlaps(subnets, INNER) == expected


def test_the_message_names_the_network_both_prefixes_and_the_fix():
    text = guard.message([("bridge", "fd00:d0c::/64", "fd00:d0c::/32")], INNER)
    assert "network 'bridge' has fd00:d0c::/64, which overlaps fd00:d0c::/32" in text
    assert "Nothing was created" in text and "fixed-cidr-v6" in text


def test_ipv6_subnets_of_an_inspect_entry():
    entry = {"IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}, {"Subnet": "fd00:c1::/64", "Gateway": "fd00:c1::1"}]}}
    assert guard.ipv6_subnets(entry) == ["fd00:c1::/64"]
    assert guard.ipv6_subnets(None) == [] and guard.ipv6_subnets({"IPAM": {"Config": None}}) == []
