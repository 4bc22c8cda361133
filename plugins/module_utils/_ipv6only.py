# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decisions of the move of a dual-stack fleet to IPv6-only (private to the collection).

``playbooks/hcloud_ipv6only.yml`` reads the project (hetzner.hcloud ``*_info``
modules) and each host (``ipv4_info``), hands what it read to these pure
functions through the ``ipv6ready.docker.hcloud_ipv6only_*`` filters, and
applies the result with hetzner.hcloud's ``server`` and ``primary_ip``
modules. Every problem names the variable or the host to fix.

- ``settings``: the playbook's settings, checked before the first request
  (every message names its variable), with their defaults.
- ``host_plan``: per host, whether it may move and why not (not a server of
  the fleet, a gateway, not reached over IPv6, no DNS64 resolver, inbound
  IPv4 traffic, a container that would not come back), and what the move
  sends to the API: the primary IPv4 to release and its labels, and how to
  put it back.
- ``after_problems``: what is wrong with a host after its power cycle.
- ``report``: the fleet's IPv4 count before and after, what happened to each
  host, and the monthly saving at a price.
- ``delete_plan``: which kept addresses the separate deletion step removes.

Facts about the API the decisions rely on: a primary IP is assigned and
unassigned only while its server is off; an unassigned primary IP still
exists and is still billed until it is deleted; deleting an assigned one
fails (``must_be_unassigned``, since 2026-05-01); a free one has
``assignee_type`` ``unassigned`` (since 2026-08-01). Label values are at most
63 characters of letters, digits, ``-``, ``_`` and ``.``.
"""

from __future__ import annotations

import decimal
import ipaddress
import re
from urllib.parse import urlsplit

from ansible_collections.ipv6ready.docker.plugins.module_utils import _hcloud
from ansible_collections.ipv6ready.docker.plugins.module_utils._verify import is_probe

FLEET_LABEL = _hcloud.FLEET_LABEL
ROLE_LABEL = _hcloud.ROLE_LABEL

# Labels on a released primary IPv4 that is kept: which server it came from, when, and its auto_delete setting,
# so that the reverse gives it back as it was.
KEPT_FROM = "ipv6ready_kept_from"
KEPT_SERVER_ID = "ipv6ready_kept_server_id"
KEPT_ON = "ipv6ready_kept_on"
KEPT_AUTO_DELETE = "ipv6ready_kept_auto_delete"
KEPT_LABELS = (KEPT_FROM, KEPT_SERVER_ID, KEPT_ON, KEPT_AUTO_DELETE)

# Hetzner's list price of one primary IPv4, read on the date given, from the page given.
LIST_PRICE = {
    "amount": "0.50",
    "currency": "EUR",
    "read_on": "2026-12-06",
    "source": "https://docs.hetzner.com/cloud/servers/primary-ips/overview/",
    "what": "Hetzner's list price of a primary IPv4 per month, excl. VAT",
}

DEFAULTS = {
    "hcloud_ipv6only_restore": False,
    "hcloud_ipv6only_delete_kept": False,
    "hcloud_ipv6only_ipv4_price": LIST_PRICE["amount"],
    "hcloud_ipv6only_currency": LIST_PRICE["currency"],
    "hcloud_ipv6only_ipv4_window": 300,
}
HOST_DEFAULTS = {
    "hcloud_ipv6only_health_url": "",
    "hcloud_ipv6only_health_command": "",
    "hcloud_ipv6only_health_timeout": 120,
    "hcloud_ipv6only_shutdown_timeout": 60,
    "hcloud_ipv6only_boot_timeout": 300,
    "hcloud_ipv6only_rehearsal_timeout": 600,
    "hcloud_ipv6only_ipv4_traffic_ack": False,
    "hcloud_ipv6only_verify": True,
}
# Seconds between two polls of the API or two health checks.
POLL = 2
HEALTH_DELAY = 5
LABEL_VALUE_RE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$")
CURRENCY_RE = re.compile(r"^[A-Za-z$€£¥]{1,8}$")
SSH_CONNECTIONS = (
    "ssh",
    "ansible.builtin.ssh",
    "paramiko",
    "paramiko_ssh",
    "ansible.builtin.paramiko_ssh",
    "ansible.netcommon.libssh",
    "community.general.libssh",
)

_show = _hcloud._show  # pylint: disable=protected-access


def _bool(value, var, problems):
    parsed = _hcloud.parse_bool(value)
    if parsed is None:
        problems.append("%s: %s is not a boolean (true or false)" % (var, _show(value)))
        return False
    return parsed


def _int(value, var, problems, low, high=None, what="a whole number"):
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not re.match(r"^[0-9]{1,9}$", text) or int(text) < low or (high is not None and int(text) > high):
        bounds = "from %d to %d" % (low, high) if high is not None else "of at least %d" % low
        problems.append("%s: %s is not %s %s" % (var, _show(value), what, bounds))
        return low
    return int(text)


def _price(value, var, problems):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.append("%s: %s is not a price (a number such as 0.50)" % (var, _show(value)))
        return decimal.Decimal(LIST_PRICE["amount"])
    try:
        price = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        problems.append("%s: %s is not a price (a number such as 0.50)" % (var, _show(value)))
        return decimal.Decimal(LIST_PRICE["amount"])
    return price


def _raw(values, defaults, var):
    value = values.get(var)
    return defaults[var] if value is None else value


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def settings(values, check_mode=False, inventory_fleets=None):
    """Check the playbook's settings before any request; return ``{problems, settings}``.

    ``values`` holds the variables by name (``None`` for an unset one, which takes its default);
    ``inventory_fleets`` the ``ipv6ready_fleet`` labels of the inventory's hosts (empty when the inventory
    does not say, e.g. a static one). The move and the reverse power-cycle servers, so a real run needs
    ``hcloud_ipv6only_confirm`` set to the fleet's name; the deletion of kept addresses needs
    ``hcloud_ipv6only_delete_confirm`` set to it. Check mode needs neither.
    """
    problems = []
    fleet = values.get("hcloud_fleet_name")
    if fleet is None:
        problems.append("hcloud_fleet_name: is required: name the fleet to move (-e hcloud_fleet_name=<name>); there is no default")
    else:
        problems += _hcloud.fleet_name_problems(fleet)
    fleets = sorted(set(item for item in inventory_fleets or [] if isinstance(item, str) and item))
    if fleet is not None and not problems and fleets and fleet not in fleets:
        problems.append('hcloud_fleet_name: "%s" is not a fleet of the inventory (its hosts belong to: %s)' % (fleet, ", ".join(fleets)))
    restore = _bool(_raw(values, DEFAULTS, "hcloud_ipv6only_restore"), "hcloud_ipv6only_restore", problems)
    delete = _bool(_raw(values, DEFAULTS, "hcloud_ipv6only_delete_kept"), "hcloud_ipv6only_delete_kept", problems)
    if restore and delete:
        problems.append(
            "hcloud_ipv6only_delete_kept: cannot run together with hcloud_ipv6only_restore (the reverse "
            "may need the kept addresses); run them one after the other"
        )
    # The rolling play's keywords take these (with their defaults there, as site.yml's); checked here first.
    if values.get("hcloud_ipv6only_canary") is not None:
        _bool(values["hcloud_ipv6only_canary"], "hcloud_ipv6only_canary", problems)
    if values.get("hcloud_ipv6only_batch_size") is not None:
        _int(values["hcloud_ipv6only_batch_size"], "hcloud_ipv6only_batch_size", problems, 1, what="a number of hosts")
    if values.get("hcloud_ipv6only_max_fail_percentage") is not None:
        _int(values["hcloud_ipv6only_max_fail_percentage"], "hcloud_ipv6only_max_fail_percentage", problems, 0, 100, what="a percentage")
    window = _int(_raw(values, DEFAULTS, "hcloud_ipv6only_ipv4_window"), "hcloud_ipv6only_ipv4_window", problems, 0, what="a number of seconds")
    price = _price(_raw(values, DEFAULTS, "hcloud_ipv6only_ipv4_price"), "hcloud_ipv6only_ipv4_price", problems)
    currency = _raw(values, DEFAULTS, "hcloud_ipv6only_currency")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        problems.append("hcloud_ipv6only_currency: %s is not a currency (e.g. EUR)" % _show(currency))
    mode = "delete" if delete else "restore" if restore else "migrate"
    confirm_var = "hcloud_ipv6only_delete_confirm" if delete else "hcloud_ipv6only_confirm"
    confirm = values.get(confirm_var)
    if confirm is not None and not isinstance(confirm, str):
        problems.append("%s: %s is not the fleet's name" % (confirm_var, _show(confirm)))
    elif not check_mode and isinstance(fleet, str) and confirm != fleet:
        if delete:
            what = (
                "the deletion of the kept IPv4 addresses cannot be undone; list them with --check, then confirm "
                "with -e hcloud_ipv6only_delete_confirm=%s" % fleet
            )
        else:
            what = "the %s powers off and on every host it changes; see what it would do with --check, then confirm with -e hcloud_ipv6only_confirm=%s" % (
                "reverse" if restore else "move",
                fleet,
            )
        problems.append("%s: %s%s" % (confirm_var, "is %s, not the fleet's name; " % _show(confirm) if confirm is not None else "", what))
    # The settings of each host, as this run gives them (-e); the inventory's are checked per host.
    _host_values, host_problems = host_settings(values)
    problems += host_problems
    user_price = values.get("hcloud_ipv6only_ipv4_price") is not None
    return {
        "problems": problems,
        "settings": {
            "fleet": fleet if isinstance(fleet, str) else "",
            "mode": mode,
            "ipv4_window": 0 if mode != "migrate" else window,
            "price": str(price),
            "currency": currency if isinstance(currency, str) else LIST_PRICE["currency"],
            "price_source": (
                "your price (hcloud_ipv6only_ipv4_price)"
                if user_price
                else "%s, read on %s from %s" % (LIST_PRICE["what"], LIST_PRICE["read_on"], LIST_PRICE["source"])
            ),
        },
    }


def host_settings(values, host=None):
    """The settings that may differ per host (inventory or ``-e``): ``(settings, problems)``.

    Problems name the variable, and the host when one is given.
    """
    problems = []
    where = " (host %s)" % host if host else ""
    out = {}
    url = _raw(values, HOST_DEFAULTS, "hcloud_ipv6only_health_url")
    if not isinstance(url, str) or (url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc)):
        problems.append("hcloud_ipv6only_health_url%s: %s is not an http:// or https:// URL" % (where, _show(url)))
        url = ""
    out["health_url"] = url
    command = _raw(values, HOST_DEFAULTS, "hcloud_ipv6only_health_command")
    if not isinstance(command, str):
        problems.append("hcloud_ipv6only_health_command%s: %s is not a command line" % (where, _show(command)))
        command = ""
    out["health_command"] = command
    for var, low in (
        ("hcloud_ipv6only_health_timeout", 1),
        ("hcloud_ipv6only_shutdown_timeout", 0),
        ("hcloud_ipv6only_boot_timeout", 10),
        ("hcloud_ipv6only_rehearsal_timeout", 60),
    ):
        out[var[len("hcloud_ipv6only_") :]] = _int(_raw(values, HOST_DEFAULTS, var), var + where, problems, low, what="a number of seconds")
    out["health_retries"] = max(1, out["health_timeout"] // HEALTH_DELAY)
    out["health_delay"] = HEALTH_DELAY
    out["shutdown_retries"] = out["shutdown_timeout"] // POLL
    out["poll"] = POLL
    ack = _raw(values, HOST_DEFAULTS, "hcloud_ipv6only_ipv4_traffic_ack")
    if _hcloud.is_list(ack):
        if not all(isinstance(item, str) for item in ack):
            problems.append("hcloud_ipv6only_ipv4_traffic_ack%s: %s is not true, false or a list of inventory host names" % (where, _show(ack)))
        out["ipv4_traffic_ack"] = host in ack if host else False
    else:
        parsed = _hcloud.parse_bool(ack)
        if parsed is None:
            problems.append("hcloud_ipv6only_ipv4_traffic_ack%s: %s is not true, false or a list of inventory host names" % (where, _show(ack)))
        out["ipv4_traffic_ack"] = bool(parsed)
    out["verify"] = _bool(_raw(values, HOST_DEFAULTS, "hcloud_ipv6only_verify"), "hcloud_ipv6only_verify" + where, problems)
    return out, problems


# ---------------------------------------------------------------------------
# One host
# ---------------------------------------------------------------------------


def _ip(value):
    try:
        return ipaddress.ip_address(str(value).split("%", maxsplit=1)[0])
    except ValueError:
        return None


def reach_problem(connection, ssh_connection, reached):
    """Why Ansible would not reach the host once it has no IPv4, or None.

    ``connection`` is the host's ``ansible_connection``; ``ssh_connection`` the ``SSH_CONNECTION`` the host's
    SSH server set for this session (client address and port, server address and port): the server address
    is the one Ansible reached it at.
    """
    if not reached:
        return "Ansible does not reach it (unreachable now), so it cannot check it, move it or put it back"
    if (connection or "ssh") not in SSH_CONNECTIONS:
        return (
            "Ansible connects to it with the %s connection, not over SSH to an IPv6 address; the move needs "
            "SSH over IPv6 to reach it once it has no IPv4" % _show(connection)
        )
    fields = (ssh_connection or "").split()
    address = _ip(fields[2]) if len(fields) == 4 else None
    if address is None:
        return "cannot tell which address Ansible reached it at (no SSH_CONNECTION in its session); the move needs SSH over IPv6"
    mapped = address.ipv4_mapped if address.version == 6 else address
    if mapped is not None:
        return (
            "Ansible reaches it at its IPv4 address %s, which the move takes away; connect over IPv6 "
            "(inventories/hcloud.yml: connect_with: public_ipv6, or an IPv6 ansible_host)" % mapped
        )
    return None


def resolver_problem(servers, dns64_servers):
    """Why the host would not resolve names once it has no IPv4 (``servers``: its resolvers), or None.

    With ``dns64_servers`` known (``nat64_client_dns_servers``) one of them must be among the host's
    resolvers; without, one of them must at least be an IPv6 address.
    """
    servers = [str(item) for item in servers or []]
    shown = ", ".join(servers) or "none"
    wanted = [str(item) for item in dns64_servers or []]
    if wanted:
        if not any(_ip(item) is not None and _ip(item) in [_ip(server) for server in servers] for item in wanted):
            return (
                "no NAT64/DNS64 gateway serves it: it resolves through %s, not through the fleet's DNS64 "
                "resolvers (nat64_client_dns_servers: %s); run site.yml first" % (shown, ", ".join(wanted))
            )
        return None
    if not any(_ip(server) is not None and _ip(server).version == 6 for server in servers):
        return "no NAT64/DNS64 gateway serves it: its resolvers (%s) are IPv4 only and nat64_client_dns_servers is not set for it; run site.yml first" % shown
    return None


def traffic_problem(inbound, window, addresses):
    """Why moving the host would cut off clients that reach it over IPv4, or None.

    ``inbound``: the published ports with their ``new`` connections during the last ``window`` seconds and
    their ``open`` ones now (``_ipv4_host.inbound_ipv4``).
    """
    busy = [item for item in inbound or [] if (item.get("new") or 0) > 0 or (item.get("open") or 0) > 0]
    if not busy:
        return None
    parts = []
    for item in busy:
        counts = []
        if item.get("new"):
            plural = "" if item["new"] == 1 else "s"
            counts.append("%d new connection%s in the last %d s" % (item["new"], plural, window))
        if item.get("open"):
            counts.append("%d open now" % item["open"])
        parts.append("%s/%s (%s)" % (item["proto"], item["port"], ", ".join(counts)))
    return (
        "it still receives IPv4 traffic on published ports: %s; DNS A records (or clients) still use %s. Ways "
        "out: put a load balancer or a proxy with IPv4 in front of it and point the A records there; or keep "
        "this host's IPv4 (leave it out: --limit '!<host>'); or, when that traffic may be cut off, acknowledge "
        "it with -e hcloud_ipv6only_ipv4_traffic_ack=true (or a list of hosts)" % ("; ".join(parts), ", ".join(addresses) or "its IPv4 address")
    )


def container_problems(containers):
    """Running containers that would not start again after the power cycle (no restart policy).

    Not the verify role's probes: each ends by itself within
    verify_probe_lifetime, power cycle or not.
    """
    problems = []
    for item in containers or []:
        if item.get("running") and (item.get("restart_policy") or "no") == "no" and not is_probe(item.get("labels")):
            problems.append(
                "the container %s runs without a restart policy, so it would not start again after the "
                "power cycle; give it one (docker update --restart unless-stopped %s) or stop it" % (item.get("name"), item.get("name"))
            )
    return problems


def wait_seconds(reads, window):
    """How long to wait between the two readings of the published ports' counters: ``window`` when a host
    (``reads``: each host's first ``ipv4_info``) has an IPv4 address and a published port, else 0."""
    for read in reads or []:
        if isinstance(read, dict) and not read.get("skipped") and read.get("addresses") and read.get("published"):
            return int(window)
    return 0


def _server(servers, name):
    return next((item for item in servers or [] if item.get("name") == name), None)


def _primary_ipv4(primary_ips, server_id):
    return next(
        (item for item in primary_ips or [] if item.get("type") == "ipv4" and item.get("assignee_id") == server_id and item.get("assignee_type") == "server"),
        None,
    )


def _kept(primary_ips, fleet, server_id=None):
    """The fleet's kept primary IPv4s (of one server when ``server_id`` is given), newest last."""
    found = [
        item
        for item in primary_ips or []
        if item.get("type") == "ipv4"
        and (item.get("labels") or {}).get(FLEET_LABEL) == fleet
        and KEPT_SERVER_ID in (item.get("labels") or {})
        and (server_id is None or (item.get("labels") or {}).get(KEPT_SERVER_ID) == str(server_id))
    ]
    return sorted(found, key=lambda item: item.get("id") or 0)


def _ip_ref(item):
    return {
        "id": item.get("id"),
        "name": item.get("name"),
        "ip": item.get("ip"),
        "labels": dict(item.get("labels") or {}),
        "auto_delete": bool(item.get("auto_delete")),
    }


def _switch(server, op, ip, labels, auto_delete, graceful):
    """What ``playbooks/tasks/hcloud_ipv6only_switch.yml`` sends for one power cycle."""
    return {
        "server_id": server["id"],
        "server_name": server["name"],
        "op": op,
        "ip_id": ip.get("id"),
        "ip_name": ip.get("name"),
        "ip": ip.get("ip"),
        "labels": labels,
        "auto_delete": auto_delete,
        "graceful": graceful,
        # The primary_ip module's server: null unassigns; a name assigns (or creates it assigned).
        "server": None if op == "release" else server["name"],
        "create_name": ip.get("name") if op == "create" else None,
    }


def host_plan(host, fleet, mode, servers, primary_ips, facts, today, gateways=()):
    """Decide one host's move (``mode`` ``migrate``) or reverse (``restore``).

    ``servers``: the fleet's servers (``server_info``); ``primary_ips``: the project's (``primary_ip_info``);
    ``facts``: what the playbook read of the host - ``server_name`` (the server's name, normally the
    inventory name), ``connection``, ``ssh_connection``, ``reached``, ``info`` (``ipv4_info``, or None when it
    was not read), ``dns64_servers`` (``nat64_client_dns_servers``) and ``settings`` (the per-host variables
    by name); ``gateways``: the inventory's ``nat64_gateways``.

    Returns ``action`` (``migrate``, ``restore``, ``none`` or ``refuse``), ``problems`` (why not), ``notes``,
    ``line`` (what happens, for the report), ``switch`` (the power cycle that moves the host) and ``rollback``
    (the one that puts it back), ``containers`` (the ones running now), ``settings`` and ``ipv4``.
    """
    facts = facts or {}
    name = facts.get("server_name") or host
    host_values, problems = host_settings(facts.get("settings") or {}, host)
    plan = {
        "host": host,
        "server": None,
        "action": "refuse",
        "problems": problems,
        "notes": [],
        "line": "",
        "switch": None,
        "rollback": None,
        "containers": [],
        "settings": host_values,
        "ipv4": None,
        "inbound": [],
    }
    server = _server(servers, name)
    if server is None:
        problems.append("it is not a server of fleet %s: no server named %s carries the label %s=%s" % (fleet, name, FLEET_LABEL, fleet))
        return _finish(plan)
    plan["server"] = {"id": server.get("id"), "name": server.get("name"), "status": server.get("status"), "location": server.get("location")}
    role = (server.get("labels") or {}).get(ROLE_LABEL)
    current = _primary_ipv4(primary_ips, server.get("id"))
    info = facts.get("info") or {}
    host_ipv4 = [item["address"] for item in info.get("addresses") or []]
    reach = reach_problem(facts.get("connection"), facts.get("ssh_connection"), facts.get("reached"))
    graceful = {"retries": host_values["shutdown_retries"], "delay": POLL}

    if mode == "restore":
        if current is not None:
            plan["action"] = "none"
            plan["ipv4"] = _ip_ref(current)
            plan["line"] = "has its primary IPv4 %s: nothing to give back" % current.get("ip")
            return _finish(plan)
        if reach:
            problems.append(reach)
        kept = _kept(primary_ips, fleet, server.get("id"))
        free = [item for item in kept if item.get("assignee_id") is None]
        if free:
            chosen = _ip_ref(free[-1])
            labels = dict((key, value) for key, value in chosen["labels"].items() if key not in KEPT_LABELS)
            auto_delete = chosen["labels"].get(KEPT_AUTO_DELETE, "true") == "true"
            plan["switch"] = _switch(plan["server"], "assign", chosen, labels, auto_delete, graceful)
            plan["line"] = "gets its kept primary IPv4 %s (%s) back" % (chosen["ip"], chosen["name"])
        else:
            ip_name = "%s-ipv4" % server.get("name")
            taken = next((item for item in primary_ips or [] if item.get("name") == ip_name), None)
            if taken is not None:
                problems.append(
                    "no kept IPv4 of it is left, and the name of a new one, %s, is taken by the primary "
                    "IP %s (%s); rename or delete that one" % (ip_name, taken.get("id"), taken.get("ip"))
                )
            chosen = {"id": None, "name": ip_name, "ip": None, "labels": {FLEET_LABEL: fleet}, "auto_delete": True}
            plan["switch"] = _switch(plan["server"], "create", chosen, {FLEET_LABEL: fleet}, True, graceful)
            plan["line"] = "gets a new primary IPv4 (%s; no kept address of it is left)" % ip_name
        plan["ipv4"] = chosen
        plan["containers"] = _running(info)
        plan["action"] = "restore"
        return _finish(plan)

    if role == _hcloud.GATEWAY or host in (gateways or ()) or name in (gateways or ()):
        problems.append("it is a NAT64/DNS64 gateway of the fleet: it keeps its IPv4, the Docker hosts reach IPv4 through it")
        return _finish(plan)
    if role != _hcloud.DOCKER_HOST:
        problems.append("it is not a Docker host of fleet %s (label %s is %s, not %s)" % (fleet, ROLE_LABEL, _show(role), _hcloud.DOCKER_HOST))
        return _finish(plan)
    if current is None:
        plan["action"] = "none"
        plan["line"] = "has no primary IPv4: already IPv6-only"
        if host_ipv4 and facts.get("reached"):
            plan["notes"].append("the API gives it no IPv4, but the host still has %s configured" % ", ".join(host_ipv4))
        return _finish(plan)
    plan["ipv4"] = _ip_ref(current)
    if reach:
        problems.append(reach)
        return _finish(plan)
    if not facts.get("info"):
        problems.append("its IPv4 use could not be read")
        return _finish(plan)
    resolver = resolver_problem(info.get("resolvers"), facts.get("dns64_servers"))
    if resolver:
        problems.append(resolver)
    plan["inbound"] = info.get("inbound") or []
    traffic = traffic_problem(plan["inbound"], info.get("window") or 0, [current.get("ip")])
    if traffic and host_values["ipv4_traffic_ack"]:
        plan["notes"].append("acknowledged (hcloud_ipv6only_ipv4_traffic_ack): " + traffic.split("; DNS A", maxsplit=1)[0])
    elif traffic:
        problems.append(traffic)
    if info.get("docker") and not info.get("iptables"):
        plan["notes"].append(
            "Docker's published ports could not be read with iptables-save (Docker's nftables firewall backend?), so inbound IPv4 traffic was not counted"
        )
    if info.get("conntrack") is None and plan["inbound"]:
        plan["notes"].append("conntrack is not installed: only new connections during the window were counted")
    problems += container_problems(info.get("containers"))
    for item in info.get("containers") or []:
        if item.get("running") and item.get("restart_policy") == "on-failure":
            plan["notes"].append("the container %s restarts only on failure; the check after the power cycle tells whether it came back" % item.get("name"))
    ip = plan["ipv4"]
    kept_labels = dict(ip["labels"])
    kept_labels.update(
        {
            FLEET_LABEL: fleet,
            KEPT_FROM: _label_value(server.get("name")),
            KEPT_SERVER_ID: str(server.get("id")),
            KEPT_ON: today,
            KEPT_AUTO_DELETE: "true" if ip["auto_delete"] else "false",
        }
    )
    plan["switch"] = _switch(plan["server"], "release", ip, kept_labels, False, graceful)
    plan["rollback"] = _switch(plan["server"], "assign", ip, ip["labels"], ip["auto_delete"], {"retries": 0, "delay": POLL})
    plan["containers"] = _running(info)
    plan["action"] = "migrate"
    plan["line"] = "moves to IPv6-only: its primary IPv4 %s (%s) is released and kept" % (ip["ip"], ip["name"])
    return _finish(plan)


def _label_value(value):
    text = re.sub(r"[^A-Za-z0-9._-]", "-", str(value or ""))[:63].strip("-._")
    return text if LABEL_VALUE_RE.match(text) else ""


def _running(info):
    """The running containers that must run again after the power cycle: not the verify role's probes."""
    return sorted(item.get("name") for item in (info or {}).get("containers") or [] if item.get("running") and not is_probe(item.get("labels")))


def _finish(plan):
    if plan["problems"]:
        plan["action"] = "refuse"
        plan["line"] = "refused: " + "; ".join(plan["problems"])
    return plan


def refusals(plans):
    """One message for every refused host, or an empty string; nothing has changed when it is given."""
    refused = [plan for plan in plans or [] if plan.get("action") == "refuse"]
    if not refused:
        return ""
    return "Nothing was changed. %s: %s. Fix these, or leave the host%s out with --limit." % (
        "This host cannot move" if len(refused) == 1 else "These hosts cannot move",
        " | ".join("%s: %s" % (plan["host"], "; ".join(plan["problems"])) for plan in refused),
        "" if len(refused) == 1 else "s",
    )


def after_problems(plan, info, mode, rollback=False):
    """What is wrong with a host after its power cycle (``info``: ``ipv4_info`` read after it).

    After the move, the released address must be gone from the host; after the reverse or a rollback it must
    be there (the one created by the reverse is not known in advance: any IPv4 then). Every container that
    ran before must run again.
    """
    problems = []
    addresses = [item["address"] for item in (info or {}).get("addresses") or []]
    ip = (plan.get("ipv4") or {}).get("ip")
    want_ipv4 = rollback or mode == "restore"
    if want_ipv4:
        if ip and ip not in addresses:
            problems.append("its primary IPv4 %s is not configured on the host (it has: %s)" % (ip, ", ".join(addresses) or "no IPv4"))
        if not ip and not addresses:
            problems.append("it has no IPv4 address after the reverse")
    elif ip and ip in addresses:
        problems.append("the released address %s is still configured on the host" % ip)
    running = set(_running(info))
    missing = [name for name in plan.get("containers") or [] if name not in running]
    if missing:
        problems.append("containers that ran before do not run again: %s" % ", ".join(missing))
    return problems


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def ipv4_count(fleet, servers, primary_ips):
    """The fleet's primary IPv4s: ``assigned`` to its servers, and ``kept`` (released, unassigned, still billed)."""
    ids = set(item.get("id") for item in servers or [])
    assigned = [item for item in primary_ips or [] if item.get("type") == "ipv4" and item.get("assignee_id") in ids and item.get("assignee_type") == "server"]
    kept = [item for item in _kept(primary_ips, fleet) if item.get("assignee_id") is None]
    return {"assigned": len(assigned), "kept": len(kept), "kept_addresses": [item.get("ip") for item in kept]}


def _money(amount, currency):
    return "%s %s" % (amount.quantize(decimal.Decimal("0.01")), currency)


OUTCOME_TEXT = {
    "migrated": "moved to IPv6-only",
    "restored": "has IPv4 again",
    "rehearsal_failed": "did not move",
    "rolled_back": "did not move, put back",
    "rollback_failed": "FAILED, and putting it back failed too",
    "restore_failed": "FAILED to get IPv4 back",
}


def report(settings_, before, after, plans, outcomes, check_mode=False):
    """The report at the end of a run (or where the rollout stopped).

    ``before`` and ``after``: ``{servers, primary_ips}`` read at the start and now; ``plans``: every host's
    plan; ``outcomes``: what happened to each host (``{status, message}``, or None for a host that was not moved),
    in the order of ``plans``, or by host.
    """
    if isinstance(outcomes, (list, tuple)):
        outcomes = dict((plan.get("host"), outcome) for plan, outcome in zip(plans or [], outcomes) if outcome)
    fleet = settings_["fleet"]
    price = decimal.Decimal(settings_["price"])
    currency = settings_["currency"]
    lines = []
    for plan in plans or []:
        host = plan.get("host")
        outcome = (outcomes or {}).get(host)
        if plan.get("action") in ("migrate", "restore") and outcome:
            text = OUTCOME_TEXT.get(outcome.get("status"), outcome.get("status"))
            detail = outcome.get("message") or ""
            if outcome.get("status") == "migrated":
                detail = "its primary IPv4 %s (%s) is kept, unassigned, labelled %s=%s" % (
                    plan["ipv4"]["ip"],
                    plan["ipv4"]["name"],
                    KEPT_FROM,
                    plan["switch"]["labels"].get(KEPT_FROM),
                )
            lines.append("%s: %s%s" % (host, text, ": " + detail if detail else ""))
        elif plan.get("action") in ("migrate", "restore"):
            lines.append("%s: %s" % (host, ("would be moved: " + plan["line"]) if check_mode else "untouched: the rollout stopped before its batch"))
        else:
            lines.append("%s: %s" % (host, plan.get("line")))
        lines += ["%s:   note: %s" % (host, note) for note in plan.get("notes") or []]
    first = ipv4_count(fleet, before.get("servers"), before.get("primary_ips"))
    now = ipv4_count(fleet, after.get("servers"), after.get("primary_ips"))
    billed_before = first["assigned"] + first["kept"]
    billed_now = now["assigned"] + now["kept"]
    lines.append(
        "Primary IPv4 addresses of fleet %s: %d assigned before, %d assigned now; %d kept, unassigned "
        "and still billed until deleted%s."
        % (fleet, first["assigned"], now["assigned"], now["kept"], " (%s)" % ", ".join(now["kept_addresses"]) if now["kept"] else "")
    )
    saving = (billed_before - now["assigned"]) * price
    lines.append(
        "Monthly cost of these addresses at %s each (%s): %s before, %s now, %s once the kept ones are "
        "deleted: %s."
        % (
            _money(price, currency),
            settings_["price_source"],
            _money(billed_before * price, currency),
            _money(billed_now * price, currency),
            _money(now["assigned"] * price, currency),
            "a saving of %s per month" % _money(saving, currency) if saving > 0 else "no saving",
        )
    )
    if now["kept"]:
        lines.append(
            "Delete the kept addresses once you are satisfied (this cannot be undone): "
            "-e hcloud_ipv6only_delete_kept=true -e hcloud_ipv6only_delete_confirm=%s" % fleet
        )
    if check_mode:
        lines.insert(0, "Check mode: nothing was changed.")
    return {"lines": lines, "before": first, "after": now, "saving": str(saving.quantize(decimal.Decimal("0.01"))), "currency": currency}


# ---------------------------------------------------------------------------
# Deleting the kept addresses
# ---------------------------------------------------------------------------


def delete_plan(fleet, primary_ips, confirm=None):
    """Which of the fleet's kept primary IPv4s the deletion step removes, and whether it may.

    A kept address that is assigned again (given back by hand) or protected against deletion stops the step
    before anything is deleted: the API refuses to delete an assigned one (``must_be_unassigned``).
    """
    kept = _kept(primary_ips, fleet)
    problems = []
    for item in kept:
        if item.get("assignee_id") is not None:
            problems.append(
                "the kept primary IP %s (%s) is assigned to server %s again: unassign it, or remove its "
                "label %s if it stays" % (item.get("name"), item.get("ip"), item.get("assignee_id"), KEPT_SERVER_ID)
            )
        if item.get("delete_protection"):
            problems.append("the kept primary IP %s (%s) is protected against deletion: lift the protection first" % (item.get("name"), item.get("ip")))
    chosen = [
        {
            "id": item.get("id"),
            "name": item.get("name"),
            "ip": item.get("ip"),
            "from": (item.get("labels") or {}).get(KEPT_FROM),
            "on": (item.get("labels") or {}).get(KEPT_ON),
        }
        for item in kept
    ]
    lines = [
        "Kept IPv4 addresses of fleet %s: %s"
        % (
            fleet,
            "none" if not chosen else ", ".join("%s (%s, released from %s on %s)" % (item["ip"], item["name"], item["from"], item["on"]) for item in chosen),
        )
    ]
    return {"problems": problems, "delete": chosen if not problems else [], "lines": lines, "confirmed": confirm == fleet}
