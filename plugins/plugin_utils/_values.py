# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side helpers shared by the collection's filters."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def value_list(values, filter_name, expected):
    """The filter input as a list: ``None`` is empty, one string is a list of one.

    Anything but a string, a list or a tuple fails, naming the filter and what
    it ``expected`` (e.g. "a prefix or a list of prefixes").
    """
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    if not isinstance(values, (list, tuple)):
        raise AnsibleFilterError("%s: expected %s, got %s" % (filter_name, expected, type(values).__name__))
    return values


def mapping(value, what):
    """The filter input as a dict; anything else fails, naming ``what`` (e.g. "daemon_plan input")."""
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s: expected a dict, got %s" % (what, type(value).__name__))
    return value
