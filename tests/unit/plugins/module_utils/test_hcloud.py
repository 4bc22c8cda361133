# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Table tests for the Hetzner Cloud playbooks' decisions (plugins/module_utils/_hcloud.py)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _hcloud

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMf0ylJ1CrfH0xXbc0bLJzyvSMjNyrp9wKNdYW/yJhBN admin@example.test"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBtn8ZCFpMEHWQhIIlDtqqfDGdvJCqcsHaDdMhhvKrBs other@example.test"
NOW = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)


def settings(**overrides):
    """Valid provisioning settings, as the playbook passes them."""
    base = {
        "hcloud_fleet_name": "prod",
        "hcloud_fleet_location": "nbg1",
        "hcloud_fleet_image": "debian-13",
        "hcloud_fleet_gateway_server_type": "cx23",
        "hcloud_fleet_docker_host_server_type": "cx23",
        "hcloud_fleet_docker_host_count": 2,
        "hcloud_fleet_ssh_public_key_path": "~/.ssh/id_ed25519.pub",
        "hcloud_fleet_ssh_key_name": "prod-admin",
        "hcloud_fleet_ssh_source_ips": ["2001:db8:ad::/48"],
        "hcloud_fleet_ssh_allow_any": False,
        "hcloud_fleet_app_ports": ["80", "443"],
        "hcloud_fleet_app_source_ips": ["::/0"],
        "hcloud_fleet_extra_client_prefixes": [],
        "hcloud_fleet_group_vars_file": "",
    }
    base.update(overrides)
    return base


FACTS = {"ssh_public_key_path_is_file": True, "ssh_public_key": KEY + "\n", "group_vars_file_is_dir": False}


def plan(**overrides):
    result = _hcloud.fleet_plan(settings(**overrides), FACTS)
    assert result["problems"] == []
    return result


# ---------------------------------------------------------------------------
# Prefixes and ports
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param(["2001:DB8:AD::/48"], ["2001:db8:ad::/48"], id="lowercase"),
        pytest.param(["2001:0db8:00ad:0000::/48"], ["2001:db8:ad::/48"], id="leading-zeros"),
        pytest.param([" 2001:db8::/32 "], ["2001:db8::/32"], id="blanks"),
        pytest.param(["2001:db8::1"], ["2001:db8::1/128"], id="address-is-a-host-prefix"),
        pytest.param(["2001:db8:b::/48", "2001:db8:a::/48", "2001:DB8:A::/48"], ["2001:db8:a::/48", "2001:db8:b::/48"], id="sorted-without-duplicates"),
        pytest.param(["2001:db8::/32", "2001:db8::/48"], ["2001:db8::/32", "2001:db8::/48"], id="same-address-by-length"),
        pytest.param([], [], id="empty"),
    ],
)
def test_canonical_prefixes(values, expected):
    assert _hcloud.canonical_prefixes(values, "v") == (expected, [])


@pytest.mark.parametrize(
    "values, problem",
    [
        pytest.param("2001:db8::/32", 'v: "2001:db8::/32" is not a list', id="string"),
        pytest.param({"a": 1}, "is not a list", id="mapping"),
        pytest.param(["192.0.2.0/24"], 'v: "192.0.2.0/24" is IPv4; these rules are IPv6 only', id="ipv4"),
        pytest.param(["2001:db8::1/64"], 'v: "2001:db8::1/64" has host bits set; the network is 2001:db8::/64', id="host-bits"),
        pytest.param(["nonsense"], 'v: "nonsense" is not an IP prefix', id="garbage"),
        pytest.param([64], "v: 64 is not an IP prefix", id="number"),
        pytest.param([""], 'v: "" is not an IP prefix', id="empty-string"),
    ],
)
def test_canonical_prefix_problems(values, problem):
    prefixes, problems = _hcloud.canonical_prefixes(values, "v")
    assert prefixes == []
    assert len(problems) == 1 and problem in problems[0], problems


@pytest.mark.parametrize(
    "values, expected, problems",
    [
        pytest.param(["80", 443, "8000-8100", "80"], ["80", "443", "8000-8100"], 0, id="valid"),
        pytest.param(["0", "65536", "http", "90-80", True], [], 5, id="invalid"),
        pytest.param("80", [], 1, id="not-a-list"),
    ],
)
def test_port_list(values, expected, problems):
    ports, found = _hcloud.port_list(values, "p")
    assert ports == expected
    assert len(found) == problems, found
    assert all(item.startswith("p: ") for item in found)


# ---------------------------------------------------------------------------
# SSH sources
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, allow, sources, problem, warns",
    [
        pytest.param(["2001:DB8:AD::/48"], False, ["2001:db8:ad::/48"], None, False, id="admins-prefix"),
        pytest.param([], False, [], "is required and has no default", False, id="required"),
        pytest.param(["::/0"], False, [], '"::/0" opens SSH to (almost) the whole Internet', False, id="any-refused"),
        pytest.param(["2000::/3"], False, [], '"2000::/3" opens SSH', False, id="global-unicast-refused"),
        pytest.param(["2001:db8::/16"], False, ["2001::/16"], "host bits", False, id="host-bits"),
        pytest.param(["2001::/16"], False, ["2001::/16"], None, False, id="a-16-is-allowed"),
        pytest.param([], True, ["::/0"], None, True, id="opt-in"),
        pytest.param(["2001:db8:ad::/48"], "true", ["::/0"], None, True, id="opt-in-as-extra-var-string"),
        pytest.param(
            ["2001:db8:ad::/48"], "maybe", ["2001:db8:ad::/48"], 'hcloud_fleet_ssh_allow_any: "maybe" is not a boolean', False, id="opt-in-not-a-bool"
        ),
    ],
)
def test_ssh_sources(values, allow, sources, problem, warns):
    found_sources, problems, warnings = _hcloud.ssh_sources(values, allow)
    if problem is None:
        assert problems == []
        assert found_sources == sources
    else:
        assert any(problem in item for item in problems), problems
        assert all(item.startswith("hcloud_fleet_ssh_") for item in problems)
    assert bool(warnings) is warns
    if warns:
        assert "open to the whole Internet" in warnings[0]


