# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: nat64_client_problems
short_description: "Internal to the nat64_client role: check its variables"
version_added: 0.3.0
description:
  - B(Internal) to the P(ipv6ready.docker.nat64_client#role) role, not a public interface. Its name, input and
    output may change in any release without a deprecation period; do not call it from your own playbooks.
  - Lists what is wrong with the role's variables beyond their types, one message per problem, each starting with
    the variable's name.
  - C(ipv6ready.docker.nat64_client_mode) takes O(nat64_client_resolver) (V(auto), V(resolved), V(resolv_conf) or
    V(none)), where C(/etc/resolv.conf) links to (resolved, or V(null)) and its text, and returns how the host
    resolves names; V(auto) finds systemd-resolved when the file links into C(/run/systemd/resolve/) or names
    C(127.0.0.53), and a plain C(/etc/resolv.conf) otherwise.
  - C(ipv6ready.docker.nat64_client_host_problems) takes the role's variables, that mode and where
    C(/etc/resolv.conf) links to, and lists what stops the role on the host it read; when the role writes
    C(/etc/resolv.conf) itself, a file another tool writes (a link) and more resolvers than glibc reads (3).
options:
  _input:
    description: The role's variables by name (C(nat64_client_prefix), C(nat64_client_route_via), ...).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ inputs | ipv6ready.docker.nat64_client_problems }}"
    inputs:
      nat64_client_prefix: "2001:db8:1:2:64::/96"
      nat64_client_route_via: "fe80::1"
      nat64_client_route_device: eth0
"""

RETURN = r"""
_value:
  description: One message per problem; empty when the variables are usable.
  type: list
  elements: str
"""

from ansible_collections.ipv6ready.docker.plugins.module_utils import _nat64_client
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping


def nat64_client_problems(inputs):
    """What is wrong with the nat64_client role's variables beyond their types (``_nat64_client.input_problems``)."""
    return _nat64_client.input_problems(mapping(inputs, "nat64_client_problems input"))


def nat64_client_mode(setting, link, text):
    """How the host resolves names (module_utils/_nat64_client.resolver_mode)."""
    return _nat64_client.resolver_mode(str(setting), None if link is None else str(link), "" if text is None else str(text))


def nat64_client_host_problems(inputs, mode, link):
    """What stops the role on the host it read (``_nat64_client.host_problems``)."""
    return _nat64_client.host_problems(mapping(inputs, "nat64_client_host_problems input"), str(mode), None if link is None else str(link))


class FilterModule:
    """The nat64_client role's checks."""

    def filters(self):
        return {
            "nat64_client_problems": nat64_client_problems,
            "nat64_client_mode": nat64_client_mode,
            "nat64_client_host_problems": nat64_client_host_problems,
        }
