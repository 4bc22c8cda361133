# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.state_info module: main() against a file tree in tmp_path."""

from __future__ import annotations

import hashlib
import time

import pytest

from fake_dns import FakeDns, loopback_ipv6, response

from ansible.module_utils import basic
from ansible_collections.ipv6ready.docker.plugins.modules import state_info

PREFIX = "fd64:1ab:f1:0:64::/96"
SYNTH = "fd64:1ab:f1:0:64:0:aa5:319"


class Host:
    def __init__(self):
        self.systemctl = True
        self.show = (
            0,
            "Id=unbound.service\nLoadState=loaded\nUnitFileState=enabled\nActiveState=active\nActiveEnterTimestampMonotonic=%d\n"
            % int((time.monotonic() - 30) * 1000000),
        )
        self.dpkg = (1, "unbound installed\n")
        self.calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/fake/systemctl" if name == "systemctl" and self.systemctl else None

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        if args[0] == "/fake/systemctl":
            assert args[1:4] == ["show", "--property=Id,LoadState,UnitFileState,ActiveState,ActiveEnterTimestampMonotonic", "--"]
            rc, out = self.show
            return rc, out, "" if rc == 0 else "Failed to connect to bus"
        assert args[0] == "dpkg-query"
        rc, out = self.dpkg
        return rc, out, "" if rc < 2 else "dpkg-query: error"


@pytest.fixture
def host(monkeypatch, tmp_path):
    fake = Host()
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", fake.get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake.run_command)
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("1 0 0:1 / / rw - overlay overlay rw\n2 1 0:2 /x %s/resolv.conf rw - ext4 /dev/vda1 rw\n" % tmp_path)
    monkeypatch.setattr(state_info, "MOUNTINFO", str(mountinfo))
    return fake


def test_reads_files_globs_units_and_packages(host, tmp_path, run_module):
    (tmp_path / "unit").write_text("[Unit]\n")
    (tmp_path / "resolv.conf").write_text("nameserver 2001:db8::53\n")
    (tmp_path / "lib").mkdir()
    for name in ("p-1.o", "p-2.o", "other"):
        (tmp_path / "lib" / name).write_text("")
    result = run_module(
        state_info.main,
        dict(
            files=[str(tmp_path / "unit"), str(tmp_path / "missing")],
            contents=[str(tmp_path / "resolv.conf")],
            globs=[str(tmp_path / "lib" / "p-*.o")],
            units=["unbound.service"],
            packages=["unbound", "dns-root-data"],
        ),
        check_mode=True,
        failed=False,
    )
    assert result["changed"] is False
    assert result["files"][str(tmp_path / "unit")]["sha1"] == hashlib.sha1(b"[Unit]\n").hexdigest()
    assert result["files"][str(tmp_path / "missing")] is None
    resolv = result["files"][str(tmp_path / "resolv.conf")]
    assert (resolv["content"], resolv["mount"]) == ("nameserver 2001:db8::53\n", True)
    assert result["globs"] == {str(tmp_path / "lib" / "p-*.o"): [str(tmp_path / "lib" / "p-1.o"), str(tmp_path / "lib" / "p-2.o")]}
    unit = result["units"]["unbound.service"]
    assert dict(unit, active_since=None) == {"load": "loaded", "enabled": "enabled", "active": "active", "active_since": None}
    # Entered active 30 s ago on the monotonic clock: 30 s ago on the wall clock.
    assert unit["active_since"] == pytest.approx(time.time() - 30, abs=5)
    assert result["packages_missing"] == ["dns-root-data"]


def test_reads_nothing_it_was_not_asked_for(host, run_module):
    result = run_module(state_info.main, {}, failed=False)
    assert (result["files"], result["globs"], result["units"], result["packages_missing"]) == ({}, {}, {}, [])
    assert host.calls == []


def test_without_systemctl_units_are_null(host, run_module):
    host.systemctl = False
    result = run_module(state_info.main, dict(units=["unbound.service"]), failed=False)
    assert result["units"] == {"unbound.service": {"load": None, "enabled": None, "active": None, "active_since": None}}


