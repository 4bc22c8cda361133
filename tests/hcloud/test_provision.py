# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Provision, list and tear down an IPv6-only fleet against the fake Hetzner Cloud API.

The playbooks and the inventory run as ``ansible-playbook`` and
``ansible-inventory`` subprocesses with ``HCLOUD_ENDPOINT`` pointing at the fake
on a free loopback port; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from api_schema import recorded_problems
from fake_hcloud import IMAGES, LOCATIONS, SERVER_TYPES, FakeHcloud

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROVISION = ROOT / "playbooks" / "hcloud_provision.yml"
TEARDOWN = ROOT / "playbooks" / "hcloud_teardown.yml"
INVENTORY = ROOT / "inventories" / "hcloud.yml"
TOKEN = "test-token-" + secrets.token_hex(16)
FLEET = "ipv6ready"  # the label_selector of inventories/hcloud.yml
GATEWAY = FLEET + "-nat64"
# The admins' prefix as a user might type it; the API and the firewall rules hold the canonical form.
ADMIN_PREFIX_TYPED = "2001:DB8:00AD:0::/48"
ADMIN_PREFIX = "2001:db8:ad::/48"
SSH = ["-e", json.dumps({"hcloud_fleet_ssh_source_ips": [ADMIN_PREFIX_TYPED]})]
CONFIRM = ["-e", "hcloud_fleet_name=%s" % FLEET, "-e", "hcloud_fleet_teardown_confirm=%s" % FLEET]
DOCKER_HOSTS = [FLEET + "-docker-1", FLEET + "-docker-2"]
TIMEOUT = 150  # seconds for one ansible command; the whole module takes far less
RECAP_RE = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def public_key(comment="admin@example.test"):
    """Return a well-formed OpenSSH ed25519 public key line (random key material)."""
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + secrets.token_bytes(32)
    return "ssh-ed25519 %s %s" % (base64.b64encode(blob).decode("ascii"), comment)


def catalog_id(entries, name, **match):
    return next(item["id"] for item in entries if item["name"] == name and all(item[k] == v for k, v in match.items()))


def unsafe_free(value):
    """Strip the ``{"__ansible_unsafe": ...}`` wrappers of ``ansible-inventory --list``."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unsafe_free(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsafe_free(item) for item in value]
    return value


def nat64_prefix(routed):
    """The /96 at ::64:0:0:0 inside a /64, computed here independently of the collection's filter."""
    network = ipaddress.IPv6Network(routed)
    return str(ipaddress.IPv6Network((int(network.network_address) | (0x64 << 48), 96)))


@pytest.fixture(scope="session")
def collections_dir(tmp_path_factory):
    """A collections path in which ``ipv6ready.docker`` is this checkout."""
    if ROOT.parts[-3:] == ("ansible_collections", "ipv6ready", "docker"):
        return ROOT.parents[2]
    path = tmp_path_factory.mktemp("collections")
    (path / "ansible_collections" / "ipv6ready").mkdir(parents=True)
    (path / "ansible_collections" / "ipv6ready" / "docker").symlink_to(ROOT, target_is_directory=True)
    return path


@pytest.fixture(name="fake")
def fake_api():
    with FakeHcloud(TOKEN) as api:
        yield api
        assert not api.unhandled, "requests the fake does not implement: %s" % api.unhandled
        assert not api.gone, "requests to endpoints the API has removed: %s" % api.gone
        # Every answer the fake gave had the shape the API has today (api_schema.py).
        assert recorded_problems(api.responses()) == []


@pytest.fixture(name="key_file")
def public_key_file(tmp_path):
    path = tmp_path / "id_ed25519.pub"
    path.write_text(public_key() + "\n", encoding="utf-8")
    return path


