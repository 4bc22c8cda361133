# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: networks_plan
short_description: "Internal to the networks role: its decisions (check, plan, reconnect, recover)"
version_added: 0.2.0
description:
  - B(Internal) to the P(ipv6ready.docker.networks#role) role, not a public interface; these filters may change in any
    release without notice.
  - The networks role reads its variables, the Docker engine and the host's facts, and these filters decide; the
    role only applies what they return. They are the role's internals, documented for its maintainers.
  - C(networks_check) checks the role's variables (the input, a dict keyed by the variable names) and returns
    C(problems) (one message per problem, naming the variable), C(warnings) (the deprecated C(networks_docker_socket)
    in use), C(networks) (Kamal's C(kamal) included, every per-network default filled in), C(host_carved) (the
    networks whose subnet comes from the host's prefix) and C(docker_socket) (the engine API socket to talk to,
    C(ipv6ready_docker_socket) unless the deprecated C(networks_docker_socket) is set).
  - C(networks_plan) takes the C(networks) of C(networks_check) and returns, for every network, its subnets and its
    C(action) - C(create), C(keep), C(recreate) (it differs and C(force) is on) or C(refuse) - with C(problems), every
    reason to refuse (overlaps, IPv6-only networks the engine cannot make, changed networks with their containers),
    and C(subnets), the IPv6 subnet of every network by name.
  - A network that would get a carved subnet (no C(ipv6_subnet), no C(index)) and already exists with one IPv6
    subnet of the kind its carve source gives (ULA for C(ula), inside the host's prefix for C(host)) is adopted as
    it is, e.g. the C(kamal) network Kamal creates on Docker 27 or later with C(default-network-opts).
  - Engine versions are compared through the collection's one version table, the one the
    C(ipv6ready.docker.docker_features) filter reads.
  - C(networks_plan) also returns C(host_check), the unique local prefixes to check against the host's own routes and
    addresses before anything is created (C(networks_ula_prefix) when a network to create is carved from it).
    C(networks_host_problems) does that check on what the role read (C(ip -json -d link show), C(ip -json -6 route
    show table all) and C(ip -json -6 address show), one a line) and names both prefixes of every overlap. Bridges
    (Docker's own networks among them), loopback, link-local addresses and routes shorter than a /48 are left out.
  - C(fleet_ula) chooses the unique local /48 the provisioning writes into a fleet's group_vars, from the
    C(networks_ula_prefix) the file holds already (or null) and whether the fleet is new (no Docker host of it existed
    before the run). It returns C(prefix), C(origin) (C(kept), C(random), or C(default) for an existing fleet without
    one, which keeps the collection's default fd00:d0c::/48) and C(layout), the role variables to write (empty for
    C(default)).
  - C(networks_reconnect) turns the container details of the networks to recreate into how to connect each
    container again; C(networks_recovery) says, once the disconnect and create step has ended (failed or not), which
    old networks to make again from their saved settings and which containers to connect to which network.
options:
  _input:
    description:
      - C(networks_check) - the role's variables, as a dict keyed by their names (C(networks_list), ...).
      - C(networks_plan) - the C(networks) returned by C(networks_check).
      - C(networks_reconnect) - the results of M(community.docker.docker_container_info) looped over the containers
        of the networks to recreate.
      - C(networks_recovery) - the list returned by C(networks_reconnect).
      - C(networks_host_problems) - the C(ip -json) output the role read.
      - C(fleet_ula) - the C(networks_ula_prefix) of the fleet's group_vars file, or null.
    type: raw
    required: true
  settings:
    description: C(networks_plan) - the role's variables, as for C(networks_check).
    type: dict
  engine:
    description:
      - C(networks_plan) - the C(listing) of M(ipv6ready.docker.engine_info) (the role's read, or the daemon role's that
        it shares as the fact C(ipv6ready_engine_read)), or the registered
        result of M(community.docker.docker_host_info) with C(networks), C(containers), C(containers_all) and
        C(verbose_output). Both have C(host_info), C(networks) and C(containers).
      - C(networks_recovery) - the same, read after the disconnect and create step.
    type: dict
  facts:
    description: C(networks_plan) - the host's C(ansible_facts), for networks carved from the host's prefix.
    type: dict
  networks:
    description: C(networks_reconnect), C(networks_recovery) - the C(networks) of C(networks_plan).
    type: list
    elements: dict
  prefixes:
    description: C(networks_host_problems) - the C(host_check) of C(networks_plan), pairs of a variable and a prefix.
    type: list
    elements: list
  new_fleet:
    description: C(fleet_ula) - whether the fleet is new (no Docker host of it existed before this run).
    type: bool
  reason:
    description:
      - C(networks_recovery) - why the disconnect and create step failed, as its failed task result
        (C(ansible_failed_result)) or a text; omitted or null when it did not fail.
    type: raw
"""

EXAMPLES = r"""
- name: Check the network variables and fill in the defaults
  ansible.builtin.set_fact:
    __networks_checked: "{{ __networks_settings | ipv6ready.docker.networks_check }}"

- name: Plan every network and find every reason to refuse
  ansible.builtin.set_fact:
    __networks_planned: >-
      {{ __networks_checked.networks
         | ipv6ready.docker.networks_plan(settings=__networks_settings, engine=__networks_read.listing, facts=ansible_facts) }}
"""

RETURN = r"""
_value:
  description:
    - C(networks_check) - C(problems), C(networks) and C(host_carved).
    - C(networks_plan) - C(problems), C(networks) (each with C(action), C(ipv6_subnet), C(ipv4_subnet),
      C(enable_ipv4), C(differences), C(containers), C(adopted), ...), C(subnets), C(host_check) and C(keeps_all) (no
      refusal, and every network kept as it is).
    - C(networks_host_problems) - a list of messages.
    - C(fleet_ula) - C(prefix), C(origin) and C(layout).
    - C(networks_reconnect) - one entry per container, with C(network), C(id), C(name), C(endpoint),
      C(saved_endpoint) and C(dropped) (static addresses that no longer fit).
    - C(networks_recovery) - C(restore) (the networks to make again, with the C(body) of the create request),
      C(reconnect) (with the C(endpoint) to use) and C(message) (what happened, when O(reason) is given).
  type: raw
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _networks


def _plain(value):
    """Ansible's values as plain Python ones (dict, list, str, int, float, bool, None)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def _mapping(value, filter_name, what):
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s: %s must be a dict, got %s" % (filter_name, what, type(value).__name__))
    return _plain(value)


def _sequence(value, filter_name, what):
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s: %s must be a list, got %s" % (filter_name, what, type(value).__name__))
    return _plain(value)


def networks_check(settings):
    """See DOCUMENTATION."""
    try:
        return _networks.check(_mapping(settings, "networks_check", "the input"))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("networks_check: %s" % exc) from None


def networks_plan(networks, settings, engine, facts=None):
    """See DOCUMENTATION."""
    try:
        return _networks.plan(
            _sequence(networks, "networks_plan", "the input"),
            _mapping(settings, "networks_plan", "settings"),
            _mapping(engine, "networks_plan", "engine"),
            _plain(facts or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("networks_plan: %s" % exc) from None


def networks_reconnect(attached, networks):
    """See DOCUMENTATION."""
    attached = _sequence(attached, "networks_reconnect", "the input")
    networks = _sequence(networks, "networks_reconnect", "networks")
    try:
        return _networks.reconnect_list(attached, networks)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("networks_reconnect: %s" % exc) from None


def networks_recovery(reconnect, networks, engine, reason=None):
    """See DOCUMENTATION."""
    reconnect = _sequence(reconnect, "networks_recovery", "the input")
    networks = _sequence(networks, "networks_recovery", "networks")
    engine = _mapping(engine, "networks_recovery", "engine")
    try:
        return _networks.recovery(reconnect, networks, engine.get("networks"), engine.get("containers"), _plain(reason))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("networks_recovery: %s" % exc) from None


def networks_host_problems(host_text, prefixes):
    """See DOCUMENTATION."""
    if not isinstance(host_text, str):
        raise AnsibleFilterError("networks_host_problems: expected the ip -json output as text, got %s" % type(host_text).__name__)
    pairs = _sequence(prefixes, "networks_host_problems", "prefixes")
    try:
        return _networks.host_overlaps(_networks.host_read(host_text), [tuple(pair) for pair in _plain(pairs)])
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("networks_host_problems: %s" % exc) from None


def fleet_ula(current, new_fleet):
    """See DOCUMENTATION."""
    try:
        return _networks.fleet_ula(_plain(current) if current not in (None, "") else None, bool(new_fleet))
    except ValueError as exc:
        raise AnsibleFilterError("fleet_ula: %s" % exc) from None


class FilterModule:
    """The networks role's decisions."""

    def filters(self):
        return {
            "networks_check": networks_check,
            "networks_plan": networks_plan,
            "networks_reconnect": networks_reconnect,
            "networks_recovery": networks_recovery,
            "networks_host_problems": networks_host_problems,
            "fleet_ula": fleet_ula,
        }
