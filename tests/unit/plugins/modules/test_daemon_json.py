# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.daemon_json module: main() against files in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.ipv6ready.docker.plugins.modules import daemon_json


REAL_GET_BIN_PATH = basic.AnsibleModule.get_bin_path
REAL_RUN_COMMAND = basic.AnsibleModule.run_command


class FakeDockerd:
    """Stands in for get_bin_path("dockerd") and module.run_command for dockerd.

    Other programs (lsattr for backups, for example) go to the real methods.
    """

    def __init__(self, version="Docker version 28.0.1, build 068a01e", path="/opt/fake/bin/dockerd"):
        self.version = version
        self.path = path
        self.version_rc = 0
        self.validate_rc = 0
        self.validate_err = ""
        self.calls = []
        self.validated = []  # (path, content) of each file given to --validate

    def get_bin_path(self, module, arg, *args, **kwargs):
        if arg != "dockerd":
            return REAL_GET_BIN_PATH(module, arg, *args, **kwargs)
        return self.path

    def run_command(self, module, args, **kwargs):
        if args[0] != self.path:
            return REAL_RUN_COMMAND(module, args, **kwargs)
        self.calls.append(list(args))
        if args[1:] == ["--version"]:
            return self.version_rc, self.version + "\n", ""
        if args[1] == "--validate":
            assert args[2] == "--config-file"
            with open(args[3]) as f:
                self.validated.append((args[3], f.read()))
            if self.validate_rc:
                return self.validate_rc, "", self.validate_err.replace("FILE", args[3])
            return 0, "configuration OK\n", ""
        raise AssertionError("unexpected command %r" % (args,))


