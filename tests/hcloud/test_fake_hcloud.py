# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fake Hetzner Cloud API answers misuse the way the API does, so that misuse fails the tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from api_schema import answer_problems, recorded_problems
from fake_hcloud import FakeHcloud, label_selector_matches
from test_provision import Ansible, assert_ok, collections_dir  # noqa: F401 pylint: disable=unused-import # a fixture

TOKEN = "fake-self-test-token"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMf0ylJ1CrfH0xXbc0bLJzyvSMjNyrp9wKNdYW/yJhBN test"


@pytest.fixture(name="fake")
def fake_api():
    with FakeHcloud(TOKEN) as api:
        yield api


def call(fake, method, path, body=None, token=TOKEN):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(fake.endpoint + path, data=data, method=method)
    if token is not None:
        request.add_header("Authorization", "Bearer %s" % token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_listens_on_loopback_only():
    with pytest.raises(ValueError):
        FakeHcloud(TOKEN, host="0.0.0.0")


@pytest.mark.parametrize("token", [None, "wrong"])
def test_token_is_checked(fake, token):
    status, payload = call(fake, "GET", "/servers", token=token)
    assert status == 401
    assert payload["error"]["code"] == "unauthorized"
    assert fake.requests[-1]["authorized"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "k", "public_key": KEY, "colour": "blue"}, "colour"),
        ({"name": "k"}, "public_key"),
        ({"name": "k", "public_key": KEY, "labels": {"bad key!": "x"}}, "labels"),
        ({"name": "k", "public_key": "not a key"}, "public_key"),
    ],
)
def test_ssh_key_shape_is_checked(fake, body, field):
    status, payload = call(fake, "POST", "/ssh_keys", body)
    assert status == 422
    assert payload["error"]["code"] == "invalid_input"
    assert payload["error"]["details"]["fields"][0]["name"] == field


@pytest.mark.parametrize(
    "rule, field",
    [
        ({"direction": "in", "protocol": "tcp", "source_ips": ["::/0"]}, "rules[0].port"),
        ({"direction": "in", "protocol": "icmp", "port": "22", "source_ips": ["::/0"]}, "rules[0].port"),
        ({"direction": "in", "protocol": "tcp", "port": "22"}, "rules[0].source_ips"),
        ({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["2001:db8::1/64"]}, "rules[0].source_ips"),
        ({"direction": "in", "protocol": "tcp", "port": "0-70000", "source_ips": ["::/0"]}, "rules[0].port"),
        ({"direction": "sideways", "protocol": "tcp", "port": "22", "source_ips": ["::/0"]}, "rules[0].direction"),
    ],
)
def test_firewall_rules_are_checked(fake, rule, field):
    status, payload = call(fake, "POST", "/firewalls", {"name": "fw", "rules": [rule]})
    assert status == 422
    assert payload["error"]["details"]["fields"][0]["name"] == field


def poll(fake, action_id):
    status, payload = call(fake, "GET", "/actions/%d" % action_id)
    assert status == 200
    return payload["action"]


def test_server_life_cycle_and_errors(fake):
    status, payload = call(
        fake,
        "POST",
        "/servers",
        {"name": "v6", "server_type": "cx23", "image": "debian-13", "location": "fsn1", "public_net": {"enable_ipv4": False, "enable_ipv6": True}},
    )
    assert status == 201
    server = payload["server"]
    assert server["public_net"]["ipv4"] is None
    assert server["public_net"]["ipv6"]["ip"] == "2001:db8:1::/64"
    assert server["location"]["name"] == "fsn1" and "datacenter" not in server
    assert server["status"] == "initializing"
    # Actions start running; create_server finishes at the second poll, start_server at the first.
    action = payload["action"]
    assert (action["command"], action["status"], action["finished"]) == ("create_server", "running", None)
    assert poll(fake, action["id"])["status"] == "running"
    finished = poll(fake, action["id"])
    assert (finished["status"], finished["progress"], finished["error"]) == ("success", 100, None)
    assert finished["finished"] is not None
    assert call(fake, "GET", "/servers/%d" % server["id"])[1]["server"]["status"] == "starting"
    assert poll(fake, payload["next_actions"][0]["id"])["status"] == "success"
    assert call(fake, "GET", "/servers/%d" % server["id"])[1]["server"]["status"] == "running"
    # Names are unique; an Arm image does not fit an x86 type; unknown fields are refused.
    assert call(fake, "POST", "/servers", {"name": "v6", "server_type": "cx23", "image": "debian-13"})[0] == 409
    status, payload = call(fake, "POST", "/servers", {"name": "x", "server_type": "cx23", "image": 310557661})
    assert (status, payload["error"]["code"]) == (422, "invalid_input")
    status, payload = call(
        fake, "POST", "/servers", {"name": "x", "server_type": "cx23", "image": "debian-13", "public_net": {"enable_ipv4": False, "ipv6_only": True}}
    )
    assert payload["error"]["details"]["fields"][0]["name"] == "public_net.ipv6_only"
    # The API removed datacenter from the request on 2026-07-01.
    status, payload = call(fake, "POST", "/servers", {"name": "dc", "server_type": "cx23", "image": "debian-13", "datacenter": "nbg1-dc3"})
    assert (status, payload["error"]["message"]) == (422, "invalid input in field 'datacenter'")
    assert "location" in payload["error"]["details"]["fields"][0]["messages"][0]
    status, payload = call(fake, "DELETE", "/servers/%d" % server["id"])
    assert status == 200 and payload["action"]["command"] == "delete_server"
    assert call(fake, "GET", "/servers/%d" % server["id"])[0] == 404


