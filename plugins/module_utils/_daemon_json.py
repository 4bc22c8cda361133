# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure helpers for the ``ipv6ready.docker.daemon_json`` module.

Everything here parses, merges, renders, compares or checks Docker's
``daemon.json``. Nothing touches the file system, runs a program or needs an
``AnsibleModule``, so all of it is unit-tested directly.

This file is private to the collection (leading underscore): its names may
change without notice.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine, _prefix

DEFAULT_PATH = "/etc/docker/daemon.json"

# Options that ``dockerd`` re-reads on SIGHUP, from the "Configuration reload
# behavior" table of the dockerd reference. The reference names
# ``authorization-plugin`` (the CLI flag); the daemon.json key is
# ``authorization-plugins``. Every other key needs a full engine restart.
RELOADABLE_KEYS = frozenset(
    (
        "debug",
        "labels",
        "live-restore",
        "max-concurrent-downloads",
        "max-concurrent-uploads",
        "max-download-attempts",
        "default-runtime",
        "runtimes",
        "authorization-plugins",
        "allow-nondistributable-artifacts",
        "insecure-registries",
        "registry-mirrors",
        "shutdown-timeout",
        "features",
    )
)

# ``features`` is reloaded as a whole, but only some flags take effect
# without a restart (the builder choice is read per request). Others, such
# as ``containerd-snapshotter``, switch subsystems at start-up only.
RELOADABLE_FEATURES = frozenset(("buildkit",))


class DaemonJsonError(Exception):
    """Base class of the errors raised by these helpers."""


class DaemonJsonParseError(DaemonJsonError):
    """The existing file is not a JSON object.

    ``lineno`` and ``colno`` are 1-based, as in ``json.JSONDecodeError``.
    """

    def __init__(self, msg, path, lineno, colno):
        self.path = path
        self.lineno = lineno
        self.colno = colno
        self.reason = msg
        super().__init__("%s is not a valid daemon.json: %s (line %d, column %d)" % (path, msg, lineno, colno))


class DaemonJsonConflictError(DaemonJsonError):
    """A key was both set and removed."""


# --------------------------------------------------------------------------
# Parsing and rendering
# --------------------------------------------------------------------------


def parse_daemon_json(text, path=DEFAULT_PATH):
    """Parse the text of a daemon.json.

    Returns a ``dict`` in file order. Empty or whitespace-only text is ``{}``,
    as dockerd treats it. A leading UTF-8 byte order mark is ignored.
    Raises ``DaemonJsonParseError`` (with line and column) when the text is not
    JSON or its top-level value is not an object.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        lineno = getattr(exc, "lineno", 1)
        colno = getattr(exc, "colno", 1)
        reason = getattr(exc, "msg", str(exc))
        raise DaemonJsonParseError(reason, path, lineno, colno) from None
    if not isinstance(data, dict):
        offset = len(text) - len(text.lstrip())
        lineno = text.count("\n", 0, offset) + 1
        colno = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise DaemonJsonParseError(
            "the top-level value must be a JSON object, not %s" % json_type_name(data),
            path,
            lineno,
            colno,
        )
    return data


def render_daemon_json(config):
    """Render a config as daemon.json text.

    Key order is kept (new keys were appended by ``merge_settings``), the
    indent is 2 and the text ends with a newline, so a diff stays small.
    """
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def json_type_name(value):
    """Return the JSON name of a Python value's type (``boolean``, ``string`` ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def json_equal(a, b):
    """Compare two JSON values, types included.

    Unlike ``==``, ``True`` differs from ``1`` and ``1`` from ``1.0``: dockerd
    reads them differently. Object key order does not matter.
    """
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        return all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if json_type_name(a) != json_type_name(b):
        return False
    return a == b


# --------------------------------------------------------------------------
# Merging and comparing
# --------------------------------------------------------------------------


def _deep_merge(base, update):
    result = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        elif isinstance(value, dict):
            result[key] = _deep_merge({}, value)
        elif isinstance(value, list):
            result[key] = list(value)
        else:
            result[key] = value
    return result


