# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the read and the decision of plugins/module_utils/_file.py (state, plan and their parts)."""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file

SHA = hashlib.sha1(b"a\n").hexdigest()
FILE = {"type": "file", "mode": "0644", "owner": "root", "group": "root", "sha1": SHA, "mtime": 10.0, "mount": False}
DIRECTORY = {"type": "directory", "mode": "0755", "owner": "root", "group": "root", "mtime": 10.0, "mount": False}
LINK = {"type": "link", "mode": "0777", "owner": "root", "group": "root", "link": "/run/x", "mtime": 10.0, "mount": False}
WANT_FILE = {"path": "/f", "sha1": SHA, "mode": "0644", "owner": "root", "group": "root"}
WANT_DIR = {"path": "/d", "type": "directory", "mode": "0755", "owner": "root", "group": "root"}


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        pytest.param(FILE, WANT_FILE, False, id="same-file"),
        pytest.param(None, WANT_FILE, True, id="missing"),
        pytest.param(dict(FILE, sha1="0" * 40), WANT_FILE, True, id="edited-by-hand"),
        pytest.param(dict(FILE, mode="0600"), WANT_FILE, True, id="mode"),
        pytest.param(dict(FILE, owner="nobody"), WANT_FILE, True, id="owner"),
        pytest.param(dict(FILE, group="staff"), WANT_FILE, True, id="group"),
        pytest.param(LINK, WANT_FILE, True, id="link-where-a-file-is-wanted"),
        pytest.param(DIRECTORY, WANT_FILE, True, id="directory-where-a-file-is-wanted"),
        pytest.param(DIRECTORY, WANT_DIR, False, id="same-directory"),
        pytest.param(dict(DIRECTORY, mode="0700"), WANT_DIR, True, id="directory-mode"),
        pytest.param(FILE, WANT_DIR, True, id="file-where-a-directory-is-wanted"),
        pytest.param(dict(FILE, sha1="0" * 40), {"path": "/o"}, False, id="existence-only"),
        pytest.param(None, {"path": "/o"}, True, id="existence-only-missing"),
    ],
)
def test_differs(current, wanted, expected):
    assert _file.differs(current, wanted) is expected


def test_changes_keeps_the_order_of_wanted():
    files = {"/d": DIRECTORY, "/f": dict(FILE, sha1="0" * 40), "/g": None}
    wanted = [dict(WANT_FILE, path="/g"), WANT_DIR, WANT_FILE]
    assert _file.changes(files, wanted) == ["/g", "/f"]


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param({"/a": None, "/b": None}, [], id="nothing-left"),
        pytest.param({"/a": FILE, "/b": None}, ["/a"], id="one-left"),
        pytest.param({"/a": FILE, "/b": LINK}, ["/a", "/b"], id="a-link-counts"),
        pytest.param({}, [], id="not-read"),
    ],
)
def test_present(files, expected):
    assert _file.present(files, ["/a", "/b"]) == expected


@pytest.mark.parametrize(
    "source, target, expected",
    [
        pytest.param(dict(FILE, mtime=5.0), dict(FILE, mtime=10.0), [], id="target-newer"),
        pytest.param(dict(FILE, mtime=10.0), dict(FILE, mtime=10.0), [], id="same-time"),
        pytest.param(dict(FILE, mtime=20.0), dict(FILE, mtime=10.0), ["/t"], id="source-newer"),
        pytest.param(FILE, None, ["/t"], id="target-missing"),
        pytest.param(None, None, [], id="no-source"),
        pytest.param(None, FILE, [], id="only-target"),
    ],
)
def test_stale(source, target, expected):
    assert _file.stale({"/s": source, "/t": target}, [("/s", "/t")]) == expected


@pytest.mark.parametrize(
    "unit, expected",
    [
        pytest.param({"load": "loaded", "enabled": "enabled", "active": "active"}, False, id="enabled-active"),
        pytest.param({"load": "loaded", "enabled": "static", "active": "active"}, False, id="static-active"),
        pytest.param({"load": "loaded", "enabled": "disabled", "active": "active"}, True, id="disabled"),
        pytest.param({"load": "loaded", "enabled": "enabled", "active": "inactive"}, True, id="stopped"),
        pytest.param({"load": "loaded", "enabled": "enabled", "active": "failed"}, True, id="failed"),
        pytest.param({"load": "not-found", "enabled": "", "active": "inactive"}, True, id="unknown"),
        pytest.param(None, True, id="not-read"),
    ],
)
def test_unit_pending(unit, expected):
    assert _file.unit_pending({"u.service": unit} if unit else {}, "u.service") is expected


SHOW = """Id=unbound.service
LoadState=loaded
UnitFileState=enabled
ActiveState=active

Id=tayga.service
LoadState=not-found
UnitFileState=
ActiveState=inactive
"""


