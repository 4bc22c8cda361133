# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tables for the daemon role's decisions in module_utils/_daemon.py (and the daemon filters)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter import daemon as daemon_filters
from ansible_collections.ipv6ready.docker.plugins.module_utils import _daemon as dr
from ansible_collections.ipv6ready.docker.plugins.module_utils import _daemon_json as dj
from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def role_defaults():
    with open(os.path.join(ROOT, "roles", "daemon", "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    return {
        key: value
        for key, value in defaults.items()
        if key
        in (
            "daemon_ipv6",
            "daemon_fixed_cidr_v6",
            "daemon_ip6tables",
            "daemon_ipv4_address_pools",
            "daemon_ipv6_address_pools",
            "daemon_ipv6_new_networks",
            "daemon_dns",
            "daemon_live_restore",
            "daemon_settings",
            "daemon_remove_keys",
            "ipv6ready_docker_socket",
        )
    }


DEFAULTS = role_defaults()
IPV4_POOLS = [{"base": p["base"], "size": p["size"]} for p in DEFAULTS["daemon_ipv4_address_pools"]]
ALL_POOLS = IPV4_POOLS + [{"base": "fd00:d0c::/48", "size": 64}]
OPTS_ON = {"bridge": {"com.docker.network.enable_ipv6": "true"}}
OPTS_OFF = {"bridge": {"com.docker.network.enable_ipv6": "false"}}


def inputs(**changes):
    return dict(DEFAULTS, **changes)


def test_the_defaults_are_the_ones_this_table_expects():
    assert DEFAULTS["daemon_ipv6"] is True and DEFAULTS["daemon_ip6tables"] is True
    assert DEFAULTS["daemon_fixed_cidr_v6"] == "fd00:d0c:1::/64"
    assert DEFAULTS["daemon_ipv6_address_pools"] == [{"base": "fd00:d0c::/48", "size": 64}]


# One row per engine version: the role's defaults give these keys, in this order.
BASE = {"ipv6": True, "ip6tables": True, "default-address-pools": ALL_POOLS, "fixed-cidr-v6": "fd00:d0c:1::/64"}


@pytest.mark.parametrize(
    "version, expected",
    [
        # Debian 12: ip6tables is experimental; no default-network-opts.
        ("20.10.24", dict(BASE, experimental=True)),
        ("23.0.0", dict(BASE, experimental=True)),
        # default-network-opts exists from 24.0 but cannot enable IPv6 before 27.0: not written.
        ("24.0.9", dict(BASE, experimental=True)),
        # Debian 13.
        ("26.1.5", dict(BASE, experimental=True)),
        # 27.0: ip6tables is on by default (no experimental), and new networks get IPv6.
        ("27.0.0", dict(BASE, **{"default-network-opts": OPTS_ON})),
        ("27.5.1", dict(BASE, **{"default-network-opts": OPTS_ON})),
        # 28.0: the same keys; fixed-cidr-v6 is still written because the defaults set it.
        ("28.0.0", dict(BASE, **{"default-network-opts": OPTS_ON})),
        ("28.5.2", dict(BASE, **{"default-network-opts": OPTS_ON})),
        ("29.1.0", dict(BASE, **{"default-network-opts": OPTS_ON})),
    ],
)
def test_role_settings_by_engine(version, expected):
    settings = dr.role_settings(inputs(), version)
    assert settings == expected
    assert list(settings) == list(expected)
    # What the role writes passes the module's own checks for that engine.
    assert dj.validate_config(settings, _engine.parse_version(version)) == []


SETTINGS = {"ip6tables": False, "log-level": "warn", "default-network-opts": {"bridge": {"com.docker.network.enable_ipv4": "false"}}}
MERGED = {"default-network-opts": {"bridge": {"com.docker.network.enable_ipv6": "true", "com.docker.network.enable_ipv4": "false"}}, "log-level": "warn"}


@pytest.mark.parametrize(
    "version, changes, expected",
    [
        pytest.param(
            "26.1.5",
            {"daemon_ip6tables": False},
            {"ipv6": True, "ip6tables": False, "default-address-pools": ALL_POOLS, "fixed-cidr-v6": "fd00:d0c:1::/64"},
            id="26-no-ip6tables-no-experimental",
        ),
        pytest.param(
            "27.0.0",
            {"daemon_ipv6": False},
            {"ipv6": False, "ip6tables": True, "default-address-pools": IPV4_POOLS, "default-network-opts": OPTS_OFF},
            id="27-ipv6-off-no-ipv6-pools-or-subnet",
        ),
        pytest.param("27.0.0", {"daemon_ipv6_new_networks": False}, dict(BASE, **{"default-network-opts": OPTS_OFF}), id="27-new-networks-off"),
        pytest.param("20.10.24", {"daemon_ipv6_new_networks": False}, dict(BASE, experimental=True), id="20-new-networks-off-nothing-to-write"),
        pytest.param(
            "28.5.2",
            {"daemon_fixed_cidr_v6": ""},
            {"ipv6": True, "ip6tables": True, "default-address-pools": ALL_POOLS, "default-network-opts": OPTS_ON},
            id="28-ipv6-without-fixed-cidr",
        ),
        pytest.param(
            "26.1.5",
            {"daemon_dns": ["2001:db8::53"], "daemon_live_restore": False},
            dict(BASE, experimental=True, dns=["2001:db8::53"], **{"live-restore": False}),
            id="dns-live-restore",
        ),
        # Types as an inventory or -e may give them: written as JSON types.
        pytest.param(
            "28.5.2",
            {
                "daemon_ipv6": "yes",
                "daemon_ip6tables": "true",
                "daemon_live_restore": "on",
                "daemon_ipv6_new_networks": "no",
                "daemon_ipv6_address_pools": [{"base": "fd00:d0c::/48", "size": "64"}],
            },
            dict(BASE, **{"default-network-opts": OPTS_OFF, "live-restore": True}),
            id="string-types",
        ),
        # daemon_settings are merged last, recursively, and win.
        pytest.param("28.5.2", {"daemon_settings": SETTINGS}, dict(BASE, ip6tables=False, **MERGED), id="settings-win"),
    ],
)
def test_role_settings_cases(version, changes, expected):
    assert dr.role_settings(inputs(**changes), version) == expected


def test_role_settings_reads_the_engine_table(monkeypatch):
    # Moving a cut-off in the table moves the role's choice: no other place holds it.
    features = tuple(f._replace(since=(26, 0, 0)) if f.name == "ip6tables_default" else f for f in _engine.FEATURES)
    monkeypatch.setattr(_engine, "_BY_NAME", {f.name: f for f in features})
    monkeypatch.setattr(_engine, "FEATURES", features)
    assert "experimental" not in dr.role_settings(inputs(), "26.1.5")


@pytest.mark.parametrize(
    "version, changes, expected_version, fragments",
    [
        pytest.param("", {}, "", [], id="unknown-engine"),
        pytest.param(
            "Docker version 19.03.15, build 99e3ed8",
            {},
            "19.3.15",
            ["Docker 19.3.15 is too old: IPv6 firewalling (ip6tables) needs Docker 20.10 or newer"],
            id="too-old",
        ),
        pytest.param(
            "26.1.5",
            {"daemon_remove_keys": ["experimental"]},
            "26.1.5",
            ["daemon_remove_keys: 'experimental' is written by this role for Docker 26.1.5"],
            id="remove-experimental-before-27",
        ),
        pytest.param("27.0.0", {"daemon_remove_keys": ["experimental"]}, "27.0.0", [], id="remove-experimental-from-27"),
        pytest.param(
            "28.5.2",
            {"daemon_remove_keys": ["default-network-opts"]},
            "28.5.2",
            ["daemon_remove_keys: 'default-network-opts'"],
            id="remove-network-opts-from-27",
        ),
        pytest.param("26.1.5", {"daemon_remove_keys": ["default-network-opts"]}, "26.1.5", [], id="remove-network-opts-before-27"),
        # Docker's firewall backend: a daemon.json key of 29.0 and later; the role refuses it before, naming the
        # version, and writes nothing.
        pytest.param(
            "28.5.2+dfsg3",
            {"daemon_firewall_backend": "nftables"},
            "28.5.2",
            ["daemon_firewall_backend: 'nftables' needs Docker 29.0 or newer (daemon.json firewall-backend); the engine is 28.5.2"],
            id="nftables-28",
        ),
        pytest.param(
            "20.10.24+dfsg1",
            {"daemon_firewall_backend": "iptables"},
            "20.10.24",
            ["daemon_firewall_backend: 'iptables' needs Docker 29.0 or newer"],
            id="iptables-20.10",
        ),
        pytest.param("29.7.2", {"daemon_firewall_backend": "nftables"}, "29.7.2", [], id="nftables-29"),
        pytest.param(
            "29.7.2",
            {"daemon_firewall_backend": "nftables", "daemon_remove_keys": ["firewall-backend"]},
            "29.7.2",
            ["daemon_remove_keys: 'firewall-backend' is written by this role for Docker 29.7.2"],
            id="nftables-29-removed",
        ),
    ],
)
def test_role_plan(version, changes, expected_version, fragments):
    plan = daemon_filters.daemon_plan(inputs(**changes), version)
    assert plan["version"] == expected_version
    assert bool(plan["problems"]) is bool(fragments)
    for fragment in fragments:
        assert fragment in "; ".join(plan["problems"])
    if not version or fragments and ("too old" in fragments[0] or "daemon_firewall_backend" in fragments[0]):
        assert plan["settings"] == {}


def test_daemon_plan_refuses_a_bad_version():
    with pytest.raises(AnsibleFilterError, match="daemon_plan"):
        daemon_filters.daemon_plan(inputs(), "docker")


@pytest.mark.parametrize(
    "changes, fragments",
    [
        pytest.param({}, [], id="defaults"),
        pytest.param(
            {"daemon_fixed_cidr_v6": "10.0.0.0/24"}, ["daemon_fixed_cidr_v6: '10.0.0.0/24' is an IPv4 prefix, IPv6 is required"], id="ipv4-bridge-subnet"
        ),
        pytest.param({"daemon_fixed_cidr_v6": "fd00:d0c:1::1/64"}, ["daemon_fixed_cidr_v6:", "has host bits set"], id="bridge-subnet-host-bits"),
        pytest.param({"daemon_fixed_cidr_v6": ""}, [], id="no-bridge-subnet"),
        pytest.param(
            {"daemon_ipv6_address_pools": [{"base": "fd00:d0c::1/48", "size": 64}]},
            ["daemon_ipv6_address_pools[0].base: 'fd00:d0c::1/48' has host bits set"],
            id="pool-host-bits",
        ),
        pytest.param(
            {"daemon_ipv4_address_pools": [{"base": "fd00:d0c::/48", "size": 64}]},
            ["daemon_ipv4_address_pools[0].base: 'fd00:d0c::/48' is an IPv6 prefix, IPv4 is required"],
            id="ipv6-among-ipv4-pools",
        ),
        pytest.param(
            {"daemon_ipv6_address_pools": [{"base": "fd00:d0c::/48", "size": 64}, {"base": "fd00:d0d::/48", "size": 40}]},
            ["daemon_ipv6_address_pools[1].size: 40 must be between 48 (the prefix length of fd00:d0d::/48) and 128"],
            id="pool-size-shorter-than-base",
        ),
        pytest.param(
            {"daemon_ipv4_address_pools": [{"base": "10.0.0.0/8", "size": "33"}]},
            ["daemon_ipv4_address_pools[0].size: 33 must be between 8"],
            id="pool-size-as-text",
        ),
        pytest.param({"daemon_ipv4_address_pools": []}, ["daemon_ipv4_address_pools: must not be empty"], id="no-ipv4-pools"),
        pytest.param({"daemon_dns": ["dns64.example"]}, ["daemon_dns: 'dns64.example' is not an IP address"], id="dns-name"),
        pytest.param({"daemon_dns": ["2001:db8::/64"]}, ["daemon_dns: '2001:db8::/64' is not an IP address", "without a /length"], id="dns-prefix"),
        pytest.param({"daemon_dns": ["192.0.2.53", "2001:db8::53"]}, [], id="dns-both-families"),
        pytest.param({"daemon_remove_keys": ["ipv6"]}, ["daemon_remove_keys: 'ipv6' is also set by this role"], id="remove-role-key"),
        pytest.param(
            {"daemon_remove_keys": ["log-level"], "daemon_settings": {"log-level": "warn"}}, ["daemon_remove_keys: 'log-level'"], id="remove-settings-key"
        ),
        pytest.param({"daemon_remove_keys": ["dns"], "daemon_dns": ["2001:db8::53"]}, ["'dns'"], id="remove-dns-set"),
        pytest.param({"daemon_remove_keys": ["dns", "live-restore"]}, [], id="remove-dns-unset"),
        pytest.param({"daemon_remove_keys": ["live-restore"], "daemon_live_restore": False}, ["'live-restore'"], id="remove-live-restore-set"),
        # With no subnet of its own the role does not set fixed-cidr-v6, so it may be removed (Docker 28+).
        pytest.param({"daemon_remove_keys": ["fixed-cidr-v6"]}, ["'fixed-cidr-v6'"], id="remove-fixed-cidr-set"),
        pytest.param({"daemon_remove_keys": ["fixed-cidr-v6"], "daemon_fixed_cidr_v6": ""}, [], id="remove-fixed-cidr-unset"),
        pytest.param({"daemon_remove_keys": ["experimental"]}, [], id="remove-experimental-is-engine-dependent"),
    ],
)
def test_role_problems(changes, fragments):
    problems = daemon_filters.daemon_problems(inputs(**changes))
    assert bool(problems) is bool(fragments), problems
    for fragment in fragments:
        assert fragment in "; ".join(problems)


@pytest.mark.parametrize(
    "text, version",
    [
        ("Docker version 20.10.24+dfsg1, build 297e128", "20.10.24"),
        ("Docker version 28.5.2+dfsg3, build ecc6942", "28.5.2"),
        ("docker.io:\n  Installed: (none)\n  Candidate: 26.1.5+dfsg1-9+b1\n  Version table:\n     26.1.5+dfsg1-9+b1 500\n", "26.1.5"),
        ("docker-ce:\n  Installed: (none)\n  Candidate: 5:28.0.1-1~debian.12~bookworm\n", "28.0.1"),
        ("docker.io:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n", ""),
        ("", ""),
        (None, ""),
        ("dockerd: command not found", ""),
    ],
)
def test_engine_version_text(text, version):
    assert daemon_filters.docker_engine_version(text) == version


# --------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------

SOCKET = "/run/docker.sock"
OK = {"status": 200}
BRIDGE6 = {"status": 200, "json": {"EnableIPv6": True, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}, {"Subnet": "fd00:d0c:1::/64"}]}}}


