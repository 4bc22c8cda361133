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
  - With O(host=true) it is the C(daemon) role's one read of a host. It also returns the installed engine's
    version (C(dockerd --version)), the state of C(docker.service), the host's links, IPv6 routes and IPv6
    addresses, the IP forwarding sysctls, and, with O(daemon_json), that file's text and with O(packages) which
    of them are missing. An engine API that does not answer is then reported in RV(engine), not a failure.
  - With O(listing) it is the C(networks) role's one read. It also returns the engine's C(/info), every network and
    every container, stopped ones too, as RV(listing), together with the missing O(packages) (the Python library
    the community.docker modules need, which this module does not).
  - The C(daemon) role asks for both, O(host) and O(listing), and passes the listing on to the C(networks) role when
    it changed nothing (the fact C(ipv6ready_engine_read)). With O(host=true), an engine API that does not answer
    then makes RV(listing) V(null).
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
  host:
    description:
      - Also read the host around the engine (RV(dockerd), RV(service), RV(networks), RV(forwarding)), and report an
        engine API that does not answer in RV(engine) instead of failing.
    type: bool
    default: false
  daemon_json:
    description: Also return the text of this daemon configuration file as RV(daemon_json).
    type: path
  packages:
    description: Also return which of these Debian packages are not installed (one C(dpkg-query) run), as RV(packages_missing).
    type: list
    elements: str
    default: []
  listing:
    description:
      - Also return the engine's C(/info), its networks and all its containers as RV(listing).
      - When the engine API does not answer, the failure (with O(host=false)) still returns RV(packages_missing) and
        RV(engine), so that a caller can tell a host that lacks both the engine and packages in check mode. With
        O(host=true) the module does not fail, and RV(listing) is V(null).
    type: bool
    default: false
seealso:
  - name: Docker Engine API
    description: The C(/info), C(/networks) and C(/containers) endpoints this module reads.
    link: https://docs.docker.com/reference/api/engine/
  - module: community.docker.docker_host_info
    description: Returns the same C(host_info), C(networks) and C(containers) with C(verbose_output), but needs the Python library requests.
"""

EXAMPLES = r"""
- name: Read the running engine
  ipv6ready.docker.engine_info:
  register: engine

- name: Show the default bridge's subnets
  ansible.builtin.debug:
    msg: "{{ engine.bridge.IPAM.Config | map(attribute='Subnet') | list }}"

- name: Read the host, its engine and daemon.json in one round trip, as the daemon role does
  ipv6ready.docker.engine_info:
    host: true
    daemon_json: /etc/docker/daemon.json
  register: host_state
"""

RETURN = r"""
engine:
  description: Whether the engine API answered (C(answers)), and when not, why (C(error)). With O(host=false) the module fails instead.
  returned: always
  type: dict
  sample: {"answers": true, "error": ""}
dockerd:
  description: C(dockerd --version) as a command task registers it (C(rc), C(stdout), C(stderr)); C(rc) 127 without C(dockerd).
  returned: when O(host=true)
  type: dict
  sample: {"rc": 0, "stdout": "Docker version 26.1.5+dfsg1, build a72d7cd", "stderr": ""}
service:
  description: C(ActiveState) and C(UnitFileState) of C(docker.service), as C(active) and C(enabled); V(null) without systemd.
  returned: when O(host=true)
  type: dict
  sample: {"active": "active", "enabled": "enabled"}
networks:
  description:
    - The host's C(links) (C(ip -json -d link show)), IPv6 C(routes) (C(ip -json -6 route show table all)) and IPv6
      C(addresses) (C(ip -json -6 address show)); an empty list for a listing that fails.
  returned: when O(host=true)
  type: dict
forwarding:
  description: C(net.ipv4.ip_forward) and C(net.ipv6.conf.all.forwarding) as C(/proc/sys) holds them; a key is left out when its file does not exist.
  returned: when O(host=true)
  type: dict
  sample: {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
daemon_json:
  description: Whether O(daemon_json) C(exists), and its C(content) (V(null) when it is missing or not UTF-8).
  returned: when O(daemon_json) is set
  type: dict
  sample: {"exists": true, "content": "{\"ipv6\": true}\n"}
packages_missing:
  description: The O(packages) that are not installed, in the order given.
  returned: always
  type: list
  elements: str
listing:
  description:
    - The engine's C(host_info) (C(/info)), C(networks) (C(/networks)) and C(containers) (C(/containers/json) with
      stopped ones), each as the engine API returns it, as M(community.docker.docker_host_info) returns them with
      C(verbose_output=true).
    - V(null) when the engine API does not answer (with O(host=true); without it the module fails).
  returned: when O(listing=true)
  type: dict
  sample: {"host_info": {"ServerVersion": "28.5.2"}, "networks": [{"Name": "kamal", "EnableIPv6": true}], "containers": []}
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
    labels:
      description: The container's labels (C(Config.Labels)); the C(daemon) role leaves out the verify role's probes.
      type: dict
