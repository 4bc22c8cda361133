# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Table tests for the move of a fleet to IPv6-only (plugins/module_utils/_ipv6only.py)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _ipv6only

FLEET = "prod"
TODAY = "2026-12-06"
CONFIRMED = {"hcloud_fleet_name": FLEET, "hcloud_ipv6only_confirm": FLEET}


def server(server_id, name, role="docker_host", fleet=FLEET, status="running"):
    labels = {"ipv6ready_fleet": fleet}
    if role:
        labels["ipv6ready_role"] = role
    return {"id": server_id, "name": name, "labels": labels, "status": status, "location": "nbg1", "ipv4_address": None, "ipv6": "2001:db8:%x::/64" % server_id}


def primary_ip(ip_id, ip, assignee=None, labels=None, auto_delete=True, family="ipv4", name=None, protected=False):
    return {
        "id": ip_id,
        "name": name or "primary_ip-%d" % ip_id,
        "ip": ip,
        "type": family,
        "assignee_id": assignee,
        "assignee_type": "server" if assignee else "unassigned",
        "labels": labels or {},
        "auto_delete": auto_delete,
        "delete_protection": protected,
        "location": "nbg1",
    }


SERVERS = [server(1, "prod-docker-1"), server(2, "prod-docker-2"), server(3, "prod-nat64", role="nat64_gateway"), server(4, "prod-odd", role=None)]
IPS = [
    primary_ip(11, "203.0.113.11", assignee=1, labels={"team": "web"}),
    primary_ip(13, "203.0.113.13", assignee=3),
    primary_ip(21, "2001:db8:1::/64", assignee=1, family="ipv6"),
    primary_ip(14, "203.0.113.14", assignee=4),
]
SSH6 = "2001:db8:ad::5 50000 2001:db8:1::1 22"
INFO = {
    "addresses": [{"address": "203.0.113.11", "prefixlen": 32, "dev": "eth0"}, {"address": "172.17.0.1", "prefixlen": 16, "dev": "docker0"}],
    "resolvers": ["2001:db8:3::1"],
    "iptables": True,
    "docker": True,
    "conntrack": [],
    "window": 300,
    "inbound": [{"proto": "tcp", "port": "80", "new": 0, "open": 0}],
    "containers": [{"name": "app", "running": True, "restart_policy": "unless-stopped"}, {"name": "old", "running": False, "restart_policy": "no"}],
}


def facts(**overrides):
    base = {
        "server_name": None,
        "connection": "ssh",
        "ssh_connection": SSH6,
        "reached": True,
        "info": copy.deepcopy(INFO),
        "dns64_servers": ["2001:db8:3::1"],
        "settings": {},
    }
    base.update(overrides)
    return base


