# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small, stateful fake of the Hetzner Cloud API, served on loopback only.

It implements the part of https://docs.hetzner.cloud that the hetzner.hcloud
modules (server, ssh_key, firewall and their _info modules, server_type_info,
location_info, image_info) and the hetzner.hcloud.hcloud inventory plugin call,
in the shape the API has today (checked against hcloud-python 2.23 and the API
changelog; ``api_schema.py`` holds that shape and the tests check every answer
against it):

- catalog, read only: locations, server_types (each ``locations[]`` entry with
  ``available`` and ``recommended``), images;
- ``/datacenters`` is gone (410 ``deprecated_api_endpoint``, as since
  2026-10-01); servers and primary IPs carry a top-level ``location`` and no
  ``datacenter`` (removed 2026-07-01), and ``datacenter`` in ``POST /servers``
  is refused;
- ssh_keys, firewalls (with set_rules, apply_to_resources, remove_from_resources;
  rule addresses come back canonical, at most 100 per list, 50 rules and 500
  effective rules per firewall), servers (create, update, delete, power
  actions), primary_ips (read only);
- actions start ``running`` and finish after one or two polls of
  ``GET /actions/{id}`` (or after ``action_seconds``); ``fail_action`` makes
  one end in ``error`` with the API's error object.

Every request is checked for the Bearer token (401 ``unauthorized`` otherwise)
and every JSON body against the fields the API documents: an unknown field, a
missing required field or a value of the wrong type is a 422 ``invalid_input``
in the API's error format. Every request is recorded in ``requests``, with the
answer; a request the fake does not implement is answered in the API's error
format and recorded in ``unhandled`` too, so that a test can fail on it.

Servers get the /64 ``2001:db8:<n>::/64`` (documentation space) and, when IPv4
is enabled, an address out of 203.0.113.0/24.

Run it on its own for manual experiments::

    python tests/hcloud/fake_hcloud.py --port 8080 --token test-token
    HCLOUD_ENDPOINT=http://127.0.0.1:8080/v1 HCLOUD_TOKEN=test-token ansible-playbook ...
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import datetime
import hashlib
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/v1"
DEFAULT_LOCATION = "nbg1"
# Record-only address pools: servers get 2001:db8:<n>::/64 (the first /64 of
# the n-th /48 of 2001:db8::/32) and IPv4 hosts from 203.0.113.10 on. The twin
# gives each instance pools of its own (twin.py).
IPV4_POOL = "203.0.113.0/24"
IPV6_POOL = "2001:db8::/32"
IPV6_STEP = 48
# Firewall limits the API enforces (docs.hetzner.com, Cloud Firewalls, limits).
MAX_RULE_ADDRESSES = 100
MAX_RULES = 50
MAX_EFFECTIVE_RULES = 500

LOCATIONS = [
    {
        "id": 1,
        "name": "fsn1",
        "description": "Falkenstein DC Park 1",
        "country": "DE",
        "city": "Falkenstein",
        "latitude": 50.47612,
        "longitude": 12.370071,
        "network_zone": "eu-central",
    },
    {
        "id": 2,
        "name": "nbg1",
        "description": "Nuremberg DC Park 1",
        "country": "DE",
        "city": "Nuremberg",
        "latitude": 49.452102,
        "longitude": 11.076665,
        "network_zone": "eu-central",
    },
    {
        "id": 3,
        "name": "hel1",
        "description": "Helsinki DC Park 1",
        "country": "FI",
        "city": "Helsinki",
        "latitude": 60.169855,
        "longitude": 24.938379,
        "network_zone": "eu-central",
    },
    {
        "id": 4,
        "name": "ash",
        "description": "Ashburn, VA",
        "country": "US",
        "city": "Ashburn, VA",
        "latitude": 39.045821,
        "longitude": -77.487073,
        "network_zone": "us-east",
    },
    {
        "id": 5,
        "name": "hil",
        "description": "Hillsboro, OR",
        "country": "US",
        "city": "Hillsboro, OR",
        "latitude": 45.54222,
        "longitude": -122.951924,
        "network_zone": "us-west",
    },
    {
        "id": 6,
        "name": "sin",
        "description": "Singapore",
        "country": "SG",
        "city": "Singapore",
        "latitude": 1.283333,
        "longitude": 103.833333,
        "network_zone": "ap-southeast",
    },
]
EU = ("fsn1", "nbg1", "hel1")
CX22_DEPRECATION = {"announced": "2025-10-16T00:00:00+00:00", "unavailable_after": "2026-01-01T00:00:00+00:00"}


def _offer(names, available=True, recommended=True, deprecation=None, **overrides):
    """Per-location offer of a server type: ``{location: {available, recommended, deprecation}}``."""
    offer = {name: {"available": available, "recommended": recommended, "deprecation": deprecation} for name in names}
    for name, values in overrides.items():
        offer[name].update(values)
    return offer


# What a project sees in mid-2026: cx23 replaced cx22 and, like every cx type,
# is sold in the EU only; the Arm type cax11 is offered in nbg1 but often sold
# out there (available false); cpx22 is everywhere; cx22 is deprecated and can
# no longer be ordered anywhere (its top-level deprecation says so too).
SERVER_TYPES = [
    {
        "id": 104,
        "name": "cx23",
        "description": "CX23",
        "category": "cost_optimized",
        "cores": 2,
        "memory": 4.0,
        "disk": 40,
        "storage_type": "local",
        "cpu_type": "shared",
        "architecture": "x86",
        "deprecation": None,
        "locations": _offer(EU),
    },
    {
        "id": 45,
        "name": "cax11",
        "description": "CAX11",
        "category": "cost_optimized",
        "cores": 2,
        "memory": 4.0,
        "disk": 40,
        "storage_type": "local",
        "cpu_type": "shared",
        "architecture": "arm",
        "deprecation": None,
        "locations": _offer(EU, nbg1={"available": False, "recommended": False}),
    },
    {
        "id": 108,
        "name": "cpx22",
        "description": "CPX22",
        "category": "regular_purpose",
        "cores": 2,
        "memory": 4.0,
        "disk": 80,
        "storage_type": "local",
        "cpu_type": "shared",
        "architecture": "x86",
        "deprecation": None,
        "locations": _offer(EU + ("ash", "hil", "sin"), recommended=False, ash={"recommended": True}, hil={"recommended": True}, sin={"recommended": True}),
    },
    {
        "id": 22,
        "name": "cx22",
        "description": "CX22",
        "category": "cost_optimized",
        "cores": 2,
        "memory": 4.0,
        "disk": 40,
        "storage_type": "local",
        "cpu_type": "shared",
        "architecture": "x86",
        "deprecation": CX22_DEPRECATION,
        "locations": _offer(EU, available=False, recommended=False, deprecation=CX22_DEPRECATION),
    },
]
IMAGES = [
    {"id": 114690387, "name": "debian-12", "os_version": "12", "architecture": "x86"},
    {"id": 114690389, "name": "debian-12", "os_version": "12", "architecture": "arm"},
    {"id": 310557660, "name": "debian-13", "os_version": "13", "architecture": "x86"},
    {"id": 310557661, "name": "debian-13", "os_version": "13", "architecture": "arm"},
]
# Endpoints the API has removed: answered 410 like the real API, and recorded
# in ``gone`` so that a test can fail when anything still calls them.
GONE = {
    "datacenters": "the datacenters endpoints were removed on 2026-10-01; use locations and server_types[].locations[] instead",
}
# Request fields the API has removed, with the reason given in the error details.
REMOVED_REQUEST_FIELDS = {
    "create_server": {"datacenter": "removed on 2026-07-01; give location instead"},
    "create_primary_ip": {"datacenter": "removed on 2026-07-01; give location instead"},
}

SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
FIREWALL_PROTOCOLS = ("tcp", "udp", "icmp", "esp", "gre")
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
LABEL_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
LABEL_PREFIX_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
PORT_RE = re.compile(r"^(any|\d{1,5}(-\d{1,5})?)$")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


class ApiError(Exception):
    """An error answer in the API's format: ``{"error": {"code", "message", "details"}}``."""

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def payload(self):
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def invalid_input(field, message):
    """Return the 422 ``invalid_input`` error for ``field``, worded like the API's."""
    return invalid_fields([(field, message)])


def invalid_fields(problems):
    """Return one ``invalid_input`` error for several ``(field, message)`` problems, as the API reports them."""
    names = []
    for field, _message in problems:
        if field not in names:
            names.append(field)
    message = "invalid input in field%s %s" % ("s" if len(names) > 1 else "", ", ".join("'%s'" % name for name in names))
    details = [{"name": name, "messages": [text for field, text in problems if field == name]} for name in names]
    return ApiError(422, "invalid_input", message, {"fields": details})


# ---------------------------------------------------------------------------
# Request body schemas: {field: (kind, required)}; kind is a type name, a nested
# schema dict, or ('list', kind).
# ---------------------------------------------------------------------------

