# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: musl_order
short_description: Predict the order musl's getaddrinfo sorts destination addresses in
version_added: 0.2.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - Sorts candidate destinations the way musl (the libc of Alpine images) does, and says for each one which rule
    decided. musl ignores C(/etc/gai.conf) and always uses one fixed RFC 6724 policy table, so a policy file cannot
    change what an Alpine container tries first; this filter shows what it will try.
  - musl's table (precedence/label) is C(::1/128) 50/0, C(::ffff:0:0/96) 35/4, C(2002::/16) 30/2, C(2001::/32)
    5/5, C(fc00::/7) 3/13 and C(::/0) 40/1. It sorts by rule 1 (usable), 2 (matching scope), 5 (matching label),
    6 (precedence), 8 (smaller scope), 9 (common prefix over all 128 bits, IPv4 as IPv4-mapped) and 10 (the order it
    collected the answers in, AAAA before A). Rules 3, 4 and 7 are left out, as in musl.
  - So a container on a unique local (ULA) network tries an A record before a NAT64 AAAA; one on a network with
    global addresses, or on an IPv6-only network, tries the NAT64 AAAA first.
options:
  _input:
    description:
      - The resolver's answers, each a dict with C(destination), an IP address, and C(source), the address the kernel
        picks for it (as in C(ip route get)). A missing or null C(source) means no route, so the destination is
        unusable.
      - The order within each family is the resolver's; musl puts the AAAA answers first.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Show what an Alpine container on a ULA network tries first, and why
  ansible.builtin.debug:
    msg: "{{ (candidates | ipv6ready.docker.musl_order)[0].reason }}"
  vars:
    candidates:
      - {destination: "2001:db8:64::c000:20a", source: "fd00:d0c:0:1::2"}
      - {destination: 192.0.2.10, source: 172.18.0.2}
  # rule 5 (matching label): source fd00:d0c:0:1::2 has label 13, destination 2001:db8:64::c000:20a has
  # label 1 - no match; source 172.18.0.2 (label 4) matches destination 192.0.2.10 (label 4)
"""

RETURN = r"""
_value:
  description:
    - The candidates in musl's order, each a dict with C(destination), C(source), C(usable), C(precedence) and
      C(label) of the destination, C(source_label), C(scope), C(source_scope), C(common_prefix), C(key) (musl's sort
      key) and C(reason).
    - C(reason) says why the entry sorts before the next one; for the last entry, why the one before it comes first.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils._musl import MuslModelError
from ansible_collections.ipv6ready.docker.plugins.module_utils._musl import musl_order as _musl_order


def musl_order(candidates):
    """Sort ``candidates`` as musl's getaddrinfo does; see DOCUMENTATION."""
    if not isinstance(candidates, (list, tuple)):
        raise AnsibleFilterError("ipv6ready.docker.musl_order: the input must be a list of {destination, source}, got %s" % type(candidates).__name__)
    try:
        return _musl_order(list(candidates))
    except MuslModelError as exc:
        raise AnsibleFilterError("ipv6ready.docker.musl_order: %s" % exc)


class FilterModule:
    """musl's address selection."""

    def filters(self):
        return {"musl_order": musl_order}
