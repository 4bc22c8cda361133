# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The decisions of the networks role, as pure functions (private).

The role reads, these functions decide, the role applies:

- ``check(settings)``: what is wrong with the role's variables, and the
  networks to manage with every per-network default filled in;
- ``plan(networks, settings, engine, facts)``: every network's subnet and
  action (create, keep, recreate or refuse), and every reason to refuse,
  before anything is changed;
- ``reconnect_list(attached, networks)``: how each container of a network to
  recreate was attached, to connect it again afterwards;
- ``recovery(reconnect, networks, networks_now, containers_now, reason)``:
  after the disconnect/create step, succeeded or not, which old networks to
  recreate from their saved settings and which containers to connect to what;
- ``host_overlaps(host, prefixes)``: the host's own routes and addresses that
  a unique local prefix of the networks or daemon role would shadow (ULA
  safety), read before anything is changed;
- ``fleet_ula(current, new_fleet)``: the unique local /48 the provisioning
  writes for a fleet: kept, random for a new fleet (RFC 4193), or the default.

``settings`` is a dict of the role's variables, by their names
(``networks_list``, ``networks_ula_prefix``, ...). Messages name the variable
and the problem. Prefixes are checked with ``_prefix`` and subnets carved with
``_prefix.carve_networks``; engine versions are compared through ``_engine``.
This file is private to the collection: its names may change without notice.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re

from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine, _names
from ansible_collections.ipv6ready.docker.plugins.module_utils._verify import is_probe
from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import (
    canonical_subnets,
    carve_networks,
    prefix_problem,
)

PREDEFINED = ("bridge", "host", "none")
NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
ULA = ipaddress.ip_network("fc00::/7")
IPV6_LENGTHS = (48, 120)
IPV4_LENGTHS = (8, 30)
# The endpoint settings a reconnected container keeps (the static addresses
# only where they still fit).
ADDRESS_KEYS = (("ipv6", "IPv6Address"), ("ipv4", "IPv4Address"))
# What POST /networks/create takes back from a network's inspect output.
IPAM_POOL_KEYS = ("Subnet", "IPRange", "Gateway", "AuxiliaryAddresses")


def _length(prefix):
    return ipaddress.ip_network(prefix, strict=False).prefixlen


def _is_set(value):
    """Jinja's ``default(none, true)``: empty strings, lists and dicts are unset."""
    return value is not None and value != "" and value != [] and value != {}


def release(feature):
    """The Docker release that brings ``feature``, as messages say it: ``28``, or ``27.3``."""
    major, minor = _engine.feature(feature).since[:2]
    return "%d" % major if minor == 0 else "%d.%d" % (major, minor)


# ---------------------------------------------------------------------------
# check: the variables alone, before the engine is asked anything
# ---------------------------------------------------------------------------


def docker_socket(settings):
    """``(path, variable)``: the engine API socket the role talks to, and the variable it was taken from.

    ``ipv6ready_docker_socket``, which every role reads; the deprecated
    ``networks_docker_socket`` wins when it is set, as it did before.
    """
    if settings.get("networks_docker_socket") is not None:
        return settings["networks_docker_socket"], "networks_docker_socket"
    return settings.get("ipv6ready_docker_socket"), "ipv6ready_docker_socket"


def settings_warnings(settings):
    """What the role says before it goes on: the deprecated variable in use."""
    path, variable = docker_socket(settings)
    if variable == "networks_docker_socket":
        return [
            "networks_docker_socket will be removed in 1.0.0: set ipv6ready_docker_socket instead, which every "
            "role that talks to the Docker engine reads (this role uses %s for now)" % path
        ]
    return []


