# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A running dual-stack fleet moved to IPv6-only on the Hetzner twin (``make demo-ipv6only``).

The fleet: a NAT64/DNS64 gateway (``hcloud_provision``) and three Docker hosts with IPv4 and IPv6, made the
old way (``ipv6only/legacy.yml``), configured with ``site.yml``, running an app published on port 80 and the
journey's mail app. Then ``ipv6ready.docker.hcloud_ipv6only``, in batches of one with a canary:

1. check mode lists what would happen and changes nothing; a rehearsal left behind by a vanished controller
   gets its IPv4 default route back from the timer on the host;
2. host 3 receives IPv4 connections on its published port (from this host, over IPv4): the run is refused,
   naming the port and the counts, and nothing changes; every later run acknowledges it for host 3 only;
3. host 2's address is taken out of the gateway's DNS64 allowlist: host 1 (the canary) moves, host 2's
   rehearsal fails, its IPv4 default route is back, nothing changed on it, the rollout stops, host 3 is
   untouched;
4. host 2 is allowed again, but its health check asks its own IPv4 address: it passes the rehearsal (the
   address is still there), fails after the power cycle, gets the same IPv4 back and answers; the rollout stops,
   host 3 is untouched;
5. with host 2's usual health check, hosts 2 and 3 move: no host has IPv4 any more, in the API or on eth0; the
   kept addresses are labelled with their host and the date; the report counts 4 addresses before, 1 after;
6. the seed's mail is delivered from all three (and fails without the fix: there is no IPv4 left);
7. a second run changes nothing;
8. the reverse on host 1: it gets its kept address back, the same one, and answers over IPv4;
9. the twin stops, and nothing of it is left.

It ends with ``demo-ipv6only: passed in N s``. IPV6READY_TWIN names the twin instance (default ``mig``); the
twin's images and apt cache are the journey's (``make demo-hetzner``). KEEP=1 leaves the twin up at the end
(``demo_ipv6only.py down`` removes it); ``demo_ipv6only.py from N`` goes on at step N against a twin a failed
run kept.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import demo_hetzner as journey  # noqa: E402  pylint: disable=wrong-import-position

OUT = ROOT / "tests" / "output" / "demo-ipv6only"
INSTANCE = os.environ.get("IPV6READY_TWIN", "mig")
FLEET = journey.FLEET
HOSTS = ["%s-docker-%d" % (FLEET, index) for index in (1, 2, 3)]
GATEWAY = FLEET + "-nat64"
GROUP_VARS_DIR = OUT / "inventory" / "group_vars"
HOST_VARS_DIR = OUT / "inventory" / "host_vars"
TIMER = 20  # seconds: the abandoned rehearsal's timer (step 1)


def use_this_demo():
    """Point the journey's helpers at this demo's twin instance and directory (called by main only)."""
    journey.use(INSTANCE, OUT)


class DemoError(journey.JourneyError):
    """A step did not do what it must."""


def primary_ips(state):
    return journey.api(state, "/primary_ips?per_page=50")["primary_ips"]


def ipv4_of(state):
    """Each server's primary IPv4 in the API (None without one)."""
    return {name: (item["public_net"]["ipv4"] or {}).get("ip") for name, item in journey.servers(state).items()}


def host_ipv4(state, hosts):
    """Each host's IPv4 addresses on eth0 and its IPv4 default routes, read on the host over SSH."""
    result = journey.ansible(
        state,
        "ansible",
        ",".join(hosts),
        *journey.INVENTORY,
        "-m",
        "ansible.builtin.command",
        "-a",
        'sh -c "ip -4 -o addr show dev eth0; ip -4 route show default"',
        "-o",
    )
    found = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(\S+) \| CHANGED \| rc=0 \| \(stdout\) (.*)$", line)
        if match:
            found[match.group(1)] = re.findall(r"inet (\d+\.\d+\.\d+\.\d+)|default via (\S+)", match.group(2))
        elif re.match(r"^(\S+) \| CHANGED \| rc=0 \| \(stdout\)\s*$", line):
            found[line.split()[0]] = []
    return found


