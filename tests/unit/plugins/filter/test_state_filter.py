# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/filter/state.py: the filters over a state_info result and their input checks."""

from __future__ import annotations

import hashlib

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.state import FilterModule

F = FilterModule().filters()
FILE = {"type": "file", "mode": "0644", "owner": "root", "group": "root", "sha1": "a" * 40}


def test_the_filters_reach_module_utils():
    files = {"/f": FILE, "/g": None}
    assert F["state_changes"](files, [{"path": "/f", "sha1": "b" * 40}, {"path": "/g"}]) == ["/f", "/g"]
    assert F["state_present"](files, ["/f", "/g"]) == ["/f"]
    assert F["state_stale"]({"/s": dict(FILE, mtime=2), "/t": dict(FILE, mtime=1)}, [["/s", "/t"]]) == ["/t"]
    assert F["state_unit_pending"]({"u": {"enabled": "enabled", "active": "active"}}, "u") is False
    assert F["state_plan"]({"files": files, "packages_missing": ["x"]}, wanted=[{"path": "/f", "sha1": "a" * 40}], absent=["/f"]) == {
        "install": ["x"],
        "write": [],
        "remove": ["/f"],
        "leftovers": [],
        "start": [],
        "restart": [],
    }
    read = {"files": {"/f": dict(FILE, mtime=200.0)}, "units": {"u": {"active": "active", "active_since": 100.0}}}
    assert F["state_plan"](read, restart={"u": ["/f"]})["restart"] == ["u"]


def test_state_sha1_hashes_bytes(tmp_path):
    path = tmp_path / "prog.o"
    path.write_bytes(b"\x7fELF\xff\x00")
    assert F["state_sha1"](str(path)) == hashlib.sha1(b"\x7fELF\xff\x00").hexdigest()
    with pytest.raises(AnsibleFilterError, match="state_sha1: cannot read .*missing"):
        F["state_sha1"](str(tmp_path / "missing"))
    with pytest.raises(AnsibleFilterError, match="state_sha1: expected the path of a file on the controller"):
        F["state_sha1"]("")


@pytest.mark.parametrize(
    "name, args, kwargs, message",
    [
        pytest.param("state_changes", (None, []), {}, "state_changes: expected the files of a state_info result as a dict, got NoneType", id="changes-files"),
        pytest.param("state_changes", ({}, "x"), {}, "state_changes: expected wanted as a list, got str", id="changes-wanted"),
        pytest.param("state_changes", ({}, [{"mode": "0644"}]), {}, "state_changes: expected each wanted entry as a dict with a path", id="changes-entry"),
        pytest.param("state_present", ({}, {}), {}, "state_present: expected paths as a list, got dict", id="present-paths"),
        pytest.param("state_stale", ({}, [["/s"]]), {}, "state_stale: expected \\[source, target\\] pairs", id="stale-pair"),
        pytest.param("state_unit_pending", ([], "u"), {}, "state_unit_pending: expected the units of a state_info result as a dict, got list", id="units"),
        pytest.param("state_plan", ("x",), {}, "state_plan: expected a state_info result as a dict, got str", id="plan-read"),
        pytest.param("state_plan", ({},), {"absent": "/x"}, "state_plan: expected absent as a list, got str", id="plan-absent"),
        pytest.param("state_plan", ({},), {"wanted": [None]}, "state_plan: expected each wanted entry as a dict with a path", id="plan-entry"),
        pytest.param("state_plan", ({},), {"restart": ["u"]}, "state_plan: expected restart as a dict of unit to paths, got list", id="plan-restart"),
        pytest.param(
            "state_plan", ({},), {"restart": {"u": "/f"}}, "state_plan: expected the paths of restart\\[u\\] as a list, got str", id="plan-restart-paths"
        ),
    ],
)
def test_bad_input_is_named(name, args, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        F[name](*args, **kwargs)
