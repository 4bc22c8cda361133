# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The move of a fleet to IPv6-only (playbooks/hcloud_ipv6only.yml) against the fake API in its record-only mode.

What the API sees: bad input stops the run before any request; check mode and a re-run on a moved fleet send no
change; the power cycles of a move, a rollback and the reverse send exactly the requests the API needs, in that
order, and leave the kept address labelled; the deletion of kept addresses is refused while one is assigned and
needs its confirmation. The hosts' side (the rehearsal, the checks) runs on real servers in `make demo-ipv6only`;
here a Docker host is an inventory entry with the local connection, which the playbook refuses to move, so the
power cycles are driven through the playbook's own task file (playbooks/tasks/hcloud_ipv6only_switch.yml) with
the plans of the ipv6ready.docker.hcloud_ipv6only_plan filter.
"""

from __future__ import annotations

import re
import sys

import pytest
import yaml

# The fixtures fake, collections_dir and ansible are test_provision's.
from test_provision import ROOT, ansible_runner, collections_dir, fake_api  # noqa: F401  pylint: disable=unused-import

PLAYBOOK = ROOT / "playbooks" / "hcloud_ipv6only.yml"
SWITCH = ROOT / "playbooks" / "tasks" / "hcloud_ipv6only_switch.yml"
FLEET = "shop"
CONFIRM = ["-e", "hcloud_fleet_name=%s" % FLEET, "-e", "hcloud_ipv6only_confirm=%s" % FLEET]
DOCKER = {"ipv6ready_fleet": FLEET, "ipv6ready_role": "docker_host"}
GATEWAY = {"ipv6ready_fleet": FLEET, "ipv6ready_role": "nat64_gateway"}


def inventory(tmp_path, hosts, fleet=FLEET):
    """A static inventory in the shape inventories/hcloud.yml gives (hcloud_labels), with the local connection."""
    entries = dict(
        (
            name,
            {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "hcloud_labels": {"ipv6ready_fleet": fleet, "ipv6ready_role": "docker_host"},
            },
        )
        for name in hosts
    )
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump({"all": {"children": {"docker_hosts": {"hosts": entries}, "nat64_gateways": {"hosts": {}}}}}), encoding="utf-8")
    return ["-i", str(path)]


RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def assert_ok(result):
    """The run passed on every host; return ``(ok, changed)`` summed over the hosts."""
    assert result.returncode == 0, result.stdout
    rows = [tuple(int(item) for item in numbers) for _host, *numbers in RECAP_RE.findall(result.stdout)]
    assert rows and all(row[2:] == (0, 0) for row in rows), result.stdout
    return sum(row[0] for row in rows), sum(row[1] for row in rows)


def mutations(fake, mark=0):
    return [(call["method"], call["path"]) for call in fake.requests[mark:] if call["method"] != "GET"]


# ---------------------------------------------------------------------------
# Before any request
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, message",
    [
        pytest.param([], "hcloud_fleet_name: is required", id="no-fleet"),
        pytest.param(["-e", "hcloud_fleet_name=%s" % FLEET], "hcloud_ipv6only_confirm: the move powers off and on every host it changes", id="no-confirmation"),
        pytest.param(
            ["-e", "hcloud_fleet_name=%s" % FLEET, "-e", "hcloud_ipv6only_restore=true"],
            "hcloud_ipv6only_confirm: the reverse powers off and on",
            id="reverse-without-confirmation",
        ),
        pytest.param(
            ["-e", "hcloud_fleet_name=staging", "-e", "hcloud_ipv6only_confirm=staging"],
            'hcloud_fleet_name: \\"staging\\" is not a fleet of the inventory (its hosts belong to: shop)',
            id="unknown-fleet",
        ),
        pytest.param(
            CONFIRM + ["-e", "hcloud_ipv6only_batch_size=two"], 'hcloud_ipv6only_batch_size: \\"two\\" is not a number of hosts', id="batch-size-not-a-number"
        ),
        pytest.param(CONFIRM + ["-e", "hcloud_ipv6only_ipv4_price=free"], 'hcloud_ipv6only_ipv4_price: \\"free\\" is not a price', id="price"),
        pytest.param(
            CONFIRM + ["-e", "hcloud_ipv6only_health_url=localhost:3000/up"],
            'hcloud_ipv6only_health_url: \\"localhost:3000/up\\" is not an http:// or https:// URL',
            id="health-url",
        ),
        pytest.param(
            ["-e", "hcloud_fleet_name=%s" % FLEET, "-e", "hcloud_ipv6only_delete_kept=true"],
            "hcloud_ipv6only_delete_confirm: the deletion of the kept IPv4 addresses cannot be undone",
            id="delete-without-confirmation",
        ),
    ],
)
def test_bad_input_fails_before_any_request(fake, ansible, tmp_path, extra, message):
    fake.seed_server(FLEET + "-docker-1", labels=DOCKER)
    result = ansible.playbook(PLAYBOOK, *inventory(tmp_path, [FLEET + "-docker-1"]), *extra)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout
    assert "Nothing was changed" in result.stdout
    assert fake.requests == []


def test_missing_token_fails_before_any_request(fake, ansible, tmp_path):
    result = ansible.playbook(PLAYBOOK, *inventory(tmp_path, [FLEET + "-docker-1"]), *CONFIRM, env={"HCLOUD_TOKEN": None})
    assert result.returncode != 0 and "HCLOUD_TOKEN is not set" in result.stdout
    assert fake.requests == []


def test_a_fleet_the_project_does_not_have_fails_before_any_change(fake, ansible, tmp_path):
    result = ansible.playbook(PLAYBOOK, *inventory(tmp_path, [FLEET + "-docker-1"]), *CONFIRM)
    assert result.returncode != 0
    assert "hcloud_fleet_name: no server of the project carries the label ipv6ready_fleet=shop" in result.stdout
    assert fake.requests and mutations(fake) == []


# ---------------------------------------------------------------------------
# Check mode, refusals, a re-run on a moved fleet
# ---------------------------------------------------------------------------


def test_refused_hosts_stop_the_run_before_any_change(fake, ansible, tmp_path):
    fake.seed_server(FLEET + "-docker-1", labels=DOCKER)
    fake.seed_server(FLEET + "-nat64", labels=GATEWAY)
    hosts = [FLEET + "-docker-1", FLEET + "-nat64", FLEET + "-web"]
    for check in (["--check"],):
        result = ansible.playbook(PLAYBOOK, *inventory(tmp_path, hosts), *CONFIRM, *check)
        assert result.returncode != 0
        assert "Nothing was changed. These hosts cannot move: " in result.stdout
        # The local connection reaches nothing over SSH over IPv6.
        assert 'shop-docker-1: Ansible connects to it with the \\"local\\" connection' in result.stdout
        assert "shop-nat64: it is a NAT64/DNS64 gateway of the fleet" in result.stdout
        assert "shop-web: it is not a server of fleet shop: no server named shop-web carries the label ipv6ready_fleet=shop" in result.stdout
    assert mutations(fake) == []


def test_check_mode_and_a_rerun_on_a_moved_fleet_change_nothing(fake, ansible, tmp_path):
    for index in (1, 2):
        fake.seed_server("%s-docker-%d" % (FLEET, index), labels=DOCKER, enable_ipv4=False)
    fake.seed_server(FLEET + "-nat64", labels=GATEWAY)
    kept = fake.seed_primary_ip(
        "kept-1",
        "ipv4",
        labels={"ipv6ready_fleet": FLEET, "ipv6ready_kept_server_id": "1", "ipv6ready_kept_from": "shop-docker-1", "ipv6ready_kept_on": "2026-12-01"},
    )
    hosts = inventory(tmp_path, [FLEET + "-docker-1", FLEET + "-docker-2"])
    # --limit narrows the hosts; the API is still read once, from the controller.
    result = ansible.playbook(PLAYBOOK, *hosts, "-e", "hcloud_fleet_name=%s" % FLEET, "--check", "--limit", FLEET + "-docker-2")
    assert assert_ok(result)[1] == 0
    assert "Check mode: nothing was changed." in result.stdout
    assert "%s: has no primary IPv4: already IPv6-only" % (FLEET + "-docker-2") in result.stdout
    assert "%s:" % (FLEET + "-docker-1") not in result.stdout
    result = ansible.playbook(PLAYBOOK, *hosts, *CONFIRM)
    assert assert_ok(result)[1] == 0, result.stdout
    for name in (FLEET + "-docker-1", FLEET + "-docker-2"):
        assert "%s: has no primary IPv4: already IPv6-only" % name in result.stdout
    assert (
        "Primary IPv4 addresses of fleet shop: 1 assigned before, 1 assigned now; 1 kept, unassigned and still billed until deleted (%s)." % kept["ip"]
    ) in result.stdout
    assert ("1.00 EUR before, 1.00 EUR now, 0.50 EUR once the kept ones are deleted: a saving of 0.50 EUR per month.") in result.stdout
    assert mutations(fake) == []


# ---------------------------------------------------------------------------
# The power cycles, through the playbook's own task file
# ---------------------------------------------------------------------------

# Per host, in parallel: read the project, decide with the filter (the host's side as the playbook reads it, given
# as facts), and run the switches the playbook runs for that host: the move, then (where asked) the rollback the
# rescue runs after a failure.
SWITCH_PLAYBOOK = """
- name: The power cycles of hcloud_ipv6only.yml
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the servers
      hetzner.hcloud.server_info:
        label_selector: ipv6ready_fleet=shop
      register: servers
    - name: Read the primary IPs
      hetzner.hcloud.primary_ip_info:
      register: ips
    - name: Decide
      ansible.builtin.set_fact:
        plan: >-
          {{ inventory_hostname | ipv6ready.docker.hcloud_ipv6only_plan(fleet='shop', mode=mode,
               servers=servers.hcloud_server_info, primary_ips=ips.hcloud_primary_ip_info, facts=facts,
               today='2026-12-06') }}
    - name: Check the plan
      ansible.builtin.assert:
        that: plan.action == mode
        fail_msg: "{{ plan.line }}"
    - name: Run the playbook's switch
      ansible.builtin.include_tasks: "%s"
      vars:
        __hcloud_ipv6only_switch: "{{ plan.switch }}"
    - name: Run the playbook's rollback
      ansible.builtin.include_tasks: "%s"
      vars:
        __hcloud_ipv6only_switch: "{{ plan.rollback }}"
      when: rollback | default(false)
