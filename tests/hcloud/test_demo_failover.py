# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What demo_failover.py reads out of the app's transactions and the API's samples (no twin needed)."""

from __future__ import annotations

import pytest

from demo_failover import gateway_of, moves, recovery


def run(outcomes, start=100.0):
    """One transaction a second from ``start``: True (delivered, 0.2 s) or False (4 s).

    Those started 10 s or more before the kill are not counted.
    """
    return [{"n": i, "start": start + i, "end": start + i + (0.2 if ok else 4.0), "ok": ok} for i, ok in enumerate(outcomes)]


@pytest.mark.parametrize(
    "outcomes, since, expect",
    [
        # killed at 110.5: 111..116 fail, 117 is the first to succeed after the last failure, delivered at 117.2
        ([True] * 11 + [False] * 6 + [True] * 20, 110.5, (6.7, 6, 36)),
        # nothing failed: the first mail after the kill was delivered 0.2 s later
        ([True] * 30, 110.0, (0.2, 0, 30)),
        # one in flight at the kill failed, then everything worked
        ([True] * 10 + [False] + [True] * 20, 110.5, (0.7, 1, 30)),
        # a late failure after successes: the recovery counts from the last failure
        ([True] * 11 + [False] * 2 + [True] * 3 + [False] + [True] * 10, 110.5, (6.7, 3, 26)),
        # never recovered
        ([True] * 11 + [False] * 10, 110.5, (None, 10, 20)),
    ],
)
def test_recovery(outcomes, since, expect):
    assert recovery(run(outcomes), since, 1000.0) == expect


def test_recovery_counts_only_the_window():
    records = run([False] * 5 + [True] * 30)  # failures long before the kill do not count as recovery time
    assert recovery(records, 130.0, 1000.0) == (0.2, 0, 15)


def test_recovery_counts_a_slow_delivery():
    records = run([True] * 12)
    records[11].update(end=records[11]["start"] + 4.1)  # the first mail after the kill waited for a resolver
    records.append({"n": 12, "start": 112.0, "end": 112.1, "ok": True})
    assert recovery(records, 110.5, 1000.0)[0] == 1.6


def test_moves_between_samples():
    samples = [(1.0, {"a": "gw1", "b": "gw2"}), (1.5, {"a": "gw1", "b": "gw2"}), (2.0, {"a": "gw2", "b": "gw2"}), (2.5, {"a": "gw1", "b": "gw1"})]
    assert moves(samples) == [(2.0, "a", "gw1", "gw2"), (2.5, "a", "gw2", "gw1"), (2.5, "b", "gw2", "gw1")]


def test_gateway_of():
    homes = {"gw1": "2001:db8:f1:0:64::/96", "gw2": "2001:db8:f2:0:64::/96"}
    assert gateway_of("2001:db8:f2:0:64:0:c633:6419", homes) == "gw2"
    assert gateway_of("2001:db8::1", homes) == "?"