def plan(host="prod-docker-1", mode="migrate", servers=None, ips=None, gateways=(), **fact_overrides):
    return _ipv6only.host_plan(
        host, FLEET, mode, SERVERS if servers is None else servers, IPS if ips is None else ips, facts(**fact_overrides), TODAY, gateways=gateways
    )


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, check_mode, problem",
    [
        pytest.param({}, False, "hcloud_fleet_name: is required", id="no-fleet"),
        pytest.param({"hcloud_fleet_name": "Prod!"}, False, 'hcloud_fleet_name: "Prod!" is not 2 to 32', id="bad-fleet"),
        pytest.param({"hcloud_fleet_name": FLEET}, False, "hcloud_ipv6only_confirm: the move powers off and on every host it changes", id="no-confirmation"),
        pytest.param(
            {"hcloud_fleet_name": FLEET, "hcloud_ipv6only_confirm": "other"},
            False,
            'hcloud_ipv6only_confirm: is "other", not the fleet\'s name',
            id="wrong-confirmation",
        ),
        pytest.param(
            {"hcloud_fleet_name": FLEET, "hcloud_ipv6only_restore": "true"},
            False,
            "hcloud_ipv6only_confirm: the reverse powers off",
            id="reverse-needs-confirmation",
        ),
        pytest.param(
            {"hcloud_fleet_name": FLEET, "hcloud_ipv6only_delete_kept": True, "hcloud_ipv6only_confirm": FLEET},
            False,
            "hcloud_ipv6only_delete_confirm: the deletion of the kept IPv4 addresses cannot be undone",
            id="delete-needs-its-own-confirmation",
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_batch_size="five"),
            False,
            'hcloud_ipv6only_batch_size: "five" is not a number of hosts of at least 1',
            id="batch-not-a-number",
        ),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_batch_size=0), False, "hcloud_ipv6only_batch_size: 0 is not a number of hosts", id="batch-zero"),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_batch_size=True), False, "hcloud_ipv6only_batch_size: true is not", id="batch-bool"),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_max_fail_percentage="101"),
            False,
            'hcloud_ipv6only_max_fail_percentage: "101" is not a percentage from 0 to 100',
            id="percentage",
        ),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_canary="maybe"), False, 'hcloud_ipv6only_canary: "maybe" is not a boolean', id="canary"),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_restore="true", hcloud_ipv6only_delete_kept="true"),
            False,
            "hcloud_ipv6only_delete_kept: cannot run together with hcloud_ipv6only_restore",
            id="both-modes",
        ),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_ipv4_price="-1"), False, 'hcloud_ipv6only_ipv4_price: "-1" is not a price', id="negative-price"),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_ipv4_price="cheap"), False, 'hcloud_ipv6only_ipv4_price: "cheap" is not a price', id="price-not-a-number"),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_ipv4_price="NaN"), False, 'hcloud_ipv6only_ipv4_price: "NaN" is not a price', id="price-nan"),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_currency="euro dollars"), False, 'hcloud_ipv6only_currency: "euro dollars" is not a currency', id="currency"
        ),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_ipv4_window="5m"), False, 'hcloud_ipv6only_ipv4_window: "5m" is not a number of seconds', id="window"),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_health_url="localhost/up"),
            False,
            'hcloud_ipv6only_health_url: "localhost/up" is not an http:// or https:// URL',
            id="health-url",
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_health_command=["curl"]),
            False,
            "hcloud_ipv6only_health_command: ['curl'] is not a command line",
            id="health-command",
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_boot_timeout="5"),
            False,
            'hcloud_ipv6only_boot_timeout: "5" is not a number of seconds of at least 10',
            id="boot-timeout",
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_ipv4_traffic_ack="sure"), False, 'hcloud_ipv6only_ipv4_traffic_ack: "sure" is not true, false or a list', id="ack"
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_ipv4_traffic_ack=[1]), False, "hcloud_ipv6only_ipv4_traffic_ack: [1] is not true, false or a list", id="ack-list"
        ),
        pytest.param(dict(CONFIRMED, hcloud_ipv6only_verify="yes please"), False, 'hcloud_ipv6only_verify: "yes please" is not a boolean', id="verify"),
    ],
)
def test_settings_problems(values, check_mode, problem):
    result = _ipv6only.settings(values, check_mode=check_mode)
    assert any(item.startswith(problem) for item in result["problems"]), result["problems"]


def test_settings_unknown_fleet_is_named_from_the_inventory():
    result = _ipv6only.settings(CONFIRMED, inventory_fleets=["staging", "", None, "staging", "lab"])
    assert result["problems"] == ['hcloud_fleet_name: "prod" is not a fleet of the inventory (its hosts belong to: lab, staging)']
    # A static inventory says nothing about fleets.
    assert _ipv6only.settings(CONFIRMED, inventory_fleets=[""]).get("problems") == []


def test_settings_reports_every_problem_at_once():
    result = _ipv6only.settings({"hcloud_fleet_name": FLEET, "hcloud_ipv6only_batch_size": "x", "hcloud_ipv6only_canary": "x"})
    assert [item.split(":")[0] for item in result["problems"]] == ["hcloud_ipv6only_canary", "hcloud_ipv6only_batch_size", "hcloud_ipv6only_confirm"]


