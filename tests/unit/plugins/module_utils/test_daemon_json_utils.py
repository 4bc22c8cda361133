# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_daemon_json.py (pure helpers)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _daemon_json as dj
from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine as engine


# --------------------------------------------------------------------------
# merge_settings
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, settings, remove, expected",
    [
        pytest.param({}, {}, [], {}, id="empty"),
        pytest.param({"a": 1}, {"b": True}, [], {"a": 1, "b": True}, id="add-key"),
        pytest.param({"a": 1}, {"a": 2}, [], {"a": 2}, id="replace-scalar"),
        pytest.param({"a": [1, 2]}, {"a": [3]}, [], {"a": [3]}, id="replace-list"),
        pytest.param(
            {"log-opts": {"max-size": "10m", "max-file": "2"}},
            {"log-opts": {"max-file": "3"}},
            [],
            {"log-opts": {"max-size": "10m", "max-file": "3"}},
            id="nested-merge",
        ),
        pytest.param(
            {"default-network-opts": {"bridge": {"com.docker.network.driver.mtu": "1400"}}},
            {"default-network-opts": {"bridge": {"com.docker.network.enable_ipv6": "true"}}},
            [],
            {
                "default-network-opts": {
                    "bridge": {
                        "com.docker.network.driver.mtu": "1400",
                        "com.docker.network.enable_ipv6": "true",
                    }
                }
            },
            id="two-level-merge",
        ),
        pytest.param({"a": "x"}, {"a": {"b": 1}}, [], {"a": {"b": 1}}, id="scalar-to-dict"),
        pytest.param({"a": {"b": 1}}, {"a": 5}, [], {"a": 5}, id="dict-to-scalar"),
        pytest.param({"a": 1, "b": 2}, {}, ["a"], {"b": 2}, id="remove"),
        pytest.param({"a": 1}, {}, ["missing"], {"a": 1}, id="remove-missing"),
        pytest.param({"debug": False}, {"ipv6": True}, [], {"debug": False, "ipv6": True}, id="bool-kept"),
    ],
)
def test_merge_settings(current, settings, remove, expected):
    before = dict(current)
    merged = dj.merge_settings(current, settings, remove)
    assert dj.json_equal(merged, expected)
    assert current == before, "input must not be modified"


def test_merge_settings_keeps_order_and_appends():
    current = {"z": 1, "a": {"y": 1, "b": 2}, "m": 3}
    merged = dj.merge_settings(current, {"a": {"c": 4, "y": 0}, "new": 5, "m": 6})
    assert list(merged) == ["z", "a", "m", "new"]
    assert list(merged["a"]) == ["y", "b", "c"]


def test_merge_settings_copies_nested_input():
    settings = {"log-opts": {"max-size": "1m"}, "dns": ["::1"]}
    merged = dj.merge_settings({}, settings)
    merged["log-opts"]["max-size"] = "2m"
    merged["dns"].append("::2")
    assert settings == {"log-opts": {"max-size": "1m"}, "dns": ["::1"]}


def test_merge_settings_conflict():
    with pytest.raises(dj.DaemonJsonConflictError, match="both in settings and remove: b, ipv6"):
        dj.merge_settings({}, {"ipv6": True, "b": 1, "c": 2}, ["ipv6", "b"])


# --------------------------------------------------------------------------
# json_equal / changed_keys
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, equal",
    [
        (True, True, True),
        (True, 1, False),
        (1, 1.0, False),
        ("true", True, False),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),
        ({"a": {"b": False}}, {"a": {"b": 0}}, False),
        (None, None, True),
        ({"a": 1}, {"a": 1, "b": 1}, False),
    ],
)
def test_json_equal(a, b, equal):
    assert dj.json_equal(a, b) is equal


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ({}, {}, []),
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": True}, ["a"]),
        ({"b": 1}, {"b": 1, "a": 2}, ["a"]),
        ({"a": 1, "b": 2}, {"b": 2}, ["a"]),
        ({"x": {"y": 1}, "c": 0}, {"x": {"y": 2}, "a": 1}, ["a", "c", "x"]),
    ],
)
def test_changed_keys(before, after, expected):
    assert dj.changed_keys(before, after) == expected