def http_get(url, timeout=3):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status
    except OSError:
        return None


class Traffic:
    """IPv4 clients of one host's app: GET http://<its IPv4>/ from this host, twice a second, until stopped."""

    def __init__(self, address):
        self.url = "http://%s/" % address
        self.answered = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="ipv4-clients")

    def _run(self):
        while not self.stopping.is_set():
            if http_get(self.url, timeout=1) is not None:
                self.answered += 1
            self.stopping.wait(0.5)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)


# -- the fleet --------------------------------------------------------------------------------------


def build_fleet(state):
    """The gateway with hcloud_provision (no IPv6-only Docker host), then the old dual-stack Docker hosts."""
    twin = state["twin"]
    for directory in (GROUP_VARS_DIR / "all", HOST_VARS_DIR):
        directory.mkdir(parents=True, exist_ok=True)
    fleet = journey.fleet_settings(
        OUT,
        twin,
        journey.GROUP_VARS,
        "hcloud_fleet_docker_host_count: 0",
        # The old Docker hosts are made below; the gateway's firewall admits the twin's block.
        'hcloud_fleet_extra_client_prefixes: ["%s"]' % twin["ipv6_block"],
    )
    journey.ansible(state, "ansible-playbook", "ipv6ready.docker.hcloud_provision", "-e", "@%s" % fleet)
    journey.ansible(state, "ansible-playbook", str(HERE / "ipv6only" / "legacy.yml"), "-e", "legacy_fleet=%s" % FLEET, "-e", "legacy_count=%d" % len(HOSTS))
    found = ipv4_of(state)
    journey.check(
        sorted(found) == sorted(HOSTS + [GATEWAY]) and all(found.values()), "the fleet: %s" % ", ".join("%s (IPv4 %s)" % item for item in sorted(found.items()))
    )
    # What docs/hetzner.md tells a user to set for site.yml (the journey's values for the twin) and, for the
    # move, a health check for every Docker host: the app answers on the host.
    journey.site_vars(state)
    (GROUP_VARS_DIR / "docker_hosts.yml").write_text(
        "\n".join(
            [
                "---",
                "# The move's health check: the app answers on the host.",
                "hcloud_ipv6only_health_url: http://localhost/",
                "hcloud_ipv6only_health_timeout: 20",
                "",
            ]
        ),
        encoding="utf-8",
    )
    journey.reach(state)


def configure(state, extra):
    # A first converge of a test fleet: no canary, and the checks come with the move (the verify role).
    journey.ansible(
        state, "ansible-playbook", *journey.INVENTORY, "ipv6ready.docker.site", *extra, "-e", "ipv6ready_canary=false", "-e", "ipv6ready_verify=false"
    )
    journey.ansible(state, "ansible-playbook", *journey.INVENTORY, str(HERE / "ipv6only" / "app.yml"))
    for name, address in sorted(ipv4_of(state).items()):
        if name in HOSTS:
            journey.check(http_get("http://%s/" % address) == 200, "%s's app answers IPv4 clients at %s" % (name, address))


def move(state, extra, *more, expect_ok=True):
    result = journey.ansible(
        state,
        "ansible-playbook",
        *journey.INVENTORY,
        "ipv6ready.docker.hcloud_ipv6only",
        *extra,
        "-e",
        "hcloud_fleet_name=%s" % FLEET,
        "-e",
        "hcloud_ipv6only_confirm=%s" % FLEET,
        "-e",
        "hcloud_ipv6only_ipv4_window=10",
        *more,
        check=expect_ok,
    )
    if not expect_ok and result.returncode == 0:
        raise DemoError("the run passed; it must stop")
    return result