@pytest.mark.parametrize(
    "values, check_mode, expected",
    [
        pytest.param(CONFIRMED, False, {"mode": "migrate", "ipv4_window": 300, "price": "0.50", "currency": "EUR"}, id="defaults"),
        pytest.param({"hcloud_fleet_name": FLEET}, True, {"mode": "migrate"}, id="check-mode-needs-no-confirmation"),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_batch_size="5", hcloud_ipv6only_canary="false", hcloud_ipv6only_max_fail_percentage="20"),
            False,
            {"mode": "migrate"},
            id="strings-from-the-command-line",
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_restore="yes", hcloud_ipv6only_ipv4_window=60),
            False,
            {"mode": "restore", "ipv4_window": 0},
            id="restore-counts-nothing",
        ),
        pytest.param(
            {"hcloud_fleet_name": FLEET, "hcloud_ipv6only_delete_kept": "true", "hcloud_ipv6only_delete_confirm": FLEET}, False, {"mode": "delete"}, id="delete"
        ),
        pytest.param(
            dict(CONFIRMED, hcloud_ipv6only_ipv4_price=0.6, hcloud_ipv6only_currency="USD"),
            False,
            {"price": "0.6", "currency": "USD", "price_source": "your price (hcloud_ipv6only_ipv4_price)"},
            id="own-price",
        ),
    ],
)
def test_settings(values, check_mode, expected):
    result = _ipv6only.settings(values, check_mode=check_mode)
    assert result["problems"] == []
    assert {key: result["settings"][key] for key in expected} == expected


def test_list_price_says_where_it_comes_from():
    source = _ipv6only.settings(CONFIRMED)["settings"]["price_source"]
    assert source == (
        "Hetzner's list price of a primary IPv4 per month, excl. VAT, read on 2026-12-06 from https://docs.hetzner.com/cloud/servers/primary-ips/overview/"
    )


def test_host_settings_defaults_and_derived_values():
    values, problems = _ipv6only.host_settings({"hcloud_ipv6only_health_timeout": "12", "hcloud_ipv6only_shutdown_timeout": 7}, "h1")
    assert problems == []
    assert values == {
        "health_url": "",
        "health_command": "",
        "health_timeout": 12,
        "shutdown_timeout": 7,
        "boot_timeout": 300,
        "rehearsal_timeout": 600,
        "health_retries": 2,
        "health_delay": 5,
        "shutdown_retries": 3,
        "poll": 2,
        "ipv4_traffic_ack": False,
        "verify": True,
    }


@pytest.mark.parametrize(
    "ack, host, expected",
    [
        (True, "h1", True),
        ("false", "h1", False),
        (["h1", "h2"], "h1", True),
        (["h2"], "h1", False),
        ([], "h1", False),
    ],
)
def test_host_settings_ack(ack, host, expected):
    values, problems = _ipv6only.host_settings({"hcloud_ipv6only_ipv4_traffic_ack": ack}, host)
    assert problems == [] and values["ipv4_traffic_ack"] is expected


def test_host_settings_name_the_host():
    _values, problems = _ipv6only.host_settings({"hcloud_ipv6only_health_url": "ftp://x"}, "h1")
    assert problems == ['hcloud_ipv6only_health_url (host h1): "ftp://x" is not an http:// or https:// URL']


# ---------------------------------------------------------------------------
# The checks of one host
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "connection, ssh_connection, reached, problem",
    [
        pytest.param("ssh", SSH6, True, None, id="ssh-over-ipv6"),
        pytest.param(None, "fe80::5%eth0 50000 fe80::1%eth0 22", True, None, id="link-local-default-connection"),
        pytest.param("paramiko", SSH6, True, None, id="paramiko"),
        pytest.param("ssh", "198.51.100.5 50000 203.0.113.11 22", True, "Ansible reaches it at its IPv4 address 203.0.113.11", id="ssh-over-ipv4"),
        pytest.param("ssh", "::ffff:198.51.100.5 50000 ::ffff:203.0.113.11 22", True, "Ansible reaches it at its IPv4 address 203.0.113.11", id="ipv4-mapped"),
        pytest.param("local", "", True, 'Ansible connects to it with the "local" connection', id="local"),
        pytest.param("community.docker.docker", SSH6, True, 'Ansible connects to it with the "community.docker.docker" connection', id="docker-connection"),
        pytest.param("ssh", "", True, "cannot tell which address", id="no-ssh-connection"),
        pytest.param("ssh", "garbage", True, "cannot tell which address", id="garbage"),
        pytest.param("ssh", SSH6, False, "Ansible does not reach it", id="unreachable"),
    ],
)
def test_reach_problem(connection, ssh_connection, reached, problem):
    found = _ipv6only.reach_problem(connection, ssh_connection, reached)
    assert (found is None) if problem is None else found.startswith(problem), found


