# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared role-case runner decides PASS/FAIL on the message, never on task names."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("role_cases", os.path.join(HERE, "..", "..", "harness", "role_cases.py"))
role_cases = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(role_cases)

CASE = {
    "name": "bad prefix",
    "role": "ipv6ready.docker.networks",
    "vars": {"networks_ula_prefix": "10.0.0.0/8"},
    "expect": ["networks_ula_prefix", "IPv4 prefix"],
}


@pytest.mark.parametrize(
    "case, outcome, ok, fragment",
    [
        (CASE, {"failed": True, "msg": "networks_ula_prefix: '10.0.0.0/8' is an IPv4 prefix", "task": "x"}, True, "IPv4"),
        (CASE, {"failed": True, "msg": "networks_ula_prefix: bad", "task": "Validate"}, False, "['IPv4 prefix']"),
        (CASE, {"failed": False, "msg": ""}, False, "accepted"),
        (CASE, None, False, "did not run"),
        (dict(CASE, expect="IPv4 prefix"), {"failed": True, "msg": "an IPv4 prefix"}, True, "IPv4"),
        (dict(CASE, expect=None), {"failed": False, "msg": ""}, True, "succeeded"),
        (dict(CASE, expect=None), {"failed": True, "msg": "boom"}, False, "expected success"),
    ],
)
def test_verdict(case, outcome, ok, fragment):
    got_ok, text = role_cases.verdict(case, outcome)
    assert got_ok is ok
    assert fragment in text


def test_case_play_isolates_and_applies_check_mode():
    play = role_cases.case_play(3, CASE, "host1")
    assert play["hosts"] == "host1" and play["vars"] == CASE["vars"]
    assert play["tasks"][0]["ansible.builtin.meta"] == "clear_facts"
    role = play["tasks"][1]["block"][0]["ansible.builtin.include_role"]
    assert role == {"name": "ipv6ready.docker.networks", "apply": {"check_mode": True}}
    assert play["tasks"][-1]["ansible.builtin.debug"]["msg"].startswith(role_cases.MARKER + " 3 ")


def test_case_play_without_check_mode_and_with_facts():
    play = role_cases.case_play(0, dict(CASE, check_mode=False, gather=["network"]), "h")
    assert play["tasks"][1]["ansible.builtin.setup"] == {"gather_subset": ["network"]}
    assert "apply" not in play["tasks"][2]["block"][0]["ansible.builtin.include_role"]


def test_outcomes_in_reads_each_report_and_nothing_else():
    report = role_cases.MARKER + " 7 " + base64.b64encode(json.dumps({"failed": True, "msg": "x: 'y'"}).encode()).decode()
    stdout = 'ok: [h] => {\n    "msg": "%s"\n}\nTASK [Report]\n"msg": "ipv6ready-role-case is a marker"\n' % report
    assert role_cases.outcomes_in(stdout) == {7: {"failed": True, "msg": "x: 'y'"}}


def test_runner_end_to_end_on_localhost(tmp_path, monkeypatch, capsys):
    """A real ansible-playbook: a role that fails with quotes, a newline and non-ASCII
    text, one that succeeds, and one that fails where success was expected. The
    callback Molecule sets does not change what the runner reads."""
    roles = tmp_path / "roles"
    for name, task in {
        "refuses": {"ansible.builtin.fail": {"msg": "case_var: {{ case_var }} is \"bad\"\nsee 'docs' \u2013 nothing was changed"}},
        "accepts": {"ansible.builtin.debug": {"msg": "fine"}},
    }.items():
        (roles / name / "tasks").mkdir(parents=True)
        (roles / name / "tasks" / "main.yml").write_text(json.dumps([dict(name="Act", **task)]), encoding="utf-8")
    (tmp_path / "hosts").write_text("target ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable, encoding="utf-8")
    cases = tmp_path / "cases.json"
    cases.write_text(
        json.dumps(
            {
                "cases": [
                    {"name": "bad", "role": "refuses", "vars": {"case_var": 5}, "expect": ['case_var: 5 is "bad"', "\u2013 nothing was changed"]},
                    {"name": "good", "role": "accepts"},
                    {"name": "wrongly refused", "role": "refuses", "vars": {"case_var": 1}},
                ],
                "base": {},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("ANSIBLE_ROLES_PATH", str(roles))
    monkeypatch.setenv("ANSIBLE_STDOUT_CALLBACK", "ansible.builtin.minimal")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert role_cases.main(["--inventory", str(tmp_path / "hosts"), "--target", "target", str(cases)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("PASS |", "FAIL |"))]
    assert [line.split(" | ")[0] + " " + line.split(" | ")[1] for line in lines] == [
        "PASS refuses: bad",
        "PASS accepts: good",
        "FAIL refuses: wrongly refused",
    ]
    assert "expected success, failed with: case_var: 1 is" in lines[2]
