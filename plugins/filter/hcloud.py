# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hcloud_fleet_plan
short_description: "Internal to the Hetzner Cloud playbooks: what they create, change and delete"
version_added: 0.2.0
description:
  - B(Internal) to the playbooks C(ipv6ready.docker.hcloud_provision) and C(ipv6ready.docker.hcloud_teardown), not a
    public interface; these filters may change in any release without notice.
  - The decisions of C(playbooks/hcloud_provision.yml) and C(playbooks/hcloud_teardown.yml). The playbooks read the
    project with the hetzner.hcloud C(*_info) modules, pass what they read to these filters, and apply the result.
    Every problem is returned as a message that starts with the name of the variable to fix, so a run fails
    before its first change.
  - C(hcloud_fleet_plan) checks the settings (the C(hcloud_fleet_*) variables, by name, in the input dict) and
    returns the plan - names, labels, canonical prefixes and ports, the Docker hosts' firewall rules - with
    C(problems) and C(warnings). SSH sources have no default; C(::/0) or any prefix shorter than /16 needs
    C(hcloud_fleet_ssh_allow_any=true) and yields a warning. Prefixes are canonicalised (lowercase, compressed, no
    duplicates, sorted), so the firewall module sees no change on a re-run however they were typed; more than 100
    in one firewall rule is a problem.
  - C(hcloud_fleet_checks) checks the plan against the project before any server is created - the server type and
    the location together, from the API's C(server_types[].locations[]) (C(available), C(deprecation)); the image
    for the type's architecture; Docker hosts that exist with an IPv4 address; servers with the fleet's names that
    are not the fleet's; the SSH key - and returns which key to use and which servers to create.
  - C(hcloud_gateway_plan) returns the gateway's firewall rules for the Docker hosts that exist, the client
    prefixes they admit (not the gateway's own /64), and the problems the API would raise (its limits). With two or
    more gateways, one more rule lets their /64s send each other the failover agents' heartbeats.
  - With C(hcloud_fleet_gateway_count) of two or more, the plan holds one floating IPv6 /64 per gateway
    (C(<fleet>-nat64-floating-<n>), home C(<fleet>-nat64-<n>)); C(hcloud_fleet_checks) returns those to create
    (never touching an existing one, which the failover agents move) and C(hcloud_fleet_summary) writes them as
    C({name, network, home}).
  - C(hcloud_fleet_summary) returns what the provisioning prints and writes for C(site.yml).
  - C(hcloud_teardown_settings) checks the teardown's settings (the fleet's name is required) and returns the
    problems.
  - C(hcloud_teardown_plan) returns what the teardown deletes (only what carries the fleet's label and follows
    its naming), the problems that stop it, and whether it is confirmed.
options:
  _input:
    description:
      - C(hcloud_fleet_plan) - the settings, a dict of the C(hcloud_fleet_*) variables by name.
      - C(hcloud_fleet_checks), C(hcloud_gateway_plan), C(hcloud_fleet_summary) - the plan from C(hcloud_fleet_plan).
      - C(hcloud_teardown_settings) - the teardown's settings, a dict of variables by name.
      - C(hcloud_teardown_plan) - the fleet's name.
    type: raw
    required: true
  facts:
    description:
      - C(hcloud_fleet_plan) - what only the controller knows, C(ssh_public_key_path_is_file), C(ssh_public_key)
        (the file's content) and C(group_vars_file_is_dir).
    type: dict
  servers:
    description: C(hcloud_fleet_checks), C(hcloud_teardown_plan) - the servers (C(hcloud_server_info)).
    type: list
    elements: dict
  server_types:
    description: C(hcloud_fleet_checks) - the server types (C(hcloud_server_type_info)).
    type: list
    elements: dict
  locations:
    description: C(hcloud_fleet_checks) - the locations (C(hcloud_location_info)).
    type: list
    elements: dict
  images:
    description: C(hcloud_fleet_checks) - the system images (C(hcloud_image_info)).
    type: list
    elements: dict
  ssh_keys:
    description: C(hcloud_fleet_checks), C(hcloud_teardown_plan) - the SSH keys (C(hcloud_ssh_key_info)).
    type: list
    elements: dict
  docker_hosts:
    description: C(hcloud_gateway_plan), C(hcloud_fleet_summary) - the fleet's Docker hosts (C(hcloud_server_info)).
    type: list
    elements: dict
  gateway:
    description: C(hcloud_fleet_summary) - the (first) gateway (C(hcloud_server) of the server module).
    type: dict
  gateways:
    description:
      - C(hcloud_gateway_plan), C(hcloud_fleet_summary) - the fleet's gateways that exist (C(hcloud_server_info)); with
        two or more (C(hcloud_fleet_gateway_count)) their /64s may send each other the failover agents' heartbeats.
    type: list
    elements: dict
  floating_ips:
    description:
      - C(hcloud_fleet_checks), C(hcloud_fleet_summary), C(hcloud_teardown_plan) - the floating IPs
        (C(hcloud_floating_ip_info)).
    type: list
    elements: dict
  firewalls:
    description: C(hcloud_teardown_plan) - the firewalls (C(hcloud_firewall_info)).
    type: list
    elements: dict
  ssh_key_name:
    description: C(hcloud_teardown_plan) - the name of the fleet's SSH key (default C(<fleet>-admin)).
    type: str
  confirm:
    description: C(hcloud_teardown_plan) - the confirmation; it must equal the fleet's name.
    type: str
"""

EXAMPLES = r"""
- name: Check the settings before any request
  ansible.builtin.assert:
    that: __plan.problems | length == 0
    fail_msg: "{{ __plan.problems | join('; ') }}"
  vars:
    __plan: "{{ {'hcloud_fleet_name': 'prod', 'hcloud_fleet_ssh_source_ips': ['2001:DB8:1::/48']}
                | ipv6ready.docker.hcloud_fleet_plan(facts={'ssh_public_key_path_is_file': true}) }}"