class Ansible:
    """Runs ansible-playbook and ansible-inventory against the fake."""

    def __init__(self, fake, tmp_path, collections_dir, token=TOKEN):
        self.fake = fake
        self.env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy") and not key.startswith(("ANSIBLE_", "HCLOUD_"))}
        self.env.update(
            {
                "HCLOUD_TOKEN": token,
                "HCLOUD_ENDPOINT": fake.endpoint,
                "NO_PROXY": "127.0.0.1,localhost",
                "ANSIBLE_COLLECTIONS_PATH": str(collections_dir),
                "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                "ANSIBLE_PIPELINING": "1",
                "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_LOCALHOST_WARNING": "0",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            }
        )

    def run(self, command, *args, env=None):
        full_env = dict(self.env, **(env or {}))
        full_env = {key: value for key, value in full_env.items() if value is not None}
        result = subprocess.run(
            [str(BIN / command), *map(str, args)],
            cwd=ROOT,
            env=full_env,
            check=False,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
        )
        return result

    def playbook(self, playbook, *args, env=None):
        return self.run("ansible-playbook", playbook, *args, env=env)

    def inventory(self, inventory, *args, env=None):
        # A source that fails to parse is an error here, not an empty inventory.
        return self.run("ansible-inventory", "-i", inventory, *args, env=dict({"ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"}, **(env or {})))


@pytest.fixture(name="ansible")
def ansible_runner(fake, tmp_path, collections_dir):
    return Ansible(fake, tmp_path, collections_dir)


def recap(result):
    """Return (ok, changed, unreachable, failed) of the PLAY RECAP, failing with the output when there is none."""
    found = RECAP_RE.findall(result.stdout)
    assert len(found) == 1, result.stdout
    return tuple(int(item) for item in found[0])


def ansible_deprecations(result):
    """Ansible's own deprecation warnings: something the playbooks use that is going away.

    Only Ansible's `[DEPRECATION WARNING]` lines count; a Python warning that a
    third-party package prints (cryptography's, say) is not the collection's.
    """
    return [line for line in result.stdout.splitlines() if line.lstrip().startswith("[DEPRECATION WARNING]")]


def assert_ok(result):
    assert result.returncode == 0, result.stdout
    ok, changed, unreachable, failed = recap(result)
    assert (unreachable, failed) == (0, 0), result.stdout
    return ok, changed