# --------------------------------------------------------------------------
# restart / reload classification
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after, restart, reload_",
    [
        pytest.param({}, {}, [], [], id="nothing"),
        pytest.param({}, {"ipv6": True}, ["ipv6"], [], id="ipv6"),
        pytest.param({}, {"fixed-cidr-v6": "fd00::/64"}, ["fixed-cidr-v6"], [], id="fixed-cidr-v6"),
        pytest.param({"ip6tables": False}, {"ip6tables": True}, ["ip6tables"], [], id="ip6tables"),
        pytest.param({}, {"default-address-pools": []}, ["default-address-pools"], [], id="pools"),
        pytest.param({}, {"default-network-opts": {}}, ["default-network-opts"], [], id="net-opts"),
        pytest.param({}, {"live-restore": True}, [], ["live-restore"], id="live-restore"),
        pytest.param({"debug": False}, {"debug": True}, [], ["debug"], id="debug"),
        pytest.param({}, {"registry-mirrors": ["https://m"]}, [], ["registry-mirrors"], id="mirrors"),
        pytest.param({}, {"insecure-registries": ["r:5000"]}, [], ["insecure-registries"], id="insecure"),
        pytest.param({}, {"authorization-plugins": ["p"]}, [], ["authorization-plugins"], id="authz"),
        pytest.param({"labels": ["a=b"]}, {}, [], ["labels"], id="removed-reloadable"),
        pytest.param({}, {"features": {"buildkit": True}}, [], ["features"], id="features-buildkit"),
        pytest.param(
            {"features": {"buildkit": True}},
            {"features": {"buildkit": True, "containerd-snapshotter": True}},
            ["features"],
            [],
            id="features-snapshotter",
        ),
        pytest.param(
            {"dns": ["::1"], "shutdown-timeout": 10},
            {"dns": ["::2"], "shutdown-timeout": 30, "max-concurrent-downloads": 5},
            ["dns"],
            ["max-concurrent-downloads", "shutdown-timeout"],
            id="mixed",
        ),
    ],
)
def test_classify_changes(before, after, restart, reload_):
    assert dj.classify_changes(before, after) == (restart, reload_)
    assert dj.restart_required(before, after) is bool(restart)


def test_reloadable_keys_are_not_ipv6_keys():
    # FACTS: ipv6, fixed-cidr-v6, ip6tables and default-address-pools need a full restart.
    for key in ("ipv6", "fixed-cidr-v6", "ip6tables", "default-address-pools"):
        assert key not in dj.RELOADABLE_KEYS


# --------------------------------------------------------------------------
# parse_daemon_json / render_daemon_json
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", {}),
        ("   \n\t\n", {}),
        ("{}", {}),
        ('{"ipv6": true, "mtu": 1400}', {"ipv6": True, "mtu": 1400}),
        ('\ufeff{"debug": false}', {"debug": False}),
    ],
)
def test_parse_daemon_json(text, expected):
    assert dj.json_equal(dj.parse_daemon_json(text), expected)


@pytest.mark.parametrize(
    "text, lineno, colno, reason",
    [
        pytest.param('{\n  "ipv6": true\n  "mtu": 1400\n}\n', 3, 3, "Expecting ',' delimiter", id="missing-comma"),
        # Python 3.13 names the trailing comma itself; older versions name what follows it.
        pytest.param(
            '{\n  "ipv6": true,\n}\n',
            *((2, 15, "Illegal trailing comma") if sys.version_info >= (3, 13) else (3, 1, "Expecting property name")),
            id="trailing-comma",
        ),
        pytest.param('{"a": tru}', 1, 7, "Expecting value", id="bad-literal"),
        pytest.param('{\n "a": 1\n', 3, 1, "Expecting ',' delimiter", id="unterminated"),
        pytest.param("\n\n  [1, 2]\n", 3, 3, "must be a JSON object, not array", id="top-level-array"),
        pytest.param('"ipv6"', 1, 1, "must be a JSON object, not string", id="top-level-string"),
    ],
)
def test_parse_daemon_json_errors(text, lineno, colno, reason):
    with pytest.raises(dj.DaemonJsonParseError) as info:
        dj.parse_daemon_json(text, "/etc/docker/daemon.json")
    err = info.value
    assert (err.lineno, err.colno) == (lineno, colno)
    assert reason in err.reason
    assert str(err).startswith("/etc/docker/daemon.json is not a valid daemon.json: ")
    assert "(line %d, column %d)" % (lineno, colno) in str(err)


