# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: interface_problems
short_description: "Internal to the roles: check an interface name, naming the variable"
version_added: 0.3.0
description:
  - B(Internal) to the collection's roles, not a public interface. Its name, inputs and output may change in any
    release without a deprecation period; do not call it from your own playbooks.
  - Returns a message starting with O(name) when the input is not an interface name, the collection's one rule for
    them - 1 to 15 letters, digits, C(.), C(_) or C(-), not C(.) or C(..) - so that a name can go into a systemd
    unit, a command line or a firewall rule as it is.
  - C(socket_problems) does the same for the path of a Unix socket, such as C(ipv6ready_docker_socket) - an
    absolute path of at most 107 bytes (the kernel's C(sun_path)), not a directory.
options:
  _input:
    description: The interface name, or for C(socket_problems) the socket's path.
    type: raw
    required: true
  name:
    description: The variable name to put in front of the message.
    type: str
    required: true
  required:
    description: C(interface_problems) - whether an empty value is a problem too.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Check the uplink's name (empty means none)
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ my_uplink | ipv6ready.docker.interface_problems('my_uplink', required=false) }}"
"""

RETURN = r"""
_value:
  description: The message, or nothing when the name is usable.
  type: list
  elements: str
"""

from ansible_collections.ipv6ready.docker.plugins.module_utils import _names


def interface_problems(value, name, required=True):
    """``[name: problem]`` when ``value`` is not an interface name (``_names.interface_problems``)."""
    return _names.interface_problems(value, name, required=required)


def socket_problems(value, name):
    """``[name: problem]`` when ``value`` is not the path of a Unix socket (``_names.socket_problems``)."""
    return _names.socket_problems(value, name)


class FilterModule:
    """Names the roles take from their variables."""

    def filters(self):
        return {"interface_problems": interface_problems, "socket_problems": socket_problems}