@pytest.fixture
def dockerd(monkeypatch):
    fake = FakeDockerd()

    def get_bin_path(self, *args, **kwargs):
        return fake.get_bin_path(self, *args, **kwargs)

    def run_command(self, *args, **kwargs):
        return fake.run_command(self, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    return fake


@pytest.fixture
def no_dockerd(monkeypatch):
    def get_bin_path(self, arg, *args, **kwargs):
        if arg == "dockerd":
            return None
        return REAL_GET_BIN_PATH(self, arg, *args, **kwargs)

    def run_command(self, args, **kwargs):
        assert "dockerd" not in os.path.basename(args[0]), "dockerd must not run when it is absent"
        return REAL_RUN_COMMAND(self, args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg, *a, **kw: seen.append(msg))
    return seen


@pytest.fixture
def run(tmp_path, run_module):
    """The module's result (conftest's runner); ``failed`` says whether it must fail."""
    remote_tmp = tmp_path / "remote_tmp"
    remote_tmp.mkdir()

    def _run(args, check_mode=False, diff=False, failed=False):
        args = dict(args)
        args.setdefault("_ansible_remote_tmp", str(remote_tmp))
        args.setdefault("_ansible_keep_remote_files", False)
        return run_module(daemon_json.main, args, check_mode=check_mode, diff=diff, failed=failed)

    _run.remote_tmp = remote_tmp
    return _run


def write(path, data):
    text = data if isinstance(data, str) else json.dumps(data, indent=4)
    path.write_text(text)
    return text


def load(path):
    return json.loads(path.read_text())


IPV6 = {"ipv6": True, "fixed-cidr-v6": "fd00:d0c:0:1::/64"}


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def test_creates_missing_file(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": IPV6})
    assert result["changed"] is True
    assert target.read_text() == '{\n  "ipv6": true,\n  "fixed-cidr-v6": "fd00:d0c:0:1::/64"\n}\n'
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o644
    assert result["config"] == IPV6
    assert result["changed_keys"] == ["fixed-cidr-v6", "ipv6"]
    assert result["restart_required"] is True
    assert result["reload_keys"] == []
    assert result["engine_version"] == "28.0.1"
    assert result["validated_with"] == "dockerd"
    assert result["created"] is True
    assert "backup_file" not in result


def test_creates_parent_directory(tmp_path, run, dockerd):
    target = tmp_path / "etc" / "docker" / "daemon.json"
    result = run({"path": str(target), "settings": {"live-restore": True}})
    assert result["changed"] is True
    assert load(target) == {"live-restore": True}
    assert stat.S_IMODE(os.stat(str(target.parent)).st_mode) & 0o755 == 0o755


def test_mode_option_applies_to_new_file(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    run({"path": str(target), "settings": IPV6, "mode": "0600"})
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600


def test_existing_mode_is_kept(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, {"debug": False})
    os.chmod(str(target), 0o640)
    run({"path": str(target), "settings": IPV6})
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o640


def test_preserves_unrelated_keys_types_and_order(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(
        target,
        (
            '{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "10m"},\n'
            '  "debug": false,\n  "mtu": 1450,\n  "storage-opts": ["overlay2.size=20G"],\n'
            '  "vendor-thing": {"x": [1, 2.5, null]}\n}\n'
        ),
    )
    result = run({"path": str(target), "settings": dict(IPV6, **{"log-opts": {"max-file": "3"}})})
    assert result["changed"] is True
    text = target.read_text()
    cfg = json.loads(text)
    assert list(cfg) == ["log-driver", "log-opts", "debug", "mtu", "storage-opts", "vendor-thing", "ipv6", "fixed-cidr-v6"]
    assert cfg["log-opts"] == {"max-size": "10m", "max-file": "3"}
    assert cfg["debug"] is False
    assert cfg["mtu"] == 1450 and not isinstance(cfg["mtu"], bool)
    assert cfg["vendor-thing"] == {"x": [1, 2.5, None]}
    assert cfg["ipv6"] is True
    assert '"debug": false' in text and '"ipv6": true' in text
    assert result["changed_keys"] == ["fixed-cidr-v6", "ipv6", "log-opts"]


def test_second_run_is_unchanged(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    args = {"path": str(target), "settings": IPV6}
    assert run(args)["changed"] is True
    mtime = os.stat(str(target)).st_mtime_ns
    result = run(args)
    assert result["changed"] is False
    assert result["created"] is False
    assert result["changed_keys"] == []
    assert result["restart_required"] is False
    assert os.stat(str(target)).st_mtime_ns == mtime


def test_semantically_equal_file_is_not_reformatted(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, '{"fixed-cidr-v6":"fd00:d0c:0:1::/64",    "ipv6" : true}')
    result = run({"path": str(target), "settings": IPV6}, diff=True)
    assert result["changed"] is False
    assert target.read_text() == original
    assert result["diff"]["before"] == result["diff"]["after"] == original


def test_bool_and_int_are_not_equal(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, {"ipv6": 1, "fixed-cidr-v6": "fd00:d0c:0:1::/64"})
    # 1 == True in Python, but dockerd reads them differently: this is a change.
    result = run({"path": str(target), "settings": {"ipv6": True}})
    assert result["changed"] is True
    assert load(target)["ipv6"] is True


def test_remove_key(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, {"experimental": True, "ip6tables": True, "debug": True})
    result = run({"path": str(target), "remove": ["experimental", "not-there"]})
    assert result["changed"] is True
    assert load(target) == {"ip6tables": True, "debug": True}
    assert result["changed_keys"] == ["experimental"]
    assert result["restart_required"] is True


def test_reloadable_change_does_not_need_restart(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, dict(IPV6, **{"live-restore": False}))
    result = run({"path": str(target), "settings": {"live-restore": True, "debug": True}})
    assert result["changed"] is True
    assert result["restart_required"] is False
    assert result["reload_keys"] == ["debug", "live-restore"]


def test_missing_file_and_nothing_to_set_is_not_created(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target)})
    assert result["changed"] is False
    assert not target.exists()
    assert result["config"] == {}


@pytest.mark.parametrize("content", ["", "  \n\n"])
def test_empty_file_is_empty_config(tmp_path, run, dockerd, content):
    target = tmp_path / "daemon.json"
    write(target, content)
    result = run({"path": str(target), "settings": {"debug": True}})
    assert result["changed"] is True
    assert load(target) == {"debug": True}


def test_symlink_is_followed(tmp_path, run, dockerd):
    real = tmp_path / "real.json"
    write(real, {"debug": False})
    link = tmp_path / "daemon.json"
    link.symlink_to(real)
    run({"path": str(link), "settings": {"debug": True}})
    assert link.is_symlink()
    assert load(real) == {"debug": True}


# --------------------------------------------------------------------------
# Check mode, diff, backup
# --------------------------------------------------------------------------


def test_check_mode_writes_nothing_on_missing_file(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": IPV6}, check_mode=True)
    assert result["changed"] is True
    assert result["created"] is True
    assert result["config"] == IPV6
    assert not target.exists()


def test_check_mode_writes_nothing_on_existing_file(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, {"debug": False})
    result = run({"path": str(target), "settings": IPV6, "backup": True}, check_mode=True)
    assert result["changed"] is True
    assert "backup_file" not in result
    assert target.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daemon.json", "remote_tmp"]


def test_diff(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, {"debug": False})
    result = run({"path": str(target), "settings": {"ipv6": True, "fixed-cidr-v6": "fd00::/64"}}, diff=True, check_mode=True)
    diff = result["diff"]
    assert diff["before"] == original
    assert diff["after"] == '{\n  "debug": false,\n  "ipv6": true,\n  "fixed-cidr-v6": "fd00::/64"\n}\n'
    assert diff["before_header"].startswith(str(target))
    assert diff["after_header"].startswith(str(target))


def test_diff_of_new_file(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"debug": True}}, diff=True)
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"] == '{\n  "debug": true\n}\n'


def test_backup(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, {"debug": False})
    result = run({"path": str(target), "settings": IPV6, "backup": True})
    assert result["changed"] is True
    assert result["created"] is False
    backup = result["backup_file"]
    assert os.path.dirname(backup) == str(tmp_path)
    with open(backup) as f:
        assert f.read() == original
    assert load(target) == dict({"debug": False}, **IPV6)


def test_no_backup_when_unchanged(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, IPV6)
    result = run({"path": str(target), "settings": IPV6, "backup": True})
    assert result["changed"] is False
    assert "backup_file" not in result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daemon.json", "remote_tmp"]


# --------------------------------------------------------------------------
# Failures that must write nothing
# --------------------------------------------------------------------------


def test_invalid_json_fails_with_line_and_column(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, '{\n  "ipv6": true\n  "fixed-cidr-v6": "fd00::/64"\n}\n')
    result = run({"path": str(target), "settings": {"debug": True}, "backup": True}, failed=True)
    assert str(target) in result["msg"]
    assert "line 3, column 3" in result["msg"]
    assert (result["line"], result["column"]) == (3, 3)
    assert target.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daemon.json", "remote_tmp"]


def test_top_level_array_fails(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    original = write(target, '[{"ipv6": true}]')
    result = run({"path": str(target), "settings": {"debug": True}}, failed=True)
    assert "must be a JSON object" in result["msg"]
    assert target.read_text() == original


def test_key_in_settings_and_remove_fails(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": True}, "remove": ["ipv6"]}, failed=True)
    assert "ipv6" in result["msg"] and "both in settings and remove" in result["msg"]
    assert not target.exists()


def test_dockerd_validate_failure_writes_nothing(tmp_path, run, dockerd):
    dockerd.validate_rc = 1
    dockerd.validate_err = "unable to configure the Docker daemon with file FILE: the following directives don't match any configuration option: bogus\n"
    target = tmp_path / "daemon.json"
    original = write(target, {"debug": False})
    result = run({"path": str(target), "settings": {"bogus": 1}, "backup": True}, failed=True)
    assert "dockerd rejects the merged configuration" in result["msg"]
    assert "don't match any configuration option: bogus" in result["msg"]
    assert "FILE" not in result["msg"]
    assert target.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daemon.json", "remote_tmp"]
    # The temporary copy given to dockerd held the merged config and is gone.
    ((tmp_file, content),) = dockerd.validated
    assert json.loads(content) == {"debug": False, "bogus": 1}
    assert not os.path.exists(tmp_file)


def test_dockerd_validate_gets_merged_config_and_cleans_up(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    write(target, {"debug": False})
    run({"path": str(target), "settings": IPV6})
    assert [c[1] for c in dockerd.calls] == ["--version", "--validate"]
    ((tmp_file, content),) = dockerd.validated
    assert json.loads(content) == dict({"debug": False}, **IPV6)
    assert not os.path.exists(tmp_file)
    assert not str(tmp_file).startswith(str(tmp_path / "daemon.json"))


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"ipv6": "true", "fixed-cidr-v6": "fd00::/64"}, "ipv6: must be a JSON boolean"),
        ({"log-opts": {"max-file": 3}}, "log-opts.max-file: must be a string"),
        ({"default-address-pools": [{"base": "fd00::/48", "size": 40}]}, "default-address-pools[0].size"),
        ({"ipv6": True}, 'ipv6: true needs "fixed-cidr-v6" before Docker 28.0; the engine is 26.1.5'),
        ({"ip6tables": True}, 'ip6tables: true needs "experimental": true before Docker 27.0'),
        ({"default-network-opts": {"bridge": {"com.docker.network.enable_ipv6": "true"}}}, "default-network-opts: com.docker.network.enable_ipv6"),
    ],
)
def test_builtin_validation_failure_writes_nothing(tmp_path, run, dockerd, settings, fragment):
    dockerd.version = "Docker version 26.1.5+dfsg1, build a72d7cd"
    target = tmp_path / "daemon.json"
    original = write(target, {"debug": False})
    result = run({"path": str(target), "settings": settings}, failed=True)
    assert fragment in result["msg"]
    assert result["msg"].startswith("Invalid daemon configuration; nothing was written")
    assert target.read_text() == original
    # The built-in check fails before dockerd --validate is asked.
    assert [c[1] for c in dockerd.calls] == ["--version"]


# --------------------------------------------------------------------------
# Engine versions
# --------------------------------------------------------------------------


def test_engine_20_10_uses_builtin_only(tmp_path, run, dockerd):
    dockerd.version = "Docker version 20.10.24+dfsg1, build 5d6db84"
    target = tmp_path / "daemon.json"
    settings = dict(IPV6, experimental=True, ip6tables=True)
    result = run({"path": str(target), "settings": settings})
    assert result["changed"] is True
    assert result["engine_version"] == "20.10.24"
    assert result["validated_with"] == "builtin"
    assert [c[1] for c in dockerd.calls] == ["--version"]  # no --validate before 23.0


def test_engine_version_option_skips_dockerd_version(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": True}, "engine_version": "28.2.2"})
    assert result["engine_version"] == "28.2.2"
    assert result["validated_with"] == "dockerd"
    assert [c[1] for c in dockerd.calls] == ["--validate"]


def test_engine_version_option_is_checked(tmp_path, run, dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": True}, "engine_version": "20.10.24"}, failed=True)
    assert "the engine is 20.10.24" in result["msg"]
    assert not target.exists()


def test_bad_engine_version_option_fails(tmp_path, run, dockerd):
    result = run({"path": str(tmp_path / "d.json"), "settings": {"debug": True}, "engine_version": "latest"}, failed=True)
    assert result["msg"].startswith("engine_version:")


def test_dockerd_version_failure_fails(tmp_path, run, dockerd):
    dockerd.version_rc = 1
    result = run({"path": str(tmp_path / "d.json"), "settings": {"debug": True}}, failed=True)
    assert "--version' failed" in result["msg"]
    assert "engine_version" in result["msg"]


def test_without_dockerd_falls_back_to_type_check(tmp_path, run, no_dockerd, warnings):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": True}})
    assert result["changed"] is True
    assert result["validated_with"] == "builtin"
    assert result["engine_version"] is None
    assert len(warnings) == 1 and "dockerd was not found" in warnings[0]


def test_without_dockerd_type_errors_still_fail(tmp_path, run, no_dockerd, warnings):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": "true"}}, failed=True)
    assert "ipv6: must be a JSON boolean" in result["msg"]
    assert not target.exists()


def test_without_dockerd_with_new_engine_version_warns(tmp_path, run, no_dockerd, warnings):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": True}, "engine_version": "28.0.1"})
    assert result["validated_with"] == "builtin"
    assert result["engine_version"] == "28.0.1"
    assert len(warnings) == 1 and "dockerd --validate" in warnings[0]


def test_without_dockerd_with_old_engine_version_does_not_warn(tmp_path, run, no_dockerd, warnings):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": IPV6, "engine_version": "20.10.24"})
    assert result["validated_with"] == "builtin"
    assert warnings == []


def test_validate_false_skips_all_checks(tmp_path, run, no_dockerd):
    target = tmp_path / "daemon.json"
    result = run({"path": str(target), "settings": {"ipv6": "true", "mtu": 1400}, "validate": False})
    assert result["changed"] is True
    assert result["validated_with"] == "none"
    assert result["engine_version"] is None
    assert load(target) == {"ipv6": "true", "mtu": 1400}  # written as given, types kept


# --------------------------------------------------------------------------
# The dockerd installed on this machine, if any (only --version is run)
# --------------------------------------------------------------------------


def _find_dockerd():
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which("dockerd", path=search)


@pytest.mark.skipif(_find_dockerd() is None, reason="dockerd is not installed here")
def test_real_dockerd_version(tmp_path, run, monkeypatch):
    # Real get_bin_path and run_command. On an engine older than 23.0 only
    # "dockerd --version" runs; on a newer one "dockerd --validate" reads a
    # temporary file. Neither starts, stops or signals a daemon.
    real = _find_dockerd()
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(real), os.environ.get("PATH", "")]))
    target = tmp_path / "daemon.json"
    settings = dict(IPV6, experimental=True, ip6tables=True)
    result = run({"path": str(target), "settings": settings}, check_mode=True)
    major, minor = (int(x) for x in result["engine_version"].split(".")[:2])
    assert result["validated_with"] == ("dockerd" if (major, minor) >= (23, 0) else "builtin")
    assert result["changed"] is True
    assert not target.exists()