FIREWALL_RULE = {
    "direction": ("str", True),
    "protocol": ("str", True),
    "port": ("str", False),
    "source_ips": (("list", "str"), False),
    "destination_ips": (("list", "str"), False),
    "description": ("str", False),
}
FIREWALL_RESOURCE = {
    "type": ("str", True),
    "server": ({"id": ("int", True)}, False),
    "label_selector": ({"selector": ("str", True)}, False),
}
SCHEMAS = {
    "create_ssh_key": {"name": ("str", True), "public_key": ("str", True), "labels": ("labels", False)},
    "update": {"name": ("str", False), "labels": ("labels", False)},
    "create_firewall": {
        "name": ("str", True),
        "labels": ("labels", False),
        "rules": (("list", FIREWALL_RULE), False),
        "apply_to": (("list", FIREWALL_RESOURCE), False),
    },
    "set_rules": {"rules": (("list", FIREWALL_RULE), True)},
    "apply_to_resources": {"apply_to": (("list", FIREWALL_RESOURCE), True)},
    "remove_from_resources": {"remove_from": (("list", FIREWALL_RESOURCE), True)},
    "create_server": {
        "name": ("str", True),
        "server_type": ("id_or_name", True),
        "image": ("id_or_name", True),
        "location": ("id_or_name", False),
        "start_after_create": ("bool", False),
        "ssh_keys": (("list", "id_or_name"), False),
        "volumes": (("list", "int"), False),
        "networks": (("list", "int"), False),
        "firewalls": (("list", {"firewall": ("int", True)}), False),
        "user_data": ("str", False),
        "labels": ("labels", False),
        "automount": ("bool", False),
        "placement_group": ("int", False),
        "public_net": ({"enable_ipv4": ("bool", False), "enable_ipv6": ("bool", False), "ipv4": ("int", False), "ipv6": ("int", False)}, False),
    },
    "create_primary_ip": {
        "name": ("str", True),
        "type": ("str", True),
        "assignee_type": ("str", False),
        "assignee_id": ("int", False),
        "location": ("id_or_name", False),
        "auto_delete": ("bool", False),
        "labels": ("labels", False),
    },
    "update_primary_ip": {"name": ("str", False), "labels": ("labels", False), "auto_delete": ("bool", False)},
    "assign_primary_ip": {"assignee_id": ("int", True), "assignee_type": ("str", True)},
    "create_floating_ip": {
        "type": ("str", True),
        "server": ("int", False),
        "home_location": ("id_or_name", False),
        "description": ("str", False),
        "labels": ("labels", False),
        "name": ("str", False),
    },
    "update_floating_ip": {"name": ("str", False), "description": ("str", False), "labels": ("labels", False)},
    "assign_floating_ip": {"server": ("int", True)},
    "change_protection": {"delete": ("bool", False)},
    "no_body": {},
}

LIST_PARAMS = {
    "locations": ("name", "sort"),
    "server_types": ("name",),
    "images": ("name", "label_selector", "bound_to", "type", "architecture", "sort", "status", "include_deprecated"),
    "ssh_keys": ("name", "fingerprint", "label_selector", "sort"),
    "firewalls": ("name", "label_selector", "sort"),
    "servers": ("name", "label_selector", "status", "sort"),
    "primary_ips": ("name", "label_selector", "ip", "sort"),
    "floating_ips": ("name", "label_selector", "sort"),
    "actions": ("id", "status", "sort"),
}


def _check_value(field, kind, value):
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            raise invalid_input(field, "must be an object")
        validate_body(value, kind, field + ".")
    elif isinstance(kind, tuple):
        if not isinstance(value, list):
            raise invalid_input(field, "must be a list")
        for index, item in enumerate(value):
            _check_value("%s[%d]" % (field, index), kind[1], item)
    elif kind == "str":
        if not isinstance(value, str):
            raise invalid_input(field, "must be a string")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_input(field, "must be an integer")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise invalid_input(field, "must be a boolean")
    elif kind == "id_or_name":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise invalid_input(field, "must be an ID or a name")
    elif kind == "labels":
        check_labels(field, value)
    else:  # pragma: no cover - a schema typo
        raise ValueError("unknown schema kind %r" % (kind,))


def validate_body(body, schema, prefix="", removed=None):
    """Raise ``invalid_input`` for an unknown, removed, missing or mistyped field of ``body``."""
    if not isinstance(body, dict):
        raise invalid_input(prefix.rstrip(".") or "body", "must be a JSON object")
    for key in body:
        if key in (removed or {}):
            raise invalid_input(prefix + key, removed[key])
        if key not in schema:
            raise invalid_input(prefix + key, "unknown field")
    for key, (kind, required) in schema.items():
        if key not in body or body[key] is None:
            if required:
                raise invalid_input(prefix + key, "is required")
            continue
        _check_value(prefix + key, kind, body[key])


def check_labels(field, labels):
    """Check labels against the rules in the API documentation (section Labels)."""
    if not isinstance(labels, dict):
        raise invalid_input(field, "must be an object of strings")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise invalid_input(field, "value of label %r must be a string" % key)
        prefix, _sep, name = key.rpartition("/")
        if prefix and (not LABEL_PREFIX_RE.match(prefix) or prefix == "hetzner.cloud"):
            raise invalid_input(field, "label key %r has an invalid or reserved prefix" % key)
        if not LABEL_NAME_RE.match(name):
            raise invalid_input(field, "label key %r is invalid" % key)
        if value and not LABEL_NAME_RE.match(value):
            raise invalid_input(field, "label value %r of %r is invalid" % (value, key))


