# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.ipv4_info module: main() against a fake host."""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils import basic
from ansible_collections.ipv6ready.docker.plugins.modules import ipv4_info

ADDR = [
    {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "addr_info": [{"family": "inet", "local": "203.0.113.11", "prefixlen": 32}]},
]
ROUTES = [{"dst": "default", "gateway": "172.31.1.1", "dev": "eth0", "flags": []}]
NAT = "*nat\n[%d:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n"
CONNTRACK = (
    "tcp 6 431999 ESTABLISHED src=198.51.100.7 dst=203.0.113.11 sport=5 dport=80 src=172.17.0.2 dst=198.51.100.7 sport=80 dport=5 [ASSURED] mark=0 use=1\n"
)
INSPECT = [
    {
        "Name": "/web",
        "Id": "b" * 64,
        "State": {"Running": True},
        "Config": {"Labels": {"service": "web"}},
        "HostConfig": {"RestartPolicy": {"Name": "unless-stopped"}},
    },
    {"Name": "/cron", "Id": "a" * 64, "State": {"Running": False}, "HostConfig": {"RestartPolicy": {}}},
]


class Host:
    """A fake host: the tools it has and what they print."""

    def __init__(self, tmp_path):
        self.tools = {"ip", "iptables-save", "docker"}
        self.packets = 10
        self.conntrack = CONNTRACK
        self.ps = "a" * 64 + "\n" + "b" * 64 + "\n"
        self.calls = []
        self.resolv = tmp_path / "resolv.conf"
        self.resolv.write_text("nameserver 2001:db8:3::1\n")

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/usr/bin/" + name if name in self.tools else None

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        name = os.path.basename(args[0])
        if name == "ip":
            return 0, json.dumps(ADDR if args[3] == "address" else ROUTES), ""
        if name == "iptables-save":
            return 0, NAT % self.packets, ""
        if name == "conntrack":
            return 0, self.conntrack, "conntrack v1.4.8 (conntrack-tools): 1 flow entries have been shown.\n"
        if args[1:2] == ["ps"]:
            return 0, self.ps, ""
        assert args[1:4] == ["inspect", "--type", "container"]
        return 0, json.dumps(INSPECT), ""


@pytest.fixture
def host(tmp_path, monkeypatch):
    fake = Host(tmp_path)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", fake.get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake.run_command)
    monkeypatch.setattr(ipv4_info, "RESOLV_CONF", str(fake.resolv))
    return fake


def test_reads_everything_once(host, run_module):
    result = run_module(ipv4_info.main, {}, check_mode=True)
    assert result["changed"] is False
    assert result["addresses"] == [{"address": "203.0.113.11", "prefixlen": 32, "dev": "eth0"}]
    assert result["default_routes"] == ROUTES
    assert result["resolvers"] == ["2001:db8:3::1"]
    assert result["iptables"] is True and result["docker"] is True
    assert [item["port"] for item in result["published"]] == ["80"]
    assert result["conntrack"] is None  # conntrack is not installed
    assert result["inbound"] == [{"proto": "tcp", "port": "80", "new": None, "open": None}]
    assert result["window"] == 0
    assert result["containers"] == [
        {"name": "cron", "id": "a" * 64, "running": False, "restart_policy": "no", "labels": {}},
        {"name": "web", "id": "b" * 64, "running": True, "restart_policy": "unless-stopped", "labels": {"service": "web"}},
    ]


def test_counts_the_new_connections_since_an_earlier_reading(host, run_module):
    host.tools.add("conntrack")
    first = run_module(ipv4_info.main, {})
    host.packets = 17
    result = run_module(ipv4_info.main, {"previous": first["published"], "previous_time": first["time"] - 300})
    assert result["inbound"] == [{"proto": "tcp", "port": "80", "new": 7, "open": 1}]
    assert 299 <= result["window"] <= 301


def test_without_docker_and_iptables(host, run_module):
    host.tools = {"ip"}
    result = run_module(ipv4_info.main, {})
    assert (result["docker"], result["iptables"], result["published"], result["containers"]) == (False, False, [], [])
    assert result["inbound"] == []


def test_no_containers(host, run_module):
    host.ps = ""
    assert run_module(ipv4_info.main, {})["containers"] == []
    assert not [call for call in host.calls if call[1:2] == ["inspect"]]
