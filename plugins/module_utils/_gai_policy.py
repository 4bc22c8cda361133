# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The gai_policy role's checks of its variables and its plan, as pure functions (private).

``input_problems(inputs)`` returns what is wrong with the role's variables
beyond their types (meta/argument_specs.yml checks those), one message per
problem, each starting with the variable's name. ``inputs`` holds the role's
variables by name (``gai_policy_local_prefixes``, ``gai_policy_labels``,
``gai_policy_precedences``, ``ipv6ready_docker_socket``). The rules are the
gai_conf module's own (``_gai``), so the role refuses before anything is
touched what the module would refuse while writing; the socket's is the
collection's (``_names``).

``plan(read, inputs)`` decides, on the controller, from the one read of the
host (the ``state_info`` module), which policy files the ``gai_conf`` module must
write and whether their directory needs creating, with the module's own
parser and renderer (``_gai``): a no-op skips the writer. This file is private
to the collection: its names may change without notice.
"""

from __future__ import annotations

import json
import posixpath

from ansible_collections.ipv6ready.docker.plugins.module_utils import _gai, _names

#: The owner, group and modes the role gives the policy files and their directory.
FILE_MODE = "0644"
DIRECTORY_MODE = "0755"
ROOT = "root"


def local_prefix_problems(inputs):
    """The containers' source prefixes: IPv6 prefixes, the length optional (/128), no host bits."""
    return _gai.prefix_problems(inputs.get("gai_policy_local_prefixes"), "gai_policy_local_prefixes")


def label_problems(inputs):
    """The label entries: a prefix as above and a label from 0 to 2147483647; one label per prefix."""
    return _gai.entry_problems(inputs.get("gai_policy_labels"), "gai_policy_labels", "label")


def precedence_problems(inputs):
    """The precedence entries: a prefix as above and a precedence from 0 to 2147483647; one per prefix."""
    return _gai.entry_problems(inputs.get("gai_policy_precedences"), "gai_policy_precedences", "precedence")


def socket_problems(inputs):
    """The engine API socket the role lists the containers that mount the policy through."""
    return _names.socket_problems(inputs.get("ipv6ready_docker_socket"), "ipv6ready_docker_socket")


RULES = (local_prefix_problems, label_problems, precedence_problems, socket_problems)


def input_problems(inputs):
    """Every problem of the role's variables, in the order of RULES."""
    problems = []
    for rule in RULES:
        problems.extend(rule(inputs))
    return problems


def daemon_ranges(config):
    """The IPv6 ranges of a daemon.json (a dict): ``fixed-cidr-v6`` and the IPv6 ``default-address-pools``, once each."""
    candidates = [part for part in str(config.get("fixed-cidr-v6", "")).split(",") if part]
    candidates.extend(pool["base"] for pool in config.get("default-address-pools") or [] if isinstance(pool, dict) and "base" in pool)
    ranges = []
    for value in candidates:
        if ":" in str(value) and value not in ranges:
            ranges.append(value)
    return ranges


def local_prefixes(read, inputs):
    """The containers' source prefixes: the variable, else daemon.json's IPv6 ranges, else all of ULA (fc00::/7).

    Raises ``ValueError`` when daemon.json is there but is not a JSON object.
    """
    if inputs.get("gai_policy_local_prefixes"):
        return list(inputs["gai_policy_local_prefixes"])
    daemon_json = ((read or {}).get("files") or {}).get(inputs.get("gai_policy_daemon_json"))
    if inputs.get("gai_policy_state", "present") == "present" and daemon_json is not None:
        if daemon_json.get("content") is None:
            raise ValueError("%s cannot be read: %s" % (inputs.get("gai_policy_daemon_json"), daemon_json.get("type")))
        try:
            config = json.loads(daemon_json["content"])
        except ValueError as exc:
            raise ValueError("%s is not JSON: %s" % (inputs.get("gai_policy_daemon_json"), exc))
        if not isinstance(config, dict):
            raise ValueError("%s is not a JSON object" % inputs.get("gai_policy_daemon_json"))
        ranges = daemon_ranges(config)
        if ranges:
            return ranges
    return ["fc00::/7"]


def _owned(state, mode):
    return state.get("mode") == mode and state.get("owner") == ROOT and state.get("group") == ROOT


def file_needs_write(state, tables, policy_state):
    """Whether ``gai_conf`` would change the file ``state`` (``_file.state`` with content, or ``None``) describes.

    ``tables`` is ``(labels, precedences)``, or ``None`` when they cannot be
    built: the module then fails with its message, so it must run. Whatever
    the read could not tell (a directory with entries, a link, anything but a
    regular file, text that does not parse) also runs the module.
    """
    if state is None or (state.get("type") == "directory" and state.get("empty")):
        return policy_state == "present"
    if state.get("type") != "file" or state.get("content") is None or tables is None:
        return True
    try:
        lines = _gai.parse(state["content"])
    except _gai.GaiParseError:
        return True
    after = _gai.render(lines, tables[0], tables[1], policy_state)
    if after != state["content"]:
        return True
    return after is not None and not _owned(state, FILE_MODE)


def plan(read, inputs):
    """What the role writes, from the host's read (``state_info``) and its variables by name.

    Returns a dict: ``local_prefixes`` (what the module gets), ``directory``
    (whether the container policy's directory must be created or get its
    owner and mode back) and ``write`` (the policy paths the module must
    write, container copy first). Raises ``ValueError`` for a daemon.json that
    cannot be used, as the role did when it parsed it.
    """
    state = inputs.get("gai_policy_state", "present")
    prefixes = local_prefixes(read, inputs)
    if state == "present":
        try:
            tables = _gai.build_tables(inputs.get("gai_policy_prefer", "ipv6"), prefixes, inputs.get("gai_policy_labels"), inputs.get("gai_policy_precedences"))
        except _gai.GaiOptionError:
            tables = None
    else:
        tables = (list(_gai.DEFAULT_LABELS), list(_gai.DEFAULT_PRECEDENCES))
    files = (read or {}).get("files") or {}
    wanted = [inputs["gai_policy_container_path"]]
    if inputs.get("gai_policy_manage_host"):
        wanted.append(inputs["gai_policy_host_path"])
    directory = files.get(posixpath.dirname(inputs["gai_policy_container_path"])) or {}
    return {
        "local_prefixes": prefixes,
        "directory": state == "present" and not (directory.get("type") == "directory" and _owned(directory, DIRECTORY_MODE)),
        "write": [path for path in wanted if file_needs_write(files.get(path), tables, state)],
    }