def settings_problems(settings):
    """Everything wrong with the role's variables that types and choices do not catch."""
    path, variable = docker_socket(settings)
    problems = _names.socket_problems(path, variable)
    ula_prefix = settings.get("networks_ula_prefix")
    ula_size = int(settings.get("networks_ula_subnet_size"))
    host_prefix = settings.get("networks_host_prefix") or ""
    host_size = int(settings.get("networks_host_subnet_size"))

    problem = prefix_problem(ula_prefix, version=6)
    if problem:
        problems.append("networks_ula_prefix: %s" % problem)
    else:
        ula_length = _length(ula_prefix)
        if not ipaddress.ip_network(ula_prefix).subnet_of(ULA):
            problems.append("networks_ula_prefix: '%s' is not a unique local (fc00::/7) prefix" % ula_prefix)
        elif not ula_length < ula_size <= 120:
            problems.append("networks_ula_subnet_size: /%d must be longer than networks_ula_prefix (/%d) and at most /120" % (ula_size, ula_length))
    if host_prefix:
        problem = prefix_problem(host_prefix, version=6)
        if problem:
            problems.append("networks_host_prefix: %s" % problem)
        elif not _length(host_prefix) < host_size:
            problems.append("networks_host_subnet_size: /%d must be longer than networks_host_prefix (%s)" % (host_size, host_prefix))
    if not 1 <= host_size <= 120:
        problems.append("networks_host_subnet_size: /%d must be at most /120" % host_size)

    networks = settings.get("networks_list") or []
    names = [net.get("name") for net in networks]
    for position, net in enumerate(networks):
        problems.extend(_network_problems("networks_list[%d]" % position, net, names[:position], settings))
    return problems


def _network_problems(var, net, earlier, settings):
    problems = []
    name = net.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        problems.append("%s.name: '%s' is not a Docker network name (letters, digits, '_', '.', '-')" % (var, name))
    elif name in PREDEFINED:
        problems.append("%s.name: '%s' is one of Docker's predefined networks" % (var, name))
    elif name in earlier:
        problems.append("%s.name: '%s' is listed more than once" % (var, name))

    index = net.get("index")
    if _is_set(net.get("ipv6_subnet")):
        subnet = net["ipv6_subnet"]
        problem = prefix_problem(subnet, version=6)
        if problem:
            problems.append("%s.ipv6_subnet: %s" % (var, problem))
        elif not IPV6_LENGTHS[0] <= _length(subnet) <= IPV6_LENGTHS[1]:
            problems.append("%s.ipv6_subnet: '%s' has a /%d prefix; use /%d to /%d" % ((var, subnet, _length(subnet)) + IPV6_LENGTHS))
        if index is not None:
            problems.append("%s.index: only carved subnets have an index; this network has ipv6_subnet" % var)
    elif index is not None and int(index) < 1:
        problems.append("%s.index: %s is not a subnet number (1 or more; 0 is reserved)" % (var, index))

    if _is_set(net.get("ipv4_subnet")):
        subnet = net["ipv4_subnet"]
        problem = prefix_problem(subnet, version=4)
        if problem:
            problems.append("%s.ipv4_subnet: %s" % (var, problem))
        elif not IPV4_LENGTHS[0] <= _length(subnet) <= IPV4_LENGTHS[1]:
            problems.append("%s.ipv4_subnet: '%s' has a /%d prefix; use /%d to /%d" % ((var, subnet, _length(subnet)) + IPV4_LENGTHS))
        ipv6_only = net.get("ipv6_only") or settings.get("networks_ipv6_only")
        if ipv6_only != "never":
            problems.append("%s.ipv4_subnet: an IPv6-only network (ipv6_only: %s) has no IPv4 subnet" % (var, ipv6_only))

    for key, value in (net.get("driver_options") or {}).items():
        if value is None or isinstance(value, (dict, list, tuple, set)):
            problems.append("%s.driver_options.%s: must be a string, number or boolean" % (var, key))
    return problems


def _option_text(value):
    """A driver option as Docker stores it: booleans lower case, everything a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def requested_networks(settings):
    """The networks to manage, Kamal's included, with every per-network default filled in."""
    listed = list(settings.get("networks_list") or [])
    names = [net.get("name") for net in listed]
    kamal = bool(settings.get("networks_kamal")) and "kamal" not in names
    out = []
    for position, net in enumerate(listed + ([{"name": "kamal"}] if kamal else [])):
        var = "networks_list[%d]" % position if position < len(listed) else "networks_kamal"
        force = net.get("force")
        out.append(
            {
                "name": net["name"],
                "var": "%s (%s)" % (var, net["name"]),
                "ipv6_only_var": "%s.ipv6_only" % var if _is_set(net.get("ipv6_only")) else "networks_ipv6_only",
                "force_var": "%s.force" % var if force is not None else "networks_force",
                "ipv6_subnet": net.get("ipv6_subnet") or None,
                "ipv4_subnet": net.get("ipv4_subnet") or None,
                "carve_from": net.get("carve_from") or settings.get("networks_carve_from"),
                "index": int(net["index"]) if net.get("index") is not None else None,
                "ipv6_only": net.get("ipv6_only") or settings.get("networks_ipv6_only"),
                "driver": net.get("driver") or "bridge",
                "driver_options": {key: _option_text(value) for key, value in (net.get("driver_options") or {}).items()},
                "force": bool(force if force is not None else settings.get("networks_force")),
            }
        )
    return out