def test_fleet_life_cycle(fake, ansible, key_file, tmp_path):
    """Check mode, provision, re-provision (no change), inventory, teardown, re-teardown (no change)."""
    # Resources that are not the fleet's: teardown and inventory must leave them alone.
    unrelated = fake.seed_server("unrelated-web", labels={"team": "web"})
    other_fleet = fake.seed_server("other-docker-1", labels={"ipv6ready_fleet": "other", "ipv6ready_role": "docker_host"}, enable_ipv4=False)
    fake.seed_firewall("web-firewall", [{"direction": "in", "protocol": "tcp", "port": "443", "source_ips": ["0.0.0.0/0", "::/0"]}], servers=[unrelated["id"]])
    fake.seed_ssh_key("bob", public_key("bob@example.test"))
    group_vars = tmp_path / "inventory" / "group_vars" / "all" / "hcloud_fleet.yml"
    extra = ["-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file, "-e", "hcloud_fleet_group_vars_file=%s" % group_vars]

    # Check mode on the empty fleet: reports changes, sends no change to the API.
    result = ansible.playbook(PROVISION, "--check", *SSH, *extra)
    _ok, changed = assert_ok(result)
    assert changed > 0
    assert fake.mutating_calls() == []
    assert not group_vars.exists()

    # First run: everything is created.
    result = ansible.playbook(PROVISION, *SSH, *extra)
    _ok, changed = assert_ok(result)
    assert changed > 0
    assert ansible_deprecations(result) == [], result.stdout
    assert "WARNING: SSH" not in result.stdout
    assert all(item["authorized"] for item in fake.requests)
    # Every action was polled until it finished (actions start running).
    assert all(action["status"] == "success" for action in fake.actions.values())

    keys = {item["name"]: item for item in fake.ssh_key_list()}
    assert keys["ipv6ready-admin"]["labels"] == {"ipv6ready_fleet": FLEET}
    assert keys["ipv6ready-admin"]["public_key"] == key_file.read_text(encoding="utf-8").strip()
    firewalls = {item["name"]: item for item in fake.firewall_list()}
    docker_fw, gateway_fw = firewalls[FLEET + "-docker-hosts"], firewalls[FLEET + "-nat64-gateway"]

    creates = {call["body"]["name"]: call["body"] for call in fake.calls("POST", "/servers")}
    assert sorted(creates) == sorted(DOCKER_HOSTS + [GATEWAY])
    common = {
        "server_type": catalog_id(SERVER_TYPES, "cx23"),
        "image": catalog_id(IMAGES, "debian-13", architecture="x86"),
        "location": catalog_id(LOCATIONS, "nbg1"),
        "ssh_keys": [keys["ipv6ready-admin"]["id"]],
        "start_after_create": True,
    }
    for name in DOCKER_HOSTS:
        body = creates[name]
        assert body["public_net"] == {"enable_ipv4": False, "enable_ipv6": True}
        assert body["labels"] == {"ipv6ready_fleet": FLEET, "ipv6ready_role": "docker_host"}
        assert body["firewalls"] == [{"firewall": docker_fw["id"]}]
        assert {key: body[key] for key in common} == common
        assert "datacenter" not in body
    body = creates[GATEWAY]
    assert body["public_net"] == {"enable_ipv4": True, "enable_ipv6": True}
    assert body["labels"] == {"ipv6ready_fleet": FLEET, "ipv6ready_role": "nat64_gateway"}
    assert body["firewalls"] == [{"firewall": gateway_fw["id"]}]
    assert {key: body[key] for key in common} == common

    servers = {item["name"]: item for item in fake.server_list()}
    host_prefixes = sorted(servers[name]["public_net"]["ipv6"]["ip"] for name in DOCKER_HOSTS)
    assert all(servers[name]["public_net"]["ipv4"] is None for name in DOCKER_HOSTS)
    gateway_net = servers[GATEWAY]["public_net"]
    assert gateway_net["ipv4"] is not None and gateway_net["ipv6"] is not None
    gateway_prefix = gateway_net["ipv6"]["ip"]

    # Docker hosts: SSH from the admins' prefix (sent canonical), ICMPv6 and the app's ports, IPv6 sources only.
    rules = {(rule["protocol"], rule["port"]): rule["source_ips"] for rule in docker_fw["rules"]}
    assert rules == {("tcp", "22"): [ADMIN_PREFIX], ("icmp", None): ["::/0"], ("tcp", "80"): ["::/0"], ("tcp", "443"): ["::/0"]}
    assert all(rule["direction"] == "in" for rule in docker_fw["rules"])
    ssh_create = next(call for call in fake.calls("POST", "/firewalls") if call["body"]["name"] == docker_fw["name"])
    assert ssh_create["body"]["rules"][0]["source_ips"] == [ADMIN_PREFIX]
    # Gateway: SSH from the admins; ICMP from anywhere over IPv6 (Packet Too Big, echo) and IPv4 (Fragmentation
    # Needed); DNS64 and NAT64 for the Docker hosts' /64s only, not the gateway's own /64.
    rules = [(rule["protocol"], rule["port"], rule["source_ips"]) for rule in gateway_fw["rules"]]
    assert rules == [
        ("tcp", "22", [ADMIN_PREFIX]),
        ("icmp", None, ["::/0"]),
        ("icmp", None, ["0.0.0.0/0"]),
        ("udp", "53", host_prefixes),
        ("tcp", "53", host_prefixes),
        ("tcp", "any", host_prefixes),
        ("udp", "any", host_prefixes),
    ]
    assert gateway_prefix not in str(gateway_fw["rules"])

    # The printed and written NAT64 settings.
    expected_nat64 = nat64_prefix(gateway_prefix)
    gateway_address = str(ipaddress.IPv6Network(gateway_prefix)[1])
    assert gateway_prefix in result.stdout and expected_nat64 in result.stdout
    written = yaml.safe_load(group_vars.read_text(encoding="utf-8"))
    # A new fleet's unique local /48 has a random Global ID (RFC 4193), and the daemon's pool and default bridge
    # come from it.
    ula = ipaddress.IPv6Network(written.pop("networks_ula_prefix"))
    assert ula.prefixlen == 48 and ula.subnet_of(ipaddress.IPv6Network("fd00::/8")) and str(ula) != "fd00:d0c::/48"
    assert written.pop("daemon_ipv6_address_pools") == [{"base": str(ula), "size": 64}]
    assert written.pop("daemon_fixed_cidr_v6") == str(ipaddress.IPv6Network((int(ula.network_address) | 0xFFFF << 64, 64)))
    assert written == {
        "ipv6ready_extra_prefixes": [],
        "ipv6ready_gateway_address": gateway_address,
        "nat64_gateway_prefix": expected_nat64,
        "dns64_prefix": expected_nat64,
        "nat64_client_prefix": expected_nat64,
        "nat64_client_dns_servers": [gateway_address],
    }
    group_vars_text = group_vars.read_text(encoding="utf-8")

    # Second run, with the admins' prefix spelled differently (and twice): nothing changes, only reads.
    mark = len(fake.requests)
    respelled = ["-e", json.dumps({"hcloud_fleet_ssh_source_ips": ["2001:0db8:ad:0:0::/48", " 2001:db8:AD::/48"]})]
    result = ansible.playbook(PROVISION, *respelled, *extra)
    assert assert_ok(result)[1] == 0, result.stdout
    assert [call for call in fake.requests[mark:] if call["method"] != "GET"] == []
    # The same file: the unique local /48 written once is kept.
    assert group_vars.read_text(encoding="utf-8") == group_vars_text

    # A fleet whose file predates the random /48 (no networks_ula_prefix in it) keeps the default: no subnet moves.
    older = "\n".join(line for line in group_vars_text.splitlines() if not line.startswith(("networks_ula_prefix", "daemon_", "  - {base")))
    group_vars.write_text(older + "\n", encoding="utf-8")
    result = ansible.playbook(PROVISION, *SSH, *extra)
    assert assert_ok(result)[1] == 1, result.stdout
    kept = group_vars.read_text(encoding="utf-8")
    assert "keep the collection's default,\n# fd00:d0c::/48" in kept
    assert not {"networks_ula_prefix", "daemon_ipv6_address_pools", "daemon_fixed_cidr_v6"} & set(yaml.safe_load(kept))
    group_vars.write_text(group_vars_text, encoding="utf-8")

    # The dynamic inventory: the fleet only, grouped by role, reached over IPv6.
    mark = len(fake.requests)
    result = ansible.inventory(INVENTORY, "--list")
    assert result.returncode == 0, result.stdout
    listing = unsafe_free(json.loads(result.stdout[result.stdout.index("{") :]))
    assert listing["nat64_gateways"]["hosts"] == [GATEWAY]
    assert sorted(listing["docker_hosts"]["hosts"]) == DOCKER_HOSTS
    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(DOCKER_HOSTS + [GATEWAY])
    for name in DOCKER_HOSTS + [GATEWAY]:
        first = str(ipaddress.IPv6Network(servers[name]["public_net"]["ipv6"]["ip"])[1])
        assert hostvars[name]["ansible_host"] == first
        assert hostvars[name]["ansible_user"] == "root"
        assert hostvars[name]["hcloud_location"] == "nbg1"
        assert "ipv4" not in hostvars[name] if name in DOCKER_HOSTS else hostvars[name]["hcloud_ipv4"]
    assert [call for call in fake.requests[mark:] if call["method"] != "GET"] == []

    # With the written group_vars next to the inventory, site.yml gets the NAT64 settings.
    shutil.copy(INVENTORY, group_vars.parents[2] / "hcloud.yml")
    result = ansible.inventory(group_vars.parents[2] / "hcloud.yml", "--host", DOCKER_HOSTS[0])
    assert result.returncode == 0, result.stdout
    host = unsafe_free(json.loads(result.stdout[result.stdout.index("{") :]))
    assert host["nat64_client_prefix"] == expected_nat64
    assert host["nat64_client_dns_servers"] == [gateway_address]
    # site.yml derives the gateway's allowlists from each Docker host's routed /64 (filter fleet_prefixes).
    assert host["ipv6ready_extra_prefixes"] == []
    assert "%s/%s" % (host["hcloud_ipv6_network"], host["hcloud_ipv6_network_mask"]) in host_prefixes

    fleet_ids = {("servers", servers[name]["id"]) for name in DOCKER_HOSTS + [GATEWAY]}
    fleet_ids |= {("firewalls", docker_fw["id"]), ("firewalls", gateway_fw["id"])}
    fleet_ids |= {("ssh_keys", keys["ipv6ready-admin"]["id"])}

    # Teardown without the confirmation (and in check mode) lists what it would delete, and deletes nothing.
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, "-e", "hcloud_fleet_name=%s" % FLEET, *extra)
    assert result.returncode != 0
    assert (
        "hcloud_fleet_teardown_confirm: the resources listed above are deleted only when you confirm with "
        "-e hcloud_fleet_teardown_confirm=%s" % FLEET in result.stdout
    ), result.stdout
    for name in DOCKER_HOSTS + [GATEWAY, docker_fw["name"], gateway_fw["name"], "ipv6ready-admin"]:
        assert name in result.stdout
    result = ansible.playbook(TEARDOWN, "--check", "-e", "hcloud_fleet_name=%s" % FLEET, *extra)
    assert assert_ok(result)[1] > 0
    assert [call for call in fake.requests[mark:] if call["method"] != "GET"] == []
    assert group_vars.exists()

    # Teardown removes the fleet (by label and name) and nothing else.
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, *CONFIRM, *extra)
    assert assert_ok(result)[1] > 0
    deleted = {tuple(call["path"].strip("/").split("/")) for call in fake.requests[mark:] if call["method"] != "GET"}
    assert {(kind, int(item_id)) for kind, item_id in deleted} == fleet_ids
    assert [call["method"] for call in fake.requests[mark:] if call["method"] != "GET"] == ["DELETE"] * len(fleet_ids)
    assert sorted(item["name"] for item in fake.server_list()) == sorted(["unrelated-web", "other-docker-1"])
    assert [item["name"] for item in fake.ssh_key_list()] == ["bob"]
    remaining_fw = fake.firewall_list()
    assert [item["name"] for item in remaining_fw] == ["web-firewall"]
    assert remaining_fw[0]["applied_to"] == [{"type": "server", "server": {"id": unrelated["id"]}}]
    assert other_fleet["name"] in {item["name"] for item in fake.server_list()}
    assert not group_vars.exists()

    # A second teardown finds nothing to do.
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, *CONFIRM, *extra)
    assert assert_ok(result)[1] == 0, result.stdout
    assert "nothing to delete" in result.stdout
    assert [call for call in fake.requests[mark:] if call["method"] != "GET"] == []


