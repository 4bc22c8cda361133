# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dns64 role's decisions, as pure functions (private).

- ``input_problems(inputs)``: what is wrong with the role's variables beyond
  their types (meta/argument_specs.yml checks those), one message per
  problem, each starting with the variable's name;
- ``plan(inputs, host_addresses)``: the NAT64 prefix unbound synthesizes in
  and the addresses it listens on.

``inputs`` holds the role's variables by name (``dns64_prefix``,
``dns64_allowed_prefixes``, ...) and the fact ``nat64_gateway_active_prefix``
(empty when the nat64_gateway role did not run on the host). Prefixes and
addresses are read with ``_prefix``, the NAT64 prefix with ``_nat64``, zone
names with ``_names``. This file is private to the collection: its names may
change without notice.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.ipv6ready.docker.plugins.module_utils import _names, _nat64
from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import prefix_problem

NO_PREFIX = "dns64_prefix: empty, and this host has no nat64_gateway_active_prefix from the nat64_gateway role; set it to the NAT64 /96 of the gateway"
EMPTY_ACCESS_LIST = (
    "dns64_allowed_prefixes: the list is empty; an empty access list is refused rather than read as "
    '"allow all", which would make the resolver open: list the IPv6 prefixes of the fleet'
)


def prefix(inputs):
    """The NAT64 prefix: ``dns64_prefix``, else the gateway role's fact on this host; empty when neither."""
    return inputs.get("dns64_prefix") or inputs.get("nat64_gateway_active_prefix") or ""


def prefix_problems(inputs):
    value = prefix(inputs)
    if not value:
        return [NO_PREFIX]
    return _nat64.prefix_problems(value, "dns64_prefix")


def access_list_problems(inputs):
    prefixes = inputs.get("dns64_allowed_prefixes") or []
    if not prefixes:
        return [EMPTY_ACCESS_LIST]
    return ["dns64_allowed_prefixes: %s" % problem for problem in (prefix_problem(value, version=6) for value in prefixes) if problem]


def address_problems(inputs):
    """The listening addresses (IPv6), the forwarders and the stub zones' servers (either family)."""
    problems = _nat64.address_problems(inputs.get("dns64_interfaces"), "dns64_interfaces", version=6)
    problems += _nat64.address_problems(inputs.get("dns64_extra_interfaces"), "dns64_extra_interfaces", version=6)
    problems += _nat64.address_problems(inputs.get("dns64_forwarders"), "dns64_forwarders")
    for zone in inputs.get("dns64_stub_zones") or []:
        addresses = zone.get("addresses") or []
        if not addresses:
            problems.append("dns64_stub_zones[].addresses: empty for zone %s" % zone.get("name"))
        problems += _nat64.address_problems(addresses, "dns64_stub_zones[].addresses")
    return problems


def zone_name_problems(inputs):
    problems = []
    for variable in ("dns64_stub_zones", "dns64_local_zones"):
        names = [zone.get("name") for zone in inputs.get(variable) or []]
        problems += _names.domain_problems(names, "%s[].name" % variable)
    return problems + _names.domain_problems(inputs.get("dns64_domain_insecure"), "dns64_domain_insecure")


def local_data_problems(inputs):
    """unbound takes a record in double or in single quotes: one holding both cannot be written."""
    return [
        "dns64_local_data: a record holds both quote characters: %s" % record
        for record in inputs.get("dns64_local_data") or []
        if '"' in record and "'" in record
    ]


RULES = (prefix_problems, access_list_problems, address_problems, zone_name_problems, local_data_problems)


def input_problems(inputs):
    """Every problem of the role's variables, in the order of RULES."""
    problems = []
    for rule in RULES:
        problems.extend(rule(inputs))
    return problems


def listen_addresses(interfaces, host_addresses, extra=()):
    """``interfaces`` when given, else every IPv6 address of the host that is not link-local, sorted, then ``::1``.

    ``extra`` (the floating resolver addresses, docs/availability.md) is added
    either way. The extra addresses may already be the host's (a second run):
    the list is the same then, so the configuration does not change.
    """
    extra = list(extra or ())
    if interfaces:
        return list(interfaces) + [value for value in extra if value not in interfaces]
    chosen = set(extra)
    for value in host_addresses or []:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            continue  # e.g. a link-local address with its zone index
        if address.version == 6 and not address.is_link_local and not address.is_loopback:
            chosen.add(value)
    return sorted(chosen) + ["::1"]


def plan(inputs, host_addresses):
    """``{prefix, interfaces}``: what unbound's drop-in holds."""
    return {"prefix": prefix(inputs), "interfaces": listen_addresses(inputs.get("dns64_interfaces"), host_addresses, inputs.get("dns64_extra_interfaces"))}