def test_render_daemon_json_keeps_order_and_types():
    text = dj.render_daemon_json({"z": True, "a": {"y": "1", "b": 2}, "dns": ["2001:db8::1"]})
    assert text == ('{\n  "z": true,\n  "a": {\n    "y": "1",\n    "b": 2\n  },\n  "dns": [\n    "2001:db8::1"\n  ]\n}\n')
    assert dj.render_daemon_json({}) == "{}\n"


def test_render_parse_round_trip():
    cfg = {"ipv6": True, "mtu": 1400, "x": 1.5, "n": None, "label": "caf\u00e9"}
    assert dj.json_equal(dj.parse_daemon_json(dj.render_daemon_json(cfg)), cfg)


# --------------------------------------------------------------------------
# parse_engine_version
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Docker version 20.10.24+dfsg1, build 5d6db84", (20, 10, 24)),
        ("Docker version 28.2.2, build e6534b4", (28, 2, 2)),
        ("Docker version 26.1.5+dfsg1, build a72d7cd\n", (26, 1, 5)),
        ("26.1.5+dfsg1", (26, 1, 5)),
        ("28.0.1", (28, 0, 1)),
        ("v27.3.1", (27, 3, 1)),
        ("27.3", (27, 3, 0)),
        ("28", (28, 0, 0)),
        (" 23.0.0-rc.1 ", (23, 0, 0)),
    ],
)
def test_parse_engine_version(text, expected):
    assert dj.parse_engine_version(text) == expected


@pytest.mark.parametrize("text", ["", "Docker version unknown", "build abc", None])
def test_parse_engine_version_errors(text):
    with pytest.raises(ValueError):
        dj.parse_engine_version(text)


@pytest.mark.parametrize(
    "version, supported",
    [((20, 10, 24), False), ((22, 6, 0), False), ((23, 0, 0), True), ((26, 1, 5), True), ((28, 0, 1), True)],
)
def test_dockerd_validate_supported(version, supported):
    assert dj.dockerd_validate_supported(version) is supported


def test_dockerd_validate_command():
    assert dj.dockerd_validate_command("/x/dockerd", "/t/c.json") == ["/x/dockerd", "--validate", "--config-file", "/t/c.json"]


def _find_dockerd():
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which("dockerd", path=search)


@pytest.mark.skipif(_find_dockerd() is None, reason="dockerd is not installed here")
def test_parse_engine_version_of_installed_dockerd():
    # Only asks for the version: no daemon is started, stopped or reloaded.
    out = subprocess.run([_find_dockerd(), "--version"], capture_output=True, text=True, check=True).stdout
    version = dj.parse_engine_version(out)
    assert version >= (17, 0, 0)
    assert out.startswith("Docker version %d.%d." % version[:2])


# --------------------------------------------------------------------------
# check_types
# --------------------------------------------------------------------------

VALID_CONFIG = {
    "ipv6": True,
    "fixed-cidr-v6": "fd00:d0c:0:1::/64",
    "ip6tables": True,
    "experimental": False,
    "live-restore": True,
    "iptables": True,
    "ip-forward": True,
    "userland-proxy": False,
    "dns": ["2001:db8::53", "192.0.2.53"],
    "default-address-pools": [
        {"base": "172.17.0.0/12", "size": 20},
        {"base": "fd00:d0c::/48", "size": 64},
    ],
    "default-network-opts": {"bridge": {"com.docker.network.enable_ipv6": "true"}},
    "bip": "172.17.0.1/16",
    "bip6": "fd00:d0c:0:1::1/64",
    "fixed-cidr": "172.17.0.0/24",
    "default-gateway-v6": "fd00:d0c:0:1::1",
    "mtu": 1400,
    "log-driver": "json-file",
    "log-opts": {"max-size": "10m", "max-file": "3"},
    "registry-mirrors": ["https://mirror.example"],
    "insecure-registries": ["registry.example:5000"],
    "data-root": "/var/lib/docker",
    "storage-driver": "overlay2",
    "features": {"buildkit": True},
    "runtimes": {"custom": {"path": "/usr/bin/custom"}},
    "some-future-key": {"anything": ["goes", 1, None]},
}