def test_existing_key_is_reused_and_never_deleted(fake, ansible, key_file):
    """A key already in the project, even under the fleet key's own name, is used as it is: no upload, no label.

    This run also opens SSH to everyone on purpose: the opt-in variable, the warning, ::/0 in the rules.
    """
    material = key_file.read_text(encoding="utf-8").strip()
    existing = fake.seed_ssh_key("ipv6ready-admin", material.replace("admin@example.test", "alice@laptop"))
    result = ansible.playbook(
        PROVISION, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file, "-e", "hcloud_fleet_docker_host_count=0", "-e", "hcloud_fleet_ssh_allow_any=true"
    )
    assert_ok(result)
    assert "WARNING: SSH (port 22) of every server of the fleet is open to the whole Internet" in result.stdout
    assert fake.calls("POST", "/ssh_keys") == []
    assert fake.calls("PUT", "/ssh_keys/.*") == []
    creates = fake.calls("POST", "/servers")
    assert [call["body"]["name"] for call in creates] == [GATEWAY]
    assert creates[0]["body"]["ssh_keys"] == [existing["id"]]
    assert [(item["name"], item["labels"]) for item in fake.ssh_key_list()] == [("ipv6ready-admin", {})]
    # No Docker host, no client prefix: the translator and the resolver stay closed, never open to everyone.
    gateway_fw = next(item for item in fake.firewall_list() if item["name"] == FLEET + "-nat64-gateway")
    assert [(rule["protocol"], rule["port"], rule["source_ips"]) for rule in gateway_fw["rules"]] == [
        ("tcp", "22", ["::/0"]),
        ("icmp", None, ["::/0"]),
        ("icmp", None, ["0.0.0.0/0"]),
    ]
    assert "Prefixes allowed to use NAT64 and DNS64: none" in result.stdout
    # The teardown deletes the fleet's servers and firewalls, never the unlabelled key of the same material.
    result = ansible.playbook(TEARDOWN, *CONFIRM)
    assert_ok(result)
    assert fake.server_list() == [] and fake.firewall_list() == []
    assert [(item["name"], item["labels"]) for item in fake.ssh_key_list()] == [("ipv6ready-admin", {})]


