# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hcloud_* filters (plugins/filter/hcloud.py): wiring and input checks; the decisions are tested in
tests/unit/plugins/module_utils/test_hcloud.py."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.hcloud import (
    FilterModule,
    hcloud_fleet_checks,
    hcloud_fleet_plan,
    hcloud_fleet_summary,
    hcloud_gateway_plan,
    hcloud_teardown_plan,
    hcloud_teardown_settings,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMf0ylJ1CrfH0xXbc0bLJzyvSMjNyrp9wKNdYW/yJhBN admin@example.test"
SETTINGS = {
    "hcloud_fleet_name": "prod",
    "hcloud_fleet_location": "nbg1",
    "hcloud_fleet_image": "debian-13",
    "hcloud_fleet_gateway_server_type": "cx23",
    "hcloud_fleet_docker_host_server_type": "cx23",
    "hcloud_fleet_docker_host_count": 1,
    "hcloud_fleet_ssh_public_key_path": "id.pub",
    "hcloud_fleet_ssh_key_name": "prod-admin",
    "hcloud_fleet_ssh_source_ips": ["2001:db8:ad::/48"],
    "hcloud_fleet_app_ports": [],
    "hcloud_fleet_app_source_ips": [],
    "hcloud_fleet_extra_client_prefixes": [],
}
FACTS = {"ssh_public_key_path_is_file": True, "ssh_public_key": KEY}


def test_registered():
    assert FilterModule().filters() == {
        "hcloud_fleet_plan": hcloud_fleet_plan,
        "hcloud_fleet_checks": hcloud_fleet_checks,
        "hcloud_gateway_plan": hcloud_gateway_plan,
        "hcloud_fleet_summary": hcloud_fleet_summary,
        "hcloud_teardown_settings": hcloud_teardown_settings,
        "hcloud_teardown_plan": hcloud_teardown_plan,
    }


def test_provisioning_chain():
    """Settings -> plan -> checks -> gateway rules -> summary, as the playbook calls them."""
    plan = hcloud_fleet_plan(SETTINGS, facts=FACTS)
    assert plan["problems"] == []
    server_types = [{"name": "cx23", "architecture": "x86", "locations": [{"name": "nbg1", "available": True, "recommended": True, "deprecation": None}]}]
    checked = hcloud_fleet_checks(
        plan, servers=None, server_types=server_types, locations=[{"name": "nbg1"}], images=[{"name": "debian-13", "architecture": "x86"}], ssh_keys=[]
    )
    assert checked["problems"] == []
    assert checked["create"] == {"docker_host": ["prod-docker-1"], "nat64_gateway": ["prod-nat64"]}
    hosts = [{"name": "prod-docker-1", "ipv6": "2001:db8:1::/64"}]
    gateway = hcloud_gateway_plan(plan, docker_hosts=hosts)
    assert gateway["client_prefixes"] == ["2001:db8:1::/64"]
    summary = hcloud_fleet_summary(plan, gateway={"name": "prod-nat64", "ipv4_address": "203.0.113.1", "ipv6": "2001:db8:2::/64"}, docker_hosts=hosts)
    assert summary["gateway"]["ipv6_address"] == "2001:db8:2::1"


def test_teardown_chain():
    assert hcloud_teardown_settings({"hcloud_fleet_name": None}) == [
        "hcloud_fleet_name: is required: name the fleet to remove (-e hcloud_fleet_name=<name>); the teardown has no default"
    ]
    result = hcloud_teardown_plan("prod", servers=None, firewalls=[], ssh_keys=[], ssh_key_name="", confirm=None)
    assert (result["empty"], result["confirmed"], result["problems"]) == (True, False, [])


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda: hcloud_fleet_plan(["not", "a", "dict"]), "hcloud_fleet_plan: expected the settings (a dict)", id="plan"),
        pytest.param(lambda: hcloud_fleet_checks({}, servers="web"), "hcloud_fleet_checks: expected servers (a list)", id="checks"),
        pytest.param(lambda: hcloud_gateway_plan(None), "hcloud_gateway_plan: expected the plan", id="gateway"),
        pytest.param(lambda: hcloud_fleet_summary({}, gateway=None), "hcloud_fleet_summary: expected the gateway", id="summary"),
        pytest.param(lambda: hcloud_teardown_plan("prod", firewalls={}), "hcloud_teardown_plan: expected firewalls", id="teardown"),
        pytest.param(lambda: hcloud_teardown_settings("prod"), "hcloud_teardown_settings: expected the settings", id="teardown-settings"),
    ],
)
def test_wrong_input_names_the_filter(call, message):
    with pytest.raises(AnsibleFilterError) as error:
        call()
    assert message in str(error.value)
