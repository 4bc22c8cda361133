# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decisions of the Hetzner Cloud playbooks (private to the collection).

``playbooks/hcloud_provision.yml`` and ``playbooks/hcloud_teardown.yml`` read
the project through the hetzner.hcloud ``*_info`` modules, hand what they read
to these pure functions (through the ``ipv6ready.docker.hcloud_*`` filters),
and apply the result with the hetzner.hcloud modules. Everything here works on
plain dicts and lists, never talks to the API, and reports every problem as
``<variable>: <what is wrong>`` so that a run fails before the first change,
naming what to fix.

The facts about the API that the decisions rely on:

- a firewall rule lists at most 100 addresses, a firewall holds at most 50
  rules and 500 effective rules (each address of a rule counts once);
- the API returns firewall addresses canonical (lowercase, compressed), and the
  firewall module compares rules as lists, so prefixes are sent canonical,
  without duplicates and sorted: a re-run is idempotent however they were typed;
- ``server_types[].locations[]`` say, per location, whether the type can be
  ordered there now (``available``) and whether it is deprecated;
- the server module does not compare ``enable_ipv4`` on an existing server.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64, _prefix

FLEET_LABEL = "ipv6ready_fleet"
ROLE_LABEL = "ipv6ready_role"
DOCKER_HOST = "docker_host"
GATEWAY = "nat64_gateway"

MAX_DOCKER_HOSTS = 100
MAX_GATEWAYS = 10
# The failover agents' heartbeats (ipv6ready.docker.nat64_failover's default port).
FAILOVER_PORT = 6464
MAX_RULE_ADDRESSES = 100
MAX_RULES = 50
MAX_EFFECTIVE_RULES = 500
# An SSH source shorter than this (e.g. 2000::/3, all of today's global
# unicast space) opens SSH to (almost) the whole Internet, like ::/0.
WIDE_PREFIX_LENGTH = 16

ANY_IPV4 = "0.0.0.0/0"
ANY_IPV6 = "::/0"

FLEET_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
HCLOUD_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$")
PORT_RE = re.compile(r"^([0-9]{1,5})(-([0-9]{1,5}))?$")
COUNT_RE = re.compile(r"^[0-9]{1,3}$")
PUBLIC_KEY_RE = re.compile(
    r"^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r" [A-Za-z0-9+/]+=*( [^\n]*)?$"
)

TRUE_STRINGS = ("true", "yes", "on", "1")
FALSE_STRINGS = ("false", "no", "off", "0", "")


# ---------------------------------------------------------------------------
# Names and labels
# ---------------------------------------------------------------------------


def fleet_names(fleet):
    """Return the names of everything the fleet ``fleet`` owns (servers other than the Docker hosts, firewalls, key)."""
    return {
        "gateway": "%s-nat64" % fleet,
        "docker_firewall": "%s-docker-hosts" % fleet,
        "gateway_firewall": "%s-nat64-gateway" % fleet,
        "ssh_key": "%s-admin" % fleet,
        "label_selector": "%s=%s" % (FLEET_LABEL, fleet),
    }


def gateway_name(fleet, index):
    """Return the name of gateway number ``index``: ``<fleet>-nat64`` for the first (as with one gateway), then
    ``<fleet>-nat64-2``, ..."""
    return "%s-nat64" % fleet if index == 1 else "%s-nat64-%d" % (fleet, index)


def gateway_index(fleet, name):
    """Return the number of a gateway named by the fleet's naming, or None for any other name."""
    if name == "%s-nat64" % fleet:
        return 1
    match = re.match(r"^%s-nat64-([2-9]|10)$" % re.escape(fleet), name or "")
    return int(match.group(1)) if match else None


def floating_ip_name(fleet, index):
    """Return the name of floating IP number ``index``, the one whose home is gateway number ``index``."""
    return "%s-nat64-floating-%d" % (fleet, index)


def floating_ip_index(fleet, name):
    match = re.match(r"^%s-nat64-floating-([1-9]|10)$" % re.escape(fleet), name or "")
    return int(match.group(1)) if match else None


def docker_host_name(fleet, index):
    """Return the name of Docker host number ``index`` (1, 2, ...)."""
    return "%s-docker-%d" % (fleet, index)


def docker_host_index(fleet, name):
    """Return the number of a Docker host named by the fleet's naming, or None for any other name."""
    match = re.match(r"^%s-docker-([1-9][0-9]{0,2})$" % re.escape(fleet), name or "")
    return int(match.group(1)) if match else None