@pytest.mark.parametrize(
    "server_type, location, why",
    [
        ("cx22", "nbg1", "not available"),  # deprecated, no longer orderable anywhere
        ("cax11", "nbg1", "not available"),  # offered in nbg1, sold out there
        ("cx23", "ash", "not offered"),  # the cx types are EU-only
    ],
)
def test_server_type_must_be_available_in_the_location(fake, server_type, location, why):
    status, payload = call(fake, "GET", "/server_types?name=%s" % server_type)
    offers = {item["name"]: item for item in payload["server_types"][0]["locations"]}
    assert all(set(item) == {"id", "name", "deprecation", "available", "recommended"} for item in offers.values())
    assert location not in offers or offers[location]["available"] is False
    status, payload = call(fake, "POST", "/servers", {"name": "x", "server_type": server_type, "image": "debian-13", "location": location})
    assert (status, payload["error"]["code"]) == (412, "resource_unavailable")
    assert why in payload["error"]["message"]


@pytest.mark.parametrize("path", ["/datacenters", "/datacenters/2"])
def test_datacenters_are_gone(fake, path):
    status, payload = call(fake, "GET", path)
    assert (status, payload["error"]["code"]) == (410, "deprecated_api_endpoint")
    assert fake.gone == [{"method": "GET", "path": path}]


def test_failed_action_carries_the_api_error(fake):
    fake.fail_action("create_server", code="server_create_failed", message="the host ran out of disks", server_name="doomed")
    status, payload = call(fake, "POST", "/servers", {"name": "doomed", "server_type": "cx23", "image": "debian-13"})
    assert status == 201 and payload["action"]["status"] == "running"
    action = poll(fake, payload["action"]["id"])
    assert action["status"] == "running"
    action = poll(fake, payload["action"]["id"])
    assert action["status"] == "error"
    assert action["error"] == {"code": "server_create_failed", "message": "the host ran out of disks"}
    # A failed create leaves nothing behind; the next create of the same name works.
    assert call(fake, "GET", "/servers?name=doomed")[1]["servers"] == []
    assert call(fake, "POST", "/servers", {"name": "doomed", "server_type": "cx23", "image": "debian-13"})[0] == 201


def test_unpolled_actions_finish_on_their_own():
    with FakeHcloud(TOKEN, action_seconds=0) as api:
        status, payload = call(api, "POST", "/servers", {"name": "web", "server_type": "cx23", "image": "debian-13"})
        assert payload["action"]["status"] == "running"
        assert call(api, "GET", "/servers/%d" % payload["server"]["id"])[1]["server"]["status"] == "running"


