#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ipv4_rehearsal
short_description: Take a host's IPv4 default route away for a rehearsal, with a timer that puts it back
version_added: 0.3.0
description:
  - With O(state=started), saves the host's IPv4 default routes (C(ip -json -4 route show default)) to
    O(state_file), starts a transient systemd timer (C(systemd-run --on-active)) that puts them back after
    O(timeout) seconds, and only then deletes them. The host then lives as it will without IPv4 - no IPv4
    destination is reachable, its containers' IPv4 traffic has no way out - while its address stays, so that
    the rehearsal can end.
  - If the controller vanishes during the rehearsal (the network, a crash, Ctrl-C), the timer puts the routes
    back by itself.
  - With O(state=started) again while a rehearsal runs (its routes are gone and the file holds them), the saved
    routes are kept, never overwritten with none.
  - With O(state=stopped), puts every saved route back as it was (C(ip route replace) with its gateway, device,
    protocol, source, metric and onlink flag), stops the timer and removes the file. Without a file and without
    a running timer, it changes nothing.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - O(state=stopped) twice in a row changes nothing the second time. O(state=started) during a rehearsal starts
        its timer again (with the saved routes), so it reports a change.
options:
  state:
    description: V(started) takes the routes away, V(stopped) puts them back.
    type: str
    choices: [started, stopped]
    required: true
  timeout:
    description: Seconds after which the timer puts the routes back by itself.
    type: int
    default: 600
  unit:
    description: The name of the transient timer and service.
    type: str
    default: ipv6ready-ipv4-rehearsal
  state_file:
    description: Where the routes are saved while they are away.
    type: path
    default: /run/ipv6ready/ipv4-rehearsal.json
notes:
  - Needs root, C(ip) and systemd (C(systemd-run), C(systemctl)).
  - A default route with several next hops is refused; put such a route back by hand.
"""

EXAMPLES = r"""
- name: Rehearse without IPv4
  block:
    - name: Take the IPv4 default route away (back by itself after 10 minutes)
      ipv6ready.docker.ipv4_rehearsal:
        state: started
        timeout: 600

    - name: Check what needs checking without IPv4
      ansible.builtin.include_role:
        name: ipv6ready.docker.verify
  always:
    - name: Put the IPv4 default route back
      ipv6ready.docker.ipv4_rehearsal:
        state: stopped
"""

RETURN = r"""
routes:
  description: The IPv4 default routes taken away (V(started)) or put back (V(stopped)).
  returned: always
  type: list
  elements: dict
  sample: [{"dst": "default", "gateway": "172.31.1.1", "dev": "eth0", "flags": ["onlink"]}]
unit:
  description: The transient timer's unit name.
  returned: always
  type: str
  sample: ipv6ready-ipv4-rehearsal.timer
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ipv6ready.docker.plugins.module_utils import _ipv4_host


def default_routes(module, ip):
    rc, out, err = module.run_command([ip, "-json", "-4", "route", "show", "default"])
    if rc != 0:
        module.fail_json(msg="'ip -json -4 route show default' failed (rc=%d): %s" % (rc, (err or out).strip()))
    try:
        return json.loads(out) if out.strip() else []
    except ValueError as exc:
        module.fail_json(msg="'ip -json -4 route show default' printed no JSON: %s" % to_native(exc))
    return []  # not reached


def load(module, path):
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            routes = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg="Cannot read the saved routes in %s: %s" % (path, to_native(exc)))
    return routes if isinstance(routes, list) else []


def save(module, path, routes):
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    tmp = "%s.tmp" % path
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(routes, handle)
    module.atomic_move(tmp, path)


def stop_units(module, unit):
    """Stop the timer and its service; return whether the timer was active."""
    systemctl = module.get_bin_path("systemctl", required=True)
    rc, _out, _err = module.run_command([systemctl, "is-active", "--quiet", unit + ".timer"])
    module.run_command([systemctl, "stop", unit + ".timer", unit + ".service"])
    module.run_command([systemctl, "reset-failed", unit + ".timer", unit + ".service"])
    return rc == 0


