# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A model of the order musl's getaddrinfo returns addresses in (private).

musl (the libc of Alpine images) ignores /etc/gai.conf. It sorts with one
fixed RFC 6724 policy table, written from the description of
``__lookup_name`` in musl's ``src/network/lookup_name.c``:

* it collects the AAAA answers before the A answers;
* it sorts only when there are two or more results and at least one is IPv6;
* every address gets one sort key; IPv4 addresses are looked up as
  IPv4-mapped (``::ffff:a.b.c.d``), for the destination and for the source;
* from the most significant part down, the key holds: the destination is
  usable (a UDP connect towards it succeeds, which gives the source address;
  rule 1), the scopes of source and destination match (rule 2), their labels
  match (rule 5), the destination's precedence (rule 6), the smaller
  destination scope (rule 8), the length of the common prefix of source and
  destination over all 128 bits (rule 9, for both families), and finally the
  collection order (rule 10). Rules 3, 4 and 7 are left out;
* precedence and label come from this table, first match wins:
  ``::1/128`` 50/0, ``::ffff:0:0/96`` 35/4, ``2002::/16`` 30/2,
  ``2001::/32`` 5/5, ``fc00::/7`` 3/13, ``::/0`` 40/1;
* scope: multicast from the address, link-local (fe80::/10) and loopback 2,
  site-local (fec0::/10) 5, everything else 14 (unique local addresses too).