def test_firewall_addresses_come_back_canonical(fake):
    rules = [{"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["2001:DB8:0:0::/64", "2001:0db8:00ff::/48", "192.0.2.0/24"]}]
    status, payload = call(fake, "POST", "/firewalls", {"name": "fw", "rules": rules})
    assert status == 201
    assert payload["firewall"]["rules"][0]["source_ips"] == ["2001:db8::/64", "2001:db8:ff::/48", "192.0.2.0/24"]


def cidrs(count):
    return ["2001:db8:%x::/48" % index for index in range(count)]


@pytest.mark.parametrize(
    "rules, status, code, message",
    [
        pytest.param(
            [{"direction": "in", "protocol": "tcp", "port": "22", "source_ips": cidrs(101)}],
            422,
            "invalid_input",
            "invalid input in field 'rules[0].source_ips'",
            id="101-cidrs",
        ),
        pytest.param(
            [
                {"direction": "in", "protocol": "tcp", "port": "22", "source_ips": cidrs(101)},
                {"direction": "in", "protocol": "icmp", "source_ips": ["::/0"]},
                {"direction": "out", "protocol": "udp", "port": "53", "destination_ips": cidrs(150)},
            ],
            422,
            "invalid_input",
            "invalid input in fields 'rules[0].source_ips', 'rules[2].destination_ips'",
            id="two-lists-at-once",
        ),
        pytest.param(
            [{"direction": "in", "protocol": "tcp", "port": str(port), "source_ips": ["::/0"]} for port in range(1, 52)],
            422,
            "invalid_input",
            "invalid input in field 'rules'",
            id="51-rules",
        ),
        pytest.param(
            [{"direction": "in", "protocol": "tcp", "port": str(port), "source_ips": cidrs(100)} for port in range(1, 7)],
            403,
            "resource_limit_exceeded",
            "firewall limit exceeded",
            id="600-effective-rules",
        ),
    ],
)
def test_firewall_limits(fake, rules, status, code, message):
    answer = call(fake, "POST", "/firewalls", {"name": "fw", "rules": rules})
    assert (answer[0], answer[1]["error"]["code"], answer[1]["error"]["message"]) == (status, code, message)
    assert fake.firewall_list() == []
    # At the limits exactly, the API accepts the rules.
    limit = [{"direction": "in", "protocol": "tcp", "port": str(port), "source_ips": cidrs(100)} for port in range(1, 6)]
    assert call(fake, "POST", "/firewalls", {"name": "fw", "rules": limit})[0] == 201


def test_every_answer_has_the_current_shape(fake):
    """Everything the fake serves, checked against api_schema (the test the playbooks' run also does)."""
    server = fake.seed_server("web", labels={"team": "web"}, location="hel1")
    fake.seed_firewall("fw", [{"direction": "in", "protocol": "icmp", "source_ips": ["::/0"]}], servers=[server["id"]])
    key = fake.seed_ssh_key("k", KEY)
    status, created = call(
        fake,
        "POST",
        "/servers",
        {"name": "v6", "server_type": "cpx22", "image": "debian-13", "location": "sin", "public_net": {"enable_ipv4": False, "enable_ipv6": True}},
    )
    for path in [
        "/locations",
        "/locations/1",
        "/server_types",
        "/server_types/104",
        "/images?architecture=arm",
        "/images/310557660",
        "/ssh_keys",
        "/ssh_keys/%d" % key["id"],
        "/firewalls",
        "/servers",
        "/servers/%d" % server["id"],
        "/primary_ips",
        "/actions/%d" % created["action"]["id"],
        "/actions?id=%d" % created["action"]["id"],
        "/servers/999",
    ]:
        call(fake, "GET", path)
    call(fake, "POST", "/servers/%d/actions/poweroff" % server["id"])
    assert len(fake.responses()) == 17
    assert recorded_problems(fake.responses()) == []


@pytest.mark.parametrize(
    "answer, fragment",
    [
        pytest.param({"server": {"datacenter": {"id": 2, "name": "nbg1-dc3"}}}, "server.datacenter: removed from the API", id="server-datacenter"),
        pytest.param({"primary_ips": [{"datacenter": None}]}, "primary_ips[0].datacenter: removed", id="primary-ip-datacenter"),
        pytest.param({"server": {}}, "server.location: missing", id="server-without-location"),
        pytest.param(
            {"server_types": [{"locations": [{"id": 1, "name": "fsn1", "deprecation": None}]}]},
            "server_types[0].locations[0].available: missing",
            id="server-type-location-without-available",
        ),
        pytest.param({"datacenters": []}, "answer.datacenters: the datacenters endpoints answer 410", id="datacenters"),
        pytest.param({"action": {"error": {"code": "x"}}}, "action.error.message: missing", id="action-error"),
        pytest.param({"ssh_key": {"colour": "blue"}}, "ssh_key.colour: not a field", id="unknown-field"),
    ],
)
def test_schema_catches_the_old_shape(answer, fragment):
    """The schema check fails on the shape the API had before 2026-07-01 (and on other drift)."""
    problems = answer_problems(answer)
    assert any(fragment in problem for problem in problems), problems


def test_firewall_in_use_is_not_deleted(fake):
    server = fake.seed_server("web")
    firewall = fake.seed_firewall("fw", [{"direction": "in", "protocol": "icmp", "source_ips": ["::/0"]}], servers=[server["id"]])
    status, payload = call(fake, "DELETE", "/firewalls/%d" % firewall["id"])
    assert (status, payload["error"]["code"]) == (422, "resource_in_use")
    call(fake, "DELETE", "/servers/%d" % server["id"])
    assert call(fake, "DELETE", "/firewalls/%d" % firewall["id"])[0] == 204


def test_unknown_requests_are_recorded(fake):
    status, payload = call(fake, "GET", "/volumes")
    assert (status, payload["error"]["code"]) == (404, "not_found")
    assert [(item["method"], item["path"]) for item in fake.unhandled] == [("GET", "/volumes")]


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("ipv6ready_fleet=a", True),
        ("ipv6ready_fleet==a", True),
        ("ipv6ready_fleet!=a", False),
        ("ipv6ready_fleet=a,ipv6ready_role=docker_host", True),
        ("ipv6ready_fleet=a,ipv6ready_role=nat64_gateway", False),
        ("ipv6ready_role in (docker_host,nat64_gateway)", True),
        ("ipv6ready_role notin (docker_host)", False),
        ("team", False),
        ("!team", True),
    ],
)
def test_label_selector(selector, expected):
    assert label_selector_matches({"ipv6ready_fleet": "a", "ipv6ready_role": "docker_host"}, selector) is expected