def argvs(module, ip, routes, verb):
    """The ``ip route replace`` (as it was) or ``ip route del`` (the route's own keys) of each route."""
    try:
        built = [_ipv4_host.route_argv(route) for route in routes]
    except ValueError as exc:
        module.fail_json(msg=to_native(exc))
    if verb == "del":
        return [[ip, "-4", "route", "del"] + _ipv4_host.route_selector(route) for route in routes]
    return [[ip] + argv[1:] for argv in built]


def run_all(module, commands):
    for argv in commands:
        rc, out, err = module.run_command(argv)
        if rc != 0:
            module.fail_json(msg="'%s' failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()))


def started(module, ip, unit, path, timeout):
    current = default_routes(module, ip)
    saved = load(module, path)
    routes = saved if (saved and not current) else current
    result = {"routes": routes, "unit": unit + ".timer"}
    if not routes:
        module.exit_json(changed=False, msg="the host has no IPv4 default route", **result)
    restore = argvs(module, ip, routes, "replace")
    remove = argvs(module, ip, current, "del")
    if module.check_mode:
        module.exit_json(changed=True, **result)
    systemd_run = module.get_bin_path("systemd-run")
    if not systemd_run:
        module.fail_json(msg="systemd-run is missing: the rehearsal needs systemd, to put the route back by itself")
    stop_units(module, unit)
    save(module, path, routes)
    rc, out, err = module.run_command(
        [
            systemd_run,
            "--unit",
            unit,
            "--collect",
            "--description",
            "ipv6ready: put the IPv4 default route back",
            "--on-active",
            "%ds" % timeout,
            "--timer-property",
            "AccuracySec=1s",
            "/bin/sh",
            "-c",
            _ipv4_host.shell_line(restore),
        ]
    )
    if rc != 0:
        os.remove(path)
        module.fail_json(msg="systemd-run failed (rc=%d): %s; the route was not touched" % (rc, (err or out).strip()))
    run_all(module, remove)
    if default_routes(module, ip):
        module.fail_json(msg="an IPv4 default route is still there after it was deleted", **result)
    module.exit_json(changed=True, **result)


def stopped(module, ip, unit, path):
    saved = load(module, path)
    current = default_routes(module, ip)
    missing = [route for route in saved or [] if route not in current]
    result = {"routes": saved or [], "unit": unit + ".timer"}
    systemctl = module.get_bin_path("systemctl", required=True)
    rc, _out, _err = module.run_command([systemctl, "is-active", "--quiet", unit + ".timer"])
    timer_active = rc == 0
    changed = bool(missing) or timer_active or saved is not None
    if module.check_mode or not changed:
        module.exit_json(changed=changed, **result)
    run_all(module, argvs(module, ip, saved or [], "replace"))
    stop_units(module, unit)
    if saved is not None:
        os.remove(path)
    if saved and not default_routes(module, ip):
        module.fail_json(msg="the IPv4 default route is still missing after it was put back", **result)
    module.exit_json(changed=True, **result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["started", "stopped"], required=True),
            timeout=dict(type="int", default=600),
            unit=dict(type="str", default="ipv6ready-ipv4-rehearsal"),
            state_file=dict(type="path", default="/run/ipv6ready/ipv4-rehearsal.json"),
        ),
        supports_check_mode=True,
    )
    if module.params["timeout"] < 1:
        module.fail_json(msg="timeout: %d is not a number of seconds of at least 1" % module.params["timeout"])
    ip = module.get_bin_path("ip", required=True)
    if module.params["state"] == "started":
        started(module, ip, module.params["unit"], module.params["state_file"], module.params["timeout"])
    stopped(module, ip, module.params["unit"], module.params["state_file"])


if __name__ == "__main__":
    main()
