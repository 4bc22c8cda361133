# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.ipv4_rehearsal module: main() against a fake host whose routing table and
timers are kept in memory."""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils import basic
from ansible_collections.ipv6ready.docker.plugins.modules import ipv4_rehearsal

ROUTE = {"dst": "default", "gateway": "172.31.1.1", "dev": "eth0", "protocol": "dhcp", "metric": 100, "flags": ["onlink"]}


class Host:
    """A fake host: its IPv4 default routes, its transient timers, the commands run."""

    def __init__(self):
        self.routes = [dict(ROUTE)]
        self.timers = set()
        self.timer_command = None
        self.calls = []
        self.fail = {}

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/usr/bin/" + name

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        name = os.path.basename(args[0])
        if name in self.fail:
            return self.fail[name]
        if name == "ip" and args[1] == "-json":
            return 0, json.dumps(self.routes), ""
        if name == "ip" and args[3] == "del":
            self.routes = [route for route in self.routes if route["gateway"] != args[args.index("via") + 1]]
            return 0, "", ""
        if name == "ip" and args[3] == "replace":
            if not self.routes:
                self.routes.append(dict(ROUTE))
            return 0, "", ""
        if name == "systemd-run":
            self.timers.add(args[args.index("--unit") + 1] + ".timer")
            self.timer_command = args[-1]
            return 0, "Running timer as unit: ipv6ready-ipv4-rehearsal.timer", ""
        if name == "systemctl" and args[1] == "is-active":
            return (0 if args[-1] in self.timers else 3), "", ""
        if name == "systemctl" and args[1] == "stop":
            self.timers.difference_update(args[2:])
            return 0, "", ""
        if name == "systemctl":
            return 0, "", ""
        raise AssertionError("unexpected command %s" % args)


@pytest.fixture
def host(monkeypatch):
    fake = Host()
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", fake.get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake.run_command)
    return fake


def args(tmp_path, state, **extra):
    return dict(extra, state=state, state_file=str(tmp_path / "run" / "rehearsal.json"))


def test_started_arms_the_timer_before_it_takes_the_route_away(host, tmp_path, run_module):
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started", timeout=90))
    assert result["changed"] is True and result["routes"] == [ROUTE]
    assert host.routes == []
    assert host.timers == {"ipv6ready-ipv4-rehearsal.timer"}
    names = [os.path.basename(call[0]) + " " + call[1] for call in host.calls]
    assert names.index("systemd-run --unit") < next(i for i, call in enumerate(host.calls) if "del" in call)
    run_call = next(call for call in host.calls if call[0].endswith("systemd-run"))
    assert run_call[run_call.index("--on-active") + 1] == "90s"
    assert host.timer_command == ("/usr/bin/ip -4 route replace default via 172.31.1.1 dev eth0 proto dhcp metric 100 onlink")
    assert json.loads((tmp_path / "run" / "rehearsal.json").read_text()) == [ROUTE]


def test_started_again_keeps_the_saved_routes(host, tmp_path, run_module):
    run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    assert result["routes"] == [ROUTE]
    assert json.loads((tmp_path / "run" / "rehearsal.json").read_text()) == [ROUTE]


def test_stopped_puts_the_route_back_and_stops_the_timer(host, tmp_path, run_module):
    run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "stopped"))
    assert result["changed"] is True and result["routes"] == [ROUTE]
    assert host.routes == [ROUTE] and host.timers == set()
    assert not (tmp_path / "run" / "rehearsal.json").exists()
    # A second stop has nothing to do.
    assert run_module(ipv4_rehearsal.main, args(tmp_path, "stopped"))["changed"] is False


def test_stopped_after_the_timer_fired(host, tmp_path, run_module):
    run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    host.routes, host.timers = [dict(ROUTE)], set()  # the timer put the route back by itself
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "stopped"))
    assert result["changed"] is True and host.routes == [ROUTE]
    assert not (tmp_path / "run" / "rehearsal.json").exists()


def test_check_mode_changes_nothing(host, tmp_path, run_module):
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started"), check_mode=True)
    assert result["changed"] is True
    assert host.routes == [ROUTE] and host.timers == set()
    assert [os.path.basename(call[0]) for call in host.calls] == ["ip"]


def test_no_default_route_is_nothing_to_do(host, tmp_path, run_module):
    host.routes = []
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    assert result["changed"] is False and result["msg"] == "the host has no IPv4 default route"


def test_a_failing_timer_leaves_the_route(host, tmp_path, run_module):
    host.fail["systemd-run"] = (1, "", "Failed to connect to bus")
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    assert result["failed"] is True and "the route was not touched" in result["msg"]
    assert host.routes == [ROUTE]
    assert not (tmp_path / "run" / "rehearsal.json").exists()


def test_multipath_is_refused_before_anything(host, tmp_path, run_module):
    host.routes = [{"dst": "default", "nexthops": [{"gateway": "192.0.2.1"}, {"gateway": "192.0.2.2"}]}]
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started"))
    assert result["failed"] is True and "several next hops" in result["msg"]
    assert host.timers == set()


def test_timeout_must_be_positive(host, tmp_path, run_module):
    result = run_module(ipv4_rehearsal.main, args(tmp_path, "started", timeout=0))
    assert result["failed"] is True and result["msg"].startswith("timeout: 0")
