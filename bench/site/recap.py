"""Summarise the PLAY RECAP of an ansible-playbook log for bench/site/run.sh.

  recap.py LOG GROUP_PREFIX   prints one JSON object:
    hosts      number of hosts in the recap
    changed    changed tasks over all hosts
    failed     failed + unreachable over all hosts
    tasks      mean task results per host whose name starts with GROUP_PREFIX
               (ok + failed + skipped + unreachable; ok already counts changed)

The recap is the last block of lines `name : ok=N changed=N ...`.
"""

import json
import re
import sys

LINE = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$")


def recap(text):
    hosts = {}
    for line in text.splitlines():
        if line.startswith("PLAY RECAP"):
            hosts = {}
            continue
        match = LINE.match(line.strip())
        if match:
            hosts[match.group(1)] = {k: int(v) for k, v in (f.split("=") for f in match.group(2).split())}
    return hosts


def main(path, prefix):
    with open(path, encoding="utf-8", errors="replace") as handle:
        hosts = recap(handle.read())
    if not hosts:
        sys.exit("recap.py: no PLAY RECAP in %s" % path)
    group = [h for name, h in hosts.items() if name.startswith(prefix)] or list(hosts.values())
    print(
        json.dumps(
            {
                "hosts": len(hosts),
                "changed": sum(h.get("changed", 0) for h in hosts.values()),
                "failed": sum(h.get("failed", 0) + h.get("unreachable", 0) for h in hosts.values()),
                "tasks": round(sum(h.get("ok", 0) + h.get("failed", 0) + h.get("skipped", 0) + h.get("unreachable", 0) for h in group) / len(group), 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
