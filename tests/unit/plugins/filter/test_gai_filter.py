# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.gai import FilterModule, gai_order
from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import build_tables, table_as_dicts

INCIDENT = [
    {"destination": "192.0.2.10", "source": "172.18.0.2"},
    {"destination": "2001:db8:64::c000:20a", "source": "fd00:d0c:0:1::2"},
]
KEYS = {"destination", "source", "label", "source_label", "precedence", "scope", "source_scope", "rule", "reason"}


def test_registered():
    assert FilterModule().filters() == {"gai_order": gai_order}


def test_defaults_explain_why_ipv4_wins():
    result = gai_order(INCIDENT)
    assert [item["destination"] for item in result] == ["192.0.2.10", "2001:db8:64::c000:20a"]
    assert set(result[0]) == KEYS
    assert result[0]["reason"].startswith("rule 5 (prefer matching label): source fd00:d0c:0:1::2 has label 6")


@pytest.mark.parametrize(
    "options, first",
    [
        ({}, "2001:db8:64::c000:20a"),
        ({"prefer": "ipv4"}, "192.0.2.10"),
        ({"local_prefixes": ["fd00:d0c::/48"]}, "2001:db8:64::c000:20a"),
    ],
)
def test_module_tables(options, first):
    labels, precedences = build_tables(**options)
    result = gai_order(INCIDENT, labels=table_as_dicts(labels, "label"), precedences=table_as_dicts(precedences, "precedence"))
    assert result[0]["destination"] == first


def test_null_tables_are_glibc_defaults():
    assert gai_order(INCIDENT, labels=None, precedences=None) == gai_order(INCIDENT)


def test_missing_source_is_unusable():
    result = gai_order([{"destination": "192.0.2.10"}, {"destination": "2001:db8::10", "source": "fd00::2"}])
    assert result[0]["destination"] == "2001:db8::10"
    assert result[1]["source"] is None
    assert result[0]["rule"] == 1


@pytest.mark.parametrize(
    "candidates, kwargs, words",
    [
        ("192.0.2.1", {}, ["input must be a list"]),
        ([{"destination": "nope"}], {}, ["candidates[0].destination", "nope"]),
        ([{"destination": "192.0.2.1", "source": "fd00::2"}], {}, ["candidates[0].source"]),
        (INCIDENT, {"labels": {"prefix": "::/0", "label": 1}}, ["labels must be a list"]),
        (INCIDENT, {"labels": [{"prefix": "10.0.0.0/8", "label": 1}]}, ["labels[0].prefix", "IPv4 prefix"]),
        (INCIDENT, {"precedences": [{"prefix": "::/0", "precedence": "high"}]}, ["precedences[0].precedence", "high"]),
    ],
)
def test_errors(candidates, kwargs, words):
    with pytest.raises(AnsibleFilterError) as exc:
        gai_order(candidates, **kwargs)
    assert str(exc.value).startswith("ipv6ready.docker.gai_order: ")
    for word in words:
        assert word in str(exc.value)
