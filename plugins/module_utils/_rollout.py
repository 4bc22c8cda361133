# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The batches site.yml rolls the Docker hosts out in (private).

A first converge (or any change) goes to one canary host first, then to
``ipv6ready_batch_size`` hosts at a time: a configuration that breaks the
canary never reaches the rest. A drift-check re-run that is expected to
change nothing may leave the canary out (``ipv6ready_canary: false``) and
pay every task once instead of twice; each host still runs its checks and
its verify role inside its batch.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean


def canary_flag(value):
    """``ipv6ready_canary`` as a bool: a boolean, or a string ``-e`` passes (``false``, ``no``, ``0`` ...).

    Raises ``ValueError`` naming the variable for anything else.
    """
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise ValueError("ipv6ready_canary must be a boolean (true or false), got %r" % (value,)) from None


def serial(batch_size, canary=True):
    """The play's ``serial``: ``[1, batch_size]`` with the canary, ``[batch_size]`` without it."""
    return ([1] if canary_flag(canary) else []) + [batch_size]