"""

import json
import os
from urllib.error import HTTPError
from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file, _packages

FORWARDING_FILES = (("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"), ("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding"))
SERVICE = "docker.service"


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
        "labels": (detail.get("Config") or {}).get("Labels") or {},
    }


# The states of the containers the API lists without ``all=1``: the running
# ones, paused and restarting included (moby's State.StateString).
RUNNING = ("running", "paused", "restarting")


def engine_state(module, read=None):
    """What the running engine applied: ``{engine, live_restore, bridge, containers}``, with ``listing`` the
    engine's listing (``listing``).

    Fails the module when the API does not answer, unless ``host``: then ``engine.answers`` is false (and
    ``listing``, when asked for, ``None``). The failure carries ``read``, what the module read before.
    """
    error = None
    if not os.path.exists(module.params["socket"]):
        error = "The engine API socket %s does not exist: is the engine running?" % module.params["socket"]
    else:
        try:
            info = api_get(module, "/info")
            bridge = api_get(module, "/networks/bridge", missing={})
            if module.params["listing"]:
                listing = listing_state(module, info)
                running = [item for item in listing["containers"] if item.get("State") in RUNNING]
            else:
                running = api_get(module, "/containers/json")
            containers = [state for state in (container_state(module, item) for item in running) if state is not None]
        except EngineError as exc:
            error = "The engine API on %s did not answer: %s" % (module.params["socket"], to_native(exc))
    if error is not None:
        engine = {"answers": False, "error": error}
        if not module.params["host"]:
            module.fail_json(msg=error, engine=engine, **(read or {}))
        result = dict(engine=engine, live_restore=False, bridge={}, containers=[])
        if module.params["listing"]:
            # Asked for, and there is none: null, never an empty listing that would read as an engine without networks.
            result["listing"] = None
        return result
    result = dict(
        engine={"answers": True, "error": ""},
        live_restore=bool(info.get("LiveRestoreEnabled")),
        bridge=bridge,
        containers=sorted(containers, key=lambda c: c["name"]),
    )
    if module.params["listing"]:
        result["listing"] = listing
    return result


def listing_state(module, info):
    """``{host_info, networks, containers}``: ``info`` (``/info``), every network and every container, stopped ones
    too, as the engine API lists them (community.docker.docker_host_info's ``verbose_output``)."""
    return {
        "host_info": info,
        "networks": api_get(module, "/networks"),
        "containers": api_get(module, "/containers/json?all=1"),
    }


# The listings the daemon role judges (module_utils/_networks.py host_overlaps), as ``ip -json`` arguments.
HOST_LISTINGS = (("links", ["-d", "link", "show"]), ("routes", ["-6", "route", "show", "table", "all"]), ("addresses", ["-6", "address", "show"]))


def host_listing(module):
    """Read ``HOST_LISTINGS`` on the host, as ``_networks.host_read`` returns them: ``{links, routes, addresses}``.

    A listing that fails or prints no JSON list (no ``ip``, a kernel without IPv6) is ``[]``, as the roles' shell read had it.
    """
    return dict((name, _file.ip_json(module, args)) for name, args in HOST_LISTINGS)


def dockerd_version(module):
    """``dockerd --version`` as a command task registers it; rc 127 when there is no dockerd."""
    dockerd = module.get_bin_path("dockerd")
    if not dockerd:
        return {"rc": 127, "stdout": "", "stderr": "dockerd: command not found"}
    rc, out, err = module.run_command([dockerd, "--version"])
    return {"rc": rc, "stdout": out.strip(), "stderr": err.strip()}


def service_state(module):
    """``ActiveState`` and ``UnitFileState`` of docker.service (``_file.read_units``); ``None`` each without systemd."""
    unit = _file.read_units(module, [SERVICE], required=False)[SERVICE]
    return {"active": unit["active"], "enabled": unit["enabled"]}


def forwarding_values():
    """The forwarding sysctls the daemon role checks, by name; a file that does not exist is left out."""
    values = {}
    for key, path in FORWARDING_FILES:
        text = read_text(path)
        if text is not None:
            values[key] = text.strip()
    return values


def file_text(path):
    """``{exists, content}`` of a text file; ``content`` is ``None`` when it is missing or not UTF-8."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError):
        return {"exists": os.path.lexists(path), "content": None}
    try:
        return {"exists": True, "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"exists": True, "content": None}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            socket=dict(type="path", default="/run/docker.sock"),
            timeout=dict(type="int", default=10),
            host=dict(type="bool", default=False),
            daemon_json=dict(type="path"),
            packages=dict(type="list", elements="str", default=[]),
            listing=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    result = dict(changed=False)
    if module.params["host"]:
        result.update(
            dockerd=dockerd_version(module),
            service=service_state(module),
            networks=host_listing(module),
            forwarding=forwarding_values(),
        )
    if module.params["daemon_json"]:
        result["daemon_json"] = file_text(module.params["daemon_json"])
    result["packages_missing"] = _packages.missing_on_host(module, module.params["packages"])
    result.update(engine_state(module, read=result))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
