# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import functools
import os
import stat

import pytest


from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import (
    DEFAULT_LABELS,
    DEFAULT_PRECEDENCES,
    HEADER,
    build_tables,
    table_as_dicts,
)
from ansible_collections.ipv6ready.docker.plugins.modules import gai_conf


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, gai_conf.main)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "gai.conf")


def read(path):
    with open(path) as handle:
        return handle.read()


def write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def test_creates_the_file(run, path):
    result = run({"path": path, "local_prefixes": ["fd00:d0c::/48"], "mode": "0644"})
    assert result["changed"] is True
    assert result["state"] == "present"
    assert result["path"] == path
    labels, precedences = build_tables(local_prefixes=["fd00:d0c::/48"])
    assert result["labels"] == table_as_dicts(labels, "label")
    assert result["precedences"] == table_as_dicts(precedences, "precedence")
    lines = read(path).splitlines()
    assert lines[:2] == list(HEADER)
    assert "label fd00:d0c::/48 1" in lines
    assert lines[2:] == ["label %s %d" % entry for entry in labels] + ["precedence %s %d" % entry for entry in precedences]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert "backup_file" not in result


def test_check_mode_writes_nothing(run, path):
    result = run({"path": path}, check_mode=True)
    assert result["changed"] is True
    assert not os.path.exists(path)