def test_check_types_valid():
    assert dj.check_types(VALID_CONFIG) == []


@pytest.mark.parametrize(
    "key, value, fragments",
    [
        ("ipv6", "true", ["ipv6:", "JSON boolean", 'string "true"']),
        ("ipv6", 1, ["ipv6:", "JSON boolean", "integer 1"]),
        ("ip6tables", "false", ["ip6tables:", "JSON boolean"]),
        ("experimental", "yes", ["experimental:", "JSON boolean"]),
        ("live-restore", None, ["live-restore:", "null"]),
        ("iptables", "true", ["iptables:", "JSON boolean"]),
        ("ip-forward", 0, ["ip-forward:", "JSON boolean"]),
        ("userland-proxy", "no", ["userland-proxy:", "JSON boolean"]),
        ("fixed-cidr-v6", True, ["fixed-cidr-v6:", "must be a string"]),
        ("fixed-cidr-v6", "172.17.0.0/16", ["fixed-cidr-v6:", "is an IPv4 prefix, IPv6 is required"]),
        ("fixed-cidr-v6", "fd00::zz/64", ["fixed-cidr-v6:", "not a valid prefix"]),
        ("fixed-cidr-v6", "fd00::", ["fixed-cidr-v6:", "not a prefix in address/length form"]),
        ("fixed-cidr-v6", "fd00::/129", ["fixed-cidr-v6:", "not a valid"]),
        ("fixed-cidr", "fd00::/64", ["fixed-cidr:", "is an IPv6 prefix, IPv4 is required"]),
        ("dns", "2001:db8::53", ["dns:", "must be a JSON array"]),
        ("dns", ["2001:db8::53", "dns.example"], ["dns[1]:", "'dns.example' is not an IP address"]),
        ("dns", ["2001:db8::/64"], ["dns[0]:", "without a /length"]),
        ("dns", [53], ["dns[0]:", "must be a string"]),
        ("default-address-pools", {"base": "fd00::/48", "size": 64}, ["default-address-pools:", "JSON array"]),
        ("default-address-pools", [{"base": "fd00::/48"}], ["default-address-pools[0]:", "missing 'size'"]),
        ("default-address-pools", [{"size": 64}], ["default-address-pools[0]:", "missing 'base'"]),
        ("default-address-pools", [{"base": "fd00::/48", "size": "64"}], ["default-address-pools[0].size:", "must be an integer"]),
        (
            "default-address-pools",
            [{"base": "fd00::/48", "size": 32}],
            ["default-address-pools[0].size:", "32 must be between 48 (the prefix length of fd00::/48) and 128"],
        ),
        (
            "default-address-pools",
            [{"base": "10.0.0.0/8", "size": 33}],
            ["default-address-pools[0].size:", "between 8 (the prefix length of 10.0.0.0/8) and 32"],
        ),
        ("default-address-pools", [{"base": "10.0.0.0", "size": 24}], ["default-address-pools[0].base:", "not a prefix in address/length form"]),
        ("default-address-pools", ["fd00::/48"], ["default-address-pools[0]:", "JSON object"]),
        (
            "default-network-opts",
            {"bridge": {"com.docker.network.enable_ipv6": True}},
            ["default-network-opts.bridge.com.docker.network.enable_ipv6:", "must be a string"],
        ),
        ("default-network-opts", {"bridge": "x"}, ["default-network-opts.bridge:", "JSON object"]),
        ("default-network-opts", [], ["default-network-opts:", "JSON object"]),
        ("bip", "172.17.0.1", ["bip:", "not a prefix in address/length form"]),
        ("bip", 17, ["bip:", "must be a string"]),
        ("bip6", "172.17.0.1/16", ["bip6:", "IPv6 is required"]),
        ("mtu", "1400", ["mtu:", "must be an integer"]),
        ("mtu", True, ["mtu:", "must be an integer"]),
        ("mtu", -1, ["mtu:", "must not be negative"]),
        ("log-driver", 1, ["log-driver:", "must be a string"]),
        ("log-opts", {"max-file": 3}, ["log-opts.max-file:", "must be a string", "integer 3"]),
        ("log-opts", "max-size=10m", ["log-opts:", "JSON object"]),
        ("registry-mirrors", "https://m", ["registry-mirrors:", "JSON array"]),
        ("insecure-registries", [5000], ["insecure-registries[0]:", "must be a string"]),
        ("data-root", ["/x"], ["data-root:", "must be a string"]),
        ("storage-driver", False, ["storage-driver:", "must be a string"]),
        ("features", {"buildkit": "true"}, ["features.buildkit:", "JSON boolean"]),
        ("features", ["buildkit"], ["features:", "JSON object"]),
        ("firewall-backend", "nft", ["firewall-backend:", 'must be one of "iptables", "nftables"', 'string "nft"']),
        ("firewall-backend", True, ["firewall-backend:", "must be one of", "boolean true"]),
        ("bridge-accept-fwmark", 1, ["bridge-accept-fwmark:", "must be a string"]),
    ],
)
def test_check_types_errors(key, value, fragments):
    config = dict(VALID_CONFIG)
    config[key] = value
    errors = dj.check_types(config)
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]