""" % (SWITCH, SWITCH)

FACTS = {
    "connection": "ssh",
    "ssh_connection": "2001:db8:ad::5 50000 2001:db8:1::1 22",
    "reached": True,
    "dns64_servers": ["2001:db8:3::1"],
    "info": {
        "addresses": [{"address": "203.0.113.10", "prefixlen": 32, "dev": "eth0"}],
        "resolvers": ["2001:db8:3::1"],
        "iptables": True,
        "docker": True,
        "conntrack": [],
        "window": 60,
        "inbound": [{"proto": "tcp", "port": "443", "new": 0, "open": 0}],
        "containers": [{"name": "app", "running": True, "restart_policy": "unless-stopped"}],
    },
    "settings": {"hcloud_ipv6only_shutdown_timeout": 2},
}


def server_mutations(fake, server_id, ip_ids):
    """The changes sent for one server and its addresses, in order."""
    paths = ("/servers/%d/" % server_id,) + tuple("/primary_ips/%d" % ip_id for ip_id in ip_ids)
    return [
        (call["method"], call["path"])
        for call in fake.requests
        if call["method"] != "GET"
        and (call["path"].startswith(paths) or (call["path"] == "/primary_ips" and call["method"] == "POST" and call["body"].get("assignee_id") == server_id))
    ]


def by_id(fake, ip_id):
    return next(item for item in fake.primary_ip_list() if item["id"] == ip_id)


def test_move_rollback_and_reverse_send_what_the_api_needs(fake, ansible, tmp_path):
    moved = fake.seed_server(FLEET + "-docker-1", labels=DOCKER)
    back = fake.seed_server(FLEET + "-docker-2", labels=DOCKER, enable_ipv4=False)
    new = fake.seed_server(FLEET + "-docker-3", labels=DOCKER, enable_ipv4=False)
    fake.seed_server(FLEET + "-nat64", labels=GATEWAY)
    own = next(item for item in fake.primary_ip_list() if item["type"] == "ipv4" and item["assignee_id"] == moved["id"])
    assert own["auto_delete"] is True  # created with the server
    fake.primary_ips[own["id"]]["labels"] = {"team": "web"}
    kept = fake.seed_primary_ip(
        "primary_ip-kept",
        "ipv4",
        labels={
            "team": "api",
            "ipv6ready_fleet": FLEET,
            "ipv6ready_kept_from": FLEET + "-docker-2",
            "ipv6ready_kept_server_id": str(back["id"]),
            "ipv6ready_kept_on": "2026-12-01",
            "ipv6ready_kept_auto_delete": "true",
        },
    )
    fake.seed_primary_ip("spare", "ipv4")  # a free address that is nobody's: never taken
    hosts = {FLEET + "-docker-1": {"mode": "migrate", "rollback": True}, FLEET + "-docker-2": {"mode": "restore"}, FLEET + "-docker-3": {"mode": "restore"}}
    path = tmp_path / "switch-inventory.yml"
    path.write_text(
        yaml.safe_dump({"all": {"vars": {"ansible_connection": "local", "facts": FACTS, "ansible_python_interpreter": sys.executable}, "hosts": hosts}}),
        encoding="utf-8",
    )
    playbook = tmp_path / "switch.yml"
    playbook.write_text(SWITCH_PLAYBOOK, encoding="utf-8")
    fake.requests.clear()
    assert assert_ok(ansible.playbook(playbook, "-i", path))[1] > 0

    # The move: the graceful shutdown waited for (polled, 2 s), power off, unassign, label, power on; then the
    # rollback as the rescue runs it: no wait, power off, the same address back as it was, power on.
    server_path, ip_path = "/servers/%d" % moved["id"], "/primary_ips/%d" % own["id"]
    assert server_mutations(fake, moved["id"], [own["id"]]) == [
        ("POST", server_path + "/actions/poweroff"),
        ("POST", ip_path + "/actions/unassign"),
        ("PUT", ip_path),
        ("POST", server_path + "/actions/poweron"),
        ("POST", server_path + "/actions/poweroff"),
        ("POST", ip_path + "/actions/assign"),
        ("PUT", ip_path),
        ("POST", server_path + "/actions/poweron"),
    ]
    requests = [(call["method"], call["path"]) for call in fake.requests]
    first_poweroff = requests.index(("POST", server_path + "/actions/poweroff"))
    # The shutdown's wait polled the server (a first try and one retry) before the module read it to power it off.
    assert requests[:first_poweroff].count(("GET", server_path)) >= 3
    # The kept address: unassigned, auto_delete off, labelled with the server, the date and how it was.
    release = fake.calls("PUT", ip_path)[0]["body"]
    assert release == {
        "labels": {
            "team": "web",
            "ipv6ready_fleet": FLEET,
            "ipv6ready_kept_from": FLEET + "-docker-1",
            "ipv6ready_kept_server_id": str(moved["id"]),
            "ipv6ready_kept_on": "2026-12-06",
            "ipv6ready_kept_auto_delete": "true",
        },
        "auto_delete": False,
    }
    assign = fake.calls("POST", ip_path + "/actions/assign")[0]["body"]
    assert assign == {"assignee_id": moved["id"], "assignee_type": "server"}
    assert fake.calls("PUT", ip_path)[1]["body"] == {"labels": {"team": "web"}, "auto_delete": True}
    after = by_id(fake, own["id"])
    assert (after["assignee_id"], after["labels"], after["auto_delete"]) == (moved["id"], {"team": "web"}, True)

    # The reverse with a kept address: that address, given back as it was (kept labels gone, auto_delete back).
    server_path, ip_path = "/servers/%d" % back["id"], "/primary_ips/%d" % kept["id"]
    assert server_mutations(fake, back["id"], [kept["id"]]) == [
        ("POST", server_path + "/actions/poweroff"),
        ("POST", ip_path + "/actions/assign"),
        ("PUT", ip_path),
        ("POST", server_path + "/actions/poweron"),
    ]
    after = by_id(fake, kept["id"])
    assert (after["assignee_id"], after["labels"], after["auto_delete"]) == (back["id"], {"team": "api", "ipv6ready_fleet": FLEET}, True)

    # The reverse without one: a new address, created assigned while the server is off.
    server_path = "/servers/%d" % new["id"]
    assert server_mutations(fake, new["id"], []) == [
        ("POST", server_path + "/actions/poweroff"),
        ("POST", "/primary_ips"),
        ("POST", server_path + "/actions/poweron"),
    ]
    create = [call["body"] for call in fake.calls("POST", "/primary_ips")]
    assert create == [
        {
            "name": FLEET + "-docker-3-ipv4",
            "type": "ipv4",
            "assignee_id": new["id"],
            "assignee_type": "server",
            "auto_delete": True,
            "labels": {"ipv6ready_fleet": FLEET},
        }
    ]
    servers = {item["name"]: item for item in fake.server_list()}
    assert all(servers[name]["status"] == "running" and servers[name]["public_net"]["ipv4"] for name in hosts)
    assert "spare" in [item["name"] for item in fake.primary_ip_list() if item["assignee_id"] is None]


# ---------------------------------------------------------------------------
# Deleting the kept addresses
# ---------------------------------------------------------------------------


def kept_labels(server_id, fleet=FLEET):
    return {
        "ipv6ready_fleet": fleet,
        "ipv6ready_kept_from": "x",
        "ipv6ready_kept_server_id": str(server_id),
        "ipv6ready_kept_on": "2026-12-01",
        "ipv6ready_kept_auto_delete": "true",
    }


def test_deleting_kept_addresses(fake, ansible, tmp_path):
    server = fake.seed_server(FLEET + "-docker-1", labels=DOCKER, enable_ipv4=False)
    first = fake.seed_primary_ip("kept-1", "ipv4", labels=kept_labels(101))
    second = fake.seed_primary_ip("kept-2", "ipv4", labels=kept_labels(102))
    other = fake.seed_primary_ip("kept-other", "ipv4", labels=kept_labels(103, fleet="staging"))
    plain = fake.seed_primary_ip("spare", "ipv4")
    hosts = inventory(tmp_path, [FLEET + "-docker-1"])
    delete = ["-e", "hcloud_fleet_name=%s" % FLEET, "-e", "hcloud_ipv6only_delete_kept=true"]

    # Check mode lists them and deletes nothing; the hosts are not touched (no host is even contacted).
    result = ansible.playbook(PLAYBOOK, *hosts, *delete, "--check")
    assert assert_ok(result)[1] > 0
    assert "Kept IPv4 addresses of fleet shop: %s (kept-1, released from x on 2026-12-01), %s (kept-2" % (first["ip"], second["ip"]) in result.stdout
    assert "Read how Ansible reaches the host" not in result.stdout
    assert mutations(fake) == []

    # One of them is assigned again: nothing is deleted, even with the confirmation.
    fake.primary_ips[second["id"]].update(assignee_id=server["id"], assignee_type="server")
    fake.servers[server["id"]]["ipv4"] = second["id"]
    result = ansible.playbook(PLAYBOOK, *hosts, *delete, "-e", "hcloud_ipv6only_delete_confirm=%s" % FLEET)
    assert result.returncode != 0
    assert "Nothing was deleted: the kept primary IP kept-2 (%s) is assigned to server %d again" % (second["ip"], server["id"]) in result.stdout
    assert mutations(fake) == []

    # Unassigned again: the fleet's kept addresses go, and nothing else.
    fake.primary_ips[second["id"]].update(assignee_id=None, assignee_type="unassigned")
    fake.servers[server["id"]]["ipv4"] = None
    result = ansible.playbook(PLAYBOOK, *hosts, *delete, "-e", "hcloud_ipv6only_delete_confirm=%s" % FLEET)
    assert assert_ok(result)[1] > 0
    assert mutations(fake) == [("DELETE", "/primary_ips/%d" % first["id"]), ("DELETE", "/primary_ips/%d" % second["id"])]
    assert sorted(item["name"] for item in fake.primary_ip_list() if item["type"] == "ipv4") == sorted([other["name"], plain["name"]])
    # A second run has nothing left to delete.
    mark = len(fake.requests)
    result = ansible.playbook(PLAYBOOK, *hosts, *delete, "-e", "hcloud_ipv6only_delete_confirm=%s" % FLEET)
    assert assert_ok(result)[1] == 0
    assert "Kept IPv4 addresses of fleet shop: none" in result.stdout
    assert mutations(fake, mark) == []