- name: Decide what the teardown deletes
  ansible.builtin.set_fact:
    teardown: >-
      {{ 'prod' | ipv6ready.docker.hcloud_teardown_plan(servers=servers.hcloud_server_info,
                                                       firewalls=firewalls.hcloud_firewall_info,
                                                       ssh_keys=keys.hcloud_ssh_key_info,
                                                       confirm=hcloud_fleet_teardown_confirm | default('')) }}
"""

RETURN = r"""
_value:
  description:
    - C(hcloud_teardown_settings) returns a list of problems.
    - The other filters return a dict. Each holds C(problems), a list of messages naming the variable; the rest
      depends on the filter (see the description), e.g. C(hcloud_fleet_plan) returns C(names), C(labels),
      C(docker_hosts), C(ssh_source_ips), C(docker_host_rules) and C(warnings).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _hcloud


def _need_dict(value, filter_name, what):
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s: expected %s (a dict), got %s" % (filter_name, what, type(value).__name__))
    return value


def _list(value, filter_name, what):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s: expected %s (a list), got %s" % (filter_name, what, type(value).__name__))
    return list(value)


def hcloud_fleet_plan(settings, facts=None):
    """Check the provisioning settings; return the plan."""
    return _hcloud.fleet_plan(_need_dict(settings, "hcloud_fleet_plan", "the settings"), facts or {})


def hcloud_fleet_checks(plan, servers=None, server_types=None, locations=None, images=None, ssh_keys=None, floating_ips=None):
    """Check the plan against the project before anything is created."""
    name = "hcloud_fleet_checks"
    return _hcloud.fleet_checks(
        _need_dict(plan, name, "the plan"),
        _list(servers, name, "servers"),
        _list(server_types, name, "server_types"),
        _list(locations, name, "locations"),
        _list(images, name, "images"),
        _list(ssh_keys, name, "ssh_keys"),
        floating_ips=_list(floating_ips, name, "floating_ips"),
    )


def hcloud_gateway_plan(plan, docker_hosts=None, gateways=None):
    """Return the gateways' rules for the Docker hosts and gateways that exist."""
    return _hcloud.gateway_plan(
        _need_dict(plan, "hcloud_gateway_plan", "the plan"),
        _list(docker_hosts, "hcloud_gateway_plan", "docker_hosts"),
        _list(gateways, "hcloud_gateway_plan", "gateways"),
    )


def hcloud_fleet_summary(plan, gateway=None, docker_hosts=None, gateways=None, floating_ips=None):
    """Return what the provisioning reports and writes."""
    name = "hcloud_fleet_summary"
    return _hcloud.fleet_summary(
        _need_dict(plan, name, "the plan"),
        _need_dict(gateway, name, "the gateway"),
        _list(docker_hosts, name, "docker_hosts"),
        _list(gateways, name, "gateways"),
        _list(floating_ips, name, "floating_ips"),
    )


def hcloud_teardown_settings(settings):
    """Check the teardown's settings; return the problems."""
    return _hcloud.teardown_settings_problems(_need_dict(settings, "hcloud_teardown_settings", "the settings"))


def hcloud_teardown_plan(fleet, servers=None, firewalls=None, ssh_keys=None, ssh_key_name=None, confirm=None, floating_ips=None):
    """Decide what the teardown deletes."""
    name = "hcloud_teardown_plan"
    return _hcloud.teardown_plan(
        fleet,
        _list(servers, name, "servers"),
        _list(firewalls, name, "firewalls"),
        _list(ssh_keys, name, "ssh_keys"),
        ssh_key_name=ssh_key_name or None,
        confirm=None if confirm is None else str(confirm),
        floating_ips=_list(floating_ips, name, "floating_ips"),
    )


class FilterModule:
    """Hetzner Cloud fleet decisions."""

    def filters(self):
        return {
            "hcloud_fleet_plan": hcloud_fleet_plan,
            "hcloud_fleet_checks": hcloud_fleet_checks,
            "hcloud_gateway_plan": hcloud_gateway_plan,
            "hcloud_fleet_summary": hcloud_fleet_summary,
            "hcloud_teardown_settings": hcloud_teardown_settings,
            "hcloud_teardown_plan": hcloud_teardown_plan,
        }