@pytest.mark.parametrize(
    "output, units, expected",
    [
        pytest.param(
            SHOW,
            ["unbound.service", "tayga.service"],
            {
                "unbound.service": {"load": "loaded", "enabled": "enabled", "active": "active", "active_since": None},
                "tayga.service": {"load": "not-found", "enabled": "", "active": "inactive", "active_since": None},
            },
            id="two-units",
        ),
        pytest.param("", ["x.service"], {"x.service": {"load": "", "enabled": "", "active": "", "active_since": None}}, id="nothing-printed"),
        pytest.param(
            SHOW.split("\n\n", maxsplit=1)[0] + "\n",
            ["unbound.service"],
            {"unbound.service": {"load": "loaded", "enabled": "enabled", "active": "active", "active_since": None}},
            id="one",
        ),
    ],
)
def test_unit_states(output, units, expected):
    assert _file.unit_states(output, units) == expected


SHOW_SINCE = """Id=unbound.service
LoadState=loaded
UnitFileState=enabled
ActiveState=active
ActiveEnterTimestampMonotonic=5000000

Id=tayga.service
LoadState=not-found
UnitFileState=
ActiveState=inactive
ActiveEnterTimestampMonotonic=0
"""


def test_unit_states_tell_since_when_a_unit_is_active_in_epoch_seconds():
    # Read at wall clock 1000.0 s, monotonic 25.0 s: a unit that entered
    # active at monotonic 5.0 s did so 20 s ago, at 980.0.
    got = _file.unit_states(SHOW_SINCE, ["unbound.service", "tayga.service"], clocks=(1000.0, 25.0))
    assert got["unbound.service"] == {"load": "loaded", "enabled": "enabled", "active": "active", "active_since": 980.0}
    assert got["tayga.service"]["active_since"] is None, "never active: systemd prints 0"


@pytest.mark.parametrize(
    "usec, clocks, expected",
    [
        pytest.param("5000000", (1000.0, 25.0), 980.0, id="twenty-seconds-ago"),
        pytest.param("25000000", (1000.0, 25.0), 1000.0, id="just-now"),
        pytest.param("1500", (1000.0, 25.0), 975.0015, id="microseconds"),
        pytest.param("0", (1000.0, 25.0), None, id="never-active"),
        pytest.param("", (1000.0, 25.0), None, id="empty"),
        pytest.param(None, (1000.0, 25.0), None, id="not-printed"),
        pytest.param("n/a", (1000.0, 25.0), None, id="not-a-number"),
        pytest.param("5000000", None, None, id="no-clocks"),
    ],
)
def test_active_since(usec, clocks, expected):
    got = _file.active_since(usec, clocks)
    assert got == (pytest.approx(expected) if expected is not None else None)


def _unit(active="active", since=100.0):
    return {"load": "loaded", "enabled": "enabled", "active": active, "active_since": since}


def _file_at(mtime):
    return dict(FILE, mtime=mtime)


@pytest.mark.parametrize(
    "files, units, depends, write, expected",
    [
        pytest.param({"/c": _file_at(150.0)}, {"u": _unit()}, {"u": ["/c"]}, [], ["u"], id="file-newer-restart"),
        pytest.param({"/c": _file_at(50.0)}, {"u": _unit()}, {"u": ["/c"]}, [], [], id="file-older-no-restart"),
        pytest.param({"/c": _file_at(100.0)}, {"u": _unit()}, {"u": ["/c"]}, [], [], id="same-time-no-restart"),
        pytest.param({"/c": _file_at(150.0)}, {"u": _unit("inactive")}, {"u": ["/c"]}, [], [], id="inactive-is-started-not-restarted"),
        pytest.param({"/c": _file_at(150.0)}, {"u": _unit("failed")}, {"u": ["/c"]}, [], [], id="failed-is-started-not-restarted"),
        pytest.param({"/c": _file_at(150.0)}, {"u": _unit(since=None)}, {"u": ["/c"]}, [], [], id="unknown-start-no-restart"),
        pytest.param({"/c": dict((k, v) for k, v in FILE.items() if k != "mtime")}, {"u": _unit()}, {"u": ["/c"]}, [], [], id="unknown-mtime-no-restart"),
        pytest.param({"/c": None}, {"u": _unit()}, {"u": ["/c"]}, [], [], id="missing-file-no-restart"),
        pytest.param({"/c": _file_at(150.0)}, {}, {"u": ["/c"]}, [], [], id="unit-not-read"),
        pytest.param({"/c": _file_at(150.0)}, {"u": _unit()}, {"u": ["/c"]}, ["/c"], [], id="written-handler-restarts"),
        pytest.param(
            {"/a": _file_at(50.0), "/b": _file_at(150.0), "/c": _file_at(60.0)},
            {"u": _unit()},
            {"u": ["/a", "/b", "/c"]},
            [],
            ["u"],
            id="several-files-one-newer",
        ),
        pytest.param({"/a": _file_at(50.0), "/b": _file_at(60.0)}, {"u": _unit()}, {"u": ["/a", "/b"]}, [], [], id="several-files-all-older"),
        pytest.param(
            {"/a": _file_at(150.0), "/b": _file_at(150.0)},
            {"u": _unit(), "v": _unit(since=200.0), "w": _unit()},
            {"w": ["/b"], "v": ["/b"], "u": ["/a"]},
            ["/x"],
            ["w", "u"],
            id="several-units-in-order",
        ),
        pytest.param(
            {"/a": _file_at(150.0), "/b": _file_at(150.0)},
            {"u": _unit(), "v": _unit()},
            {"u": ["/a"], "v": ["/a", "/b"]},
            ["/b"],
            ["u"],
            id="write-of-one-file-spares-only-its-units",
        ),
    ],
)
def test_outdated(files, units, depends, write, expected):
    assert _file.outdated(files, units, depends, write) == expected


