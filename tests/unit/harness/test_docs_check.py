# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The check of the facts the hand-written docs repeat (tests/harness/docs_check.py)."""

from __future__ import annotations

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("docs_check", os.path.join(HERE, "..", "..", "harness", "docs_check.py"))
docs_check = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(docs_check)

KNOWN = {
    "counts": {"roles": 8, "modules": 5, "filters": 45, "public filters": 12, "internal filters": 33, "plays": 3},
    "order": ["nat64_gateway", "dns64", "nat64_client", "sysctl", "daemon", "networks", "gai_policy", "verify"],
    "roles": {"nat64_gateway", "dns64", "nat64_client", "sysctl", "daemon", "networks", "gai_policy", "verify"},
    "names": {"nat64_gateway", "dns64", "nat64_client", "sysctl", "daemon", "daemon_json", "gai_order", "site"},
}


def check(text):
    return docs_check.check_text("x.md", text, KNOWN)


@pytest.mark.parametrize(
    "text",
    [
        "The collection has eight roles, five modules and 45 filters (12 public filters, 33 internal filters).",
        "One filter per role checks it; a role has one module at most.",
        "`site.yml` runs three plays.",
        "The provisioning playbook runs two plays.",
        "Roles, in order: `nat64_client`, `sysctl`, `daemon`.",
        "Install them in order to use them: `sysctl`, `nat64_client`.",
        "Tags: `sysctl`, `nat64_client`, `daemon`.",
        "In the order `site.yml` runs them:\n\n| Role |\n| --- |\n| [`nat64_client`](x) |\n| [`daemon`](y) |\n",
        "Use `ipv6ready.docker.gai_order` and `ipv6ready.docker.site`.",
        "```\ntwo modules\n```\n",
        "<!-- BEGIN GENERATED: x -->\ntwo modules\n<!-- END GENERATED: x -->\n",
    ],
)
def test_true_text_passes(text):
    assert check(text) == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("The collection has eight roles, two modules and a handful of filters.", 'x.md:1: "two modules": the code has 5 modules'),
        ("Intro.\n\nWe have\n12 Filters.", 'x.md:3: "12 Filters": the code has 45 filters'),
        ("There are 10 public filters.", 'x.md:1: "10 public filters": the code has 12 public filters'),
        ("`playbooks/site.yml` (imported by `site.yml`) runs four\nplays:", 'x.md:1: "four\nplays": the code has 3 plays'),
        (
            "Roles, in\norder: `sysctl`, `nat64_client`, `daemon`.",
            "x.md:1: roles in the order sysctl, nat64_client, daemon; playbooks/site.yml runs them nat64_client, sysctl, daemon",
        ),
        (
            "In the order `site.yml` runs them:\n\n| Role |\n| --- |\n| [`sysctl`](x) |\n| [`nat64_client`](y) |\n",
            "x.md:1: roles in the order sysctl, nat64_client; playbooks/site.yml runs them nat64_client, sysctl",
        ),
        ("Call `ipv6ready.docker.explain_order`.", "x.md:1: ipv6ready.docker.explain_order is no role, module, filter or playbook of the collection"),
    ],
)
def test_stale_text_is_named_with_file_and_line(text, problem):
    assert check(text) == [problem]


def test_line_numbers_count_blanked_code():
    assert check("```\na\nb\n```\n\nthree modules") == ['x.md:6: "three modules": the code has 5 modules']


def test_the_facts_come_from_the_code():
    known = docs_check.facts()
    roles = {
        entry.name
        for entry in os.scandir(os.path.join(os.path.dirname(docs_check.__file__), "..", "..", "roles"))
        if os.path.isfile(os.path.join(entry.path, "meta", "argument_specs.yml"))
    }
    assert known["counts"]["roles"] == len(known["roles"]) == len(roles) and set(known["roles"]) == roles
    assert known["counts"]["filters"] == known["counts"]["public filters"] + known["counts"]["internal filters"]
    assert known["order"][:2] == ["nat64_gateway", "dns64"] and known["order"][-1] == "verify"
    assert {"site", "daemon_json", "gai_order", "daemon_plan"} <= known["names"]


def test_the_docs_of_this_checkout_pass():
    assert docs_check.main() == 0
