#!/usr/bin/python
# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns64_probe
short_description: Prove that DNS64 resolvers answer this host before it is switched to them
version_added: 0.2.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - From the managed host itself, asks every resolver in O(servers) directly (not through the host's current
    resolver configuration) for the AAAA record of every name in O(names), and checks that each answer is a
    synthesized AAAA inside the NAT64 prefix O(prefix).
  - Fails when any resolver does not prove itself, with one message per failure that names the resolver, the
    host's source address towards it, and the likely cause. A C(REFUSED) answer means the host's address is not in
    the gateway's C(dns64_allowed_prefixes); no answer at all means a firewall or a resolver that is not running;
    C(SERVFAIL) or C(NXDOMAIN) mean the resolver is not resolving the name; an answer without an AAAA, or one
    outside the prefix, means the resolver is not the DNS64 resolver of that prefix.
  - Changes nothing, so it runs in check mode too. Run it before pointing C(/etc/resolv.conf), systemd-resolved or
    the Docker daemon's C(dns) at the resolvers.
  - Needs nothing on the host but Python's standard library (no dig, no resolver library). Queries go over UDP,
    retried over TCP when the answer is truncated.
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  servers:
    description: The resolvers' IP addresses. Each one must prove itself.
    type: list
    elements: str
    required: true
  names:
    description:
      - IPv4-only names (names with an A record and no AAAA record) to ask every resolver for.
      - C(ipv4only.arpa) (RFC 7050) has only the A records 192.0.0.170 and 192.0.0.171 everywhere, so it is the
        standard probe; without O(prefix), its answer shows the NAT64 prefix in use.
    type: list
    elements: str
    default: [ipv4only.arpa]
  prefix:
    description:
      - The NAT64 /96 every synthesized AAAA must lie in.
      - Empty learns it from the answer for C(ipv4only.arpa), which must then be one of O(names).
    type: str
    default: ""
  prefixes:
    description:
      - Further NAT64 /96s an AAAA may lie in; an answer inside any of them (or O(prefix)) passes. In a fleet with
        several gateways behind floating /64s (M(ipv6ready.docker.nat64_failover)) each resolver synthesizes in the
        /96 of the gateway that holds its address.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 3
  attempts:
    description: How many times a query is sent before a resolver counts as silent.
    type: int
    default: 2
  port:
    description: The resolvers' DNS port.
    type: int
    default: 53
  warn_only:
    description:
      - Report the problems as warnings and succeed, e.g. in check mode, when the gateway may not be configured yet.
    type: bool
    default: false
seealso:
  - name: RFC 7050
    description: Discovery of the IPv6 prefix used for IPv6 address synthesis (C(ipv4only.arpa)).
    link: https://www.rfc-editor.org/rfc/rfc7050
"""

EXAMPLES = r"""
- name: Prove the DNS64 resolver answers this host before switching to it
  ipv6ready.docker.dns64_probe:
    servers: ["2001:db8:1:c::1"]
    names: [ipv4only.arpa, smtp.sendgrid.net]
    prefix: "2001:db8:1:c:64::/96"

- name: Learn the NAT64 prefix from ipv4only.arpa
  ipv6ready.docker.dns64_probe:
    servers: ["2001:db8:1:c::1"]
  register: probe
"""

RETURN = r"""
prefix:
  description: The NAT64 prefix the answers were checked against, given or learnt; empty when unknown.
  returned: always
  type: str
  sample: 2001:db8:1:c:64::/96
prefix_source:
  description: Where RV(prefix) came from, C(given) or C(learnt from ipv4only.arpa); empty when unknown.
  returned: always
  type: str
  sample: given
checks:
  description: One entry per resolver and name.
  returned: always
  type: list
  elements: dict
  contains:
    server:
      description: The resolver.
      type: str
    source:
      description: This host's source address towards the resolver; null when it has no route.
      type: str
    name:
      description: The name asked for.
      type: str
    ok:
      description: Whether the answer proves the resolver.
      type: bool
    detail:
      description: What came back, e.g. C(AAAA 2001:db8:1:c:64::c000:aa inside 2001:db8:1:c:64::/96) or C(REFUSED).
      type: str
    cause:
      description: The likely cause when RV(checks[].ok) is false.
      type: str
    addresses:
      description: The AAAA addresses of the answer (empty when there was none).
      type: list
      elements: str
      version_added: 0.3.0
  sample:
    - server: "2001:db8:1:c::1"
      source: "2001:db8:1:a::1"
      name: ipv4only.arpa
      ok: true
      detail: AAAA 2001:db8:1:c:64::c000:aa inside 2001:db8:1:c:64::/96
      cause: ""
problems:
  description: One message per failed check; the task fails when there is any (unless O(warn_only)).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipv6ready.docker.plugins.module_utils._dns64_probe import ARGUMENT_SPEC, prove


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.exit_json(changed=False, **prove(module, module.params))


if __name__ == "__main__":
    main()
