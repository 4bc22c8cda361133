# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the carve_subnets filter (plugins/filter/carve.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.carve import FilterModule, carve_subnets

ULA = "fd00:d0c::/48"


def test_registered():
    assert FilterModule().filters() == {"carve_subnets": carve_subnets}


@pytest.mark.parametrize(
    "networks, kwargs, expected",
    [
        pytest.param([{"name": "kamal"}], {"ula_prefix": ULA}, {"kamal": "fd00:d0c:0:145::/64"}, id="ula"),
        pytest.param([{"name": "kamal"}], {"ula_prefix": ULA, "ula_size": "56"}, {"kamal": "fd00:d0c:0:4600::/56"}, id="size-as-string"),
        pytest.param(
            [{"name": "edge"}], {"host_prefix": "2001:db8:1:2::10/64", "default_source": "host"}, {"edge": "2001:db8:1:2:cc53::/80"}, id="host-from-fact-form"
        ),
        pytest.param(
            [{"name": "edge", "carve_from": "host"}],
            {"host_prefix": "2001:db8:1:2::/64", "host_size": 96, "reserved": ["2001:db8:1:2::10"]},
            {"edge": "2001:db8:1:2:1ddf:ae74::/96"},
            id="host-96",
        ),
        pytest.param([], {"ula_prefix": ULA}, {}, id="empty"),
        pytest.param(None, {"ula_prefix": ULA}, {}, id="none"),
        pytest.param(({"name": "t"},), {"ula_prefix": ULA, "existing": None, "reserved": None}, {"t": "fd00:d0c:0:4edf::/64"}, id="tuple-and-nones"),
    ],
)
def test_carve_subnets(networks, kwargs, expected):
    result = carve_subnets(networks, **kwargs)
    assert result["problems"] == []
    assert {n["name"]: n["ipv6_subnet"] for n in result["networks"]} == expected


def test_carve_subnets_reports_problems_instead_of_raising():
    result = carve_subnets(
        [{"name": "a", "ipv6_subnet": "fd00:d0c:1::/64"}, {"name": "b", "ipv6_subnet": "fd00:d0c:1::/56"}],
        ula_prefix=ULA,
        existing=[{"name": "old", "subnets": ["fd00:d0c:1:2::/64"]}],
    )
    assert result["problems"] == [
        "networks 'a' (fd00:d0c:1::/64) and 'b' (fd00:d0c:1::/56) overlap",
        "network 'b' (fd00:d0c:1::/56) overlaps the existing Docker network 'old' (fd00:d0c:1:2::/64)",
    ]


def test_carve_subnets_empty_prefix_means_none():
    result = carve_subnets([{"name": "a", "carve_from": "host"}], ula_prefix=ULA, host_prefix="")
    assert result["problems"] == ["networks_list[0] (a): no host prefix to carve from"]


@pytest.mark.parametrize(
    "networks, kwargs, match",
    [
        pytest.param("kamal", {}, "the input must be a list", id="string-input"),
        pytest.param({"name": "kamal"}, {}, "the input must be a list", id="dict-input"),
        pytest.param([{"ipv6_subnet": "fd00::/64"}], {}, "every network must be a dict with a name", id="no-name"),
        pytest.param(["kamal"], {}, "every network must be a dict with a name", id="string-item"),
        pytest.param([{"name": "a"}], {"existing": "bridge"}, "existing must be a list", id="existing-string"),
        pytest.param([{"name": "a"}], {"existing": ["bridge"]}, "existing must be a list of dicts", id="existing-item"),
        pytest.param([{"name": "a"}], {"reserved": "fd00::1"}, "reserved must be a list", id="reserved-string"),
        pytest.param([{"name": "a"}], {"reserved": ["nonsense"]}, "does not appear to be", id="reserved-bad"),
        pytest.param([{"name": "a"}], {"default_source": "moon"}, "default_source must be ula or host", id="bad-source"),
        pytest.param([{"name": "a"}], {"ula_size": "big"}, "must be integers", id="bad-size"),
    ],
)
def test_carve_subnets_errors(networks, kwargs, match):
    kwargs.setdefault("ula_prefix", ULA)
    with pytest.raises(AnsibleFilterError, match=match):
        carve_subnets(networks, **kwargs)


def test_carve_subnets_returns_existing_canonical():
    result = carve_subnets(
        [{"name": "kamal"}], ula_prefix=ULA, existing=[{"name": "y", "subnets": ["172.29.0.0/24", "FD00:d0c:0099:0::/64"]}, {"name": "none", "subnets": None}]
    )
    assert result["existing"] == [{"name": "y", "subnets": ["172.29.0.0/24", "fd00:d0c:99::/64"]}, {"name": "none", "subnets": []}]
