# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hcloud_ipv6only_plan
short_description: "Internal to the hcloud_ipv6only playbook: the move of a dual-stack fleet to IPv6-only, host by host"
version_added: 0.3.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - The decisions of C(playbooks/hcloud_ipv6only.yml). The playbook reads the project with the hetzner.hcloud
    C(*_info) modules and each host with P(ipv6ready.docker.ipv4_info#module), passes what it read to these
    filters, and applies the result with hetzner.hcloud's C(server) and C(primary_ip) modules.
  - C(hcloud_ipv6only_settings) checks the playbook's settings (the variables by name, in the input dict) before
    the first request and returns C(problems), each naming its variable, and the normalised C(settings) (mode,
    C(serial) with the canary, the price and where it comes from).
  - C(hcloud_ipv6only_plan) decides one host (the input is its inventory name) - refused (not a server of the
    fleet, a gateway, not reached over SSH over IPv6, no DNS64 resolver, inbound IPv4 traffic on a published port,
    a container without a restart policy), nothing to do, or the move with the primary IPv4 to release, its
    labels, and the power cycle that puts it back.
  - C(hcloud_ipv6only_window) returns the seconds to wait between the two readings of the published ports'
    counters - the window, when a host has an IPv4 address and a published port, else V(0).
  - C(hcloud_ipv6only_refusals) joins the refusals of all hosts into one message (empty when there are none).
  - C(hcloud_ipv6only_after) lists what is wrong with a host after its power cycle (its address, its containers).
  - C(hcloud_ipv6only_report) returns the report - each host's outcome, the fleet's IPv4 count before and after,
    the monthly cost and saving at the price.
  - C(hcloud_ipv6only_delete_plan) returns the fleet's kept addresses that the deletion step removes, and the
    problems that stop it.
options:
  _input:
    description:
      - C(hcloud_ipv6only_settings) - the settings, a dict of variables by name.
      - C(hcloud_ipv6only_plan) - the host's inventory name.
      - C(hcloud_ipv6only_window) - every host's first P(ipv6ready.docker.ipv4_info#module) result.
      - C(hcloud_ipv6only_refusals) - the plans of all hosts.
      - C(hcloud_ipv6only_after) - the host's plan.
      - C(hcloud_ipv6only_report) - the normalised settings.
      - C(hcloud_ipv6only_delete_plan) - the fleet's name.
    type: raw
    required: true
  window:
    description: C(hcloud_ipv6only_window) - the window in seconds.
    type: int
    default: 0
  check_mode:
    description: C(hcloud_ipv6only_settings), C(hcloud_ipv6only_report) - whether the run is in check mode.
    type: bool
    default: false
  inventory_fleets:
    description: C(hcloud_ipv6only_settings) - the C(ipv6ready_fleet) labels of the inventory's hosts.
    type: list
    elements: str
  fleet:
    description: C(hcloud_ipv6only_plan) - the fleet's name.
    type: str
  mode:
    description: C(hcloud_ipv6only_plan), C(hcloud_ipv6only_after) - V(migrate) or V(restore).
    type: str
  servers:
    description: C(hcloud_ipv6only_plan) - the fleet's servers (C(hcloud_server_info)).
    type: list
    elements: dict
  primary_ips:
    description: C(hcloud_ipv6only_plan), C(hcloud_ipv6only_delete_plan) - the project's primary IPs.
    type: list
    elements: dict
  facts:
    description: C(hcloud_ipv6only_plan) - what the playbook read of the host (see the module_utils docstring).
    type: dict
  today:
    description: C(hcloud_ipv6only_plan) - the date for the kept address's label (YYYY-MM-DD).
    type: str
  gateways:
    description: C(hcloud_ipv6only_plan) - the inventory's NAT64 gateways.
    type: list
    elements: str
  info:
    description: C(hcloud_ipv6only_after) - P(ipv6ready.docker.ipv4_info#module) read after the power cycle.
    type: dict
  rollback:
    description: C(hcloud_ipv6only_after) - whether the power cycle put the host back.
    type: bool
    default: false
  before:
    description: C(hcloud_ipv6only_report) - C(servers) and C(primary_ips) read at the start.
    type: dict
  after:
    description: C(hcloud_ipv6only_report) - C(servers) and C(primary_ips) read now.
    type: dict
  plans:
    description: C(hcloud_ipv6only_report) - every host's plan.
    type: list
    elements: dict
  outcomes:
    description:
      - C(hcloud_ipv6only_report) - what happened to each host, in the order of O(plans) (V(null) for a host that
        was not moved), or a dict by inventory name.
    type: raw
  confirm:
    description: C(hcloud_ipv6only_delete_plan) - the confirmation; it must equal the fleet's name.
    type: str
"""

EXAMPLES = r"""
- name: Decide the host's move
  ansible.builtin.set_fact:
    plan: >-
      {{ inventory_hostname | ipv6ready.docker.hcloud_ipv6only_plan(
           fleet='prod', mode='migrate', servers=servers.hcloud_server_info,
           primary_ips=ips.hcloud_primary_ip_info, today='2026-12-06',
           facts={'connection': 'ssh', 'ssh_connection': ansible_facts.env.SSH_CONNECTION, 'reached': true,
                  'info': ipv4, 'dns64_servers': nat64_client_dns_servers, 'settings': {}}) }}
"""

RETURN = r"""
_value:
  description:
    - C(hcloud_ipv6only_refusals) returns a string, C(hcloud_ipv6only_after) a list of problems.
    - The other filters return a dict (see the description).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _ipv6only


def _dict(value, name, what):
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s: expected %s (a dict), got %s" % (name, what, type(value).__name__))
    return value


def _list(value, name, what):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s: expected %s (a list), got %s" % (name, what, type(value).__name__))
    return list(value)


def hcloud_ipv6only_settings(values, check_mode=False, inventory_fleets=None):
    """Check the settings before any request."""
    name = "hcloud_ipv6only_settings"
    return _ipv6only.settings(
        _dict(values, name, "the settings"), check_mode=bool(check_mode), inventory_fleets=_list(inventory_fleets, name, "inventory_fleets")
    )


def hcloud_ipv6only_plan(host, fleet=None, mode="migrate", servers=None, primary_ips=None, facts=None, today="", gateways=None):
    """Decide one host."""
    name = "hcloud_ipv6only_plan"
    if mode not in ("migrate", "restore"):
        raise AnsibleFilterError("%s: mode must be migrate or restore, got %r" % (name, mode))
    return _ipv6only.host_plan(
        str(host),
        fleet,
        mode,
        _list(servers, name, "servers"),
        _list(primary_ips, name, "primary_ips"),
        _dict(facts or {}, name, "facts"),
        str(today),
        gateways=_list(gateways, name, "gateways"),
    )


def hcloud_ipv6only_window(reads, window=0):
    """Seconds to wait between the two readings of the counters."""
    return _ipv6only.wait_seconds(_list(reads, "hcloud_ipv6only_window", "the readings"), int(window))


def hcloud_ipv6only_refusals(plans):
    """One message for the refused hosts."""
    return _ipv6only.refusals(_list(plans, "hcloud_ipv6only_refusals", "the plans"))


def hcloud_ipv6only_after(plan, info=None, mode="migrate", rollback=False):
    """What is wrong with the host after its power cycle."""
    name = "hcloud_ipv6only_after"
    return _ipv6only.after_problems(_dict(plan, name, "the plan"), _dict(info or {}, name, "info"), mode, rollback=bool(rollback))


def hcloud_ipv6only_report(settings, before=None, after=None, plans=None, outcomes=None, check_mode=False):
    """The report."""
    name = "hcloud_ipv6only_report"
    return _ipv6only.report(
        _dict(settings, name, "the settings"),
        _dict(before or {}, name, "before"),
        _dict(after or {}, name, "after"),
        _list(plans, name, "plans"),
        outcomes if isinstance(outcomes, (list, tuple)) else _dict(outcomes or {}, name, "outcomes"),
        check_mode=bool(check_mode),
    )


def hcloud_ipv6only_delete_plan(fleet, primary_ips=None, confirm=None):
    """Which kept addresses the deletion removes."""
    return _ipv6only.delete_plan(fleet, _list(primary_ips, "hcloud_ipv6only_delete_plan", "primary_ips"), confirm=None if confirm is None else str(confirm))


class FilterModule:
    """The move of a fleet to IPv6-only."""

    def filters(self):
        return {
            "hcloud_ipv6only_settings": hcloud_ipv6only_settings,
            "hcloud_ipv6only_plan": hcloud_ipv6only_plan,
            "hcloud_ipv6only_window": hcloud_ipv6only_window,
            "hcloud_ipv6only_refusals": hcloud_ipv6only_refusals,
            "hcloud_ipv6only_after": hcloud_ipv6only_after,
            "hcloud_ipv6only_report": hcloud_ipv6only_report,
            "hcloud_ipv6only_delete_plan": hcloud_ipv6only_delete_plan,
        }