def test_check_mode_leaves_an_existing_file(run, path):
    write(path, "reload yes\n")
    result = run({"path": path, "prefer": "ipv4"}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert read(path) == "reload yes\n"
    assert result["diff"]["before"] == "reload yes\n"
    assert "precedence ::ffff:0:0/96 100\n" in result["diff"]["after"]


def test_second_run_is_unchanged_and_byte_identical(run, path):
    args = {"path": path, "local_prefixes": ["fd00::/8"], "labels": [{"prefix": "64:ff9b::/96", "label": 20}]}
    assert run(args)["changed"] is True
    first = read(path)
    mtime = os.stat(path).st_mtime_ns
    result = run(args)
    assert result["changed"] is False
    assert read(path) == first
    assert os.stat(path).st_mtime_ns == mtime
    assert run(args, check_mode=True)["changed"] is False


def test_diff(run, path):
    write(path, "# mine\nlabel fc00::/7 6\n")
    result = run({"path": path}, diff=True)
    diff = result["diff"]
    assert diff["before"] == "# mine\nlabel fc00::/7 6\n"
    assert diff["after"] == read(path)
    assert diff["before_header"] == diff["after_header"] == path
    assert "label fc00::/7 1\n" in diff["after"]
    assert "label fc00::/7 6" not in diff["after"]


def test_keeps_unmanaged_lines(run, path):
    write(path, "# top\nreload yes\nprecedence ::/0 40\nscopev4 ::ffff:169.254.0.0/112 2\n")
    run({"path": path})
    lines = read(path).splitlines()
    assert lines[:3] == ["# top", "reload yes", HEADER[0]]
    assert lines[-1] == "scopev4 ::ffff:169.254.0.0/112 2"


def test_backup(run, path):
    write(path, "label ::/0 1\n")
    result = run({"path": path, "backup": True})
    assert result["changed"] is True
    assert read(result["backup_file"]) == "label ::/0 1\n"
    assert "backup_file" not in run({"path": path, "backup": True})


def test_absent_removes_policy_and_keeps_other_lines(run, path):
    write(path, "# keep me\nreload yes\n")
    run({"path": path})
    result = run({"path": path, "state": "absent"})
    assert result["changed"] is True
    assert read(path) == "# keep me\nreload yes\n"
    assert result["labels"] == table_as_dicts(DEFAULT_LABELS, "label")
    assert result["precedences"] == table_as_dicts(DEFAULT_PRECEDENCES, "precedence")
    assert run({"path": path, "state": "absent"})["changed"] is False


def test_absent_deletes_a_file_with_only_the_policy(run, path):
    run({"path": path})
    result = run({"path": path, "state": "absent", "backup": True}, diff=True)
    assert result["changed"] is True
    assert not os.path.exists(path)
    assert os.path.exists(result["backup_file"])
    assert result["diff"]["after"] == ""
    assert run({"path": path, "state": "absent"})["changed"] is False


def test_absent_in_check_mode_keeps_the_file(run, path):
    run({"path": path})
    before = read(path)
    assert run({"path": path, "state": "absent"}, check_mode=True)["changed"] is True
    assert read(path) == before


def test_unparsable_line_fails_and_leaves_the_file(run, path):
    text = "# ok\nlabel ::/0 1\nlabel 10.0.0.0/8 4\n"
    write(path, text)
    result = run({"path": path})
    assert result["failed"] is True
    assert result["lineno"] == 3
    assert result["line"] == "label 10.0.0.0/8 4"
    assert result["msg"].startswith("%s: line 3: " % path)
    assert "label 10.0.0.0/8 4" in result["msg"]
    assert read(path) == text
    assert os.listdir(os.path.dirname(path)) == ["gai.conf"]


@pytest.mark.parametrize(
    "args, words",
    [
        ({"local_prefixes": ["172.16.0.0/12"]}, ["local_prefixes[0]", "172.16.0.0/12", "::ffff:172.16.0.0/108"]),
        ({"labels": [{"prefix": "fd00::/8", "label": -3}]}, ["labels[0].label", "-3"]),
        ({"precedences": [{"prefix": "fd00::1/8", "precedence": 3}]}, ["precedences[0].prefix", "fd00::1/8", "host bits"]),
    ],
)
def test_bad_options_fail_and_write_nothing(run, path, args, words):
    result = run(dict(args, path=path))
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"]
    assert not os.path.exists(path)


def test_mode_change_alone_is_a_change(run, path):
    run({"path": path, "mode": "0644"})
    result = run({"path": path, "mode": "0600"})
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ---------------------------------------------------------------------------
# The copy Kamal mounts: an empty directory in its place, updates in place


@pytest.fixture
def warnings(module_warnings):
    return module_warnings


def test_empty_directory_is_replaced_by_the_policy(run, path, warnings):
    os.mkdir(path)
    result = run({"path": path, "mode": "0644"}, diff=True)
    assert result["changed"] is True
    assert result["replaced_directory"] is True
    assert os.path.isfile(path)
    assert read(path).splitlines()[:2] == list(HEADER)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert result["diff"]["before"] == ""
    assert result["diff"]["before_header"] == "%s (an empty directory)" % path
    assert len(warnings) == 1
    assert "%s was an empty directory" % path in warnings[0]
    assert "was replaced" in warnings[0]
    assert "recreate them" in warnings[0] and "kamal deploy" in warnings[0]
    again = run({"path": path, "mode": "0644"})
    assert again["changed"] is False and again["replaced_directory"] is False


def test_empty_directory_in_check_mode_stays(run, path, warnings):
    os.mkdir(path)
    result = run({"path": path}, check_mode=True)
    assert result["changed"] is True
    assert result["replaced_directory"] is True
    assert os.path.isdir(path) and os.listdir(path) == []
    assert "would be replaced" in warnings[0]


def test_empty_directory_with_state_absent_is_left_alone(run, path, warnings):
    os.mkdir(path)
    result = run({"path": path, "state": "absent"})
    assert result["changed"] is False
    assert result["replaced_directory"] is False
    assert os.path.isdir(path)
    assert warnings == []


def test_directory_with_files_is_refused_and_kept(run, path):
    os.mkdir(path)
    write(os.path.join(path, "mine"), "data")
    result = run({"path": path})
    assert result["failed"] is True
    assert result["msg"].startswith("%s is a directory with 1 entry in it (mine), not a policy file" % path)
    assert "nothing was changed" in result["msg"]
    assert os.listdir(path) == ["mine"]


@pytest.mark.parametrize("in_place", [False, True])
def test_in_place_reaches_another_name_of_the_file(run, path, in_place):
    """A hard link stands for a bind mount: both hold the inode."""
    run({"path": path})
    mounted = path + ".mounted"
    os.link(path, mounted)
    result = run({"path": path, "prefer": "ipv4", "in_place": in_place, "backup": True})
    assert result["changed"] is True
    assert result["written_in_place"] is in_place
    assert "precedence ::ffff:0:0/96 100\n" in read(path)
    assert (read(mounted) == read(path)) is in_place
    assert (os.stat(mounted).st_ino == os.stat(path).st_ino) is in_place
    assert "precedence ::ffff:0:0/96 100\n" not in read(result["backup_file"])


def test_in_place_creates_a_missing_file(run, path):
    result = run({"path": path, "in_place": True})
    assert result["changed"] is True
    assert result["written_in_place"] is False
    assert os.path.isfile(path)


def test_in_place_in_check_mode_writes_nothing(run, path):
    run({"path": path})
    before = read(path)
    result = run({"path": path, "prefer": "ipv4", "in_place": True}, check_mode=True)
    assert result["changed"] is True and result["written_in_place"] is True
    assert read(path) == before
