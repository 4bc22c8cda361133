# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a host's move to IPv6-only reads on the host, parsed (private).

The ``ipv4_info`` module reads, the ``ipv4_rehearsal`` module takes the IPv4
default route away and puts it back; both hand the raw text to these pure
functions. The judgement (``_ipv6only``) runs on the controller.

- ``published_ports``: the DNAT rules Docker writes for published ports into
  the ``DOCKER`` chain of the ``nat`` table, with their packet counters, from
  ``iptables-save -c -t nat``. NAT is decided once per connection, so a DNAT
  rule's packet counter counts the connections it translated: two readings
  some time apart give the new connections in between.
- ``conntrack_entries``: ``conntrack -L`` lines (the original direction: who
  connected to what), for the connections open now.
- ``inbound_ipv4``: both together, per published port: new connections
  during the window and connections open now from outside the host.
- ``resolvers``: the name servers of ``/etc/resolv.conf`` and, when that is
  systemd-resolved's stub, the ``DNS=`` lines of resolved's configuration.
- ``route_argv``: the ``ip route replace`` command that puts a route read
  with ``ip -json route`` back as it was.
"""

from __future__ import annotations

import ipaddress
import re
import shlex

DNAT_RE = re.compile(r"^\[(\d+):(\d+)\]\s+-A\s+DOCKER\s+(.*)$")
STUB_RESOLVERS = ("127.0.0.53", "127.0.0.54")
# Route attributes of `ip -json route` that `ip route replace` takes back, in the order it takes them.
ROUTE_KEYWORDS = (("gateway", "via"), ("dev", "dev"), ("protocol", "proto"), ("scope", "scope"), ("prefsrc", "src"), ("metric", "metric"))


def _option(tokens, name):
    """The value after ``name`` in an iptables rule's tokens, and whether it was negated (``! -i docker0``)."""
    for index, token in enumerate(tokens[:-1]):
        if token == name:
            return tokens[index + 1], index > 0 and tokens[index - 1] == "!"
    return None, False


def published_ports(text):
    """Docker's published ports from ``iptables-save -c -t nat``: one dict per DNAT rule of the DOCKER chain.

    Each has ``proto``, ``port`` (the published port, a string), ``destination`` (the address it is published
    on, ``None`` for all), ``to`` (the container's address and port), ``packets`` (the rule's counter: the
    connections it translated) and ``rule`` (the rule without its counters, which names it across readings).
    Rules that are not DNAT (Docker's ``RETURN`` for its bridges) are left out.
    """
    table = None
    ports = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = line[1:]
            continue
        match = DNAT_RE.match(line)
        if table != "nat" or not match:
            continue
        tokens = shlex.split(match.group(3))
        target, _negated = _option(tokens, "-j")
        port, _negated = _option(tokens, "--dport")
        if target != "DNAT" or port is None:
            continue
        destination, negated = _option(tokens, "-d")
        proto, _negated = _option(tokens, "-p")
        to, _negated = _option(tokens, "--to-destination")
        ports.append(
            {
                "proto": proto or "tcp",
                "port": port,
                "destination": None if destination is None or negated else destination.split("/")[0],
                "to": to,
                "packets": int(match.group(1)),
                "rule": "-A DOCKER " + match.group(3),
            }
        )
    return ports


def conntrack_entries(text):
    """``conntrack -L`` lines as dicts of the original direction: ``proto``, ``state``, ``src``, ``dst``,
    ``sport``, ``dport``. Lines that are not entries (the summary on stderr, blanks) are left out."""
    entries = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[1].isdigit():
            continue
        entry = {"proto": fields[0], "state": None if "=" in fields[3] else fields[3]}
        for field in fields[3:]:
            key, sep, value = field.partition("=")
            if sep and key in ("src", "dst", "sport", "dport") and key not in entry:
                entry[key] = value
        if "dst" in entry and "dport" in entry:
            entries.append(entry)
    return entries


