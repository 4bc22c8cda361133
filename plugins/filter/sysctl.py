# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: sysctl_plan
short_description: "Internal to the sysctl role: its keys, uplinks and refusals, from what sysctl_info read"
version_added: 0.2.0
description:
  - B(Internal) to the P(ipv6ready.docker.sysctl#role) role, not a public interface; these filters may change in any
    release without notice.
  - Takes the result of M(ipv6ready.docker.sysctl_info) and the role's variables, and returns everything the
    C(ipv6ready.docker.sysctl) role does on that host.
  - C(uplinks) are the interfaces that get C(accept_ra=2), detected from RA-learned routes and addresses with a finite
    lifetime where the kernel handles router advertisements, plus the listed ones.
  - C(wanted) are the keys and values in the order they are applied (C(accept_ra) before forwarding).
  - C(problems) say why the host cannot carry them. C(overrides) and C(override_message) list the lines of sysctl
    files applied after the role's own that would set one of its keys to another value. C(stale) lists the keys in
    the role's file that it no longer wants.
  - C(forward_policy_set) lists the FORWARD chain tools (C(ip6tables), C(iptables)) whose policy is not DROP yet, and
    C(unit_enable) says whether the boot unit that sets the policy is not enabled yet, both from what
    M(ipv6ready.docker.sysctl_info) read with its C(forward_policy) and C(units) options. C(unit_current) says
    whether the unit file it read with C(files) is already the one the role writes. C(apply) are the items of
    C(wanted) that the role's file and the kernel do not both hold already (from C(own_content) and C(own_values)),
    the settings C(ansible.posix.sysctl) would change.
  - C(install) lists the packages the role installs first (those of C(ipv6ready.docker.sysctl_packages) that
    M(ipv6ready.docker.sysctl_info) found missing with its C(packages) option), and C(after_install) the programs that
    need them (C(sysctl), C(ip6tables), C(iptables)), which check mode cannot run. A FORWARD chain tool that comes
    with them counts as there, with a policy to set.
  - The companion filter C(ipv6ready.docker.sysctl_problems) checks the variables alone, before the host is read.
  - The companion filter C(ipv6ready.docker.sysctl_packages) returns the Debian packages the role needs for its
    variables (C(procps) for C(ansible.posix.sysctl), C(iptables) for the FORWARD policy, C(nftables) for the
    nftables backend).
  - With C(sysctl_forward_policy_backend=nftables) the plan also says whether the role's nftables file is written
    already (C(nft_current)), whether the table must be loaded (C(nft_load)), and which iptables FORWARD chains with
    policy DROP to set to ACCEPT (C(forward_policy_open)); otherwise whether a table and file left from that backend
    must go (C(nft_remove), C(nft_file_remove)). The companion filter C(ipv6ready.docker.sysctl_nft_interfaces)
    returns the interfaces the table's forward chain lets through (Docker's bridges, then
    C(sysctl_forward_accept_interfaces)).
options:
  _input:
    description: The registered result of M(ipv6ready.docker.sysctl_info).
    type: dict
    required: true
  inputs:
    description:
      - The role variables by name, C(sysctl_ipv4_forwarding), C(sysctl_accept_ra_detect),
        C(sysctl_accept_ra_interfaces), C(sysctl_extra), C(sysctl_preflight) and C(sysctl_forward_policy_drop).
      - C(unit), C(unit_path) and C(unit_content), the name, the file and the rendered text of the boot unit that
        sets the FORWARD policy.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    plan: "{{ host | ipv6ready.docker.sysctl_plan(inputs) }}"
  vars:
    inputs:
      sysctl_ipv4_forwarding: false
      sysctl_accept_ra_detect: true
      sysctl_accept_ra_interfaces: []
      sysctl_extra: {}
      sysctl_preflight: fail
      sysctl_forward_policy_drop: true
"""

RETURN = r"""
_value:
  description: The plan; see the description for its keys.
  type: dict
"""

from ansible_collections.ipv6ready.docker.plugins.module_utils import _sysctl
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping


def sysctl_plan(host, inputs):
    """Everything the sysctl role does on one host (see ``_sysctl.plan``)."""
    return _sysctl.plan(mapping(host, "sysctl_plan input"), mapping(inputs, "sysctl_plan inputs"))


def sysctl_problems(inputs):
    """What is wrong with the sysctl role's variables beyond their types."""
    return _sysctl.input_problems(mapping(inputs, "sysctl_problems input"))


def sysctl_nft_interfaces(inputs):
    """The interfaces the role's nftables forward chain lets through: Docker's bridges and the listed ones."""
    return _sysctl.nft_accept_interfaces(mapping(inputs, "sysctl_nft_interfaces input"))


def sysctl_packages(inputs):
    """The Debian packages the sysctl role needs for its variables."""
    return _sysctl.packages(mapping(inputs, "sysctl_packages input"))


class FilterModule:
    """The sysctl role's decisions."""

    def filters(self):
        return {
            "sysctl_plan": sysctl_plan,
            "sysctl_problems": sysctl_problems,
            "sysctl_packages": sysctl_packages,
            "sysctl_nft_interfaces": sysctl_nft_interfaces,
        }
