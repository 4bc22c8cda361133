# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.engine_info module, with a fake engine API."""

from __future__ import annotations

import io
import json
from urllib.error import HTTPError

import pytest

from ansible_collections.ipv6ready.docker.plugins.modules import engine_info


BRIDGE = {"Name": "bridge", "EnableIPv6": True, "IPAM": {"Config": [{"Subnet": "fd00:d0c:1::/64"}]}}


class Engine:
    def __init__(self, tmp_path):
        self.socket = tmp_path / "docker.sock"
        self.socket.write_text("")
        web_resolv = tmp_path / "web.resolv"
        web_resolv.write_text("nameserver fd00:d0c:feed::53\n")
        self.answers = {
            "/info": {"LiveRestoreEnabled": True},
            "/networks/bridge": BRIDGE,
            "/containers/json": [{"Id": "aaa"}, {"Id": "bbb"}, {"Id": "ccc"}],
            "/containers/aaa/json": {
                "Name": "/web",
                "Config": {"Labels": {"service": "web"}},
                "HostConfig": {"NetworkMode": "bridge", "Dns": []},
                "ResolvConfPath": str(web_resolv),
            },
            "/containers/bbb/json": {"Name": "/app", "HostConfig": {"NetworkMode": "kamal", "Dns": ["192.0.2.1"]}, "ResolvConfPath": str(tmp_path / "missing")},
        }
        self.seen = []

    def open_url(self, url, unix_socket=None, timeout=None, validate_certs=True):
        assert unix_socket == str(self.socket)
        path = url[len("http://localhost") :]
        self.seen.append(path)
        if isinstance(self.answers.get(path), Exception):
            raise self.answers[path]
        if path not in self.answers:
            raise HTTPError(url, 404, "Not Found", {}, io.BytesIO(b""))
        return io.BytesIO(json.dumps(self.answers[path]).encode())


@pytest.fixture
def engine(tmp_path, monkeypatch, run_module):
    fake = Engine(tmp_path)
    fake.run_module = run_module
    monkeypatch.setattr(engine_info, "open_url", fake.open_url)
    return fake


def run(engine, failed=False):
    """The module's result in check mode (conftest's runner); ``failed`` says whether it must fail."""
    return engine.run_module(engine_info.main, {"socket": str(engine.socket)}, check_mode=True, failed=failed)


def test_reads_bridge_live_restore_and_containers(engine):
    result = run(engine)
    assert result["changed"] is False
    assert result["live_restore"] is True
    assert result["bridge"] == BRIDGE
    # ccc vanished between the listing and its inspection; app's resolv.conf cannot be read.
    assert result["containers"] == [
        {"name": "app", "network_mode": "kamal", "dns": ["192.0.2.1"], "resolv_conf": None, "labels": {}},
        {"name": "web", "network_mode": "bridge", "dns": [], "resolv_conf": "nameserver fd00:d0c:feed::53\n", "labels": {"service": "web"}},
    ]


def test_no_default_bridge_is_empty(engine):
    del engine.answers["/networks/bridge"]
    assert run(engine)["bridge"] == {}


def test_an_engine_that_does_not_answer_fails(engine):
    engine.answers["/info"] = OSError("Connection refused")
    assert run(engine, failed=True)["msg"] == "The engine API on %s did not answer: /info: Connection refused" % engine.socket


def test_a_missing_socket_fails(engine):
    engine.socket.unlink()
    assert "does not exist: is the engine running?" in run(engine, failed=True)["msg"]


# --------------------------------------------------------------------------
# listing: true, the networks role's one read
# --------------------------------------------------------------------------

NETWORKS = [BRIDGE, {"Name": "kamal", "EnableIPv6": True, "EnableIPv4": False, "IPAM": {"Config": [{"Subnet": "fd00:d0c:2::/64"}]}}]
# Every container, stopped ones too, as /containers/json?all=1 lists them.
LISTED = [
    {"Id": "aaa", "Names": ["/web"], "State": "running", "NetworkSettings": {"Networks": {"kamal": {}}}},
    {"Id": "ddd", "Names": ["/old"], "State": "exited", "NetworkSettings": {"Networks": {"kamal": {}}}},
]


def run_listing(engine, failed=False, **options):
    args = dict(options, socket=str(engine.socket), listing=True)
    return engine.run_module(engine_info.main, args, check_mode=True, failed=failed)