def test_other_key_under_the_fleet_key_name_is_refused(fake, ansible, key_file):
    fake.seed_ssh_key("ipv6ready-admin", public_key("someone-else@example.test"))
    result = ansible.playbook(PROVISION, *SSH, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file)
    assert result.returncode != 0
    assert "hcloud_fleet_ssh_key_name: the project already has an SSH key named ipv6ready-admin" in result.stdout
    assert fake.mutating_calls() == []


@pytest.mark.parametrize(
    "playbook, token", [(PROVISION, None), (PROVISION, ""), (TEARDOWN, None)], ids=["provision-unset", "provision-empty", "teardown-unset"]
)
def test_missing_token_fails_before_any_request(fake, ansible, key_file, playbook, token):
    result = ansible.playbook(playbook, *SSH, *CONFIRM, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file, env={"HCLOUD_TOKEN": token})
    assert result.returncode != 0
    assert "HCLOUD_TOKEN is not set" in result.stdout, result.stdout
    assert fake.requests == []


def test_bad_settings_fail_before_any_request(fake, ansible):
    """Every bad setting is reported at once, each message naming its variable."""
    settings = {
        "hcloud_fleet_name": "Bad_Name",
        "hcloud_fleet_docker_host_count": "-1",
        "hcloud_fleet_location": "",
        "hcloud_fleet_ssh_public_key_path": "/nonexistent/id.pub",
        "hcloud_fleet_ssh_source_ips": ["0.0.0.0/0", "2001:db8::1/64", "::/0"],
        "hcloud_fleet_app_ports": ["80", "70000", "http"],
        "hcloud_fleet_extra_client_prefixes": "2001:db8::/64",
        "hcloud_fleet_nat64_carve_offset": "::64:0:0:1",
    }
    result = ansible.playbook(PROVISION, "-e", json.dumps(settings))
    assert result.returncode != 0
    for message in [
        'hcloud_fleet_name: "Bad_Name" is not 2 to 32 lowercase letters',
        'hcloud_fleet_docker_host_count: "-1" is not a whole number from 0 to 100',
        'hcloud_fleet_location: "" is not a Hetzner Cloud name',
        "hcloud_fleet_ssh_public_key_path: /nonexistent/id.pub is not a file",
        'hcloud_fleet_ssh_source_ips: "0.0.0.0/0" is IPv4; these rules are IPv6 only',
        'hcloud_fleet_ssh_source_ips: "2001:db8::1/64" has host bits set; the network is 2001:db8::/64',
        'hcloud_fleet_ssh_source_ips: "::/0" opens SSH to (almost) the whole Internet',
        "set hcloud_fleet_ssh_allow_any: true to open SSH to everyone on purpose",
        'hcloud_fleet_app_ports: "70000" is not a TCP port',
        'hcloud_fleet_app_ports: "http" is not a TCP port',
        'hcloud_fleet_extra_client_prefixes: "2001:db8::/64" is not a list',
        "hcloud_fleet_nat64_carve_offset: '::64:0:0:1' sets bits in the last 32 bits",
    ]:
        assert message in result.stdout, (message, result.stdout)
    assert fake.requests == []