ACK = ["-e", json.dumps({"hcloud_ipv6only_ipv4_traffic_ack": [HOSTS[2]]})]


def gateway_allows(state, extra, hosts):
    """site.yml's DNS64 role on the gateway, with an allowlist of these Docker hosts' /64s (None: derived)."""
    more = []
    if hosts is not None:
        found = journey.servers(state)
        more = ["-e", json.dumps({"dns64_allowed_prefixes": [found[name]["public_net"]["ipv6"]["ip"] for name in hosts]})]
    journey.ansible(state, "ansible-playbook", *journey.INVENTORY, "ipv6ready.docker.site", *extra, "--limit", GATEWAY, "--tags", "dns64", *more)


def main(argv):
    use_this_demo()
    what = argv[1] if len(argv) > 1 else "all"
    if what == "down":
        journey.down()
        print("demo-ipv6only: the twin %s is down" % INSTANCE)
        return 0
    keep = os.environ.get("KEEP", "0") == "1"
    # "from N": go on with step N against the twin a failed run kept (for work on the demo itself).
    first = int(argv[2]) if what == "from" else 0
    holder = {"state": None, "traffic": None, "before": None}
    if first > 1:
        holder["state"] = json.loads(journey.STATE.read_text(encoding="utf-8"))
        holder["before"] = json.loads((OUT / "before.json").read_text(encoding="utf-8"))
    extra = ["-e", "@%s" % (OUT / "site-vars.yml")]

    def state():
        return holder["state"]

    def begin():
        holder["state"] = journey.start_twin()

    def fleet():
        build_fleet(state())
        configure(state(), extra)
        holder["before"] = ipv4_of(state())
        (OUT / "before.json").write_text(json.dumps(holder["before"]), encoding="utf-8")

    def check_mode():
        before = primary_ips(state())
        result = journey.ansible(
            state(),
            "ansible-playbook",
            *journey.INVENTORY,
            "ipv6ready.docker.hcloud_ipv6only",
            *extra,
            "-e",
            "hcloud_fleet_name=%s" % FLEET,
            "-e",
            "hcloud_ipv6only_ipv4_window=5",
            "--check",
        )
        for name in HOSTS:
            journey.check(
                journey.said(result, "%s: would be moved: moves to IPv6-only: its primary IPv4 %s" % (name, holder["before"][name])),
                "check mode lists the move of %s" % name,
            )
        journey.check(primary_ips(state()) == before and ipv4_of(state()) == holder["before"], "check mode changed nothing")

    def timer():
        # What the controller leaves behind when it vanishes in the middle of a rehearsal: the route taken away,
        # the timer armed, nobody to put it back.
        # The timer must not fire before the next command has looked (an ad-hoc command took 7 s on a loaded
        # machine, longer than the 5 s timer this step had). It is armed by the time the module has answered.
        journey.ansible(
            state(), "ansible", HOSTS[1], *journey.INVENTORY, "-m", "ipv6ready.docker.ipv4_rehearsal", "-a", "state=started timeout=%d" % TIMER, "-o"
        )
        armed = time.monotonic()
        journey.check(host_ipv4(state(), [HOSTS[1]])[HOSTS[1]] == [(holder["before"][HOSTS[1]], "")], "host 2 lives without its IPv4 default route")
        time.sleep(max(0.0, armed + TIMER + 3 - time.monotonic()))
        journey.check(("", "172.31.1.1") in host_ipv4(state(), [HOSTS[1]])[HOSTS[1]], "the timer on host 2 put the IPv4 default route back by itself")
        journey.ansible(state(), "ansible", HOSTS[1], *journey.INVENTORY, "-m", "ipv6ready.docker.ipv4_rehearsal", "-a", "state=stopped", "-o")

    def refused():
        holder["traffic"] = Traffic(holder["before"][HOSTS[2]]).start()
        before = primary_ips(state())
        result = move(state(), extra, expect_ok=False)
        pattern = (
            r"%s: it still receives IPv4 traffic on published ports: tcp/80 \((\d+) new connections? in the "
            r"last \d+ s" % re.escape(HOSTS[2])
        )
        match = re.search(pattern, " ".join(result.stdout.split()))
        journey.check(
            match is not None and journey.said(result, "load balancer or a proxy with IPv4") and journey.said(result, "hcloud_ipv6only_ipv4_traffic_ack"),
            "host 3 is refused, naming tcp/80 and %s connections, and the ways out" % (match.group(1) if match else "?"),
        )
        journey.check(journey.said(result, "Nothing was changed") and primary_ips(state()) == before, "nothing changed")

    def rehearsal_fails():
        gateway_allows(state(), extra, [HOSTS[0], HOSTS[2]])
        result = move(state(), extra, *ACK, expect_ok=False)
        now = ipv4_of(state())
        journey.check(now[HOSTS[0]] is None, "host 1 (the canary) moved: no IPv4 in the API")
        journey.check(
            journey.said(result, "%s: did not move: the rehearsal without IPv4 failed" % HOSTS[1]), "host 2's rehearsal failed and the report says so"
        )
        journey.check(now[HOSTS[1]] == holder["before"][HOSTS[1]] and now[HOSTS[2]] == holder["before"][HOSTS[2]], "hosts 2 and 3 keep their IPv4 in the API")
        found = host_ipv4(state(), HOSTS)
        journey.check(found[HOSTS[0]] == [], "host 1 has no IPv4 address and no IPv4 route on eth0")
        journey.check(
            ("", "172.31.1.1") in found[HOSTS[1]] and (holder["before"][HOSTS[1]], "") in found[HOSTS[1]],
            "host 2 has its IPv4 address and its IPv4 default route back (nothing changed on it)",
        )
        journey.check(journey.said(result, "%s: untouched: the rollout stopped before its batch" % HOSTS[2]), "the rollout stopped: host 3 is untouched")
        gateway_allows(state(), extra, None)

    def fails_after_power_cycle():
        (HOST_VARS_DIR / ("%s.yml" % HOSTS[1])).write_text(
            "---\n# Asks the app on its IPv4 address: fine in the rehearsal, not once the address is gone.\n"
            "hcloud_ipv6only_health_url: http://%s/\n" % holder["before"][HOSTS[1]],
            encoding="utf-8",
        )
        result = move(state(), extra, *ACK, expect_ok=False)
        (HOST_VARS_DIR / ("%s.yml" % HOSTS[1])).unlink()
        journey.check(
            journey.said(result, "%s: did not move, put back: " % HOSTS[1])
            and journey.said(result, "it has its IPv4 %s back and answers again" % holder["before"][HOSTS[1]]),
            "host 2 failed after the power cycle and was put back",
        )
        now = ipv4_of(state())
        journey.check(now[HOSTS[1]] == holder["before"][HOSTS[1]], "host 2 has the same IPv4 in the API")
        journey.check(http_get("http://%s/" % holder["before"][HOSTS[1]]) == 200, "host 2 answers IPv4 clients again")
        journey.check(
            now[HOSTS[2]] == holder["before"][HOSTS[2]] and journey.said(result, "%s: untouched: the rollout stopped before its batch" % HOSTS[2]),
            "the rollout stopped: host 3 is untouched",
        )

    def all_move():
        result = move(state(), extra, *ACK)
        if holder["traffic"] is not None:
            holder["traffic"].stop()
            print("host 3's IPv4 clients were answered %d times" % holder["traffic"].answered)
        now = ipv4_of(state())
        journey.check(all(now[name] is None for name in HOSTS), "no Docker host has IPv4 in the API")
        found = host_ipv4(state(), HOSTS)
        journey.check(all(found[name] == [] for name in HOSTS), "no Docker host has an IPv4 address or route on eth0")
        journey.check(journey.said(result, "acknowledged (hcloud_ipv6only_ipv4_traffic_ack)"), "host 3 moved with its IPv4 traffic acknowledged")
        kept = dict(
            (item["labels"].get("ipv6ready_kept_from"), item) for item in primary_ips(state()) if item["assignee_id"] is None and item["type"] == "ipv4"
        )
        today = time.strftime("%Y-%m-%d", time.gmtime())
        for name in HOSTS:
            item = kept.get(name) or {}
            journey.check(
                item.get("ip") == holder["before"][name]
                and item["labels"].get("ipv6ready_kept_on") == today
                and item["labels"].get("ipv6ready_fleet") == FLEET
                and item["labels"].get("ipv6ready_kept_server_id") == str(journey.servers(state())[name]["id"]),
                "%s's address %s is kept, labelled %s" % (name, holder["before"][name], item.get("labels")),
            )
        # This run began with hosts 2 and 3 and the gateway assigned, host 1's address kept.
        journey.check(
            journey.said(result, "Primary IPv4 addresses of fleet %s: 3 assigned before, 1 assigned now; 3 kept" % FLEET)
            and journey.said(result, "2.00 EUR before, 2.00 EUR now, 0.50 EUR once the kept ones are deleted: a saving of 1.50 EUR per month"),
            "the report: 3 addresses assigned before this run, 1 after, 3 kept; 1.50 EUR a month saved once the kept ones are deleted",
        )

    def rerun():
        mark = primary_ips(state())
        result = move(state(), extra)
        changed = {host: numbers[1] for host, numbers in journey.recap(result).items() if numbers[1]}
        journey.check(not changed and primary_ips(state()) == mark, "the second run changed nothing")

    def reverse():
        move(state(), extra, "--limit", HOSTS[0], "-e", "hcloud_ipv6only_restore=true")
        address = holder["before"][HOSTS[0]]
        journey.check(ipv4_of(state())[HOSTS[0]] == address, "host 1 has its own address %s back in the API" % address)
        journey.check((address, "") in host_ipv4(state(), [HOSTS[0]])[HOSTS[0]], "and on eth0")
        journey.check(http_get("http://%s/" % address) == 200, "host 1 answers IPv4 clients again")

    steps = [
        (journey.IMAGES, journey.images),
        ("Start the twin %s" % INSTANCE, begin),
        ("A dual-stack fleet: the gateway, 3 Docker hosts with IPv4, site.yml, the app", fleet),
        ("Check mode: what would happen, nothing changes", check_mode),
        ("A rehearsal whose controller vanished: the timer on the host puts the route back", timer),
        ("Host 3 receives IPv4 connections on its published port: refused", refused),
        ("Host 2's resolver refused at the gateway: the canary moves, host 2's rehearsal fails", rehearsal_fails),
        ("Host 2's health check asks its IPv4: it fails after the power cycle and is put back", fails_after_power_cycle),
        ("Hosts 2 and 3 move (host 3's IPv4 traffic acknowledged)", all_move),
        ("The seed's mail from the IPv6-only hosts", lambda: journey.mail(state(), "after")),
        ("The second run changes nothing", rerun),
        ("The reverse on host 1", reverse),
    ]
    finish = [("Stop the twin: nothing of it is left on this host", journey.stop_and_check)]
    if not journey.run_steps("demo-ipv6only", steps + ([] if keep else finish), first):
        if holder["traffic"] is not None:
            holder["traffic"].stop()
        if holder["state"] is not None:
            print("the twin is kept for a look (tests/hcloud/demo_ipv6only.py down removes it); its log: %s" % (OUT / "twin.log"))
        return 1
    if keep:
        print("KEEP=1: the twin stays up (endpoint %s, token %s); tests/hcloud/demo_ipv6only.py down removes it" % (state()["endpoint"], state()["token"]))
    print("demo-ipv6only: passed in %.0f s" % (time.monotonic() - journey.STARTED))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
