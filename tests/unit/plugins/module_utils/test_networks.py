# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_networks.py: the networks role's decisions.

The refusal cases of the Molecule scenario live here as tables; Molecule keeps
a few of them end to end (molecule/networks/verify/).
"""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.ipv6ready.docker.plugins.module_utils import _networks as n

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
with open(os.path.join(ROOT, "roles", "networks", "defaults", "main.yml"), encoding="utf-8") as _handle:
    DEFAULTS = yaml.safe_load(_handle)

# The host of the Molecule scenario: 2001:db8:1:2::10/64 on uplink6, default route through it.
FACTS = {
    "default_ipv6": {"address": "2001:db8:1:2::10", "prefix": "64", "interface": "uplink6", "gateway": "2001:db8:1:2::1"},
    "uplink6": {"ipv6": [{"address": "2001:db8:1:2::10", "prefix": "64"}, {"address": "fe80::1:2", "prefix": "64"}]},
}


def settings(**changes):
    return dict(DEFAULTS, **changes)


def engine(version="26.1.5+dfsg1", networks=(), containers=()):
    return {"host_info": {"ServerVersion": version}, "networks": list(networks), "containers": list(containers)}


def network(name, subnets=(), ipv6=True, driver="bridge", options=None, net_id=None, **extra):
    out = {
        "Name": name,
        "Id": net_id or "id-%s" % name,
        "Driver": driver,
        "EnableIPv6": ipv6,
        "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": s} for s in subnets]},
        "Options": options or {},
        "Labels": {},
        "Internal": False,
        "Attachable": False,
    }
    out.update(extra)
    return out


def container(name, networks, state="running", cid=None):
    return {"Id": cid or ("c-%s" % name).ljust(64, "0"), "Names": ["/" + name], "State": state, "NetworkSettings": {"Networks": {net: {} for net in networks}}}


def plan(changes=None, eng=None, facts=None):
    s = settings(**(changes or {}))
    checked = n.check(s)
    assert checked["problems"] == []
    return n.plan(checked["networks"], s, eng or engine(), FACTS if facts is None else facts)


# ---------------------------------------------------------------------------
# Bad input: every message names the variable (was molecule/networks/vars/bad_input.yml)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param({"networks_ula_prefix": "10.0.0.0/8"}, ["networks_ula_prefix: '10.0.0.0/8' is an IPv4 prefix"], id="ipv4-ula-prefix"),
        pytest.param(
            {"networks_ula_prefix": "2001:db8::/48"}, ["networks_ula_prefix: '2001:db8::/48' is not a unique local (fc00::/7) prefix"], id="global-as-ula"
        ),
        pytest.param({"networks_ula_prefix": "fc00::/6"}, ["networks_ula_prefix: 'fc00::/6' is not a unique local"], id="wider-than-fc00-7"),
        pytest.param({"networks_ula_prefix": "fd00:d0c::1/48"}, ["networks_ula_prefix: 'fd00:d0c::1/48' has host bits set"], id="ula-host-bits"),
        pytest.param(
            {"networks_ula_subnet_size": 48},
            ["networks_ula_subnet_size: /48 must be longer than networks_ula_prefix (/48) and at most /120"],
            id="ula-size-not-longer",
        ),
        pytest.param({"networks_ula_subnet_size": 121}, ["networks_ula_subnet_size: /121 must be longer"], id="ula-size-too-long"),
        pytest.param({"networks_host_prefix": "10.1.0.0/16"}, ["networks_host_prefix: '10.1.0.0/16' is an IPv4 prefix"], id="ipv4-host-prefix"),
        pytest.param(
            {"networks_host_prefix": "2001:db8:1:2::/64", "networks_host_subnet_size": 64},
            ["networks_host_subnet_size: /64 must be longer than networks_host_prefix (2001:db8:1:2::/64)"],
            id="host-size-not-longer",
        ),
        pytest.param({"networks_host_subnet_size": 121}, ["networks_host_subnet_size: /121 must be at most /120"], id="host-size-too-long"),
        pytest.param({"networks_host_subnet_size": 0}, ["networks_host_subnet_size: /0 must be at most /120"], id="host-size-zero"),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv6_subnet": "192.0.2.0/24"}]},
            ["networks_list[0].ipv6_subnet: '192.0.2.0/24' is an IPv4 prefix"],
            id="ipv4-as-ipv6-subnet",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv6_subnet": "fd00:d0c::5"}]},
            ["networks_list[0].ipv6_subnet: 'fd00:d0c::5' is not a prefix"],
            id="ipv6-subnet-no-length",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv6_subnet": "fd00::/32"}]},
            ["networks_list[0].ipv6_subnet: 'fd00::/32' has a /32 prefix; use /48 to /120"],
            id="ipv6-subnet-too-big",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv4_subnet": "fd00:d0c:5::/64"}]},
            ["networks_list[0].ipv4_subnet: 'fd00:d0c:5::/64' is an IPv6 prefix"],
            id="ipv6-as-ipv4-subnet",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv4_subnet": "10.0.0.0/31"}]},
            ["networks_list[0].ipv4_subnet: '10.0.0.0/31' has a /31 prefix; use /8 to /30"],
            id="ipv4-subnet-small",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv4_subnet": "172.31.5.0/24", "ipv6_only": "always"}]},
            ["networks_list[0].ipv4_subnet: an IPv6-only network (ipv6_only: always) has no IPv4 subnet"],
            id="ipv4-subnet-on-ipv6-only",
        ),
        pytest.param(
            {"networks_ipv6_only": "if_supported", "networks_list": [{"name": "t-a", "ipv4_subnet": "172.31.5.0/24"}]},
            ["networks_list[0].ipv4_subnet: an IPv6-only network (ipv6_only: if_supported)"],
            id="ipv4-subnet-on-ipv6-only-by-default",
        ),
        pytest.param({"networks_list": [{"name": "t a"}]}, ["networks_list[0].name: 't a' is not a Docker network name"], id="bad-name"),
        pytest.param({"networks_list": [{"name": "-a"}]}, ["networks_list[0].name: '-a' is not a Docker network name"], id="name-starts-with-dash"),
        pytest.param({"networks_list": [{"name": "a\n"}]}, ["networks_list[0].name: 'a\n' is not a Docker network name"], id="name-with-newline"),
        pytest.param({"networks_list": [{"name": "bridge"}]}, ["networks_list[0].name: 'bridge' is one of Docker's predefined networks"], id="predefined"),
        pytest.param({"networks_list": [{"name": "t-a"}, {"name": "t-a"}]}, ["networks_list[1].name: 't-a' is listed more than once"], id="duplicate"),
        pytest.param(
            {"networks_list": [{"name": "t-a", "index": 0}]}, ["networks_list[0].index: 0 is not a subnet number (1 or more; 0 is reserved)"], id="index-zero"
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "index": 3, "ipv6_subnet": "fd00:d0c:5::/64"}]},
            ["networks_list[0].index: only carved subnets have an index; this network has ipv6_subnet"],
            id="index-with-subnet",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "driver_options": {"com.docker.network.driver.mtu": [1400]}}]},
            ["networks_list[0].driver_options.com.docker.network.driver.mtu: must be a string, number or boolean"],
            id="option-list",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "driver_options": {"x": None}}]},
            ["networks_list[0].driver_options.x: must be a string, number or boolean"],
            id="option-none",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv6_subnet": "fd00::/32", "index": 2}, {"name": "bridge"}], "networks_host_subnet_size": 200},
            [
                "networks_host_subnet_size: /200 must be at most /120",
                "networks_list[0].ipv6_subnet: 'fd00::/32' has a /32 prefix",
                "networks_list[0].index: only carved subnets have an index",
                "networks_list[1].name: 'bridge' is one of Docker's predefined networks",
            ],
            id="every-problem-at-once",
        ),
    ],
)
def test_check_refuses(changes, expected):
    problems = n.check(settings(**changes))["problems"]
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problems


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"networks_ula_prefix": "FD00:D0C::/48"}, id="upper-case-ula"),
        pytest.param({"networks_ula_prefix": "fc00::/7", "networks_ula_subnet_size": 120}, id="whole-ula"),
        pytest.param(
            {
                "networks_list": [
                    {
                        "name": "a.b_c-1",
                        "ipv6_subnet": "fd00:d0c:99::/64",
                        "ipv4_subnet": "172.31.99.0/24",
                        "driver_options": {"mtu": 1400, "icc": True, "x": "y"},
                    }
                ]
            },
            id="full-entry",
        ),
        pytest.param({"networks_list": [{"name": "t-a", "ipv6_subnet": "", "ipv4_subnet": None, "index": 5}]}, id="empty-values"),
    ],
)
def test_check_accepts(changes):
    assert n.check(settings(**changes))["problems"] == []


def test_check_fills_in_the_defaults():
    checked = n.check(
        settings(
            networks_list=[
                {"name": "apps"},
                {
                    "name": "edge",
                    "carve_from": "host",
                    "ipv6_only": "if_supported",
                    "force": False,
                    "driver_options": {"com.docker.network.driver.mtu": 1400, "com.docker.network.bridge.enable_icc": False},
                },
            ],
            networks_force=True,
        )
    )
    apps, edge, kamal = checked["networks"]
    assert apps == {
        "name": "apps",
        "var": "networks_list[0] (apps)",
        "ipv6_only_var": "networks_ipv6_only",
        "force_var": "networks_force",
        "ipv6_subnet": None,
        "ipv4_subnet": None,
        "carve_from": "ula",
        "index": None,
        "ipv6_only": "never",
        "driver": "bridge",
        "driver_options": {},
        "force": True,
    }
    assert edge["ipv6_only_var"] == "networks_list[1].ipv6_only"
    assert edge["force_var"] == "networks_list[1].force" and edge["force"] is False
    assert edge["driver_options"] == {"com.docker.network.driver.mtu": "1400", "com.docker.network.bridge.enable_icc": "false"}
    assert kamal["var"] == "networks_kamal (kamal)" and kamal["carve_from"] == "ula"
    assert checked["host_carved"] == ["edge"]


@pytest.mark.parametrize(
    "changes, names",
    [
        pytest.param({}, ["kamal"], id="kamal-by-default"),
        pytest.param({"networks_kamal": False}, [], id="no-kamal"),
        pytest.param({"networks_list": [{"name": "kamal", "ipv6_subnet": "fd00:d0c:7::/64"}]}, ["kamal"], id="kamal-listed"),
    ],
)
def test_check_kamal(changes, names):
    assert [net["name"] for net in n.check(settings(**changes))["networks"]] == names


# ---------------------------------------------------------------------------
# The host's prefix
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, facts, expected",
    [
        pytest.param(
            {"networks_list": [{"name": "t-edge", "carve_from": "host"}], "networks_host_subnet_size": 60},
            FACTS,
            "networks_host_subnet_size: /60 is not longer than the host prefix 2001:db8:1:2::10/64 "
            "(from ansible_facts['default_ipv6']); set networks_host_prefix",
            id="size-vs-detected",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-edge", "carve_from": "host"}]},
            {},
            "networks_host_prefix: empty, and the host has no IPv6 default route (ansible_facts['default_ipv6']) to take its prefix from; needed by t-edge",
            id="no-default-route",
        ),
        pytest.param(
            {"networks_carve_from": "host"},
            {},
            "networks_host_prefix: empty, and the host has no IPv6 default route (ansible_facts['default_ipv6']) to take its prefix from; needed by kamal",
            id="all-from-host",
        ),
    ],
)
def test_plan_host_prefix_problems(changes, facts, expected):
    assert plan(changes, facts=facts)["problems"] == [expected]


def test_plan_carves_from_the_host_around_its_own_addresses():
    result = plan({"networks_kamal": False, "networks_list": [{"name": "edge", "carve_from": "host"}]})
    assert result["problems"] == []
    assert result["subnets"] == {"edge": "2001:db8:1:2:cc53::/80"}


def test_plan_explicit_host_prefix_needs_no_facts():
    result = plan({"networks_kamal": False, "networks_host_prefix": "2001:db8:1:2::/64", "networks_list": [{"name": "edge", "carve_from": "host"}]}, facts={})
    assert result["subnets"] == {"edge": "2001:db8:1:2:cc53::/80"}


def test_host_prefix_reads_the_uplink():
    prefix, reserved, source = n.host_prefix(
        settings(),
        {
            "default_ipv6": {"address": "2001:db8::10", "prefix": "64", "interface": "en-p1"},
            "en_p1": {"ipv6": [{"address": "2001:db8::11"}, {"address": "fe80::1"}]},
        },
    )
    assert (prefix, reserved, source) == ("2001:db8::10/64", ["2001:db8::11", "fe80::1", "2001:db8::10"], "ansible_facts['default_ipv6']")


# ---------------------------------------------------------------------------
# Refusals against the engine (were the refusal runs of molecule/networks/verify.yml)
# ---------------------------------------------------------------------------

CONVERGED = [
    network("kamal", ["fd00:d0c:0:145::/64", "172.18.0.0/16"]),
    network("apps", ["fd00:d0c:0:6377::/64", "172.19.0.0/16"]),
    network("fixed", ["fd00:d0c:99::/64", "172.31.99.0/24"], options={"com.docker.network.bridge.name": "br-fixed"}),
    network("bridge", ["172.17.0.0/16"], ipv6=False),
]


@pytest.mark.parametrize(
    "changes, version, expected",
    [
        pytest.param(
            {"networks_list": [{"name": "ovl-a", "ipv6_subnet": "fd00:d0c:77::/64"}, {"name": "ovl-b", "ipv6_subnet": "fd00:d0c:77::/80"}]},
            "26.1.5",
            ["networks 'ovl-a' (fd00:d0c:77::/64) and 'ovl-b' (fd00:d0c:77::/80) overlap"],
            id="listed-overlap",
        ),
        pytest.param(
            {"networks_list": [{"name": "ovl-f", "index": 325}]},
            "26.1.5",
            [
                "networks 'ovl-f' (fd00:d0c:0:145::/64) and 'kamal' (fd00:d0c:0:145::/64) overlap; give one of them an explicit index or ipv6_subnet",
                "network 'ovl-f' (fd00:d0c:0:145::/64) overlaps the existing Docker network 'kamal' (fd00:d0c:0:145::/64)",
            ],
            id="carved-collision",
        ),
        pytest.param(
            {"networks_list": [{"name": "ovl-c", "index": 25463}, {"name": "ovl-d", "ipv4_subnet": "172.31.99.128/25"}]},
            "26.1.5",
            [
                "network 'ovl-c' (fd00:d0c:0:6377::/64) overlaps the existing Docker network 'apps' (fd00:d0c:0:6377::/64)",
                "network 'ovl-d' (172.31.99.128/25) overlaps the existing Docker network 'fixed' (172.31.99.0/24)",
            ],
            id="overlaps-existing",
        ),
        pytest.param(
            {"networks_list": [{"name": "ovl-e", "ipv6_subnet": "fd00:d0c:0:6377::/80"}]},
            "26.1.5",
            ["network 'ovl-e' (fd00:d0c:0:6377::/80) overlaps the existing Docker network 'apps' (fd00:d0c:0:6377::/64)"],
            id="explicit-overlaps-existing",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "ipv6_only": "always"}]},
            "26.1.5+dfsg1",
            [
                "networks_list[0].ipv6_only: 'always' needs Docker 28 or later for network 't-a'; the engine is "
                "26.1.5+dfsg1 (use 'if_supported' to fall back to dual-stack)"
            ],
            id="always-on-26",
        ),
        pytest.param(
            {"networks_ipv6_only": "always"},
            "20.10.24+dfsg1",
            ["networks_ipv6_only: 'always' needs Docker 28 or later for network 'kamal'; the engine is 20.10.24+dfsg1"],
            id="always-for-all-on-20",
        ),
        pytest.param(
            {"networks_ipv6_only": "always", "networks_kamal": False, "networks_list": [{"name": "t-a", "ipv6_only": "never"}]},
            "20.10.24",
            [],
            id="always-overridden",
        ),
        pytest.param(
            {"networks_list": [{"name": "t-a", "index": 65536}]},
            "26.1.5",
            ["networks_list[0] (t-a): index 65536 is outside 1..65535"],
            id="index-beyond-parent",
        ),
    ],
)
def test_plan_refuses(changes, version, expected):
    result = plan(changes, engine(version, CONVERGED))
    assert len(result["problems"]) == len(expected), result["problems"]
    for problem, start in zip(result["problems"], expected):
        assert problem.startswith(start), result["problems"]


def test_plan_always_accepted_on_28():
    result = plan({"networks_ipv6_only": "always"}, engine("28.5.2+dfsg3"))
    assert result["problems"] == []
    assert result["networks"][0]["ipv6_only"] is True and result["networks"][0]["enable_ipv4"] is False


def test_plan_refuses_a_changed_network_listing_its_containers():
    probe = dict(container("ipv6ready-verify-fixed", ["fixed"]), Labels={"ipv6ready.verify": "probe"})
    eng = engine("26.1.5", CONVERGED, [container("held", ["fixed"]), container("parked", ["fixed"], state="created"), container("other", ["apps"]), probe])
    result = plan(
        {
            "networks_kamal": False,
            "networks_list": [
                {
                    "name": "fixed",
                    "ipv6_subnet": "fd00:d0c:98::/64",
                    "ipv4_subnet": "172.31.99.0/24",
                    "driver_options": {"com.docker.network.bridge.name": "br-fixed", "com.docker.network.driver.mtu": 1400},
                }
            ],
        },
        eng,
    )
    assert result["problems"] == [
        "networks_list[0] (fixed): the existing network 'fixed' differs: IPv6 subnet fd00:d0c:98::/64 "
        "(has fd00:d0c:99::/64), driver option com.docker.network.driver.mtu '1400' (is unset); "
        "attached containers: held (running), parked (created); set networks_force: true to recreate it and reconnect them"
    ]
    assert result["networks"][0]["action"] == "refuse"
    # The verify role's probe is neither listed nor reconnected: it ends by itself.
    assert [c["name"] for c in result["networks"][0]["containers"]] == ["held", "parked"]


@pytest.mark.parametrize(
    "entry, old, version, expected",
    [
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64"}, network("t", ["fd00:d0c:9::/64"], driver="macvlan"), "26.1", ["driver bridge (is macvlan)"], id="driver"
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64"},
            network("t", ["172.20.0.0/16"], ipv6=False),
            "26.1",
            ["IPv6 on (is off)", "IPv6 subnet fd00:d0c:9::/64 (has none)"],
            id="ipv6-off",
        ),
        pytest.param(
            {}, network("t", ["172.20.0.0/16"], ipv6=False), "26.1", ["IPv6 on (is off)", "IPv6 subnet fd00:d0c:0:4edf::/64 (has none)"], id="ipv6-off-carved"
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64", "ipv4_subnet": "172.31.9.0/24"},
            network("t", ["fd00:d0c:9::/64", "172.20.0.0/16"]),
            "26.1",
            ["IPv4 subnet 172.31.9.0/24 (has 172.20.0.0/16)"],
            id="ipv4-subnet",
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64", "ipv6_only": "if_supported"},
            network("t", ["fd00:d0c:9::/64", "172.20.0.0/16"], EnableIPv4=True),
            "28.5.2",
            ["IPv4 off (is on)"],
            id="ipv4-on-28",
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64"},
            network("t", ["fd00:d0c:9::/64"], EnableIPv4=False),
            "28.0.0",
            ["IPv4 on (is off)"],
            id="ipv6-only-should-be-dual",
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64", "ipv6_only": "if_supported"},
            network("t", ["fd00:d0c:9::/64", "172.20.0.0/16"]),
            "27.5.1",
            [],
            id="if-supported-before-28",
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64", "driver_options": {"com.docker.network.driver.mtu": 1400}},
            network("t", ["fd00:d0c:9::/64"], options={"com.docker.network.driver.mtu": "1500"}),
            "26.1",
            ["driver option com.docker.network.driver.mtu '1400' (is '1500')"],
            id="option-value",
        ),
        pytest.param(
            {"ipv6_subnet": "fd00:d0c:9::/64", "driver_options": {"com.docker.network.bridge.enable_icc": False}},
            network("t", ["fd00:d0c:9::/64"], options={"com.docker.network.bridge.enable_icc": "false", "x": "1"}),
            "26.1",
            [],
            id="options-only-listed-keys",
        ),
        pytest.param({"ipv6_subnet": "fd00:d0c:0009::/64"}, network("t", ["fd00:d0c:9:0::/64"]), "26.1", [], id="canonical-forms"),
    ],
)
def test_plan_differences(entry, old, version, expected):
    result = plan({"networks_kamal": False, "networks_list": [dict({"name": "t"}, **entry)]}, engine(version, [old]))
    net = result["networks"][0]
    assert net["differences"] == expected
    assert net["action"] == ("refuse" if expected else "keep")


# ---------------------------------------------------------------------------
# Adopting an existing network (Kamal's own `kamal`)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, old, adopted, subnet",
    [
        # Kamal's `docker network create kamal` on Docker >= 27 with default-network-opts.
        pytest.param({}, network("kamal", ["fd00:d0c::/64", "172.18.0.0/16"]), True, "fd00:d0c::/64", id="kamal-from-pool"),
        pytest.param({}, network("kamal", ["fdb5:7a3e:1c2f::/64", "172.18.0.0/16"]), True, "fdb5:7a3e:1c2f::/64", id="kamal-docker-own-ula"),
        pytest.param(
            {"networks_list": [{"name": "kamal", "ipv6_only": "never"}]},
            network("kamal", ["fd00:d0c:5::/64"]),
            True,
            "fd00:d0c:5::/64",
            id="listed-without-subnet",
        ),
        pytest.param(
            {"networks_kamal": False, "networks_list": [{"name": "edge", "carve_from": "host"}]},
            network("edge", ["2001:db8:1:2:77::/80"]),
            True,
            "2001:db8:1:2:77::/80",
            id="host-inside-prefix",
        ),
        # Not adopted: carved instead (and then compared).
        pytest.param(
            {"networks_kamal": False, "networks_list": [{"name": "edge", "carve_from": "host"}]},
            network("edge", ["fd00:d0c::/64"]),
            False,
            "2001:db8:1:2:cc53::/80",
            id="host-wanted-ula-found",
        ),
        pytest.param({}, network("kamal", ["2001:db8:5::/64"]), False, "fd00:d0c:0:145::/64", id="ula-wanted-global-found"),
        pytest.param({}, network("kamal", ["172.18.0.0/16"], ipv6=False), False, "fd00:d0c:0:145::/64", id="ipv4-only"),
        pytest.param({}, network("kamal", ["fd00:d0c::/64", "fd00:d0c:1::/64"]), False, "fd00:d0c:0:145::/64", id="two-ipv6-subnets"),
        pytest.param({"networks_list": [{"name": "kamal", "index": 7}]}, network("kamal", ["fd00:d0c::/64"]), False, "fd00:d0c:0:7::/64", id="explicit-index"),
        pytest.param(
            {"networks_list": [{"name": "kamal", "ipv6_subnet": "fd00:d0c:7::/64"}]},
            network("kamal", ["fd00:d0c::/64"]),
            False,
            "fd00:d0c:7::/64",
            id="explicit-subnet",
        ),
    ],
)
def test_plan_adopts(changes, old, adopted, subnet):
    result = plan(changes, engine("28.5.2", [old]))
    net = result["networks"][0]
    assert (net["adopted"], net["ipv6_subnet"]) == (adopted, subnet)
    assert result["subnets"][net["name"]] == subnet
    # Whether the plan changes nothing: the networks role then takes the daemon role's read.
    assert result["keeps_all"] is adopted
    if adopted:
        assert (net["action"], result["problems"]) == ("keep", [])
    else:
        assert net["action"] == "refuse"


@pytest.mark.parametrize(
    "eng, keeps_all",
    [
        pytest.param(engine("28.5.2"), False, id="kamal-to-create"),
        pytest.param(engine("28.5.2", [network("kamal", ["fd00:d0c:0:145::/64"])]), True, id="kamal-kept"),
        pytest.param(None, False, id="no-engine"),
    ],
)
def test_plan_keeps_all(eng, keeps_all):
    assert plan({"networks_list": []}, eng)["keeps_all"] is keeps_all


def test_plan_adopted_network_still_refuses_other_differences():
    old = network("kamal", ["fd00:d0c::/64", "172.18.0.0/16"], EnableIPv4=True)
    result = plan({"networks_ipv6_only": "if_supported"}, engine("28.5.2", [old], [container("kamal-proxy", ["kamal"])]))
    assert result["problems"] == [
        "networks_kamal (kamal): the existing network 'kamal' differs: IPv4 off (is on); attached containers: "
        "kamal-proxy (running); set networks_force: true to recreate it and reconnect them"
    ]
    # With force, it is recreated with the subnet it has: its containers keep their addresses.
    result = plan({"networks_ipv6_only": "if_supported", "networks_force": True}, engine("28.5.2", [old]))
    assert result["networks"][0]["action"] == "recreate"
    assert result["networks"][0]["ipv6_subnet"] == "fd00:d0c::/64"
    assert result["networks"][0]["same_subnet"] == {"ipv6": True, "ipv4": False}


def test_plan_explicit_subnet_that_differs_is_refused_or_recreated():
    old = network("kamal", ["fd00:d0c::/64", "172.18.0.0/16"])
    wanted = {"networks_list": [{"name": "kamal", "ipv6_subnet": "fd00:d0c:7::/64"}]}
    eng = engine("28.5.2", [old], [container("app-web", ["kamal"])])
    result = plan(wanted, eng)
    assert result["problems"][0].startswith(
        "networks_list[0] (kamal): the existing network 'kamal' differs: IPv6 subnet fd00:d0c:7::/64 (has fd00:d0c::/64); "
        "attached containers: app-web (running)"
    )
    result = plan(dict(wanted, networks_force=True), eng)
    assert result["problems"] == []
    assert result["networks"][0]["action"] == "recreate"


# ---------------------------------------------------------------------------
# The plan itself
# ---------------------------------------------------------------------------


def test_plan_actions_and_flags():
    eng = engine("28.5.2", [network("apps", ["fd00:d0c:0:6377::/64"], EnableIPv4=True, net_id="old-apps")])
    result = plan(
        {
            "networks_force": True,
            "networks_list": [
                {"name": "apps"},
                {"name": "fixed", "ipv6_subnet": "fd00:d0c:99::/64", "ipv4_subnet": "172.31.99.0/24"},
                {"name": "v6only", "ipv6_only": "if_supported"},
            ],
        },
        eng,
    )
    by_name = {net["name"]: net for net in result["networks"]}
    assert result["problems"] == []
    assert {name: net["action"] for name, net in by_name.items()} == {"apps": "keep", "fixed": "create", "v6only": "create", "kamal": "create"}
    assert by_name["apps"]["adopted"] is True and by_name["apps"]["old_id"] == "old-apps"
    assert by_name["v6only"]["enable_ipv4"] is False and by_name["fixed"]["enable_ipv4"] is True
    assert result["subnets"] == {"apps": "fd00:d0c:0:6377::/64", "fixed": "fd00:d0c:99::/64", "v6only": "fd00:d0c:0:f17b::/64", "kamal": "fd00:d0c:0:145::/64"}


def test_plan_leaves_out_the_ipv4_flag_before_28():
    result = plan({"networks_ipv6_only": "if_supported"}, engine("27.5.1"))
    assert result["networks"][0]["enable_ipv4"] is None and result["networks"][0]["ipv6_only"] is False


def test_plan_unknown_engine_version_has_no_features():
    result = plan({"networks_ipv6_only": "always"}, engine(""))
    assert result["problems"] == [
        "networks_ipv6_only: 'always' needs Docker 28 or later for network 'kamal'; the engine is unknown (use 'if_supported' to fall back to dual-stack)"
    ]


def test_plan_recreate_saves_the_old_network():
    old = network(
        "fixed", ["fd00:d0c:99::/64", "172.31.99.0/24"], options={"com.docker.network.bridge.name": "br-fixed"}, net_id="old-fixed", Labels={"a": "b"}
    )
    old["IPAM"]["Config"][1]["Gateway"] = "172.31.99.1"
    result = plan(
        {
            "networks_kamal": False,
            "networks_force": True,
            "networks_list": [{"name": "fixed", "ipv6_subnet": "fd00:d0c:98::/64", "ipv4_subnet": "172.31.99.0/24"}],
        },
        engine("26.1.5", [old]),
    )
    net = result["networks"][0]
    assert net["action"] == "recreate"
    assert net["same_subnet"] == {"ipv6": False, "ipv4": True}
    assert net["restore"] == {
        "Name": "fixed",
        "Driver": "bridge",
        "EnableIPv6": True,
        "Internal": False,
        "Attachable": False,
        "Options": {"com.docker.network.bridge.name": "br-fixed"},
        "Labels": {"a": "b"},
        "IPAM": {"Driver": "default", "Options": {}, "Config": [{"Subnet": "fd00:d0c:99::/64"}, {"Subnet": "172.31.99.0/24", "Gateway": "172.31.99.1"}]},
    }


@pytest.mark.parametrize(
    "extra, expected",
    [
        pytest.param({}, None, id="before-28"),
        pytest.param({"EnableIPv4": False}, False, id="ipv6-only-28"),
        pytest.param({"EnableIPv4": True}, True, id="dual-stack-28"),
    ],
)
def test_create_body_ipv4_flag(extra, expected):
    body = n.create_body(network("t", ["fd00::/64"], **extra))
    assert body.get("EnableIPv4") is expected


@pytest.mark.parametrize(
    "feature, expected",
    [
        pytest.param("ipv6_only_networks", "28", id="major"),
        pytest.param("daemon_validate", "23", id="other-major"),
    ],
)
def test_release(feature, expected):
    assert n.release(feature) == expected


# ---------------------------------------------------------------------------
# Reconnecting, and recovering from a failed recreate
# ---------------------------------------------------------------------------

HELD = "a" * 64
PARKED = "b" * 64


def recreate_plan(same_ipv6=False, same_ipv4=True):
    return [
        {
            "name": "fixed",
            "action": "recreate",
            "old_id": "old-fixed",
            "same_subnet": {"ipv6": same_ipv6, "ipv4": same_ipv4},
            "restore": {"Name": "fixed", "Driver": "bridge"},
        }
    ]


def attached(cid, name, endpoint):
    return {
        "exists": True,
        "item": [{"name": "fixed"}, {"id": cid, "name": name}],
        "container": {"Id": cid, "Name": "/" + name, "NetworkSettings": {"Networks": {"fixed": endpoint}}},
    }


ATTACHED = [
    attached(HELD, "held", {"Aliases": ["holder", HELD[:12], "held"], "IPAMConfig": None}),
    attached(PARKED, "parked", {"Aliases": None, "IPAMConfig": {"IPv6Address": "fd00:d0c:99::99", "IPv4Address": "172.31.99.9"}}),
    {"exists": False, "item": [{"name": "fixed"}, {"id": "gone", "name": "gone"}]},
]


def test_reconnect_list_keeps_aliases_and_fitting_addresses():
    assert n.reconnect_list(ATTACHED, recreate_plan()) == [
        {
            "network": "fixed",
            "id": HELD,
            "name": "held",
            "dropped": [],
            "endpoint": {"Aliases": ["holder"], "IPAMConfig": {}},
            "saved_endpoint": {"Aliases": ["holder"], "IPAMConfig": {}},
        },
        {
            "network": "fixed",
            "id": PARKED,
            "name": "parked",
            "dropped": ["fd00:d0c:99::99"],
            "endpoint": {"Aliases": [], "IPAMConfig": {"IPv4Address": "172.31.99.9"}},
            "saved_endpoint": {"Aliases": [], "IPAMConfig": {"IPv6Address": "fd00:d0c:99::99", "IPv4Address": "172.31.99.9"}},
        },
    ]


def _now(networks, attached_to=()):
    return ([{"Name": name, "Id": net_id} for name, net_id in networks], [{"Id": cid, "NetworkSettings": {"Networks": {net: {}}}} for cid, net in attached_to])


@pytest.mark.parametrize(
    "networks_now, attached_to, reason, restore, to, message",
    [
        # Recreated: everyone back with the new endpoint; nothing to restore.
        pytest.param([("fixed", "new-fixed")], [], None, [], {"held": "recreated", "parked": "recreated"}, None, id="success"),
        # The old network was removed and the new one not created: made again, everyone back with every address.
        pytest.param(
            [("other", "x")],
            [],
            "conflicts with network br-fixed",
            ["fixed"],
            {"held": "old", "parked": "old"},
            "networks: creating the networks failed: conflicts with network br-fixed; made again from "
            "their saved settings: fixed; containers reconnected: held to fixed, parked to fixed",
            id="create-failed",
        ),
        # Failed while disconnecting: the old network is still there, and held was never disconnected.
        pytest.param(
            [("fixed", "old-fixed")],
            [(HELD, "fixed")],
            "timeout",
            [],
            {"parked": "old"},
            "networks: creating the networks failed: timeout; containers reconnected: parked to fixed",
            id="disconnect-failed",
        ),
    ],
)
def test_recovery(networks_now, attached_to, reason, restore, to, message):
    reconnect = n.reconnect_list(ATTACHED, recreate_plan())
    nets, containers = _now(networks_now, attached_to)
    result = n.recovery(reconnect, recreate_plan(), nets, containers, reason)
    assert [item["name"] for item in result["restore"]] == restore
    assert {item["name"]: item["to"] for item in result["reconnect"]} == to
    assert result["message"] == message
    for item in result["reconnect"]:
        source = next(entry for entry in reconnect if entry["id"] == item["id"])
        assert item["endpoint"] == (source["saved_endpoint"] if item["to"] == "old" else source["endpoint"])
        assert item["dropped"] == ([] if item["to"] == "old" else source["dropped"])
    if restore:
        assert result["restore"][0]["body"] == {"Name": "fixed", "Driver": "bridge"}


@pytest.mark.parametrize(
    "result, expected",
    [
        pytest.param(None, None, id="none"),
        pytest.param("boom", "boom", id="text"),
        pytest.param({"msg": "Error creating network: conflict"}, "Error creating network: conflict", id="task"),
        pytest.param(
            {
                "msg": "One or more items failed",
                "results": [
                    {"failed": False, "item": {"name": "apps"}},
                    {"failed": True, "msg": "Error creating network: conflict", "item": {"name": "fixed"}},
                    {"failed": True, "msg": "Status code was 404", "item": {"network": "edge", "name": "held"}},
                ],
            },
            "fixed: Error creating network: conflict; held: Status code was 404",
            id="loop",
        ),
        pytest.param({}, "unknown error", id="empty"),
    ],
)
def test_failure_reason(result, expected):
    assert n.failure_reason(result) == expected


# ---------------------------------------------------------------------------
# ULA safety: the host's own routes and addresses
# ---------------------------------------------------------------------------


def link(name, kind=None):
    out = {"ifname": name}
    if kind:
        out["linkinfo"] = {"info_kind": kind}
    return out


def route(dst, dev=None, **extra):
    out = {"dst": dst}
    if dev:
        out["dev"] = dev
    out.update(extra)
    return out


def addresses(name, *items):
    return {"ifname": name, "addr_info": [dict({"family": "inet6", "local": local, "prefixlen": length}, **extra) for local, length, extra in items]}


# A test host on an outer engine whose default bridge has fixed-cidr-v6 fd00:d0c::/64 (the incident): its eth0 (a
# veth) has an address and a route there. Docker's own bridges, loopback, link-local and aggregates around it.
INCIDENT = {
    "links": [link("lo"), link("eth0", "veth"), link("docker0", "bridge"), link("br-0123456789ab", "bridge"), link("wg0", "wireguard")],
    "routes": [
        route("fd00:d0c::/64", "eth0", protocol="kernel"),
        route("fd00:d0c:1::/64", "docker0", protocol="kernel"),
        route("fd00:d0c:0:6377::/64", "br-0123456789ab", protocol="kernel"),
        route("fe80::/64", "eth0"),
        route("default", "eth0", gateway="fd00:d0c::1"),
        route("fd00::/8", "wg0"),
        route("fd00:d0c::2", "eth0", type="local", table="local"),
        route("ff00::/8", "eth0", type="multicast", table="local"),
        route("::1", "lo", type="local", table="local"),
    ],
    "addresses": [
        addresses("lo", ("::1", 128, {})),
        addresses("eth0", ("fd00:d0c::2", 64, {}), ("fe80::42:acff:fe11:2", 64, {})),
        addresses("docker0", ("fd00:d0c:1::1", 64, {})),
        addresses("br-0123456789ab", ("fd00:d0c:0:6377::1", 64, {})),
    ],
}

HINT = (
    "Docker networks in it would shadow that. Choose another unique local /48 (RFC 4193: fd plus 40 random bits, "
    "e.g. from `printf 'fd%s:%s%s:%s%s::/48\\n' $(od -An -N5 -tx1 /dev/urandom)`), or move the host's network; "
    "nothing was changed"
)


def test_host_networks_leave_out_bridges_loopback_link_local_and_aggregates():
    assert [(str(network), where) for network, where in n.host_networks(INCIDENT)] == [
        ("fd00:d0c::/64", "route on eth0"),
        ("fd00:d0c::/64", "address fd00:d0c::2/64 on eth0"),
    ]


@pytest.mark.parametrize(
    "host, prefixes, expected",
    [
        # The incident: the daemon's pool and the networks role's ULA both take in eth0's /64.
        (
            INCIDENT,
            [("daemon_ipv6_address_pools[0].base", "fd00:d0c::/48"), ("networks_ula_prefix", "fd00:d0c::/48")],
            [
                "daemon_ipv6_address_pools[0].base fd00:d0c::/48 overlaps this host's own fd00:d0c::/64 (route on eth0), "
                "fd00:d0c::/64 (address fd00:d0c::2/64 on eth0): " + HINT,
                "networks_ula_prefix fd00:d0c::/48 overlaps this host's own fd00:d0c::/64 (route on eth0), "
                "fd00:d0c::/64 (address fd00:d0c::2/64 on eth0): " + HINT,
            ],
        ),
        # The default bridge's own subnet is on docker0, a bridge: no problem, also when it is the one docker0 has.
        (INCIDENT, [("daemon_fixed_cidr_v6", "fd00:d0c:1::/64")], []),
        # A prefix inside the host's network overlaps too (the host's /64 contains it).
        (
            INCIDENT,
            [("daemon_fixed_cidr_v6", "fd00:d0c:0:0:1::/80")],
            [
                "daemon_fixed_cidr_v6 fd00:d0c:0:0:1::/80 overlaps this host's own fd00:d0c::/64 (route on eth0), "
                "fd00:d0c::/64 (address fd00:d0c::2/64 on eth0): " + HINT
            ],
        ),
        # Another /48 next to it: no overlap, whatever the aggregates (fd00::/8 on wg0, the default route) say.
        (INCIDENT, [("networks_ula_prefix", "fd12:3456:789a::/48")], []),
        # Global prefixes are not checked: a subnet of the host's routed /64 is a deliberate choice.
        (
            {"links": [link("eth0")], "routes": [route("2001:db8:1:2::/64", "eth0")], "addresses": [addresses("eth0", ("2001:db8:1:2::1", 64, {}))]},
            [("daemon_fixed_cidr_v6", "2001:db8:1:2:1::/80")],
            [],
        ),
        # A route without a device (unreachable, blackhole) is the host's too.
        (
            {"links": [], "routes": [route("fd00:d0c:7::/64", type="blackhole")], "addresses": []},
            [("networks_ula_prefix", "fd00:d0c:7::/48")],
            ["networks_ula_prefix fd00:d0c:7::/48 overlaps this host's own fd00:d0c:7::/64 (blackhole route): " + HINT],
        ),
        # A VPN address with a short prefix length counts as its own address; the /8 route does not.
        (
            {"links": [link("wg0", "wireguard")], "routes": [route("fd00::/8", "wg0")], "addresses": [addresses("wg0", ("fd00:d0c::5", 8, {}))]},
            [("networks_ula_prefix", "fd00:d0c::/48")],
            ["networks_ula_prefix fd00:d0c::/48 overlaps this host's own fd00:d0c::5/128 (address fd00:d0c::5/8 on wg0): " + HINT],
        ),
        # A user's bridge (VMs, LXD) is left out with Docker's.
        ({"links": [link("lxdbr0", "bridge")], "routes": [route("fd00:d0c::/64", "lxdbr0")], "addresses": []}, [("networks_ula_prefix", "fd00:d0c::/48")], []),
        # Values that are no network are the input checks' business.
        (INCIDENT, [("daemon_fixed_cidr_v6", ""), ("daemon_fixed_cidr_v6", "fd00:d0c::1/64"), ("daemon_ipv6_address_pools[0].base", None)], []),
        # An IPv4 prefix is not a unique local one.
        (INCIDENT, [("daemon_ipv4_address_pools[0].base", "172.17.0.0/16")], []),
        # Nothing read.
        ({}, [("networks_ula_prefix", "fd00:d0c::/48")], []),
    ],
)
def test_host_overlaps(host, prefixes, expected):
    assert n.host_overlaps(host, prefixes) == expected


def test_host_read_parses_three_listings():
    text = '[{"ifname":"eth0"}]\n[{"dst":"fd00:d0c::/64","dev":"eth0"}]\n\n'
    assert n.host_read(text) == {"links": [{"ifname": "eth0"}], "routes": [{"dst": "fd00:d0c::/64", "dev": "eth0"}], "addresses": []}


@pytest.mark.parametrize(
    "text, error",
    [
        ("[]\n[]", "expected 3 lines"),
        ("[]\n{}\n[]", "not a list"),
        ("[]\nnot json\n[]", "Expecting value"),
    ],
)
def test_host_read_refuses_other_text(text, error):
    with pytest.raises(ValueError, match=error):
        n.host_read(text)


@pytest.mark.parametrize(
    "global_id, expected",
    [
        (0, "fd00::/48"),
        (0x000D0C0000, "fd00:d0c::/48"),
        (0x123456789A, "fd12:3456:789a::/48"),
        ((1 << 40) - 1, "fdff:ffff:ffff::/48"),
    ],
)
def test_random_ula_with_a_given_global_id(global_id, expected):
    assert n.random_ula(global_id) == expected


@pytest.mark.parametrize("global_id", [-1, 1 << 40, True, "12"])
def test_random_ula_refuses_a_global_id_that_is_not_40_bits(global_id):
    with pytest.raises(ValueError, match="40 bits"):
        n.random_ula(global_id)


def test_random_ula_is_random_and_unique_local():
    drawn = set(n.random_ula() for draw in range(20))
    assert len(drawn) == 20
    assert all(value.startswith("fd") and value.endswith("::/48") for value in drawn)


def test_ula_layout():
    assert n.ula_layout("fd12:3456:789a::/48") == {
        "networks_ula_prefix": "fd12:3456:789a::/48",
        "daemon_ipv6_address_pools": [{"base": "fd12:3456:789a::/48", "size": 64}],
        "daemon_fixed_cidr_v6": "fd12:3456:789a:ffff::/64",
    }


@pytest.mark.parametrize(
    "current, new_fleet, expected",
    [
        # Written once, kept: an existing fleet's networks are carved from it.
        ("fd12:3456:789a::/48", False, ("fd12:3456:789a::/48", "kept")),
        ("fd12:3456:789a::/48", True, ("fd12:3456:789a::/48", "kept")),
        ("fd12:3456:789A:0::/48", False, ("fd12:3456:789a::/48", "kept")),
        # A new fleet: random (the Global ID given here).
        (None, True, ("fd12:3456:789a::/48", "random")),
        # An existing fleet without one: the collection's default, nothing written.
        (None, False, ("fd00:d0c::/48", "default")),
    ],
)
def test_fleet_ula(current, new_fleet, expected):
    chosen = n.fleet_ula(current, new_fleet, global_id=0x123456789A)
    assert (chosen["prefix"], chosen["origin"]) == expected
    assert chosen["layout"] == ({} if expected[1] == "default" else n.ula_layout(expected[0]))


@pytest.mark.parametrize("current", ["2001:db8::/48", "fd12:3456::/32", "fd12:3456:789a::1/48", "nonsense"])
def test_fleet_ula_refuses_a_written_prefix_that_is_no_ula_48(current):
    with pytest.raises(ValueError, match="not a unique local /48"):
        n.fleet_ula(current, False)


# ---------------------------------------------------------------------------
# the engine API socket: ipv6ready_docker_socket, or the deprecated networks_docker_socket
# ---------------------------------------------------------------------------

DEPRECATED = (
    "networks_docker_socket will be removed in 1.0.0: set ipv6ready_docker_socket instead, which every role "
    "that talks to the Docker engine reads (this role uses %s for now)"
)
SOCKET_RULE = "is not the path of a socket (an absolute path of at most 107 bytes, such as /run/docker.sock)"


@pytest.mark.parametrize(
    "changes, socket, warnings, problems",
    [
        pytest.param({}, "/run/docker.sock", [], [], id="default"),
        pytest.param({"networks_docker_socket": None}, "/run/docker.sock", [], [], id="alias-unset-is-null"),
        pytest.param({"ipv6ready_docker_socket": "/run/alt.sock"}, "/run/alt.sock", [], [], id="shared-variable"),
        pytest.param(
            {"networks_docker_socket": "/var/run/docker.sock"}, "/var/run/docker.sock", [DEPRECATED % "/var/run/docker.sock"], [], id="deprecated-alias-wins"
        ),
        pytest.param(
            {"networks_docker_socket": "/run/a.sock", "ipv6ready_docker_socket": "/run/b.sock"},
            "/run/a.sock",
            [DEPRECATED % "/run/a.sock"],
            [],
            id="deprecated-alias-wins-over-the-shared-one",
        ),
        pytest.param({"ipv6ready_docker_socket": ""}, "", [], ["ipv6ready_docker_socket: '' " + SOCKET_RULE], id="shared-empty"),
        pytest.param(
            {"networks_docker_socket": "docker.sock"},
            "docker.sock",
            [DEPRECATED % "docker.sock"],
            ["networks_docker_socket: 'docker.sock' " + SOCKET_RULE],
            id="alias-relative-names-the-alias",
        ),
    ],
)
def test_docker_socket(changes, socket, warnings, problems):
    checked = n.check(settings(**changes))
    assert checked["docker_socket"] == socket
    assert checked["warnings"] == warnings
    assert [p for p in checked["problems"] if "socket" in p] == problems
    # A bad socket is a problem like any other: no network is planned.
    assert (checked["networks"] == []) == bool(problems)