def check(settings):
    """``{problems, warnings, networks, host_carved, docker_socket}``.

    The variables' problems, what to warn about, the networks, those carved
    from the host, and the engine API socket to talk to (``docker_socket``).
    """
    problems = settings_problems(settings)
    networks = [] if problems else requested_networks(settings)
    host_carved = [net["name"] for net in networks if not net["ipv6_subnet"] and net["carve_from"] == "host"]
    return {
        "problems": problems,
        "warnings": settings_warnings(settings),
        "networks": networks,
        "host_carved": host_carved,
        "docker_socket": docker_socket(settings)[0],
    }


# ---------------------------------------------------------------------------
# plan: the engine's networks and containers against the wanted ones
# ---------------------------------------------------------------------------


def host_prefix(settings, facts):
    """``(prefix, reserved, source)``: the host's prefix to carve from and its own addresses on the uplink.

    The prefix is ``networks_host_prefix``, or the address/length of the IPv6
    default route's address (``ansible_facts['default_ipv6']``); ``reserved``
    holds every IPv6 address of the uplink, which no carved subnet may contain.
    """
    facts = facts or {}
    uplink = facts.get("default_ipv6") or {}
    explicit = settings.get("networks_host_prefix") or ""
    prefix = explicit
    if not prefix and uplink.get("address"):
        prefix = "%s/%s" % (uplink["address"], uplink.get("prefix"))
    reserved = []
    interface = (uplink.get("interface") or "").replace("-", "_")
    if interface and isinstance(facts.get(interface), dict):
        reserved = [item.get("address") for item in facts[interface].get("ipv6") or [] if item.get("address")]
    if uplink.get("address"):
        reserved.append(uplink["address"])
    source = "networks_host_prefix" if explicit else "ansible_facts['default_ipv6']"
    return prefix, reserved, source


def host_prefix_problems(settings, prefix, source, host_carved):
    if not host_carved:
        return []
    if not prefix:
        return [
            "networks_host_prefix: empty, and the host has no IPv6 default route (ansible_facts['default_ipv6']) "
            "to take its prefix from; needed by %s" % ", ".join(host_carved)
        ]
    size = int(settings.get("networks_host_subnet_size"))
    if not _length(prefix) < size:
        return ["networks_host_subnet_size: /%d is not longer than the host prefix %s (from %s); set networks_host_prefix" % (size, prefix, source)]
    return []


def existing_subnets(network):
    """The canonical subnets of a network as the engine reports it (IPv6 first as listed, then IPv4)."""
    config = (network.get("IPAM") or {}).get("Config") or []
    subnets = canonical_subnets([item.get("Subnet") for item in config if item.get("Subnet")])
    return [s for s in subnets if ":" in s], [s for s in subnets if ":" not in s]


def _adoptable(net, old, parent):
    """The IPv6 subnet of an existing network to keep as it is, or None.

    A network the role would carve a subnet for (no ``ipv6_subnet``, no
    ``index``) that already exists with IPv6 and one IPv6 subnet of the kind its
    carve source gives (a ULA subnet for ``ula``, a subnet of the host's prefix
    for ``host``) is adopted: Kamal's own ``kamal``, made by Docker >= 27 with
    ``default-network-opts``, is compliant as it is. A carved subnet is only for
    networks the role creates.
    """
    if old is None or net["ipv6_subnet"] or net["index"] is not None or not old.get("EnableIPv6"):
        return None
    has6 = existing_subnets(old)[0]
    if len(has6) != 1:
        return None
    subnet = ipaddress.ip_network(has6[0])
    if parent is None or not subnet.subnet_of(parent):
        return None
    return has6[0]