@pytest.mark.parametrize(
    "servers, dns64, problem",
    [
        pytest.param(["2001:db8:3::1"], ["2001:db8:3::1"], None, id="the-fleets-resolver"),
        pytest.param(["2001:DB8:3:0::1", "185.12.64.1"], ["2001:db8:3::1"], None, id="spelled-otherwise-and-more"),
        pytest.param(
            ["185.12.64.1", "185.12.64.2"],
            ["2001:db8:3::1"],
            "no NAT64/DNS64 gateway serves it: it resolves through 185.12.64.1, 185.12.64.2, not through the "
            "fleet's DNS64 resolvers (nat64_client_dns_servers: 2001:db8:3::1); run site.yml first",
            id="provider-resolvers",
        ),
        pytest.param([], ["2001:db8:3::1"], "no NAT64/DNS64 gateway serves it: it resolves through none, not through", id="none"),
        pytest.param(["2001:db8:9::1"], [], None, id="unknown-but-ipv6"),
        pytest.param(["185.12.64.1"], [], "no NAT64/DNS64 gateway serves it: its resolvers (185.12.64.1) are IPv4 only", id="unknown-ipv4-only"),
    ],
)
def test_resolver_problem(servers, dns64, problem):
    found = _ipv6only.resolver_problem(servers, dns64)
    assert (found is None) if problem is None else found.startswith(problem), found


def test_traffic_problem_names_ports_counts_and_ways_out():
    inbound = [
        {"proto": "tcp", "port": "80", "new": 12, "open": 2},
        {"proto": "tcp", "port": "443", "new": 1, "open": None},
        {"proto": "tcp", "port": "8080", "new": 0, "open": 0},
    ]
    message = _ipv6only.traffic_problem(inbound, 300, ["203.0.113.11"])
    assert message.startswith(
        "it still receives IPv4 traffic on published ports: tcp/80 (12 new connections in "
        "the last 300 s, 2 open now); tcp/443 (1 new connection in the last 300 s); DNS A "
        "records (or clients) still use 203.0.113.11."
    )
    assert "load balancer or a proxy with IPv4" in message
    assert "keep this host's IPv4" in message
    assert "-e hcloud_ipv6only_ipv4_traffic_ack=true" in message
    assert _ipv6only.traffic_problem(inbound[2:], 300, []) is None
    assert _ipv6only.traffic_problem([{"proto": "udp", "port": "53", "new": None, "open": 1}], 0, []).startswith(
        "it still receives IPv4 traffic on published ports: udp/53 (1 open now)"
    )


def test_container_problems():
    containers = [
        {"name": "app", "running": True, "restart_policy": "always"},
        {"name": "job", "running": True, "restart_policy": "no"},
        {"name": "tmp", "running": True},
        {"name": "stopped", "running": False, "restart_policy": "no"},
        # The verify role's probe: it ends by itself, power cycle or not.
        {"name": "ipv6ready-verify-kamal", "running": True, "restart_policy": "no", "labels": {"ipv6ready.verify": "probe"}},
    ]
    assert [item.split(" runs")[0] for item in _ipv6only.container_problems(containers)] == ["the container job", "the container tmp"]


def test_plan_leaves_the_verify_probes_out_of_what_must_run_again():
    info = copy.deepcopy(INFO)
    info["containers"] += [{"name": "ipv6ready-verify-kamal", "running": True, "restart_policy": "no", "labels": {"ipv6ready.verify": "probe"}}]
    result = plan(info=info)
    assert result["problems"] == [] and result["action"] == "migrate"
    assert result["containers"] == ["app"]
    # After the power cycle the probe is gone, and nothing is missing.
    assert _ipv6only.after_problems(result, {"addresses": [], "containers": INFO["containers"]}, "migrate") == []


# ---------------------------------------------------------------------------
# host_plan: the move
# ---------------------------------------------------------------------------


