# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The failover agent as a process (roles/nat64_failover/files/nat64_failover.py) against the fake API.

Two agents on the IPv6 loopback (each its own port), their heartbeats and API
calls real: the one that holds nothing of the other's is killed (SIGKILL), and
the other moves its floating IP through the API; an agent whose token the API
refuses says so and moves nothing. The decisions themselves are table-tested
in tests/unit/roles/test_nat64_failover_agent.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

# fake_api: the fixture `fake`
from test_provision import TOKEN, fake_api  # noqa: F401  pylint: disable=unused-import

AGENT = Path(__file__).resolve().parents[2] / "roles" / "nat64_failover" / "files" / "nat64_failover.py"
GATEWAYS = ["fo-gw1", "fo-gw2"]


def free_udp_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="agents")
def agents_fixture(fake, tmp_path):
    """Start agents on ::1 for the gateways; yields start(name, token) and the processes."""
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    except OSError as exc:
        pytest.skip("no IPv6 loopback here: %s" % exc)
    servers = {name: fake.seed_server(name) for name in GATEWAYS}
    for index, name in enumerate(GATEWAYS, 1):
        fake.seed_floating_ip("fo-fip-%d" % index, "ipv6", server=servers[name]["id"])
    ports = {name: free_udp_port() for name in GATEWAYS}
    running = {}

    def start(name, token=TOKEN):
        directory = tmp_path / name
        directory.mkdir(exist_ok=True)
        (directory / "token").write_text(token + "\n", encoding="utf-8")
        os.chmod(directory / "token", 0o600)
        config = {
            "me": name,
            "gateways": [{"name": gw, "address": "::1", "port": ports[gw]} for gw in GATEWAYS],
            "floating_ips": [
                {"name": "fo-fip-%d" % i, "home": gw, "resolver": "2001:db8:f%d::53" % i, "nat64_prefix": "2001:db8:f%d:0:64::/96" % i}
                for i, gw in enumerate(GATEWAYS, 1)
            ],
            "interface": "lo",
            "interval": 0.5,
            "dead_after": 1.5,
            "stagger": 1.0,
            "api_refresh": 5,
            "api_endpoint": fake.endpoint,
            "token_file": str(directory / "token"),
            "status_file": str(directory / "status.json"),
            "drain_file": str(directory / "drained"),
            "check": {},
        }
        (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
        log = open(directory / "journal", "w", encoding="utf-8")  # noqa: SIM115 (the process's journal)
        env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
        running[name] = (
            subprocess.Popen([sys.executable, str(AGENT), "--config", str(directory / "config.json"), "run"], stdout=log, stderr=subprocess.STDOUT, env=env),
            directory,
        )
        return running[name]

    yield start, running
    for process, _directory in running.values():
        if process.poll() is None:
            process.kill()
            process.wait()


def holders(fake):
    by_id = {item["id"]: item["name"] for item in fake.server_list()}
    return {item["name"]: by_id.get(item["server"]) for item in fake.floating_ip_list()}


def wait(check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def status(directory):
    try:
        return json.loads((directory / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def test_a_killed_agent_is_taken_over_through_the_api(fake, agents):
    start, _running = agents
    first, first_dir = start("fo-gw1")
    _second, second_dir = start("fo-gw2")
    assert wait(
        lambda: (
            status(first_dir).get("peers", {}).get("fo-gw2", {}).get("status") == "ok"
            and status(second_dir).get("peers", {}).get("fo-gw1", {}).get("status") == "ok"
        ),
        20,
    )
    assert holders(fake) == {"fo-fip-1": "fo-gw1", "fo-fip-2": "fo-gw2"}
    mutating = len(fake.mutating_calls())
    assert mutating == 0
    killed = time.monotonic()
    first.send_signal(signal.SIGKILL)
    first.wait()
    # dead_after 1.5 s, plus the tie-break stagger (1 s: gw1 is listed first), plus a tick and the API
    assert wait(lambda: holders(fake)["fo-fip-1"] == "fo-gw2", 10), (second_dir / "journal").read_text()
    took = time.monotonic() - killed
    assert 2.0 <= took <= 6.0, took
    assert [call["path"] for call in fake.mutating_calls()] == [
        "/floating_ips/%d/actions/assign" % next(i["id"] for i in fake.floating_ip_list() if i["name"] == "fo-fip-1")
    ]
    assert wait(lambda: "moved fo-fip-1 to fo-gw2 (takeover: fo-gw1 is silent)" in (second_dir / "journal").read_text(encoding="utf-8"), 10)
    journal = (second_dir / "journal").read_text(encoding="utf-8")
    assert TOKEN not in journal
    assert wait(lambda: status(second_dir).get("peers", {}).get("fo-gw1", {}).get("status") == "silent", 5)
    shown = subprocess.run(
        [sys.executable, str(AGENT), "--config", str(second_dir / "config.json"), "status"], capture_output=True, text=True, check=True
    ).stdout
    assert "peer fo-gw1: silent" in shown and "floating fo-fip-1" in shown and "held by fo-gw2" in shown


def test_a_refused_token_is_said_and_nothing_moves(fake, agents):
    start, _running = agents
    _first, first_dir = start("fo-gw1", token="not-the-token")
    # gw2 never runs: gw1 would take fo-fip-2 over, but the API refuses its token
    assert wait(lambda: "refused the token" in (first_dir / "journal").read_text(encoding="utf-8"), 15)
    time.sleep(3)
    journal = (first_dir / "journal").read_text(encoding="utf-8")
    assert "the API refused the token (401 unauthorized): renew nat64_failover_api_token; keeping the current state, nothing moves" in journal
    assert "not-the-token" not in journal and "moved" not in journal
    assert fake.mutating_calls() == [] and holders(fake) == {"fo-fip-1": "fo-gw1", "fo-fip-2": "fo-gw2"}
    assert status(first_dir)["api_error"].startswith("the API refused the token")