def test_ssh_sources_are_required(fake, ansible, key_file):
    result = ansible.playbook(PROVISION, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file)
    assert result.returncode != 0
    assert "hcloud_fleet_ssh_source_ips: is required and has no default" in result.stdout, result.stdout
    assert fake.requests == []


def test_too_many_prefixes_for_one_rule_fail_before_any_request(fake, ansible, key_file):
    settings = {
        "hcloud_fleet_ssh_source_ips": ["2001:db8:%x::/48" % index for index in range(101)],
        "hcloud_fleet_extra_client_prefixes": ["2001:db8:f:%x::/64" % index for index in range(99)],
        "hcloud_fleet_ssh_public_key_path": str(key_file),
    }
    result = ansible.playbook(PROVISION, "-e", json.dumps(settings))
    assert result.returncode != 0
    assert "hcloud_fleet_ssh_source_ips: 101 prefixes; a Hetzner firewall rule takes at most 100" in result.stdout
    assert ("hcloud_fleet_extra_client_prefixes: 99 prefixes plus the /64s of 2 Docker hosts (hcloud_fleet_docker_host_count) make 101") in result.stdout, (
        result.stdout
    )
    assert fake.requests == []


@pytest.mark.parametrize(
    "settings, message",
    [
        pytest.param(
            {"hcloud_fleet_location": "ash"},
            'hcloud_fleet_docker_host_server_type: "cx23" is not offered in ash (hcloud_fleet_location); '
            "it can be ordered in: fsn1, hel1, nbg1; x86 types that can be ordered in ash: cpx22",
            id="cx-types-are-eu-only",
        ),
        pytest.param(
            {"hcloud_fleet_gateway_server_type": "cax11"},
            'hcloud_fleet_gateway_server_type: "cax11" is not available in nbg1 (hcloud_fleet_location) right now; it can be ordered in: fsn1, hel1',
            id="sold-out",
        ),
        pytest.param(
            {"hcloud_fleet_docker_host_server_type": "cx22"}, 'hcloud_fleet_docker_host_server_type: "cx22" is not available in nbg1', id="deprecated-cx22"
        ),
        pytest.param(
            {"hcloud_fleet_gateway_server_type": "cx99"}, 'hcloud_fleet_gateway_server_type: "cx99" is not a server type of this project', id="unknown-type"
        ),
        pytest.param({"hcloud_fleet_location": "xyz1"}, 'hcloud_fleet_location: "xyz1" is not a Hetzner Cloud location', id="unknown-location"),
        pytest.param({"hcloud_fleet_image": "debian-11"}, 'hcloud_fleet_image: "debian-11" has no x86 image', id="unknown-image"),
    ],
)
def test_type_location_and_image_are_checked_before_any_create(fake, ansible, key_file, settings, message):
    result = ansible.playbook(PROVISION, *SSH, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file, "-e", json.dumps(settings))
    assert result.returncode != 0
    assert message in result.stdout, result.stdout
    assert fake.mutating_calls() == []