def test_plan_migrate():
    result = plan()
    assert (result["action"], result["problems"]) == ("migrate", [])
    assert result["line"] == "moves to IPv6-only: its primary IPv4 203.0.113.11 (primary_ip-11) is released and kept"
    assert result["containers"] == ["app"]
    assert result["switch"] == {
        "server_id": 1,
        "server_name": "prod-docker-1",
        "op": "release",
        "ip_id": 11,
        "ip_name": "primary_ip-11",
        "ip": "203.0.113.11",
        "auto_delete": False,
        "server": None,
        "create_name": None,
        "graceful": {"retries": 30, "delay": 2},
        # The IP's own labels stay; the kept ones say where it came from, when, and how it was.
        "labels": {
            "team": "web",
            "ipv6ready_fleet": FLEET,
            "ipv6ready_kept_from": "prod-docker-1",
            "ipv6ready_kept_server_id": "1",
            "ipv6ready_kept_on": TODAY,
            "ipv6ready_kept_auto_delete": "true",
        },
    }
    # The rollback gives the same address back as it was: its labels, auto_delete, assigned to the server.
    assert result["rollback"] == dict(
        result["switch"], op="assign", labels={"team": "web"}, auto_delete=True, server="prod-docker-1", graceful={"retries": 0, "delay": 2}
    )


@pytest.mark.parametrize(
    "host, kwargs, problem",
    [
        pytest.param("prod-web", {}, "it is not a server of fleet prod: no server named prod-web carries the label ipv6ready_fleet=prod", id="not-in-fleet"),
        pytest.param("prod-nat64", {}, "it is a NAT64/DNS64 gateway of the fleet", id="gateway-by-label"),
        pytest.param("prod-docker-1", {"gateways": ["prod-docker-1"]}, "it is a NAT64/DNS64 gateway of the fleet", id="gateway-by-inventory"),
        pytest.param("prod-odd", {}, "it is not a Docker host of fleet prod (label ipv6ready_role is null", id="no-role"),
        pytest.param("prod-docker-1", {"connection": "local"}, 'Ansible connects to it with the "local" connection', id="local"),
        pytest.param(
            "prod-docker-1", {"ssh_connection": "198.51.100.5 5 203.0.113.11 22"}, "Ansible reaches it at its IPv4 address 203.0.113.11", id="over-ipv4"
        ),
        pytest.param("prod-docker-1", {"reached": False, "info": None}, "Ansible does not reach it", id="unreachable"),
        pytest.param("prod-docker-1", {"info": None}, "its IPv4 use could not be read", id="not-read"),
        pytest.param("prod-docker-1", {"dns64_servers": ["2001:db8:9::1"]}, "no NAT64/DNS64 gateway serves it", id="no-dns64"),
        pytest.param(
            "prod-docker-1", {"settings": {"hcloud_ipv6only_health_url": "x"}}, 'hcloud_ipv6only_health_url (host prod-docker-1): "x"', id="bad-host-setting"
        ),
    ],
)
def test_plan_refused(host, kwargs, problem):
    result = plan(host, **kwargs)
    assert result["action"] == "refuse"
    assert any(item.startswith(problem) for item in result["problems"]), result["problems"]
    assert result["line"].startswith("refused: ")


def busy_info(**overrides):
    info = copy.deepcopy(INFO)
    info["inbound"] = [{"proto": "tcp", "port": "80", "new": 7, "open": 1}]
    info.update(overrides)
    return info


def test_plan_refuses_inbound_ipv4_traffic_and_passes_with_the_acknowledgement():
    refused = plan(info=busy_info())
    assert refused["action"] == "refuse"
    assert refused["problems"][0].startswith(
        "it still receives IPv4 traffic on published ports: tcp/80 (7 new "
        "connections in the last 300 s, 1 open now); DNS A records (or clients) "
        "still use 203.0.113.11."
    )
    for ack in (True, "true", ["prod-docker-1"]):
        passed = plan(info=busy_info(), settings={"hcloud_ipv6only_ipv4_traffic_ack": ack})
        assert passed["action"] == "migrate", passed["problems"]
        assert passed["notes"][0].startswith("acknowledged (hcloud_ipv6only_ipv4_traffic_ack): it still receives")
    other = plan(info=busy_info(), settings={"hcloud_ipv6only_ipv4_traffic_ack": ["prod-docker-2"]})
    assert other["action"] == "refuse"


def test_plan_refuses_a_container_without_restart_policy_and_notes_on_failure():
    info = copy.deepcopy(INFO)
    info["containers"] += [{"name": "cron", "running": True, "restart_policy": "no"}, {"name": "worker", "running": True, "restart_policy": "on-failure"}]
    result = plan(info=info)
    assert result["problems"] == [
        "the container cron runs without a restart policy, so it would not start again "
        "after the power cycle; give it one (docker update --restart unless-stopped cron) "
        "or stop it"
    ]
    assert any("worker restarts only on failure" in note for note in result["notes"])