@pytest.mark.parametrize(
    "attribute, answer, message",
    [
        pytest.param("show", (1, ""), "'systemctl show' failed (rc=1): Failed to connect to bus", id="systemctl-fails"),
        pytest.param("dpkg", (2, ""), "'dpkg-query --show' failed (rc=2): dpkg-query: error", id="dpkg-fails"),
    ],
)
def test_failures_name_the_command(host, run_module, attribute, answer, message):
    setattr(host, attribute, answer)
    result = run_module(state_info.main, dict(units=["unbound.service"], packages=["unbound"]), failed=True)
    assert result["msg"] == message


def test_an_unreadable_path_fails_naming_it(host, tmp_path, run_module, monkeypatch):
    def refuse(path, content=False, mounts=frozenset()):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(state_info._file, "state", refuse)
    result = run_module(state_info.main, dict(files=[str(tmp_path / "x")]), failed=True)
    assert result["msg"].startswith("Cannot read %s: " % (tmp_path / "x")) and "Permission denied" in result["msg"]


def dns64(query, _transport):
    """A DNS64 resolver for PREFIX."""
    return response(query, addresses=[SYNTH])


def refusing(query, _transport):
    return response(query, rcode=5)


REFUSED = (
    "the DNS64 resolver ::1, asked by this host from ::1 for smtp.lab.test: REFUSED; likely cause: the resolver "
    "refuses this host: its source address ::1 is probably not in the gateway's dns64_allowed_prefixes (unbound's "
    "access-control)"
)
# dns64_probe's message, word for word.
FAILED = "the DNS64 resolvers do not prove themselves to this host: " + REFUSED


# The nat64_client role's one read: the proof of the DNS64 resolvers
# (dns64_probe's code and options), then the files and units. A failed proof
# fails the task before anything is read, unless warn_only.
@pytest.mark.skipif(not loopback_ipv6(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize(
    "resolver, probe, check_mode, failed, problems, warnings",
    [
        pytest.param(dns64, {}, False, False, [], [], id="probe-ok"),
        pytest.param(refusing, {}, False, True, [REFUSED], [], id="probe-fails"),
        pytest.param(refusing, {"warn_only": True}, True, False, [REFUSED], [FAILED], id="warn-only"),
        pytest.param(dns64, None, False, False, None, [], id="option-absent"),
    ],
)
def test_the_dns64_proof_comes_before_the_read(host, tmp_path, run_module, module_warnings, resolver, probe, check_mode, failed, problems, warnings):
    (tmp_path / "resolv.conf").write_text("nameserver ::1\n")
    args = dict(contents=[str(tmp_path / "resolv.conf")], units=["unbound.service"])
    with FakeDns(resolver) as server:
        if probe is not None:
            args["dns64_probe"] = dict(dict(servers=["::1"], names=["smtp.lab.test"], prefix=PREFIX, port=server.port), **probe)
        result = run_module(state_info.main, args, check_mode=check_mode, failed=failed)
    assert len(server.queries) == (0 if probe is None else 1)
    assert module_warnings == warnings
    if problems is None:
        assert "dns64_probe" not in result
    else:
        proof = result["dns64_probe"]
        assert (proof["prefix"], proof["prefix_source"], proof["problems"]) == (PREFIX, "given", problems)
        assert [(c["server"], c["source"], c["name"], c["ok"], c["addresses"]) for c in proof["checks"]] == [
            ("::1", "::1", "smtp.lab.test", not problems, [] if problems else [SYNTH])
        ]
    if failed:
        assert result["msg"] == FAILED
        assert "files" not in result and host.calls == []
    else:
        assert result["files"][str(tmp_path / "resolv.conf")]["content"] == "nameserver ::1\n"
        assert host.calls and result["units"]["unbound.service"]["active"] == "active"


@pytest.mark.parametrize(
    "probe, message",
    [
        pytest.param({"servers": []}, "dns64_probe.servers: the list is empty", id="no-servers"),
        pytest.param(
            {"servers": ["gw.example"], "prefix": "fd64::/64"},
            "dns64_probe.servers: 'gw.example' is not an IP address; dns64_probe.prefix: 'fd64::/64' is not a /96",
            id="two-problems",
        ),
        pytest.param({"names": ["ipv4only.arpa"]}, "missing required arguments: servers found in dns64_probe", id="servers-required"),
    ],
)
def test_bad_dns64_probe_options_fail_before_any_query_naming_the_option(host, run_module, probe, message):
    result = run_module(state_info.main, dict(units=["unbound.service"], dns64_probe=probe), failed=True)
    assert result["msg"] == message and host.calls == []