def test_check_types_reports_every_problem():
    errors = dj.check_types({"ipv6": "true", "ip6tables": "true", "mtu": "1"})
    assert [e.split(":")[0] for e in errors] == ["ipv6", "ip6tables", "mtu"]


def test_check_types_ignores_unknown_keys():
    assert dj.check_types({"my-vendor-key": "true", "hosts-extra": 1}) == []


# --------------------------------------------------------------------------
# check_engine_version
# --------------------------------------------------------------------------

V20 = (20, 10, 24)
V23 = (23, 0, 0)
V26 = (26, 1, 5)
V27 = (27, 5, 1)
V28 = (28, 0, 1)

IPV6_BRIDGE = {"ipv6": True, "fixed-cidr-v6": "fd00:d0c:0:1::/64"}
NET_OPTS_V6 = {"default-network-opts": {"bridge": {"com.docker.network.enable_ipv6": "true"}}}


@pytest.mark.parametrize(
    "config, version, expected_keys",
    [
        pytest.param({}, V20, [], id="empty-20.10"),
        pytest.param(IPV6_BRIDGE, V20, [], id="ipv6-with-cidr-20.10"),
        pytest.param({"ipv6": True}, V20, ["ipv6"], id="ipv6-without-cidr-20.10"),
        pytest.param({"ipv6": True}, V26, ["ipv6"], id="ipv6-without-cidr-26.1"),
        pytest.param({"ipv6": True}, V27, ["ipv6"], id="ipv6-without-cidr-27"),
        pytest.param({"ipv6": True}, V28, [], id="ipv6-without-cidr-28"),
        pytest.param({"ipv6": True, "fixed-cidr-v6": ""}, V26, ["ipv6"], id="ipv6-empty-cidr-26.1"),
        pytest.param({"ipv6": False}, V20, [], id="ipv6-false"),
        pytest.param({"ip6tables": True}, V20, ["ip6tables"], id="ip6tables-no-experimental-20.10"),
        pytest.param({"ip6tables": True, "experimental": False}, V26, ["ip6tables"], id="ip6tables-exp-false-26.1"),
        pytest.param({"ip6tables": True, "experimental": True}, V20, [], id="ip6tables-experimental-20.10"),
        pytest.param({"ip6tables": True, "experimental": True}, V26, [], id="ip6tables-experimental-26.1"),
        pytest.param({"ip6tables": True}, V27, [], id="ip6tables-27"),
        pytest.param({"ip6tables": True}, V28, [], id="ip6tables-28"),
        pytest.param({"ip6tables": False}, V26, [], id="ip6tables-false-26.1"),
        pytest.param({"ip6tables": True, "experimental": True}, (20, 0, 0), ["ip6tables"], id="ip6tables-before-20.10"),
        pytest.param(NET_OPTS_V6, V20, ["default-network-opts", "default-network-opts"], id="netopts-20.10"),
        pytest.param(NET_OPTS_V6, V26, ["default-network-opts"], id="netopts-ipv6-26.1"),
        pytest.param(NET_OPTS_V6, V27, [], id="netopts-ipv6-27"),
        pytest.param(NET_OPTS_V6, V28, [], id="netopts-ipv6-28"),
        pytest.param({"default-network-opts": {"bridge": {"com.docker.network.driver.mtu": "1400"}}}, V26, [], id="netopts-mtu-26.1"),
        pytest.param({"default-network-opts": {"bridge": {"com.docker.network.enable_ipv4": "false"}}}, V27, ["default-network-opts"], id="netopts-ipv4-27"),
        pytest.param({"default-network-opts": {"bridge": {"com.docker.network.enable_ipv4": "false"}}}, V28, [], id="netopts-ipv4-28"),
        pytest.param({"bip6": "fd00::1/64"}, V27, ["bip6"], id="bip6-27"),
        pytest.param({"bip6": "fd00::1/64"}, V28, [], id="bip6-28"),
        pytest.param({"firewall-backend": "nftables"}, V28, ["firewall-backend"], id="firewall-backend-28"),
        pytest.param({"firewall-backend": "iptables"}, V28, ["firewall-backend"], id="firewall-backend-iptables-28"),
        pytest.param({"firewall-backend": "nftables"}, (29, 0, 0), [], id="firewall-backend-29"),
        pytest.param({"bridge-accept-fwmark": "0x1/0x3"}, V28, ["bridge-accept-fwmark"], id="fwmark-28"),
        pytest.param({"bridge-accept-fwmark": "1"}, (29, 7, 2), [], id="fwmark-29"),
        pytest.param({"some-future-key": True}, V20, [], id="unknown-key"),
        pytest.param({"ipv6": True, "ip6tables": True}, V23, ["ip6tables", "ipv6"], id="two-problems-23"),
    ],
)
def test_check_engine_version(config, version, expected_keys):
    errors = dj.check_engine_version(config, version)
    assert [e.split(":")[0] for e in errors] == expected_keys
    for error in errors:
        assert "the engine is %d.%d.%d" % version in error
        key = error.split(":")[0]
        assert not error[len(key) + 1 :].lstrip().startswith(key + ":"), "key repeated: " + error