# ---------------------------------------------------------------------------
# Firewall rules and their limits
# ---------------------------------------------------------------------------


def test_docker_host_rules():
    rules = _hcloud.docker_host_rules(["2001:db8:ad::/48"], ["80", "443"], ["::/0"])
    assert [(rule["protocol"], rule["port"], rule["source_ips"]) for rule in rules] == [
        ("tcp", "22", ["2001:db8:ad::/48"]),
        ("icmp", None, ["::/0"]),
        ("tcp", "80", ["::/0"]),
        ("tcp", "443", ["::/0"]),
    ]
    assert all(rule["direction"] == "in" and rule["destination_ips"] == [] for rule in rules)


@pytest.mark.parametrize(
    "clients, expected",
    [
        pytest.param([], [("tcp", "22"), ("icmp", None), ("icmp", None)], id="no-clients-no-relay"),
        pytest.param(
            ["2001:db8:1::/64"], [("tcp", "22"), ("icmp", None), ("icmp", None), ("udp", "53"), ("tcp", "53"), ("tcp", "any"), ("udp", "any")], id="clients"
        ),
    ],
)
def test_gateway_rules(clients, expected):
    rules = _hcloud.gateway_rules(["2001:db8:ad::/48"], clients)
    assert [(rule["protocol"], rule["port"]) for rule in rules] == expected
    # ICMP over both families from anywhere: path MTU discovery (Packet Too Big) works for the gateway itself.
    assert [rule["source_ips"] for rule in rules if rule["protocol"] == "icmp"] == [["::/0"], ["0.0.0.0/0"]]
    assert all(rule["source_ips"] == clients for rule in rules[3:])


def addresses(count):
    return ["2001:db8:%x::/48" % index for index in range(count)]


@pytest.mark.parametrize(
    "rules, fragment",
    [
        pytest.param([_hcloud.rule("SSH", "tcp", "22", addresses(100))], None, id="100-is-fine"),
        pytest.param(
            [_hcloud.rule("SSH", "tcp", "22", addresses(101))],
            'firewall fw: the rule "SSH" would list 101 addresses in source_ips; the API takes at most 100',
            id="101",
        ),
        pytest.param(
            [_hcloud.rule("r%d" % port, "tcp", str(port), ["::/0"]) for port in range(1, 52)], "firewall fw: 51 rules; the API takes at most 50", id="51-rules"
        ),
        pytest.param(
            [_hcloud.rule("r%d" % port, "tcp", str(port), addresses(100)) for port in range(1, 7)], "firewall fw: 600 effective rules", id="600-effective"
        ),
    ],
)
def test_rule_problems(rules, fragment):
    problems = _hcloud.rule_problems(rules, "fw")
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in item for item in problems), problems


# ---------------------------------------------------------------------------
# The settings
# ---------------------------------------------------------------------------


def test_fleet_plan_of_valid_settings():
    result = _hcloud.fleet_plan(settings(hcloud_fleet_ssh_source_ips=["2001:DB8:AD:0::/48", "2001:db8:ad::/48"], hcloud_fleet_docker_host_count="3"), FACTS)
    assert result["problems"] == [] and result["warnings"] == []
    assert result["docker_hosts"] == ["prod-docker-1", "prod-docker-2", "prod-docker-3"]
    assert result["names"] == {
        "gateway": "prod-nat64",
        "docker_firewall": "prod-docker-hosts",
        "gateway_firewall": "prod-nat64-gateway",
        "ssh_key": "prod-admin",
        "label_selector": "ipv6ready_fleet=prod",
    }
    assert result["docker_host_labels"] == {"ipv6ready_fleet": "prod", "ipv6ready_role": "docker_host"}
    assert result["gateway_labels"] == {"ipv6ready_fleet": "prod", "ipv6ready_role": "nat64_gateway"}
    assert result["ssh_source_ips"] == ["2001:db8:ad::/48"]
    assert result["public_key"] == KEY
    assert result["docker_host_rules"][0]["source_ips"] == ["2001:db8:ad::/48"]