def _is_loopback(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def inbound_ipv4(before, after, conntrack, addresses):
    """New and open IPv4 connections from outside the host to each published port.

    ``before`` and ``after``: ``published_ports`` of two readings (``before`` may be ``None``: no window, only
    what is open now); ``conntrack``: ``conntrack_entries`` or ``None`` when conntrack could not be read;
    ``addresses``: the host's own IPv4 addresses (a connection from one of them is the host's own, not
    inbound). Returns one dict per published port, sorted: ``proto``, ``port``, ``new`` (``None`` without a
    window), ``open`` (``None`` without conntrack).
    """
    own = set(addresses or [])
    seen = {}
    for rule in after or []:
        key = (rule["proto"], rule["port"])
        entry = seen.setdefault(
            key, {"proto": rule["proto"], "port": rule["port"], "new": None if before is None else 0, "open": None if conntrack is None else 0}
        )
        if before is not None:
            previous = next((item for item in before if item["rule"] == rule["rule"]), None)
            # A rule that is new, or was recreated (its counter restarted), counts from zero.
            if previous is None or previous["packets"] > rule["packets"]:
                entry["new"] += rule["packets"]
            else:
                entry["new"] += rule["packets"] - previous["packets"]
    for item in conntrack or []:
        key = (item["proto"], item.get("dport"))
        if key not in seen:
            continue
        if item["dst"] in own and item.get("src") not in own and not _is_loopback(item.get("src", "")):
            seen[key]["open"] += 1
    return [seen[key] for key in sorted(seen, key=lambda key: (key[0], int(key[1]) if key[1].isdigit() else 0))]


def resolvers(resolv_conf, resolved_conf=""):
    """The name servers the host resolves through: ``/etc/resolv.conf``'s, or, when that is systemd-resolved's
    stub (127.0.0.53), the ``DNS=`` servers of ``resolved_conf`` (resolved.conf and its drop-ins, in order)."""
    servers = []
    for line in (resolv_conf or "").splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver" and fields[1] not in servers:
            servers.append(fields[1])
    if servers and all(server in STUB_RESOLVERS for server in servers):
        upstream = []
        for line in (resolved_conf or "").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.strip() == "DNS":
                # A later DNS= replaces; an empty one resets the list.
                upstream = [item.split("#")[0].split("%")[0] for item in value.split()]
        return upstream
    return servers


def ipv4_addresses(addr_json):
    """``ip -json -4 address show``: the host's IPv4 addresses, each ``{address, prefixlen, dev}``, without
    loopback."""
    found = []
    for link in addr_json or []:
        for info in link.get("addr_info") or []:
            if info.get("family") != "inet" or _is_loopback(info.get("local", "")):
                continue
            found.append({"address": info.get("local"), "prefixlen": info.get("prefixlen"), "dev": link.get("ifname")})
    return found


def route_argv(route, family="-4"):
    """The ``ip route replace`` argv that puts back a route read with ``ip -json route show``.

    Raises ``ValueError`` for a route it cannot put back as it was (several next hops).
    """
    if route.get("nexthops") or route.get("multipath"):
        raise ValueError("the route %s has several next hops; put it back by hand" % (route.get("dst"),))
    argv = ["ip", family, "route", "replace", route.get("dst") or "default"]
    for key, keyword in ROUTE_KEYWORDS:
        if route.get(key) not in (None, ""):
            argv += [keyword, str(route[key])]
    if "onlink" in (route.get("flags") or []):
        argv.append("onlink")
    return argv


def route_selector(route):
    """What names a route read with ``ip -json route show`` for ``ip route del``: destination, gateway, device
    and metric."""
    argv = [route.get("dst") or "default"]
    for key, keyword in (("gateway", "via"), ("dev", "dev"), ("metric", "metric")):
        if route.get(key) not in (None, ""):
            argv += [keyword, str(route[key])]
    return argv


def shell_line(argvs):
    """Several argvs as one ``/bin/sh -c`` line, each quoted; every one runs even when one fails."""
    return "; ".join(" ".join(shlex.quote(part) for part in argv) for argv in argvs)