def test_plan_notes_what_was_not_counted():
    result = plan(info=busy_info(iptables=False, inbound=[], conntrack=None))
    assert result["action"] == "migrate"
    assert result["notes"] == [
        "Docker's published ports could not be read with iptables-save (Docker's nftables firewall backend?), so inbound IPv4 traffic was not counted"
    ]
    result = plan(info=busy_info(conntrack=None, inbound=[{"proto": "tcp", "port": "80", "new": 0, "open": None}]))
    assert result["notes"] == ["conntrack is not installed: only new connections during the window were counted"]


def test_plan_already_moved_is_nothing_to_do_even_unreached():
    ips = [item for item in IPS if item["id"] != 11]
    result = plan(ips=ips)
    assert (result["action"], result["line"]) == ("none", "has no primary IPv4: already IPv6-only")
    assert result["notes"] == ["the API gives it no IPv4, but the host still has 203.0.113.11, 172.17.0.1 configured"]
    assert plan(ips=ips, connection="local", reached=True, info={"addresses": []})["action"] == "none"


def test_plan_uses_the_server_name_from_the_inventory():
    assert plan("docker1.example.test", server_name="prod-docker-1")["action"] == "migrate"


def test_kept_from_label_is_a_valid_label_value():
    long_name = "a" * 70
    servers = [server(9, long_name)]
    ips = [primary_ip(19, "203.0.113.19", assignee=9)]
    result = plan(long_name, servers=servers, ips=ips)
    assert result["switch"]["labels"]["ipv6ready_kept_from"] == "a" * 63


# ---------------------------------------------------------------------------
# host_plan: the reverse
# ---------------------------------------------------------------------------

KEPT = primary_ip(
    11,
    "203.0.113.11",
    labels={
        "team": "web",
        "ipv6ready_fleet": FLEET,
        "ipv6ready_kept_from": "prod-docker-1",
        "ipv6ready_kept_server_id": "1",
        "ipv6ready_kept_on": TODAY,
        "ipv6ready_kept_auto_delete": "true",
    },
    auto_delete=False,
)


def test_restore_reuses_the_kept_address_as_it_was():
    ips = [KEPT] + IPS[1:]
    result = plan(mode="restore", ips=ips)
    assert (result["action"], result["problems"]) == ("restore", [])
    assert result["line"] == "gets its kept primary IPv4 203.0.113.11 (primary_ip-11) back"
    assert {key: result["switch"][key] for key in ("op", "ip_id", "server", "labels", "auto_delete", "create_name")} == {
        "op": "assign",
        "ip_id": 11,
        "server": "prod-docker-1",
        "labels": {"team": "web", "ipv6ready_fleet": FLEET},
        "auto_delete": True,
        "create_name": None,
    }
    assert result["rollback"] is None


def test_restore_takes_the_newest_kept_address_of_that_server():
    older = dict(copy.deepcopy(KEPT), id=5, ip="203.0.113.5", name="older")
    other = dict(copy.deepcopy(KEPT), id=30, ip="203.0.113.30", name="other")
    other["labels"]["ipv6ready_kept_server_id"] = "2"
    result = plan(mode="restore", ips=[older, KEPT, other])
    assert result["switch"]["ip_id"] == 11


def test_restore_creates_a_new_address_when_none_is_kept():
    result = plan(mode="restore", ips=IPS[1:])
    assert result["action"] == "restore"
    assert result["line"] == "gets a new primary IPv4 (prod-docker-1-ipv4; no kept address of it is left)"
    assert {key: result["switch"][key] for key in ("op", "ip_id", "create_name", "server", "labels", "auto_delete")} == {
        "op": "create",
        "ip_id": None,
        "create_name": "prod-docker-1-ipv4",
        "server": "prod-docker-1",
        "labels": {"ipv6ready_fleet": FLEET},
        "auto_delete": True,
    }