What follows for Docker (FACTS): on a ULA network the container's IPv6
source has label 13 and a global or NAT64 destination label 1, while the
NAT'd IPv4 source matches the IPv4 destination (label 4): the A record comes
first. On a network with global addresses both labels match and precedence
40 beats 35: the NAT64 AAAA comes first. On an IPv6-only network the A
record is unusable and comes last.
"""

from __future__ import annotations

import ipaddress

#: musl's policy table: (prefix, precedence, label), first match wins.
POLICY = (
    (ipaddress.IPv6Network("::1/128"), 50, 0),
    (ipaddress.IPv6Network("::ffff:0:0/96"), 35, 4),
    (ipaddress.IPv6Network("2002::/16"), 30, 2),
    (ipaddress.IPv6Network("2001::/32"), 5, 5),
    (ipaddress.IPv6Network("fc00::/7"), 3, 13),
    (ipaddress.IPv6Network("::/0"), 40, 1),
)

#: musl keeps at most this many addresses (MAXADDRS); the collection order counts down from it.
MAX_ADDRESSES = 48

_LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
_MULTICAST = ipaddress.IPv6Network("ff00::/8")
_LOOPBACK = ipaddress.IPv6Address("::1")


class MuslModelError(ValueError):
    """A candidate that is not a destination address with an optional source address."""


def as_v6(value):
    """An address as musl looks it up: IPv6 as is, IPv4 mapped to ``::ffff:a.b.c.d``."""
    address = ipaddress.ip_address(str(value).split("/", 1)[0].split("%", 1)[0])
    if address.version == 4:
        return ipaddress.IPv6Address("::ffff:" + str(address))
    return address


def policy(address):
    """``(precedence, label)`` of an IPv6 address."""
    for network, precedence, label in POLICY:
        if address in network:
            return precedence, label
    raise AssertionError("::/0 matches every address")  # pragma: no cover


def scope(address):
    if address in _MULTICAST:
        return address.packed[1] & 15
    if address in _LINK_LOCAL or address == _LOOPBACK:
        return 2
    if address in _SITE_LOCAL:
        return 5
    return 14


def common_prefix(a, b):
    """Leading bits that ``a`` and ``b`` share, over all 128 bits."""
    diff = int(a) ^ int(b)
    return 128 - diff.bit_length()


def _candidate(index, item):
    if not isinstance(item, dict) or "destination" not in item:
        raise MuslModelError("candidate %d: %r is not a dict with a destination" % (index, item))
    try:
        destination = ipaddress.ip_address(str(item["destination"]))
        source = item.get("source")
        source = None if source in (None, "") else ipaddress.ip_address(str(source).split("/", 1)[0].split("%", 1)[0])
    except ValueError as exc:
        raise MuslModelError("candidate %d: %s" % (index, exc))
    if source is not None and source.version != destination.version:
        raise MuslModelError("candidate %d: the source %s and the destination %s are of different families" % (index, source, destination))
    return destination, source


def _describe(entry):
    return {
        "destination": str(entry["destination"]),
        "source": None if entry["source"] is None else str(entry["source"]),
        "usable": entry["usable"],
        "precedence": entry["precedence"],
        "label": entry["label"],
        "source_label": entry["source_label"],
        "scope": entry["scope"],
        "source_scope": entry["source_scope"],
        "common_prefix": entry["common_prefix"],
        "key": entry["key"],
    }


def _reason(first, second):
    """Why ``first`` sorts before ``second``, from the most significant part of the key that differs."""
    a, b = first, second
    if a["usable"] != b["usable"]:
        return "rule 1 (usable destination): %s has no source address (no route), %s has %s" % (b["destination"], a["destination"], a["source"])
    if a["matching_scope"] != b["matching_scope"]:
        return "rule 2 (matching scope): %s has scope %d like its source, %s has scope %d and its source %s" % (
            a["destination"],
            a["scope"],
            b["destination"],
            b["scope"],
            b["source_scope"],
        )
    if a["matching_label"] != b["matching_label"]:
        return (
            "rule 5 (matching label): source %s has label %d, destination %s has label %d - no match; "
            "source %s (label %d) matches destination %s (label %d)"
            % (b["source"], b["source_label"], b["destination"], b["label"], a["source"], a["source_label"], a["destination"], a["label"])
        )
    if a["precedence"] != b["precedence"]:
        return "rule 6 (higher precedence): %s has precedence %d, %s has %d" % (a["destination"], a["precedence"], b["destination"], b["precedence"])
    if a["scope"] != b["scope"]:
        return "rule 8 (smaller scope): %s has scope %d, %s has %d" % (a["destination"], a["scope"], b["destination"], b["scope"])
    if a["common_prefix"] != b["common_prefix"]:
        return "rule 9 (longest matching prefix): %s shares %d bits with its source, %s %d" % (
            a["destination"],
            a["common_prefix"],
            b["destination"],
            b["common_prefix"],
        )
    return "rule 10 (order): musl collected %s before %s" % (a["destination"], b["destination"])


def musl_order(candidates):
    """Sort ``candidates`` (``[{destination, source}]``) as musl's getaddrinfo does.

    ``source`` is the address the kernel picks for the destination (a UDP
    connect), null or missing when there is no route. The candidates may come
    in any order of families: musl collects the AAAA answers first, so the
    IPv6 candidates go before the IPv4 ones, each family in the given order.
    Returns the candidates in musl's order, each with the parts of its sort
    key and ``reason`` (why it sorts before the next one; for the last, why
    the one before it comes first). Fewer than two candidates, or only IPv4
    ones, are returned in collection order as musl does not sort them.
    """
    parsed = [_candidate(index, item) for index, item in enumerate(candidates or [])]
    collected = [c for c in parsed if c[0].version == 6] + [c for c in parsed if c[0].version == 4]
    collected = collected[:MAX_ADDRESSES]
    entries = []
    for index, (destination, source) in enumerate(collected):
        d6 = as_v6(destination)
        precedence, label = policy(d6)
        entry = {
            "destination": destination,
            "source": source,
            "usable": source is not None,
            "precedence": precedence,
            "label": label,
            "scope": scope(d6),
            "source_label": None,
            "source_scope": None,
            "matching_scope": False,
            "matching_label": False,
            "common_prefix": 0,
        }
        if source is not None:
            s6 = as_v6(source)
            entry["source_label"] = policy(s6)[1]
            entry["source_scope"] = scope(s6)
            entry["matching_scope"] = entry["source_scope"] == entry["scope"]
            entry["matching_label"] = entry["source_label"] == label
            entry["common_prefix"] = common_prefix(s6, d6)
        entry["key"] = (
            (entry["usable"] << 30)
            | (entry["matching_scope"] << 29)
            | (entry["matching_label"] << 28)
            | (precedence << 20)
            | ((15 - entry["scope"]) << 16)
            | (entry["common_prefix"] << 8)
            | (MAX_ADDRESSES - index)
        )
        entries.append(entry)
    sorts = len(entries) >= 2 and any(e["destination"].version == 6 for e in entries)
    if sorts:
        entries.sort(key=lambda e: e["key"], reverse=True)
    result = [_describe(e) for e in entries]
    if len(entries) >= 2 and not sorts:
        for entry in result:
            entry["reason"] = "musl does not sort answers that are all IPv4"
    elif sorts:
        for index, entry in enumerate(result):
            pair = (entries[index], entries[index + 1]) if index + 1 < len(entries) else (entries[index - 1], entries[index])
            entry["reason"] = _reason(*pair)
    elif entries:
        result[0]["reason"] = "the only address"
    return result
