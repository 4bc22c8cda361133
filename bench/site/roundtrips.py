"""Count the round trips of an ansible-playbook -vvv log, per host and role.

  roundtrips.py LOG HOST [HOST ...]   prints one JSON object:
    {HOST: {"total": N, "roles": {ROLE: N, ...}}, ...}

A round trip is one command the connection plugin runs on the host: an
``EXEC``, ``PUT`` or ``FETCH`` line that -vvv prints as ``<host> EXEC ...``
(community.docker.docker runs one `docker exec` for each; ssh one ssh
session, or a multiplexed channel). Each is counted for the role of the task
header above it (``TASK [ipv6ready.docker.sysctl : ...]`` -> ``sysctl``);
tasks outside roles count as ``facts`` (fact gathering) or ``tasks outside roles``. A task
delegated to another host counts for the host it ran on.
"""

import json
import re
import sys

TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.+?)\]")
ROUND_TRIP = re.compile(r"^<([^>]+)> (?:EXEC|PUT|FETCH) ")


def role_of(task):
    if task in ("Gathering Facts", "gather_facts"):
        return "facts"
    if " : " in task:
        role = task.split(" : ", 1)[0]
        return role.rsplit(".", 1)[-1]
    return "tasks outside roles"


def count(lines, hosts):
    result = {host: {"total": 0, "roles": {}} for host in hosts}
    role = "play"
    for line in lines:
        match = TASK.match(line)
        if match:
            role = role_of(match.group(1))
            continue
        match = ROUND_TRIP.match(line)
        if match and match.group(1) in result:
            entry = result[match.group(1)]
            entry["total"] += 1
            entry["roles"][role] = entry["roles"].get(role, 0) + 1
    return result


def main(path, hosts):
    with open(path, encoding="utf-8", errors="replace") as handle:
        print(json.dumps(count(handle, hosts)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
