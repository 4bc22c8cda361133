# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Prefix checks shared by the collection's modules and filters (private)."""

from __future__ import annotations

import ipaddress


def prefix_problem(value, version=None):
    """Return why ``value`` is not a usable network prefix, or None when it is.

    ``version`` (4 or 6) additionally requires that address family. Host bits
    must be zero: ``fd00::1/64`` is refused because it names an address, not a
    network.
    """
    if not isinstance(value, str) or '/' not in value:
        return '%r is not a prefix in address/length form' % (value,)
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        return '%r is not a valid prefix (%s)' % (value, exc)
    if version is not None and network.version != version:
        hint = ''
        if version == 6 and network.version == 4:
            hint = ' (write an IPv4 range as IPv4-mapped, e.g. ::ffff:%s/%d)' % (
                network.network_address, 96 + network.prefixlen)
        return '%r is an IPv%d prefix, IPv%d is required%s' % (value, network.version, version, hint)
    if ipaddress.ip_network(value, strict=False) != _strict(value):
        return '%r has host bits set; the network is %s' % (value, network)
    return None


def _strict(value):
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None