def test_listing_returns_info_networks_and_all_containers(engine):
    engine.answers["/info"] = {"ServerVersion": "28.5.2", "LiveRestoreEnabled": False}
    engine.answers["/networks"] = NETWORKS
    engine.answers["/containers/json?all=1"] = LISTED
    result = run_listing(engine)
    # docker_host_info's verbose shape: the networks role's plan reads it as it read that module's.
    assert result["listing"] == {"host_info": {"ServerVersion": "28.5.2", "LiveRestoreEnabled": False}, "networks": NETWORKS, "containers": LISTED}
    # /info is asked once for both, and the containers once: the running ones are the listing's.
    assert engine.seen.count("/info") == 1
    assert "/containers/json" not in engine.seen
    assert [c["name"] for c in result["containers"]] == ["web"]


def test_listing_inspects_the_containers_the_api_lists_as_running(engine):
    engine.answers["/networks"] = NETWORKS
    engine.answers["/containers/json?all=1"] = [
        dict(LISTED[0], Id=cid, State=state)
        for cid, state in (("aaa", "running"), ("bbb", "paused"), ("ccc", "restarting"), ("ddd", "exited"), ("eee", "created"))
    ]
    run_listing(engine)
    # ccc is gone by its inspection (no answer); ddd and eee are not running, so never inspected.
    assert [path for path in engine.seen if path.endswith("/json") and path != "/containers/json"] == [
        "/containers/aaa/json",
        "/containers/bbb/json",
        "/containers/ccc/json",
    ]


def test_no_listing_unless_asked(engine):
    assert "listing" not in run(engine)
    assert "/networks" not in engine.seen


@pytest.mark.parametrize("missing_socket", [True, False])
def test_listing_without_an_engine_fails_with_what_it_read(engine, host, missing_socket):
    # A check run on a host that has neither the engine nor the packages yet: the caller sees both.
    if missing_socket:
        engine.socket.unlink()
    else:
        engine.answers["/networks"] = OSError("Connection refused")
    result = run_listing(engine, failed=True, packages=["nftables"])
    assert result["packages_missing"] == ["nftables"]
    assert result["engine"]["answers"] is False and result["engine"]["error"] == result["msg"]
    assert "listing" not in result


# --------------------------------------------------------------------------
# host: true, the daemon role's one read
# --------------------------------------------------------------------------

LINKS = [{"ifname": "lo"}, {"ifname": "docker0", "linkinfo": {"info_kind": "bridge"}}]
ROUTES = [{"dst": "fd00:d0c:1::/64", "dev": "docker0"}]


class Host:
    """dockerd, systemctl, ip and dpkg-query as the module runs them."""

    def __init__(self, tmp_path):
        self.root = tmp_path
        self.bins = {"dockerd", "systemctl", "ip", "dpkg-query"}
        self.calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/fake/" + name if name in self.bins else None

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        name = args[0].rsplit("/", 1)[-1]
        if name == "dockerd":
            assert args[1:] == ["--version"]
            return 0, "Docker version 26.1.5+dfsg1, build a72d7cd\n", ""
        if name == "systemctl":
            assert args[1:] == ["show", "--property=Id,LoadState,UnitFileState,ActiveState,ActiveEnterTimestampMonotonic", "--", "docker.service"]
            return 0, "Id=docker.service\nLoadState=loaded\nUnitFileState=disabled\nActiveState=inactive\n", ""
        if name == "ip":
            listing = {("-d", "link", "show"): LINKS, ("-6", "route", "show", "table", "all"): ROUTES}.get(tuple(args[2:]))
            return (0, json.dumps(listing), "") if listing is not None else (1, "", "RTNETLINK answers: error")
        assert name == "dpkg-query"
        return 1, "nftables config-files\n", "dpkg-query: no packages found matching other\n"


@pytest.fixture
def host(tmp_path, monkeypatch, engine):
    from ansible.module_utils import basic

    fake = Host(tmp_path)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", fake.get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake.run_command)
    forward = tmp_path / "ip_forward"
    forward.write_text("1\n")
    monkeypatch.setattr(engine_info, "FORWARDING_FILES", (("net.ipv4.ip_forward", str(forward)), ("net.ipv6.conf.all.forwarding", str(tmp_path / "none"))))
    return fake


def run_host(engine, **options):
    return engine.run_module(engine_info.main, dict(options, socket=str(engine.socket), host=True), check_mode=True, failed=False)


def test_host_reads_the_host_around_the_engine(engine, host, tmp_path):
    (tmp_path / "daemon.json").write_text('{"ipv6": true}\n')
    result = run_host(engine, daemon_json=str(tmp_path / "daemon.json"), packages=["nftables", "other"])
    assert result["dockerd"] == {"rc": 0, "stdout": "Docker version 26.1.5+dfsg1, build a72d7cd", "stderr": ""}
    assert result["service"] == {"active": "inactive", "enabled": "disabled"}
    # The address listing failed: an empty list, as the role's shell read had it.
    assert result["networks"] == {"links": LINKS, "routes": ROUTES, "addresses": []}
    # A kernel without IPv6 has no second file: left out.
    assert result["forwarding"] == {"net.ipv4.ip_forward": "1"}
    assert result["daemon_json"] == {"exists": True, "content": '{"ipv6": true}\n'}
    assert result["packages_missing"] == ["nftables", "other"]
    assert result["engine"] == {"answers": True, "error": ""} and result["bridge"] == BRIDGE


