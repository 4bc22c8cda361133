# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The gai_policy role's checks of its variables (module_utils/_gai_policy.py), one table per rule."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.ipv6ready.docker.plugins.module_utils import _gai_policy

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "gai_policy")


def role_file(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


DEFAULTS = role_file("defaults", "main.yml")


def inputs(**changes):
    return dict(DEFAULTS, **changes)


def test_the_defaults_have_no_problem():
    assert _gai_policy.input_problems(DEFAULTS) == []


def test_the_inputs_hold_the_variables_the_rules_read():
    assert set(role_file("vars", "main.yml")["__gai_policy_inputs"]) == {
        "gai_policy_local_prefixes",
        "gai_policy_labels",
        "gai_policy_precedences",
        "ipv6ready_docker_socket",
    }


@pytest.mark.parametrize(
    "prefixes, expected",
    [
        pytest.param(["fd00:d0c::/48", "fc00::/7", "2001:db8::1"], [], id="good-length-optional"),
        pytest.param(
            ["10.0.0.0/8"],
            ["gai_policy_local_prefixes[0]: '10.0.0.0/8' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.0.0.0/104)"],
            id="ipv4",
        ),
        pytest.param(["fd00::/8", "fd00::1/64"], ["gai_policy_local_prefixes[1]: 'fd00::1/64' has host bits set; the network is fd00::/64"], id="host-bits"),
        pytest.param(
            ["fd00::/129"], ["gai_policy_local_prefixes[0]: 'fd00::/129' is not a valid prefix: invalid prefix length '129'; it must be 0 to 128"], id="length"
        ),
        pytest.param(
            ["fe80::/64%eth0"],
            ["gai_policy_local_prefixes[0]: 'fe80::/64%eth0' is not a valid prefix: invalid prefix length '64%eth0'; it must be 0 to 128"],
            id="zone-after-length",
        ),
    ],
)
def test_local_prefixes(prefixes, expected):
    assert _gai_policy.local_prefix_problems(inputs(gai_policy_local_prefixes=prefixes)) == expected


@pytest.mark.parametrize(
    "labels, expected",
    [
        pytest.param([{"prefix": "2001:db8:64::/96", "label": 1}, {"prefix": "2001:DB8:64::/96", "label": 1}], [], id="good-same-twice"),
        pytest.param(
            [{"prefix": "192.0.2.0/24", "label": 4}],
            ["gai_policy_labels[0].prefix: '192.0.2.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:192.0.2.0/120)"],
            id="ipv4",
        ),
        pytest.param(
            [{"prefix": "fd00::/8", "label": 2**31}],
            ["gai_policy_labels[0].label: 2147483648 is out of range; glibc accepts a label from 0 to 2147483647"],
            id="out-of-range",
        ),
        pytest.param(
            [{"prefix": "fd00::/8", "label": 1}, {"prefix": "fd00::/8", "label": 6}],
            ["gai_policy_labels: 'fd00::/8' is listed twice with different labels: 1 in gai_policy_labels[0] and 6 in gai_policy_labels[1]"],
            id="twice",
        ),
        pytest.param([{"prefix": "fd00::/8"}], ["gai_policy_labels[0]: {'prefix': 'fd00::/8'} needs both 'prefix' and 'label'"], id="no-label"),
    ],
)
def test_labels(labels, expected):
    assert _gai_policy.label_problems(inputs(gai_policy_labels=labels)) == expected


@pytest.mark.parametrize(
    "precedences, expected",
    [
        pytest.param([{"prefix": "::ffff:0:0/96", "precedence": 100}], [], id="good"),
        pytest.param(
            [{"prefix": "not-a-prefix", "precedence": 10}],
            [
                "gai_policy_precedences[0].prefix: 'not-a-prefix' is not a valid prefix: it is not an IPv6 prefix "
                "('not-a-prefix' does not appear to be an IPv4 or IPv6 network)"
            ],
            id="not-a-prefix",
        ),
        pytest.param(
            [{"prefix": "::/0", "precedence": -1}],
            ["gai_policy_precedences[0].precedence: -1 is out of range; glibc accepts a precedence from 0 to 2147483647"],
            id="negative",
        ),
        pytest.param(
            [{"prefix": "::/0", "precedence": 40, "label": 1}],
            ["gai_policy_precedences[0]: {'prefix': '::/0', 'precedence': 40, 'label': 1} has unknown key(s) label; expected 'prefix' and 'precedence'"],
            id="unknown-key",
        ),
    ],
)
def test_precedences(precedences, expected):
    assert _gai_policy.precedence_problems(inputs(gai_policy_precedences=precedences)) == expected


def test_every_rule_reports_in_order():
    problems = _gai_policy.input_problems(
        inputs(
            gai_policy_local_prefixes=["10.0.0.0/8"], gai_policy_labels=[{"prefix": "x", "label": 1}], gai_policy_precedences=[{"prefix": "y", "precedence": 1}]
        )
    )
    assert [problem.split("[", 1)[0] for problem in problems] == ["gai_policy_local_prefixes", "gai_policy_labels", "gai_policy_precedences"]