def server_status(fake, server_id):
    return call(fake, "GET", "/servers/%d" % server_id)[1]["server"]["status"]


@pytest.mark.parametrize(
    "command, api_command, during, after",
    [
        ("poweroff", "stop_server", "stopping", "off"),
        ("shutdown", "shutdown_server", "stopping", "off"),
        ("reboot", "reboot_server", "running", "running"),
        ("reset", "reset_server", "running", "running"),
    ],
)
def test_power_actions_move_the_status(fake, command, api_command, during, after):
    """Each power action shows its transient status while it runs and rests in its final one."""
    server = fake.seed_server("web")
    status, payload = call(fake, "POST", "/servers/%d/actions/%s" % (server["id"], command))
    assert (status, payload["action"]["command"], payload["action"]["status"]) == (201, api_command, "running")
    assert payload["action"]["resources"] == [{"id": server["id"], "type": "server"}]
    assert server_status(fake, server["id"]) == during
    assert poll(fake, payload["action"]["id"])["status"] == "success"
    assert server_status(fake, server["id"]) == after
    # A body is not part of a power action.
    status, payload = call(fake, "POST", "/servers/%d/actions/%s" % (server["id"], command), {"force": True})
    assert (status, payload["error"]["code"]) == (422, "invalid_input")


def test_poweron_starts_an_off_server(fake):
    server = fake.seed_server("web")
    poll(fake, call(fake, "POST", "/servers/%d/actions/poweroff" % server["id"])[1]["action"]["id"])
    assert server_status(fake, server["id"]) == "off"
    action = call(fake, "POST", "/servers/%d/actions/poweron" % server["id"])[1]["action"]
    assert action["command"] == "start_server"
    assert server_status(fake, server["id"]) == "starting"
    assert poll(fake, action["id"])["status"] == "success"
    assert server_status(fake, server["id"]) == "running"
    assert call(fake, "POST", "/servers/999/actions/poweron")[0] == 404


def power_off(fake, server_id):
    poll(fake, call(fake, "POST", "/servers/%d/actions/poweroff" % server_id)[1]["action"]["id"])


def test_a_server_with_ipv4_owns_a_primary_ipv4(fake):
    """As the API models it: each address of a new server is a primary IP, assigned, deleted with the server."""
    server = fake.seed_server("web")
    ips = {item["type"]: item for item in call(fake, "GET", "/primary_ips")[1]["primary_ips"]}
    assert set(ips) == {"ipv4", "ipv6"}
    for family, item in ips.items():
        assert (item["assignee_id"], item["assignee_type"], item["auto_delete"]) == (server["id"], "server", True)
        assert item["name"] == "primary_ip-%d" % item["id"]
        assert server["public_net"][family]["id"] == item["id"]
        assert server["public_net"][family]["ip"] == item["ip"]
    assert ips["ipv6"]["ip"].endswith("::/64") and "/" not in ips["ipv4"]["ip"]
    call(fake, "DELETE", "/servers/%d" % server["id"])
    assert call(fake, "GET", "/primary_ips")[1]["primary_ips"] == []


