# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Several NAT64/DNS64 gateways behind floating IPv6 /64s: the plan (private).

A fleet with two or more gateways has one floating IPv6 /64 per gateway
(Hetzner Cloud moves a floating IP between running servers within seconds).
Each /64 has a home gateway and holds

- a NAT64 /96, at the same offset as a gateway's own (``::64:0:0:0``), and
- a DNS64 resolver address (``::53``).

Every gateway serves every floating /64: its translator maps each floating
/96 onto its own /96 (``nat64_gateway_extra_prefixes``), and unbound listens
on every resolver address (``dns64_extra_interfaces``), which the agent puts
on the uplink. A failover therefore moves only the route. Each gateway's
unbound synthesizes in the /96 of its home /64, so while every gateway is
home both carry traffic; when one fails, its /64 moves and the survivor
carries it all.

The Docker hosts are spread over the floating /64s: host number i (in name
order) asks the resolver of /64 number i mod N first and the others after
it, so a dead resolver costs a resolver timeout, not an outage, until its /64
has moved.

These functions decide the plan from the inventory's variables. The agent
(``roles/nat64_failover/files/nat64_failover.py``) reads the configuration
``agent_config`` returns. Problems name the variable.
"""

from __future__ import annotations

import ipaddress
import re

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$")
DEFAULT_NAT64_OFFSET = "::64:0:0:0"
DEFAULT_RESOLVER_OFFSET = "::53"
MAX_RESOLVERS = 3  # glibc reads at most three nameservers


def _offset(value, name, problems, mask_bits=64):
    try:
        address = ipaddress.IPv6Address(value)
    except (ValueError, TypeError):
        problems.append("%s: %r is not an IPv6 address (an offset ORed into each floating /64)" % (name, value))
        return None
    if int(address) >> (128 - mask_bits):
        problems.append("%s: %r sets bits inside the /64 network part" % (name, value))
        return None
    return int(address)


def floating_plan(floating_ips, gateways, nat64_offset=DEFAULT_NAT64_OFFSET, resolver_offset=DEFAULT_RESOLVER_OFFSET, var="ipv6ready_floating_ips"):
    """Check the floating IPs and derive what each holds.

    ``floating_ips`` is a list of ``{name, network, home}``: the floating IP's
    name in the Hetzner Cloud project, its /64, and the inventory name of the
    gateway it belongs to. ``gateways`` are the inventory names of the
    gateways. Returns ``{problems, floating_ips, nat64_prefixes, resolvers,
    home_prefix}``: each floating IP with its ``nat64_prefix`` (/96) and
    ``resolver`` (address), and for each gateway the /96 of its (first) home
    /64, which its DNS64 resolver synthesizes in.
    """
    problems = []
    out = []
    if not isinstance(floating_ips, list):
        return {
            "problems": ["%s: %r is not a list of {name, network, home}" % (var, floating_ips)],
            "floating_ips": [],
            "nat64_prefixes": [],
            "resolvers": [],
            "home_prefix": {},
        }
    gateways = list(gateways or [])
    nat64 = _offset(nat64_offset, "nat64_failover_nat64_offset", problems)
    resolver = _offset(resolver_offset, "nat64_failover_resolver_offset", problems)
    if nat64 is not None and nat64 & 0xFFFFFFFF:
        problems.append("nat64_failover_nat64_offset: %r sets bits in the last 32 bits, which hold the IPv4 address in a /96" % nat64_offset)
        nat64 = None
    if nat64 is not None and resolver is not None and (resolver >> 32) == (nat64 >> 32):
        problems.append("nat64_failover_resolver_offset: %r lies inside the NAT64 /96 at %r" % (resolver_offset, nat64_offset))
        resolver = None
    seen_names, seen_networks = set(), set()
    for index, item in enumerate(floating_ips):
        where = "%s[%d]" % (var, index)
        if not isinstance(item, dict):
            problems.append("%s: %r is not a dict {name, network, home}" % (where, item))
            continue
        unknown = sorted(set(item) - {"name", "network", "home"})
        if unknown:
            problems.append("%s: unknown keys %s (name, network, home)" % (where, ", ".join(unknown)))
        name = item.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append("%s.name: %r is not a Hetzner Cloud name" % (where, name))
        elif name in seen_names:
            problems.append("%s.name: %s is listed twice" % (where, name))
        seen_names.add(name)
        try:
            network = ipaddress.IPv6Network(str(item.get("network")).strip())
            if network.prefixlen != 64:
                raise ValueError("a /%d, not a /64" % network.prefixlen)
        except ValueError as exc:
            problems.append("%s.network: %r is not an IPv6 /64 network (%s)" % (where, item.get("network"), exc))
            network = None
        if network is not None:
            if network in seen_networks:
                problems.append("%s.network: %s is listed twice" % (where, network))
            seen_networks.add(network)
        home = item.get("home")
        if home not in gateways:
            problems.append("%s.home: %r is not one of the gateways (%s)" % (where, home, ", ".join(gateways) or "none"))
        if network is None or nat64 is None or resolver is None:
            continue
        base = int(network.network_address)
        out.append(
            {
                "name": name,
                "network": str(network),
                "home": home,
                "nat64_prefix": str(ipaddress.IPv6Network((base | nat64, 96))),
                "resolver": str(ipaddress.IPv6Address(base | resolver)),
            }
        )
    if isinstance(floating_ips, list) and len(floating_ips) == 1:
        problems.append("%s: one floating IP fails over nowhere; list one per gateway (at least two), or none" % var)
    home_prefix = {}
    for item in out:
        home_prefix.setdefault(item["home"], item["nat64_prefix"])
    return {
        "problems": problems,
        "floating_ips": out if not problems else [],
        "nat64_prefixes": [item["nat64_prefix"] for item in out] if not problems else [],
        "resolvers": [item["resolver"] for item in out] if not problems else [],
        "home_prefix": home_prefix if not problems else {},
    }


def client_resolvers(plan, host, hosts, limit=MAX_RESOLVERS):
    """The resolvers of one Docker host: its home /64's first, then the next ones, at most ``limit``.

    ``hosts`` are all the Docker hosts; host number i in name order is homed
    on floating IP number i mod N, which spreads the fleet evenly.
    """
    resolvers = [item["resolver"] for item in plan.get("floating_ips") or []]
    if not resolvers:
        return []
    ordered = sorted(set(hosts or []) | {host})
    start = ordered.index(host) % len(resolvers)
    return (resolvers[start:] + resolvers[:start])[:limit]


def token_problems(api_token):
    """``nat64_failover_api_token`` must not be empty (nor only blanks).

    The token is checked here and nowhere copied: the agent reads it from its
    own file (mode 0600), never from its configuration.
    """
    if api_token is None or not str(api_token).strip():
        return ["nat64_failover_api_token: empty; give the Hetzner Cloud API token (read and write) of the fleet's project, from Ansible Vault"]
    return []


def agent_config(me, plan, gateways, settings, api_token):
    """The agent's configuration (``/etc/ipv6ready/nat64-failover.json``) for gateway ``me``.

    ``gateways`` is the ordered list of ``{name, address}`` (the order breaks
    ties, see the agent); ``settings`` the role's timers, port, interface,
    API endpoint, file paths and self-check. ``api_token`` is only checked
    (``token_problems``): it is not part of the configuration. Returns
    ``(config, problems)``.
    """
    problems = list(plan.get("problems") or [])
    names = []
    for gateway in gateways or []:
        name = gateway.get("name")
        if name in names:
            problems.append("nat64_failover_gateways: %s is listed twice" % name)
        names.append(name)
        try:
            address = ipaddress.IPv6Address(str(gateway.get("address") or "").split("%", maxsplit=1)[0])
            if address.is_multicast or address.is_link_local or address.is_unspecified or address.is_loopback:
                raise ValueError("not a routed unicast address")
        except ValueError as exc:
            problems.append(
                "nat64_failover_gateways: %s has no usable IPv6 address (%r: %s); it sends and hears "
                "heartbeats on its own address" % (name, gateway.get("address"), exc)
            )
    if len(names) < 2:
        problems.append("nat64_failover_gateways: %d gateway(s); failover needs at least two" % len(names))
    if me not in names:
        problems.append("nat64_failover_gateways: this host, %s, is not one of them (%s)" % (me, ", ".join(names)))
    for item in plan.get("floating_ips") or []:
        if item["home"] not in names:
            problems.append("ipv6ready_floating_ips: the home %s of %s is not one of nat64_failover_gateways" % (item["home"], item["name"]))
    dead_after, interval, stagger = (settings.get(key) for key in ("dead_after", "interval", "stagger"))
    for key in ("interval", "dead_after", "stagger", "trust_after", "api_refresh"):
        if not isinstance(settings.get(key), (int, float)) or settings[key] <= 0:
            problems.append("nat64_failover_%s: %r is not a positive number of seconds" % (key, settings.get(key)))
    if not problems and dead_after < 2 * interval:
        problems.append(
            "nat64_failover_dead_after: %r is less than twice nat64_failover_interval (%r): one lost "
            "heartbeat would count as a failure" % (dead_after, interval)
        )
    if not isinstance(settings.get("failback_after"), (int, float)) or settings["failback_after"] < 0:
        problems.append("nat64_failover_failback_after: %r is not a number of seconds (0: never)" % settings.get("failback_after"))
    if not problems and stagger < interval:
        problems.append("nat64_failover_stagger: %r is less than nat64_failover_interval (%r): two gateways could act in the same second" % (stagger, interval))
    interface = settings.get("interface")
    if not isinstance(interface, str) or not interface.strip():
        problems.append("nat64_failover_interface: empty, and this gateway has no default IPv6 route to take the uplink from")
    problems += token_problems(api_token)
    if problems:
        return {}, problems
    config = {
        "me": me,
        "gateways": [{"name": g["name"], "address": str(ipaddress.IPv6Address(str(g["address"]).split("%", maxsplit=1)[0]))} for g in gateways],
        "floating_ips": [{key: item[key] for key in ("name", "home", "resolver", "nat64_prefix")} for item in plan["floating_ips"]],
    }
    config.update({key: settings[key] for key in sorted(settings) if key not in config})
    return config, []