def split_selector(selector):
    """Split a label selector on the commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts]


def label_selector_matches(labels, selector):
    """Return whether ``labels`` match the label selector (section Label Selector of the API docs)."""
    for expression in split_selector(selector):
        match = re.match(r"^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$", expression)
        if match:
            values = [item.strip() for item in match.group(3).split(",")]
            found = match.group(1) in labels and labels[match.group(1)] in values
            if found != (match.group(2) == "in"):
                return False
            continue
        match = re.match(r"^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$", expression)
        if match:
            key, operator, value = match.groups()
            equal = labels.get(key) == value
            if equal != (operator != "!="):
                return False
            continue
        match = re.match(r"^!\s*([^\s!=(),]+)$", expression)
        if match:
            if match.group(1) in labels:
                return False
            continue
        match = re.match(r"^([^\s!=(),]+)$", expression)
        if match:
            if match.group(1) not in labels:
                return False
            continue
        raise ApiError(422, "invalid_input", "invalid label_selector: %r" % selector, {"fields": [{"name": "label_selector", "messages": ["is invalid"]}]})
    return True


def ssh_fingerprint(public_key):
    """Return the MD5 fingerprint the API shows for an OpenSSH public key, or raise ``invalid_input``."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise invalid_input("public_key", "is not a valid SSH public key")
    try:
        blob = base64.b64decode(parts[1].encode("ascii"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_input("public_key", "is not a valid SSH public key") from exc
    length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if blob[4 : 4 + length] != parts[0].encode("ascii"):
        raise invalid_input("public_key", "is not a valid SSH public key")
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()  # the API's fingerprint format
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def check_firewall_rule(field, rule):
    """Check one firewall rule the way the API does."""
    if rule["direction"] not in ("in", "out"):
        raise invalid_input(field + ".direction", "must be one of in, out")
    if rule["protocol"] not in FIREWALL_PROTOCOLS:
        raise invalid_input(field + ".protocol", "must be one of %s" % ", ".join(FIREWALL_PROTOCOLS))
    port = rule.get("port")
    if rule["protocol"] in ("tcp", "udp"):
        if port is None:
            raise invalid_input(field + ".port", "is required for protocol %s" % rule["protocol"])
        if not PORT_RE.match(port):
            raise invalid_input(field + ".port", 'must be a port, a range "from-to" or "any"')
        if port != "any":
            bounds = [int(item) for item in port.split("-")]
            if not all(1 <= item <= 65535 for item in bounds) or bounds != sorted(bounds):
                raise invalid_input(field + ".port", "must be between 1 and 65535, lower bound first")
    elif port is not None:
        raise invalid_input(field + ".port", "is not allowed for protocol %s" % rule["protocol"])
    sources = rule.get("source_ips") or []
    destinations = rule.get("destination_ips") or []
    if rule["direction"] == "in" and (not sources or destinations):
        raise invalid_input(field + ".source_ips", "inbound rules need source_ips and no destination_ips")
    if rule["direction"] == "out" and (not destinations or sources):
        raise invalid_input(field + ".destination_ips", "outbound rules need destination_ips and no source_ips")
    for key, values in (("source_ips", sources), ("destination_ips", destinations)):
        for value in values:
            try:
                ipaddress.ip_network(value, strict=True)
            except ValueError as exc:
                raise invalid_input("%s.%s" % (field, key), "%r is not a network in CIDR notation" % value) from exc
    if len(rule.get("description") or "") > 255:
        raise invalid_input(field + ".description", "is too long")


def canonical_address(value):
    """An address list entry as the API returns it: lowercase, compressed (``2001:DB8:0::/32`` -> ``2001:db8::/32``)."""
    return str(ipaddress.ip_network(value, strict=True))


def check_firewall_rules(field, rules):
    """Check a firewall's rules the way the API does; return them in the stored, canonical form.

    Beyond each rule's own checks: at most 100 addresses in one list (all lists
    over the limit are reported in one error, like the API does), at most 50
    rules, and at most 500 effective rules (each address of a rule counts once).
    """
    result = []
    for index, rule in enumerate(rules):
        check_firewall_rule("%s[%d]" % (field, index), rule)
        result.append(
            {
                "description": rule.get("description"),
                "direction": rule["direction"],
                "protocol": rule["protocol"],
                "port": rule.get("port"),
                "source_ips": [canonical_address(item) for item in rule.get("source_ips") or []],
                "destination_ips": [canonical_address(item) for item in rule.get("destination_ips") or []],
            }
        )
    too_long = [
        ("%s[%d].%s" % (field, index, key), "value required to be smaller")
        for index, rule in enumerate(result)
        for key in ("source_ips", "destination_ips")
        if len(rule[key]) > MAX_RULE_ADDRESSES
    ]
    if too_long:
        raise invalid_fields(too_long)
    if len(result) > MAX_RULES:
        raise invalid_input(field, "value required to be smaller")
    effective = sum(max(len(rule["source_ips"]), len(rule["destination_ips"]), 1) for rule in result)
    if effective > MAX_EFFECTIVE_RULES:
        # The message is the one users report from the API; the code is the
        # API's documented one for exceeded limits.
        raise ApiError(403, "resource_limit_exceeded", "firewall limit exceeded", {"limit": MAX_EFFECTIVE_RULES, "effective_rules": effective})
    return result


class FakeHcloud:
    """The fake API: state, request log and an HTTP server on a loopback address."""

    def __init__(self, token, host="127.0.0.1", port=0, action_polls=None, action_seconds=10.0, backend=None):
        """``action_polls``: ``{command: n}``, how many polls of ``GET /actions/{id}`` an action of that command
        takes to finish (default 1: the first poll sees it finished; ``create_server`` takes 2). An action that
        nobody polls finishes ``action_seconds`` after it started.

        ``backend``: None records only (the state lives in memory and nothing else happens); the twin
        (``twin.Twin``) makes every server a real host (see README.md). It gives the address pools and the
        further addresses the API listens on (inside the twin), and an action whose work runs on the backend
        finishes only when that work is done."""
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the fake Hetzner Cloud API listens on loopback only, not on %s" % host)
        self.token = token
        self.host = host
        self.port = port
        self.backend = backend
        self.requests = []
        self.unhandled = []
        self.gone = []
        self.action_polls = dict({"create_server": 2}, **(action_polls or {}))
        self.action_seconds = action_seconds
        self._pending = {}
        self._failures = []
        self.servers = {}
        self.ssh_keys = {}
        self.firewalls = {}
        self.primary_ips = {}
        self.floating_ips = {}
        self.actions = {}
        self._ids = {"server": 100000, "ssh_key": 200000, "firewall": 300000, "primary_ip": 400000, "floating_ip": 500000, "action": 900000}
        # Addresses: IPv4 hosts out of ipv4_pool (the lowest free one), IPv6 /64s one per block of
        # /ipv6_step out of ipv6_pool (its first /64), never reused.
        self.ipv4_pool = ipaddress.IPv4Network(getattr(backend, "ipv4_pool", IPV4_POOL))
        self.ipv6_pool = ipaddress.IPv6Network(getattr(backend, "ipv6_pool", IPV6_POOL))
        self.ipv6_step = getattr(backend, "ipv6_step", IPV6_STEP)
        self._ipv4_first = getattr(backend, "ipv4_first", 10)
        self._ipv6_networks = 0
        self._lock = threading.RLock()
        self._httpd = None
        self._thread = None
        self._servers_inside = []
        if backend is not None:
            backend.attach(self)

    # -- life cycle ----------------------------------------------------------

    def start(self):
        """Start serving in a background thread; return self.

        With a backend, also on the backend's ``api_addresses`` (the same port), so that servers reach the API
        the way they reach Hetzner's."""
        handler = type("FakeHcloudHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-hcloud", daemon=True)
        self._thread.start()
        for address in getattr(self.backend, "api_addresses", ()):
            server_class = _ThreadingHTTPServer6 if ":" in address else ThreadingHTTPServer
            httpd = server_class((address, self.port), handler)
            httpd.daemon_threads = True
            thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-hcloud-inside", daemon=True)
            thread.start()
            self._servers_inside.append((httpd, thread))
        return self

    def stop(self):
        """Stop serving."""
        for httpd, thread in self._servers_inside:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=10)
        self._servers_inside = []
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=10)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def endpoint(self):
        """The value for HCLOUD_ENDPOINT."""
        return "http://%s:%d%s" % (self.host, self.port, API_PREFIX)

    # -- helpers for tests ---------------------------------------------------

    def calls(self, method=None, path=None):
        """Return the recorded requests, filtered by method and a path regular expression."""
        with self._lock:
            return [dict(item) for item in self.requests if (method is None or item["method"] == method) and (path is None or re.fullmatch(path, item["path"]))]

    def mutating_calls(self):
        """Return the recorded requests that are not GET."""
        return [item for item in self.calls() if item["method"] != "GET"]

    def responses(self):
        """Return ``(method, path, status, answer)`` of every recorded request that had a JSON answer."""
        with self._lock:
            return [
                (item["method"], item["path"], item["status"], copy.deepcopy(item["response"])) for item in self.requests if item.get("response") is not None
            ]

    def fail_action(self, command, code="action_failed", message="Action failed", server_name=None):
        """Make the next action ``command`` (on the server named ``server_name``, if given) end in ``error``.

        The action starts ``running`` like any other and ends with ``status: error`` and the API's error object
        ``{"code", "message"}``; a failed ``create_server`` leaves no server behind.
        """
        with self._lock:
            self._failures.append({"command": command, "server_name": server_name, "error": {"code": code, "message": message}})

    def seed_server(self, name, labels=None, enable_ipv4=True, enable_ipv6=True, server_type="cx23", image="debian-12", location=None):
        """Create a server directly in the state (no request is recorded, its actions are done); return its JSON."""
        with self._lock:
            body = {
                "name": name,
                "server_type": server_type,
                "image": image,
                "labels": labels or {},
                "public_net": {"enable_ipv4": enable_ipv4, "enable_ipv6": enable_ipv6},
            }
            if location:
                body["location"] = location
            server_id = self._create_server(body)[1]["server"]["id"]
            self._finish_pending()
            return self._server_json(self.servers[server_id])

    def seed_ssh_key(self, name, public_key, labels=None):
        """Create an SSH key directly in the state; return its JSON."""
        with self._lock:
            return self._create_ssh_key({"name": name, "public_key": public_key, "labels": labels or {}})[1]["ssh_key"]

    def seed_firewall(self, name, rules, labels=None, servers=()):
        """Create a firewall directly in the state, applied to the servers with these IDs; return its JSON."""
        with self._lock:
            apply_to = [{"type": "server", "server": {"id": server_id}} for server_id in servers]
            body = {"name": name, "rules": rules, "labels": labels or {}, "apply_to": apply_to}
            firewall = self._create_firewall(body)[1]["firewall"]
            self._finish_pending()
            return firewall

    def _listed(self, kind, render):
        """Every item of the state's table ``kind`` (by ID) as the API shows it (``render``)."""
        with self._lock:
            return [render(item) for item in sorted(getattr(self, kind).values(), key=lambda item: item["id"])]

    def server_list(self):
        """Return every server as the API shows it."""
        return self._listed("servers", self._server_json)

    def firewall_list(self):
        """Return every firewall as the API shows it."""
        return self._listed("firewalls", self._firewall_json)

    def ssh_key_list(self):
        """Return every SSH key as the API shows it."""
        return self._listed("ssh_keys", copy.deepcopy)

    def primary_ip_list(self):
        """Return every primary IP as the API shows it."""
        return self._listed("primary_ips", self._primary_ip_json)

    def floating_ip_list(self):
        """Return every floating IP as the API shows it."""
        return self._listed("floating_ips", self._floating_ip_json)

    def seed_primary_ip(self, name, family, location=DEFAULT_LOCATION, labels=None, auto_delete=False):
        """Create an unassigned primary IP directly in the state; return its JSON."""
        with self._lock:
            body = {"name": name, "type": family, "location": location, "labels": labels or {}, "auto_delete": auto_delete}
            return self._create_primary_ip(body)[1]["primary_ip"]

    def seed_floating_ip(self, name, family, home_location=DEFAULT_LOCATION, server=None, labels=None):
        """Create a floating IP directly in the state (assigned to the server with ID ``server``); return its JSON."""
        with self._lock:
            body = {"name": name, "type": family, "labels": labels or {}}
            body.update({"server": server} if server is not None else {"home_location": home_location})
            floating_ip = self._create_floating_ip(body)[1]["floating_ip"]
            self._finish_pending()
            return floating_ip

    # -- request handling ----------------------------------------------------

    def handle(self, method, raw_path, headers, raw_body):
        """Answer one request: return ``(status, payload or None)`` and record it."""
        split = urlsplit(raw_path)
        path = split.path[len(API_PREFIX) :] if split.path.startswith(API_PREFIX + "/") else split.path
        query = parse_qs(split.query, keep_blank_values=True)
        record = {
            "method": method,
            "path": path,
            "query": query,
            "body": None,
            "status": None,
            "authorized": headers.get("Authorization") == "Bearer %s" % self.token,
        }
        body_error = None
        if raw_body:
            try:
                record["body"] = json.loads(raw_body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                record["body"] = raw_body.decode("utf-8", "replace")
                body_error = ApiError(400, "json_error", "invalid JSON input in your request")
        with self._lock:
            try:
                if not split.path.startswith(API_PREFIX + "/"):
                    raise self._unhandled(record, "no API below %s" % split.path)
                if not record["authorized"]:
                    raise ApiError(401, "unauthorized", "unable to authenticate")
                if body_error is not None:
                    raise body_error
                status, payload = self._route(method, path, query, record)
            except ApiError as exc:
                status, payload = exc.status, exc.payload()
            record["status"] = status
            record["response"] = copy.deepcopy(payload)
            self.requests.append(record)
        return status, payload

    def _unhandled(self, record, why):
        self.unhandled.append({"method": record["method"], "path": record["path"], "query": record["query"], "body": record["body"], "why": why})
        return ApiError(404, "not_found", "the fake Hetzner Cloud API does not implement this: %s" % why)

    def _route(self, method, path, query, record):
        body = record["body"]
        gone = re.fullmatch(r"/(%s)(/.*)?" % "|".join(GONE), path)
        if gone:
            self.gone.append({"method": method, "path": path})
            raise ApiError(410, "deprecated_api_endpoint", GONE[gone.group(1)], {"announcement": "https://docs.hetzner.cloud/changelog"})
        kinds = "locations|server_types|images|ssh_keys|firewalls|servers|primary_ips|floating_ips|actions"
        collection = re.fullmatch(r"/(%s)" % kinds, path)
        item = re.fullmatch(r"/(%s)/(\d+)" % kinds, path)
        action = re.fullmatch(r"/(firewalls|servers|primary_ips|floating_ips)/(\d+)/actions/([a-z_]+)", path)
        writable = ("ssh_keys", "firewalls", "servers", "primary_ips", "floating_ips")
        if collection and method == "GET":
            return 200, self._list(collection.group(1), query, record)
        if item and method == "GET":
            self._no_query(query, record)
            return 200, self._get(item.group(1), int(item.group(2)))
        creators = {
            "ssh_keys": self._create_ssh_key,
            "firewalls": self._create_firewall,
            "servers": self._create_server,
            "primary_ips": self._create_primary_ip,
            "floating_ips": self._create_floating_ip,
        }
        if collection and method == "POST" and collection.group(1) in creators:
            self._no_query(query, record)
            return creators[collection.group(1)](body if body is not None else {})
        if item and method == "PUT" and item.group(1) in writable:
            self._no_query(query, record)
            return self._update(item.group(1), int(item.group(2)), body if body is not None else {})
        if item and method == "DELETE" and item.group(1) in writable:
            self._no_query(query, record)
            if body:
                raise invalid_input(next(iter(body)), "unknown field")
            return self._delete(item.group(1), int(item.group(2)))
        if action and method == "POST":
            self._no_query(query, record)
            resource, resource_id, name = action.group(1), int(action.group(2)), action.group(3)
            body = body if body is not None else {}
            if resource == "firewalls" and name in ("set_rules", "apply_to_resources", "remove_from_resources"):
                return self._firewall_action(resource_id, name, body)
            if resource == "servers" and name in self.POWER:
                return self._server_power(resource_id, name, body)
            if resource == "primary_ips" and name in ("assign", "unassign", "change_protection"):
                return self._primary_ip_action(resource_id, name, body)
            if resource == "floating_ips" and name in ("assign", "unassign", "change_protection"):
                return self._floating_ip_action(resource_id, name, body)
        raise self._unhandled(record, "%s %s" % (method, path))

    def _no_query(self, query, record):
        if query:
            raise self._unhandled(record, "unexpected query parameters %s" % sorted(query))

    def _next_id(self, kind):
        self._ids[kind] += 1
        return self._ids[kind]

    # -- actions -------------------------------------------------------------

    def _action(self, command, resources, on_error=None, work=None):
        """Start an action (status ``running``); return it as the API shows it.

        ``on_error`` runs when the action ends in ``error`` (see ``fail_action``). ``work`` (the backend's part,
        a callable) runs in a thread of its own; the action finishes only once it is done, and ends in
        ``error`` when it raised."""
        action_id = self._next_id("action")
        self.actions[action_id] = {
            "id": action_id,
            "command": command,
            "status": "running",
            "progress": 0,
            "started": _now(),
            "finished": None,
            "error": None,
            "resources": [{"id": rid, "type": rtype} for rtype, rid in resources],
        }
        server_names = [self.servers[rid]["name"] for rtype, rid in resources if rtype == "server" and rid in self.servers]
        failure = next(
            (item for item in self._failures if item["command"] == command and (item["server_name"] is None or item["server_name"] in server_names)), None
        )
        if failure is not None:
            self._failures.remove(failure)
        pending = {
            "polls": self.action_polls.get(command, 1),
            "deadline": time.monotonic() + self.action_seconds,
            "error": failure["error"] if failure else None,
            "on_error": on_error,
            "work": None,
        }
        self._pending[action_id] = pending
        if work is not None and failure is None:
            pending["work"] = threading.Event()
            threading.Thread(target=self._run_work, args=(action_id, pending, work), daemon=True, name="fake-hcloud-%s-%d" % (command, action_id)).start()
        return copy.deepcopy(self.actions[action_id])

    def _run_work(self, action_id, pending, work):
        """Run an action's backend work in its own thread; an exception becomes the action's error."""
        try:
            work()
        except Exception as exc:  # pylint: disable=broad-except
            with self._lock:
                pending["error"] = {"code": "action_failed", "message": "%s: %s" % (type(exc).__name__, exc)}
        finally:
            pending["work"].set()
            with self._lock:
                self._advance(action_id, polled=False)

    def _running(self, action_id):
        """Whether an action is still running (finishing it first when its time is up)."""
        self._advance(action_id, polled=False)
        return action_id in self._pending

    def _advance(self, action_id, polled):
        """Count one poll of a running action; finish it when its polls or its time are used up (and its
        backend work, if any, is done)."""
        pending = self._pending.get(action_id)
        if pending is None:
            return
        if polled:
            pending["polls"] -= 1
        if pending["polls"] > 0 and time.monotonic() < pending["deadline"]:
            return
        if pending["work"] is not None and not pending["work"].is_set():
            return
        del self._pending[action_id]
        action = self.actions[action_id]
        action.update(progress=100, finished=_now())
        if pending["error"] is None:
            action["status"] = "success"
        else:
            action.update(status="error", error=dict(pending["error"]))
            if pending["on_error"] is not None:
                pending["on_error"]()

    def _finish_pending(self):
        for action_id in list(self._pending):
            self._pending[action_id]["polls"] = 0
            self._advance(action_id, polled=False)

    def wait_actions(self, timeout=600):
        """Wait until no action has backend work left (the twin's teardown); return whether none has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = [item["work"] for item in self._pending.values() if item["work"] is not None and not item["work"].is_set()]
            if not busy:
                return True
            busy[0].wait(max(0.0, deadline - time.monotonic()))
        return False

    # -- catalog -------------------------------------------------------------

    @staticmethod
    def _location_json(name):
        return copy.deepcopy(next(item for item in LOCATIONS if item["name"] == name))

    @staticmethod
    def _server_type_json(entry):
        deprecation = entry["deprecation"]
        return {
            "id": entry["id"],
            "name": entry["name"],
            "description": entry["description"],
            "category": entry["category"],
            "cores": entry["cores"],
            "memory": entry["memory"],
            "disk": entry["disk"],
            "storage_type": entry["storage_type"],
            "cpu_type": entry["cpu_type"],
            "architecture": entry["architecture"],
            "deprecated": deprecation is not None,
            "deprecation": copy.deepcopy(deprecation),
            "prices": [
                {
                    "location": name,
                    "included_traffic": 21990232555520,
                    "price_per_tb_traffic": {"net": "1.0000000000", "gross": "1.1900000000000000"},
                    "price_hourly": {"net": "0.0060000000", "gross": "0.0071400000000000"},
                    "price_monthly": {"net": "3.4900000000", "gross": "4.1531000000000000"},
                }
                for name in entry["locations"]
            ],
            "locations": [
                {
                    "id": FakeHcloud._location_json(name)["id"],
                    "name": name,
                    "deprecation": copy.deepcopy(offer["deprecation"]),
                    "available": offer["available"],
                    "recommended": offer["recommended"],
                }
                for name, offer in entry["locations"].items()
            ],
        }

    @staticmethod
    def _image_json(entry):
        return {
            "id": entry["id"],
            "type": "system",
            "status": "available",
            "name": entry["name"],
            "description": "Debian %s" % entry["os_version"],
            "image_size": None,
            "disk_size": 5,
            "created": "2025-08-12T09:00:00+00:00",
            "created_from": None,
            "bound_to": None,
            "os_flavor": "debian",
            "os_version": entry["os_version"],
            "rapid_deploy": True,
            "protection": {"delete": False},
            "deprecated": None,
            "deleted": None,
            "labels": {},
            "architecture": entry["architecture"],
        }

    def _catalog(self, kind):
        if kind == "locations":
            return [copy.deepcopy(item) for item in LOCATIONS]
        if kind == "server_types":
            return [self._server_type_json(item) for item in SERVER_TYPES]
        return [self._image_json(item) for item in IMAGES]

    def _resolve(self, kind, field, value):
        """Find a catalog entry or a resource by ID or name; raise ``invalid_input`` when there is none."""
        if kind in ("locations", "server_types", "images"):
            entries = self._catalog(kind)
        else:
            entries = [self._json(kind, item) for item in getattr(self, kind).values()]
        for entry in entries:
            if entry["id"] == value or (isinstance(value, str) and entry.get("name") == value):
                return entry
        raise invalid_input(field, "%r does not exist" % (value,))

    # -- generic read --------------------------------------------------------

    def _json(self, kind, item):
        if kind == "servers":
            return self._server_json(item)
        if kind == "firewalls":
            return self._firewall_json(item)
        if kind == "primary_ips":
            return self._primary_ip_json(item)
        if kind == "floating_ips":
            return self._floating_ip_json(item)
        return copy.deepcopy(item)

    def _list(self, kind, query, record):
        allowed = LIST_PARAMS[kind] + ("page", "per_page")
        unknown = sorted(set(query) - set(allowed))
        if unknown:
            raise self._unhandled(record, "query parameters %s on /%s" % (unknown, kind))
        if kind in ("locations", "server_types", "images"):
            items = self._catalog(kind)
        elif kind == "actions":
            if "id" not in query:
                raise ApiError(410, "deprecated_api_endpoint", "listing all actions was removed", {"announcement": "https://docs.hetzner.cloud/changelog"})
            try:
                wanted = {int(value) for value in query["id"]}
            except ValueError as exc:
                raise invalid_input("id", "must be an integer") from exc
            for action_id in sorted(wanted):
                self._advance(action_id, polled=True)
            items = [copy.deepcopy(item) for item in self.actions.values() if item["id"] in wanted]
        else:
            items = [self._json(kind, item) for item in getattr(self, kind).values()]
        items.sort(key=lambda entry: entry["id"])
        for key in ("name", "fingerprint", "ip"):
            if key in query:
                items = [entry for entry in items if entry.get(key) == query[key][-1]]
        if "architecture" in query:
            items = [entry for entry in items if entry.get("architecture") in query["architecture"]]
        if "type" in query:
            items = [entry for entry in items if entry.get("type") in query["type"]]
        if "status" in query and kind != "images":
            items = [entry for entry in items if entry.get("status") in query["status"]]
        if "include_deprecated" in query and query["include_deprecated"][-1].lower() not in ("true", "false"):
            raise invalid_input("include_deprecated", "must be a boolean")
        if "label_selector" in query:
            selector = query["label_selector"][-1]
            items = [entry for entry in items if label_selector_matches(entry.get("labels") or {}, selector)]
        return self._page(kind, items, query)

    @staticmethod
    def _page(kind, items, query):
        try:
            page = int(query.get("page", ["1"])[-1])
            per_page = int(query.get("per_page", ["25"])[-1])
        except ValueError as exc:
            raise invalid_input("page", "page and per_page must be integers") from exc
        if page < 1 or not 1 <= per_page <= 50:
            raise invalid_input("per_page", "page must be >= 1 and per_page between 1 and 50")
        last_page = max(1, -(-len(items) // per_page))
        return {
            kind: items[(page - 1) * per_page : page * per_page],
            "meta": {
                "pagination": {
                    "page": page,
                    "per_page": per_page,
                    "previous_page": page - 1 if page > 1 else None,
                    "next_page": page + 1 if page < last_page else None,
                    "last_page": last_page,
                    "total_entries": len(items),
                }
            },
        }

    def _get(self, kind, item_id):
        singular = {
            "locations": "location",
            "server_types": "server_type",
            "images": "image",
            "ssh_keys": "ssh_key",
            "firewalls": "firewall",
            "servers": "server",
            "primary_ips": "primary_ip",
            "floating_ips": "floating_ip",
            "actions": "action",
        }[kind]
        if kind == "actions":
            self._advance(item_id, polled=True)
        if kind in ("locations", "server_types", "images"):
            found = [entry for entry in self._catalog(kind) if entry["id"] == item_id]
            if found:
                return {singular: found[0]}
        elif item_id in getattr(self, kind):
            return {singular: self._json(kind, getattr(self, kind)[item_id])}
        raise ApiError(404, "not_found", "%s with ID %d not found" % (singular.replace("_", " "), item_id))

    def _existing(self, kind, item_id):
        store = getattr(self, kind)
        if item_id not in store:
            raise ApiError(404, "not_found", "%s with ID %d not found" % (kind[:-1].replace("_", " "), item_id))
        return store[item_id]

    def _unique_name(self, kind, name, own_id=None):
        for item in getattr(self, kind).values():
            if item["name"] == name and item["id"] != own_id:
                raise ApiError(409, "uniqueness_error", "name is already used", {"fields": [{"name": "name"}]})

    # -- SSH keys ------------------------------------------------------------

    def _create_ssh_key(self, body):
        validate_body(body, SCHEMAS["create_ssh_key"])
        fingerprint = ssh_fingerprint(body["public_key"])
        self._unique_name("ssh_keys", body["name"])
        if any(item["fingerprint"] == fingerprint for item in self.ssh_keys.values()):
            raise ApiError(409, "uniqueness_error", "SSH key with the same fingerprint already exists", {"fields": [{"name": "public_key"}]})
        key_id = self._next_id("ssh_key")
        self.ssh_keys[key_id] = {
            "id": key_id,
            "name": body["name"],
            "fingerprint": fingerprint,
            "public_key": body["public_key"],
            "labels": dict(body.get("labels") or {}),
            "created": _now(),
        }
        return 201, {"ssh_key": copy.deepcopy(self.ssh_keys[key_id])}

    # -- firewalls -----------------------------------------------------------

    def _firewall_servers(self, firewall):
        """Return the IDs of the servers a firewall applies to, directly or through a label selector."""
        ids = []
        for entry in firewall["applied_to"]:
            if entry["type"] == "server":
                ids.append(entry["server"])
            else:
                ids.extend(
                    server["id"]
                    for server in sorted(self.servers.values(), key=lambda s: s["id"])
                    if label_selector_matches(server["labels"], entry["selector"])
                )
        return ids

    def _firewall_json(self, firewall):
        applied_to = []
        for entry in firewall["applied_to"]:
            if entry["type"] == "server":
                applied_to.append({"type": "server", "server": {"id": entry["server"]}})
            else:
                matched = [
                    server["id"]
                    for server in sorted(self.servers.values(), key=lambda s: s["id"])
                    if label_selector_matches(server["labels"], entry["selector"])
                ]
                applied_to.append(
                    {
                        "type": "label_selector",
                        "label_selector": {"selector": entry["selector"]},
                        "applied_to_resources": [{"type": "server", "server": {"id": sid}} for sid in matched],
                    }
                )
        return {
            "id": firewall["id"],
            "name": firewall["name"],
            "labels": dict(firewall["labels"]),
            "created": firewall["created"],
            "rules": copy.deepcopy(firewall["rules"]),
            "applied_to": applied_to,
        }

    def _resources(self, field, resources):
        """Check ``apply_to``/``remove_from`` entries; return them in the internal form."""
        result = []
        for index, entry in enumerate(resources):
            name = "%s[%d]" % (field, index)
            if entry["type"] == "server":
                if entry.get("server") is None or entry.get("label_selector") is not None:
                    raise invalid_input(name, "type server needs server and no label_selector")
                server = self.servers.get(entry["server"]["id"])
                if server is None:
                    raise ApiError(404, "firewall_resource_not_found", "server with ID %d not found" % entry["server"]["id"])
                if server["ipv4"] is None and server["ipv6"] is None:
                    raise ApiError(422, "private_net_only_server", "server %d has no public interface" % server["id"])
                result.append({"type": "server", "server": server["id"]})
            elif entry["type"] == "label_selector":
                if entry.get("label_selector") is None or entry.get("server") is not None:
                    raise invalid_input(name, "type label_selector needs label_selector and no server")
                label_selector_matches({}, entry["label_selector"]["selector"])
                result.append({"type": "label_selector", "selector": entry["label_selector"]["selector"]})
            else:
                raise invalid_input(name + ".type", "must be one of server, label_selector")
        return result

    def _create_firewall(self, body):
        validate_body(body, SCHEMAS["create_firewall"])
        self._unique_name("firewalls", body["name"])
        rules = check_firewall_rules("rules", body.get("rules") or [])
        applied_to = self._resources("apply_to", body.get("apply_to") or [])
        firewall_id = self._next_id("firewall")
        firewall = {
            "id": firewall_id,
            "name": body["name"],
            "labels": dict(body.get("labels") or {}),
            "created": _now(),
            "rules": rules,
            "applied_to": applied_to,
        }
        self.firewalls[firewall_id] = firewall
        actions = [self._action("apply_firewall", [("firewall", firewall_id), ("server", sid)]) for sid in self._firewall_servers(firewall)]
        self._backend_sync()
        return 201, {"firewall": self._firewall_json(firewall), "actions": actions}

    def _firewall_action(self, firewall_id, name, body):
        result = self._firewall_change(firewall_id, name, body)
        self._backend_sync()
        return result

    def _firewall_change(self, firewall_id, name, body):
        firewall = self._existing("firewalls", firewall_id)
        validate_body(body, SCHEMAS[name])
        if name == "set_rules":
            firewall["rules"] = check_firewall_rules("rules", body["rules"])
            actions = [self._action("set_firewall_rules", [("firewall", firewall_id)])]
            actions += [self._action("apply_firewall", [("firewall", firewall_id), ("server", sid)]) for sid in self._firewall_servers(firewall)]
            return 201, {"actions": actions}
        if name == "apply_to_resources":
            actions = []
            for entry in self._resources("apply_to", body["apply_to"]):
                if entry in firewall["applied_to"]:
                    raise ApiError(422, "firewall_already_applied", "firewall %d is already applied" % firewall_id)
                firewall["applied_to"].append(entry)
                actions.append(self._action("apply_firewall", [("firewall", firewall_id)]))
            return 201, {"actions": actions}
        actions = []
        for entry in self._resources("remove_from", body["remove_from"]):
            if entry not in firewall["applied_to"]:
                raise ApiError(422, "firewall_already_removed", "firewall %d is not applied there" % firewall_id)
            firewall["applied_to"].remove(entry)
            actions.append(self._action("remove_firewall", [("firewall", firewall_id)]))
        return 201, {"actions": actions}

    # -- addresses -----------------------------------------------------------

    def _addresses_in_use(self):
        return {item["ip"] for item in self.primary_ips.values()} | {item["ip"] for item in self.floating_ips.values()}

    def _new_ip(self, family):
        """A free IPv4 address (the lowest) or a new IPv6 /64 (never reused), as the API writes them."""
        if family == "ipv4":
            used = self._addresses_in_use()
            for offset in range(self._ipv4_first, self.ipv4_pool.num_addresses - 1):
                ip = str(self.ipv4_pool.network_address + offset)
                if ip not in used:
                    return ip
            raise ApiError(412, "resource_unavailable", "no IPv4 address left in the fake pool %s" % self.ipv4_pool)
        self._ipv6_networks += 1
        block = int(self.ipv6_pool.network_address) + (self._ipv6_networks << (128 - self.ipv6_step))
        network = ipaddress.IPv6Network((block, 64))
        if network.network_address not in self.ipv6_pool:
            raise ApiError(412, "resource_unavailable", "no IPv6 network left in the fake pool %s" % self.ipv6_pool)
        return str(network)

    @staticmethod
    def _dns_ptr(ip):
        if "/" in ip:
            return []
        return [{"ip": ip, "dns_ptr": "static.%s.example.invalid" % ip.replace(".", "-")}]

    @staticmethod
    def _check_ip_type(value):
        if value not in ("ipv4", "ipv6"):
            raise invalid_input("type", "must be one of ipv4, ipv6")

    # -- primary IPs ---------------------------------------------------------

    def _primary_ip(self, family, server_id, location, name=None, auto_delete=True, labels=None):
        """A new primary IP; assigned to ``server_id`` unless that is None."""
        ip_id = self._next_id("primary_ip")
        ip = self._new_ip(family)
        self.primary_ips[ip_id] = {
            "id": ip_id,
            "name": name or "primary_ip-%d" % ip_id,
            "ip": ip,
            "type": family,
            "dns_ptr": self._dns_ptr(ip),
            "location": location,
            "blocked": False,
            "protection": {"delete": False},
            "labels": dict(labels or {}),
            "created": _now(),
            "assignee_id": None,
            "assignee_type": "unassigned",
            "auto_delete": auto_delete,
        }
        if server_id is not None:
            self._assign_primary_ip(self.primary_ips[ip_id], self.servers[server_id])
        return ip_id

    def _assign_primary_ip(self, pip, server):
        pip.update(assignee_id=server["id"], assignee_type="server")
        server[pip["type"]] = pip["id"]

    def _unassign_primary_ip(self, pip):
        """Since 2026-08-01 a free primary IP has ``assignee_type`` ``unassigned`` (and no ``assignee_id``)."""
        server = self.servers.get(pip["assignee_id"])
        if server is not None and server[pip["type"]] == pip["id"]:
            server[pip["type"]] = None
        pip.update(assignee_id=None, assignee_type="unassigned")

    def _primary_ip_json(self, pip):
        shown = copy.deepcopy(pip)
        shown["location"] = self._location_json(pip["location"])
        return shown

    def _server_must_be_off(self, server):
        """Assigning or unassigning a primary IP needs the server powered off (422 ``server_not_stopped``)."""
        if self._server_status(server) != "off":
            raise ApiError(422, "server_not_stopped", "server %d is %s, but needs to be powered off" % (server["id"], self._server_status(server)))

    def _server_may_take(self, server, family):
        if server[family] is not None:
            raise ApiError(422, "server_has_%s" % family, "server %d already has a primary %s address" % (server["id"], "IPv4" if family == "ipv4" else "IPv6"))

    def _assignee(self, body):
        if body.get("assignee_type", "server") != "server":
            raise invalid_input("assignee_type", "must be server")
        server = self.servers.get(body["assignee_id"])
        if server is None:
            raise invalid_input("assignee_id", "server with ID %d not found" % body["assignee_id"])
        return server

    def _create_primary_ip(self, body):
        validate_body(body, SCHEMAS["create_primary_ip"], removed=REMOVED_REQUEST_FIELDS["create_primary_ip"])
        self._check_ip_type(body["type"])
        self._unique_name("primary_ips", body["name"])
        assigned = body.get("assignee_id") is not None
        if assigned == (body.get("location") is not None):
            raise invalid_input("location", "give either location (an unassigned IP) or assignee_id")
        if assigned:
            server = self._assignee(body)
            self._server_must_be_off(server)
            self._server_may_take(server, body["type"])
            location = server["location"]
        else:
            if body.get("assignee_type") not in (None, "server"):
                raise invalid_input("assignee_type", "must be server")
            location = self._resolve("locations", "location", body["location"])["name"]
        ip_id = self._primary_ip(
            body["type"], server["id"] if assigned else None, location, name=body["name"], auto_delete=body.get("auto_delete", False), labels=body.get("labels")
        )
        action = None
        if assigned:
            action = self._action("create_primary_ip", [("primary_ip", ip_id), ("server", server["id"])])
            self._backend_sync()
        return 201, {"primary_ip": self._primary_ip_json(self.primary_ips[ip_id]), "action": action}

    def _primary_ip_action(self, ip_id, name, body):
        pip = self._existing("primary_ips", ip_id)
        schema = {"assign": "assign_primary_ip", "unassign": "no_body", "change_protection": "change_protection"}
        validate_body(body, SCHEMAS[schema[name]])
        if name == "change_protection":
            if body.get("delete") is not None:
                pip["protection"]["delete"] = body["delete"]
            return 201, {"action": self._action("change_protection", [("primary_ip", ip_id)])}
        if name == "assign":
            server = self._assignee(body)
            if pip["assignee_id"] is not None:
                raise ApiError(422, "primary_ip_already_assigned", "primary IP %d is already assigned to server %d" % (ip_id, pip["assignee_id"]))
            self._server_must_be_off(server)
            self._server_may_take(server, pip["type"])
            self._assign_primary_ip(pip, server)
            action = self._action("assign_primary_ip", [("primary_ip", ip_id), ("server", server["id"])])
        else:
            resources = [("primary_ip", ip_id)]
            if pip["assignee_id"] is not None:
                server = self.servers[pip["assignee_id"]]
                self._server_must_be_off(server)
                resources.append(("server", server["id"]))
                self._unassign_primary_ip(pip)
            action = self._action("unassign_primary_ip", resources)
        self._backend_sync()
        return 201, {"action": action}

    # -- floating IPs --------------------------------------------------------

    def _floating_ip_json(self, fip):
        shown = {key: copy.deepcopy(value) for key, value in fip.items() if key != "home_location"}
        shown["home_location"] = self._location_json(fip["home_location"])
        return shown

    def _create_floating_ip(self, body):
        validate_body(body, SCHEMAS["create_floating_ip"])
        self._check_ip_type(body["type"])
        if (body.get("server") is None) == (body.get("home_location") is None):
            raise invalid_input("home_location", "give either home_location or server")
        if body.get("name") is not None:
            self._unique_name("floating_ips", body["name"])
        server = None
        if body.get("server") is not None:
            server = self.servers.get(body["server"])
            if server is None:
                raise invalid_input("server", "server with ID %d not found" % body["server"])
            home = server["location"]
        else:
            home = self._resolve("locations", "home_location", body["home_location"])["name"]
        ip_id = self._next_id("floating_ip")
        ip = self._new_ip(body["type"])
        self.floating_ips[ip_id] = {
            "id": ip_id,
            "name": body.get("name") or "floating_ip-%d" % ip_id,
            "description": body.get("description"),
            "ip": ip,
            "type": body["type"],
            "server": server["id"] if server else None,
            "dns_ptr": self._dns_ptr(ip),
            "home_location": home,
            "blocked": False,
            "protection": {"delete": False},
            "labels": dict(body.get("labels") or {}),
            "created": _now(),
        }
        action = None
        if server is not None:
            action = self._action("assign_floating_ip", [("floating_ip", ip_id), ("server", server["id"])])
            self._backend_sync()
        return 201, {"floating_ip": self._floating_ip_json(self.floating_ips[ip_id]), "action": action}

    def _floating_ip_action(self, ip_id, name, body):
        """``assign`` moves the IP to another server at once, running or not; assigning it to the server it is
        already on is the API's 422 ``floating_ip_assigned``."""
        fip = self._existing("floating_ips", ip_id)
        schema = {"assign": "assign_floating_ip", "unassign": "no_body", "change_protection": "change_protection"}
        validate_body(body, SCHEMAS[schema[name]])
        if name == "change_protection":
            if body.get("delete") is not None:
                fip["protection"]["delete"] = body["delete"]
            return 201, {"action": self._action("change_protection", [("floating_ip", ip_id)])}
        if name == "assign":
            server = self.servers.get(body["server"])
            if server is None:
                raise invalid_input("server", "server with ID %d not found" % body["server"])
            if fip["server"] == server["id"]:
                raise ApiError(422, "floating_ip_assigned", "floating IP %d is already assigned to server %d" % (ip_id, server["id"]))
            fip["server"] = server["id"]
            action = self._action("assign_floating_ip", [("floating_ip", ip_id), ("server", server["id"])], work=self._backend_work("sync"))
        else:
            resources = [("floating_ip", ip_id)] + ([("server", fip["server"])] if fip["server"] else [])
            fip["server"] = None
            action = self._action("unassign_floating_ip", resources, work=self._backend_work("sync"))
        return 201, {"action": action}

    # -- servers -------------------------------------------------------------

    def _server_status(self, server):
        """The status while an action on the server runs: ``initializing`` (create), ``starting`` (poweron,
        and the start after a create), ``stopping`` (poweroff, shutdown); otherwise the status it rests in."""
        if server["create_action"] is not None and self._running(server["create_action"]):
            return "initializing"
        transition = server.get("transition")
        if transition is not None and self._running(transition[0]):
            return transition[1]
        return server["status"]

    def _server_json(self, server):
        public_net = {"ipv4": None, "ipv6": None, "floating_ips": [], "firewalls": []}
        if server["ipv4"] is not None:
            pip = self.primary_ips[server["ipv4"]]
            public_net["ipv4"] = {"id": pip["id"], "ip": pip["ip"], "blocked": False, "dns_ptr": pip["dns_ptr"][0]["dns_ptr"]}
        if server["ipv6"] is not None:
            pip = self.primary_ips[server["ipv6"]]
            public_net["ipv6"] = {"id": pip["id"], "ip": pip["ip"], "blocked": False, "dns_ptr": []}
        public_net["floating_ips"] = sorted(fip["id"] for fip in self.floating_ips.values() if fip["server"] == server["id"])
        for firewall in sorted(self.firewalls.values(), key=lambda f: f["id"]):
            if server["id"] in self._firewall_servers(firewall):
                public_net["firewalls"].append({"id": firewall["id"], "status": "applied"})
        server_type = next(item for item in SERVER_TYPES if item["id"] == server["server_type"])
        image = next(item for item in IMAGES if item["id"] == server["image"])
        return {
            "id": server["id"],
            "name": server["name"],
            "status": self._server_status(server),
            "created": server["created"],
            "public_net": public_net,
            "private_net": [],
            "server_type": self._server_type_json(server_type),
            "location": self._location_json(server["location"]),
            "image": self._image_json(image),
            "iso": None,
            "rescue_enabled": False,
            "locked": False,
            "backup_window": None,
            "outgoing_traffic": 0,
            "ingoing_traffic": 0,
            "included_traffic": 21990232555520,
            "protection": dict(server["protection"]),
            "labels": dict(server["labels"]),
            "volumes": [],
            "load_balancers": [],
            "primary_disk_size": server_type["disk"],
            "placement_group": None,
        }

    def _existing_primary_ip(self, field, ip_id, family, location):
        """A primary IP given in ``public_net`` of a new server: it must exist, be of that family, be free."""
        pip = self.primary_ips.get(ip_id)
        if pip is None or pip["type"] != family:
            raise invalid_input("public_net." + field, "primary %s with ID %d not found" % (family, ip_id))
        if pip["assignee_id"] is not None:
            raise ApiError(422, "primary_ip_already_assigned", "primary IP %d is already assigned to server %d" % (ip_id, pip["assignee_id"]))
        if pip["location"] != location:
            raise invalid_input("public_net." + field, "primary IP %d is in %s, not in %s" % (ip_id, pip["location"], location))
        return pip

    def _create_server(self, body):
        validate_body(body, SCHEMAS["create_server"], removed=REMOVED_REQUEST_FIELDS["create_server"])
        name = body["name"]
        if not HOSTNAME_RE.match(name):
            raise invalid_input("name", "must be a valid hostname (RFC 1123)")
        self._unique_name("servers", name)
        for field in ("volumes", "networks", "placement_group", "automount"):
            if body.get(field):
                raise ApiError(
                    422,
                    "invalid_input",
                    "the fake Hetzner Cloud API does not implement %s" % field,
                    {"fields": [{"name": field, "messages": ["not implemented by the fake"]}]},
                )
        server_type = self._resolve("server_types", "server_type", body["server_type"])
        image = self._resolve("images", "image", body["image"])
        if isinstance(body["image"], str):
            matching = [item for item in self._catalog("images") if item["name"] == body["image"] and item["architecture"] == server_type["architecture"]]
            image = matching[0] if matching else image
        if image["architecture"] != server_type["architecture"]:
            raise invalid_input(
                "image", "image %s is for %s, server type %s is %s" % (image["name"], image["architecture"], server_type["name"], server_type["architecture"])
            )
        location = self._resolve("locations", "location", body.get("location") or DEFAULT_LOCATION)
        offer = next((item for item in server_type["locations"] if item["name"] == location["name"]), None)
        if offer is None or not offer["available"]:
            raise ApiError(
                412, "resource_unavailable", "server type %s is %s in %s" % (server_type["name"], "not available" if offer else "not offered", location["name"])
            )
        ssh_keys = [self._resolve("ssh_keys", "ssh_keys", value)["id"] for value in body.get("ssh_keys") or []]
        firewall_ids = [self._existing("firewalls", entry["firewall"])["id"] for entry in body.get("firewalls") or []]
        public_net = body.get("public_net") or {}
        enable = {family: public_net.get("enable_" + family, True) for family in ("ipv4", "ipv6")}
        given = {
            family: self._existing_primary_ip(family, public_net[family], family, location["name"])
            for family in ("ipv4", "ipv6")
            if public_net.get(family) is not None
        }
        if not any(enable.values()):
            raise invalid_input("public_net", "a server without public IPv4 and IPv6 needs a private network")
        if self.backend is not None:
            try:
                self.backend.check_server(name, image["name"])
            except RuntimeError as exc:  # the twin cannot make this server here
                raise ApiError(412, "resource_unavailable", str(exc)) from exc
        server_id = self._next_id("server")
        start = body.get("start_after_create", True)
        server = {
            "id": server_id,
            "name": name,
            "labels": dict(body.get("labels") or {}),
            "server_type": server_type["id"],
            "image": image["id"],
            "location": location["name"],
            "status": "running" if start else "off",
            "created": _now(),
            "protection": {"delete": False, "rebuild": False},
            "ssh_keys": ssh_keys,
            "user_data": body.get("user_data"),
            "ipv4": None,
            "ipv6": None,
            "create_action": None,
            "transition": None,
        }
        self.servers[server_id] = server
        for family in ("ipv4", "ipv6"):
            if family in given and enable[family]:
                self._assign_primary_ip(given[family], server)
            elif enable[family]:
                self._primary_ip(family, server_id, location["name"])
        for firewall_id in firewall_ids:
            self.firewalls[firewall_id]["applied_to"].append({"type": "server", "server": server_id})
        action = self._action(
            "create_server", [("server", server_id)], on_error=lambda: self._discard_server(server_id), work=self._backend_work("create_server", server_id)
        )
        server["create_action"] = action["id"]
        next_actions = []
        if start:
            next_actions.append(self._action("start_server", [("server", server_id)], work=self._backend_work("boot", server_id)))
            server["transition"] = (next_actions[0]["id"], "starting")
        next_actions += [self._action("apply_firewall", [("firewall", fid), ("server", server_id)]) for fid in firewall_ids]
        return 201, {
            "server": self._server_json(server),
            "action": action,
            "next_actions": next_actions,
            "root_password": None if ssh_keys else secrets.token_urlsafe(15),
        }

    def _discard_server(self, server_id):
        """Remove a server and its firewall attachments (a failed create, or a delete).

        Its primary IPs with ``auto_delete`` go with it; the others, and its floating IPs, stay, unassigned."""
        item = self.servers.pop(server_id, None)
        if item is None:
            return
        for firewall in self.firewalls.values():
            firewall["applied_to"] = [entry for entry in firewall["applied_to"] if not (entry["type"] == "server" and entry["server"] == server_id)]
        for family in ("ipv4", "ipv6"):
            if item[family] is not None:
                pip = self.primary_ips[item[family]]
                if pip["auto_delete"]:
                    del self.primary_ips[item[family]]
                else:
                    pip.update(assignee_id=None, assignee_type="unassigned")
        for fip in self.floating_ips.values():
            if fip["server"] == server_id:
                fip["server"] = None

    # The power actions: the command each starts, the status the server shows while it runs, and the status
    # the server rests in afterwards.
    POWER = {
        "poweron": ("start_server", "starting", "running"),
        "poweroff": ("stop_server", "stopping", "off"),
        "shutdown": ("shutdown_server", "stopping", "off"),
        "reboot": ("reboot_server", "running", "running"),
        "reset": ("reset_server", "running", "running"),
    }

    def _server_power(self, server_id, name, body):
        server = self._existing("servers", server_id)
        if body:
            raise invalid_input(next(iter(body)), "unknown field")
        command, during, after = self.POWER[name]
        server["status"] = after
        action = self._action(command, [("server", server_id)], work=self._backend_work(name, server_id))
        server["transition"] = (action["id"], during)
        return 201, {"action": action}

    # -- backend -------------------------------------------------------------

    def _backend_work(self, what, server_id=None):
        """The backend's part of an action (None when recording only): a callable run outside the lock."""
        if self.backend is None:
            return None
        return lambda: self.backend.work(what, server_id)

    def _backend_sync(self):
        """Bring the backend's network (routes, addresses, firewalls) in line with the state, now."""
        if self.backend is not None:
            self.backend.request_sync()

    def twin_state(self):
        """What the twin needs of the state, under the lock: servers (with their addresses, keys and the
        firewall rules that apply to them), floating IPs."""
        with self._lock:
            servers = {}
            for server in self.servers.values():
                rules = []
                applied = False
                for firewall in sorted(self.firewalls.values(), key=lambda f: f["id"]):
                    if server["id"] in self._firewall_servers(firewall):
                        applied = True
                        rules += copy.deepcopy(firewall["rules"])
                servers[server["id"]] = {
                    "id": server["id"],
                    "name": server["name"],
                    "status": server["status"],
                    "image": next(item["name"] for item in IMAGES if item["id"] == server["image"]),
                    "ipv4": self.primary_ips[server["ipv4"]]["ip"] if server["ipv4"] is not None else None,
                    "ipv6": self.primary_ips[server["ipv6"]]["ip"] if server["ipv6"] is not None else None,
                    "ssh_keys": [self.ssh_keys[key]["public_key"] for key in server["ssh_keys"] if key in self.ssh_keys],
                    "firewall_applied": applied,
                    "firewall_rules": rules,
                    "floating_ips": [fip["ip"] for fip in self.floating_ips.values() if fip["server"] == server["id"]],
                }
            return {"servers": servers}

    def backend_event(self, server_id, status):
        """The backend saw a server change by itself (powered off or rebooted from inside)."""
        with self._lock:
            server = self.servers.get(server_id)
            if server is not None:
                server["status"] = status

    # -- update and delete ---------------------------------------------------

    def _update(self, kind, item_id, body):
        item = self._existing(kind, item_id)
        schema = {"primary_ips": "update_primary_ip", "floating_ips": "update_floating_ip"}.get(kind, "update")
        validate_body(body, SCHEMAS[schema])
        if "name" in body and body["name"] is not None:
            if kind == "servers" and not HOSTNAME_RE.match(body["name"]):
                raise invalid_input("name", "must be a valid hostname (RFC 1123)")
            self._unique_name(kind, body["name"], own_id=item_id)
            if kind == "servers" and self.backend is not None:
                self.backend.check_rename(item["name"], body["name"])
            item["name"] = body["name"]
        if body.get("labels") is not None:
            item["labels"] = dict(body["labels"])
            if kind == "servers":
                self._backend_sync()  # a label selector may now apply a firewall, or no longer
        for field in ("auto_delete", "description"):
            if body.get(field) is not None:
                item[field] = body[field]
        singular = {"ssh_keys": "ssh_key", "firewalls": "firewall", "servers": "server", "primary_ips": "primary_ip", "floating_ips": "floating_ip"}[kind]
        return 200, {singular: self._json(kind, item)}

    def _delete(self, kind, item_id):
        item = self._existing(kind, item_id)
        if kind == "firewalls":
            if item["applied_to"]:
                raise ApiError(422, "resource_in_use", "firewall %d is still in use" % item_id)
            del self.firewalls[item_id]
            return 204, None
        if kind == "ssh_keys":
            del self.ssh_keys[item_id]
            return 204, None
        if item["protection"]["delete"]:
            raise ApiError(423, "protected", "%s %d is protected against deletion" % (kind[:-1].replace("_", " "), item_id))
        if kind in ("primary_ips", "floating_ips"):
            # Since 2026-05-01 the API no longer unassigns on delete.
            if item.get("assignee_id" if kind == "primary_ips" else "server") is not None:
                raise ApiError(422, "must_be_unassigned", "%s %d is still assigned; unassign it first" % (kind[:-1].replace("_", " "), item_id))
            del getattr(self, kind)[item_id]
            return 204, None
        action = self._action("delete_server", [("server", item_id)], work=self._backend_work("delete", item_id))
        self._discard_server(item_id)
        return 200, {"action": action}


class _ThreadingHTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """HTTP glue: hands each request to ``fake.handle`` and writes the JSON answer."""

    fake = None  # set on the subclass that FakeHcloud.start builds
    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        status, payload = self.fake.handle(self.command, self.path, self.headers, raw_body)
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("X-Correlation-Id", secrets.token_hex(8))
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def _not_allowed(self):
        with self.fake._lock:  # pylint: disable=protected-access
            self.fake.unhandled.append({"method": self.command, "path": self.path, "query": {}, "body": None, "why": "method not allowed"})
        data = json.dumps({"error": {"code": "method_not_allowed", "message": "the request method is not allowed", "details": None}}).encode("utf-8")
        self.send_response(405)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Keep test output clean; the fake records every request itself."""


def _interrupt(signum, frame):
    """SIGTERM stops the fake like Ctrl-C (the twin then removes what it made)."""
    raise KeyboardInterrupt(signum, frame)


def main(argv=None):
    """Serve the fake on loopback until interrupted (SIGINT or SIGTERM); with ``--real``, as the twin."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--token", default="test-token", help="the Bearer token to accept")
    parser.add_argument("--real", action="store_true", help="the twin: every server is a real host (twin.py; root, Docker, the twin images)")
    parser.add_argument(
        "--instance",
        default=os.environ.get("IPV6READY_TWIN", "default"),
        help="the twin instance (env IPV6READY_TWIN): names twin-<instance>-*, label ipv6ready-twin=<instance>",
    )
    parser.add_argument("--slot", type=int, default=None, help="the twin's address slot, 0-15 (env IPV6READY_TWIN_SLOT; default: from the name)")
    parser.add_argument("--state-file", help="write the endpoint, the token and the twin's addresses here (JSON) once serving; removed on exit")
    parser.add_argument("--down", action="store_true", help="only remove what the twin instance left behind")
    args = parser.parse_args(argv)
    twin = None
    if args.real or args.down:
        from twin import Twin  # pylint: disable=import-outside-toplevel

        if args.down:
            Twin.cleanup_leftovers(args.instance)
            return
        slot = args.slot if args.slot is not None else os.environ.get("IPV6READY_TWIN_SLOT")
        twin = Twin(args.instance, slot=int(slot) if slot not in (None, "") else None).start()
    signal.signal(signal.SIGTERM, _interrupt)
    fake = None
    try:
        fake = FakeHcloud(args.token, host=args.host, port=args.port, backend=twin).start()
        state = {"endpoint": fake.endpoint, "token": args.token, "pid": os.getpid(), "twin": twin.describe() if twin else None}
        if twin is not None:
            state["inside_endpoint"] = "http://[%s]:%d%s" % (twin.host_v6, fake.port, API_PREFIX)
        if args.state_file:
            with open(args.state_file + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=2)
            os.replace(args.state_file + ".tmp", args.state_file)
        print(
            "fake Hetzner Cloud API at %s (token %s)%s; Ctrl-C stops it" % (fake.endpoint, args.token, ", the twin %s" % args.instance if twin else ""),
            flush=True,
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        if fake is not None:
            fake.stop()
            if twin is not None:
                fake.wait_actions(timeout=120)
        if twin is not None:
            twin.close()
        if args.state_file and os.path.exists(args.state_file):
            os.unlink(args.state_file)


if __name__ == "__main__":
    main()
