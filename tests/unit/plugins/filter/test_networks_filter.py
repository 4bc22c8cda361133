# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the networks role's filters (plugins/filter/networks.py); the decisions are tested
in tests/unit/plugins/module_utils/test_networks.py."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter import networks as f

SETTINGS = {
    "networks_list": [{"name": "apps"}],
    "networks_kamal": True,
    "networks_carve_from": "ula",
    "networks_ula_prefix": "fd00:d0c::/48",
    "networks_ula_subnet_size": "64",
    "networks_host_prefix": "",
    "networks_host_subnet_size": 80,
    "networks_ipv6_only": "if_supported",
    "networks_force": False,
    "ipv6ready_docker_socket": "/run/docker.sock",
}


def test_registered():
    assert sorted(f.FilterModule().filters()) == [
        "fleet_ula",
        "networks_check",
        "networks_host_problems",
        "networks_plan",
        "networks_reconnect",
        "networks_recovery",
    ]


def test_check_then_plan():
    checked = f.networks_check(SETTINGS)
    assert checked["problems"] == [] and [net["name"] for net in checked["networks"]] == ["apps", "kamal"]
    engine = {"host_info": {"ServerVersion": "28.5.2+dfsg3"}, "networks": [], "containers": []}
    planned = f.networks_plan(checked["networks"], SETTINGS, engine)
    assert planned["subnets"] == {"apps": "fd00:d0c:0:6377::/64", "kamal": "fd00:d0c:0:145::/64"}
    assert [net["enable_ipv4"] for net in planned["networks"]] == [False, False]
    # Both are carved from the ULA and created: the /48 is checked against the host first.
    assert planned["host_check"] == [("networks_ula_prefix", "fd00:d0c::/48")]


def test_plan_checks_the_ula_against_the_host_only_when_it_carves_from_it():
    checked = f.networks_check(dict(SETTINGS, networks_kamal=False))
    existing = [
        {
            "Name": "apps",
            "Id": "a1",
            "Driver": "bridge",
            "EnableIPv6": True,
            "EnableIPv4": False,
            "IPAM": {"Config": [{"Subnet": "fd00:d0c:0:6377::/64"}]},
            "Options": {},
        }
    ]
    engine = {"host_info": {"ServerVersion": "28.5.2+dfsg3"}, "networks": existing, "containers": []}
    planned = f.networks_plan(checked["networks"], SETTINGS, engine)
    assert [net["action"] for net in planned["networks"]] == ["keep"] and planned["host_check"] == []
    explicit = dict(SETTINGS, networks_kamal=False, networks_list=[{"name": "fixed", "ipv6_subnet": "fd00:d0c:99::/64"}])
    checked = f.networks_check(explicit)
    planned = f.networks_plan(checked["networks"], explicit, dict(engine, networks=[]))
    assert [net["action"] for net in planned["networks"]] == ["create"] and planned["host_check"] == []


def test_host_problems_on_the_host_read():
    text = (
        '[{"ifname":"eth0"}]\n[{"dst":"fd00:d0c::/64","dev":"eth0"}]\n'
        '[{"ifname":"eth0","addr_info":[{"family":"inet6","local":"fd00:d0c::2","prefixlen":64}]}]\n'
    )
    problems = f.networks_host_problems(text, [["networks_ula_prefix", "fd00:d0c::/48"]])
    assert len(problems) == 1 and problems[0].startswith(
        "networks_ula_prefix fd00:d0c::/48 overlaps this host's own fd00:d0c::/64 (route on eth0), fd00:d0c::/64 (address fd00:d0c::2/64 on eth0): "
    )
    assert f.networks_host_problems(text, [["networks_ula_prefix", "fd12:3456:789a::/48"]]) == []


@pytest.mark.parametrize(
    "host_text, prefixes, match",
    [
        (None, [], "expected the ip -json output as text"),
        ("[]\n", [], "expected 3 lines"),
        ("[]\n[]\n[]\n", "fd00::/48", "prefixes must be a list"),
    ],
)
def test_host_problems_refuse(host_text, prefixes, match):
    with pytest.raises(AnsibleFilterError, match=match):
        f.networks_host_problems(host_text, prefixes)


def test_fleet_ula():
    assert f.fleet_ula("fd12:3456:789a::/48", True)["origin"] == "kept"
    assert f.fleet_ula(None, False) == {"prefix": "fd00:d0c::/48", "origin": "default", "layout": {}}
    assert f.fleet_ula("", False)["origin"] == "default"
    chosen = f.fleet_ula(None, True)
    assert chosen["origin"] == "random" and chosen["layout"]["networks_ula_prefix"] == chosen["prefix"]
    with pytest.raises(AnsibleFilterError, match="fleet_ula: networks_ula_prefix in the fleet's group_vars"):
        f.fleet_ula("2001:db8::/48", False)


@pytest.mark.parametrize(
    "call, match",
    [
        pytest.param(lambda: f.networks_check(["x"]), "networks_check: the input must be a dict", id="check-list"),
        pytest.param(lambda: f.networks_check({}), "networks_check: ", id="check-missing-keys"),
        pytest.param(lambda: f.networks_plan("x", SETTINGS, {}), "networks_plan: the input must be a list", id="plan-text"),
        pytest.param(lambda: f.networks_plan([], SETTINGS, None), "networks_plan: engine must be a dict", id="plan-no-engine"),
        pytest.param(lambda: f.networks_reconnect({}, []), "networks_reconnect: the input must be a list", id="reconnect-dict"),
        pytest.param(lambda: f.networks_recovery([], [], "x"), "networks_recovery: engine must be a dict", id="recovery"),
    ],
)
def test_errors_name_the_filter(call, match):
    with pytest.raises(AnsibleFilterError, match=match):
        call()


def test_recovery_takes_a_failed_task_result():
    plan = [{"name": "fixed", "action": "recreate", "old_id": "old", "restore": {"Name": "fixed"}}]
    result = f.networks_recovery([], plan, {"networks": [], "containers": []}, reason={"msg": "conflict"})
    assert result["restore"] == [{"name": "fixed", "body": {"Name": "fixed"}}]
    assert result["message"] == ("networks: creating the networks failed: conflict; made again from their saved settings: fixed")


def test_recovery_of_created_networks_needs_no_read():
    # tasks/apply.yml reads the engine again only when a network was to be recreated; a skipped read is a dict
    # without networks or containers.
    plan = [{"name": "kamal", "action": "create"}, {"name": "same", "action": "keep"}]
    skipped = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    assert f.networks_recovery([], plan, skipped) == {"restore": [], "reconnect": [], "message": None}
    failed = f.networks_recovery([], plan, skipped, reason={"msg": "pool overlaps"})
    assert failed == {"restore": [], "reconnect": [], "message": "networks: creating the networks failed: pool overlaps"}


def test_reconnect_names_the_filter_on_bad_items():
    with pytest.raises(AnsibleFilterError, match="networks_reconnect: "):
        f.networks_reconnect([{"exists": True, "item": [{"name": "x"}, {}], "container": {}}], [])
