# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.nat64 import nat64_address_problems
from ansible_collections.ipv6ready.docker.plugins.filter.prefix import prefix_problems
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import value_list


@pytest.mark.parametrize(
    "values, expected",
    [
        (None, []),
        ("fd00::/8", ["fd00::/8"]),
        (["a", "b"], ["a", "b"]),
        (("a",), ("a",)),
        ([], []),
    ],
)
def test_value_list_accepts_none_a_string_or_a_list(values, expected):
    assert value_list(values, "f", "x") == expected


def test_value_list_names_the_filter_and_what_it_expected():
    with pytest.raises(AnsibleFilterError, match=r"^f: expected a prefix or a list of prefixes, got dict$"):
        value_list({"a": 1}, "f", "a prefix or a list of prefixes")


def test_both_filters_refuse_a_mapping_with_their_own_name():
    with pytest.raises(AnsibleFilterError, match=r"^prefix_problems: expected a prefix or a list of prefixes, got dict$"):
        prefix_problems({"a": 1}, "v")
    with pytest.raises(AnsibleFilterError, match=r"^nat64_address_problems: expected an address or a list of addresses, got int$"):
        nat64_address_problems(5, "v")


def test_both_filters_take_one_string_as_a_list_of_one():
    assert prefix_problems("fd00::/8", "v") == prefix_problems(["fd00::/8"], "v") == []
    assert nat64_address_problems("fd00::1/64", "v") == nat64_address_problems(["fd00::1/64"], "v") != []