@pytest.mark.parametrize(
    "ping, bridge, expect_ipv6, fragment",
    [
        pytest.param(OK, {"skipped": True}, False, "", id="answers"),
        pytest.param(
            {"status": -1, "msg": "Connection refused"},
            {"skipped": True},
            False,
            "the engine API did not answer on /run/docker.sock within 60 s (Connection refused)",
            id="down",
        ),
        pytest.param({"status": -1, "msg": "refused"}, {"skipped": True}, True, "did not answer on", id="down-ipv6"),
        pytest.param(OK, BRIDGE6, True, "", id="ipv6"),
        pytest.param({"skipped": True}, BRIDGE6, True, "", id="no-wait-ipv6"),
        pytest.param(
            OK, {"status": 404, "msg": "Not Found"}, True, "did not answer /run/docker.sock for the default bridge network (Not Found)", id="no-bridge"
        ),
        pytest.param(
            OK,
            {"status": 200, "json": {"EnableIPv6": False, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}}},
            True,
            "the default bridge network reports no IPv6 (EnableIPv6 False, subnets 172.17.0.0/16)",
            id="bridge-ipv4-only",
        ),
        pytest.param(
            OK,
            {"status": 200, "json": {"EnableIPv6": True, "IPAM": {"Config": None}}},
            True,
            "reports no IPv6 (EnableIPv6 True, subnets )",
            id="bridge-without-subnets",
        ),
    ],
)
def test_health_problem(ping, bridge, expect_ipv6, fragment):
    problem = daemon_filters.daemon_health(ping, bridge, expect_ipv6, SOCKET, 60)
    assert (problem == "") is (fragment == "")
    assert fragment in problem


