# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: daemon_plan
short_description: "Internal to the daemon role: its decisions, from its variables and the engine version"
version_added: 0.2.0
description:
  - B(Internal) to the P(ipv6ready.docker.daemon#role) role, not a public interface; these filters may change in any
    release without notice.
  - C(daemon_plan) returns the daemon.json keys the C(ipv6ready.docker.daemon) role writes for one engine version,
    as C(settings), with C(problems) that stop the role (an engine too old, a removed key the engine needs) and the
    parsed C(version). Which engine needs which key comes from the collection's one engine table, the same one the
    M(ipv6ready.docker.daemon_json) module checks against and the C(ipv6ready.docker.docker_features) filter reads.
  - C(daemon_problems) lists what is wrong with the role's variables beyond their types, naming each variable.
  - C(docker_engine_version) finds the engine version in C(dockerd --version) or C(apt-cache policy) output
    (an empty string when there is none).
  - C(daemon_health) judges the engine's health from the registered C(/_ping) and C(/networks/bridge) requests
    (an empty string when healthy).
  - C(daemon_drift) compares what M(ipv6ready.docker.engine_info) read of the running engine with the merged
    daemon.json, and names the restart that fixes each difference.
  - C(daemon_rollback_message) words the failure after a rolled-back restart.
  - C(daemon_engine_missing) words the failure on a host without a Docker engine, from the registered
    C(dockerd --version) result and C(daemon_install).
  - C(daemon_packages) lists the Debian packages the role installs besides the engine (C(nftables) with
    C(daemon_firewall_backend=nftables)).
  - C(daemon_decide) takes the role's one read, the M(ipv6ready.docker.engine_info) result with C(host=true), and
    returns C(refuse), what stops the role before it changes anything, and C(changes), what differs from what the
    role wants (missing packages, a stopped or disabled service, a daemon.json that would change, an engine that is
    not healthy or runs other settings); an empty C(changes) is a no-op. C(probes) names the verify role's probe
    containers the read found running, which the role removes before it restarts the engine.
  - C(refuse) holds the problems of C(daemon_problems); else the role's unique local prefixes (the default bridge's
    C(fixed-cidr-v6), the IPv6 C(default-address-pools)) that overlap the host's own routes or addresses, naming both
    prefixes (bridges, Docker's own networks among them, loopback, link-local addresses and routes shorter than a /48
    are left out); else, with the nftables backend, why dockerd would not start (it never enables IP forwarding
    itself, and C(net.ipv4.ip_forward) or C(net.ipv6.conf.all.forwarding) is off).
options:
  _input:
    description:
      - C(daemon_plan), C(daemon_problems) - the role variables by name (C(daemon_ipv6), C(daemon_fixed_cidr_v6), ...).
      - C(docker_engine_version) - command output.
      - C(daemon_health) - the registered C(/_ping) result.
      - C(daemon_drift) - the registered M(ipv6ready.docker.engine_info) result.
      - C(daemon_rollback_message) - the daemon.json path.
      - C(daemon_engine_missing) - the registered C(dockerd --version) result.
      - C(daemon_packages), C(daemon_decide) - the role variables by name.
    type: raw
    required: true
  version:
    description: C(daemon_plan) - the engine version; empty when unknown.
    type: str
"""

EXAMPLES = r"""
- name: Choose the daemon.json keys for this engine
  ansible.builtin.set_fact:
    plan: "{{ inputs | ipv6ready.docker.daemon_plan('26.1.5') }}"
  vars:
    inputs:
      daemon_ipv6: true
      daemon_fixed_cidr_v6: "fd00:d0c:1::/64"
      daemon_ip6tables: true
      daemon_ipv4_address_pools: [{base: "172.17.0.0/16", size: 16}]
      daemon_ipv6_address_pools: [{base: "fd00:d0c::/48", size: 64}]
      daemon_ipv6_new_networks: true
      daemon_dns: []
      daemon_live_restore: null
      daemon_settings: {}
      daemon_remove_keys: []
"""

RETURN = r"""
_value:
  description:
    - C(daemon_plan) - a dict with C(version), C(settings) and C(problems).
    - C(daemon_decide) - a dict with C(refuse) and C(changes), lists of messages.
    - C(daemon_problems), C(daemon_drift) - a list of messages.
    - C(daemon_packages) - a list of package names.
    - C(docker_engine_version), C(daemon_health), C(daemon_rollback_message), C(daemon_engine_missing) - a string.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _daemon
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping


def daemon_plan(inputs, version):
    """The keys the daemon role writes for the engine ``version`` (see ``_daemon.role_plan``)."""
    try:
        return _daemon.role_plan(mapping(inputs, "daemon_plan input"), version)
    except ValueError as exc:
        raise AnsibleFilterError("daemon_plan: %s" % exc) from None


def daemon_problems(inputs):
    """What is wrong with the daemon role's variables beyond their types."""
    return _daemon.role_problems(mapping(inputs, "daemon_problems input"))


def docker_engine_version(text):
    """The engine version in ``dockerd --version`` or ``apt-cache policy`` output, or ``''``."""
    return _daemon.engine_version_text(text)


def daemon_health(ping, bridge, expect_ipv6, socket, timeout):
    """``''`` when the engine is healthy, else what is wrong."""
    return _daemon.health_problem(ping, bridge, expect_ipv6, socket, timeout)


def daemon_drift(state, config):
    """Where the running engine differs from daemon.json, with the restart that fixes it."""
    return _daemon.drift_problems(mapping(config, "daemon_drift config"), mapping(state, "daemon_drift input"))


def daemon_rollback_message(path, changed, restart_problem, engine_log, restored, removed, engine_back):
    """The failure message after a rolled-back restart."""
    return _daemon.rollback_message(path, changed, restart_problem, engine_log, restored, removed, engine_back)


def daemon_engine_missing(result, install):
    """Why the role stops on a host without a Docker engine."""
    return _daemon.engine_missing_message(mapping(result, "daemon_engine_missing input"), install)


def daemon_packages(inputs):
    """The Debian packages the role installs besides the engine."""
    return _daemon.role_packages(mapping(inputs, "daemon_packages input"))


def daemon_decide(inputs, read):
    """What stops the role, and what differs on the host, from the role's one read (``_daemon.decide``)."""
    try:
        return _daemon.decide(mapping(inputs, "daemon_decide input"), mapping(read, "daemon_decide read"))
    except ValueError as exc:
        raise AnsibleFilterError("daemon_decide: %s" % exc) from None


class FilterModule:
    """The daemon role's decisions."""

    def filters(self):
        return {
            "daemon_plan": daemon_plan,
            "daemon_problems": daemon_problems,
            "docker_engine_version": docker_engine_version,
            "daemon_health": daemon_health,
            "daemon_drift": daemon_drift,
            "daemon_rollback_message": daemon_rollback_message,
            "daemon_engine_missing": daemon_engine_missing,
            "daemon_packages": daemon_packages,
            "daemon_decide": daemon_decide,
        }
