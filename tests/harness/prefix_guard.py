# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stop before any test host is created when the outer engine's networks overlap the tests' inner prefixes.

  python3 prefix_guard.py HOSTS_JSON [NETWORKS_JSON]

HOSTS_JSON is the list of test hosts ({name, networks?: [{name}]}, as Molecule's
platforms and the lab's hosts are written); NETWORKS_JSON the networks the caller
is about to create itself ({name, ipv6_subnet?}). A host sits on the first of
its networks, or on the outer engine's default `bridge` network without any.
The IPv6 subnets of those networks (the declared ones as declared, the others as
`docker network inspect` shows them) must not overlap the prefixes the tests use
inside their hosts: `ipv6ready_test_inner_prefixes` in tests/fixtures/container.yml
(the Docker hosts' address pools and networks, the uplinks the tests make).
Otherwise a test host's own uplink is shadowed by its inner networks, and its
checks time out far from the cause. Exit status 1 with a message that says so;
0 and one line when the prefixes are clear.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTAINER_FILE = os.path.join(ROOT, "tests", "fixtures", "container.yml")
DEFAULT_NETWORK = "bridge"


def inner_prefixes(path=CONTAINER_FILE):
    with open(path, encoding="utf-8") as handle:
        return [ipaddress.ip_network(item) for item in yaml.safe_load(handle)["ipv6ready_test_inner_prefixes"]]


def joined_networks(hosts):
    """The outer networks the hosts join, each once, in order: every network a host lists, or the default bridge."""
    names = []
    for host in hosts or []:
        for name in [net["name"] for net in host.get("networks") or []] or [DEFAULT_NETWORK]:
            if name not in names:
                names.append(name)
    return names


def ipv6_subnets(inspect):
    """The IPv6 subnets of a `docker network inspect` entry."""
    config = ((inspect or {}).get("IPAM") or {}).get("Config") or []
    return [item["Subnet"] for item in config if ":" in (item.get("Subnet") or "")]


def overlaps(subnets, inner):
    """``[(network, subnet, inner prefix)]`` for every outer subnet that overlaps an inner prefix.

    ``subnets`` maps a network name to its IPv6 subnets.
    """
    found = []
    for name, values in subnets.items():
        for value in values:
            subnet = ipaddress.ip_network(value, strict=False)
            for prefix in inner:
                if subnet.version == prefix.version and subnet.overlaps(prefix):
                    found.append((name, str(subnet), str(prefix)))
    return found


def message(found, inner):
    lines = [
        "prefix_guard: the outer Docker engine's networks overlap the IPv6 prefixes the tests use inside their "
        "hosts (%s):" % ", ".join(str(prefix) for prefix in inner)
    ]
    for name, subnet, prefix in found:
        lines.append("  network %r has %s, which overlaps %s" % (name, subnet, prefix))
    lines.append(
        "A test host there would have its own uplink shadowed by the networks made inside it, and its checks "
        "would time out. Nothing was created. Give the outer engine an IPv6 subnet outside these prefixes "
        "(its daemon.json fixed-cidr-v6; .ci/dockerd.json uses fd00:c1::/64), or remove that network, then "
        "run again."
    )
    return "\n".join(lines)


def inspect_networks(names):
    """`docker network inspect` of the networks that exist, by name."""
    if not names:
        return {}
    result = subprocess.run(["docker", "network", "inspect"] + names, capture_output=True, text=True, check=False)
    # A network that does not exist yet is left out (exit 1, and the others printed).
    entries = json.loads(result.stdout) if result.stdout.strip() else []
    return {entry.get("Name"): entry for entry in entries}


def main(argv):
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    hosts = json.loads(argv[0])
    declared = {net["name"]: net for net in (json.loads(argv[1]) if len(argv) > 1 else [])}
    names = joined_networks(hosts)
    found = inspect_networks([name for name in names if name not in declared])
    subnets = {}
    for name in names:
        if name in declared:
            subnets[name] = [declared[name]["ipv6_subnet"]] if declared[name].get("ipv6_subnet") else []
        else:
            subnets[name] = ipv6_subnets(found.get(name))
    inner = inner_prefixes()
    problems = overlaps(subnets, inner)
    if problems:
        print(message(problems, inner), file=sys.stderr)
        return 1
    print("prefix_guard: the outer networks %s are clear of %s" % (", ".join(names), ", ".join(str(prefix) for prefix in inner)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
