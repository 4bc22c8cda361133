# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The decisions of the daemon role, as pure functions (private).

The role's variables in, the daemon.json keys it writes for one engine out
(``role_plan``), and everything else the role judges in Python: its
variables' problems, the packages it installs, forwarding before dockerd
starts under the nftables backend, unique local prefixes that overlap the
host's own, the engine's health after a restart, drift between daemon.json
and the running engine, and the rollback message. Used by the filters in
``plugins/filter/daemon.py``, on the controller; the file itself
(parsing, merging, checking daemon.json) is ``_daemon_json``, which the
``ipv6ready.docker.daemon_json`` module ships to the host.

``inputs`` is a dict of the role's variables by name (daemon_ipv6, ...).
Role argument validation checks their types but does not convert them, so
booleans may arrive as "yes" or "true" and sizes as strings.

This file is private to the collection (leading underscore): its names may
change without notice.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine, _names, _networks, _prefix
from ansible_collections.ipv6ready.docker.plugins.module_utils._verify import is_probe
from ansible_collections.ipv6ready.docker.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    _deep_merge,
    changed_keys,
    json_equal,
    merge_settings,
    parse_daemon_json,
    pool_problems,
    validate_config,
)


ROLE_POOL_VARS = (("daemon_ipv4_address_pools", 4), ("daemon_ipv6_address_pools", 6))


def _flag(value):
    return boolean(value, strict=False)


def role_problems(inputs):
    """What is wrong with the daemon role's variables beyond their types; one message each.

    Engine-independent: checked before the engine is even looked for.
    """
    problems = []
    fixed = inputs.get("daemon_fixed_cidr_v6") or ""
    if fixed:
        problem = _prefix.prefix_problem(fixed, version=6)
        if problem:
            problems.append("daemon_fixed_cidr_v6: %s" % problem)
    for var, version in ROLE_POOL_VARS:
        for index, pool in enumerate(inputs.get(var) or []):
            pool = dict(pool, size=_int_or_text(pool.get("size"))) if isinstance(pool, dict) else pool
            problems.extend(pool_problems("%s[%d]" % (var, index), pool, version=version, host_bits=False))
    if not inputs.get("daemon_ipv4_address_pools"):
        problems.append(
            "daemon_ipv4_address_pools: must not be empty: default-address-pools replaces Docker's "
            "built-in IPv4 pools, so an empty list leaves new networks without IPv4"
        )
    for server in inputs.get("daemon_dns") or []:
        problem = _prefix.address_problem(server)
        if problem:
            problems.append("daemon_dns: %s" % problem)
    always = set(["ipv6", "ip6tables", "default-address-pools"])
    always.update(_role_optional_keys(inputs))
    always.update(inputs.get("daemon_settings") or {})
    for key in inputs.get("daemon_remove_keys") or []:
        if key in always:
            problems.append("daemon_remove_keys: %r is also set by this role or daemon_settings; name it in one of them only" % key)
    problems.extend(_names.socket_problems(inputs.get("ipv6ready_docker_socket"), "ipv6ready_docker_socket"))
    return problems