def merge_settings(current, settings=None, remove=None):
    """Merge ``settings`` into ``current`` and drop the top-level keys in ``remove``.

    Nested objects merge key by key; arrays and scalars replace. Existing keys
    keep their position, new keys are appended. Neither input is modified.
    Returns the merged ``dict``. Raises ``DaemonJsonConflictError`` when a key
    is both in ``settings`` and ``remove``.
    """
    settings = settings or {}
    remove = remove or []
    both = sorted(set(settings) & set(remove))
    if both:
        raise DaemonJsonConflictError("key(s) both in settings and remove: %s" % ", ".join(both))
    merged = _deep_merge(current, settings)
    for key in remove:
        merged.pop(key, None)
    return merged


def changed_keys(before, after):
    """Return the sorted top-level keys that were added, removed or changed."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if k not in before or k not in after or not json_equal(before[k], after[k]))


def _changed_features(before, after):
    old = before.get("features") if isinstance(before.get("features"), dict) else {}
    new = after.get("features") if isinstance(after.get("features"), dict) else {}
    return set(k for k in set(old) | set(new) if k not in old or k not in new or not json_equal(old[k], new[k]))


def classify_changes(before, after):
    """Split the changed top-level keys by how dockerd picks them up.

    Returns ``(restart_keys, reload_keys)``, two sorted lists. ``reload_keys``
    take effect on SIGHUP (``systemctl reload docker``); ``restart_keys`` need
    a full engine restart. ``features`` counts as reloadable only when every
    changed flag is in ``RELOADABLE_FEATURES``.
    """
    restart, reload_ = [], []
    for key in changed_keys(before, after):
        if key == "features":
            if _changed_features(before, after) <= RELOADABLE_FEATURES:
                reload_.append(key)
            else:
                restart.append(key)
        elif key in RELOADABLE_KEYS:
            reload_.append(key)
        else:
            restart.append(key)
    return restart, reload_


def restart_required(before, after):
    """Return ``True`` when any changed key needs a full engine restart."""
    return bool(classify_changes(before, after)[0])


# --------------------------------------------------------------------------
# Engine versions
# --------------------------------------------------------------------------

# Parsing and formatting live with the version table (_engine.py).
parse_engine_version = _engine.parse_version
format_version = _engine.format_version


def dockerd_validate_supported(version):
    """Return ``True`` when ``dockerd --validate`` exists for this engine version."""
    return _engine.supports(version, "daemon_validate")


def dockerd_validate_command(dockerd, config_file):
    """Return the argv that asks ``dockerd`` to check a config file."""
    return [dockerd, "--validate", "--config-file", config_file]


# --------------------------------------------------------------------------
# Built-in type check
# --------------------------------------------------------------------------
#
# Each checker takes (key path, value) and returns a list of error messages.
# A message always starts with the key path and says what is wrong.


def _describe(value):
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return "%s %s" % (json_type_name(value), text)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _bool(key, value):
    if isinstance(value, bool):
        return []
    return ["%s: must be a JSON boolean (true or false), got %s" % (key, _describe(value))]


def _str(key, value):
    if isinstance(value, str):
        return []
    return ["%s: must be a string, got %s" % (key, _describe(value))]


def _int(key, value):
    if _is_int(value):
        return []
    return ["%s: must be an integer, got %s" % (key, _describe(value))]


def _non_negative_int(key, value):
    errors = _int(key, value)
    if not errors and value < 0:
        errors.append("%s: must not be negative, got %d" % (key, value))
    return errors


def _object(key, value):
    if isinstance(value, dict):
        return []
    return ["%s: must be a JSON object, got %s" % (key, _describe(value))]


def _array(key, value):
    if isinstance(value, list):
        return []
    return ["%s: must be a JSON array, got %s" % (key, _describe(value))]


def _one_of(*choices):
    def check(key, value):
        if isinstance(value, str) and value in choices:
            return []
        return ["%s: must be one of %s, got %s" % (key, ", ".join('"%s"' % c for c in choices), _describe(value))]

    return check


def _list_of(item_check):
    def check(key, value):
        errors = _array(key, value)
        if errors:
            return errors
        for index, item in enumerate(value):
            errors.extend(item_check("%s[%d]" % (key, index), item))
        return errors

    return check


def _dict_of(value_check):
    def check(key, value):
        errors = _object(key, value)
        if errors:
            return errors
        for name, item in value.items():
            errors.extend(value_check("%s.%s" % (key, name), item))
        return errors

    return check


def _ip_text(key, value, family=None, form="address"):
    """Check an IP address, or a network or interface (address/length) string, with the _prefix helpers.

    Networks may carry host bits, as dockerd masks them itself.
    """
    errors = _str(key, value)
    if errors:
        return errors
    if form == "address":
        problem = _prefix.address_problem(value, version=family)
    else:
        problem = _prefix.prefix_problem(value, version=family, host_bits=True)
    return ["%s: %s" % (key, problem)] if problem else []


def _ip(family=None, form="address"):
    def check(key, value):
        return _ip_text(key, value, family, form)

    return check


def pool_problems(key, value, version=None, host_bits=True):
    """Check one ``default-address-pools`` entry ``{base, size}``; messages start with ``key``.

    ``size`` is the prefix length of each network cut from ``base``: at least
    the base's own length, at most 32 (IPv4) or 128 (IPv6). ``version``
    requires that address family; without ``host_bits`` the base must be a
    network (the daemon role's own pools).
    """
    errors = _object(key, value)
    if errors:
        return errors
    for field in ("base", "size"):
        if field not in value:
            errors.append("%s: missing %r" % (key, field))
    if errors:
        return errors
    errors = _str(key + ".base", value["base"])
    if not errors:
        problem = _prefix.prefix_problem(value["base"], version=version, host_bits=host_bits)
        if problem:
            errors.append("%s.base: %s" % (key, problem))
    errors.extend(_int(key + ".size", value["size"]))
    if errors:
        return errors
    network = ipaddress.ip_network(value["base"], strict=False)
    size = value["size"]
    if size < network.prefixlen or size > network.max_prefixlen:
        errors.append("%s.size: %d must be between %d (the prefix length of %s) and %d" % (key, size, network.prefixlen, value["base"], network.max_prefixlen))
    return errors


# Key -> checker. Keys not listed here are passed through unchecked.
KEY_TYPES = {
    # IPv6 and the default bridge
    "ipv6": _bool,
    "fixed-cidr-v6": _ip(6, "network"),
    "ip6tables": _bool,
    "bip6": _ip(6, "interface"),
    "default-gateway-v6": _ip(6),
    "fixed-cidr": _ip(4, "network"),
    "bip": _ip(4, "interface"),
    "default-gateway": _ip(4),
    "ip": _ip(),
    "bridge": _str,
    "mtu": _non_negative_int,
    "default-address-pools": _list_of(pool_problems),
    "default-network-opts": _dict_of(_dict_of(_str)),
    # Firewall and forwarding
    "iptables": _bool,
    "ip-forward": _bool,
    "ip-forward-no-drop": _bool,
    "ip-masq": _bool,
    "icc": _bool,
    "userland-proxy": _bool,
    "allow-direct-routing": _bool,
    "firewall-backend": _one_of("iptables", "nftables"),
    "bridge-accept-fwmark": _str,
    # DNS
    "dns": _list_of(_ip()),
    "dns-opts": _list_of(_str),
    "dns-search": _list_of(_str),
    # Daemon
    "experimental": _bool,
    "live-restore": _bool,
    "debug": _bool,
    "log-level": _str,
    "log-driver": _str,
    "log-opts": _dict_of(_str),
    "data-root": _str,
    "exec-root": _str,
    "storage-driver": _str,
    "storage-opts": _list_of(_str),
    "features": _dict_of(_bool),
    "labels": _list_of(_str),
    "hosts": _list_of(_str),
    "group": _str,
    "userns-remap": _str,
    "exec-opts": _list_of(_str),
    "default-runtime": _str,
    "runtimes": _object,
    "authorization-plugins": _list_of(_str),
    "init": _bool,
    "no-new-privileges": _bool,
    "selinux-enabled": _bool,
    "tls": _bool,
    "tlsverify": _bool,
    "max-concurrent-downloads": _non_negative_int,
    "max-concurrent-uploads": _non_negative_int,
    "max-download-attempts": _non_negative_int,
    "shutdown-timeout": _int,
    "registry-mirrors": _list_of(_str),
    "insecure-registries": _list_of(_str),
    "allow-nondistributable-artifacts": _list_of(_str),
    "default-ulimits": _object,
    "proxies": _dict_of(_str),
}


def check_types(config):
    """Check the JSON types of the keys in ``KEY_TYPES``.

    Returns a list of messages, each naming the key and the problem; an empty
    list means the check passed. Unknown keys are not checked.
    """
    errors = []
    for key, value in config.items():
        checker = KEY_TYPES.get(key)
        if checker is not None:
            errors.extend(checker(key, value))
    return errors


# --------------------------------------------------------------------------
# Engine version rules: the one place that says which engine needs what
# --------------------------------------------------------------------------


def _present(key):
    return lambda cfg: key in cfg


def _network_opt_set(option):
    def condition(cfg):
        opts = cfg.get("default-network-opts")
        if not isinstance(opts, dict):
            return False
        return any(isinstance(v, dict) and option in v for v in opts.values())

    return condition


def _ip6tables_without_experimental(cfg):
    return cfg.get("ip6tables") is True and cfg.get("experimental") is not True


def _ipv6_without_fixed_cidr_v6(cfg):
    return cfg.get("ipv6") is True and not cfg.get("fixed-cidr-v6")


# (key, engine feature that makes the config fine, condition, problem). The
# versions come from the one table in _engine.py. A rule fails when the engine
# lacks the feature and the condition holds for the merged config; the message
# is "<key>: <problem> before Docker <version>; the engine is X".
VERSION_RULES = (
    ("ip6tables", "ip6tables", _present("ip6tables"), "does not exist"),
    ("ip6tables", "ip6tables_default", _ip6tables_without_experimental, 'true needs "experimental": true'),
    ("ipv6", "ipv6_without_fixed_cidr", _ipv6_without_fixed_cidr_v6, 'true needs "fixed-cidr-v6"'),
    ("default-network-opts", "default_network_opts", _present("default-network-opts"), "does not exist"),
    ("default-network-opts", "network_opts_ipv6", _network_opt_set("com.docker.network.enable_ipv6"), "com.docker.network.enable_ipv6 has no effect"),
    ("default-network-opts", "ipv6_only_networks", _network_opt_set("com.docker.network.enable_ipv4"), "com.docker.network.enable_ipv4 does not exist"),
    ("bip6", "bip6", _present("bip6"), "does not exist"),
    ("ip-forward-no-drop", "ip_forward_no_drop", _present("ip-forward-no-drop"), "does not exist"),
    ("firewall-backend", "firewall_backend", _present("firewall-backend"), "does not exist"),
    ("bridge-accept-fwmark", "bridge_accept_fwmark", _present("bridge-accept-fwmark"), "does not exist"),
)


def check_engine_version(config, version):
    """Check ``config`` against ``VERSION_RULES`` for an engine ``version`` tuple.

    Returns a list of messages naming the key, the problem and the engine
    version; an empty list means the check passed. Keys without a rule pass.
    """
    version = _engine.parse_version(version)
    errors = []
    for key, name, condition, problem in VERSION_RULES:
        if not _engine.supports(version, name) and condition(config):
            errors.append("%s: %s before Docker %s; the engine is %s" % (key, problem, _engine.since(name), format_version(version)))
    return errors


def validate_config(config, version=None):
    """Run the built-in checks: key types, then version rules if ``version`` is known.

    Returns the list of error messages (empty when valid).
    """
    errors = check_types(config)
    if version is not None:
        errors.extend(check_engine_version(config, version))
    return errors
