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
            "/containers/aaa/json": {"Name": "/web", "HostConfig": {"NetworkMode": "bridge", "Dns": []}, "ResolvConfPath": str(web_resolv)},
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
        {"name": "app", "network_mode": "kamal", "dns": ["192.0.2.1"], "resolv_conf": None},
        {"name": "web", "network_mode": "bridge", "dns": [], "resolv_conf": "nameserver fd00:d0c:feed::53\n"},
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