@pytest.mark.parametrize(
    "overrides, facts, fragment",
    [
        pytest.param({"hcloud_fleet_name": "Bad_Name"}, {}, 'hcloud_fleet_name: "Bad_Name" is not 2 to 32', id="name"),
        pytest.param({"hcloud_fleet_name": None}, {}, "hcloud_fleet_name: null is not", id="name-null"),
        pytest.param({"hcloud_fleet_docker_host_count": "-1"}, {}, 'hcloud_fleet_docker_host_count: "-1" is not a whole', id="count-negative"),
        pytest.param({"hcloud_fleet_docker_host_count": 101}, {}, "hcloud_fleet_docker_host_count: 101 is not", id="101"),
        pytest.param({"hcloud_fleet_docker_host_count": True}, {}, "hcloud_fleet_docker_host_count: true", id="bool"),
        pytest.param({"hcloud_fleet_location": ""}, {}, 'hcloud_fleet_location: "" is not a Hetzner Cloud name', id="location"),
        pytest.param({"hcloud_fleet_image": ["debian"]}, {}, "hcloud_fleet_image: ['debian'] is not", id="image"),
        pytest.param({"hcloud_fleet_ssh_public_key_path": ""}, {}, "hcloud_fleet_ssh_public_key_path: give the path", id="key-path-empty"),
        pytest.param({}, {"ssh_public_key_path_is_file": False}, "hcloud_fleet_ssh_public_key_path: ~/.ssh/id_ed25519.pub is not a file", id="key-missing"),
        pytest.param({}, {"ssh_public_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"}, "is a PRIVATE key; give the matching .pub file", id="private-key"),
        pytest.param({}, {"ssh_public_key": "hello"}, "does not hold an OpenSSH public key", id="not-a-key"),
        pytest.param(
            {"hcloud_fleet_app_source_ips": []}, {}, "hcloud_fleet_app_source_ips: is empty, but hcloud_fleet_app_ports opens ports", id="app-sources-empty"
        ),
        pytest.param({"hcloud_fleet_app_source_ips": ["10.0.0.0/8"]}, {}, 'hcloud_fleet_app_source_ips: "10.0.0.0/8" is IPv4', id="app-sources-ipv4"),
        pytest.param(
            {"hcloud_fleet_extra_client_prefixes": "2001:db8::/64"},
            {},
            'hcloud_fleet_extra_client_prefixes: "2001:db8::/64" is not a list',
            id="extra-not-a-list",
        ),
        pytest.param(
            {"hcloud_fleet_ssh_source_ips": addresses(101)},
            {},
            "hcloud_fleet_ssh_source_ips: 101 prefixes; a Hetzner firewall rule takes at most 100",
            id="ssh-101",
        ),
        pytest.param({"hcloud_fleet_app_source_ips": addresses(101)}, {}, "hcloud_fleet_app_source_ips: 101 prefixes", id="app-101"),
        pytest.param(
            {"hcloud_fleet_extra_client_prefixes": addresses(99)},
            {},
            "hcloud_fleet_extra_client_prefixes: 99 prefixes plus the /64s of 2 Docker hosts (hcloud_fleet_docker_host_count) make 101",
            id="clients-101",
        ),
        pytest.param(
            {"hcloud_fleet_app_ports": ["80", "443"] + [str(port) for port in range(1000, 1049)]},
            {},
            "firewall prod-docker-hosts: 53 rules; the API takes at most 50",
            id="too-many-rules",
        ),
        pytest.param({"hcloud_fleet_group_vars_file": 5}, {}, "hcloud_fleet_group_vars_file: 5 is not a path", id="group-vars-not-a-path"),
        pytest.param(
            {"hcloud_fleet_group_vars_file": "inventories"},
            {"group_vars_file_is_dir": True},
            "hcloud_fleet_group_vars_file: inventories is a directory",
            id="group-vars-directory",
        ),
        pytest.param(
            {"hcloud_fleet_nat64_carve_offset": "::64:0:0:1"},
            {},
            "hcloud_fleet_nat64_carve_offset: '::64:0:0:1' sets bits in the last 32 bits, which hold the IPv4 address in a /96",
            id="carve-offset-ipv4-bits",
        ),
        pytest.param(
            {"hcloud_fleet_nat64_carve_offset": "1::"},
            {},
            "hcloud_fleet_nat64_carve_offset: '1::' sets bits inside the /64 network part of ::/64",
            id="carve-offset-network-bits",
        ),
        pytest.param(
            {"hcloud_fleet_nat64_carve_offset": "nat64"},
            {},
            "hcloud_fleet_nat64_carve_offset: 'nat64' is not an IPv6 address",
            id="carve-offset-not-an-address",
        ),
        pytest.param({"hcloud_fleet_nat64_carve_offset": 64}, {}, "hcloud_fleet_nat64_carve_offset: '64' is not an IPv6 address", id="carve-offset-number"),
    ],
)
def test_fleet_plan_problems(overrides, facts, fragment):
    result = _hcloud.fleet_plan(settings(**overrides), dict(FACTS, **facts))
    assert any(fragment in item for item in result["problems"]), result["problems"]


@pytest.mark.parametrize("offset", [None, "::64:0:0:0", "::65:0:0:0", "::ffff:ffff:0:0"])
def test_fleet_plan_takes_a_carve_offset_inside_the_host_part(offset):
    overrides = {} if offset is None else {"hcloud_fleet_nat64_carve_offset": offset}
    assert _hcloud.fleet_plan(settings(**overrides), FACTS)["problems"] == []


def test_fleet_plan_reports_every_problem_at_once():
    result = _hcloud.fleet_plan(
        settings(hcloud_fleet_name="X", hcloud_fleet_docker_host_count="many", hcloud_fleet_ssh_source_ips=[], hcloud_fleet_app_ports=["http"]), FACTS
    )
    assert [item.split(":")[0] for item in result["problems"]] == [
        "hcloud_fleet_name",
        "hcloud_fleet_docker_host_count",
        "hcloud_fleet_ssh_source_ips",
        "hcloud_fleet_app_ports",
    ]


