# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a table of role cases in one ansible-playbook and check each outcome.

  python3 role_cases.py --inventory INV --target HOST CASES_JSON

CASES_JSON is a file holding {"cases": [...], "base": {ROLE: {VAR: VALUE}}}.
`base` holds, per role, good values for variables the role requires (or
that must pass its other checks): a case's `vars` are merged over them.
Each case:

  name        what the case shows (unique)
  role        the role under test (FQCN)
  vars        the variables of the case; everything else is the role's own
              defaults, so no case lists the role's variables by hand
  expect      strings that must all appear in the message the role fails
              with (usually the variable's name and the problem); a case
              without `expect` must succeed
  check_mode  run the role in check mode (default true: a role that wrongly
              accepts bad input then changes nothing)
  gather      fact subsets to gather first (default none)

Each case is a play of its own, its variables play vars. The cases of one
role share an ansible-playbook run; each role gets a run of its own, so that
the facts one role sets (say nat64_gateway_active_prefix) never reach the
cases of another. (`meta: clear_facts` clears gathered facts only, not those
of set_fact.)
The role's failure message is checked, never the name of the task that
failed, so renaming a task breaks no test. Exit status 1 when any case does
not behave as expected; the report names each case and what it said.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# Each case reports its outcome in the play's output (a debug message: no module
# runs for it), base64 so that no callback reformats it.
MARKER = "ipv6ready-role-case"
OUTCOME_RE = re.compile(MARKER + r" (\d+) ([A-Za-z0-9+/=]+)")


def case_play(index, case, target):
    role_task = {"name": "Run the role under test", "ansible.builtin.include_role": {"name": case["role"]}}
    if case.get("check_mode", True):
        role_task["ansible.builtin.include_role"]["apply"] = {"check_mode": True}
    tasks = [{"name": "Forget the facts gathered for earlier cases", "ansible.builtin.meta": "clear_facts"}]
    if case.get("gather"):
        tasks.append({"name": "Gather the facts the case needs", "ansible.builtin.setup": {"gather_subset": case["gather"]}})
    tasks += [
        {
            "name": "Run the case",
            "block": [
                role_task,
                {"name": "Record that the role succeeded", "ansible.builtin.set_fact": {"role_case_outcome": {"failed": False, "msg": ""}}},
            ],
            "rescue": [
                {
                    "name": "Record the role's failure message",
                    "ansible.builtin.set_fact": {
                        "role_case_outcome": {
                            "failed": True,
                            "msg": "{{ ansible_failed_result.msg | default('') | string }}",
                            "task": "{{ ansible_failed_task.name | default('') }}",
                        }
                    },
                },
            ],
        },
        {
            "name": "Report the outcome to the runner",
            "ansible.builtin.debug": {"msg": "%s %d {{ role_case_outcome | to_json | b64encode }}" % (MARKER, index)},
        },
    ]
    return {"name": "Case %d: %s" % (index, case["name"]), "hosts": target, "gather_facts": False, "vars": case.get("vars") or {}, "tasks": tasks}


def outcomes_in(stdout):
    """{case index: outcome} of the reports found in an ansible-playbook's output."""
    return {int(index): json.loads(base64.b64decode(data)) for index, data in OUTCOME_RE.findall(stdout)}


def verdict(case, outcome):
    """Return (ok, text) for one case and its recorded outcome (None: not run)."""
    if outcome is None:
        return False, "did not run (the host failed before this case; see the log above)"
    expect = case.get("expect")
    if expect is None:
        if outcome["failed"]:
            return False, "expected success, failed with: %s" % outcome["msg"]
        return True, "succeeded"
    if isinstance(expect, str):
        expect = [expect]
    if not outcome["failed"]:
        return False, "accepted %s; expected a failure naming %s" % (json.dumps(case.get("vars"), sort_keys=True), expect)
    missing = [fragment for fragment in expect if fragment not in outcome["msg"]]
    if missing:
        return False, "failed without %s in: %s" % (missing, outcome["msg"])
    return True, outcome["msg"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("cases")
    args = parser.parse_args(argv)
    with open(args.cases, encoding="utf-8") as handle:
        data = json.load(handle)
    base = data.get("base") or {}
    cases = [dict(case, vars=dict(base.get(case["role"], {}), **(case.get("vars") or {}))) for case in data["cases"]]
    names = [case["name"] for case in cases]
    if len(names) != len(set(names)):
        print("role_cases: case names must be unique", file=sys.stderr)
        return 2
    # The default callback with JSON results: each outcome is one line, whatever
    # callback the calling Molecule or the user's ansible.cfg chose.
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    with tempfile.TemporaryDirectory(prefix="ipv6ready-cases-") as tmp:
        runs = []
        for role in dict.fromkeys(case["role"] for case in cases):
            playbook = os.path.join(tmp, "cases-%d.yml" % len(runs))
            with open(playbook, "w", encoding="utf-8") as handle:
                yaml.safe_dump([case_play(i, c, args.target) for i, c in enumerate(cases) if c["role"] == role], handle, sort_keys=False)
            runs.append(subprocess.run(["ansible-playbook", "-i", args.inventory, playbook], capture_output=True, text=True, check=False, env=env))
        outcomes = {}
        for run in runs:
            outcomes.update(outcomes_in(run.stdout))
        failures = 0
        for index, case in enumerate(cases):
            ok, text = verdict(case, outcomes.get(index))
            failures += not ok
            print("%s | %s: %s | %s" % ("PASS" if ok else "FAIL", case["role"].rsplit(".", 1)[-1], case["name"], " ".join(text.split())))
        for run in runs:
            if failures or run.returncode != 0:
                print(run.stdout[-20000:])
                print(run.stderr[-5000:], file=sys.stderr)
            if run.returncode != 0 and not failures:
                print("role_cases: ansible-playbook exited %d" % run.returncode, file=sys.stderr)
                return 1
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
