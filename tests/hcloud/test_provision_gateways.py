# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two gateways and their floating IPv6 /64s (hcloud_fleet_gateway_count: 2) against the fake Hetzner Cloud API.

Check mode, provision, re-provision after the failover agents moved a floating
IP (nothing moves it back), list the inventory, tear down (servers first, then
the floating IPs, then the firewalls and the key). The fake records every
request. Fewer gateways than exist (the extra ones listed, never deleted) is a
table case of tests/unit/plugins/module_utils/test_hcloud.py.
"""

from __future__ import annotations

import ipaddress
import json

import yaml

# Fixtures among them: collections_dir, fake, ...
from test_provision import (  # noqa: F401  pylint: disable=unused-import
    CONFIRM,
    FLEET,
    GATEWAY,
    INVENTORY,
    PROVISION,
    SSH,
    TEARDOWN,
    ansible_runner,
    assert_ok,
    collections_dir,
    fake_api,
    public_key_file,
    unsafe_free,
)

GATEWAY_2 = FLEET + "-nat64-2"
FLOATING = [FLEET + "-nat64-floating-1", FLEET + "-nat64-floating-2"]


def test_two_gateways_with_floating_ips(fake, ansible, key_file, tmp_path):
    group_vars = tmp_path / "inventory" / "group_vars" / "all" / "hcloud_fleet.yml"
    extra = [
        "-e",
        "hcloud_fleet_ssh_public_key_path=%s" % key_file,
        "-e",
        "hcloud_fleet_group_vars_file=%s" % group_vars,
        "-e",
        "hcloud_fleet_gateway_count=2",
        "-e",
        "hcloud_fleet_docker_host_count=1",
    ]

    # Check mode on an empty project: changes reported, none sent.
    result = ansible.playbook(PROVISION, "--check", *SSH, *extra)
    assert assert_ok(result)[1] > 0
    assert fake.mutating_calls() == []

    result = ansible.playbook(PROVISION, *SSH, *extra)
    assert assert_ok(result)[1] > 0
    servers = {item["name"]: item for item in fake.server_list()}
    assert sorted(servers) == sorted([FLEET + "-docker-1", GATEWAY, GATEWAY_2])
    for name in (GATEWAY, GATEWAY_2):
        body = next(call["body"] for call in fake.calls("POST", "/servers") if call["body"]["name"] == name)
        assert body["public_net"] == {"enable_ipv4": True, "enable_ipv6": True}
        assert body["labels"] == {"ipv6ready_fleet": FLEET, "ipv6ready_role": "nat64_gateway"}

    # One floating IPv6 /64 per gateway, created assigned to its home gateway, labelled with the fleet.
    floating = {item["name"]: item for item in fake.floating_ip_list()}
    assert sorted(floating) == FLOATING
    assert [(floating[name]["type"], floating[name]["server"], floating[name]["labels"]) for name in FLOATING] == [
        ("ipv6", servers[GATEWAY]["id"], {"ipv6ready_fleet": FLEET}),
        ("ipv6", servers[GATEWAY_2]["id"], {"ipv6ready_fleet": FLEET}),
    ]
    assert all(ipaddress.IPv6Network(floating[name]["ip"]).prefixlen == 64 for name in FLOATING)

    # The gateways' firewall: the Docker host's /64 may use DNS64 and NAT64; the gateways' /64s may send each
    # other the failover agents' heartbeats (set once both gateways exist).
    gateway_fw = next(item for item in fake.firewall_list() if item["name"] == FLEET + "-nat64-gateway")
    gateway_prefixes = sorted(servers[name]["public_net"]["ipv6"]["ip"] for name in (GATEWAY, GATEWAY_2))
    heartbeats = [rule for rule in gateway_fw["rules"] if rule["protocol"] == "udp" and rule["port"] == "6464"]
    assert [rule["source_ips"] for rule in heartbeats] == [gateway_prefixes]
    assert sorted(item["server"]["id"] for item in gateway_fw["applied_to"]) == sorted(servers[name]["id"] for name in (GATEWAY, GATEWAY_2))

    # The group_vars for site.yml: the floating IPs and their homes; each gateway carves its own /96.
    first = group_vars.read_text(encoding="utf-8")
    written = yaml.safe_load(first)
    # The fleet's random unique local /48 (test_provision.py checks its layout).
    ula = ipaddress.IPv6Network(written.pop("networks_ula_prefix"))
    assert ula.subnet_of(ipaddress.IPv6Network("fd00::/8"))
    for key in ("daemon_ipv6_address_pools", "daemon_fixed_cidr_v6"):
        written.pop(key)
    assert written == {
        "ipv6ready_extra_prefixes": [],
        "ipv6ready_floating_ips": [
            {"name": FLOATING[0], "network": floating[FLOATING[0]]["ip"], "home": GATEWAY},
            {"name": FLOATING[1], "network": floating[FLOATING[1]]["ip"], "home": GATEWAY_2},
        ],
    }
    for name in FLOATING:
        assert floating[name]["ip"] in result.stdout

    # The agents move a floating IP (gateway 1 failed): a re-run changes nothing and moves nothing back.
    moved = fake.handle(
        "POST",
        "/v1/floating_ips/%d/actions/assign" % floating[FLOATING[0]]["id"],
        {"Authorization": "Bearer " + ansible.env["HCLOUD_TOKEN"]},
        json.dumps({"server": servers[GATEWAY_2]["id"]}).encode(),
    )
    assert moved[0] == 201
    mark = len(fake.requests)
    result = ansible.playbook(PROVISION, *SSH, *extra)
    assert assert_ok(result)[1] == 0, result.stdout
    assert [call for call in fake.requests[mark:] if call["method"] != "GET"] == []
    assert {item["name"]: item["server"] for item in fake.floating_ip_list()}[FLOATING[0]] == servers[GATEWAY_2]["id"]
    assert group_vars.read_text(encoding="utf-8") == first

    # The inventory groups both gateways.
    result = ansible.inventory(INVENTORY, "--list")
    assert result.returncode == 0, result.stdout
    listing = unsafe_free(json.loads(result.stdout[result.stdout.index("{") :]))
    assert sorted(listing["nat64_gateways"]["hosts"]) == [GATEWAY, GATEWAY_2]

    # Teardown: the servers first (their agents gone, their floating IPs unassigned), then the floating IPs.
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, *CONFIRM, *extra)
    assert assert_ok(result)[1] > 0
    changes = [(call["method"], call["path"].split("/")[1]) for call in fake.requests[mark:] if call["method"] != "GET"]
    assert changes == [("DELETE", "servers")] * 3 + [("DELETE", "floating_ips")] * 2 + [("DELETE", "firewalls")] * 2 + [("DELETE", "ssh_keys")]
    assert fake.server_list() == [] and fake.floating_ip_list() == [] and fake.firewall_list() == []


def test_teardown_unassigns_a_floating_ip_still_assigned(fake, ansible):
    """A floating IP of the fleet assigned to a server the teardown does not delete: unassigned, then deleted."""
    other = fake.seed_server("unrelated-web", labels={"team": "web"})
    fake.seed_floating_ip(FLOATING[0], "ipv6", server=other["id"], labels={"ipv6ready_fleet": FLEET})
    result = ansible.playbook(TEARDOWN, *CONFIRM)
    assert assert_ok(result)[1] > 0
    changes = [(call["method"], call["path"]) for call in fake.requests if call["method"] != "GET"]
    assert [method for method, _path in changes] == ["POST", "DELETE"]
    assert changes[0][1].endswith("/actions/unassign")
    assert fake.floating_ip_list() == [] and [item["name"] for item in fake.server_list()] == ["unrelated-web"]
