#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: engine_info
short_description: Read what a running Docker engine applied of its daemon.json
version_added: 0.2.0
description:
  - Reads, through the engine API socket and without changing anything, the state that can drift from
    C(daemon.json). That is the default bridge network, whether C(live-restore) is on, and for every running
    container its network mode, its own C(--dns) servers and the C(resolv.conf) the engine wrote for it.
  - The engine applies C(ipv6) and C(fixed-cidr-v6) when it creates the default bridge, and C(dns) when it starts a
    container. With C(live-restore) on, a restart keeps both as they were while containers run. The C(daemon)
    role compares this with C(daemon.json) and fails the host with the restart that is needed.
  - Needs no Docker SDK.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
options:
  socket:
    description: The engine API socket. The collection's roles pass C(ipv6ready_docker_socket).
    type: path
    default: /run/docker.sock
  timeout:
    description: Seconds to wait for each API answer.
    type: int
    default: 10
seealso:
  - name: Docker Engine API
    description: The C(/info), C(/networks) and C(/containers) endpoints this module reads.
    link: https://docs.docker.com/reference/api/engine/
"""

EXAMPLES = r"""
- name: Read the running engine
  ipv6ready.docker.engine_info:
  register: engine

- name: Show the default bridge's subnets
  ansible.builtin.debug:
    msg: "{{ engine.bridge.IPAM.Config | map(attribute='Subnet') | list }}"
"""

RETURN = r"""
live_restore:
  description: Whether the engine runs with C(live-restore) (C(LiveRestoreEnabled) of C(/info)).
  returned: always
  type: bool
bridge:
  description: The default bridge network as C(/networks/bridge) returns it; empty when there is none.
  returned: always
  type: dict
containers:
  description: The running containers.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The container name.
      type: str
    network_mode:
      description: C(HostConfig.NetworkMode), for example C(bridge), C(default), C(host) or a network name.
      type: str
    dns:
      description: The container's own DNS servers (C(--dns)); empty when the engine's apply.
      type: list
      elements: str
    resolv_conf:
      description: The resolv.conf the engine wrote for the container, or V(null) when it cannot be read.
      type: str
"""

import json
import os
from urllib.error import HTTPError
from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url


class EngineError(Exception):
    """The engine API did not answer as expected."""


def api_get(module, path, missing=None):
    """GET ``path`` from the engine API; ``missing`` is returned on 404."""
    try:
        response = open_url("http://localhost" + path, unix_socket=module.params["socket"], timeout=module.params["timeout"], validate_certs=False)
        return json.loads(response.read())
    except HTTPError as exc:
        if exc.code == 404 and missing is not None:
            return missing
        raise EngineError("%s: HTTP %s" % (path, exc.code))
    except Exception as exc:  # connection refused, timeout, bad JSON: all mean no usable answer
        raise EngineError("%s: %s" % (path, to_native(exc)))


def read_text(path):
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except (IOError, OSError):
        return None


def container_state(module, summary):
    detail = api_get(module, "/containers/%s/json" % quote(summary["Id"]), missing={})
    if not detail:  # gone between the listing and now
        return None
    host_config = detail.get("HostConfig") or {}
    return {
        "name": (detail.get("Name") or summary["Id"][:12]).lstrip("/"),
        "network_mode": host_config.get("NetworkMode") or "",
        "dns": host_config.get("Dns") or [],
        "resolv_conf": read_text(detail.get("ResolvConfPath")),
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            socket=dict(type="path", default="/run/docker.sock"),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    if not os.path.exists(module.params["socket"]):
        module.fail_json(msg="The engine API socket %s does not exist: is the engine running?" % module.params["socket"])
    try:
        info = api_get(module, "/info")
        bridge = api_get(module, "/networks/bridge", missing={})
        containers = [state for state in (container_state(module, item) for item in api_get(module, "/containers/json")) if state is not None]
    except EngineError as exc:
        module.fail_json(msg="The engine API on %s did not answer: %s" % (module.params["socket"], to_native(exc)))
    module.exit_json(changed=False, live_restore=bool(info.get("LiveRestoreEnabled")), bridge=bridge, containers=sorted(containers, key=lambda c: c["name"]))


if __name__ == "__main__":
    main()