def _parent(source, prefix):
    try:
        if source == "ula":
            return ULA
        if source == "host" and prefix:
            return ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        pass
    return None


def create_body(network):
    """The ``POST /networks/create`` request that makes ``network`` (inspect output) again, as it was."""
    ipam = network.get("IPAM") or {}
    body = {
        "Name": network["Name"],
        "Driver": network.get("Driver") or "bridge",
        "EnableIPv6": bool(network.get("EnableIPv6")),
        "Internal": bool(network.get("Internal")),
        "Attachable": bool(network.get("Attachable")),
        "Options": dict(network.get("Options") or {}),
        "Labels": dict(network.get("Labels") or {}),
        "IPAM": {
            "Driver": ipam.get("Driver") or "default",
            "Options": dict(ipam.get("Options") or {}),
            "Config": [{key: item[key] for key in IPAM_POOL_KEYS if item.get(key)} for item in ipam.get("Config") or []],
        },
    }
    # Only engines with IPv6-only networks (API 1.48) report and take it.
    if "EnableIPv4" in network:
        body["EnableIPv4"] = bool(network["EnableIPv4"])
    return body


def _containers_on(name, containers):
    """The containers attached to the network ``name``, to list in a refusal and to reconnect after recreating it.

    Not the verify role's probes: each ends by itself within
    verify_probe_lifetime, so one may be gone before it would be reconnected;
    recreating the network (docker_network's force) disconnects them.
    """
    out = []
    for container in containers or []:
        if is_probe(container.get("Labels")):
            continue
        if name in ((container.get("NetworkSettings") or {}).get("Networks") or {}):
            names = container.get("Names") or [""]
            out.append({"id": container.get("Id"), "name": _strip_slash(names[0]), "state": container.get("State")})
    return out


def _strip_slash(name):
    return name[1:] if name.startswith("/") else name


def _differences(net, old, has6, has4, ipv6_only, features):
    out = []
    if old.get("Driver") != net["driver"]:
        out.append("driver %s (is %s)" % (net["driver"], old.get("Driver")))
    if not old.get("EnableIPv6"):
        out.append("IPv6 on (is off)")
    if net["ipv6_subnet"] not in has6:
        out.append("IPv6 subnet %s (has %s)" % (net["ipv6_subnet"], ", ".join(has6) or "none"))
    if net["ipv4_subnet"] and net["ipv4_subnet"] not in has4:
        out.append("IPv4 subnet %s (has %s)" % (net["ipv4_subnet"], ", ".join(has4) or "none"))
    if features["ipv6_only_networks"] and old.get("EnableIPv4", True) == ipv6_only:
        out.append("IPv4 %s (is %s)" % ("off" if ipv6_only else "on", "on" if ipv6_only else "off"))
    options = old.get("Options") or {}
    for key, value in net["driver_options"].items():
        current = options.get(key)
        if current != value:
            out.append("driver option %s '%s' (is %s)" % (key, value, "'%s'" % current if current is not None else "unset"))
    return out


def engine_features(version):
    """The engine's features (``_engine.features``); an unknown version has none."""
    try:
        return _engine.features(version)
    except ValueError:
        return {item.name: False for item in _engine.FEATURES}


