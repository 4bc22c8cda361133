# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.sysctl_info module: main() against a file tree in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible.module_utils import basic
from ansible_collections.ipv6ready.docker.plugins.module_utils import _file
from ansible_collections.ipv6ready.docker.plugins.modules import sysctl_info


LINKS = [{"ifname": "lo"}, {"ifname": "eth0"}]
ROUTES = [{"dst": "default", "gateway": "fe80::1", "dev": "eth0", "protocol": "ra"}]


class Host:
    """A fake host: a file tree under tmp_path, `ip -json` answers and tools."""

    def __init__(self, root):
        self.root = root
        self.ip = {
            ("link", "show"): (0, json.dumps(LINKS)),
            ("-6", "route", "show", "table", "all"): (0, json.dumps(ROUTES)),
            ("-6", "address", "show"): (0, "[]"),
        }
        self.tools = {"ip6tables": 0}
        # `<tool> -t filter -L FORWARD -n`: (rc, output)
        self.listings = {"ip6tables": (0, "Chain FORWARD (policy DROP)\ntarget     prot opt source  destination\n")}
        # Each unit's UnitFileState in `systemctl show` (one run for all units); None: no systemctl
        self.units = {"ipv6ready-forward-drop.service": "enabled"}
        # rc of `systemctl show`: not 0 when no systemd runs to answer
        self.show_rc = 0
        # `dpkg-query --show`: (rc, output)
        self.dpkg = (0, "procps installed\niptables installed\n")
        # `nft list table inet ipv6ready`: (rc, output); None: no nft
        self.nft = None
        self.calls = []

    def path(self, path):
        return str(self.root) + path

    def write(self, path, text):
        full = self.path(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
        return full

    def get_bin_path(self, name, required=False, opt_dirs=None):
        if name == "nft":
            return "/fake/nft" if self.nft is not None else None
        if name == "ip" or name in self.tools or (name == "systemctl" and self.units is not None):
            return "/fake/" + name
        return None

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        name = os.path.basename(args[0])
        if name == "ip":
            assert args[1] == "-json"
            rc, out = self.ip[tuple(args[2:])]
            return rc, out, "" if rc == 0 else "error"
        if name == "nft":
            assert args[1:] == ["list", "table", "inet", "ipv6ready"] and self.nft is not None
            rc, out = self.nft[0], self.nft[1]
            return rc, out, "" if rc == 0 else "Error: No such file or directory"
        if name == "dpkg-query":
            assert args[1:3] == ["--show", "--showformat=${Package} ${db:Status-Status}\\n"]
            rc, out = self.dpkg
            return rc, out, "" if rc < 2 else "dpkg-query: error"
        if name == "systemctl":
            assert args[1:4] == ["show", "--property=" + ",".join(_file.UNIT_PROPERTIES), "--"]
            if self.show_rc:
                return self.show_rc, "", "System has not been booted with systemd as init system (PID 1). Can't operate."
            # systemd prints one block per unit, in the order asked; an unknown unit has no UnitFileState.
            blocks = []
            for unit in args[4:]:
                state = self.units.get(unit)
                loaded = "LoadState=loaded" if state is not None else "LoadState=not-found"
                blocks.append("Id=%s\n%s\nUnitFileState=%s\nActiveState=inactive\n" % (unit, loaded, state or ""))
            return 0, "\n".join(blocks), ""
        if args[1:] == ["-t", "filter", "-L", "FORWARD", "-n"]:
            rc, out = self.listings[name]
            return rc, out, ""
        assert args[1:] == ["--version"]
        return self.tools[name], "", ""


@pytest.fixture
def fake(tmp_path, monkeypatch, run_module):
    host = Host(tmp_path)
    host.run_module = run_module
    monkeypatch.setattr(
        sysctl_info,
        "SEARCH_PATH",
        tuple(host.path(d) for d in ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")),
    )
    monkeypatch.setattr(sysctl_info, "LEGACY_FILE", host.path("/etc/sysctl.conf"))
    monkeypatch.setattr(sysctl_info, "PROC_IPV6_CONF", host.path("/proc/sys/net/ipv6/conf"))
    monkeypatch.setattr(sysctl_info, "PROC_SYS", host.path("/proc/sys"))
    for name, value in (("all", "1"), ("eth0", "2"), ("eth0.100", "0")):
        host.write("/proc/sys/net/ipv6/conf/%s/accept_ra" % name, value + "\n")
    host.write("/proc/sys/net/ipv6/conf/all/forwarding", "0\n")
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", host.get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", host.run_command)
    return host


def run(host, tools=(), failed=False, check_mode=False, **options):
    """The module's result (conftest's runner); ``failed`` says whether it must fail."""
    args = dict(options, path=host.path("/etc/sysctl.d/60-ipv6ready.conf"), tools=list(tools))
    return host.run_module(sysctl_info.main, args, check_mode=check_mode, failed=failed)


def later(result, host):
    return [(item["path"][len(str(host.root)) :], item["content"]) for item in result["later_files"]]


def test_reads_the_network_state(fake):
    result = run(fake, tools=["ip6tables", "iptables"], check_mode=True)
    assert result["changed"] is False
    assert result["links"] == LINKS and result["routes"] == ROUTES and result["addresses"] == []
    assert result["ipv6"] is True
    assert result["accept_ra"] == {"all": "1", "eth0": "2", "eth0.100": "0"}
    assert result["tools"] == {"ip6tables": True, "iptables": False}
    # Not asked for: neither the policies nor any unit are read.
    assert result["forward_policy"] == {} and result["units"] == {} and result["files"] == {}
    assert not [call for call in fake.calls if call[1:2] in (["-t"], ["show"])]
    assert result["own_content"] is None
    assert result["later_files"] == []
    # No packages asked for: dpkg is not run.
    assert result["packages_missing"] == [] and not [call for call in fake.calls if call[0] == "dpkg-query"]


@pytest.mark.parametrize(
    "dpkg, missing",
    [
        ((0, "procps installed\niptables installed\n"), []),
        # A bare host: dpkg has never heard of iptables (and exits 1).
        ((1, "procps installed\n"), ["iptables"]),
        ((0, "procps installed\niptables config-files\n"), ["iptables"]),
    ],
)
def test_reads_which_packages_are_missing_in_one_dpkg_run(fake, dpkg, missing):
    fake.dpkg = dpkg
    result = run(fake, check_mode=True, packages=["procps", "iptables"])
    assert result["packages_missing"] == missing
    assert [call[3:] for call in fake.calls if call[0] == "dpkg-query"] == [["procps", "iptables"]]


def test_a_failing_dpkg_fails(fake):
    fake.dpkg = (2, "")
    result = run(fake, failed=True, packages=["iptables"])
    assert result["msg"] == "'dpkg-query --show' failed (rc=2): dpkg-query: error"


def test_without_ipv6_routes_and_addresses_are_not_asked(fake):
    os.remove(fake.path("/proc/sys/net/ipv6/conf/all/forwarding"))
    result = run(fake)
    assert result["ipv6"] is False and result["routes"] == [] and result["addresses"] == []
    assert [call[2:] for call in fake.calls] == [["link", "show"]]


def test_a_failing_route_listing_is_empty_but_a_failing_link_listing_fails(fake):
    fake.ip[("-6", "route", "show", "table", "all")] = (1, "")
    assert run(fake)["routes"] == []
    fake.ip[("link", "show")] = (1, "")
    assert "'ip -json link show' failed" in run(fake, failed=True)["msg"]


def test_a_failing_tool_counts_as_missing(fake):
    fake.tools["ip6tables"] = 1
    assert run(fake, tools=["ip6tables"])["tools"] == {"ip6tables": False}


def test_returns_the_own_file(fake):
    fake.write("/etc/sysctl.d/60-ipv6ready.conf", "net.ipv6.conf.all.forwarding=1\n")
    assert run(fake)["own_content"] == "net.ipv6.conf.all.forwarding=1\n"


def test_returns_the_kernel_values_of_the_keys_of_the_own_file(fake):
    fake.write("/proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n")
    fake.write(
        "/etc/sysctl.d/60-ipv6ready.conf",
        "# header\nnet.ipv6.conf.all.forwarding = 1\n"
        "net.ipv6.conf.eth0/100.accept_ra=2\nnet.ipv4.tcp_rmem=4096 131072 6291456\n-net.no.such.key = 1\n"
        "net/../../../secret = 1\n",
    )
    # A key that climbs out of /proc/sys is not read.
    fake.write("/secret", "not to be read\n")
    assert run(fake)["own_values"] == {
        "net.ipv6.conf.all.forwarding": "0",
        "net.ipv6.conf.eth0/100.accept_ra": "0",
        "net.ipv4.tcp_rmem": "4096\t131072\t6291456",
        "-net.no.such.key": None,
        "net/../../../secret": None,
    }


def test_without_the_own_file_no_kernel_value_is_read(fake):
    assert run(fake)["own_values"] == {}


def test_a_directory_as_own_file_fails(fake):
    os.makedirs(fake.path("/etc/sysctl.d/60-ipv6ready.conf"))
    assert "Cannot read" in run(fake, failed=True)["msg"]


def test_finds_the_files_applied_later_in_loader_order(fake):
    fake.write("/etc/sysctl.d/10-early.conf", "a = 1\n")
    fake.write("/etc/sysctl.d/99-hardening.conf", "# masks the packaged one\n")
    fake.write("/usr/lib/sysctl.d/99-hardening.conf", "net.ipv6.conf.all.forwarding = 0\n")
    fake.write("/usr/lib/sysctl.d/70-packaged.conf", "b = 2\n")
    fake.write("/run/sysctl.d/80-run.conf", "c = 3\n")
    fake.write("/run/sysctl.d/81-run.txt", "not a conf file\n")
    fake.write("/run/sysctl.d/.82-hidden.conf", "hidden\n")
    os.makedirs(fake.path("/run/sysctl.d/83-dir.conf"))
    fake.write("/etc/sysctl.conf", "d = 4\n")
    assert later(run(fake), fake) == [
        ("/usr/lib/sysctl.d/70-packaged.conf", "b = 2\n"),
        ("/run/sysctl.d/80-run.conf", "c = 3\n"),
        ("/etc/sysctl.d/99-hardening.conf", "# masks the packaged one\n"),
        ("/etc/sysctl.conf", "d = 4\n"),
    ]


def test_a_link_to_sysctl_conf_is_read_once_last_and_dangling_links_are_skipped(fake):
    legacy = fake.write("/etc/sysctl.conf", "net.ipv4.ip_forward = 0\n")
    os.makedirs(fake.path("/etc/sysctl.d"))
    os.symlink(legacy, fake.path("/etc/sysctl.d/99-sysctl.conf"))
    os.symlink(fake.path("/nowhere.conf"), fake.path("/etc/sysctl.d/98-dangling.conf"))
    other = fake.write("/srv/other.conf", "e = 5\n")
    os.symlink(other, fake.path("/etc/sysctl.d/97-link.conf"))
    assert later(run(fake), fake) == [("/etc/sysctl.d/97-link.conf", "e = 5\n"), ("/etc/sysctl.conf", "net.ipv4.ip_forward = 0\n")]


def test_reads_the_forward_policy_of_each_working_tool(fake):
    fake.tools["iptables"] = 0
    fake.listings["iptables"] = (0, "Chain FORWARD (policy ACCEPT)\n")
    result = run(fake, tools=["ip6tables", "iptables"], forward_policy=True)
    assert result["forward_policy"] == {"ip6tables": "DROP", "iptables": "ACCEPT"}


def test_a_tool_that_is_missing_or_fails_has_no_policy(fake):
    # iptables is not installed: not even listed. ip6tables works but its listing fails.
    fake.listings["ip6tables"] = (4, "")
    result = run(fake, tools=["ip6tables", "iptables"], check_mode=True, forward_policy=True)
    assert result["forward_policy"] == {"ip6tables": None, "iptables": None}
    assert not [call for call in fake.calls if call[0].endswith("/iptables")]


@pytest.mark.parametrize(
    "state, expected",
    [
        ("enabled", "enabled"),
        ("disabled", "disabled"),
        ("masked", "masked"),
        ("enabled-runtime", "enabled-runtime"),
        # A unit systemd does not know: no UnitFileState.
        (None, ""),
    ],
)
def test_reads_whether_each_unit_is_enabled(fake, state, expected):
    fake.units["ipv6ready-forward-drop.service"] = state
    result = run(fake, units=["ipv6ready-forward-drop.service"], check_mode=True)
    assert result["units"] == {"ipv6ready-forward-drop.service": expected}


def test_reads_every_unit_in_one_systemctl_run(fake):
    fake.units["other.service"] = "disabled"
    result = run(fake, units=["ipv6ready-forward-drop.service", "other.service", "gone.service"], check_mode=True)
    assert result["units"] == {"ipv6ready-forward-drop.service": "enabled", "other.service": "disabled", "gone.service": ""}
    assert len([call for call in fake.calls if call[0].endswith("/systemctl")]) == 1


def test_without_systemctl_the_unit_state_is_unknown(fake):
    fake.units = None
    assert run(fake, units=["ipv6ready-forward-drop.service"])["units"] == {"ipv6ready-forward-drop.service": None}


def test_without_a_running_systemd_the_unit_state_is_unknown(fake):
    # systemctl is there but no systemd answers: the module does not fail, the role enables through systemd itself.
    fake.show_rc = 1
    assert run(fake, units=["ipv6ready-forward-drop.service"])["units"] == {"ipv6ready-forward-drop.service": None}


def test_reads_the_files_asked_for_without_following_links(fake):
    unit = fake.write("/etc/systemd/system/ipv6ready-forward-drop.service", "[Unit]\n")
    os.chmod(unit, 0o640)
    os.symlink(unit, fake.path("/etc/systemd/system/link.service"))
    os.makedirs(fake.path("/etc/systemd/system/dir.service"))
    paths = [fake.path("/etc/systemd/system/%s" % name) for name in ("ipv6ready-forward-drop.service", "link.service", "dir.service", "missing.service")]
    files = run(fake, check_mode=True, files=paths)["files"]
    assert {key: files[paths[0]][key] for key in ("type", "mode", "content")} == {"type": "file", "mode": "0640", "content": "[Unit]\n"}
    assert files[paths[0]]["sha1"] == hashlib.sha1(b"[Unit]\n").hexdigest()
    assert files[paths[1]]["type"] == "link" and files[paths[1]]["link"] == unit
    assert files[paths[2]]["type"] == "directory" and files[paths[2]]["content"] is None
    assert files[paths[3]] is None


@pytest.mark.parametrize(
    "nft, listing",
    [
        # No nft program: nothing to list, nothing run.
        (None, None),
        # The table does not exist: nft fails.
        ((1, ""), None),
        ((0, "table inet ipv6ready {\n}\n"), "table inet ipv6ready {\n}\n"),
    ],
)
def test_lists_the_nft_table(fake, nft, listing):
    fake.nft = nft
    assert run(fake, check_mode=True, nft_table="inet ipv6ready")["nft_table"] == listing
    assert bool([call for call in fake.calls if call[0].endswith("/nft")]) is (nft is not None)


def test_no_nft_table_asked_lists_nothing(fake):
    fake.nft = (0, "x")
    assert run(fake)["nft_table"] is None
    assert not [call for call in fake.calls if call[0].endswith("/nft")]
