# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for site.yml's batches (module_utils/_rollout.py, plugins/filter/rollout.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.rollout import FilterModule, rollout_serial


def test_registered():
    assert FilterModule().filters() == {"rollout_serial": rollout_serial}


def test_the_default_keeps_the_canary():
    assert rollout_serial(5) == [1, 5]


@pytest.mark.parametrize(
    "canary, serial",
    [
        (True, [1, 10]),
        (False, [10]),
        # What `-e ipv6ready_canary=...` passes: strings.
        ("true", [1, 10]),
        ("false", [10]),
        ("False", [10]),
        ("no", [10]),
        ("yes", [1, 10]),
        ("0", [10]),
        ("1", [1, 10]),
        (0, [10]),
        (1, [1, 10]),
    ],
)
def test_serial(canary, serial):
    assert rollout_serial(10, canary) == serial


@pytest.mark.parametrize("canary", ["maybe", "", None, [], {"a": 1}, 2, "off-ish"])
def test_a_canary_that_is_not_a_boolean_names_the_variable(canary):
    with pytest.raises(AnsibleFilterError, match=r"^rollout_serial: ipv6ready_canary must be a boolean \(true or false\), got "):
        rollout_serial(5, canary)