MOUNTINFO = """22 1 0:21 / / rw,relatime - overlay overlay rw
640 22 254:1 /var/lib/docker/containers/x/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw
641 22 254:1 /x /srv/with\\040space rw - ext4 /dev/vda1 rw
"""


def test_mount_points():
    assert _file.mount_points(MOUNTINFO) == {"/", "/etc/resolv.conf", "/srv/with space"}
    assert _file.mount_points("") == set()


@pytest.mark.parametrize(
    "field, expected",
    [("/a", "/a"), ("/a\\040b", "/a b"), ("/a\\011b", "/a\tb"), ("/a\\134b", "/a\\b"), ("/a\\04", "/a\\04")],
)
def test_unescape_mount_point(field, expected):
    assert _file.unescape_mount_point(field) == expected


def test_state_of_a_file_a_directory_a_link_and_nothing(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"a\n")
    os.chmod(str(target), 0o640)
    link = tmp_path / "l"
    link.symlink_to(target)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")

    got = _file.state(str(target), mounts={str(target)})
    assert (got["type"], got["mode"], got["sha1"], got["mount"]) == ("file", "0640", SHA, True)
    assert "content" not in got and got["owner"] and got["group"]
    assert "mount" not in _file.state(str(target)), "no mount points given, none told"
    assert _file.state(str(target), content=True)["content"] == "a\n"

    got = _file.state(str(link), content=True, mounts=frozenset())
    assert (got["type"], got["link"], got["content"], got["mount"]) == ("link", str(target), "a\n", False)
    assert "sha1" not in got

    got = _file.state(str(dangling), content=True)
    assert (got["type"], got["content"]) == ("link", None)
    assert _file.state(str(tmp_path), content=True)["type"] == "directory"
    assert _file.state(str(tmp_path / "missing")) is None
    assert _file.state(str(target / "below-a-file")) is None


READ = {
    "files": {"/f": FILE, "/d": DIRECTORY, "/old": FILE, "/gone": None},
    "globs": {"/lib/p-*.o": ["/lib/p-1.o", "/lib/p-2.o"], "/lib/p-*.s": ["/lib/p-2.s"]},
    "units": {"u.service": {"load": "loaded", "enabled": "enabled", "active": "active"}},
    "packages_missing": [],
}