def test_primary_ip_life_cycle(fake):
    """Create free, assign and unassign only while the server is off, delete only when unassigned."""
    server = fake.seed_server("gw")
    status, payload = call(
        fake, "POST", "/primary_ips", {"name": "spare", "type": "ipv4", "location": "nbg1", "auto_delete": False, "labels": {"role": "spare"}}
    )
    assert status == 201 and payload["action"] is None
    spare = payload["primary_ip"]
    # Since 2026-08-01 a free primary IP has assignee_type "unassigned".
    assert (spare["assignee_id"], spare["assignee_type"], spare["location"]["name"]) == (None, "unassigned", "nbg1")
    assert call(fake, "GET", "/primary_ips?name=spare")[1]["primary_ips"][0]["id"] == spare["id"]
    assert call(fake, "GET", "/primary_ips?label_selector=role=spare")[1]["primary_ips"][0]["id"] == spare["id"]
    v4 = server["public_net"]["ipv4"]["id"]
    path = "/primary_ips/%d/actions/%s"
    # The server runs: no assign, no unassign (422 server_not_stopped).
    assign = {"assignee_id": server["id"], "assignee_type": "server"}
    for ip_id, action, body in ((v4, "unassign", None), (spare["id"], "assign", assign)):
        status, payload = call(fake, "POST", path % (ip_id, action), body)
        assert (status, payload["error"]["code"]) == (422, "server_not_stopped")
    power_off(fake, server["id"])
    # The server already has an IPv4 address.
    status, payload = call(fake, "POST", path % (spare["id"], "assign"), assign)
    assert (status, payload["error"]["code"]) == (422, "server_has_ipv4")
    # Deleting an assigned IP fails since 2026-05-01 (must_be_unassigned), and a protected one anyway.
    status, payload = call(fake, "DELETE", "/primary_ips/%d" % v4)
    assert (status, payload["error"]["code"]) == (422, "must_be_unassigned")
    status, payload = call(fake, "POST", path % (v4, "unassign"))
    assert (status, payload["action"]["command"]) == (201, "unassign_primary_ip")
    freed = call(fake, "GET", "/primary_ips/%d" % v4)[1]["primary_ip"]
    assert (freed["assignee_id"], freed["assignee_type"]) == (None, "unassigned")
    assert call(fake, "GET", "/servers/%d" % server["id"])[1]["server"]["public_net"]["ipv4"] is None
    status, payload = call(fake, "POST", path % (spare["id"], "assign"), assign)
    assert (status, payload["action"]["command"]) == (201, "assign_primary_ip")
    shown = call(fake, "GET", "/servers/%d" % server["id"])[1]["server"]["public_net"]["ipv4"]
    assert (shown["id"], shown["ip"]) == (spare["id"], spare["ip"])
    status, payload = call(fake, "POST", path % (v4, "assign"), assign)
    assert (status, payload["error"]["code"]) == (422, "server_has_ipv4")
    status, payload = call(fake, "POST", path % (spare["id"], "assign"), assign)
    assert (status, payload["error"]["code"]) == (422, "primary_ip_already_assigned")
    # Protection, then delete the free one.
    assert call(fake, "POST", path % (v4, "change_protection"), {"delete": True})[0] == 201
    status, payload = call(fake, "DELETE", "/primary_ips/%d" % v4)
    assert (status, payload["error"]["code"]) == (423, "protected")
    call(fake, "POST", path % (v4, "change_protection"), {"delete": False})
    assert call(fake, "DELETE", "/primary_ips/%d" % v4) == (204, None)
    # Labels, name and auto_delete change with PUT.
    update = {"labels": {"role": "gw"}, "auto_delete": True, "name": "gw-v4"}
    status, payload = call(fake, "PUT", "/primary_ips/%d" % spare["id"], update)
    assert (payload["primary_ip"]["labels"], payload["primary_ip"]["auto_delete"]) == ({"role": "gw"}, True)
    assert fake.primary_ip_list()[-1]["name"] == "gw-v4"