def test_restore_refuses_a_taken_name():
    taken = primary_ip(50, "203.0.113.50", assignee=2, name="prod-docker-1-ipv4")
    result = plan(mode="restore", ips=IPS[1:] + [taken])
    assert result["action"] == "refuse"
    assert "the name of a new one, prod-docker-1-ipv4, is taken by the primary IP 50" in result["problems"][0]


def test_restore_of_a_host_with_ipv4_is_nothing_to_do():
    result = plan(mode="restore")
    assert (result["action"], result["line"]) == ("none", "has its primary IPv4 203.0.113.11: nothing to give back")


def test_restore_needs_ssh_over_ipv6():
    assert plan(mode="restore", ips=IPS[1:], connection="local")["action"] == "refuse"


def test_refusals_message():
    plans = [plan("prod-web"), plan(), plan("prod-nat64")]
    message = _ipv6only.refusals(plans)
    assert message.startswith("Nothing was changed. These hosts cannot move: prod-web: it is not a server of fleet prod")
    assert " | prod-nat64: it is a NAT64/DNS64 gateway" in message
    assert message.endswith("Fix these, or leave the hosts out with --limit.")
    assert _ipv6only.refusals([plan()]) == ""
    assert _ipv6only.refusals([plan("prod-web")]).startswith("Nothing was changed. This host cannot move: prod-web")


# ---------------------------------------------------------------------------
# After the power cycle
# ---------------------------------------------------------------------------


def after_info(addresses, running=("app",)):
    return {
        "addresses": [{"address": item, "prefixlen": 32, "dev": "eth0"} for item in addresses],
        "containers": [{"name": name, "running": True} for name in running],
    }


@pytest.mark.parametrize(
    "mode, rollback, info, problems",
    [
        pytest.param("migrate", False, after_info(["172.17.0.1"]), [], id="moved"),
        pytest.param(
            "migrate", False, after_info(["203.0.113.11"]), ["the released address 203.0.113.11 is still configured on the host"], id="address-still-there"
        ),
        pytest.param("migrate", False, after_info([], running=()), ["containers that ran before do not run again: app"], id="container-missing"),
        pytest.param("migrate", True, after_info(["203.0.113.11"]), [], id="rolled-back"),
        pytest.param(
            "migrate", True, after_info([]), ["its primary IPv4 203.0.113.11 is not configured on the host (it has: no IPv4)"], id="rollback-without-address"
        ),
        pytest.param("restore", False, after_info(["203.0.113.11"]), [], id="restored"),
    ],
)
def test_after_problems(mode, rollback, info, problems):
    assert _ipv6only.after_problems(plan(), info, mode, rollback=rollback) == problems


def test_after_problems_restore_with_a_new_address():
    created = plan(mode="restore", ips=IPS[1:])
    assert _ipv6only.after_problems(created, after_info(["203.0.113.99"]), "restore") == []
    assert _ipv6only.after_problems(created, after_info([]), "restore") == ["it has no IPv4 address after the reverse"]


# ---------------------------------------------------------------------------
# The report and the deletion
# ---------------------------------------------------------------------------

SETTINGS = _ipv6only.settings(CONFIRMED)["settings"]


def test_wait_seconds():
    first = {"addresses": [{"address": "203.0.113.11"}], "published": [{"port": "80"}]}
    assert _ipv6only.wait_seconds([{"skipped": True}, first], 300) == 300
    assert _ipv6only.wait_seconds([dict(first, published=[])], 300) == 0
    assert _ipv6only.wait_seconds([dict(first, addresses=[])], 300) == 0
    assert _ipv6only.wait_seconds([], 300) == 0


def test_ipv4_count():
    before = _ipv6only.ipv4_count(FLEET, SERVERS, IPS + [KEPT])
    assert before == {"assigned": 3, "kept": 1, "kept_addresses": ["203.0.113.11"]}


