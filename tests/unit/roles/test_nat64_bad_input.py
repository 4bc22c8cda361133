# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The nat64 scenario's bad-input cases of the dns64 and nat64_client roles, without a host.

molecule/nat64/vars/bad_input.yml runs each case through the real role; here
each one goes through what the role checks before it touches anything: the
role's meta/argument_specs.yml (Ansible's own validator), then its Python
checks. The message must hold every `expect` string of the case, so a changed
message that would break the scenario fails here first.
"""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ipv6ready.docker.plugins.module_utils import _dns64, _nat64_client

ROOT = pathlib.Path(__file__).resolve().parents[3]
CASES = yaml.safe_load((ROOT / "molecule" / "nat64" / "vars" / "bad_input.yml").read_text())
CHECKS = {
    "ipv6ready.docker.dns64": (_dns64.input_problems, {"nat64_gateway_active_prefix": ""}),
    "ipv6ready.docker.nat64_client": (_nat64_client.input_problems, {}),
}


def message(role, case_vars):
    """What the role fails with for these variables ('' when it accepts them)."""
    name = role.split(".")[-1]
    spec = yaml.safe_load((ROOT / "roles" / name / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    values = yaml.safe_load((ROOT / "roles" / name / "defaults" / "main.yml").read_text()) or {}
    values.update(CASES["role_case_base"].get(role) or {})
    values.update(case_vars)
    result = ArgumentSpecValidator(options).validate({key: value for key, value in values.items() if key in options})
    if result.error_messages:
        return "; ".join(result.error_messages)
    check, facts = CHECKS[role]
    return "; ".join(check(dict(facts, **values)))


@pytest.mark.parametrize("case", [case for case in CASES["role_cases"] if case["role"] in CHECKS], ids=lambda case: case["name"])
def test_case_fails_with_its_expected_words(case):
    text = message(case["role"], case.get("vars") or {})
    assert text, "the role accepts the variables of case %r" % case["name"]
    for word in case.get("expect") or []:
        assert word in text, (word, text)


@pytest.mark.parametrize("role", sorted(CHECKS))
def test_the_base_values_pass(role):
    assert message(role, {}) == ""