def test_primary_ip_without_auto_delete_outlives_its_server(fake):
    server = fake.seed_server("old", enable_ipv4=False)
    power_off(fake, server["id"])
    status, payload = call(
        fake, "POST", "/primary_ips", {"name": "keep", "type": "ipv4", "assignee_id": server["id"], "assignee_type": "server", "auto_delete": False}
    )
    assert status == 201 and payload["action"]["command"] == "create_primary_ip"
    assert payload["primary_ip"]["assignee_id"] == server["id"]
    call(fake, "DELETE", "/servers/%d" % server["id"])
    kept = call(fake, "GET", "/primary_ips?name=keep")[1]["primary_ips"][0]
    assert (kept["assignee_id"], kept["assignee_type"]) == (None, "unassigned")
    # A new server can take it at creation; it cannot be taken twice.
    status, payload = call(fake, "POST", "/servers", {"name": "new", "server_type": "cx23", "image": "debian-13", "public_net": {"ipv4": kept["id"]}})
    assert status == 201 and payload["server"]["public_net"]["ipv4"]["ip"] == kept["ip"]
    status, payload = call(fake, "POST", "/servers", {"name": "other", "server_type": "cx23", "image": "debian-13", "public_net": {"ipv4": kept["id"]}})
    assert (status, payload["error"]["code"]) == (422, "primary_ip_already_assigned")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "type": "ipv5", "location": "nbg1"}, "type"),
        ({"name": "x", "type": "ipv4"}, "location"),
        ({"name": "x", "type": "ipv4", "location": "nbg1", "assignee_id": 1, "assignee_type": "server"}, "location"),
        ({"name": "x", "type": "ipv4", "datacenter": "nbg1-dc3"}, "datacenter"),
        ({"type": "ipv4", "location": "nbg1"}, "name"),
    ],
)
def test_primary_ip_shape_is_checked(fake, body, field):
    status, payload = call(fake, "POST", "/primary_ips", body)
    assert (status, payload["error"]["code"]) == (422, "invalid_input")
    assert payload["error"]["details"]["fields"][0]["name"] == field


def test_floating_ips_move_between_running_servers(fake):
    """IPv4 /32 and IPv6 /64, assigned to a running server and moved to another at once."""
    one, two = fake.seed_server("gw-1"), fake.seed_server("gw-2")
    status, payload = call(
        fake, "POST", "/floating_ips", {"type": "ipv4", "home_location": "nbg1", "name": "vip4", "description": "the gateway", "labels": {"ha": "gw"}}
    )
    assert status == 201 and payload["action"] is None
    vip4 = payload["floating_ip"]
    assert (vip4["server"], vip4["home_location"]["name"], vip4["description"]) == (None, "nbg1", "the gateway")
    assert "/" not in vip4["ip"] and vip4["dns_ptr"][0]["ip"] == vip4["ip"]
    status, payload = call(fake, "POST", "/floating_ips", {"type": "ipv6", "server": one["id"], "name": "vip6"})
    assert status == 201 and payload["action"]["command"] == "assign_floating_ip"
    vip6 = payload["floating_ip"]
    assert vip6["ip"].endswith("::/64") and vip6["server"] == one["id"] and vip6["home_location"]["name"] == "nbg1"
    path = "/floating_ips/%d/actions/%s"
    for server in (one, two, one):
        status, payload = call(fake, "POST", path % (vip4["id"], "assign"), {"server": server["id"]})
        assert (status, payload["action"]["command"]) == (201, "assign_floating_ip")
        assert poll(fake, payload["action"]["id"])["status"] == "success"
        assert call(fake, "GET", "/floating_ips/%d" % vip4["id"])[1]["floating_ip"]["server"] == server["id"]
    assert server_status(fake, one["id"]) == server_status(fake, two["id"]) == "running"
    shown = call(fake, "GET", "/servers/%d" % one["id"])[1]["server"]["public_net"]["floating_ips"]
    assert shown == sorted([vip4["id"], vip6["id"]])
    status, payload = call(fake, "POST", path % (vip4["id"], "assign"), {"server": one["id"]})
    assert (status, payload["error"]["code"]) == (422, "floating_ip_assigned")
    # Deleting an assigned floating IP fails since 2026-05-01.
    status, payload = call(fake, "DELETE", "/floating_ips/%d" % vip4["id"])
    assert (status, payload["error"]["code"]) == (422, "must_be_unassigned")
    assert call(fake, "POST", path % (vip4["id"], "unassign"))[1]["action"]["command"] == "unassign_floating_ip"
    assert call(fake, "DELETE", "/floating_ips/%d" % vip4["id"]) == (204, None)
    # Deleting the server leaves its floating IP, unassigned; labels change with PUT.
    call(fake, "DELETE", "/servers/%d" % one["id"])
    assert call(fake, "GET", "/floating_ips/%d" % vip6["id"])[1]["floating_ip"]["server"] is None
    status, payload = call(fake, "PUT", "/floating_ips/%d" % vip6["id"], {"labels": {"ha": "v6"}, "description": "d"})
    assert (payload["floating_ip"]["labels"], payload["floating_ip"]["description"]) == ({"ha": "v6"}, "d")
    assert call(fake, "GET", "/floating_ips?label_selector=ha=v6")[1]["floating_ips"][0]["id"] == vip6["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "ipv4"}, "home_location"),
        ({"type": "ipv4", "home_location": "nbg1", "server": 1}, "home_location"),
        ({"type": "ipv7", "home_location": "nbg1"}, "type"),
        ({"type": "ipv4", "home_location": "mars"}, "home_location"),
    ],
)
def test_floating_ip_shape_is_checked(fake, body, field):
    status, payload = call(fake, "POST", "/floating_ips", body)
    assert (status, payload["error"]["code"]) == (422, "invalid_input")
    assert payload["error"]["details"]["fields"][0]["name"] == field


