# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The nat64_client role's checks of its variables and how a host resolves names, as pure functions (private).

``input_problems(inputs)`` returns what is wrong with the role's variables
beyond their types (meta/argument_specs.yml checks those), one message per
problem, each starting with the variable's name. ``inputs`` holds the role's
variables by name (``nat64_client_prefix``, ``nat64_client_route_via``, ...).
``resolver_mode(setting, link, text)`` says how the host resolves names,
from what the role's read (``state_info``) found at /etc/resolv.conf.
Addresses are read with ``_prefix``, the NAT64 prefix with ``_nat64``, names
with ``_names``. This file is private to the collection: its names may change
without notice.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.ipv6ready.docker.plugins.module_utils import _names, _nat64


def prefix_problems(inputs):
    """The NAT64 prefix: required to route it through a gateway, and a usable /96 when given."""
    value = inputs.get("nat64_client_prefix") or ""
    if not value:
        if inputs.get("nat64_client_route_via"):
            return ["nat64_client_prefix: required when nat64_client_route_via is set (the prefix to route through it)"]
        return []
    return _nat64.prefix_problems(value, "nat64_client_prefix")


def route_problems(inputs):
    """The gateway is one IPv6 address; a link-local one needs the interface it is reached on."""
    via = inputs.get("nat64_client_route_via") or ""
    device = inputs.get("nat64_client_route_device") or ""
    if not via:
        return []
    problems = _nat64.address_problems([via], "nat64_client_route_via", version=6)
    if not problems and ipaddress.IPv6Address(via).is_link_local and not device:
        problems.append("nat64_client_route_device: required because nat64_client_route_via %s is link-local" % via)
    return problems


def device_problems(inputs):
    return _names.interface_problems(inputs.get("nat64_client_route_device"), "nat64_client_route_device", required=False)


def probe_prefix_problems(inputs):
    """Further NAT64 /96s the proof expects answers in (the floating ones of several gateways)."""
    problems = []
    for value in inputs.get("nat64_client_probe_prefixes") or []:
        problems += _nat64.prefix_problems(value, "nat64_client_probe_prefixes")
    return problems


def resolver_problems(inputs):
    """The DNS64 resolvers the host is pointed at are IPv6; the further ones to prove may be either family."""
    return _nat64.address_problems(inputs.get("nat64_client_dns_servers"), "nat64_client_dns_servers", version=6) + _nat64.address_problems(
        inputs.get("nat64_client_probe_servers"), "nat64_client_probe_servers"
    )


def probe_problems(inputs):
    """The names asked for in the proof, and how long to wait for each answer."""
    problems = _names.domain_problems(inputs.get("nat64_client_probe_names"), "nat64_client_probe_names")
    timeout = inputs.get("nat64_client_probe_timeout")
    try:
        seconds = None if isinstance(timeout, bool) else int(timeout)
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or seconds < 1:
        problems.append("nat64_client_probe_timeout: must be at least 1 second (got %r)" % (timeout,))
    return problems


RULES = (prefix_problems, probe_prefix_problems, route_problems, device_problems, resolver_problems, probe_problems)


def input_problems(inputs):
    """Every problem of the role's variables, in the order of RULES."""
    problems = []
    for rule in RULES:
        problems.extend(rule(inputs))
    return problems


# systemd-resolved's stub listener as a resolv.conf names it.
_RESOLVED_STUB_LINE = re.compile(r"(?m)^\s*nameserver\s+127\.0\.0\.53\s*$")
_RESOLVED_RUN_DIR = "/run/systemd/resolve/"


def resolver_mode(setting, link, text):
    """How the host resolves names: ``setting`` unless it is ``auto``; then ``resolved`` or ``resolv_conf``.

    ``auto`` finds systemd-resolved when /etc/resolv.conf links into
    /run/systemd/resolve/ (``link``, its resolved target, or ``None``) or
    names its stub 127.0.0.53 (``text``); otherwise a plain /etc/resolv.conf.
    """
    if setting != "auto":
        return setting
    if _RESOLVED_RUN_DIR in (link or "") or _RESOLVED_STUB_LINE.search(text or ""):
        return "resolved"
    return "resolv_conf"


# glibc's MAXNS: the nameserver lines of /etc/resolv.conf it reads.
GLIBC_MAXNS = 3


def host_problems(inputs, mode, link):
    """What stops the role on this host once it is read: writing /etc/resolv.conf would not work.

    Only when the role writes /etc/resolv.conf itself (``mode``
    ``resolv_conf``, from ``resolver_mode``, and resolvers given): a file that
    links elsewhere (``link``, its resolved target, or ``None``) is written by
    another tool, and glibc reads no more than GLIBC_MAXNS nameservers.
    """
    servers = inputs.get("nat64_client_dns_servers") or []
    if mode != "resolv_conf" or not servers:
        return []
    problems = []
    if link is not None:
        problems.append(
            "nat64_client_resolver: /etc/resolv.conf is a link to %s, so another tool (resolvconf, NetworkManager)"
            " writes it; give that tool the DNS64 resolvers and set nat64_client_resolver to none" % link
        )
    if len(servers) > GLIBC_MAXNS:
        problems.append("nat64_client_dns_servers: glibc reads at most %d nameservers from /etc/resolv.conf, %d given" % (GLIBC_MAXNS, len(servers)))
    return problems