def test_fleet_plan_ssh_from_anywhere_warns():
    result = _hcloud.fleet_plan(settings(hcloud_fleet_ssh_source_ips=[], hcloud_fleet_ssh_allow_any=True), FACTS)
    assert result["problems"] == []
    assert result["ssh_source_ips"] == ["::/0"]
    assert len(result["warnings"]) == 1 and "hcloud_fleet_ssh_allow_any: true" in result["warnings"][0]


# ---------------------------------------------------------------------------
# Server type and location, from the API's server_types[].locations
# ---------------------------------------------------------------------------


def offer(name, available=True, deprecation=None):
    return {"id": 1, "name": name, "available": available, "recommended": available, "deprecation": deprecation}


PAST = {"announced": "2025-10-16T00:00:00+00:00", "unavailable_after": "2026-01-01T00:00:00+00:00"}
FUTURE = {"announced": "2026-10-01T00:00:00+00:00", "unavailable_after": "2027-01-01T00:00:00+00:00"}
SERVER_TYPES = [
    {"name": "cx23", "architecture": "x86", "locations": [offer("fsn1"), offer("nbg1"), offer("hel1")]},
    {"name": "cax11", "architecture": "arm", "locations": [offer("fsn1"), offer("nbg1", available=False)]},
    {"name": "cpx22", "architecture": "x86", "locations": [offer("nbg1"), offer("ash")]},
    {"name": "cx22", "architecture": "x86", "locations": [offer("nbg1", deprecation=PAST)]},
    {"name": "cx33", "architecture": "x86", "locations": [offer("nbg1", deprecation=FUTURE)]},
    # hetzner.hcloud before 6.9 returns no "available".
    {"name": "old", "architecture": "x86", "locations": [{"id": 2, "name": "nbg1", "deprecation": None}]},
]


@pytest.mark.parametrize(
    "server_type, location, problem, warning",
    [
        pytest.param("cx23", "nbg1", None, None, id="available"),
        pytest.param(
            "cx23",
            "ash",
            '"cx23" is not offered in ash (hcloud_fleet_location); it can be ordered in: fsn1, hel1, nbg1; x86 types that can be ordered in ash: cpx22',
            None,
            id="eu-only",
        ),
        pytest.param("cax11", "nbg1", '"cax11" is not available in nbg1 (hcloud_fleet_location) right now; it can be ordered in: fsn1', None, id="sold-out"),
        pytest.param("cx22", "nbg1", '"cx22" is deprecated and no longer orderable in nbg1', None, id="past-deprecation"),
        pytest.param("cx33", "nbg1", None, '"cx33" is deprecated in nbg1 and can be ordered there until 2027-01-01', id="future-deprecation"),
        pytest.param("old", "nbg1", None, None, id="available-unknown"),
        pytest.param("cx99", "nbg1", '"cx99" is not a server type of this project (it has: cax11, cpx22, cx22, cx23, cx33, old)', None, id="unknown"),
    ],
)
def test_type_location_problems(server_type, location, problem, warning):
    problems, warnings = _hcloud.type_location_problems("docker_host", server_type, location, SERVER_TYPES, now=NOW)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith("hcloud_fleet_docker_host_server_type: "), problems
        assert problem in problems[0]
    if warning is None:
        assert warnings == []
    else:
        assert warning in warnings[0]


# ---------------------------------------------------------------------------
# The project before any change
# ---------------------------------------------------------------------------

LOCATIONS = [{"name": "fsn1"}, {"name": "nbg1"}, {"name": "hel1"}, {"name": "ash"}]
IMAGES = [{"name": "debian-13", "architecture": "x86"}, {"name": "debian-13", "architecture": "arm"}, {"name": "debian-12", "architecture": "x86"}]


def server(name, fleet="prod", role="docker_host", ipv4=None, ipv6="2001:db8:1::/64", **labels):
    if fleet:
        labels["ipv6ready_fleet"] = fleet
    if role:
        labels["ipv6ready_role"] = role
    return {"id": abs(hash(name)) % 1000, "name": name, "labels": labels, "ipv4_address": ipv4, "ipv6": ipv6}


def checks(the_plan=None, servers=(), ssh_keys=(), images=None):
    return _hcloud.fleet_checks(the_plan or plan(), list(servers), SERVER_TYPES, LOCATIONS, IMAGES if images is None else images, list(ssh_keys), now=NOW)


def test_checks_of_an_empty_project():
    result = checks()
    assert result["problems"] == [] and result["warnings"] == []
    assert result["create"] == {"docker_host": ["prod-docker-1", "prod-docker-2"], "nat64_gateway": ["prod-nat64"]}
    assert result["ssh_key"] == {"name": "prod-admin", "upload": True}
    assert result["extra_docker_hosts"] == []


def test_checks_of_an_existing_fleet_need_no_orderable_type():
    """A re-run creates nothing, so a type that is sold out now does not fail it."""
    servers = [
        server("prod-docker-1"),
        server("prod-docker-2", ipv6="2001:db8:2::/64"),
        server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.10", ipv6="2001:db8:3::/64"),
        server("prod-docker-7", ipv6="2001:db8:7::/64"),
    ]
    result = checks(plan(hcloud_fleet_docker_host_server_type="cax11", hcloud_fleet_gateway_server_type="cax11"), servers)
    assert result["problems"] == []
    assert result["create"] == {"docker_host": [], "nat64_gateway": []}
    assert result["extra_docker_hosts"] == ["prod-docker-7"]