def plan(networks, settings, engine, facts=None):
    """Decide every network before anything is changed.

    ``networks`` come from ``check``; ``engine`` is what the engine reported:
    ``{host_info: {ServerVersion}, networks: [...], containers: [...]}`` (the
    ``listing`` of engine_info, or the verbose output of
    community.docker.docker_host_info); ``facts`` are the
    host's facts (``default_ipv6`` and the uplink's interface facts), needed
    only for networks carved from the host's prefix.

    Returns ``{problems, networks, subnets, host_check, keeps_all}``: the
    refusals (empty when the plan may be applied), one entry per network with
    its subnets and its ``action`` (``create``, ``keep``, ``recreate`` or
    ``refuse``), the IPv6 subnet of every network by name, the prefixes to
    check against the host's own routes and addresses before anything is
    created (``host_overlaps``): ``networks_ula_prefix`` when a network to
    create or recreate is carved from it; and whether the plan changes
    nothing (no refusal, every network kept as it is).
    """
    version = ((engine or {}).get("host_info") or {}).get("ServerVersion") or ""
    features = engine_features(version)
    engine_networks = (engine or {}).get("networks") or []
    containers = (engine or {}).get("containers") or []
    host_carved = [net["name"] for net in networks if not net["ipv6_subnet"] and net["carve_from"] == "host"]

    prefix, reserved, source = host_prefix(settings, facts) if host_carved else ("", [], "")
    problems = host_prefix_problems(settings, prefix, source, host_carved)
    if problems:
        return {"problems": problems, "networks": [], "subnets": {}, "host_check": [], "keeps_all": False}

    existing = {net.get("Name"): net for net in engine_networks}
    wanted = []
    for net in networks:
        net = dict(net, adopted=False)
        adopted = _adoptable(net, existing.get(net["name"]), _parent(net["carve_from"], prefix))
        if adopted:
            net.update(ipv6_subnet=adopted, adopted=True)
        wanted.append(net)

    carved, problems = carve_networks(
        wanted,
        ula_prefix=settings.get("networks_ula_prefix"),
        ula_size=int(settings.get("networks_ula_subnet_size")),
        host_prefix=prefix or None,
        host_size=int(settings.get("networks_host_subnet_size")),
        reserved=reserved,
        existing=[{"name": name, "subnets": sum(existing_subnets(net), [])} for name, net in existing.items()],
        default_source=settings.get("networks_carve_from") or "ula",
    )

    out = []
    for net in carved:
        choice = net["ipv6_only"]
        ipv6_only = choice == "always" or (choice == "if_supported" and features["ipv6_only_networks"])
        old = existing.get(net["name"])
        has6, has4 = existing_subnets(old) if old is not None else ([], [])
        differences = _differences(net, old, has6, has4, ipv6_only, features) if old is not None else []
        if old is None:
            action = "create"
        elif not differences:
            action = "keep"
        else:
            action = "recreate" if net["force"] else "refuse"
        out.append(
            dict(
                net,
                ipv6_only=ipv6_only,
                ipv6_only_choice=choice,
                # Only Docker 28 and later know the IPv4 flag (API 1.48); None: leave it out.
                enable_ipv4=(not ipv6_only) if features["ipv6_only_networks"] else None,
                same_subnet={
                    "ipv6": old is not None and has6 == [net["ipv6_subnet"]],
                    "ipv4": old is not None and bool(net["ipv4_subnet"]) and has4 == [net["ipv4_subnet"]],
                },
                differences=differences,
                containers=_containers_on(net["name"], containers) if old is not None else [],
                action=action,
                old_id=old.get("Id") if old is not None else None,
                # The old network's settings, to make it again if recreating fails midway.
                restore=create_body(old) if action == "recreate" else None,
            )
        )

    for net in out:
        if net["ipv6_only_choice"] == "always" and not features["ipv6_only_networks"]:
            problems.append(
                "%s: 'always' needs Docker %s or later for network '%s'; the engine is %s "
                "(use 'if_supported' to fall back to dual-stack)" % (net["ipv6_only_var"], release("ipv6_only_networks"), net["name"], version or "unknown")
            )
    for net in out:
        if net["action"] == "refuse":
            attached = ", ".join("%s (%s)" % (c["name"], c["state"]) for c in net["containers"]) or "none"
            problems.append(
                "%s: the existing network '%s' differs: %s; attached containers: %s; "
                "set %s: true to recreate it and reconnect them" % (net["var"], net["name"], ", ".join(net["differences"]), attached, net["force_var"])
            )
    carving = any(net["carved"] == "ula" and net["action"] in ("create", "recreate") for net in out)
    return {
        "problems": problems,
        "networks": out,
        "subnets": {net["name"]: net["ipv6_subnet"] for net in out},
        "host_check": [("networks_ula_prefix", settings.get("networks_ula_prefix"))] if carving else [],
        "keeps_all": not problems and all(net["action"] == "keep" for net in out),
    }


# ---------------------------------------------------------------------------
# apply: disconnect, recreate, reconnect, whatever happens in between
# ---------------------------------------------------------------------------