# --------------------------------------------------------------------------
# Drift between the running engine and daemon.json
# --------------------------------------------------------------------------

CONFIG = {"ipv6": True, "fixed-cidr-v6": "fd00:d0c:1::/64", "dns": ["fd00:d0c:feed::53"]}
BRIDGE = BRIDGE6["json"]
RESOLV_BRIDGE = "# Generated by Docker Engine.\n\nnameserver fd00:d0c:feed::53\n\n# Overrides: [nameservers]\n"
RESOLV_NET_26 = (
    "# Generated by Docker Engine.\nnameserver 127.0.0.11\noptions ndots:0\n\n"
    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n# ExtServers: [fd00:d0c:feed::53]\n"
    "# Overrides: [nameservers]\n"
)
RESOLV_NET_20 = "nameserver 127.0.0.11\noptions ndots:0\n"


def container(name, mode="bridge", resolv=RESOLV_BRIDGE, dns=()):
    return {"name": name, "network_mode": mode, "dns": list(dns), "resolv_conf": resolv}


def state(bridge=None, containers=(), live_restore=True):
    return {"bridge": BRIDGE if bridge is None else bridge, "containers": list(containers), "live_restore": live_restore}


RESOLV_NET_20_V6 = "nameserver 127.0.0.11\nnameserver fd00:d0c:feed::53\noptions ndots:0\n"