@pytest.mark.parametrize(
    "seed, message",
    [
        pytest.param(
            {"name": DOCKER_HOSTS[0], "labels": {"ipv6ready_fleet": FLEET, "ipv6ready_role": "docker_host"}},
            "Docker host %s already exists with the public IPv4 address 203.0.113.10" % DOCKER_HOSTS[0],
            id="docker-host-with-ipv4",
        ),
        pytest.param(
            {"name": GATEWAY, "labels": {"team": "web"}},
            "server %s already exists but is not the NAT64 gateway of the fleet %s" % (GATEWAY, FLEET),
            id="foreign-server-with-the-gateway-name",
        ),
        pytest.param(
            {"name": DOCKER_HOSTS[1], "labels": {}},
            "server %s already exists but is not a Docker host of the fleet %s" % (DOCKER_HOSTS[1], FLEET),
            id="foreign-server-with-a-docker-host-name",
        ),
    ],
)
def test_existing_servers_are_checked_before_any_change(fake, ansible, key_file, seed, message):
    fake.seed_server(seed["name"], labels=seed["labels"])
    result = ansible.playbook(PROVISION, *SSH, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout
    assert fake.mutating_calls() == []


def test_failed_action_fails_the_run_with_the_api_message(fake, ansible, key_file):
    """An action that ends in error (here: creating the gateway) fails the run with the API's message."""
    fake.fail_action("create_server", code="server_create_failed", server_name=GATEWAY, message="Cannot create the server: the host ran out of capacity")
    result = ansible.playbook(PROVISION, *SSH, "-e", "hcloud_fleet_ssh_public_key_path=%s" % key_file, "-e", "hcloud_fleet_docker_host_count=1")
    assert result.returncode != 0
    assert recap(result)[3] == 1
    assert "The pending action failed: Cannot create the server: the host ran out of capacity" in result.stdout
    assert "server_create_failed" in result.stdout
    failed = result.stdout[result.stdout.index("TASK [Create the NAT64 gateway") :]
    assert "fatal: [localhost]" in failed.split("TASK [")[1]
    # The Docker host created before stays; the failed gateway left nothing behind.
    assert [item["name"] for item in fake.server_list()] == DOCKER_HOSTS[:1]


def test_teardown_needs_the_fleet_name(fake, ansible):
    result = ansible.playbook(TEARDOWN, "-e", "hcloud_fleet_teardown_confirm=%s" % FLEET)
    assert result.returncode != 0
    assert "hcloud_fleet_name: is required: name the fleet to remove" in result.stdout, result.stdout
    assert fake.requests == []


def test_teardown_refuses_labelled_resources_outside_the_fleet_naming(fake, ansible):
    fake.seed_server(DOCKER_HOSTS[0], labels={"ipv6ready_fleet": FLEET, "ipv6ready_role": "docker_host"}, enable_ipv4=False)
    fake.seed_server("billing-db", labels={"ipv6ready_fleet": FLEET, "ipv6ready_role": "docker_host"})
    result = ansible.playbook(TEARDOWN, *CONFIRM)
    assert result.returncode != 0
    assert "server billing-db carries ipv6ready_fleet=%s but does not follow the fleet's naming" % FLEET in result.stdout, result.stdout
    assert "Nothing was deleted" in result.stdout
    assert fake.mutating_calls() == []


def test_inventory_with_a_wrong_token_fails(fake, ansible):
    result = ansible.inventory(INVENTORY, "--list", env={"HCLOUD_TOKEN": "not-the-token"})
    assert result.returncode != 0
    assert "Invalid Hetzner Cloud API Token" in result.stdout, result.stdout
    assert [(call["path"], call["status"]) for call in fake.requests] == [("/locations", 401)]