def reconnect_list(attached, networks):
    """How to connect each container of a network to recreate again.

    ``attached`` are the results of community.docker.docker_container_info
    looped over ``networks | selectattr('action', '==', 'recreate') |
    subelements('containers')`` (each with ``item`` = [network, container]).
    Each entry keeps the container's aliases (without the ones Docker adds
    itself) and two endpoint settings: ``endpoint`` for the recreated network
    (a static address only where that family's subnet is unchanged; the others
    are listed in ``dropped``) and ``saved_endpoint`` for the old network made
    again (every static address).
    """
    by_name = {net["name"]: net for net in networks or []}
    out = []
    for result in attached or []:
        if not result.get("exists"):
            continue
        net = by_name.get(result["item"][0]["name"], result["item"][0])
        container = result["container"]
        name = _strip_slash(container.get("Name") or "")
        endpoint = ((container.get("NetworkSettings") or {}).get("Networks") or {}).get(net["name"]) or {}
        ipam = endpoint.get("IPAMConfig") or {}
        keep, saved, dropped = {}, {}, []
        for family, key in ADDRESS_KEYS:
            if not ipam.get(key):
                continue
            saved[key] = ipam[key]
            if net["same_subnet"][family]:
                keep[key] = ipam[key]
            else:
                dropped.append(ipam[key])
        aliases = [alias for alias in endpoint.get("Aliases") or [] if alias not in (container["Id"][:12], name)]
        out.append(
            {
                "network": net["name"],
                "id": container["Id"],
                "name": name,
                "dropped": dropped,
                "endpoint": {"Aliases": aliases, "IPAMConfig": keep},
                "saved_endpoint": {"Aliases": aliases, "IPAMConfig": saved},
            }
        )
    return out


def failure_reason(result):
    """What a failed task result says went wrong: its message, or the messages of its failed loop items."""
    if result is None:
        return None
    if not isinstance(result, dict):
        return str(result)
    failed = [item for item in result.get("results") or [] if isinstance(item, dict) and item.get("failed")]
    if failed:
        return "; ".join("%s: %s" % (_item_label(item), item.get("msg") or "failed") for item in failed)
    return result.get("msg") or "unknown error"


def _item_label(result):
    item = result.get("item")
    if isinstance(item, dict):
        return item.get("name") or item.get("network") or "item"
    return str(item)


def recovery(reconnect, networks, networks_now, containers_now, reason=None):
    """What to do once the disconnect/create step has ended, whether it failed or not.

    ``networks_now`` and ``containers_now`` are what the engine reports after
    that step. A network to recreate that no longer exists (removed, and the
    new one not created) is made again from its saved settings (``restore``).
    Every container not attached again yet is reconnected: to a recreated
    network with ``endpoint``, to the old network (never removed, or restored)
    with ``saved_endpoint``. ``reason`` is why the step failed (its failed
    task result or a text; None: it did not fail); ``message`` then says what
    happened, for the failure of the host.
    """
    reason = failure_reason(reason)
    by_name = {net["name"]: net for net in networks or []}
    now = {net.get("Name"): net for net in networks_now or []}
    restore = [{"name": net["name"], "body": net["restore"]} for net in networks or [] if net.get("action") == "recreate" and net["name"] not in now]
    restored = {item["name"] for item in restore}
    attached_now = set()
    for container in containers_now or []:
        for network in (container.get("NetworkSettings") or {}).get("Networks") or {}:
            attached_now.add((container.get("Id"), network))
    out = []
    for entry in reconnect or []:
        if (entry["id"], entry["network"]) in attached_now:
            continue
        current = now.get(entry["network"])
        old_id = by_name.get(entry["network"], {}).get("old_id")
        old = entry["network"] in restored or (current is not None and current.get("Id") == old_id)
        out.append(
            {
                "network": entry["network"],
                "id": entry["id"],
                "name": entry["name"],
                "endpoint": entry["saved_endpoint"] if old else entry["endpoint"],
                "dropped": [] if old else entry["dropped"],
                "to": "old" if old else "recreated",
            }
        )
    message = None
    if reason is not None:
        message = "networks: creating the networks failed: %s" % reason
        if restored:
            message += "; made again from their saved settings: %s" % ", ".join(sorted(restored))
        if out:
            message += "; containers reconnected: %s" % ", ".join("%s to %s" % (e["name"], e["network"]) for e in out)
    return {"restore": restore, "reconnect": out, "message": message}


