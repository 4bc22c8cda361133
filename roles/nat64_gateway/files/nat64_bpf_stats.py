# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tc-BPF NAT64 translator's counters and address mapping, read from its
pinned maps with bpftool (run by `ipv6ready-nat64-net stats`).

The counter names come from the program's own BTF (struct n64_stats), so this
script needs no list of them.

    python3 nat64_bpf_stats.py [--pins DIR] [--mappings] [--json]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time


def dump(pins, name):
    """The map's entries, as bpftool formats them from the program's BTF."""
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", os.path.join(pins, name)], check=True, capture_output=True, text=True).stdout
    return [entry["formatted"] for entry in json.loads(out)]


def counters(pins):
    """{name: value summed over the CPUs}, in the struct's order."""
    totals = {}
    for entry in dump(pins, "n64_stats"):
        for cpu in entry["values"]:
            for name, value in cpu["value"].items():
                totals[name] = totals.get(name, 0) + value
    return totals


def mappings(pins):
    """[{pool address, IPv6 source, idle seconds}] of the pool addresses in use."""
    config = dump(pins, "n64_config")[0]["value"]
    first = socket.ntohl(config["pool_first"])
    now = time.clock_gettime(time.CLOCK_MONOTONIC)
    result = []
    for entry in dump(pins, "n64_pool"):
        slot = entry["value"]
        if slot["state"] != 2:
            continue
        raw = b"".join(socket.htonl(word).to_bytes(4, "big") for word in slot["addr6"])
        result.append(
            {
                "ipv4": str(ipaddress.IPv4Address(first + entry["key"])),
                "ipv6": str(ipaddress.IPv6Address(raw)),
                "idle_seconds": max(0, int(now - slot["last_ns"] / 1e9)),
            }
        )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--pins", default="/sys/fs/bpf/tc/globals", help="where the maps are pinned")
    parser.add_argument("--mappings", action="store_true", help="list the IPv6 source of each pool address in use")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    try:
        result = {"counters": counters(args.pins)}
        if args.mappings:
            result["mappings"] = mappings(args.pins)
    except (subprocess.CalledProcessError, OSError) as exc:
        sys.stderr.write("cannot read the translator maps in %s (is the bpf engine running?): %s\n" % (args.pins, getattr(exc, "stderr", "") or exc))
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print("Translator (bpf) counters, all CPUs:")
    for name, value in result["counters"].items():
        print("  %-24s %12d" % (name, value))
    if args.mappings:
        print("\nPool addresses in use (%d):" % len(result["mappings"]))
        for row in result["mappings"]:
            print("  %-15s  %-39s  idle %ds" % (row["ipv4"], row["ipv6"], row["idle_seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
