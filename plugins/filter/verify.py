# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: verify_checks
short_description: "Internal to the verify role: judge its probe results"
version_added: 0.2.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - B(Internal) to the P(ipv6ready.docker.verify#role) role, not a public interface; these filters may change in any
    release without notice.
  - The decisions of the P(ipv6ready.docker.verify#role) role, kept in Python so that they are unit-tested. Each
    filter takes the JSON the role's probe printed and returns checks, each C({check, status, detail}) with status
    C(pass), C(fail), C(warn) or C(skip).
  - C(verify_checks) - the host's checks from the probe's C(host) output (DNS64 answer, TCP through NAT64, the
    engine healthy with IPv6). Options O(name), O(prefix).
  - C(verify_container_checks) - the checks of every probe network from the probe's C(containers) output, the
    glibc C(getaddrinfo) order (explained with the P(ipv6ready.docker.gai_order#filter) model when IPv4 comes
    first), what a musl image would try first (P(ipv6ready.docker.musl_order#filter)), and TCP. Options
    O(gai_conf), O(musl).
  - C(verify_exposure_entry) - what one Docker host gives its batch's exposure run (the input is the probe's
    C(containers) output), as C({source, host, addresses, route, via, port, timeout}), or C({}) when there is
    nothing to try. Options O(host), O(source), O(route), O(via), O(port), O(timeout).
  - C(verify_exposure_runs) - one exposure run per source for the hosts of a batch (the input, e.g.
    C(ansible_play_batch)), as C([{source, spec}]), from each host's C(__verify_exposure_entry) in O(hostvars).
  - C(verify_exposure_of) - this host's part of its batch's exposure runs (the input is the registered loop
    result), address to outcome. Options O(host), O(source).
  - C(verify_exposure_checks) - the exposure checks; an address that was not proven reachable or closed is
    reported as C(skip) with the reason, and a closed port as a failure when the probes may have ended before it
    was tried (O(elapsed) not below O(lifetime)). Options O(exposure), O(source), O(port), O(route), O(elapsed),
    O(lifetime).
  - C(verify_gateway_paths) - every gateway of the input list (inventory names) as C({name, address, prefix,
    synthesizes}) from O(hostvars) - its own address, its own NAT64 /96, the /96 its resolver synthesizes in.
  - C(verify_gateway_connects) - from the M(ipv6ready.docker.dns64_probe) result (the input), the TCP connections
    that prove every gateway's own path and every resolver's answer. Options O(paths), O(resolvers), O(targets).
  - C(verify_gateway_checks) - one check per gateway and name, gateway and target, resolver and target, naming the
    gateway that answered. Options O(connected), O(paths), O(resolvers), O(targets), O(name).
  - C(verify_report) - the report lines, the failure message and a summary of a list of checks.
  - C(verify_problems) - what stops the checks before they start (the input is a dict of
    C(ipv6ready_docker_socket), C(verify_dns64_name) and C(prefixes), the NAT64 /96s the role settled on), one
    message per problem naming its variable.
options:
  _input:
    description: The probe's output (a dict), for C(verify_report) the list of checks, for C(verify_problems) the
      role's inputs.
    type: raw
    required: true
  name:
    description: C(verify_checks) - the IPv4-only name whose synthesized AAAA must lie in O(prefix); empty skips it.
    type: str
    default: ""
  prefix:
    description: C(verify_checks) - the NAT64 /96, or a list of them (a fleet of several gateways).
    type: raw
    default: ""
  hostvars:
    description: C(verify_gateway_paths), C(verify_exposure_runs) - the C(hostvars) magic variable.
    type: dict
  paths:
    description: C(verify_gateway_connects), C(verify_gateway_checks) - what C(verify_gateway_paths) returned.
    type: list
    elements: dict
  resolvers:
    description: C(verify_gateway_connects), C(verify_gateway_checks) - the host's DNS64 resolvers.
    type: list
    elements: str
  targets:
    description: C(verify_gateway_connects), C(verify_gateway_checks) - the C({host, port}) targets.
    type: list
    elements: dict
  connected:
    description: C(verify_gateway_checks) - the probe's C(connects) output, C([address]:port) to outcome.
    type: dict
  gai_conf:
    description: C(verify_container_checks) - the host's policy file path, named in the advice.
    type: str
    default: ""
  musl:
    description: C(verify_container_checks) - what a musl image trying IPv4 first is, C(warn), C(fail) or C(ignore).
    type: str
    default: warn
  route:
    description: C(verify_exposure_checks), C(verify_exposure_entry) - unique local addresses are tried through
      a temporary route; without it they are not tested.
    type: bool
    default: false
  exposure:
    description: C(verify_exposure_checks) - the probe's C(exposure) output, address to result.
    type: dict
  source:
    description: C(verify_exposure_checks), C(verify_exposure_entry), C(verify_exposure_of) - the inventory host the
      port was tried from.
    type: str
  host:
    description: C(verify_exposure_entry), C(verify_exposure_of) - this Docker host's inventory name.
    type: str
  via:
    description: C(verify_exposure_entry) - this Docker host's own IPv6 address, the next hop of the temporary
      routes.
    type: str
  timeout:
    description: C(verify_exposure_entry) - seconds to wait for each connection.
    type: float
  port:
    description: C(verify_exposure_checks), C(verify_exposure_entry) - the unpublished port.
    type: int
  elapsed:
    description: C(verify_exposure_checks) - seconds from before the probes started until after the exposure run
      ended, on the controller's clock.
    type: float
  lifetime:
    description: C(verify_exposure_checks) - seconds each probe listens (C(verify_probe_lifetime)); V(0) judges no
      lifetime.
    type: float
    default: 0
"""

EXAMPLES = r"""
- name: Record the host's checks
  ansible.builtin.set_fact:
    checks: "{{ probe.stdout | from_json | ipv6ready.docker.verify_checks(name='smtp.example', prefix='64:ff9b::/96') }}"
"""

RETURN = r"""
_value:
  description: A list of C({check, status, detail}), for C(verify_report) a dict with C(lines), C(failed) and
    C(summary), for C(verify_problems) a list of messages.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _verify
from ansible_collections.ipv6ready.docker.plugins.plugin_utils._values import mapping, value_list


def _mapping(value, filter_name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s: expected the probe's JSON output (a dict), got %s" % (filter_name, type(value).__name__))
    return value


def verify_checks(result, name="", prefix=""):
    return _verify.host_checks(_mapping(result, "verify_checks"), name, prefix)


def verify_gateway_paths(names, hostvars=None):
    if not hasattr(hostvars, "__getitem__"):
        raise AnsibleFilterError("verify_gateway_paths: hostvars must be the hostvars variable")

    class _Vars:
        def get(self, host, default=None):
            try:
                return hostvars[host]
            except KeyError:
                return default

    return _verify.gateway_paths(value_list(names, "verify_gateway_paths", "a list of gateways"), _Vars())


def verify_gateway_connects(dns, paths=None, resolvers=None, targets=None):
    return _verify.gateway_connects(_mapping(dns, "verify_gateway_connects"), paths or [], resolvers or [], targets or [])


def verify_gateway_checks(dns, connected=None, paths=None, resolvers=None, targets=None, name=""):
    return _verify.gateway_checks(_mapping(dns, "verify_gateway_checks"), _mapping(connected, "connected"), paths or [], resolvers or [], targets or [], name)


def verify_container_checks(result, gai_conf="", musl="warn"):
    if musl not in ("warn", "fail", "ignore"):
        raise AnsibleFilterError("verify_container_checks: musl must be warn, fail or ignore, got %r" % (musl,))
    return _verify.container_checks(_mapping(result, "verify_container_checks"), gai_conf, musl)


def verify_exposure_entry(result, host="", source="", route=False, via="", port=0, timeout=5):
    return _verify.exposure_entry(_mapping(result, "verify_exposure_entry"), host, source, bool(route), via, port, timeout)


def verify_exposure_runs(hosts, hostvars=None):
    if not hasattr(hostvars, "__getitem__"):
        raise AnsibleFilterError("verify_exposure_runs: hostvars must be the hostvars variable")
    batch = value_list(hosts, "verify_exposure_runs", "a list of hosts")
    entries = {}
    for host in batch:
        try:
            entries[host] = _mapping(hostvars[host].get("__verify_exposure_entry"), "verify_exposure_runs")
        except KeyError:
            continue
    return _verify.exposure_runs(batch, entries)


def verify_exposure_of(registered, host="", source=""):
    return _verify.exposure_of(_mapping(registered, "verify_exposure_of"), host, source)


def verify_exposure_checks(result, exposure=None, source="", port=0, route=False, elapsed=0.0, lifetime=0.0):
    return _verify.exposure_checks(
        _mapping(result, "verify_exposure_checks"), _mapping(exposure, "exposure"), source, port, bool(route), float(elapsed), float(lifetime)
    )


def verify_problems(inputs):
    """What stops the checks before they start (``_verify.input_problems``)."""
    return _verify.input_problems(mapping(inputs, "verify_problems input"))


def verify_report(checks):
    if not isinstance(checks, list):
        raise AnsibleFilterError("verify_report: expected a list of checks, got %s" % type(checks).__name__)
    return _verify.report(checks)


class FilterModule:
    """The verify role's decisions."""

    def filters(self):
        return {
            "verify_checks": verify_checks,
            "verify_container_checks": verify_container_checks,
            "verify_exposure_checks": verify_exposure_checks,
            "verify_exposure_entry": verify_exposure_entry,
            "verify_exposure_runs": verify_exposure_runs,
            "verify_exposure_of": verify_exposure_of,
            "verify_gateway_paths": verify_gateway_paths,
            "verify_gateway_connects": verify_gateway_connects,
            "verify_gateway_checks": verify_gateway_checks,
            "verify_report": verify_report,
            "verify_problems": verify_problems,
        }