def test_report_after_a_move():
    plans = [plan(), plan("prod-docker-2", ips=[item for item in IPS if item["id"] != 11])]
    after_ips = [KEPT] + IPS[1:]
    result = _ipv6only.report(
        SETTINGS, {"servers": SERVERS, "primary_ips": IPS}, {"servers": SERVERS, "primary_ips": after_ips}, plans, [{"status": "migrated", "message": ""}, None]
    )
    assert result["lines"][0] == (
        "prod-docker-1: moved to IPv6-only: its primary IPv4 203.0.113.11 (primary_ip-11) is kept, unassigned, labelled ipv6ready_kept_from=prod-docker-1"
    )
    assert result["lines"][1] == "prod-docker-2: has no primary IPv4: already IPv6-only"
    assert (
        "Primary IPv4 addresses of fleet prod: 3 assigned before, 2 assigned now; 1 kept, unassigned and still "
        "billed until deleted (203.0.113.11)." in result["lines"]
    )
    assert (
        "Monthly cost of these addresses at 0.50 EUR each (Hetzner's list price of a primary IPv4 per month, "
        "excl. VAT, read on 2026-12-06 from https://docs.hetzner.com/cloud/servers/primary-ips/overview/): "
        "1.50 EUR before, 1.50 EUR now, 1.00 EUR once the kept ones are deleted: a saving of 0.50 EUR per month." in result["lines"]
    )
    assert result["lines"][-1] == (
        "Delete the kept addresses once you are satisfied (this cannot be undone): -e hcloud_ipv6only_delete_kept=true -e hcloud_ipv6only_delete_confirm=prod"
    )
    assert (result["before"]["assigned"], result["after"]["assigned"], result["saving"]) == (3, 2, "0.50")


def test_report_where_the_rollout_stopped_and_at_your_price():
    settings = _ipv6only.settings(dict(CONFIRMED, hcloud_ipv6only_ipv4_price="0.6", hcloud_ipv6only_currency="USD"))
    plans = [plan(), plan("prod-docker-2", ips=IPS + [primary_ip(12, "203.0.113.12", assignee=2)])]
    state = {"servers": SERVERS, "primary_ips": IPS}
    result = _ipv6only.report(settings["settings"], state, state, plans, {"prod-docker-1": {"status": "rolled_back", "message": "health check failed"}})
    assert result["lines"][:2] == [
        "prod-docker-1: did not move, put back: health check failed",
        "prod-docker-2: untouched: the rollout stopped before its batch",
    ]
    assert any(
        line.startswith(
            "Monthly cost of these addresses at 0.60 USD each (your price "
            "(hcloud_ipv6only_ipv4_price)): 1.80 USD before, 1.80 USD now, 1.80 USD once the kept "
            "ones are deleted: no saving."
        )
        for line in result["lines"]
    )


def test_report_in_check_mode():
    state = {"servers": SERVERS, "primary_ips": IPS}
    result = _ipv6only.report(SETTINGS, state, state, [plan()], [None], check_mode=True)
    assert result["lines"][:2] == [
        "Check mode: nothing was changed.",
        "prod-docker-1: would be moved: moves to IPv6-only: its primary IPv4 203.0.113.11 (primary_ip-11) is released and kept",
    ]


def test_delete_plan():
    other_fleet = dict(copy.deepcopy(KEPT), id=40, ip="203.0.113.40")
    other_fleet["labels"]["ipv6ready_fleet"] = "staging"
    result = _ipv6only.delete_plan(FLEET, [KEPT, other_fleet] + IPS[1:], confirm=FLEET)
    assert result == {
        "problems": [],
        "confirmed": True,
        "delete": [{"id": 11, "name": "primary_ip-11", "ip": "203.0.113.11", "from": "prod-docker-1", "on": TODAY}],
        "lines": ["Kept IPv4 addresses of fleet prod: 203.0.113.11 (primary_ip-11, released from prod-docker-1 on 2026-12-06)"],
    }
    assert _ipv6only.delete_plan(FLEET, IPS)["lines"] == ["Kept IPv4 addresses of fleet prod: none"]
    assert _ipv6only.delete_plan(FLEET, [KEPT], confirm="staging")["confirmed"] is False


@pytest.mark.parametrize(
    "change, problem",
    [
        pytest.param(
            {"assignee_id": 1, "assignee_type": "server"}, "the kept primary IP primary_ip-11 (203.0.113.11) is assigned to server 1 again", id="assigned"
        ),
        pytest.param({"delete_protection": True}, "the kept primary IP primary_ip-11 (203.0.113.11) is protected", id="protected"),
    ],
)
def test_delete_plan_refuses(change, problem):
    result = _ipv6only.delete_plan(FLEET, [dict(copy.deepcopy(KEPT), **change)], confirm=FLEET)
    assert result["delete"] == []
    assert result["problems"][0].startswith(problem)
