# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names the roles take from their variables: interface names and domain names (private).

One rule per kind of name, used by every role that takes one:

- an interface name (``interface_problem``): what the kernel accepts
  (at most 15 bytes, not ``.`` or ``..``, no ``/``, ``:`` or blank),
  narrowed to letters, digits, ``.``, ``_`` and ``-``, so that a name can
  go into a systemd unit, a shell command line or a firewall rule as it is;
- a domain name (``domain_problem``): labels of letters, digits, ``_`` and
  ``-``, 1 to 63 characters each, separated by dots, at most 253 characters,
  with an optional trailing dot; ``.`` is the root;
- the path of a Unix socket (``socket_problem``), such as the Docker
  engine's API socket: absolute, at most 107 bytes, no NUL, not a directory.

The ``*_problem`` functions return the value (its ``repr``) and the reason,
or None; callers put the variable name in front: ``name: <message>``.
This file is private to the collection: its names may change without notice.
"""

from __future__ import annotations

import re

# The kernel's limit: IFNAMSIZ (16) bytes with the terminating NUL.
INTERFACE_NAME_MAX = 15
INTERFACE_RE = re.compile(r"[A-Za-z0-9_.-]{1,%d}" % INTERFACE_NAME_MAX)
INTERFACE_RULE = '1 to %d letters, digits, ".", "_" or "-"; not "." or ".."' % INTERFACE_NAME_MAX

# A Unix socket address (sun_path) holds 108 bytes with the terminating NUL.
SOCKET_PATH_MAX = 107
SOCKET_RULE = "an absolute path of at most %d bytes, such as /run/docker.sock" % SOCKET_PATH_MAX

_LABEL_RE = re.compile(r"[A-Za-z0-9_-]{1,63}")
DOMAIN_RULE = 'labels of 1 to 63 letters, digits, "_" or "-", separated by dots'


def interface_problem(value):
    """Why ``value`` cannot be an interface name, or None when it can."""
    if isinstance(value, str) and INTERFACE_RE.fullmatch(value) and value not in (".", ".."):
        return None
    return "%r is not an interface name (%s)" % (value, INTERFACE_RULE)


def interface_problems(value, name, required=True):
    """``[name: problem]`` when ``value`` is not an interface name; an empty value is fine unless ``required``."""
    if not required and value in ("", None):
        return []
    problem = interface_problem(value)
    return ["%s: %s" % (name, problem)] if problem else []


def domain_problem(value):
    """Why ``value`` is not a domain name, or None when it is."""
    if value == ".":
        return None
    if isinstance(value, str):
        name = value[:-1] if value.endswith(".") else value
        if len(name) <= 253 and all(_LABEL_RE.fullmatch(label) for label in name.split(".")):
            return None
    return "%r is not a domain name (%s)" % (value, DOMAIN_RULE)


def domain_problems(values, name):
    """``name: problem`` for every value of the list that is not a domain name."""
    return ["%s: %s" % (name, problem) for problem in (domain_problem(value) for value in values or []) if problem]


def socket_problem(value):
    """Why ``value`` cannot be the path of a Unix socket, or None when it can.

    An empty path matters most: ``ansible.builtin.uri`` with an empty
    ``unix_socket`` talks TCP to ``localhost:80`` instead.
    """
    if isinstance(value, str) and value.startswith("/") and not value.endswith("/") and "\0" not in value and len(value.encode("utf-8")) <= SOCKET_PATH_MAX:
        return None
    return "%r is not the path of a socket (%s)" % (value, SOCKET_RULE)


def socket_problems(value, name):
    """``[name: problem]`` when ``value`` is not the path of a Unix socket."""
    problem = socket_problem(value)
    return ["%s: %s" % (name, problem)] if problem else []