@pytest.mark.parametrize(
    "text, servers, family",
    [
        (RESOLV_BRIDGE, ["fd00:d0c:feed::53"], None),
        ("nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example\n", ["192.0.2.53", "2001:db8::53"], None),
        (RESOLV_NET_26, ["fd00:d0c:feed::53"], None),
        ("nameserver 127.0.0.11\n# ExtServers: [host(192.0.2.53) host(2001:db8::53)]\n", ["192.0.2.53", "2001:db8::53"], None),
        # Docker 20.10 on a user-defined network: the IPv6 servers only, next to its resolver.
        (RESOLV_NET_20_V6, ["fd00:d0c:feed::53"], 6),
        (RESOLV_NET_20, None, 6),
        ("", [], None),
        (None, [], None),
    ],
)
def test_resolv_conf_servers(text, servers, family):
    assert dr.resolv_conf_servers(text) == (servers, family)


RESTART_LIVE = (
    "with live-restore on, the engine keeps its networks as they are while any container runs "
    "(1 running: web): stop them, or turn live-restore off (a reload is enough), then restart the engine "
    "(systemctl restart docker)"
)


@pytest.mark.parametrize(
    "config, engine, fragments",
    [
        pytest.param(
            CONFIG,
            state(containers=[container("web"), container("app", "kamal", RESOLV_NET_26), container("old", "kamal", RESOLV_NET_20_V6)]),
            [],
            id="in-step",
        ),
        # An IPv4 server is not listed on 20.10's user networks: only the IPv6 ones are compared.
        pytest.param(
            dict(CONFIG, dns=["192.0.2.53", "fd00:d0c:feed::53"]),
            state(containers=[container("old", "kamal", RESOLV_NET_20_V6)]),
            [],
            id="old-engine-ipv6-only",
        ),
        pytest.param(dict(CONFIG, dns=["192.0.2.53"]), state(containers=[container("old", "kamal", RESOLV_NET_20)]), [], id="old-engine-ipv4-only"),
        # live-restore kept the old subnet while a container ran (on any network).
        pytest.param(
            dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64"}),
            state(containers=[container("web")]),
            ["the default bridge has the IPv6 subnet fd00:d0c:1::/64, but daemon.json says fixed-cidr-v6: fd00:d0c:2::/64; " + RESTART_LIVE],
            id="bridge-subnet",
        ),
        pytest.param(
            dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64"}),
            state(containers=[container("c%02d" % i, "kamal", RESOLV_NET_26) for i in range(12)]),
            ["(12 running: c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, ...)"],
            id="many-containers",
        ),
        # A subnet spelled differently is the same subnet.
        pytest.param(dict(CONFIG, **{"fixed-cidr-v6": "fd00:0d0c:0001::/64"}), state(), [], id="subnet-spelling"),
        # With bip6 the subnet is bip6's network and fixed-cidr-v6 the range inside it.
        pytest.param(
            dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:1:0:8000::/65"}),
            state(bridge={"EnableIPv6": True, "IPAM": {"Config": [{"Subnet": "fd00:d0c:1::/64", "IPRange": "fd00:d0c:1:0:8000::/65"}]}}),
            [],
            id="ip-range",
        ),
        # No container runs, or live-restore is off: the engine was not restarted since daemon.json changed.
        pytest.param(
            dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64"}),
            state(containers=[container("web")], live_restore=False),
            ["fixed-cidr-v6: fd00:d0c:2::/64; restart the engine (systemctl restart docker)"],
            id="never-restarted",
        ),
        pytest.param(
            dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64"}),
            state(),
            ["fixed-cidr-v6: fd00:d0c:2::/64; restart the engine (systemctl restart docker)"],
            id="never-restarted-no-containers",
        ),
        pytest.param(dict(CONFIG, ipv6=False), state(), ["the default bridge has IPv6 on, but daemon.json says ipv6: false"], id="ipv6-still-on"),
        pytest.param(
            CONFIG,
            state(bridge={"EnableIPv6": False, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}}),
            ["the default bridge has IPv6 off, but daemon.json says ipv6: true"],
            id="ipv6-still-off",
        ),
        # Docker 28 picks the bridge's subnet itself when fixed-cidr-v6 is not set.
        pytest.param({"ipv6": True}, state(bridge={"EnableIPv6": True, "IPAM": {"Config": [{"Subnet": "fd9a::/64"}]}}), [], id="no-fixed-cidr"),
        pytest.param(CONFIG, state(bridge={}), [], id="no-bridge"),
        # Containers started before a dns change keep their resolv.conf.
        pytest.param(
            dict(CONFIG, dns=["fd00:d0c:feed::54"]),
            state(
                containers=[
                    container("web"),
                    container("app", "kamal", RESOLV_NET_26),
                    container("old", "kamal", RESOLV_NET_20_V6),
                    container("own", dns=["192.0.2.1"]),
                    container("hostnet", "host", "nameserver 1.1.1.1\n"),
                    container("side", "container:web", None),
                    container("new", resolv=RESOLV_BRIDGE.replace("::53", "::54")),
                ]
            ),
            [
                "the running containers app, old, web still use the DNS servers fd00:d0c:feed::53, but daemon.json "
                "says dns: fd00:d0c:feed::54; the engine applies dns when it starts a container: restart them "
                "(docker restart app old web)"
            ],
            id="dns",
        ),
        pytest.param({"ipv6": True}, state(containers=[container("web")]), [], id="dns-not-managed"),
        pytest.param(dict(CONFIG, dns=["FD00:D0C:FEED:0::53"]), state(containers=[container("web")]), [], id="dns-spelling"),
    ],
)
def test_drift_problems(config, engine, fragments):
    problems = daemon_filters.daemon_drift(engine, config)
    assert len(problems) == len(fragments), problems
    for problem, fragment in zip(problems, fragments):
        assert fragment in problem


