# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared role-case runner decides PASS/FAIL on the message, never on task names."""

from __future__ import annotations

import importlib.util
import os

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
    play = role_cases.case_play(3, CASE, "host1", "/tmp/results")
    assert play["hosts"] == "host1" and play["vars"] == CASE["vars"]
    assert play["tasks"][0]["ansible.builtin.meta"] == "clear_facts"
    role = play["tasks"][1]["block"][0]["ansible.builtin.include_role"]
    assert role == {"name": "ipv6ready.docker.networks", "apply": {"check_mode": True}}
    assert play["tasks"][-1]["ansible.builtin.copy"]["dest"] == "/tmp/results/3.json"


def test_case_play_without_check_mode_and_with_facts():
    play = role_cases.case_play(0, dict(CASE, check_mode=False, gather=["network"]), "h", "/r")
    assert play["tasks"][1]["ansible.builtin.setup"] == {"gather_subset": ["network"]}
    assert "apply" not in play["tasks"][2]["block"][0]["ansible.builtin.include_role"]