def test_ip_answers_have_the_current_shape(fake):
    server = fake.seed_server("web")
    fake.seed_primary_ip("spare", "ipv6")
    fake.seed_floating_ip("vip", "ipv4", server=server["id"])
    for path in ["/primary_ips", "/primary_ips?name=spare", "/floating_ips", "/servers"]:
        call(fake, "GET", path)
    assert recorded_problems(fake.responses()) == []
    # The shape before 2026-08-01 (a free primary IP with assignee_type "server") is caught.
    old = {"primary_ip": dict(fake.primary_ip_list()[-1], assignee_type="server")}
    assert any("unassigned" in problem for problem in answer_problems(old))


# The hetzner.hcloud modules themselves (server state changes, primary_ip, floating_ip, their _info modules)
# against the fake: what they send is what the fake must serve.
MODULES_PLAYBOOK = """
- name: Drive power, primary IPs and floating IPs with hetzner.hcloud
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Stop the server
      hetzner.hcloud.server: {name: web, state: stopped}
    - name: Create a free primary IPv4
      hetzner.hcloud.primary_ip: {name: spare, type: ipv4, location: nbg1, labels: {role: spare}}
    - name: Unassign the server's own IPv4
      hetzner.hcloud.primary_ip: {name: "{{ own_v4 }}", server: null}
    - name: Delete it
      hetzner.hcloud.primary_ip: {name: "{{ own_v4 }}", state: absent}
    - name: Assign the free one to the stopped server
      hetzner.hcloud.primary_ip: {name: spare, server: web}
    - name: Start the server
      hetzner.hcloud.server: {name: web, state: started}
    - name: Restart the server
      hetzner.hcloud.server: {name: web, state: restarted}
    - name: Create a floating IPv6 on gw-1
      hetzner.hcloud.floating_ip: {name: vip, type: ipv6, server: gw-1, labels: {ha: gw}}
    - name: Move it to gw-2
      hetzner.hcloud.floating_ip: {name: vip, server: gw-2, force: true}
    - name: Read the floating IPs
      hetzner.hcloud.floating_ip_info: {label_selector: ha=gw}
      register: floating
    - name: Read the primary IPs
      hetzner.hcloud.primary_ip_info: {label_selector: role=spare}
      register: primary
    - name: Check what the info modules read
      ansible.builtin.assert:
        that:
          - floating.hcloud_floating_ip_info[0].server == 'gw-2'
          - primary.hcloud_primary_ip_info[0].assignee_type == 'server'
    - name: Delete the floating IP (unassigned first)
      hetzner.hcloud.floating_ip: {name: vip, state: absent, force: true}
"""


def test_hcloud_modules_drive_power_and_ips(fake, tmp_path, collections_dir):  # noqa: F811 (the fixture imported above)
    """The modules' own requests for state changes and IPs are served, in the API's current shape."""
    web = fake.seed_server("web")
    fake.seed_server("gw-1")
    fake.seed_server("gw-2")
    own_v4 = next(item["name"] for item in fake.primary_ip_list() if item["id"] == web["public_net"]["ipv4"]["id"])
    playbook = tmp_path / "modules.yml"
    playbook.write_text(MODULES_PLAYBOOK, encoding="utf-8")
    result = Ansible(fake, tmp_path, collections_dir, token=TOKEN).playbook(playbook, "-e", "own_v4=%s" % own_v4)
    assert_ok(result)
    assert fake.unhandled == [] and recorded_problems(fake.responses()) == []
    commands = [action["command"] for action in sorted(fake.actions.values(), key=lambda a: a["id"])]
    assert commands[-9:] == [
        "stop_server",
        "unassign_primary_ip",
        "assign_primary_ip",
        "start_server",
        "stop_server",
        "start_server",
        "assign_floating_ip",
        "assign_floating_ip",
        "unassign_floating_ip",
    ]
    server = next(item for item in fake.server_list() if item["name"] == "web")
    spare = next(item for item in fake.primary_ip_list() if item["name"] == "spare")
    assert (server["status"], server["public_net"]["ipv4"]["id"]) == ("running", spare["id"])
    assert own_v4 not in [item["name"] for item in fake.primary_ip_list()]
    assert fake.floating_ip_list() == []


