# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The gai_policy role's checks of its variables, as pure functions (private).

``input_problems(inputs)`` returns what is wrong with the role's variables
beyond their types (meta/argument_specs.yml checks those), one message per
problem, each starting with the variable's name. ``inputs`` holds the role's
variables by name (``gai_policy_local_prefixes``, ``gai_policy_labels``,
``gai_policy_precedences``, ``ipv6ready_docker_socket``). The rules are the
gai_conf module's own (``_gai``), so the role refuses before anything is
touched what the module would refuse while writing; the socket's is the
collection's (``_names``). This file is private to the collection: its names
may change without notice.
"""

from __future__ import annotations

from ansible_collections.ipv6ready.docker.plugins.module_utils import _gai, _names


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
