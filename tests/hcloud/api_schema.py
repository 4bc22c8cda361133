# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shape of the Hetzner Cloud API's answers today, and a checker for it.

The fake (``fake_hcloud.py``) is only worth something while it answers the
way the real API does. This module holds, for every kind of object the fake
returns, the fields the API sends today (``required`` and ``optional``) and the
fields it has removed (``REMOVED``, with the date and what replaced them). The
tests run ``answer_problems`` over every answer the fake gives, so a field
the API no longer has, a field it now always sends, or an unknown field fails
them.

Sources: the API reference and changelog (docs.hetzner.cloud), and the
``__api_properties__`` of hcloud-python 2.23, the release that dropped
``datacenter`` from servers and primary IPs. When the API changes again, change
this file first: the tests then show every place where the fake is out of date.
"""

from __future__ import annotations

# {kind: {'required': fields always present, 'optional': fields that may be
# present, 'children': {field: kind, or [kind] for a list, nullable}}}
SCHEMA = {
    "location": {
        "required": {"id", "name", "description", "country", "city", "latitude", "longitude", "network_zone"},
    },
    "server_type": {
        "required": {"id", "name", "description", "category", "cores", "memory", "disk", "prices", "storage_type", "cpu_type", "architecture", "locations"},
        # Deprecated in favour of locations[].deprecation, but still sent.
        "optional": {"deprecated", "deprecation"},
        "children": {"locations": ["server_type_location"], "prices": ["server_type_price"]},
    },
    # Since 2026-04-01 every location of a server type says whether it can be
    # ordered there now (available) and whether Hetzner recommends it.
    "server_type_location": {
        "required": {"id", "name", "deprecation", "available", "recommended"},
    },
    "server_type_price": {
        "required": {"location", "price_hourly", "price_monthly", "included_traffic", "price_per_tb_traffic"},
    },
    "image": {
        "required": {
            "id",
            "type",
            "status",
            "name",
            "description",
            "image_size",
            "disk_size",
            "created",
            "created_from",
            "bound_to",
            "os_flavor",
            "os_version",
            "rapid_deploy",
            "protection",
            "deprecated",
            "labels",
            "architecture",
        },
        "optional": {"deleted"},
    },
    "ssh_key": {
        "required": {"id", "name", "fingerprint", "public_key", "labels", "created"},
    },
    "firewall": {
        "required": {"id", "name", "labels", "created", "rules", "applied_to"},
        "children": {"rules": ["firewall_rule"], "applied_to": ["firewall_resource"]},
    },
    "firewall_rule": {
        "required": {"direction", "protocol", "port", "source_ips", "destination_ips", "description"},
    },
    "firewall_resource": {
        "required": {"type"},
        "optional": {"server", "label_selector", "applied_to_resources"},
    },
    "server": {
        "required": {
            "id",
            "name",
            "status",
            "created",
            "public_net",
            "private_net",
            "server_type",
            "location",
            "image",
            "iso",
            "rescue_enabled",
            "locked",
            "backup_window",
            "outgoing_traffic",
            "ingoing_traffic",
            "included_traffic",
            "protection",
            "labels",
            "volumes",
            "primary_disk_size",
            "placement_group",
        },
        "optional": {"load_balancers"},
        "children": {"public_net": "server_public_net", "server_type": "server_type", "location": "location", "image": "image"},
    },
    "server_public_net": {
        "required": {"ipv4", "ipv6", "floating_ips", "firewalls"},
        "children": {"ipv4": "server_ipv4", "ipv6": "server_ipv6", "firewalls": ["server_firewall"]},
    },
    "server_ipv4": {"required": {"id", "ip", "blocked", "dns_ptr"}},
    "server_ipv6": {"required": {"id", "ip", "blocked", "dns_ptr"}},
    "server_firewall": {"required": {"id", "status"}},
    # Since 2026-08-01 a free primary IP has assignee_type "unassigned" (and assignee_id null).
    "primary_ip": {
        "required": {
            "id",
            "name",
            "ip",
            "type",
            "dns_ptr",
            "location",
            "blocked",
            "protection",
            "labels",
            "created",
            "assignee_id",
            "assignee_type",
            "auto_delete",
        },
        "children": {"location": "location", "dns_ptr": ["dns_ptr"]},
    },
    "floating_ip": {
        "required": {"id", "name", "description", "ip", "type", "server", "dns_ptr", "home_location", "blocked", "protection", "labels", "created"},
        "children": {"home_location": "location", "dns_ptr": ["dns_ptr"]},
    },
    "dns_ptr": {"required": {"ip", "dns_ptr"}},
    "action": {
        "required": {"id", "command", "status", "progress", "started", "finished", "resources", "error"},
        "children": {"error": "action_error"},
    },
    "action_error": {"required": {"code", "message"}},
    "meta": {"required": {"pagination"}},
    "error": {"required": {"code", "message", "details"}},
}

# Values the API allows today: {(kind, field): allowed values}.
VALUES = {
    ("primary_ip", "type"): {"ipv4", "ipv6"},
    ("primary_ip", "assignee_type"): {"server", "unassigned"},
    ("floating_ip", "type"): {"ipv4", "ipv6"},
    ("server", "status"): {"running", "initializing", "starting", "stopping", "off", "deleting", "migrating", "rebuilding", "unknown"},
    ("action", "status"): {"running", "success", "error"},
}


def _primary_ip_assignee(value):
    """Since 2026-08-01: assignee_type is "unassigned" exactly when assignee_id is null."""
    if (value.get("assignee_id") is None) != (value.get("assignee_type") == "unassigned"):
        return [
            "assignee_type %r with assignee_id %r: since 2026-08-01 a free primary IP has assignee_type "
            '"unassigned", an assigned one "server"' % (value.get("assignee_type"), value.get("assignee_id"))
        ]
    return []


# Rules across the fields of one object: {kind: function(value) -> [problem, ...]}.
RULES = {"primary_ip": _primary_ip_assignee}

# Fields the API no longer sends: {(kind, field): why}. A removed field is
# reported with this reason, so the failure says what changed.
REMOVED = {
    ("server", "datacenter"): "removed from the API on 2026-07-01; servers carry a top-level location",
    ("primary_ip", "datacenter"): "removed from the API on 2026-07-01; primary IPs carry a top-level location",
    ("server_type", "included_traffic"): "null since 2024-08-05; the traffic is in prices[]",
}

# Kinds the API no longer has at all (their endpoints answer 410).
REMOVED_KINDS = {
    "datacenter": "the datacenters endpoints answer 410 since 2026-10-01",
    "datacenters": "the datacenters endpoints answer 410 since 2026-10-01",
}

# The top-level keys of an answer and the kind of object under each.
ROOTS = {
    "location": "location",
    "locations": ["location"],
    "server_type": "server_type",
    "server_types": ["server_type"],
    "image": "image",
    "images": ["image"],
    "ssh_key": "ssh_key",
    "ssh_keys": ["ssh_key"],
    "firewall": "firewall",
    "firewalls": ["firewall"],
    "server": "server",
    "servers": ["server"],
    "primary_ip": "primary_ip",
    "primary_ips": ["primary_ip"],
    "floating_ip": "floating_ip",
    "floating_ips": ["floating_ip"],
    "action": "action",
    "actions": ["action"],
    "next_actions": ["action"],
    "root_password": None,
    "meta": "meta",
    "error": "error",
}


def object_problems(kind, value, where):
    """Return what is wrong with one object of ``kind`` at ``where`` (a path for the messages)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["%s: expected a %s object, got %r" % (where, kind, value)]
    schema = SCHEMA[kind]
    required = schema.get("required", set())
    allowed = required | schema.get("optional", set())
    problems = []
    for field in sorted(value):
        if (kind, field) in REMOVED:
            problems.append("%s.%s: %s" % (where, field, REMOVED[(kind, field)]))
        elif field not in allowed:
            problems.append("%s.%s: not a field of a %s in the current API" % (where, field, kind))
    for field in sorted(required - set(value)):
        problems.append("%s.%s: missing; the current API always sends it" % (where, field))
    for field in sorted(value):
        allowed_values = VALUES.get((kind, field))
        if allowed_values is not None and value[field] not in allowed_values:
            problems.append("%s.%s: %r is not one of %s" % (where, field, value[field], ", ".join(sorted(allowed_values))))
    if kind in RULES:
        problems += ["%s: %s" % (where, text) for text in RULES[kind](value)]
    for field, child in sorted(schema.get("children", {}).items()):
        if field not in value:
            continue
        problems += value_problems(child, value[field], "%s.%s" % (where, field))
    return problems