def _int_or_text(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _role_optional_keys(inputs):
    """The keys the role writes on every engine only because a variable asks for them."""
    keys = []
    if inputs.get("daemon_firewall_backend"):
        keys.append("firewall-backend")
    if _flag(inputs.get("daemon_ipv6")) and inputs.get("daemon_fixed_cidr_v6"):
        keys.append("fixed-cidr-v6")
    if inputs.get("daemon_dns"):
        keys.append("dns")
    if inputs.get("daemon_live_restore") is not None:
        keys.append("live-restore")
    return keys


def role_settings(inputs, version):
    """The daemon.json keys the daemon role writes for an engine of ``version``.

    The cut-offs come from the engine table (``_engine.FEATURES``): before
    ``ip6tables_default`` the IPv6 firewall needs ``experimental``; from
    ``network_opts_ipv6`` every new network can get IPv6 through
    ``default-network-opts``. ``daemon_settings`` are merged last, recursively,
    and win. Booleans and sizes are written with their JSON types.
    """
    has = _engine.features(version)
    ipv6 = _flag(inputs.get("daemon_ipv6"))
    ip6tables = _flag(inputs.get("daemon_ip6tables"))
    pools = list(inputs.get("daemon_ipv4_address_pools") or [])
    if ipv6:
        pools += list(inputs.get("daemon_ipv6_address_pools") or [])
    settings = {
        "ipv6": ipv6,
        "ip6tables": ip6tables,
        "default-address-pools": [{"base": str(pool["base"]), "size": int(pool["size"])} for pool in pools],
    }
    if ipv6 and inputs.get("daemon_fixed_cidr_v6"):
        settings["fixed-cidr-v6"] = str(inputs["daemon_fixed_cidr_v6"])
    if ip6tables and not has["ip6tables_default"]:
        settings["experimental"] = True
    if has["network_opts_ipv6"]:
        enable = ipv6 and _flag(inputs.get("daemon_ipv6_new_networks"))
        settings["default-network-opts"] = {"bridge": {"com.docker.network.enable_ipv6": "true" if enable else "false"}}
    if inputs.get("daemon_dns"):
        settings["dns"] = list(inputs["daemon_dns"])
    if inputs.get("daemon_live_restore") is not None:
        settings["live-restore"] = _flag(inputs["daemon_live_restore"])
    if inputs.get("daemon_firewall_backend"):
        settings["firewall-backend"] = str(inputs["daemon_firewall_backend"])
    return _deep_merge(settings, inputs.get("daemon_settings") or {})


def role_plan(inputs, version):
    """The daemon role's decision for one engine: ``{'version', 'settings', 'problems'}``.

    ``version`` is the engine version text; empty when unknown (check mode
    before an install), then nothing is decided. ``problems`` stop the role
    before anything is changed: an engine older than the collection's minimum,
    or a key in ``daemon_remove_keys`` that this engine needs the role to write.
    """
    if not version:
        return {"version": "", "settings": {}, "problems": []}
    parsed = _engine.parse_version(version)
    if not _engine.supports(parsed, "ip6tables"):
        return {
            "version": _engine.format_version(parsed),
            "settings": {},
            "problems": [
                "Docker %s is too old: IPv6 firewalling (ip6tables) needs Docker %s or newer. Upgrade the engine first."
                % (_engine.format_version(parsed), _engine.since("ip6tables"))
            ],
        }
    backend = inputs.get("daemon_firewall_backend")
    if backend and not _engine.supports(parsed, "firewall_backend"):
        return {
            "version": _engine.format_version(parsed),
            "settings": {},
            "problems": [
                "daemon_firewall_backend: %r needs Docker %s or newer (daemon.json firewall-backend); the engine is %s. "
                "Leave daemon_firewall_backend empty on this engine, or upgrade it"
                % (backend, _engine.since("firewall_backend"), _engine.format_version(parsed))
            ],
        }
    settings = role_settings(inputs, parsed)
    problems = [
        "daemon_remove_keys: %r is written by this role for Docker %s; remove it from daemon_remove_keys" % (key, _engine.format_version(parsed))
        for key in inputs.get("daemon_remove_keys") or []
        if key in settings
    ]
    return {"version": _engine.format_version(parsed), "settings": settings, "problems": problems}


# --------------------------------------------------------------------------
# The daemon role: Docker's nftables firewall backend
# --------------------------------------------------------------------------

NFTABLES_PACKAGES = ("nftables",)
# The forwarding sysctls as the role reads them (/proc/sys), by the daemon.json
# family they serve.
FORWARDING_KEYS = (("net.ipv4.ip_forward", 4), ("net.ipv6.conf.all.forwarding", 6))


def role_packages(inputs):
    """The Debian packages the role installs besides the engine: ``nftables`` (the ``nft`` program Docker's
    nftables backend runs, from 29.6) with ``daemon_firewall_backend: nftables``."""
    return list(NFTABLES_PACKAGES) if inputs.get("daemon_firewall_backend") == "nftables" else []


def forwarding_problems(inputs, values):
    """Why dockerd would not start with the nftables backend: it never enables IP forwarding itself.

    ``values`` maps the sysctls of ``FORWARDING_KEYS`` to their value on the host (as read from /proc/sys). IPv4
    forwarding is needed for the default bridge; IPv6 forwarding with ``daemon_ipv6``. Nothing is needed with another
    backend, or when ``daemon_settings`` turns Docker's check off (``ip-forward: false``).
    """
    if inputs.get("daemon_firewall_backend") != "nftables":
        return []
    if (inputs.get("daemon_settings") or {}).get("ip-forward") is False:
        return []
    wanted = [key for key, family in FORWARDING_KEYS if family == 4 or _flag(inputs.get("daemon_ipv6"))]
    off = [
        "%s is %s" % (key, str((values or {}).get(key, "unknown")).strip() or "unknown") for key in wanted if str((values or {}).get(key, "")).strip() != "1"
    ]
    if not off:
        return []
    return [
        "daemon_firewall_backend: 'nftables': Docker does not enable IP forwarding with the nftables backend, and "
        "refuses to start without it, but on this host %s. Run the ipv6ready.docker.sysctl role first with "
        "sysctl_forward_policy_backend: nftables (site.yml does when daemon_firewall_backend is nftables): it "
        "turns forwarding on, at boot too, and drops what Docker does not forward; nothing was changed" % " and ".join(off)
    ]


def role_ula_prefixes(inputs):
    """The IPv6 prefixes the daemon role gives the engine, as ``[(variable, prefix)]``: the default bridge's subnet
    and the IPv6 pools (when ``daemon_ipv6``), and the same keys of ``daemon_settings``, which win over them."""
    out = []
    settings = inputs.get("daemon_settings") or {}
    if _flag(inputs.get("daemon_ipv6")):
        if inputs.get("daemon_fixed_cidr_v6") and "fixed-cidr-v6" not in settings:
            out.append(("daemon_fixed_cidr_v6", inputs["daemon_fixed_cidr_v6"]))
        if "default-address-pools" not in settings:
            for index, pool in enumerate(inputs.get("daemon_ipv6_address_pools") or []):
                if isinstance(pool, dict) and pool.get("base"):
                    out.append(("daemon_ipv6_address_pools[%d].base" % index, pool["base"]))
    if isinstance(settings.get("fixed-cidr-v6"), str):
        out.append(("daemon_settings.fixed-cidr-v6", settings["fixed-cidr-v6"]))
    for index, pool in enumerate(settings.get("default-address-pools") or [] if isinstance(settings.get("default-address-pools"), list) else []):
        if isinstance(pool, dict) and isinstance(pool.get("base"), str):
            out.append(("daemon_settings.default-address-pools[%d].base" % index, pool["base"]))
    return out


def engine_missing_message(result, install):
    """Why the role stops on a host without a Docker engine, and what to do.

    ``result`` is the registered ``dockerd --version`` command (failed), ``install`` ``daemon_install``.
    """
    result = result or {}
    said = " ".join(str(result.get("stderr") or result.get("msg") or "").split())
    if result.get("rc") in (None, 2, 127) and ("No such file" in said or "not found" in said or not said):
        found = "dockerd is not installed (not on the PATH)"
    else:
        found = "'dockerd --version' failed (rc %s: %s)" % (result.get("rc"), said or "no output")
    if _flag(install):
        return "No Docker engine found on this host: %s, and the distribution's engine could not be installed." % found
    return (
        "No Docker engine found on this host: %s, and daemon_install is false, so the role installs none. "
        "Either install Docker first, then run the role again; Docker CE (what `kamal server bootstrap` installs "
        "from get.docker.com) reaches Docker's servers from an IPv6-only host only through NAT64, so run "
        "site.yml --tags gateways,nat64_client before it (docs/hetzner.md). Or set daemon_install: true (the "
        "default) to install the distribution's docker.io." % found
    )


_CANDIDATE_RE = re.compile(r"^\s*Candidate:\s*(\S+)", re.MULTILINE)


def engine_version_text(text):
    """The engine version in ``dockerd --version`` output or ``apt-cache policy`` output, or ``''``.

    ``Docker version 20.10.24+dfsg1, build 297e128`` gives ``20.10.24``;
    ``Candidate: 5:28.0.1-1~debian.12~bookworm`` gives ``28.0.1`` (the epoch
    dropped); ``Candidate: (none)`` or no version gives ``''``.
    """
    text = text or ""
    candidate = _CANDIDATE_RE.search(text)
    if candidate:
        text = candidate.group(1).split(":", 1)[-1]
    try:
        return _engine.format_version(_engine.parse_version(text))
    except ValueError:
        return ""


# --------------------------------------------------------------------------
# The daemon role: is the running engine what daemon.json says?
# --------------------------------------------------------------------------


def health_problem(ping, bridge, expect_ipv6, socket, timeout):
    """Judge the engine's health from the registered ``uri`` results; ``''`` when healthy.

    ``ping`` is the ``/_ping`` result (skipped when the engine answered earlier
    in the run), ``bridge`` the ``/networks/bridge`` result, read when
    ``expect_ipv6``: then the default bridge must report IPv6.
    """
    ping = ping or {}
    bridge = bridge or {}
    if not ping.get("skipped") and ping.get("status", -1) != 200:
        return "the engine API did not answer on %s within %s s (%s)" % (socket, timeout, ping.get("msg") or "no answer")
    if not expect_ipv6:
        return ""
    if bridge.get("status", -1) != 200:
        return "the engine API did not answer %s for the default bridge network (%s)" % (socket, bridge.get("msg") or "no answer")
    enabled = (bridge.get("json") or {}).get("EnableIPv6", False)
    subnets = [c.get("Subnet") for c in bridge_ipam(bridge.get("json"))]
    if enabled is True and any(":" in (s or "") for s in subnets):
        return ""
    return (
        "the default bridge network reports no IPv6 (EnableIPv6 %s, subnets %s). With live-restore on and "
        "containers running, dockerd keeps the old default bridge across a restart: stop the containers or "
        "turn live-restore off for this change" % (enabled, ", ".join(s or "" for s in subnets))
    )


def bridge_ipam(network):
    """The IPAM configs of a network inspect result (``[]`` when there are none)."""
    return ((network or {}).get("IPAM") or {}).get("Config") or []


def resolv_conf_servers(text):
    """The DNS servers a container uses, as the engine wrote its resolv.conf.

    Returns ``(servers, family)``: ``family`` is ``None`` when ``servers`` are
    all of them, ``6`` when only the IPv6 ones can be read, and ``servers`` is
    ``None`` when the file does not say. A container on the default bridge
    lists them as ``nameserver`` lines. One on a user-defined network asks the
    engine's resolver (127.0.0.11): Docker 25 and newer note its upstream
    servers in a ``# ExtServers: [...]`` comment (``host(...)`` marks the
    host's own resolvers); older engines list only the IPv6 ones, next to
    127.0.0.11 (and none says nothing).
    """
    servers = []
    internal = False
    extservers = None
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("nameserver"):
            parts = line.split()
            if len(parts) > 1:
                if parts[1] == "127.0.0.11":
                    internal = True
                else:
                    servers.append(parts[1])
        elif line.startswith("# ExtServers:"):
            inside = line.split(":", 1)[1].strip().strip("[]")
            extservers = [re.sub(r"^host\((.*)\)$", r"\1", item) for item in inside.split()]
    if not internal:
        return servers, None
    if extservers is not None:
        return extservers, None
    # None listed: the engine may have left them out for a network without IPv6.
    return (servers or None), 6


def _same_addresses(left, right):
    def canon(values):
        out = []
        for value in values:
            try:
                out.append(str(ipaddress.ip_address(value.split("%", 1)[0])))
            except ValueError:
                out.append(value)
        return out

    return canon(left) == canon(right)


def _family(value):
    try:
        return ipaddress.ip_address(value.split("%", 1)[0]).version
    except ValueError:
        return None


def drift_problems(config, state):
    """Where the running engine differs from ``config`` (daemon.json), with the restart that fixes it.

    ``state`` is the ``engine_info`` module's result: ``bridge`` (the default
    bridge's inspect result), ``containers`` (the running ones: ``name``,
    ``network_mode``, ``dns``, ``resolv_conf``) and ``live_restore``. The
    engine applies ``ipv6`` and ``fixed-cidr-v6`` when it creates the default
    bridge, which it does at start-up unless live-restore is on and any
    container runs (verified on 20.10, 26.1 and 28.5); it applies ``dns`` when
    it starts a container (``docker restart`` rewrites the container's
    resolv.conf). Returns ``[]`` when the engine matches.
    """
    problems = []
    bridge = state.get("bridge") or {}
    # Not the verify role's probes: each ends by itself (verify_probe_lifetime),
    # and the restart removes any still running first (tasks/restart.yml).
    containers = [c for c in state.get("containers") or [] if not is_probe(c.get("labels"))]
    running = sorted(c["name"] for c in containers)
    if state.get("live_restore") and running:
        shown = ", ".join(running[:10]) + (", ..." if len(running) > 10 else "")
        restart = (
            "with live-restore on, the engine keeps its networks as they are while any container runs (%d "
            "running: %s): stop them, or turn live-restore off (a reload is enough), then restart the engine "
            "(systemctl restart docker)" % (len(running), shown)
        )
    else:
        restart = "restart the engine (systemctl restart docker)"
    if bridge:
        want_ipv6 = config.get("ipv6") is True
        has_ipv6 = bridge.get("EnableIPv6") is True
        v6 = [c for c in bridge_ipam(bridge) if ":" in (c.get("Subnet") or "")]
        if want_ipv6 != has_ipv6:
            problems.append(
                "the default bridge has IPv6 %s, but daemon.json says ipv6: %s; %s" % ("on" if has_ipv6 else "off", "true" if want_ipv6 else "false", restart)
            )
        elif want_ipv6 and config.get("fixed-cidr-v6"):
            want = _canonical(config["fixed-cidr-v6"])
            have = set(_canonical(c.get(key)) for c in v6 for key in ("Subnet", "IPRange") if c.get(key))
            if want not in have:
                problems.append(
                    "the default bridge has the IPv6 subnet %s, but daemon.json says fixed-cidr-v6: %s; %s"
                    % (", ".join(c.get("Subnet") for c in v6) or "none", config["fixed-cidr-v6"], restart)
                )
    want_dns = config.get("dns") or []
    if want_dns:
        stale = {}
        for container in containers:
            mode = str(container.get("network_mode") or "")
            if container.get("dns") or mode in ("host", "none") or mode.startswith("container:"):
                continue
            servers, family = resolv_conf_servers(container.get("resolv_conf"))
            want = [server for server in want_dns if family is None or _family(server) == family]
            if servers is not None and not _same_addresses(servers, want):
                stale.setdefault(", ".join(servers) or "none", []).append(container["name"])
        for servers, names in sorted(stale.items()):
            names = sorted(names)
            problems.append(
                "the running containers %s still use the DNS servers %s, but daemon.json says dns: %s; "
                "the engine applies dns when it starts a container: restart them (docker restart %s)"
                % (", ".join(names), servers, ", ".join(want_dns), " ".join(names))
            )
    return problems


def _canonical(value):
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except (TypeError, ValueError):
        return value


def rollback_message(path, changed, restart_problem, engine_log, restored, removed, engine_back):
    """The failure after a rolled-back restart: what failed, what was restored, and whether the engine runs again.

    ``restored`` is the backup kept of the rejected file (a path) when the
    previous file was restored, ``True`` when it was restored without a known
    backup name, else false; ``removed`` is true when the file the role created
    was removed; ``engine_back`` is ``''`` when the engine runs again with the
    previous file, else why not.
    """
    text = "Docker did not come back healthy after changing %s in %s: %s. The engine says: %s. " % (
        ", ".join(changed or []),
        path,
        restart_problem,
        " | ".join(engine_log or []),
    )
    if restored:
        backup = restored if isinstance(restored, str) else "a backup"
        text += "The previous daemon.json was restored (the rejected one is kept as %s); " % backup
    elif removed:
        text += "The daemon.json this role created was removed; "
    else:
        text += "There was no previous daemon.json to restore; "
    if engine_back:
        return text + "the engine did NOT start again: %s." % engine_back
    return text + "the engine runs again with it."


# --------------------------------------------------------------------------
# The daemon role's one read: what is there to do on this host?
# --------------------------------------------------------------------------


def refuse_problems(inputs, read):
    """What stops the role before it changes anything, from its one read (``engine_info`` with ``host: true``).

    The role's unique local prefixes that overlap the host's own networks (``_networks.host_overlaps`` of
    ``role_ula_prefixes``) come first; then,
    with the nftables backend, IP forwarding that is off (``forwarding_problems``). ``[]`` when nothing stops it.
    """
    read = read or {}
    overlaps = _networks.host_overlaps(read.get("networks") or {}, role_ula_prefixes(inputs))
    if overlaps:
        return overlaps
    return forwarding_problems(inputs, read.get("forwarding") or {})


def decide(inputs, read):
    """The daemon role's decision from its one read: ``{'refuse': [...], 'changes': [...], 'probes': [...]}``.

    ``refuse`` stops the role before anything is changed: what is wrong with its variables (``role_problems``),
    else what is wrong with them on this host (``refuse_problems``); ``changes`` (``noop_changes``) is
    empty when the host is as the role wants it, and the role then makes no other round trip. ``probes`` names
    the verify role's probe containers the read found running (``probe_names``), which a restart removes first.
    """
    refuse = role_problems(inputs) or refuse_problems(inputs, read)
    return {
        "refuse": refuse,
        "changes": [] if refuse else noop_changes(inputs, read, role_packages(inputs)),
        "probes": probe_names(read),
    }


def probe_names(read):
    """The names of the verify role's probe containers among the running ones of ``read`` (``engine_info``).

    Each ends by itself within ``verify_probe_lifetime``, and none starts between the daemon role's read and its
    restart (the verify role runs after it), so the read's list is the list to remove: one that ended
    meanwhile is already gone (tasks/restart.yml accepts 404). With live-restore on, a probe still running
    would keep the engine's old default bridge and DNS servers across the restart.
    """
    return sorted(c["name"] for c in (read or {}).get("containers") or [] if is_probe(c.get("labels")))


def noop_changes(inputs, read, packages):
    """What differs on this host from what the daemon role wants, from its one read; ``[]`` on a no-op.

    ``read`` is the ``engine_info`` result (``host: true``, ``daemon_json`` and ``packages`` set); ``packages`` the
    ones the role installs besides the engine. Each entry names one reason to take the role's full path (install,
    start, write daemon.json, restart, health check, drift check), which reads again and decides as before. So
    anything this cannot judge is a change: a daemon.json that does not parse or that the checks refuse, an engine
    that does not answer, an engine version the role stops on.
    """
    read = read or {}
    changes = []
    dockerd = read.get("dockerd") or {}
    version = engine_version_text(dockerd.get("stdout")) if dockerd.get("rc") == 0 else ""
    if not version:
        return ["no Docker engine is installed, or its version cannot be read"]
    plan = role_plan(inputs, version)
    if plan["problems"]:
        return ["the role cannot configure Docker %s" % version]
    missing = [name for name in read.get("packages_missing") or [] if name in packages]
    if missing:
        changes.append("packages missing: %s" % ", ".join(missing))
    service = read.get("service") or {}
    if service.get("active") != "active" or service.get("enabled") != "enabled":
        changes.append("docker.service is %s and %s" % (service.get("active"), service.get("enabled")))
    engine = read.get("engine") or {}
    if not engine.get("answers"):
        changes.append("the engine API does not answer (%s)" % (engine.get("error") or "no answer"))
    merged = _merged_daemon_json(inputs, plan, read.get("daemon_json") or {}, changes)
    if merged is None or not engine.get("answers"):
        return changes
    expect_ipv6 = _flag(inputs.get("daemon_ipv6"))
    health = health_problem({"status": 200}, {"status": 200, "json": read.get("bridge") or {}}, expect_ipv6, inputs.get("ipv6ready_docker_socket"), 0)
    if health:
        changes.append("the engine is not healthy: %s" % health)
    drift = drift_problems(merged, read)
    if drift:
        changes.append("the running engine differs from daemon.json")
    return changes


def _merged_daemon_json(inputs, plan, current, changes):
    """daemon.json as the role would merge it, or ``None`` (with the reason in ``changes``) when it would write it."""
    if current.get("exists") and current.get("content") is None:
        changes.append("daemon.json cannot be read as UTF-8 text")
        return None
    try:
        before = parse_daemon_json(current["content"]) if current.get("exists") else {}
        merged = merge_settings(before, plan["settings"], inputs.get("daemon_remove_keys") or [])
    except DaemonJsonError as exc:
        changes.append("daemon.json: %s" % exc)
        return None
    if not json_equal(before, merged) and (current.get("exists") or bool(merged)):
        changes.append("daemon.json differs in %s" % ", ".join(changed_keys(before, merged)))
        return None
    if validate_config(merged, _engine.parse_version(plan["version"])):
        changes.append("daemon.json does not pass the daemon_json module's checks")
        return None
    return merged
