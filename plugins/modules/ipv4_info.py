#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ipv4_info
short_description: Read what a move to IPv6-only needs to know about a host's IPv4
version_added: 0.3.0
description:
  - Reads, in one round trip and without changing anything, what the playbook C(ipv6ready.docker.hcloud_ipv6only)
    decides on before and after it takes a host's IPv4 away.
  - The host's IPv4 addresses and IPv4 default routes (C(ip -json)).
  - The resolvers it uses (C(/etc/resolv.conf), or systemd-resolved's C(DNS=) servers when that is its stub).
  - Docker's published ports with the IPv4 connections to them from outside the host. Docker translates every
    connection to a published port with a DNAT rule of the C(DOCKER) chain of the C(nat) table, whose packet
    counter counts the connections. Given the counters of an earlier run (O(previous)), the difference is the
    new connections in between. When C(conntrack) is installed, the connections open now are counted too.
  - The containers, running or not, with their restart policy and labels.
  - The decisions themselves are the C(ipv6ready.docker.hcloud_ipv6only_plan) filter's.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
options:
  previous:
    description:
      - RV(published) of an earlier run of this module on the same host. The new connections to each published
        port since then are the difference of the counters (RV(inbound)). The playbook reads every host, waits
        once, and reads every host again.
      - Without it, no new connections are counted (only the open ones, with C(conntrack)).
    type: list
    elements: dict
  previous_time:
    description: RV(time) of that earlier run, to report the seconds between the two (RV(window)).
    type: float
notes:
  - Needs root for C(iptables-save) and C(conntrack). Reads Docker's rules with the iptables tools; with Docker's
    C(nftables) firewall backend there are none, and RV(iptables) is V(false).
"""

EXAMPLES = r"""
- name: Read the counters of the published ports
  ipv6ready.docker.ipv4_info:
  become: true
  register: first

- name: Wait five minutes
  ansible.builtin.pause:
    seconds: 300

- name: Count the IPv4 connections to published ports in those five minutes
  ipv6ready.docker.ipv4_info:
    previous: "{{ first.published }}"
    previous_time: "{{ first.time }}"
  become: true
  register: ipv4

- name: Show them
  ansible.builtin.debug:
    msg: "{{ ipv4.inbound }}"
"""

RETURN = r"""
addresses:
  description: The host's IPv4 addresses (without loopback), from C(ip -json -4 address show).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "203.0.113.10", "prefixlen": 32, "dev": "eth0"}]
default_routes:
  description: C(ip -json -4 route show default).
  returned: always
  type: list
  elements: dict
resolvers:
  description: The name servers the host resolves through.
  returned: always
  type: list
  elements: str
  sample: ["2001:db8:3::1"]
iptables:
  description: Whether C(iptables-save) could read the C(nat) table.
  returned: always
  type: bool
published:
  description: Docker's DNAT rules for published ports, at the second reading.
  returned: always
  type: list
  elements: dict
  sample: [{"proto": "tcp", "port": "80", "destination": null, "to": "172.17.0.2:80", "packets": 12,
            "rule": "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:80"}]
conntrack:
  description: The IPv4 connections tracked now (original direction), or V(null) when C(conntrack) is missing.
  returned: always
  type: list
  elements: dict
inbound:
  description:
    - Per published port, the V(new) IPv4 connections during the window (V(null) without one) and the V(open)
      ones from outside the host now (V(null) without C(conntrack)).
  returned: always
  type: list
  elements: dict
  sample: [{"proto": "tcp", "port": "80", "new": 12, "open": 1}]
time:
  description: When the counters were read (seconds since the epoch, the host's clock), for O(previous_time).
  returned: always
  type: float
window:
  description: Seconds since O(previous_time), or V(0) without it.
  returned: always
  type: int
docker:
  description: Whether the Docker CLI answered.
  returned: always
  type: bool
containers:
  description: The containers, running or not.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "app", "id": "4f1e...", "running": true, "restart_policy": "unless-stopped", "labels": {"service": "app"}}]
"""

import glob
import json
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file, _ipv4_host

RESOLV_CONF = "/etc/resolv.conf"
RESOLVED_CONFS = ["/etc/systemd/resolved.conf"]
RESOLVED_DROP_INS = ["/usr/lib/systemd/resolved.conf.d/*.conf", "/etc/systemd/resolved.conf.d/*.conf", "/run/systemd/resolved.conf.d/*.conf"]


def read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except (IOError, OSError):
        return ""


def resolved_text():
    """resolved.conf and its drop-ins, in the order systemd-resolved reads them (drop-ins sorted by name)."""
    drop_ins = {}
    for pattern in RESOLVED_DROP_INS:
        for path in glob.glob(pattern):
            drop_ins[path.rsplit("/", 1)[-1]] = path
    paths = RESOLVED_CONFS + [drop_ins[name] for name in sorted(drop_ins)]
    return "\n".join(read_text(path) for path in paths)


def nat_rules(module):
    """``iptables-save -c -t nat``, or None when it cannot be read."""
    tool = module.get_bin_path("iptables-save")
    if not tool:
        return None
    rc, out, _err = module.run_command([tool, "-c", "-t", "nat"])
    return out if rc == 0 else None


def conntrack_list(module):
    tool = module.get_bin_path("conntrack")
    if not tool:
        return None
    rc, out, _err = module.run_command([tool, "-L", "-f", "ipv4"])
    return _ipv4_host.conntrack_entries(out) if rc == 0 else None


def containers(module):
    """``(docker answered, containers)``."""
    docker = module.get_bin_path("docker")
    if not docker:
        return False, []
    rc, out, _err = module.run_command([docker, "ps", "--all", "--quiet", "--no-trunc"])
    if rc != 0:
        return False, []
    ids = out.split()
    if not ids:
        return True, []
    rc, out, err = module.run_command([docker, "inspect", "--type", "container"] + ids)
    if rc != 0:
        module.fail_json(msg="docker inspect failed (rc=%d): %s" % (rc, (err or out).strip()))
    found = []
    for item in json.loads(out or "[]"):
        state = item.get("State") or {}
        policy = ((item.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
        labels = (item.get("Config") or {}).get("Labels") or {}
        found.append(
            {
                "name": (item.get("Name") or "").lstrip("/"),
                "id": item.get("Id"),
                "running": bool(state.get("Running")),
                "restart_policy": policy,
                "labels": labels,
            }
        )
    return True, sorted(found, key=lambda entry: entry["name"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            previous=dict(type="list", elements="dict"),
            previous_time=dict(type="float"),
        ),
        supports_check_mode=True,
    )
    addresses = _ipv4_host.ipv4_addresses(_file.ip_json(module, ["-4", "address", "show"], required=True))
    rules = nat_rules(module)
    now = time.time()
    published = _ipv4_host.published_ports(rules) if rules is not None else []
    previous = module.params["previous"]
    conntrack = conntrack_list(module)
    docker, found = containers(module)
    previous_time = module.params["previous_time"]
    module.exit_json(
        changed=False,
        addresses=addresses,
        default_routes=_file.ip_json(module, ["-4", "route", "show", "default"], required=True),
        resolvers=_ipv4_host.resolvers(read_text(RESOLV_CONF), resolved_text()),
        iptables=rules is not None,
        published=published,
        conntrack=conntrack,
        inbound=_ipv4_host.inbound_ipv4(previous, published, conntrack, [item["address"] for item in addresses]),
        time=now,
        window=max(0, int(round(now - previous_time))) if previous_time is not None and previous is not None else 0,
        docker=docker,
        containers=found,
    )


if __name__ == "__main__":
    main()
