# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hcloud_ipv6only_* filters (plugins/filter/ipv6only.py): wiring and input checks; the decisions are tested
in tests/unit/plugins/module_utils/test_ipv6only.py."""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter import ipv6only

SERVERS = [{"id": 1, "name": "prod-docker-1", "labels": {"ipv6ready_fleet": "prod", "ipv6ready_role": "docker_host"}}]
IPS = [{"id": 11, "name": "ip", "ip": "203.0.113.11", "type": "ipv4", "assignee_id": 1, "assignee_type": "server", "labels": {}, "auto_delete": True}]


def test_registered():
    assert sorted(ipv6only.FilterModule().filters()) == [
        "hcloud_ipv6only_after",
        "hcloud_ipv6only_delete_plan",
        "hcloud_ipv6only_plan",
        "hcloud_ipv6only_refusals",
        "hcloud_ipv6only_report",
        "hcloud_ipv6only_settings",
        "hcloud_ipv6only_window",
    ]


def test_settings():
    result = ipv6only.hcloud_ipv6only_settings({"hcloud_fleet_name": "prod"}, check_mode=True, inventory_fleets=None)
    assert result["problems"] == [] and result["settings"]["fleet"] == "prod"


def test_plan_and_refusals():
    plan = ipv6only.hcloud_ipv6only_plan(
        "prod-docker-1", fleet="prod", mode="migrate", servers=SERVERS, primary_ips=IPS, facts={"connection": "local", "reached": True}, today="2026-12-06"
    )
    assert plan["action"] == "refuse"
    assert ipv6only.hcloud_ipv6only_refusals([plan]).startswith("Nothing was changed. This host cannot move")


def test_window_after_delete_and_report():
    assert ipv6only.hcloud_ipv6only_window([{"addresses": [1], "published": [1]}], "60") == 60
    plan = ipv6only.hcloud_ipv6only_plan("prod-docker-1", fleet="prod", servers=SERVERS, primary_ips=[])
    assert plan["action"] == "none"
    assert ipv6only.hcloud_ipv6only_after(plan, {"addresses": [], "containers": []}) == []
    assert ipv6only.hcloud_ipv6only_delete_plan("prod", IPS, confirm="prod")["delete"] == []
    settings = ipv6only.hcloud_ipv6only_settings({"hcloud_fleet_name": "prod"}, check_mode=True)["settings"]
    state = {"servers": SERVERS, "primary_ips": IPS}
    report = ipv6only.hcloud_ipv6only_report(settings, before=state, after=state, plans=[plan], outcomes=[None])
    assert report["lines"][0] == "prod-docker-1: has no primary IPv4: already IPv6-only"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ipv6only.hcloud_ipv6only_settings("prod"), "expected the settings (a dict), got str"),
        (lambda: ipv6only.hcloud_ipv6only_plan("h", mode="sideways"), "mode must be migrate or restore"),
        (lambda: ipv6only.hcloud_ipv6only_plan("h", servers="x"), "expected servers (a list), got str"),
        (lambda: ipv6only.hcloud_ipv6only_refusals({}), "expected the plans (a list), got dict"),
        (lambda: ipv6only.hcloud_ipv6only_after([]), "expected the plan (a dict), got list"),
        (lambda: ipv6only.hcloud_ipv6only_report({}, outcomes="x"), "expected outcomes (a dict), got str"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        call()