@pytest.mark.parametrize(
    "data, expected",
    [(None, {"exists": False, "content": None}), (b"\xff\xfe", {"exists": True, "content": None}), (b"", {"exists": True, "content": ""})],
)
def test_host_reads_daemon_json(engine, host, tmp_path, data, expected):
    path = tmp_path / "daemon.json"
    if data is not None:
        path.write_bytes(data)
    assert run_host(engine, daemon_json=str(path))["daemon_json"] == expected


def test_host_without_dockerd_systemctl_or_ip(engine, host):
    host.bins = set()
    result = run_host(engine)
    assert result["dockerd"] == {"rc": 127, "stdout": "", "stderr": "dockerd: command not found"}
    assert result["service"] == {"active": None, "enabled": None}
    assert result["networks"] == {"links": [], "routes": [], "addresses": []}
    # No packages asked: no dpkg-query run.
    assert result["packages_missing"] == [] and "daemon_json" not in result and host.calls == []


@pytest.mark.parametrize("missing_socket", [True, False])
def test_host_reports_an_engine_that_does_not_answer(engine, host, missing_socket):
    if missing_socket:
        engine.socket.unlink()
        error = "The engine API socket %s does not exist: is the engine running?" % engine.socket
    else:
        engine.answers["/info"] = OSError("Connection refused")
        error = "The engine API on %s did not answer: /info: Connection refused" % engine.socket
    result = run_host(engine)
    assert result["engine"] == {"answers": False, "error": error}
    assert result["bridge"] == {} and result["containers"] == [] and result["live_restore"] is False


# --------------------------------------------------------------------------
# host: true and listing: true, the daemon role's one read when it shares the
# listing with the networks role (the fact ipv6ready_engine_read)
# --------------------------------------------------------------------------


def test_host_with_listing_returns_both(engine, host, tmp_path):
    engine.answers["/info"] = {"ServerVersion": "28.5.2", "LiveRestoreEnabled": True}
    engine.answers["/networks"] = NETWORKS
    engine.answers["/containers/json?all=1"] = LISTED
    (tmp_path / "daemon.json").write_text("{}\n")
    result = run_host(engine, listing=True, daemon_json=str(tmp_path / "daemon.json"), packages=["nftables"])
    # The host's read as without the listing...
    assert result["dockerd"]["rc"] == 0 and result["service"] == {"active": "inactive", "enabled": "disabled"}
    assert result["networks"] == {"links": LINKS, "routes": ROUTES, "addresses": []}
    assert result["daemon_json"] == {"exists": True, "content": "{}\n"} and result["packages_missing"] == ["nftables"]
    # ...the engine's as the daemon role judges it, from the listing's running containers...
    assert result["engine"] == {"answers": True, "error": ""} and result["live_restore"] is True and result["bridge"] == BRIDGE
    assert [c["name"] for c in result["containers"]] == ["web"]
    # ...and the listing as the networks role plans from it, in the same calls to the engine.
    assert result["listing"] == {"host_info": engine.answers["/info"], "networks": NETWORKS, "containers": LISTED}
    assert engine.seen.count("/info") == 1 and "/containers/json" not in engine.seen


@pytest.mark.parametrize("broken", ["socket", "/info", "/networks", "/containers/json?all=1"])
def test_host_with_listing_reports_an_engine_that_does_not_answer(engine, host, broken):
    # However far the read got, the result says the engine does not answer, and the listing is null: never a partial
    # or empty one that a plan would read as an engine without networks.
    engine.answers["/networks"] = NETWORKS
    engine.answers["/containers/json?all=1"] = LISTED
    if broken == "socket":
        engine.socket.unlink()
    else:
        engine.answers[broken] = OSError("Connection refused")
    result = run_host(engine, listing=True, packages=["nftables"])
    assert result["engine"]["answers"] is False
    assert ("does not exist" if broken == "socket" else "did not answer: %s: Connection refused" % broken) in result["engine"]["error"]
    assert result["listing"] is None
    assert result["bridge"] == {} and result["containers"] == [] and result["live_restore"] is False
    # The host's own read is all there.
    assert result["dockerd"]["rc"] == 0 and result["packages_missing"] == ["nftables"]


def test_host_without_listing_has_no_listing_key(engine, host):
    engine.socket.unlink()
    assert "listing" not in run_host(engine)