# ---------------------------------------------------------------------------
# ULA safety: the host's own routes and addresses against the role's prefixes
# ---------------------------------------------------------------------------

# The collection's default unique local /48 (the daemon role's IPv6 pool, the
# networks role's ULA): fixed, so every existing inventory keeps its subnets.
DEFAULT_ULA = "fd00:d0c::/48"
# RFC 4193: a site's unique local prefix is a /48, so a route or address of a
# /48 or longer is a network some site uses; a shorter one (a default route, a
# VPN's fd00::/8 or a full tunnel's 8000::/1) is an aggregate, and a Docker
# subnet inside it simply wins by being more specific.
SITE_LENGTH = 48


def host_read(text):
    """The three ``ip -json`` listings a role reads, one JSON document a line: links (``-d link show``), IPv6
    routes (``-6 route show table all``) and IPv6 addresses (``-6 address show``); an empty line is ``[]``.

    Returns ``{'links', 'routes', 'addresses'}``; raises ``ValueError`` on text that is not three such lines.
    """
    lines = (text or "").split("\n")
    while len(lines) > 3 and not lines[-1].strip():
        lines.pop()
    if len(lines) != 3:
        raise ValueError("expected 3 lines of ip -json output (links, routes, addresses), got %d" % len(lines))
    parsed = []
    for line in lines:
        value = json.loads(line) if line.strip() else []
        if not isinstance(value, list):
            raise ValueError("ip -json printed %s, not a list" % type(value).__name__)
        parsed.append(value)
    return dict(zip(("links", "routes", "addresses"), parsed))


def bridges(links):
    """The names of the host's bridge interfaces (``linkinfo.info_kind`` bridge in ``ip -json -d link show``)."""
    return set(link.get("ifname") for link in links or [] if ((link.get("linkinfo") or {}).get("info_kind") == "bridge") and link.get("ifname"))


def _route_network(route):
    dst = route.get("dst")
    if not dst or dst == "default":
        return None
    try:
        return ipaddress.ip_network(dst, strict=False)
    except ValueError:
        return None


def host_networks(host):
    """The host's own IPv6 networks that a Docker subnet must not overlap: ``[(network, what)]``.

    ``what`` says where it was found (``route on eth0``, ``address fd00:d0c::2/64 on eth0``). Left out: everything on
    a bridge (Docker's own networks are bridges, and their subnets come from the very prefixes checked; so are a
    user's VM bridges, which an engine cannot route into by accident), routes and addresses shorter than a site's
    /48 (``SITE_LENGTH``), link-local and multicast ones, loopback, and the kernel's ``local`` table (its local and
    anycast routes repeat the addresses).
    """
    skip = bridges(host.get("links"))
    out = []
    for route in host.get("routes") or []:
        network = _route_network(route)
        dev = route.get("dev")
        if network is None or network.version != 6 or dev in skip or dev == "lo" or route.get("table") == "local":
            continue
        if network.prefixlen < SITE_LENGTH or network.is_link_local or network.is_multicast:
            continue
        where = (
            ("%s route on %s" % (route.get("type"), dev) if route.get("type") not in (None, "unicast") else "route on %s" % dev)
            if dev
            else "%s route" % (route.get("type") or "unicast")
        )
        out.append((network, where))
    for link in host.get("addresses") or []:
        dev = link.get("ifname")
        if dev in skip or dev == "lo":
            continue
        for address in link.get("addr_info") or []:
            if address.get("family", "inet6") != "inet6" or not address.get("local"):
                continue
            try:
                interface = ipaddress.ip_interface("%s/%s" % (address["local"], address.get("prefixlen", 128)))
            except ValueError:
                continue
            if interface.ip.is_link_local or interface.ip.is_multicast or interface.ip.is_loopback:
                continue
            network = interface.network if interface.network.prefixlen >= SITE_LENGTH else ipaddress.ip_network(interface.ip)
            out.append((network, "address %s on %s" % (interface.with_prefixlen, dev)))
    return out


