# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: docker_features
short_description: What a Docker engine version can do, from the collection's one version table
version_added: 0.2.0
description:
  - Maps every IPv6-related engine feature the collection knows to C(true) or C(false) for one engine version.
  - The table is the same one the C(ipv6ready.docker.daemon_json) module checks daemon.json against and the docs'
    engine table is generated from, so roles never compare version numbers themselves.
  - "Features: C(ip6tables) (20.10), C(daemon_validate) (23.0), C(default_network_opts) (24.0),
    C(ip6tables_default) and C(network_opts_ipv6) (27.0), C(ipv6_without_fixed_cidr), C(ipv6_only_networks),
    C(bip6), C(ip_forward_no_drop) and C(direct_routing_block) (28.0)."
options:
  _input:
    description: >-
      The engine version: C(dockerd --version) output, a version such as C(26.1.5+dfsg1) or C(28.5), or an
      empty string for an unknown engine (then every feature is C(false)).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Create the network IPv6-only where the engine can
  community.docker.docker_network:
    name: app
    enable_ipv6: true
    enable_ipv4: "{{ false if (__engine_version | ipv6ready.docker.docker_features).ipv6_only_networks else omit }}"
"""

RETURN = r"""
_value:
  description: Feature name to whether the engine has it; C(version) holds the parsed version as text.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _engine


def docker_features(version):
    """Every feature of ``_engine.FEATURES`` mapped to a boolean for ``version``."""
    if version is None or (isinstance(version, str) and not version.strip()):
        result = {item.name: False for item in _engine.FEATURES}
        result["version"] = ""
        return result
    try:
        parsed = _engine.parse_version(version)
    except ValueError as exc:
        raise AnsibleFilterError("docker_features: %s" % exc) from None
    result = _engine.features(parsed)
    result["version"] = _engine.format_version(parsed)
    return result


class FilterModule:
    """The Docker engine version table as a filter."""

    def filters(self):
        return {"docker_features": docker_features}