def test_drift_leaves_out_the_verify_probes():
    """A probe ends by itself; with live-restore, one still running names no restart and keeps no stale DNS."""
    probe = dict(container("ipv6ready-verify-kamal"), labels={"ipv6ready.verify": "probe"})
    config = dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64", "dns": ["fd00:d0c:feed::54"]})
    problems = dr.drift_problems(config, state(containers=[probe, dict(container("web"), labels={"service": "web"})]))
    assert len(problems) == 2
    assert "(1 running: web)" in problems[0] and "docker restart web)" in problems[1]
    assert not [p for p in problems if "ipv6ready-verify" in p]
    assert dr.drift_problems(dict(CONFIG, dns=["fd00:d0c:feed::54"]), state(containers=[probe])) == []


def test_drift_names_both_restarts():
    problems = dr.drift_problems(dict(CONFIG, **{"fixed-cidr-v6": "fd00:d0c:2::/64", "dns": ["fd00:d0c:feed::54"]}), state(containers=[container("web")]))
    assert len(problems) == 2
    assert "restart the engine" in problems[0] and "docker restart web" in problems[1]


# --------------------------------------------------------------------------
# The rollback message
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "restored, removed, engine_back, fragments",
    [
        (
            "/etc/docker/daemon.json.1.2026~",
            False,
            "",
            ["The previous daemon.json was restored (the rejected one is kept as /etc/docker/daemon.json.1.2026~); the engine runs again with it."],
        ),
        (True, False, "", ["(the rejected one is kept as a backup)"]),
        (False, True, "", ["The daemon.json this role created was removed; the engine runs again with it."]),
        (False, False, "Job failed", ["There was no previous daemon.json to restore; the engine did NOT start again: Job failed."]),
    ],
)
def test_rollback_message(restored, removed, engine_back, fragments):
    message = daemon_filters.daemon_rollback_message(
        "/etc/docker/daemon.json", ["hosts"], "the engine did not start (Job failed)", ["unable to configure", "x"], restored, removed, engine_back
    )
    assert message.startswith(
        "Docker did not come back healthy after changing hosts in /etc/docker/daemon.json: "
        "the engine did not start (Job failed). The engine says: unable to configure | x. "
    )
    for fragment in fragments:
        assert fragment in message


