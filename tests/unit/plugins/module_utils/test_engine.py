# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.engine import docker_features
from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine as engine


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Docker version 20.10.24+dfsg1, build 297e128", (20, 10, 24)),
        ("26.1.5+dfsg1", (26, 1, 5)),
        ("v28.0.1", (28, 0, 1)),
        ("28.5", (28, 5, 0)),
        ("29", (29, 0, 0)),
        ((27, 3), (27, 3, 0)),
        ([28, 5, 2], (28, 5, 2)),
    ],
)
def test_parse_version(text, expected):
    assert engine.parse_version(text) == expected


@pytest.mark.parametrize("text", [None, "", "docker", ()])
def test_parse_version_refuses(text):
    with pytest.raises(ValueError):
        engine.parse_version(text)


@pytest.mark.parametrize(
    "version, name, expected",
    [
        ("20.10.24", "ip6tables", True),
        ("20.10.24", "daemon_validate", False),
        ("23.0.0", "daemon_validate", True),
        ("26.1.5", "network_opts_ipv6", False),
        ("27.0.1", "network_opts_ipv6", True),
        ("27.5.1", "ipv6_only_networks", False),
        ("28.0.0", "ipv6_only_networks", True),
        ("28.5.2", "ipv6_without_fixed_cidr", True),
        ("29.1", "ip_forward_no_drop", True),
    ],
)
def test_supports(version, name, expected):
    assert engine.supports(version, name) is expected


def test_unknown_feature_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown engine feature 'ipv7'.*ipv6_only_networks"):
        engine.supports("28.0", "ipv7")


def test_table_is_ordered_and_named_once():
    names = [item.name for item in engine.FEATURES]
    assert len(names) == len(set(names))
    versions = [item.since for item in engine.FEATURES]
    assert versions == sorted(versions)
    assert engine.feature("ip6tables").since == (20, 10, 0)  # the minimum engine
    assert engine.since("ipv6_only_networks") == "28.0"


def test_docker_features_filter():
    result = docker_features("Docker version 26.1.5+dfsg1, build a72d7cd")
    assert result["version"] == "26.1.5"
    assert result["ip6tables"] and result["default_network_opts"]
    assert not result["network_opts_ipv6"] and not result["ipv6_only_networks"]
    assert set(result) == {item.name for item in engine.FEATURES} | {"version"}


def test_docker_features_filter_unknown_engine_has_nothing():
    result = docker_features("")
    assert result["version"] == "" and not any(v for k, v in result.items() if k != "version")


def test_docker_features_filter_names_itself_on_bad_input():
    with pytest.raises(AnsibleFilterError, match="docker_features: cannot find a Docker engine version"):
        docker_features("latest")