# -- the twin's pure parts (no containers): its Cloud Firewalls and its routes --------------------

RULES = [
    {"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["2001:db8:ad::/48"], "destination_ips": []},
    {"direction": "in", "protocol": "icmp", "port": None, "source_ips": ["0.0.0.0/0", "::/0"], "destination_ips": []},
    {"direction": "in", "protocol": "udp", "port": "1000-2000", "source_ips": ["203.0.113.0/24"], "destination_ips": []},
]


@pytest.mark.parametrize(
    "server, family, expected, absent",
    [
        pytest.param({"id": 7, "firewall_applied": False, "firewall_rules": []}, 6, [], ["s7"], id="no-firewall-passes"),
        pytest.param(
            {"id": 7, "firewall_applied": True, "firewall_rules": []},
            6,
            ["-A FORWARD -o s7 -j in-7", "-A in-7 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN", "-A in-7 -j DROP"],
            ["out-7"],
            id="applied-without-rules-denies-inbound",
        ),
        pytest.param(
            {"id": 7, "firewall_applied": True, "firewall_rules": RULES},
            6,
            ["-A in-7 -s 2001:db8:ad::/48 -p tcp --dport 22 -j RETURN", "-A in-7 -p ipv6-icmp -j RETURN"],
            ["203.0.113", "out-7", "-s ::/0"],
            id="ipv6-rules",
        ),
        pytest.param(
            {"id": 7, "firewall_applied": True, "firewall_rules": RULES},
            4,
            ["-A in-7 -p icmp -j RETURN", "-A in-7 -s 203.0.113.0/24 -p udp --dport 1000:2000 -j RETURN"],
            ["2001:db8", "tcp"],
            id="ipv4-rules",
        ),
        pytest.param(
            {
                "id": 7,
                "firewall_applied": True,
                "firewall_rules": [{"direction": "out", "protocol": "tcp", "port": "587", "source_ips": [], "destination_ips": ["::/0"]}],
            },
            6,
            ["-A FORWARD -i s7 -j out-7", "-A out-7 -p tcp --dport 587 -j RETURN", "-A out-7 -j DROP"],
            [],
            id="outbound-rules-deny-the-rest",
        ),
    ],
)
def test_twin_firewall_tables(server, family, expected, absent):
    """Hetzner's semantics: inbound denied once a firewall applies, outbound only when out rules exist."""
    from twin import firewall_tables  # pylint: disable=import-outside-toplevel

    table = firewall_tables([server])[family]
    lines = table.splitlines()
    assert lines[0] == "*filter" and lines[-1] == "COMMIT"
    for line in expected:
        assert line in lines, table
    for fragment in absent:
        assert fragment not in table, table
    if expected:
        assert lines.index(expected[-1]) > lines.index(expected[0])


def test_twin_routes_and_link_local():
    """The router routes a server's /64 and floating /64s via its link-local address, IPv4 /32s on-link."""
    from twin import link_local, server_mac, server_routes  # pylint: disable=import-outside-toplevel

    mac = server_mac(100001)
    assert mac == "96:00:00:01:86:a1"
    assert link_local(mac) == "fe80::9400:ff:fe01:86a1"
    server = {"ipv6": "2001:db8:7e00:1::/64", "ipv4": "203.0.113.1", "floating_ips": ["203.0.113.9", "2001:db8:7e00:5::/64"]}
    assert server_routes(server, "fe80::1:2") == [
        ("2001:db8:7e00:1::/64", "fe80::1:2"),
        ("2001:db8:7e00:5::/64", "fe80::1:2"),
        ("203.0.113.1/32", None),
        ("203.0.113.9/32", None),
    ]
    assert server_routes({"ipv6": None, "ipv4": None, "floating_ips": []}, "fe80::1") == []