# ---------------------------------------------------------------------------
# ULA safety: the role's prefixes against the host's routes and addresses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, [("daemon_fixed_cidr_v6", "fd00:d0c:1::/64"), ("daemon_ipv6_address_pools[0].base", "fd00:d0c::/48")]),
        # IPv6 off: the role writes neither.
        ({"daemon_ipv6": False}, []),
        ({"daemon_ipv6": "no"}, []),
        ({"daemon_fixed_cidr_v6": ""}, [("daemon_ipv6_address_pools[0].base", "fd00:d0c::/48")]),
        (
            {"daemon_ipv6_address_pools": [{"base": "fd12::/48", "size": 64}, {"base": "fd13::/48", "size": 64}], "daemon_fixed_cidr_v6": ""},
            [("daemon_ipv6_address_pools[0].base", "fd12::/48"), ("daemon_ipv6_address_pools[1].base", "fd13::/48")],
        ),
        # daemon_settings wins over the variables, and is checked under its own name.
        (
            {"daemon_settings": {"fixed-cidr-v6": "fd14::/64", "default-address-pools": [{"base": "fd15::/48", "size": 64}]}},
            [("daemon_settings.fixed-cidr-v6", "fd14::/64"), ("daemon_settings.default-address-pools[0].base", "fd15::/48")],
        ),
        ({"daemon_settings": {"default-address-pools": "nonsense"}}, [("daemon_fixed_cidr_v6", "fd00:d0c:1::/64")]),
    ],
)
def test_role_ula_prefixes(changes, expected):
    assert dr.role_ula_prefixes(inputs(**changes)) == expected


HOST = {
    "links": [{"ifname": "lo"}, {"ifname": "eth0", "linkinfo": {"info_kind": "veth"}}, {"ifname": "docker0", "linkinfo": {"info_kind": "bridge"}}],
    "routes": [{"dst": "fd00:d0c::/64", "dev": "eth0"}, {"dst": "fd00:d0c:1::/64", "dev": "docker0"}, {"dst": "default", "dev": "eth0"}],
    "addresses": [{"ifname": "eth0", "addr_info": [{"family": "inet6", "local": "fd00:d0c::2", "prefixlen": 64}]}],
}


def test_refuse_problems_name_the_pool_and_the_host_prefix():
    problems = dr.refuse_problems(inputs(), {"networks": HOST})
    assert len(problems) == 1
    assert problems[0].startswith(
        "daemon_ipv6_address_pools[0].base fd00:d0c::/48 overlaps this host's own fd00:d0c::/64 (route on eth0), fd00:d0c::/64 (address fd00:d0c::2/64 on eth0)"
    )
    # The default bridge's /64 is on docker0, a bridge: Docker's own.
    assert dr.refuse_problems(inputs(daemon_ipv6_address_pools=[{"base": "fd12::/48", "size": 64}]), {"networks": HOST}) == []


@pytest.mark.parametrize(
    "result, install, expected",
    [
        # The command module's message when the program does not exist.
        (
            {"rc": 2, "msg": "[Errno 2] No such file or directory: b'dockerd'"},
            False,
            "No Docker engine found on this host: dockerd is not installed (not on the PATH), and daemon_install is false, so the role installs none.",
        ),
        ({"rc": 127, "stderr": "sh: 1: dockerd: not found"}, False, "dockerd is not installed (not on the PATH)"),
        # dockerd exists but fails: its own words.
        (
            {"rc": 1, "stderr": "dockerd: error while loading shared libraries: libseccomp.so.2\n"},
            False,
            "'dockerd --version' failed (rc 1: dockerd: error while loading shared libraries: libseccomp.so.2)",
        ),
        (
            {"rc": 2, "msg": "[Errno 2] No such file or directory: b'dockerd'"},
            True,
            "dockerd is not installed (not on the PATH), and the distribution's engine could not be installed.",
        ),
    ],
)
def test_engine_missing_message(result, install, expected):
    message = daemon_filters.daemon_engine_missing(result, install)
    assert expected in message
    if not install:
        assert "site.yml --tags gateways,nat64_client" in message and "daemon_install: true" in message


# ---------------------------------------------------------------------------
# Docker's nftables firewall backend
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend, key",
    [(None, None), ("", None), ("iptables", "iptables"), ("nftables", "nftables")],
)
def test_role_settings_write_the_firewall_backend_only_when_asked(backend, key):
    settings = dr.role_settings(inputs(daemon_firewall_backend=backend), "29.7.2")
    assert settings.get("firewall-backend") == key
    # On every engine of 29 the merged file passes the version rules.
    assert dj.check_engine_version(settings, "29.0.0") == []


@pytest.mark.parametrize(
    "backend, expected",
    [(None, []), ("iptables", []), ("nftables", ["nftables"])],
)
def test_role_packages(backend, expected):
    assert daemon_filters.daemon_packages(inputs(daemon_firewall_backend=backend)) == expected


def test_removing_the_backend_the_role_writes_is_refused_before_the_engine_is_asked():
    problems = dr.role_problems(inputs(daemon_firewall_backend="nftables", daemon_remove_keys=["firewall-backend"]))
    assert problems == ["daemon_remove_keys: 'firewall-backend' is also set by this role or daemon_settings; name it in one of them only"]


