# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_file.py (the modules' file reading and writing)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file


class FailJson(Exception):
    pass


@pytest.fixture
def module(monkeypatch, tmp_path):
    """A real AnsibleModule with the file common arguments; fail_json raises FailJson."""

    def fail_json(self, msg, **kwargs):
        raise FailJson(dict(kwargs, msg=msg, failed=True))

    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    remote_tmp = tmp_path / "remote_tmp"
    remote_tmp.mkdir()

    def make(check_mode=False, **params):
        args = dict(params, _ansible_check_mode=check_mode, _ansible_remote_tmp=str(remote_tmp), _ansible_keep_remote_files=False)
        with patch_module_args(args):
            return basic.AnsibleModule(argument_spec={}, add_file_common_args=True, supports_check_mode=True)

    return make


@pytest.fixture
def work(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    return path


def names(directory):
    return sorted(os.listdir(directory))


# --------------------------------------------------------------------------
# read_text
# --------------------------------------------------------------------------


def test_read_missing(module, work):
    assert _file.read_text(module(), str(work / "gai.conf")) == _file.Current(_file.MISSING, None)


def test_read_file(module, work):
    (work / "gai.conf").write_text("label ::/0 1\n")
    assert _file.read_text(module(), str(work / "gai.conf")) == _file.Current(_file.FILE, "label ::/0 1\n")


def test_read_keeps_bytes_that_are_not_utf8_and_writes_them_back(module, work):
    path = work / "gai.conf"
    path.write_bytes(b"# caf\xe9\n")
    current = _file.read_text(module(), str(path))
    assert current.kind == _file.FILE
    _file.write_text(module(), str(path), current.text + "reload no\n", current=current)
    assert path.read_bytes() == b"# caf\xe9\nreload no\n"


def test_read_utf8_only_fails_on_other_bytes(module, work):
    (work / "daemon.json").write_bytes(b'{"a": "\xff"}')
    with pytest.raises(FailJson) as exc:
        _file.read_text(module(), str(work / "daemon.json"), utf8=True)
    assert "is not UTF-8 text" in exc.value.args[0]["msg"]


@pytest.mark.parametrize("empty_directory", [False, True])
def test_read_directory_fails_unless_an_empty_one_is_accepted(module, work, empty_directory):
    (work / "gai.conf").mkdir()
    if empty_directory:
        assert _file.read_text(module(), str(work / "gai.conf"), empty_directory=True) == _file.Current(_file.EMPTY_DIRECTORY, None)
        return
    with pytest.raises(FailJson) as exc:
        _file.read_text(module(), str(work / "gai.conf"), what="daemon.json file")
    assert exc.value.args[0]["msg"] == "%s is a directory, not a daemon.json file" % (work / "gai.conf")


@pytest.mark.parametrize(
    "entries, shown",
    [
        (["a"], "1 entry in it (a)"),
        (["b", "a"], "2 entries in it (a, b)"),
        (["f%d" % i for i in range(7)], "7 entries in it (f0, f1, f2, f3, f4, ...)"),
    ],
)
def test_read_refuses_a_directory_with_entries(module, work, entries, shown):
    directory = work / "gai.conf"
    directory.mkdir()
    for name in entries:
        (directory / name).write_text("x")
    with pytest.raises(FailJson) as exc:
        _file.read_text(module(), str(directory), what="policy file", empty_directory=True)
    result = exc.value.args[0]
    assert shown in result["msg"]
    assert "not a policy file; nothing was changed" in result["msg"]
    assert result["entries"] == sorted(entries)
    assert names(directory) == sorted(entries)


# --------------------------------------------------------------------------
# write_text: atomic
# --------------------------------------------------------------------------


def test_atomic_write_creates_a_file_and_leaves_no_temporary_file(module, work):
    path = work / "gai.conf"
    assert _file.write_text(module(), str(path), "one\n") is None
    assert path.read_text() == "one\n"
    assert names(work) == ["gai.conf"]


def test_atomic_write_replaces_the_inode(module, work):
    path = work / "gai.conf"
    path.write_text("old\n")
    other = work / "other-name"
    os.link(path, other)  # a second name for the inode, as a bind mount holds it
    _file.write_text(module(), str(path), "new\n", current=_file.read_text(module(), str(path)))
    assert path.read_text() == "new\n"
    assert other.read_text() == "old\n"
    assert os.stat(path).st_ino != os.stat(other).st_ino


def test_atomic_write_uses_the_temporary_prefix(module, work, monkeypatch):
    seen = []
    real = _file.tempfile.mkstemp

    def mkstemp(**kwargs):
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(_file.tempfile, "mkstemp", mkstemp)
    _file.write_text(module(), str(work / "daemon.json"), "{}\n", tmp_prefix=".daemon.json.")
    _file.write_text(module(), str(work / "gai.conf"), "x\n")
    assert [item["prefix"] for item in seen] == [b".daemon.json.", b".gai.conf."]
    assert {item["dir"] for item in seen} == {os.fsencode(str(work))}


def test_missing_parent_is_created_only_with_a_directory_mode(module, work):
    with pytest.raises(FailJson) as exc:
        _file.write_text(module(), str(work / "docker" / "daemon.json"), "{}\n")
    assert "Cannot create a temporary file" in exc.value.args[0]["msg"]
    _file.write_text(module(), str(work / "docker" / "daemon.json"), "{}\n", directory_mode=0o750)
    assert stat.S_IMODE(os.stat(work / "docker").st_mode) == 0o750 & ~_umask()
    assert (work / "docker" / "daemon.json").read_text() == "{}\n"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------
# write_text: in place (a bind-mounted file)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new",
    [
        ("label ::/0 1\nlabel fc00::/7 6\n", "label ::/0 1\n"),  # shorter: the tail is cut off
        ("x\n", "label ::/0 1\nlabel fd00::/8 1\n"),  # longer
        ("same length\n", "SAME LENGTH\n"),
    ],
)
def test_in_place_keeps_the_inode_and_reaches_every_name(module, work, old, new):
    path = work / "gai.conf"
    path.write_text(old)
    other = work / "other-name"
    os.link(path, other)
    inode = os.stat(path).st_ino
    _file.write_text(module(), str(path), new, current=_file.read_text(module(), str(path)), in_place=True)
    assert path.read_text() == new
    assert other.read_text() == new
    assert os.stat(path).st_ino == inode
    assert names(work) == ["gai.conf", "other-name"]