def host_overlaps(host, prefixes):
    """The problems of ``prefixes`` against the host's own networks: one message per prefix that overlaps, naming
    both prefixes and where the host has its one.

    ``prefixes`` are ``[(variable, prefix)]``; only unique local ones (fc00::/7) are checked: a global prefix inside
    the host's routed /64 is a deliberate choice (routed container addresses), a ULA that the host already uses is an
    accident (the fixed default fd00:d0c::/48 on a second Docker engine, a VPN). A prefix that is not an IPv6
    network is left to the roles' input checks.
    """
    found = host_networks(host)
    problems = []
    for variable, prefix in prefixes or []:
        try:
            wanted = ipaddress.ip_network(prefix)
        except (TypeError, ValueError):
            continue
        if wanted.version != 6 or not wanted.subnet_of(ULA):
            continue
        hits = []
        for network, where in found:
            if network.overlaps(wanted):
                text = "%s (%s)" % (network, where)
                if text not in hits:
                    hits.append(text)
        if hits:
            problems.append(
                "%s %s overlaps this host's own %s: Docker networks in it would shadow that. Choose another unique "
                "local /48 (RFC 4193: fd plus 40 random bits, e.g. from `printf 'fd%%s:%%s%%s:%%s%%s::/48\\n' "
                "$(od -An -N5 -tx1 /dev/urandom)`), or move the host's network; nothing was changed" % (variable, wanted, ", ".join(hits))
            )
    return problems


# ---------------------------------------------------------------------------
# The fleet's unique local /48, as the provisioning writes it
# ---------------------------------------------------------------------------


def random_ula(global_id=None):
    """A unique local /48 (RFC 4193 section 3.2): ``fd`` followed by a 40-bit Global ID, random unless given."""
    if global_id is None:
        global_id = int.from_bytes(os.urandom(5), "big")
    if not isinstance(global_id, int) or isinstance(global_id, bool) or not 0 <= global_id < 1 << 40:
        raise ValueError("a Global ID is 40 bits: 0 to %d, got %r" % ((1 << 40) - 1, global_id))
    return str(ipaddress.ip_network(((0xFD << 120) | (global_id << 80), 48)))


# The default bridge's /64 inside a fleet's /48: the last one, which Docker's
# pool allocator (from the first /64 on) reaches last.
FIXED_CIDR_SLOT = 0xFFFF


def ula_layout(prefix):
    """The role variables one unique local /48 sets, as the defaults do with fd00:d0c::/48: the networks role's ULA
    and the daemon's IPv6 pool are the /48 (so the gai_policy role, which reads daemon.json, covers every subnet
    carved from it), and the default bridge takes the /48's last /64 (``FIXED_CIDR_SLOT``)."""
    network = ipaddress.ip_network(prefix)
    fixed = ipaddress.ip_network((int(network.network_address) | (FIXED_CIDR_SLOT << 64), 64))
    return {
        "networks_ula_prefix": str(network),
        "daemon_ipv6_address_pools": [{"base": str(network), "size": 64}],
        "daemon_fixed_cidr_v6": str(fixed),
    }


def fleet_ula(current, new_fleet, global_id=None):
    """The unique local /48 of a fleet's written group_vars: ``{'prefix', 'origin', 'layout'}``.

    ``current`` is the ``networks_ula_prefix`` the fleet's group_vars file holds (``None`` when the file or the key
    is missing). A prefix written once is kept (``kept``): the fleet's networks are carved from it. A new fleet (no
    Docker host of it existed before this run) gets a random one (``random``). An existing fleet without one keeps
    the collection's default (``default``, and ``layout`` ``{}``: nothing is written, the roles' defaults apply), so
    that no existing host's subnets move. Raises ``ValueError`` on a ``current`` that is not a unique local /48.
    """
    if current is not None:
        problem = prefix_problem(current, version=6)
        if problem or not ipaddress.ip_network(current).subnet_of(ULA) or _length(current) != 48:
            raise ValueError("networks_ula_prefix in the fleet's group_vars: %s is not a unique local /48" % (problem or repr(current)))
        prefix = str(ipaddress.ip_network(current))
        return {"prefix": prefix, "origin": "kept", "layout": ula_layout(prefix)}
    if new_fleet:
        prefix = random_ula(global_id)
        return {"prefix": prefix, "origin": "random", "layout": ula_layout(prefix)}
    return {"prefix": DEFAULT_ULA, "origin": "default", "layout": {}}