@pytest.mark.parametrize(
    "config, version, fragment",
    [
        ({"ipv6": True}, V26, 'ipv6: true needs "fixed-cidr-v6" before Docker 28.0; the engine is 26.1.5'),
        ({"ip6tables": True}, V20, 'ip6tables: true needs "experimental": true before Docker 27.0; the engine is 20.10.24'),
        ({"bip6": "fd00::1/64"}, V26, "bip6: does not exist before Docker 28.0; the engine is 26.1.5"),
        ({"firewall-backend": "nftables"}, V28, "firewall-backend: does not exist before Docker 29.0; the engine is 28."),
        (NET_OPTS_V6, V26, "default-network-opts: com.docker.network.enable_ipv6 has no effect before Docker 27.0; the engine is 26.1.5"),
    ],
)
def test_check_engine_version_messages(config, version, fragment):
    assert any(fragment in e for e in dj.check_engine_version(config, version))


def test_validate_config_combines_checks():
    assert dj.validate_config({"ipv6": True}) == []
    assert len(dj.validate_config({"ipv6": True}, V26)) == 1
    errors = dj.validate_config({"ipv6": "true", "ip6tables": True}, V20)
    assert [e.split(":")[0] for e in errors] == ["ipv6", "ip6tables"]


def test_version_rules_read_the_engine_table():
    keys = set(rule[0] for rule in dj.VERSION_RULES)
    assert {"ipv6", "ip6tables", "default-network-opts"} <= keys
    for key, name, condition, problem in dj.VERSION_RULES:
        # Every rule names a feature of the one version table, not a version.
        assert engine.feature(name).since >= engine.feature("ip6tables").since
        assert callable(condition) and problem