@pytest.mark.parametrize(
    "servers, fragment",
    [
        pytest.param(
            [server("prod-docker-1", ipv4="203.0.113.5")],
            "Docker host prod-docker-1 already exists with the public IPv4 address 203.0.113.5",
            id="docker-host-with-ipv4",
        ),
        pytest.param(
            [server("prod-docker-9", ipv4="203.0.113.5")],
            "Docker host prod-docker-9 already exists with the public IPv4 address",
            id="extra-docker-host-with-ipv4",
        ),
        pytest.param(
            [server("prod-docker-2", fleet=None, role=None)],
            "server prod-docker-2 already exists but is not a Docker host of the fleet prod",
            id="foreign-docker-host-name",
        ),
        pytest.param([server("prod-docker-2", fleet="other")], "is not a Docker host of the fleet prod", id="other-fleet"),
        pytest.param(
            [server("prod-nat64", role="docker_host")],
            "server prod-nat64 already exists but is not the NAT64 gateway of the fleet prod",
            id="gateway-name-wrong-role",
        ),
        pytest.param([server("prod-nat64", role="nat64_gateway")], "NAT64 gateway prod-nat64 exists without a public IPv4 address", id="gateway-without-ipv4"),
        pytest.param(
            [server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.1", ipv6=None)], "exists without a public IPv6 network", id="gateway-without-ipv6"
        ),
    ],
)
def test_checks_of_existing_servers(servers, fragment):
    problems = checks(servers=servers)["problems"]
    assert any(fragment in item for item in problems), problems


@pytest.mark.parametrize(
    "overrides, images, fragment",
    [
        pytest.param(
            {"hcloud_fleet_location": "xyz1"},
            IMAGES,
            'hcloud_fleet_location: "xyz1" is not a Hetzner Cloud location (there are: ash, fsn1, hel1, nbg1)',
            id="location",
        ),
        pytest.param({"hcloud_fleet_location": "ash"}, IMAGES, 'hcloud_fleet_docker_host_server_type: "cx23" is not offered in ash', id="type-location"),
        pytest.param(
            {"hcloud_fleet_gateway_server_type": "cax11", "hcloud_fleet_image": "debian-12"},
            IMAGES,
            'hcloud_fleet_gateway_server_type: "cax11" is not available in nbg1',
            id="sold-out-gateway",
        ),
        pytest.param(
            {"hcloud_fleet_gateway_server_type": "cax11", "hcloud_fleet_location": "fsn1", "hcloud_fleet_image": "debian-12"},
            IMAGES,
            'hcloud_fleet_image: "debian-12" has no arm image, and hcloud_fleet_gateway_server_type "cax11" is arm (the image exists for: x86)',
            id="image-arch",
        ),
        pytest.param({"hcloud_fleet_image": "debian-11"}, IMAGES, 'hcloud_fleet_image: "debian-11" has no x86 image', id="image-missing"),
    ],
)
def test_checks_of_type_location_and_image(overrides, images, fragment):
    problems = checks(plan(**overrides), images=images)["problems"]
    assert any(fragment in item for item in problems), problems


def test_checks_skip_the_image_check_for_an_image_id():
    assert checks(plan(hcloud_fleet_image="123456"))["problems"] == []


def test_checks_count_the_gateway_rule_before_any_create():
    """Docker hosts beyond the count are clients too: 80 wanted + 20 more that exist + 2 extra prefixes > 100."""
    existing = [server("prod-docker-%d" % index, ipv6="2001:db8:%x::/64" % index) for index in range(61, 101)]
    the_plan = plan(hcloud_fleet_docker_host_count=80, hcloud_fleet_extra_client_prefixes=addresses(2))
    problems = checks(the_plan, existing)["problems"]
    assert any("the fleet would have 100 Docker hosts (40 already exist) and 2 hcloud_fleet_extra_client_prefixes" in item for item in problems), problems


@pytest.mark.parametrize(
    "keys, choice, problem",
    [
        pytest.param([], {"name": "prod-admin", "upload": True}, None, id="new-key"),
        pytest.param(
            [{"name": "prod-admin", "public_key": KEY, "labels": {"ipv6ready_fleet": "prod"}}], {"name": "prod-admin", "upload": True}, None, id="our-key"
        ),
        pytest.param(
            [{"name": "alice@laptop", "public_key": KEY.replace("admin@example.test", "alice"), "labels": {}}],
            {"name": "alice@laptop", "upload": False},
            None,
            id="same-key-other-name",
        ),
        # The dangerous case: a key of the user's with the fleet key's name and material but no label must not be
        # labelled (the teardown would then delete it).
        pytest.param(
            [{"name": "prod-admin", "public_key": KEY, "labels": {}}], {"name": "prod-admin", "upload": False}, None, id="same-key-same-name-unlabelled"
        ),
        pytest.param(
            [{"name": "shared", "public_key": KEY, "labels": {"ipv6ready_fleet": "other"}}], {"name": "shared", "upload": False}, None, id="another-fleets-key"
        ),
        pytest.param(
            [{"name": "prod-admin", "public_key": OTHER_KEY, "labels": {}}],
            None,
            "hcloud_fleet_ssh_key_name: the project already has an SSH key named prod-admin with a different public key",
            id="other-key-same-name",
        ),
    ],
)
def test_ssh_key_choice(keys, choice, problem):
    found, problems = _hcloud.ssh_key_choice(plan(), keys)
    if problem is None:
        assert (found, problems) == (choice, [])
    else:
        assert problem in problems[0]


# ---------------------------------------------------------------------------
# The gateway's rules and the summary
# ---------------------------------------------------------------------------


def test_gateway_plan_admits_the_docker_hosts_only():
    hosts = [server("prod-docker-2", ipv6="2001:DB8:2::/64"), server("prod-docker-1"), server("prod-docker-3", ipv6=None)]
    result = _hcloud.gateway_plan(plan(hcloud_fleet_extra_client_prefixes=["2001:db8:ff::/64"]), hosts)
    assert result["client_prefixes"] == ["2001:db8:1::/64", "2001:db8:2::/64", "2001:db8:ff::/64"]
    assert result["problems"] == []
    assert result["rules"][-1]["source_ips"] == result["client_prefixes"]


def test_gateway_plan_reports_the_limit():
    hosts = [server("prod-docker-%d" % index, ipv6="2001:db8:%x::/64" % index) for index in range(1, 102)]
    assert any("would list 101 addresses" in item for item in _hcloud.gateway_plan(plan(), hosts)["problems"])


def test_fleet_summary():
    gateway = {"name": "prod-nat64", "ipv4_address": "203.0.113.10", "ipv6": "2001:db8:3::/64"}
    hosts = [server("prod-docker-10", ipv6="2001:db8:a::/64"), server("prod-docker-2", ipv6="2001:db8:2::/64")]
    summary = _hcloud.fleet_summary(plan(), gateway, hosts)
    assert summary["gateway"] == {"name": "prod-nat64", "ipv4": "203.0.113.10", "ipv6_prefix": "2001:db8:3::/64", "ipv6_address": "2001:db8:3::1"}
    # Not the gateway's own /64.
    assert summary["client_prefixes"] == ["2001:db8:2::/64", "2001:db8:a::/64"]
    assert list(summary["docker_hosts"]) == ["prod-docker-2", "prod-docker-10"]
    assert summary["extra_client_prefixes"] == []
    with_extra = _hcloud.fleet_summary(plan(hcloud_fleet_extra_client_prefixes=["2001:db8:ff::/64"]), gateway, hosts)
    assert with_extra["extra_client_prefixes"] == ["2001:db8:ff::/64"]
    assert with_extra["client_prefixes"] == ["2001:db8:2::/64", "2001:db8:a::/64", "2001:db8:ff::/64"]
    assert summary["lines"][1] == "Prefixes allowed to use NAT64 and DNS64: 2001:db8:2::/64, 2001:db8:a::/64"


# ---------------------------------------------------------------------------
# Teardown
# ---------------------------------------------------------------------------

FLEET_SERVERS = [server("prod-docker-1"), server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.1")]
FLEET_FIREWALLS = [
    {"id": 1, "name": "prod-docker-hosts", "labels": {"ipv6ready_fleet": "prod"}},
    {"id": 2, "name": "prod-nat64-gateway", "labels": {"ipv6ready_fleet": "prod"}},
]
FLEET_KEYS = [{"id": 3, "name": "prod-admin", "labels": {"ipv6ready_fleet": "prod"}}]


def test_teardown_plan_lists_the_fleet():
    result = _hcloud.teardown_plan(
        "prod", FLEET_SERVERS + [server("web", fleet=None, role=None)], FLEET_FIREWALLS, FLEET_KEYS + [{"id": 4, "name": "alice", "labels": {}}], confirm="prod"
    )
    assert result["problems"] == []
    assert [item["name"] for item in result["servers"]] == ["prod-docker-1", "prod-nat64"]
    assert [item["name"] for item in result["firewalls"]] == ["prod-docker-hosts", "prod-nat64-gateway"]
    assert result["ssh_keys"] == [{"id": 3, "name": "prod-admin"}]
    assert (result["empty"], result["confirmed"]) == (False, True)
    assert result["lines"][0] == "Fleet prod: these will be deleted"
    assert "confirm_message" not in result


def test_teardown_plan_needs_the_confirmation():
    result = _hcloud.teardown_plan("prod", FLEET_SERVERS, [], [], confirm="yes")
    assert result["confirmed"] is False
    assert "hcloud_fleet_teardown_confirm=prod" in result["confirm_message"]
    assert _hcloud.teardown_plan("prod", [], [], [])["empty"] is True


@pytest.mark.parametrize(
    "servers, firewalls, keys, key_name, fragment",
    [
        pytest.param(
            [server("billing-db")], [], [], None, "server billing-db carries ipv6ready_fleet=prod but does not follow the fleet's naming", id="server-name"
        ),
        pytest.param([server("prod-nat64", role="docker_host")], [], [], None, "server prod-nat64 carries", id="role"),
        pytest.param([server("prod-docker-1", role=None)], [], [], None, "it has role none", id="no-role"),
        pytest.param(
            [],
            [{"id": 9, "name": "web", "labels": {"ipv6ready_fleet": "prod"}}],
            [],
            None,
            "firewall web carries ipv6ready_fleet=prod but is neither",
            id="firewall",
        ),
        pytest.param(
            [],
            [],
            [{"id": 9, "name": "alice", "labels": {"ipv6ready_fleet": "prod"}}],
            None,
            "SSH key alice carries ipv6ready_fleet=prod but is not named prod-admin",
            id="key",
        ),
        pytest.param([], [], FLEET_KEYS, "deploy", "SSH key prod-admin carries ipv6ready_fleet=prod but is not named deploy", id="key-name-setting"),
    ],
)
def test_teardown_plan_refuses_what_does_not_follow_the_naming(servers, firewalls, keys, key_name, fragment):
    result = _hcloud.teardown_plan("prod", servers, firewalls, keys, ssh_key_name=key_name, confirm="prod")
    assert any(fragment in item for item in result["problems"]), result["problems"]


def test_teardown_plan_never_takes_unlabelled_keys():
    keys = [{"id": 5, "name": "prod-admin", "labels": {}}]
    assert _hcloud.teardown_plan("prod", [], [], keys, confirm="prod")["ssh_keys"] == []


@pytest.mark.parametrize(
    "settings_, fragment",
    [
        pytest.param({}, "hcloud_fleet_name: is required", id="name-required"),
        pytest.param({"hcloud_fleet_name": "Prod"}, 'hcloud_fleet_name: "Prod" is not', id="name-invalid"),
        pytest.param({"hcloud_fleet_name": "prod", "hcloud_fleet_ssh_key_name": "a b"}, "hcloud_fleet_ssh_key_name", id="key-name"),
        pytest.param({"hcloud_fleet_name": "prod", "hcloud_fleet_group_vars_file": ["x"]}, "hcloud_fleet_group_vars_file", id="group-vars"),
        pytest.param({"hcloud_fleet_name": "prod", "hcloud_fleet_teardown_confirm": True}, "hcloud_fleet_teardown_confirm", id="confirm"),
    ],
)
def test_teardown_settings_problems(settings_, fragment):
    problems = _hcloud.teardown_settings_problems(settings_)
    assert any(fragment in item for item in problems), problems


def test_teardown_settings_valid():
    assert _hcloud.teardown_settings_problems({"hcloud_fleet_name": "prod", "hcloud_fleet_group_vars_file": ""}) == []


# ---------------------------------------------------------------------------
# Several gateways and their floating IPs (hcloud_fleet_gateway_count)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, gateways, floating",
    [
        (1, ["prod-nat64"], []),
        (
            "2",
            ["prod-nat64", "prod-nat64-2"],
            [{"name": "prod-nat64-floating-1", "home": "prod-nat64"}, {"name": "prod-nat64-floating-2", "home": "prod-nat64-2"}],
        ),
        (3, ["prod-nat64", "prod-nat64-2", "prod-nat64-3"], None),
    ],
)
def test_plan_gateways_and_floating_ips(count, gateways, floating):
    result = plan(hcloud_fleet_gateway_count=count)
    assert result["gateways"] == gateways
    if floating is not None:
        assert result["floating_ips"] == floating
    assert len(result["floating_ips"]) == (int(count) if int(count) > 1 else 0)


def test_a_plan_without_the_count_has_one_gateway():
    values = settings()
    assert "hcloud_fleet_gateway_count" not in values
    assert _hcloud.fleet_plan(values, FACTS)["gateways"] == ["prod-nat64"]


@pytest.mark.parametrize("count", [0, 11, -1, "two", True, None, 1.5])
def test_plan_refuses_a_bad_gateway_count(count):
    problems = _hcloud.fleet_plan(settings(hcloud_fleet_gateway_count=count), FACTS)["problems"]
    assert any(item.startswith("hcloud_fleet_gateway_count: ") for item in problems), problems


@pytest.mark.parametrize(
    "name, index",
    [
        ("prod-nat64", 1),
        ("prod-nat64-2", 2),
        ("prod-nat64-10", 10),
        ("prod-nat64-1", None),
        ("prod-nat64-11", None),
        ("prod-nat64-gateway", None),
        ("other-nat64", None),
    ],
)
def test_gateway_index(name, index):
    assert _hcloud.gateway_index("prod", name) == index


def floating(name, ip="2001:db8:f1::/64", fleet="prod", kind="ipv6", server_name=None):
    return {"id": abs(hash(name)) % 1000, "name": name, "ip": ip, "type": kind, "server": server_name, "labels": {"ipv6ready_fleet": fleet} if fleet else {}}


def test_checks_create_the_missing_gateways_and_floating_ips_only():
    servers = [server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.10", ipv6="2001:db8:3::/64")]
    # fip-1 exists, moved by the agents to gateway 2: it is never touched
    result = _hcloud.fleet_checks(
        plan(hcloud_fleet_gateway_count=2),
        servers,
        SERVER_TYPES,
        LOCATIONS,
        IMAGES,
        [],
        now=NOW,
        floating_ips=[floating("prod-nat64-floating-1", server_name="prod-nat64-2")],
    )
    assert result["problems"] == []
    assert result["create"]["nat64_gateway"] == ["prod-nat64-2"]
    assert result["create_floating_ips"] == [{"name": "prod-nat64-floating-2", "home": "prod-nat64-2"}]


def test_checks_list_gateways_beyond_the_count():
    servers = [
        server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.10", ipv6="2001:db8:3::/64"),
        server("prod-nat64-2", role="nat64_gateway", ipv4="203.0.113.11", ipv6="2001:db8:4::/64"),
    ]
    result = checks(plan(), servers)
    assert result["extra_gateways"] == ["prod-nat64-2"] and result["create"]["nat64_gateway"] == []


@pytest.mark.parametrize(
    "servers, fips, fragment",
    [
        pytest.param(
            [server("prod-nat64-2", role="docker_host")],
            [],
            "server prod-nat64-2 already exists but is not the NAT64 gateway of the fleet prod",
            id="second-gateway-wrong-role",
        ),
        pytest.param(
            [server("prod-nat64-2", role="nat64_gateway", ipv6="2001:db8:4::/64")],
            [],
            "NAT64 gateway prod-nat64-2 exists without a public IPv4 address",
            id="second-gateway-without-ipv4",
        ),
        pytest.param(
            [],
            [floating("prod-nat64-floating-2", fleet=None)],
            "floating IP prod-nat64-floating-2 already exists but is not the fleet prod's",
            id="foreign-floating-ip",
        ),
        pytest.param(
            [],
            [floating("prod-nat64-floating-1", ip="203.0.113.50", kind="ipv4")],
            "floating IP prod-nat64-floating-1 is an ipv4 address",
            id="ipv4-floating-ip",
        ),
    ],
)
def test_checks_of_existing_gateways_and_floating_ips(servers, fips, fragment):
    result = _hcloud.fleet_checks(plan(hcloud_fleet_gateway_count=2), servers, SERVER_TYPES, LOCATIONS, IMAGES, [], now=NOW, floating_ips=fips)
    assert any(fragment in item for item in result["problems"]), result["problems"]


GATEWAYS = [
    server("prod-nat64", role="nat64_gateway", ipv4="203.0.113.10", ipv6="2001:db8:3::/64"),
    server("prod-nat64-2", role="nat64_gateway", ipv4="203.0.113.11", ipv6="2001:DB8:4::/64"),
]


def test_gateway_plan_lets_the_gateways_send_each_other_heartbeats():
    hosts = [server("prod-docker-1")]
    two = _hcloud.gateway_plan(plan(hcloud_fleet_gateway_count=2), hosts, GATEWAYS)
    assert two["rules"][-1] == {
        "description": "NAT64 failover heartbeats, between the gateways",
        "direction": "in",
        "protocol": "udp",
        "port": "6464",
        "source_ips": ["2001:db8:3::/64", "2001:db8:4::/64"],
        "destination_ips": [],
    }
    # one gateway, or only one of two created so far: no such rule
    assert _hcloud.gateway_plan(plan(), hosts, GATEWAYS)["rules"] == _hcloud.gateway_plan(plan(), hosts)["rules"]
    partial = _hcloud.gateway_plan(plan(hcloud_fleet_gateway_count=2), hosts, GATEWAYS[:1])
    assert all("heartbeats" not in item["description"] for item in partial["rules"])


def test_fleet_summary_with_two_gateways():
    fips = [
        floating("prod-nat64-floating-1", ip="2001:DB8:F1::/64", server_name="prod-nat64"),
        floating("prod-nat64-floating-2", ip="2001:db8:f2::/64", server_name="prod-nat64"),
    ]
    summary = _hcloud.fleet_summary(
        plan(hcloud_fleet_gateway_count=2), GATEWAYS[0], [server("prod-docker-1")], gateways=list(reversed(GATEWAYS)), floating_ips=fips
    )
    assert [item["name"] for item in summary["gateways"]] == ["prod-nat64", "prod-nat64-2"]
    assert summary["floating_ips"] == [
        {"name": "prod-nat64-floating-1", "network": "2001:db8:f1::/64", "home": "prod-nat64"},
        {"name": "prod-nat64-floating-2", "network": "2001:db8:f2::/64", "home": "prod-nat64-2"},
    ]
    assert summary["lines"][:4] == [
        "NAT64 gateway prod-nat64: IPv4 203.0.113.10, IPv6 2001:db8:3::/64 (address 2001:db8:3::1)",
        "NAT64 gateway prod-nat64-2: IPv4 203.0.113.11, IPv6 2001:db8:4::/64 (address 2001:db8:4::1)",
        "Floating IPv6 prod-nat64-floating-1: 2001:db8:f1::/64, home prod-nat64",
        "Floating IPv6 prod-nat64-floating-2: 2001:db8:f2::/64, home prod-nat64-2",
    ]


def test_fleet_summary_with_one_gateway_is_unchanged():
    summary = _hcloud.fleet_summary(plan(), GATEWAYS[0], [server("prod-docker-1")], gateways=GATEWAYS[:1])
    assert (summary["gateways"], summary["floating_ips"]) == ([], [])
    assert len(summary["lines"]) == 3


def test_teardown_plan_takes_the_gateways_and_floating_ips():
    fips = [floating("prod-nat64-floating-1"), floating("prod-nat64-floating-2", ip="2001:db8:f2::/64"), floating("web-ip", fleet=None)]
    result = _hcloud.teardown_plan("prod", FLEET_SERVERS + GATEWAYS[1:], FLEET_FIREWALLS, FLEET_KEYS, confirm="prod", floating_ips=fips)
    assert result["problems"] == []
    assert [item["name"] for item in result["servers"]] == ["prod-docker-1", "prod-nat64", "prod-nat64-2"]
    assert [item["name"] for item in result["floating_ips"]] == ["prod-nat64-floating-1", "prod-nat64-floating-2"]
    assert result["lines"][-1].startswith("floating IPs: prod-nat64-floating-1 (")


def test_teardown_plan_refuses_a_labelled_floating_ip_outside_the_naming():
    result = _hcloud.teardown_plan("prod", [], [], [], confirm="prod", floating_ips=[floating("prod-ip")])
    assert result["problems"] == [
        "floating IP prod-ip carries ipv6ready_fleet=prod but is not named prod-nat64-floating-<n>: delete it by hand or remove its label"
    ]