def fleet_name_problems(value, var="hcloud_fleet_name"):
    """Return why ``value`` cannot name a fleet (label value and the start of every server name)."""
    if isinstance(value, str) and FLEET_NAME_RE.match(value):
        return []
    return ["%s: %s is not 2 to 32 lowercase letters, digits and dashes starting with a letter and not ending with a dash" % (var, _show(value))]


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _show(value):
    """Quote a value the way YAML/JSON would, for messages (``"-1"``, ``["a"]``, ``null``)."""
    if isinstance(value, str):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def parse_bool(value):
    """Return ``value`` as a bool (booleans, and the strings ``-e`` passes), or None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_STRINGS + FALSE_STRINGS:
        return value.strip().lower() in TRUE_STRINGS
    return None


def is_list(value):
    """Whether ``value`` is a list (and not a string or a mapping, which are sequences too)."""
    return isinstance(value, (list, tuple))


def canonical_prefixes(values, var, version=6, family_hint=""):
    """Return ``(prefixes, problems)``: ``values`` as canonical prefixes, without duplicates, sorted.

    Each value may be written in any case and spelling (``2001:DB8:0::/48``,
    leading zeros, surrounding blanks); a single address without a length is a
    host prefix (``2001:db8::1`` is ``2001:db8::1/128``). Host bits are refused
    rather than silently cleared: ``2001:db8::1/64`` names an address, not a
    network. ``version`` requires that address family; ``family_hint`` is
    appended to the message for the wrong one.
    """
    if not is_list(values):
        return [], ["%s: %s is not a list" % (var, _show(values))]
    networks = []
    problems = []
    for value in values:
        text = value.strip() if isinstance(value, str) else value
        try:
            network = _prefix.parse_prefix(text, version=version, length_required=False)
        except _prefix.PrefixError as exc:
            if exc.kind == "version":
                reason = "is IPv%d; these rules are IPv%d only%s" % (exc.network.version, version, family_hint)
            elif exc.kind == "host_bits":
                reason = exc.reason
            else:
                reason = "is not an IP prefix (address/length)"
            problems.append("%s: %s %s" % (var, _show(value), reason))
            continue
        if network not in networks:
            networks.append(network)
    networks.sort(key=lambda item: (item.version, int(item.network_address), item.prefixlen))
    return [str(item) for item in networks], problems


def port_list(values, var):
    """Return ``(ports, problems)``: TCP ports and ranges as the API writes them (``"443"``, ``"8000-8100"``)."""
    if not is_list(values):
        return [], ["%s: %s is not a list" % (var, _show(values))]
    ports = []
    problems = []
    for value in values:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        match = PORT_RE.match(text) if text is not None else None
        bounds = [int(match.group(1)), int(match.group(3) or match.group(1))] if match else []
        if not match or min(bounds) < 1 or max(bounds) > 65535 or bounds[0] > bounds[1]:
            problems.append('%s: %s is not a TCP port (1-65535) or a range "from-to"' % (var, _show(value)))
            continue
        port = str(bounds[0]) if bounds[0] == bounds[1] else "%d-%d" % tuple(bounds)
        if port not in ports:
            ports.append(port)
    return ports, problems


def public_key_problem(text, path, var="hcloud_fleet_ssh_public_key_path"):
    """Return why ``text`` (the content of ``path``) is not one OpenSSH public key line, or None."""
    text = (text or "").strip()
    if "PRIVATE KEY" in text:
        return "%s: %s is a PRIVATE key; give the matching .pub file" % (var, path)
    if not PUBLIC_KEY_RE.match(text):
        return "%s: %s does not hold an OpenSSH public key (type, base64 key, optional comment on one line)" % (var, path)
    return None


def key_material(public_key):
    """The base64 part of an OpenSSH public key line: what makes two keys the same key."""
    parts = (public_key or "").split()
    return parts[1] if len(parts) > 1 else None


# ---------------------------------------------------------------------------
# Firewall rules
# ---------------------------------------------------------------------------


def rule(description, protocol, port, sources):
    """One inbound rule in the form the firewall module takes and returns."""
    return {"description": description, "direction": "in", "protocol": protocol, "port": port, "source_ips": list(sources), "destination_ips": []}


def docker_host_rules(ssh_sources, app_ports, app_sources):
    """The Docker hosts' rules: SSH from the admins, ICMPv6 from anywhere, the app's ports from their sources."""
    rules = [
        rule("SSH", "tcp", "22", ssh_sources),
        rule("ICMPv6 (ping, Packet Too Big for path MTU discovery)", "icmp", None, [ANY_IPV6]),
    ]
    rules += [rule("App port %s" % port, "tcp", port, app_sources) for port in app_ports]
    return rules


def gateway_rules(ssh_sources, client_prefixes, gateway_prefixes=(), failover_port=FAILOVER_PORT):
    """The gateway's rules.

    SSH from the admins; ICMP from anywhere over both families (Packet Too Big
    and Fragmentation Needed for path MTU discovery of the gateway's own and of
    the translated flows, and echo); DNS64 and the translator (TCP and UDP)
    from the clients' prefixes only. The ICMPv6 rule covers the clients' ICMP
    through the translator too; the gateway's own ip6tables allowlist
    (nat64_gateway role) decides who may use the translator. With no client
    prefix, DNS64 and the translator stay closed, never open to everyone.
    With several gateways (``gateway_prefixes``, their /64s), the failover
    agents' heartbeats (UDP ``failover_port``) between them.
    """
    rules = [
        rule("SSH", "tcp", "22", ssh_sources),
        rule("ICMPv6 (ping, Packet Too Big for path MTU discovery)", "icmp", None, [ANY_IPV6]),
        rule("ICMP over IPv4 (ping, Fragmentation Needed for the translated flows)", "icmp", None, [ANY_IPV4]),
    ]
    if client_prefixes:
        rules += [
            rule("DNS64 (unbound), UDP", "udp", "53", client_prefixes),
            rule("DNS64 (unbound), TCP", "tcp", "53", client_prefixes),
            rule("NAT64 (TAYGA), TCP", "tcp", "any", client_prefixes),
            rule("NAT64 (TAYGA), UDP", "udp", "any", client_prefixes),
        ]
    if len(gateway_prefixes) > 1:
        rules.append(rule("NAT64 failover heartbeats, between the gateways", "udp", str(failover_port), gateway_prefixes))
    return rules


def rule_problems(rules, firewall):
    """Return what makes the API refuse ``rules`` for the firewall named ``firewall`` (its limits)."""
    problems = []
    for rule_ in rules:
        for key in ("source_ips", "destination_ips"):
            count = len(rule_.get(key) or [])
            if count > MAX_RULE_ADDRESSES:
                problems.append(
                    'firewall %s: the rule "%s" would list %d addresses in %s; the API takes at most %d '
                    "per rule" % (firewall, rule_.get("description"), count, key, MAX_RULE_ADDRESSES)
                )
    if len(rules) > MAX_RULES:
        problems.append("firewall %s: %d rules; the API takes at most %d" % (firewall, len(rules), MAX_RULES))
    effective = sum(max(len(item.get("source_ips") or []), len(item.get("destination_ips") or []), 1) for item in rules)
    if effective > MAX_EFFECTIVE_RULES:
        problems.append("firewall %s: %d effective rules (one per address of each rule); the API takes at most %d" % (firewall, effective, MAX_EFFECTIVE_RULES))
    return problems


# ---------------------------------------------------------------------------
# Provisioning: the settings
# ---------------------------------------------------------------------------


def ssh_sources(values, allow_any, var="hcloud_fleet_ssh_source_ips", allow_var="hcloud_fleet_ssh_allow_any"):
    """Return ``(sources, problems, warnings)`` for the SSH rule of every server.

    There is no default: the admins' prefixes are required. SSH from the whole
    Internet (``::/0``, or any prefix shorter than /16) needs ``allow_var``
    set to true, and then comes with a warning.
    """
    family_hint = " (the Docker hosts have no IPv4, the inventory connects over IPv6)"
    sources, problems = canonical_prefixes(values, var, family_hint=family_hint)
    allow = parse_bool(allow_any)
    if allow is None:
        problems.append("%s: %s is not a boolean" % (allow_var, _show(allow_any)))
        return sources, problems, []
    if allow:
        warning = (
            "WARNING: SSH (port 22) of every server of the fleet is open to the whole Internet (%s: true). "
            "List the prefixes you administer from in %s and drop %s to close it." % (allow_var, var, allow_var)
        )
        return [ANY_IPV6], problems, [warning]
    wide = [item for item in sources if ipaddress.ip_network(item).prefixlen < WIDE_PREFIX_LENGTH]
    for item in wide:
        problems.append(
            '%s: "%s" opens SSH to (almost) the whole Internet; list the prefixes you administer from, '
            "or set %s: true to open SSH to everyone on purpose" % (var, item, allow_var)
        )
    if not sources and not problems and is_list(values):
        problems.append(
            "%s: is required and has no default: list the IPv6 prefixes you administer from (e.g. your "
            "network's /56 or /64, or your address as a /128); to allow SSH from anywhere instead, set "
            "%s: true" % (var, allow_var)
        )
    return [item for item in sources if item not in wide], problems, []


def _name_problems(settings, names):
    problems = []
    for var in names:
        value = settings.get(var)
        if not isinstance(value, str) or not HCLOUD_NAME_RE.match(value):
            problems.append("%s: %s is not a Hetzner Cloud name (letters, digits, dots, dashes, underscores)" % (var, _show(value)))
    return problems


def fleet_plan(settings, facts=None):
    """Check the provisioning settings and return the plan (a dict; ``problems`` lists what is wrong).

    ``settings`` holds the playbook's ``hcloud_fleet_*`` variables by name;
    ``facts`` what only the controller knows: ``ssh_public_key_path_is_file``,
    ``ssh_public_key`` (the file's content), ``group_vars_file_is_dir``.
    Every problem is reported, each naming its variable.
    """
    facts = facts or {}
    problems = []
    warnings = []
    name = settings.get("hcloud_fleet_name")
    problems += fleet_name_problems(name)
    fleet = name if isinstance(name, str) else ""

    raw_count = settings.get("hcloud_fleet_docker_host_count")
    count_text = str(raw_count).strip() if isinstance(raw_count, (int, str)) and not isinstance(raw_count, bool) else ""
    count = int(count_text) if COUNT_RE.match(count_text) else None
    if count is None or count > MAX_DOCKER_HOSTS:
        problems.append("hcloud_fleet_docker_host_count: %s is not a whole number from 0 to %d" % (_show(raw_count), MAX_DOCKER_HOSTS))
        count = 0

    raw_gateways = settings.get("hcloud_fleet_gateway_count", 1)
    gateways_text = str(raw_gateways).strip() if isinstance(raw_gateways, (int, str)) and not isinstance(raw_gateways, bool) else ""
    gateway_count = int(gateways_text) if COUNT_RE.match(gateways_text) else None
    if gateway_count is None or not 1 <= gateway_count <= MAX_GATEWAYS:
        problems.append("hcloud_fleet_gateway_count: %s is not a whole number from 1 to %d" % (_show(raw_gateways), MAX_GATEWAYS))
        gateway_count = 1

    problems += _name_problems(
        settings,
        [
            "hcloud_fleet_location",
            "hcloud_fleet_image",
            "hcloud_fleet_gateway_server_type",
            "hcloud_fleet_docker_host_server_type",
            "hcloud_fleet_ssh_key_name",
        ],
    )

    key_path = settings.get("hcloud_fleet_ssh_public_key_path")
    public_key = (facts.get("ssh_public_key") or "").strip()
    if not isinstance(key_path, str) or not key_path:
        problems.append("hcloud_fleet_ssh_public_key_path: give the path of an SSH public key (.pub)")
    elif not facts.get("ssh_public_key_path_is_file"):
        problems.append("hcloud_fleet_ssh_public_key_path: %s is not a file" % key_path)
    else:
        problem = public_key_problem(public_key, key_path)
        if problem:
            problems.append(problem)

    ssh, found, warned = ssh_sources(settings.get("hcloud_fleet_ssh_source_ips"), settings.get("hcloud_fleet_ssh_allow_any", False))
    problems += found
    warnings += warned
    app_ports, found = port_list(settings.get("hcloud_fleet_app_ports"), "hcloud_fleet_app_ports")
    problems += found
    app_sources, found = canonical_prefixes(
        settings.get("hcloud_fleet_app_source_ips"), "hcloud_fleet_app_source_ips", family_hint=" (the Docker hosts have no IPv4)"
    )
    problems += found
    if app_ports and not app_sources and not found:
        problems.append("hcloud_fleet_app_source_ips: is empty, but hcloud_fleet_app_ports opens ports")
    extra, found = canonical_prefixes(
        settings.get("hcloud_fleet_extra_client_prefixes"), "hcloud_fleet_extra_client_prefixes", family_hint=" (NAT64 and DNS64 serve IPv6 clients)"
    )
    problems += found

    for var, values in (("hcloud_fleet_ssh_source_ips", ssh), ("hcloud_fleet_app_source_ips", app_sources)):
        if len(values) > MAX_RULE_ADDRESSES:
            problems.append("%s: %d prefixes; a Hetzner firewall rule takes at most %d" % (var, len(values), MAX_RULE_ADDRESSES))
    if count + len(extra) > MAX_RULE_ADDRESSES:
        problems.append(
            "hcloud_fleet_extra_client_prefixes: %d prefixes plus the /64s of %d Docker hosts (%s) make %d "
            "in the gateway's NAT64/DNS64 rules; a Hetzner firewall rule takes at most %d"
            % (len(extra), count, "hcloud_fleet_docker_host_count", count + len(extra), MAX_RULE_ADDRESSES)
        )

    group_vars_file = settings.get("hcloud_fleet_group_vars_file", "")
    if group_vars_file is None:
        group_vars_file = ""
    if not isinstance(group_vars_file, str):
        problems.append("hcloud_fleet_group_vars_file: %s is not a path (or empty)" % _show(group_vars_file))
    elif group_vars_file and facts.get("group_vars_file_is_dir"):
        problems.append("hcloud_fleet_group_vars_file: %s is a directory; name the file to write" % group_vars_file)

    # The gateway's /64 is not known before its server exists: the offset is
    # checked on its own, as the nat64_gateway role checks its own.
    problems += _nat64.carve_problems(
        _nat64.CARVE_STAND_IN,
        "the gateway /64",
        offset=str(settings.get("hcloud_fleet_nat64_carve_offset", _nat64.DEFAULT_OFFSET)),
        offset_name="hcloud_fleet_nat64_carve_offset",
    )

    names = fleet_names(fleet)
    docker_rules = docker_host_rules(ssh, app_ports, app_sources)
    problems += rule_problems(docker_rules, names["docker_firewall"])
    return {
        "problems": problems,
        "warnings": warnings,
        "name": fleet,
        "names": names,
        "labels": {FLEET_LABEL: fleet},
        "docker_host_labels": {FLEET_LABEL: fleet, ROLE_LABEL: DOCKER_HOST},
        "gateway_labels": {FLEET_LABEL: fleet, ROLE_LABEL: GATEWAY},
        "docker_hosts": [docker_host_name(fleet, index) for index in range(1, count + 1)],
        "gateways": [gateway_name(fleet, index) for index in range(1, gateway_count + 1)],
        # One floating IPv6 /64 per gateway, its home, when there are two or more (docs/availability.md).
        "floating_ips": (
            [{"name": floating_ip_name(fleet, index), "home": gateway_name(fleet, index)} for index in range(1, gateway_count + 1)] if gateway_count > 1 else []
        ),
        "location": settings.get("hcloud_fleet_location"),
        "image": settings.get("hcloud_fleet_image"),
        "server_types": {DOCKER_HOST: settings.get("hcloud_fleet_docker_host_server_type"), GATEWAY: settings.get("hcloud_fleet_gateway_server_type")},
        "ssh_key_name": settings.get("hcloud_fleet_ssh_key_name"),
        "public_key": public_key,
        "ssh_source_ips": ssh,
        "app_ports": app_ports,
        "app_source_ips": app_sources,
        "extra_client_prefixes": extra,
        "docker_host_rules": docker_rules,
        "group_vars_file": group_vars_file,
    }


# ---------------------------------------------------------------------------
# Provisioning: the project as it is
# ---------------------------------------------------------------------------

TYPE_VARS = {DOCKER_HOST: "hcloud_fleet_docker_host_server_type", GATEWAY: "hcloud_fleet_gateway_server_type"}


def _parse_time(value):
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def type_location_problems(role, server_type, location, server_types, now=None):
    """Return ``(problems, warnings)`` for ordering ``server_type`` in ``location`` (server_type_info entries).

    The API's own ``locations[]`` of the type decide: the type must be offered
    in the location, ``available`` there now (a hetzner.hcloud older than 6.9
    does not return it; then only the deprecation is checked), and not past its
    ``unavailable_after`` there.
    """
    var = TYPE_VARS[role]
    now = now or _now()
    entry = next((item for item in server_types or [] if item.get("name") == server_type), None)
    if entry is None:
        known = sorted(item.get("name") for item in server_types or [] if item.get("name"))
        return ['%s: "%s" is not a server type of this project (it has: %s)' % (var, server_type, ", ".join(known) or "none")], []
    offers = entry.get("locations") or []

    def orderable(offer):
        deprecation = offer.get("deprecation") or {}
        gone = _parse_time(deprecation.get("unavailable_after"))
        return offer.get("available") is not False and not (gone and gone <= now)

    elsewhere = sorted(offer.get("name") for offer in offers if orderable(offer) and offer.get("name") != location)
    where = ("it can be ordered in: %s" % ", ".join(elsewhere)) if elsewhere else "it cannot be ordered anywhere now"
    here = sorted(
        item.get("name")
        for item in server_types or []
        if item.get("architecture") == entry.get("architecture")
        and item.get("name") != server_type
        and any(offer.get("name") == location and orderable(offer) for offer in item.get("locations") or [])
    )
    if here:
        where += "; %s types that can be ordered in %s: %s" % (entry.get("architecture"), location, ", ".join(here))
    offer = next((item for item in offers if item.get("name") == location), None)
    if offer is None:
        return ['%s: "%s" is not offered in %s (hcloud_fleet_location); %s' % (var, server_type, location, where)], []
    if not orderable(offer):
        why = "not available" if offer.get("available") is False else "deprecated and no longer orderable"
        return ['%s: "%s" is %s in %s (hcloud_fleet_location) right now; %s' % (var, server_type, why, location, where)], []
    deprecation = offer.get("deprecation") or {}
    if deprecation:
        return [], ['%s: "%s" is deprecated in %s and can be ordered there until %s' % (var, server_type, location, deprecation.get("unavailable_after"))]
    return [], []


def ssh_key_choice(plan, ssh_keys):
    """Return ``(choice, problems)``: which project SSH key the servers get, and whether to upload it.

    A key with the same material already in the project is used as it is (the
    API refuses a second copy) and is never labelled or renamed, whatever its
    name: only a key this fleet uploaded carries the fleet's label, and only
    such a key is ever deleted by the teardown.
    """
    material = key_material(plan["public_key"])
    wanted = plan["ssh_key_name"]
    same = [key for key in ssh_keys or [] if key_material(key.get("public_key")) == material]
    named = [key for key in ssh_keys or [] if key.get("name") == wanted]
    if named and key_material(named[0].get("public_key")) != material:
        return {"name": wanted, "upload": False}, [
            "hcloud_fleet_ssh_key_name: the project already has an SSH key named %s with a different public key than "
            "%s; delete or rename that key, or set hcloud_fleet_ssh_key_name to another name." % (wanted, "hcloud_fleet_ssh_public_key_path")
        ]
    if not same:
        return {"name": wanted, "upload": True}, []
    key = same[0]
    ours = (key.get("labels") or {}).get(FLEET_LABEL) == plan["name"] and key.get("name") == wanted
    return {"name": key.get("name"), "upload": ours}, []


def _role(server):
    labels = server.get("labels") or {}
    return labels.get(FLEET_LABEL), labels.get(ROLE_LABEL)


def fleet_checks(plan, servers, server_types, locations, images, ssh_keys, now=None, floating_ips=None):
    """Check the plan against the project before anything is created.

    ``servers``, ``server_types``, ``locations``, ``images``, ``ssh_keys``
    and ``floating_ips`` are what the hetzner.hcloud ``*_info`` modules
    return. Returns a dict with ``problems`` and ``warnings``, the SSH key to
    use (``ssh_key``), the servers to ``create``, the fleet's Docker hosts
    and gateways beyond the wanted counts (``extra_docker_hosts``,
    ``extra_gateways``), and the floating IPs to create
    (``create_floating_ips``, each ``{name, home}``; an existing one is never
    touched, since the failover agents move it).
    """
    fleet = plan["name"]
    problems = []
    warnings = []
    by_name = {server.get("name"): server for server in servers or []}
    fleet_hosts = sorted((server for server in servers or [] if _role(server) == (fleet, DOCKER_HOST)), key=lambda server: server.get("name"))

    for name in plan["docker_hosts"]:
        server = by_name.get(name)
        if server is not None and _role(server) != (fleet, DOCKER_HOST):
            problems.append(
                "server %s already exists but is not a Docker host of the fleet %s (labels %s); rename or "
                "delete it, or choose another hcloud_fleet_name" % (name, fleet, server.get("labels") or {})
            )
    for server in fleet_hosts:
        if server.get("ipv4_address"):
            problems.append(
                "Docker host %s already exists with the public IPv4 address %s, but the fleet's Docker "
                "hosts are IPv6-only, and the server module does not remove IPv4 from an existing server. "
                "Delete the server (the next run creates it without IPv4) or unassign and delete its "
                "primary IPv4, then run again." % (server.get("name"), server.get("ipv4_address"))
            )
    for name in plan["gateways"]:
        gateway = by_name.get(name)
        if gateway is None:
            continue
        if _role(gateway) != (fleet, GATEWAY):
            problems.append(
                "server %s already exists but is not the NAT64 gateway of the fleet %s (labels %s); rename "
                "or delete it, or choose another hcloud_fleet_name" % (name, fleet, gateway.get("labels") or {})
            )
        elif not gateway.get("ipv4_address") or not gateway.get("ipv6"):
            problems.append(
                "NAT64 gateway %s exists without %s; the gateway needs both. Delete it (the next run "
                "creates it with IPv4 and IPv6) or assign the missing primary IP, then run again."
                % (name, "a public IPv4 address" if not gateway.get("ipv4_address") else "a public IPv6 network")
            )
    fleet_gateways = sorted(
        (server for server in servers or [] if _role(server) == (fleet, GATEWAY)), key=lambda server: gateway_index(fleet, server.get("name")) or 0
    )
    existing_ips = {item.get("name"): item for item in floating_ips or []}
    for wanted in plan.get("floating_ips") or []:
        item = existing_ips.get(wanted["name"])
        if item is None:
            continue
        if (item.get("labels") or {}).get(FLEET_LABEL) != fleet:
            problems.append(
                "floating IP %s already exists but is not the fleet %s's (labels %s); rename or delete "
                "it, or choose another hcloud_fleet_name" % (wanted["name"], fleet, item.get("labels") or {})
            )
        elif item.get("type") != "ipv6":
            problems.append(
                "floating IP %s is an %s address; the fleet's failover needs an IPv6 /64: delete it, the "
                "next run creates it" % (wanted["name"], item.get("type"))
            )

    create = {DOCKER_HOST: [name for name in plan["docker_hosts"] if name not in by_name], GATEWAY: [name for name in plan["gateways"] if name not in by_name]}
    location = plan["location"]
    known_locations = sorted(item.get("name") for item in locations or [] if item.get("name"))
    if any(create.values()) and location not in known_locations:
        problems.append('hcloud_fleet_location: "%s" is not a Hetzner Cloud location (there are: %s)' % (location, ", ".join(known_locations) or "none"))
    else:
        for role in (DOCKER_HOST, GATEWAY):
            if not create[role]:
                continue
            found, warned = type_location_problems(role, plan["server_types"][role], location, server_types, now=now)
            problems += found
            warnings += warned
            entry = next((item for item in server_types or [] if item.get("name") == plan["server_types"][role]), None)
            image = plan["image"]
            if entry is not None and not str(image).isdigit():
                architecture = entry.get("architecture")
                matching = [item for item in images or [] if item.get("name") == image]
                if not any(item.get("architecture") == architecture for item in matching):
                    have = sorted(set(item.get("architecture") for item in matching))
                    problems.append(
                        'hcloud_fleet_image: "%s" has no %s image, and %s "%s" is %s (%s)'
                        % (
                            image,
                            architecture,
                            TYPE_VARS[role],
                            entry.get("name"),
                            architecture,
                            "the image exists for: %s" % ", ".join(have) if have else "no system image has that name",
                        )
                    )
    problems = _unique(problems)
    warnings = _unique(warnings)

    clients = set(plan["docker_hosts"]) | set(server.get("name") for server in fleet_hosts)
    if len(clients) + len(plan["extra_client_prefixes"]) > MAX_RULE_ADDRESSES:
        problems.append(
            "hcloud_fleet_docker_host_count: the fleet would have %d Docker hosts (%d already exist) and "
            "%d hcloud_fleet_extra_client_prefixes, more than the %d addresses a Hetzner firewall rule "
            "takes for the gateway's NAT64/DNS64 rules" % (len(clients), len(fleet_hosts), len(plan["extra_client_prefixes"]), MAX_RULE_ADDRESSES)
        )

    key, found = ssh_key_choice(plan, ssh_keys)
    problems += found
    return {
        "problems": problems,
        "warnings": warnings,
        "ssh_key": key,
        "create": create,
        "extra_docker_hosts": [server.get("name") for server in fleet_hosts if server.get("name") not in plan["docker_hosts"]],
        "extra_gateways": [server.get("name") for server in fleet_gateways if server.get("name") not in plan["gateways"]],
        "create_floating_ips": [item for item in plan.get("floating_ips") or [] if item["name"] not in existing_ips],
    }


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


# ---------------------------------------------------------------------------
# Provisioning: the gateway's rules and the result
# ---------------------------------------------------------------------------


def client_prefixes(plan, docker_hosts):
    """The prefixes allowed to use NAT64/DNS64: the fleet's Docker hosts' /64s and the extra prefixes.

    Not the gateway's own /64: the gateway never needs its own translator or
    resolver through the firewall.
    """
    values = [server.get("ipv6") for server in docker_hosts or [] if server.get("ipv6")]
    prefixes, _problems = canonical_prefixes(values + list(plan["extra_client_prefixes"]), "client prefixes")
    return prefixes


def gateway_plan(plan, docker_hosts, gateways=None):
    """Return the gateways' ``rules``, the ``client_prefixes`` they admit, and the ``problems`` the API would raise.

    ``gateways`` are the fleet's gateways that exist (``hcloud_server_info``);
    with two or more, their /64s may send each other heartbeats.
    """
    clients = client_prefixes(plan, docker_hosts)
    ours = [server.get("ipv6") for server in gateways or [] if server.get("ipv6") and server.get("name") in plan.get("gateways", [])]
    gateway_prefixes, _problems = canonical_prefixes(ours, "gateway prefixes")
    rules = gateway_rules(plan["ssh_source_ips"], clients, gateway_prefixes if len(plan.get("gateways", [])) > 1 else [])
    return {"client_prefixes": clients, "rules": rules, "problems": rule_problems(rules, plan["names"]["gateway_firewall"])}


def first_address(prefix):
    """The first address of a prefix (``2001:db8:1::/64`` -> ``2001:db8:1::1``): what Hetzner configures on eth0."""
    network = ipaddress.ip_network(prefix, strict=False)
    return str(network.network_address + 1)


def _gateway_summary(gateway):
    return {
        "name": gateway.get("name"),
        "ipv4": gateway.get("ipv4_address"),
        "ipv6_prefix": canonical_prefixes([gateway.get("ipv6")], "gateway")[0][0],
        "ipv6_address": first_address(gateway.get("ipv6")),
    }


def fleet_summary(plan, gateway, docker_hosts, gateways=None, floating_ips=None):
    """Return what the provisioning reports and writes: the gateway(s), the floating IPs, the clients, the Docker hosts,
    and text lines.

    ``gateway`` is the first gateway; ``gateways`` all of the fleet's (when
    there are several) and ``floating_ips`` their floating IPs
    (``hcloud_floating_ip_info``), written as ``{name, network, home}``.
    """
    clients = client_prefixes(plan, docker_hosts)
    hosts = sorted(docker_hosts or [], key=lambda server: (docker_host_index(plan["name"], server.get("name")) or 0, server.get("name")))
    wanted = plan.get("gateways") or [gateway.get("name")]
    several = sorted((item for item in gateways or [] if item.get("name") in wanted and item.get("ipv6")), key=lambda item: wanted.index(item.get("name")))
    by_name = {item.get("name"): item for item in floating_ips or []}
    floating = [
        {"name": item["name"], "network": canonical_prefixes([by_name[item["name"]].get("ip")], "ip")[0][0], "home": item["home"]}
        for item in plan.get("floating_ips") or []
        if by_name.get(item["name"], {}).get("ip")
    ]
    summary = {
        "name": plan["name"],
        "gateway": _gateway_summary(gateway),
        "gateways": [_gateway_summary(item) for item in several] if len(wanted) > 1 else [],
        "floating_ips": floating,
        "client_prefixes": clients,
        "extra_client_prefixes": list(plan["extra_client_prefixes"]),
        "docker_hosts": dict((server.get("name"), server.get("ipv6")) for server in hosts),
    }
    hosts_text = ", ".join("%s %s" % (server.get("name"), server.get("ipv6")) for server in hosts)
    summary["lines"] = (
        [
            "NAT64 gateway %s: IPv4 %s, IPv6 %s (address %s)" % (shown["name"], shown["ipv4"], shown["ipv6_prefix"], shown["ipv6_address"])
            for shown in summary["gateways"] or [summary["gateway"]]
        ]
        + ["Floating IPv6 %s: %s, home %s" % (item["name"], item["network"], item["home"]) for item in floating]
        + ["Prefixes allowed to use NAT64 and DNS64: %s" % (", ".join(clients) or "none"), "Docker hosts (IPv6 only): %s" % (hosts_text or "none")]
    )
    return summary


# ---------------------------------------------------------------------------
# Teardown
# ---------------------------------------------------------------------------


def teardown_settings_problems(settings):
    """Check the teardown's settings before any request: the fleet's name is required, there is no default."""
    if settings.get("hcloud_fleet_name") is None:
        return ["hcloud_fleet_name: is required: name the fleet to remove (-e hcloud_fleet_name=<name>); the teardown has no default"]
    problems = fleet_name_problems(settings.get("hcloud_fleet_name"))
    key_name = settings.get("hcloud_fleet_ssh_key_name")
    if key_name is not None and (not isinstance(key_name, str) or not HCLOUD_NAME_RE.match(key_name)):
        problems.append("hcloud_fleet_ssh_key_name: %s is not a Hetzner Cloud name" % _show(key_name))
    group_vars_file = settings.get("hcloud_fleet_group_vars_file")
    if group_vars_file is not None and not isinstance(group_vars_file, str):
        problems.append("hcloud_fleet_group_vars_file: %s is not a path (or empty)" % _show(group_vars_file))
    confirm = settings.get("hcloud_fleet_teardown_confirm")
    if confirm is not None and not isinstance(confirm, str):
        problems.append("hcloud_fleet_teardown_confirm: %s is not the fleet's name" % _show(confirm))
    return problems


def teardown_plan(fleet, servers, firewalls, ssh_keys, ssh_key_name=None, confirm=None, floating_ips=None):
    """Decide what the teardown deletes, and whether it may.

    Only resources labelled ``ipv6ready_fleet=<fleet>`` are candidates (an SSH
    key without the label, e.g. one the provisioning found and reused, never
    is), and each must also follow the fleet's naming: servers
    ``<fleet>-nat64``, ``<fleet>-nat64-<n>`` (role nat64_gateway) and
    ``<fleet>-docker-<n>`` (role docker_host), the floating IPs
    ``<fleet>-nat64-floating-<n>``, the firewalls ``<fleet>-docker-hosts`` and
    ``<fleet>-nat64-gateway``, the key ``ssh_key_name`` (default
    ``<fleet>-admin``). Anything labelled but named otherwise is a problem, and
    then nothing is deleted. ``confirm`` must equal ``fleet``.
    """
    problems = fleet_name_problems(fleet)
    if problems:
        return {"problems": problems, "servers": [], "firewalls": [], "ssh_keys": [], "floating_ips": [], "empty": True, "lines": [], "confirmed": False}
    names = fleet_names(fleet)
    key_name = ssh_key_name or names["ssh_key"]

    def labelled(items):
        return sorted(
            (item for item in items or [] if (item.get("labels") or {}).get(FLEET_LABEL) == fleet),
            key=lambda item: (item.get("name") or "", item.get("id") or 0),
        )

    chosen = {"servers": [], "firewalls": [], "ssh_keys": [], "floating_ips": []}
    for server in labelled(servers):
        role = (server.get("labels") or {}).get(ROLE_LABEL)
        name = server.get("name")
        if (role == GATEWAY and gateway_index(fleet, name) is not None) or (role == DOCKER_HOST and docker_host_index(fleet, name) is not None):
            chosen["servers"].append(server)
        else:
            problems.append(
                "server %s carries %s=%s but does not follow the fleet's naming (%s or %s-nat64-<n> with "
                "role %s, %s-docker-<n> with role %s; it has role %s): delete it by hand or remove its label"
                % (name, FLEET_LABEL, fleet, names["gateway"], fleet, GATEWAY, fleet, DOCKER_HOST, role or "none")
            )
    for item in labelled(floating_ips):
        if floating_ip_index(fleet, item.get("name")) is not None:
            chosen["floating_ips"].append(item)
        else:
            problems.append(
                "floating IP %s carries %s=%s but is not named %s-nat64-floating-<n>: delete it by hand or "
                "remove its label" % (item.get("name"), FLEET_LABEL, fleet, fleet)
            )
    for firewall in labelled(firewalls):
        if firewall.get("name") in (names["docker_firewall"], names["gateway_firewall"]):
            chosen["firewalls"].append(firewall)
        else:
            problems.append(
                "firewall %s carries %s=%s but is neither %s nor %s: delete it by hand or remove its label"
                % (firewall.get("name"), FLEET_LABEL, fleet, names["docker_firewall"], names["gateway_firewall"])
            )
    for key in labelled(ssh_keys):
        if key.get("name") == key_name:
            chosen["ssh_keys"].append(key)
        else:
            problems.append(
                "SSH key %s carries %s=%s but is not named %s: if it is the fleet's key, give "
                "hcloud_fleet_ssh_key_name=%s; otherwise delete it by hand or remove its label"
                % (key.get("name"), FLEET_LABEL, fleet, key_name, key.get("name"))
            )

    def listed(kind, items):
        return "%s: %s" % (kind, ", ".join("%s (%s)" % (item.get("name"), item.get("id")) for item in items) or "none")

    empty = not any(chosen.values())
    result = {
        "problems": problems,
        "servers": [{"id": item.get("id"), "name": item.get("name")} for item in chosen["servers"]],
        "firewalls": [{"id": item.get("id"), "name": item.get("name")} for item in chosen["firewalls"]],
        "ssh_keys": [{"id": item.get("id"), "name": item.get("name")} for item in chosen["ssh_keys"]],
        "floating_ips": [{"id": item.get("id"), "name": item.get("name")} for item in chosen["floating_ips"]],
        "empty": empty,
        "confirmed": confirm == fleet,
        "lines": (
            [
                "Fleet %s: %s" % (fleet, "nothing to delete" if empty else "these will be deleted"),
                listed("servers", chosen["servers"]),
                listed("firewalls", chosen["firewalls"]),
                listed("SSH keys", chosen["ssh_keys"]),
            ]
            + ([listed("floating IPs", chosen["floating_ips"])] if chosen["floating_ips"] else [])
        ),
    }
    if not empty and not result["confirmed"]:
        result["confirm_message"] = (
            "hcloud_fleet_teardown_confirm: the resources listed above are deleted only when "
            "you confirm with -e hcloud_fleet_teardown_confirm=%s (the fleet's name); "
            "nothing was deleted" % fleet
        )
    return result