ON = {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
OFF = {"net.ipv4.ip_forward": "0", "net.ipv6.conf.all.forwarding": "0"}


@pytest.mark.parametrize(
    "changes, values, off",
    [
        # Not the nftables backend: Docker enables forwarding itself (or the engine's choice does).
        ({}, OFF, None),
        ({"daemon_firewall_backend": "iptables"}, OFF, None),
        # nftables: IPv4 for the default bridge, IPv6 with daemon_ipv6.
        ({"daemon_firewall_backend": "nftables"}, ON, None),
        ({"daemon_firewall_backend": "nftables"}, dict(ON, **{"net.ipv4.ip_forward": "0"}), "net.ipv4.ip_forward is 0"),
        ({"daemon_firewall_backend": "nftables"}, dict(ON, **{"net.ipv6.conf.all.forwarding": "0"}), "net.ipv6.conf.all.forwarding is 0"),
        ({"daemon_firewall_backend": "nftables"}, OFF, "net.ipv4.ip_forward is 0 and net.ipv6.conf.all.forwarding is 0"),
        ({"daemon_firewall_backend": "nftables", "daemon_ipv6": False}, dict(ON, **{"net.ipv6.conf.all.forwarding": "0"}), None),
        # A kernel without IPv6: nothing to read for it.
        ({"daemon_firewall_backend": "nftables"}, {"net.ipv4.ip_forward": "1"}, "net.ipv6.conf.all.forwarding is unknown"),
        # Docker's own check turned off.
        ({"daemon_firewall_backend": "nftables", "daemon_settings": {"ip-forward": False}}, OFF, None),
    ],
)
def test_forwarding_problems(changes, values, off):
    problems = dr.forwarding_problems(inputs(**changes), values)
    if off is None:
        assert problems == []
    else:
        assert problems == [
            "daemon_firewall_backend: 'nftables': Docker does not enable IP forwarding with the nftables backend, and "
            "refuses to start without it, but on this host %s. Run the ipv6ready.docker.sysctl role first with "
            "sysctl_forward_policy_backend: nftables (site.yml does when daemon_firewall_backend is nftables): it "
            "turns forwarding on, at boot too, and drops what Docker does not forward; nothing was changed" % off
        ]


# --------------------------------------------------------------------------
# The one read: what stops the role, and what differs (a no-op when nothing)
# --------------------------------------------------------------------------

READ_VERSION = "26.1.5"
NO_NETWORKS = {"links": [], "routes": [], "addresses": []}


def noop_read(**changes):
    """The engine_info read of a host that holds what the role's defaults want for Docker 26.1.5."""
    settings = dr.role_plan(inputs(), READ_VERSION)["settings"]
    read = {
        "dockerd": {"rc": 0, "stdout": "Docker version 26.1.5+dfsg1, build a72d7cd", "stderr": ""},
        "service": {"active": "active", "enabled": "enabled"},
        "networks": NO_NETWORKS,
        "forwarding": {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"},
        "daemon_json": {"exists": True, "content": dj.render_daemon_json(dict(settings, **{"log-driver": "json-file"}))},
        "packages_missing": [],
        "engine": {"answers": True, "error": ""},
        "live_restore": False,
        "bridge": BRIDGE,
        "containers": [],
    }
    read.update(changes)
    return read


def content(settings, **changes):
    config = dict(dr.role_plan(inputs(**settings), READ_VERSION)["settings"], **changes)
    return {"exists": True, "content": dj.render_daemon_json(dict((k, v) for k, v in config.items() if v is not None))}


@pytest.mark.parametrize(
    "role_vars, read, fragments",
    [
        pytest.param({}, {}, [], id="no-op"),
        pytest.param(
            {}, {"daemon_json": {"exists": True, "content": '{"log-driver":"json-file", ' + content({})["content"].strip()[1:]}}, [], id="no-op-formatting"
        ),
        pytest.param({}, {"dockerd": {"rc": 127, "stdout": "", "stderr": "dockerd: command not found"}}, ["no Docker engine is installed"], id="no-engine"),
        pytest.param({}, {"dockerd": {"rc": 0, "stdout": "Docker version 19.03.1", "stderr": ""}}, ["cannot configure Docker 19.3.1"], id="too-old"),
        pytest.param({}, {"service": {"active": "inactive", "enabled": "enabled"}}, ["docker.service is inactive and enabled"], id="stopped"),
        pytest.param({}, {"service": {"active": "active", "enabled": "disabled"}}, ["docker.service is active and disabled"], id="disabled"),
        pytest.param({}, {"service": {"active": None, "enabled": None}}, ["docker.service is None and None"], id="no-systemd"),
        pytest.param({"daemon_dns": ["2001:db8::53"]}, {}, ["daemon.json differs in dns"], id="key-missing"),
        pytest.param({}, {"daemon_json": content({}, ipv6=False)}, ["daemon.json differs in ipv6"], id="key-edited"),
        pytest.param({}, {"daemon_json": {"exists": False, "content": None}}, ["daemon.json differs in default-address-pools"], id="no-file"),
        pytest.param({}, {"daemon_json": {"exists": True, "content": "{"}}, ["daemon.json: "], id="broken-json"),
        pytest.param({}, {"daemon_json": {"exists": True, "content": None}}, ["cannot be read as UTF-8"], id="not-utf8"),
        pytest.param({}, {"daemon_json": content({}, **{"log-opts": {"max-size": 10}})}, ["does not pass the daemon_json module's checks"], id="invalid"),
        pytest.param({"daemon_remove_keys": ["log-driver"]}, {}, ["daemon.json differs in log-driver"], id="key-to-remove"),
        pytest.param({}, {"engine": {"answers": False, "error": "socket missing"}}, ["the engine API does not answer (socket missing)"], id="engine-down"),
        pytest.param({}, {"bridge": {}}, ["the engine is not healthy: the default bridge network reports no IPv6"], id="bridge-without-ipv6"),
        pytest.param({"daemon_ipv6": False}, {"bridge": {}, "daemon_json": content({"daemon_ipv6": False})}, [], id="ipv6-off"),
        pytest.param(
            {},
            {"bridge": {"EnableIPv6": True, "IPAM": {"Config": [{"Subnet": "fd00:d0c:9::/64"}]}}},
            ["the running engine differs from daemon.json"],
            id="drift",
        ),
        pytest.param({"daemon_firewall_backend": "nftables"}, {}, ["cannot configure Docker 26.1.5"], id="backend-too-old"),
    ],
)
def test_noop_changes(role_vars, read, fragments):
    changes = daemon_filters.daemon_decide(inputs(**role_vars), noop_read(**read))["changes"]
    assert len(changes) == len(fragments), changes
    for change, fragment in zip(changes, fragments):
        assert fragment in change


def test_noop_changes_name_missing_packages():
    version = "Docker version 29.1.0, build 1"
    settings = dr.role_plan(inputs(daemon_firewall_backend="nftables"), "29.1.0")["settings"]
    read = noop_read(dockerd={"rc": 0, "stdout": version, "stderr": ""}, daemon_json={"exists": True, "content": dj.render_daemon_json(settings)})
    nft = inputs(daemon_firewall_backend="nftables")
    assert dr.decide(nft, read) == {"refuse": [], "changes": [], "probes": []}
    assert dr.decide(nft, dict(read, packages_missing=["nftables"]))["changes"] == ["packages missing: nftables"]


@pytest.mark.parametrize(
    "containers, probes",
    [
        pytest.param([], [], id="none"),
        pytest.param([{"name": "web", "labels": {"service": "web"}}, {"name": "db", "labels": None}], [], id="no-probe"),
        pytest.param(
            [
                {"name": "ipv6ready-verify-kamal", "labels": {"ipv6ready.verify": "probe"}},
                {"name": "web", "labels": {}},
                {"name": "ipv6ready-verify-bridge", "labels": {"ipv6ready.verify": "probe", "other": "x"}},
            ],
            ["ipv6ready-verify-bridge", "ipv6ready-verify-kamal"],
            id="probes-among-others",
        ),
        pytest.param([{"name": "lookalike", "labels": {"ipv6ready.verify": "other"}}], [], id="other-value"),
    ],
)
def test_decide_names_the_probes_a_restart_removes(containers, probes):
    # Whatever else it decides: a host with changes, or with none, names them the same way.
    assert dr.decide(inputs(), noop_read(containers=containers))["probes"] == probes
    assert dr.decide(inputs(daemon_dns=["2001:db8::53"]), noop_read(containers=containers))["probes"] == probes


def test_probe_names_of_a_read_without_an_engine():
    assert dr.probe_names({}) == [] and dr.probe_names(None) == []


@pytest.mark.parametrize(
    "role_vars, read, fragment",
    [
        pytest.param(
            {},
            {"networks": {"links": [{"ifname": "eth0"}], "routes": [{"dst": "fd00:d0c::/64", "dev": "eth0"}], "addresses": []}},
            "daemon_ipv6_address_pools[0].base fd00:d0c::/48 overlaps this host's own fd00:d0c::/64 (route on eth0)",
            id="ula-overlap",
        ),
        pytest.param(
            {"daemon_firewall_backend": "nftables"},
            {"forwarding": {"net.ipv4.ip_forward": "0"}},
            "net.ipv4.ip_forward is 0 and net.ipv6.conf.all.forwarding is unknown",
            id="nftables-forwarding-off",
        ),
        pytest.param({}, {"forwarding": {}}, "", id="forwarding-only-for-nftables"),
    ],
)
def test_decide_refuses_before_anything_is_changed(role_vars, read, fragment):
    decision = dr.decide(inputs(**role_vars), noop_read(**read))
    if not fragment:
        assert decision["refuse"] == []
        return
    assert len(decision["refuse"]) == 1 and fragment in decision["refuse"][0]
    # Nothing else is decided for a host the role refuses.
    assert decision["changes"] == []


def test_daemon_decide_refuses_what_is_not_a_read():
    with pytest.raises(AnsibleFilterError, match="daemon_decide read"):
        daemon_filters.daemon_decide(inputs(), "text")


def test_decide_names_bad_variables_first():
    # A bad variable is named before the host is judged: its prefix is not even parsed against the host's.
    overlap = {"links": [{"ifname": "eth0"}], "routes": [{"dst": "fd00:d0c::/64", "dev": "eth0"}], "addresses": []}
    decision = dr.decide(inputs(daemon_fixed_cidr_v6="10.0.0.0/24"), noop_read(networks=overlap))
    assert len(decision["refuse"]) == 1 and decision["changes"] == []
    assert decision["refuse"][0].startswith("daemon_fixed_cidr_v6: '10.0.0.0/24' is an IPv4 prefix")