def test_in_place_without_a_file_creates_one_atomically(module, work):
    path = work / "gai.conf"
    _file.write_text(module(), str(path), "new\n", current=_file.read_text(module(), str(path)), in_place=True)
    assert path.read_text() == "new\n"


def test_in_place_keeps_mode_and_owner(module, work):
    path = work / "gai.conf"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    _file.write_text(module(), str(path), "new\n", in_place=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_in_place_failure_names_the_file(module, work, monkeypatch):
    path = work / "gai.conf"
    path.write_text("old\n")
    real_open = open

    def failing_open(name, mode="r", *args, **kwargs):
        if mode == "r+b":
            raise OSError(30, "Read-only file system")
        return real_open(name, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(FailJson) as exc:
        _file.write_text(module(), str(path), "new\n", in_place=True)
    assert exc.value.args[0]["msg"].startswith("Cannot rewrite %s in place: " % path)
    assert "writable in place" in exc.value.args[0]["msg"]


# --------------------------------------------------------------------------
# write_text: an empty directory in the file's place
# --------------------------------------------------------------------------


@pytest.mark.parametrize("in_place", [False, True])
def test_empty_directory_is_replaced_by_the_file(module, work, in_place):
    path = work / "gai.conf"
    path.mkdir()
    current = _file.read_text(module(), str(path), empty_directory=True)
    assert _file.write_text(module(), str(path), "policy\n", current=current, backup=True, in_place=in_place) is None
    assert path.is_file()
    assert path.read_text() == "policy\n"
    assert names(work) == ["gai.conf"]


def test_directory_filled_after_reading_is_not_removed(module, work):
    path = work / "gai.conf"
    path.mkdir()
    current = _file.read_text(module(), str(path), empty_directory=True)
    (path / "late").write_text("x")
    with pytest.raises(FailJson) as exc:
        _file.write_text(module(), str(path), "policy\n", current=current)
    assert exc.value.args[0]["msg"].startswith("Cannot replace the directory %s with a file" % path)
    assert names(path) == ["late"]


# --------------------------------------------------------------------------
# backup, remove
# --------------------------------------------------------------------------


@pytest.mark.parametrize("in_place", [False, True])
def test_backup_keeps_the_old_text(module, work, in_place):
    path = work / "gai.conf"
    path.write_text("old\n")
    backup = _file.write_text(module(), str(path), "new\n", current=_file.read_text(module(), str(path)), backup=True, in_place=in_place)
    assert backup and os.path.dirname(backup) == str(work)
    with open(backup) as handle:
        assert handle.read() == "old\n"
    assert path.read_text() == "new\n"


def test_no_backup_of_a_missing_file(module, work):
    assert _file.write_text(module(), str(work / "gai.conf"), "new\n", backup=True) is None
    assert names(work) == ["gai.conf"]


@pytest.mark.parametrize("backup", [False, True])
def test_remove(module, work, backup):
    path = work / "gai.conf"
    path.write_text("old\n")
    backup_file = _file.remove(module(), str(path), backup=backup)
    assert not path.exists()
    if backup:
        with open(backup_file) as handle:
            assert handle.read() == "old\n"
    else:
        assert backup_file is None and names(work) == []


def test_remove_failure_names_the_file(module, work):
    with pytest.raises(FailJson) as exc:
        _file.remove(module(), str(work / "gai.conf"))
    assert exc.value.args[0]["msg"].startswith("Cannot remove %s: " % (work / "gai.conf"))


# --------------------------------------------------------------------------
# diff, file attributes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after, header, expected",
    [
        (None, "new\n", None, dict(before="", after="new\n", before_header="/p", after_header="/p")),
        ("old\n", None, None, dict(before="old\n", after="", before_header="/p", after_header="/p")),
        ("a", "b", "/p (content)", dict(before="a", after="b", before_header="/p (content)", after_header="/p (content)")),
    ],
)
def test_diff(before, after, header, expected):
    assert _file.diff("/p", before, after, header=header) == expected


def test_set_attributes_applies_the_mode(module, work):
    path = work / "gai.conf"
    path.write_text("x\n")
    os.chmod(path, 0o600)
    assert _file.set_attributes(module(mode="0644"), str(path), False) is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert _file.set_attributes(module(mode="0644"), str(path), False) is False


def test_set_attributes_default_mode_only_without_a_mode(module, work):
    path = work / "daemon.json"
    path.write_text("{}\n")
    os.chmod(path, 0o600)
    assert _file.set_attributes(module(), str(path), False, default_mode="0644") is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    os.chmod(path, 0o600)
    assert _file.set_attributes(module(mode="0640"), str(path), False, default_mode="0644") is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_set_attributes_in_check_mode_only_reports(module, work):
    path = work / "gai.conf"
    path.write_text("x\n")
    os.chmod(path, 0o600)
    assert _file.set_attributes(module(check_mode=True, mode="0644"), str(path), False) is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def _make(root, what):
    """One kind of thing at root/target: what state() is asked about."""
    target = root / "target"
    if what == "file":
        target.write_text("label ::1/128 0\n")
        target.chmod(0o640)
    elif what == "not utf-8":
        target.write_bytes(b"# caf\xe9\n")
    elif what == "empty directory":
        target.mkdir()
    elif what == "directory":
        target.mkdir()
        (target / "entry").write_text("")
    elif what == "link to a file":
        (root / "real").write_text("x\n")
        target.symlink_to(root / "real")
    elif what == "dangling link":
        target.symlink_to(root / "nowhere")
    elif what == "fifo":
        os.mkfifo(target)
    elif what == "under a file":
        (root / "file").write_text("")
        return str(root / "file" / "target")
    return str(target)


@pytest.mark.parametrize(
    "what, expected",
    [
        pytest.param("missing", None, id="missing"),
        pytest.param("under a file", None, id="parent-is-a-file"),
        pytest.param("dangling link", {"type": "link", "content": None}, id="dangling-link"),
        pytest.param("file", {"type": "file", "content": "label ::1/128 0\n", "mode": "0640"}, id="file"),
        pytest.param("link to a file", {"type": "link", "content": "x\n"}, id="link-read-through"),
        pytest.param("not utf-8", {"type": "file", "content": "# caf\udce9\n"}, id="not-utf8-kept-as-escapes"),
        pytest.param("empty directory", {"type": "directory", "content": None, "empty": True}, id="empty-directory"),
        pytest.param("directory", {"type": "directory", "content": None, "empty": False}, id="directory-with-entries"),
        pytest.param("fifo", {"type": "other", "content": None}, id="fifo"),
    ],
)
def test_state_with_content(tmp_path, what, expected):
    state = _file.state(_make(tmp_path, what), content=True)
    if expected is None:
        assert state is None
        return
    assert {key: state[key] for key in expected} == expected
    assert ("empty" in state) == (state["type"] == "directory")
    assert len(state["mode"]) == 4


def test_state_raises_what_it_cannot_read(tmp_path, monkeypatch):
    path = _make(tmp_path, "file")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(OSError):
        _file.state(path, content=True)
