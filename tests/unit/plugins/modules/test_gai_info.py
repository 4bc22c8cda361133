# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the ipv6ready.docker.gai_info module: main() against files in tmp_path."""

from __future__ import annotations

import os

from ansible_collections.ipv6ready.docker.plugins.modules import gai_info


def test_reads_the_paths_and_daemon_json_without_changing_anything(run_module, tmp_path):
    policy = tmp_path / "ipv6ready" / "gai.conf"
    policy.parent.mkdir()
    policy.write_text("label ::1/128 0\n")
    daemon = tmp_path / "daemon.json"
    daemon.write_text('{"ipv6": true}')
    result = run_module(gai_info.main, {"paths": [str(policy), str(policy.parent), str(tmp_path / "gone")], "daemon_json": str(daemon)}, failed=False)
    assert result["changed"] is False
    assert result["paths"][str(policy)] == {
        "kind": "file",
        "text": "label ::1/128 0\n",
        "mode": "%04o" % (os.stat(policy).st_mode & 0o7777),
        "uid": os.getuid(),
        "gid": os.getgid(),
    }
    assert result["paths"][str(policy.parent)]["kind"] == "directory"
    assert result["paths"][str(tmp_path / "gone")] == {"kind": "missing", "text": None}
    assert result["daemon_json"]["text"] == '{"ipv6": true}'


def test_no_daemon_json_when_not_asked(run_module, tmp_path):
    result = run_module(gai_info.main, {"paths": [str(tmp_path)]}, check_mode=True, failed=False)
    assert result["daemon_json"] is None and result["paths"][str(tmp_path)]["kind"] == "empty directory"