def value_problems(kind, value, where):
    """Check ``value`` against ``kind``: a kind name, ``[kind]`` for a list, or None for "anything"."""
    if kind is None:
        return []
    if isinstance(kind, list):
        if not isinstance(value, list):
            return ["%s: expected a list of %s, got %r" % (where, kind[0], value)]
        problems = []
        for index, item in enumerate(value):
            problems += object_problems(kind[0], item, "%s[%d]" % (where, index))
        return problems
    return object_problems(kind, value, where)


def answer_problems(answer, where="answer"):
    """Return what is wrong with one JSON answer of the API (a dict of top-level keys)."""
    if answer is None:
        return []
    problems = []
    for key in sorted(answer):
        if key in REMOVED_KINDS:
            problems.append("%s.%s: %s" % (where, key, REMOVED_KINDS[key]))
        elif key not in ROOTS:
            problems.append("%s.%s: not a top-level key the fake should answer with" % (where, key))
        else:
            problems += value_problems(ROOTS[key], answer[key], "%s.%s" % (where, key))
    return problems


def recorded_problems(responses):
    """Check ``FakeHcloud.responses()``; return one message per problem, naming the request."""
    problems = []
    for method, path, status, answer in responses:
        problems += answer_problems(answer, "%s %s (%s)" % (method, path, status))
    return problems
