# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet's source prefixes, derived from the inventory (private).

The NAT64 gateway and the DNS64 resolver answer only the fleet. Instead of a
hand-kept list, site.yml derives the list from the hosts of ``docker_hosts``:
a newly labelled server is enrolled on the next run and a removed one is
dropped. Each host's prefix comes from the first of these that is known:

1. ``ipv6ready_host_prefix``, set by hand for the host;
2. ``hcloud_ipv6_network`` and ``hcloud_ipv6_network_mask``, which the
   hetzner.hcloud inventory plugin sets (the server's routed /64);
3. the host's gathered facts: the /LENGTH around ``default_ipv6.address``
   (the address the host sends from);
4. ``ansible_host`` when it is an IPv6 address.

A host with none of them is reported, never silently left out: leaving a
host out that already uses the gateway would take its DNS away.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import prefix_problem


def _network(address, length):
    """The /length network around an IPv6 address, or None."""
    try:
        interface = ipaddress.IPv6Interface("%s/%d" % (str(address).split("%", 1)[0], length))
    except (ValueError, TypeError):
        return None
    return interface.network


def host_prefix(hostvars, length=64):
    """``(network, source)`` for one host's variables, or ``(None, why)``."""
    explicit = hostvars.get("ipv6ready_host_prefix")
    if explicit:
        problem = prefix_problem(explicit, version=6)
        if problem:
            return None, "ipv6ready_host_prefix: %s" % problem
        return ipaddress.IPv6Network(explicit), "ipv6ready_host_prefix"
    network = hostvars.get("hcloud_ipv6_network")
    if network:
        mask = hostvars.get("hcloud_ipv6_network_mask") or 64
        try:
            return ipaddress.IPv6Network("%s/%s" % (network, mask)), "hcloud_ipv6_network"
        except ValueError as exc:
            return None, "hcloud_ipv6_network: %r/%r is not an IPv6 network (%s)" % (network, mask, exc)
    facts = hostvars.get("ansible_facts") or {}
    default = facts.get("default_ipv6") or {}
    if default.get("address"):
        found = _network(default["address"], length)
        if found is not None:
            return found, "facts (default_ipv6 %s)" % default["address"]
    found = _network(hostvars.get("ansible_host") or "", length) if ":" in str(hostvars.get("ansible_host") or "") else None
    if found is not None:
        return found, "ansible_host"
    if facts:
        return None, "its facts show no default IPv6 address"
    return None, "no facts were gathered (unreachable, or outside the run)"


def _without_covered(networks):
    """Drop duplicates and networks inside another one of the list; sorted."""
    unique = sorted(set(networks), key=lambda n: (n.version, n.network_address, n.prefixlen))
    return [n for n in unique if not any(o != n and o.version == n.version and n.subnet_of(o) for o in unique)]


def fleet_prefixes(hosts, hostvars, length=64, extra=()):
    """The allowlist for ``hosts``.

    ``hostvars`` maps a host name to its variables. Returns ``{prefixes,
    hosts, unknown, problems}``: ``prefixes`` the sorted list (extra ones
    included, duplicates and covered ones removed), ``hosts`` each host's
    ``{prefix, source}``, ``unknown`` the hosts without a prefix and
    ``problems`` one message per unknown host or bad extra prefix.
    """
    problems = []
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 128:
        return {"prefixes": [], "hosts": {}, "unknown": list(hosts), "problems": ["length: %r is not a prefix length from 1 to 128" % (length,)]}
    networks = []
    for index, value in enumerate(extra or ()):
        problem = prefix_problem(value, version=6)
        if problem:
            problems.append("ipv6ready_extra_prefixes[%d]: %s" % (index, problem))
        else:
            networks.append(ipaddress.IPv6Network(value))
    per_host = {}
    unknown = []
    for host in hosts:
        network, source = host_prefix(hostvars.get(host) or {}, length)
        if network is None:
            unknown.append(host)
            problems.append(
                "%s: no IPv6 prefix known, %s; give it ipv6ready_host_prefix, or list the "
                "allowlists (nat64_gateway_allowed_prefixes, dns64_allowed_prefixes) by hand" % (host, source)
            )
            continue
        per_host[host] = {"prefix": str(network), "source": source}
        networks.append(network)
    return {"prefixes": [str(n) for n in _without_covered(networks)], "hosts": per_host, "unknown": unknown, "problems": problems}