@pytest.mark.parametrize(
    "read, options, expected",
    [
        pytest.param(
            READ,
            dict(wanted=[WANT_DIR, WANT_FILE], absent=["/gone"], globs=["/lib/p-*.o", "/lib/p-*.s"], keep=["/lib/p-2.o", "/lib/p-2.s"], units=["u.service"]),
            {"install": [], "write": [], "remove": [], "leftovers": ["/lib/p-1.o"], "start": [], "restart": []},
            id="no-op-but-an-old-program",
        ),
        pytest.param(
            dict(READ, globs={"/lib/p-*.o": ["/lib/p-2.o"]}),
            dict(wanted=[WANT_DIR, WANT_FILE], absent=["/gone"], globs=["/lib/p-*.o"], keep=["/lib/p-2.o"], units=["u.service"]),
            {"install": [], "write": [], "remove": [], "leftovers": [], "start": [], "restart": []},
            id="no-op",
        ),
        pytest.param(
            dict(READ, packages_missing=["tayga"], units={}),
            dict(wanted=[dict(WANT_FILE, sha1="1" * 40)], absent=["/old", "/gone"], globs=["/lib/p-*.o"], units=["u.service"]),
            {"install": ["tayga"], "write": ["/f"], "remove": ["/old"], "leftovers": ["/lib/p-1.o", "/lib/p-2.o"], "start": ["u.service"], "restart": []},
            id="everything-to-do",
        ),
        pytest.param({}, {}, {"install": [], "write": [], "remove": [], "leftovers": [], "start": [], "restart": []}, id="empty"),
        pytest.param(
            dict(READ, files=dict(READ["files"], **{"/f": dict(FILE, mtime=200.0)}), units={"u.service": _unit(since=100.0)}),
            dict(wanted=[WANT_DIR, WANT_FILE], units=["u.service"], restart={"u.service": ["/f"]}),
            {"install": [], "write": [], "remove": [], "leftovers": [], "start": [], "restart": ["u.service"]},
            id="lost-restart",
        ),
        pytest.param(
            dict(READ, files=dict(READ["files"], **{"/f": dict(FILE, mtime=200.0)}), units={"u.service": _unit(since=100.0)}),
            dict(wanted=[dict(WANT_FILE, sha1="1" * 40)], units=["u.service"], restart={"u.service": ["/f"]}),
            {"install": [], "write": ["/f"], "remove": [], "leftovers": [], "start": [], "restart": []},
            id="written-so-the-handler-restarts",
        ),
        pytest.param(
            dict(READ, files=dict(READ["files"], **{"/f": dict(FILE, mtime=200.0)}), units={"u.service": _unit("inactive", 100.0)}),
            dict(wanted=[WANT_DIR, WANT_FILE], units=["u.service"], restart={"u.service": ["/f"]}),
            {"install": [], "write": [], "remove": [], "leftovers": [], "start": ["u.service"], "restart": []},
            id="stopped-is-started",
        ),
    ],
)
def test_plan(read, options, expected):
    assert _file.plan(read, **options) == expected


class Failed(Exception):
    """fail_json of the fake module."""


class IpModule:
    """A module on a host whose ``ip`` answers ``(rc, out)`` (``None``: no ``ip``)."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def get_bin_path(self, name, required=False):
        if self.answer is None and required:
            raise Failed("Failed to find required executable %s" % name)
        return None if self.answer is None else "/sbin/" + name

    def run_command(self, argv):
        self.calls.append(argv)
        return self.answer[0], self.answer[1], "" if self.answer[0] == 0 else "Cannot open netlink socket"

    def fail_json(self, msg, **kwargs):
        raise Failed(msg)


@pytest.mark.parametrize(
    "answer, required, expected",
    [
        pytest.param((0, '[{"ifname": "lo"}]'), True, [{"ifname": "lo"}], id="listing"),
        pytest.param((0, ""), True, [], id="nothing-printed"),
        pytest.param(None, False, [], id="no-ip"),
        pytest.param(None, True, "Failed to find required executable ip", id="no-ip-required"),
        pytest.param((1, ""), False, [], id="fails"),
        pytest.param((1, ""), True, "'ip -json -6 route show' failed (rc=1): Cannot open netlink socket", id="fails-required"),
        pytest.param((0, "Object unknown"), False, [], id="no-json"),
        pytest.param((0, "Object unknown"), True, "'ip -json -6 route show' printed no JSON: ", id="no-json-required"),
        pytest.param((0, "{}"), False, [], id="not-a-list"),
        pytest.param((0, "{}"), True, "'ip -json -6 route show' printed a JSON dict, not a list", id="not-a-list-required"),
    ],
)
def test_ip_json(answer, required, expected):
    module = IpModule(answer)
    if isinstance(expected, str):
        with pytest.raises(Failed) as exc:
            _file.ip_json(module, ["-6", "route", "show"], required=required)
        assert str(exc.value).startswith(expected)
    else:
        assert _file.ip_json(module, ["-6", "route", "show"], required=required) == expected
    assert module.calls == ([] if answer is None else [["/sbin/ip", "-json", "-6", "route", "show"]])


def test_states_reads_contents_and_fails_the_module_naming_the_path(tmp_path, monkeypatch):
    (tmp_path / "a").write_text("a\n")
    module = IpModule(None)
    got = _file.states(module, [str(tmp_path)], contents=[str(tmp_path / "a")])
    assert got[str(tmp_path)]["type"] == "directory" and "content" not in got[str(tmp_path)]
    assert got[str(tmp_path / "a")]["content"] == "a\n" and got[str(tmp_path / "a")]["sha1"] == SHA

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_file, "sha1_of", refuse)
    with pytest.raises(Failed) as exc:
        _file.states(module, [str(tmp_path / "a")])
    assert str(exc.value) == "Cannot read %s: [Errno 13] Permission denied" % (tmp_path / "a")
