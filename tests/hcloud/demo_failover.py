# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two NAT64/DNS64 gateways on the Hetzner twin, failover measured (``make demo-failover``).

What a user does (docs/availability.md), then what a gateway's failure does to the mail:

1. the twin (its own instance, ``fo``: ``IPV6READY_FAILOVER_TWIN``) and its API on loopback;
2. ``hcloud_provision`` with ``hcloud_fleet_gateway_count: 2``: two gateways, one floating IPv6 /64 each,
   one IPv6-only Docker host; the inventory lists them, Ansible reaches them over SSH on IPv6;
3. ``site.yml`` with the provisioning's group_vars plus the agents' API token (the twin's, from the
   gateways: its inside endpoint); the verify role checks every gateway's path; a second run changes nothing;
4. failover: two app containers on the Docker host send one SMTP transaction per second each through
   DNS64/NAT64, one resolving the name for every mail, one with the address it resolved at its start (an app
   that caches DNS); the gateway their resolver leads to is powered off (the twin kills its container: the hard way).
   Printed: ``failover: new connections recovered in N s, M of K transactions failed``; the goal is 10 s.
   It comes back: one move back after the stable period (``nat64_failover_failback_after``, 20 s here instead
   of 300 to keep the demo short), no flapping;
5. the same with the gateway hung instead (its container frozen with ``docker pause``: the translator and
   the resolver stop answering, and packets to them vanish without an error), then thawed;
6. split brain: the link between the gateways is cut (a blackhole route to the other's /64 on each) while both
   reach the API: at most one move per floating IP, none after the first seconds; healed, each goes home once;
7. ``hcloud_teardown``; nothing of the twin is left.

The moves are read from the API twice a second by this script, the transactions from the app's own log.
Usage: demo_failover.py [all|down]; KEEP=1 keeps the twin and the fleet up at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import demo_hetzner as journey  # noqa: E402  pylint: disable=wrong-import-position

ROOT = HERE.parents[1]
OUT = ROOT / "tests" / "output" / "demo-failover"
INSTANCE = os.environ.get("IPV6READY_FAILOVER_TWIN", "fo")
FLEET = journey.FLEET
GATEWAYS = [FLEET + "-nat64", FLEET + "-nat64-2"]
FLOATING = [FLEET + "-nat64-floating-1", FLEET + "-nat64-floating-2"]
HOST = FLEET + "-docker-1"
GOAL = 10.0  # seconds until new connections succeed again (issue 22)
FAILBACK_AFTER = 20  # the demo's nat64_failover_failback_after (default 300)
TRUST_AFTER = 20  # the demo's nat64_failover_trust_after (default 60)
REMOTE = "/root/ipv6ready-failover-demo"
LOOP = "fo-mail-loop"


def use_this_demo():
    """Point the journey's helpers at this demo's twin instance and directory (called by main only)."""
    journey.use(INSTANCE, OUT)


class DemoError(journey.JourneyError):
    """A step did not do what it must."""


# -- pure: what the records and the moves say (tests/hcloud/test_demo_failover.py) ----------------------


def recovery(records, since, until):
    """``(seconds, failed, total)`` for the transactions started in ``[since - 10, until)``.

    ``seconds``: from ``since`` (the kill) until mail is delivered again for good: the end (the delivery) of
    the first transaction that succeeded among those started after the last failed one (transactions in
    flight at ``since`` included), or, when none failed, of the first one started after ``since``; None
    when none succeeded after the last failure.
    """
    window = sorted((r for r in records if since - 10 <= r["start"] < until), key=lambda r: r["start"])
    failures = [r for r in window if not r["ok"] and r["end"] >= since]
    failed = sum(1 for r in window if not r["ok"])
    after = max([r["start"] for r in failures] or [since - 1e-9])
    later = [r for r in window if r["ok"] and r["start"] > after]
    if not later:
        return None, failed, len(window)
    return round(min(r["end"] for r in later) - since, 1), failed, len(window)


def moves(samples):
    """``[(time, floating IP, from, to)]`` out of ``[(time, {floating IP: holder})]`` samples."""
    out = []
    for (_before, old), (when, new) in zip(samples, samples[1:]):
        for name in sorted(new):
            if old.get(name) != new[name]:
                out.append((when, name, old.get(name), new[name]))
    return out


def report_lines(output, markers):
    """The verify report's lines holding one of ``markers``, out of Ansible's YAML output (joined where it wrapped)."""
    lines = []
    current = None
    for raw in output.splitlines():
        text = raw.strip()
        if text.startswith("- "):
            current = None
            item = text[2:].strip("'\"")
            if any(marker in item for marker in markers):
                current = len(lines)
                lines.append(item)
        elif current is not None and text and not text.endswith(":"):
            lines[current] = (lines[current] + " " + text.strip("'\"")).strip()
        else:
            current = None
    return lines


def durations(records):
    """``(slowest, slow)``: the longest delivered transaction (s) and how many took more than 2 s."""
    taken = [r["end"] - r["start"] for r in records if r["ok"]]
    return (round(max(taken), 1) if taken else 0.0), sum(1 for t in taken if t > 2)


def gateway_of(address, prefixes):
    """The gateway whose /96 (``{gateway: prefix}``) the address lies in, or '?'."""
    import ipaddress  # pylint: disable=import-outside-toplevel

    for gateway, prefix in prefixes.items():
        if address and ipaddress.IPv6Address(address) in ipaddress.IPv6Network(prefix):
            return gateway
    return "?"


# -- the twin's API ---------------------------------------------------------------------------------


def api(state, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        state["endpoint"] + path, data=data, method=method, headers={"Authorization": "Bearer " + state["token"], "Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def servers(state):
    return {item["name"]: item for item in api(state, "GET", "/servers")["servers"]}


def holders(state):
    by_id = {item["id"]: name for name, item in servers(state).items()}
    return {item["name"]: by_id.get(item["server"]) for item in api(state, "GET", "/floating_ips")["floating_ips"]}


class Watcher:
    """Reads who holds each floating IP twice a second, in a thread, for the whole demo."""

    def __init__(self, state):
        self.state = state
        self.samples = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            try:
                self.samples.append((time.time(), holders(self.state)))
            except OSError:
                pass
            self.stop.wait(0.5)

    def moves(self, since=0.0, until=float("inf")):
        return [m for m in moves(self.samples) if since <= m[0] < until]

    def now(self):
        return self.samples[-1][1] if self.samples else {}


# -- the steps --------------------------------------------------------------------------------------


def provision(state):
    fleet = journey.fleet_settings(
        OUT, state["twin"], journey.GROUP_VARS, "hcloud_fleet_location: nbg1", "hcloud_fleet_gateway_count: 2", "hcloud_fleet_docker_host_count: 1"
    )
    journey.ansible(state, "ansible-playbook", "ipv6ready.docker.hcloud_provision", "-e", "@%s" % fleet)
    found = servers(state)
    held = holders(state)
    print("servers: %s" % ", ".join("%s %s" % (name, item["public_net"]["ipv6"]["ip"]) for name, item in sorted(found.items())))
    print("floating IPs: %s" % ", ".join("%s held by %s" % item for item in sorted(held.items())))
    if sorted(found) != sorted(GATEWAYS + [HOST]) or held != dict(zip(FLOATING, GATEWAYS)):
        raise DemoError("the fleet is %s with floating IPs %s" % (sorted(found), held))


def inventory(state):
    result = journey.ansible(state, "ansible-inventory", *journey.INVENTORY, "--list", capture=True)
    listed = json.loads(result.stdout[result.stdout.index("{") :])
    groups = {name: sorted(listed.get(name, {}).get("hosts", [])) for name in ("nat64_gateways", "docker_hosts")}
    print("groups: %s" % groups)
    if groups != {"nat64_gateways": GATEWAYS, "docker_hosts": [HOST]}:
        raise DemoError("the inventory lists %s" % groups)
    journey.reach(state)


def site_vars(state):
    """The journey's settings for site.yml, plus the failover agents' (docs/availability.md)."""
    journey.site_vars(state)
    path = OUT / "failover-vars.yml"
    path.write_text(
        "\n".join(
            [
                "---",
                "# docs/availability.md: the agents' API token, on the gateways only. On Hetzner it comes from",
                "# Ansible Vault; the twin's token is a throwaway. The agents reach the twin's API from inside.",
                'nat64_failover_api_token: "%s"' % state["token"],
                'nat64_failover_api_endpoint: "%s"' % state["inside_endpoint"],
                "# Shorter than the defaults (300 s, 60 s) to keep the demo short.",
                "nat64_failover_failback_after: %d" % FAILBACK_AFTER,
                "nat64_failover_trust_after: %d" % TRUST_AFTER,
                "",
            ]
        ),
        encoding="utf-8",
    )
    return ["-e", "@%s" % (OUT / "site-vars.yml"), "-e", "@%s" % path]


def site(state, extra, again=False):
    args = [*journey.INVENTORY, "ipv6ready.docker.site", *extra]
    if again:
        args += ["-e", "ipv6ready_canary=false"]
    result = journey.ansible(state, "ansible-playbook", *args, capture=again)
    hosts = journey.recap(result)
    if sorted(hosts) != sorted(GATEWAYS + [HOST]) or any(numbers[3] for numbers in hosts.values()):
        raise DemoError("site.yml: %s" % hosts)
    if again:
        changed = {host: numbers[1] for host, numbers in hosts.items() if numbers[1]}
        if changed:
            sys.stdout.write(result.stdout)
            raise DemoError("the second site.yml changed something: %s" % changed)
        print("second site.yml: changed=0 on every host")
    else:
        paths = report_lines(result.stdout, ("| gateway ", "| resolver "))
        print("\nthe verify role, every gateway's path:\n  " + "\n  ".join(paths))
        if len([line for line in paths if line.startswith("PASS | gateway ")]) < 4 or any(line.startswith("FAIL") for line in paths):
            raise DemoError("the verify role did not pass both gateways' paths")
        if holders(state) != dict(zip(FLOATING, GATEWAYS)):
            raise DemoError("a floating IP moved during the rollout: %s" % holders(state))


def look(state, hosts, command):
    """Run ``command`` on ``hosts`` (ansible.builtin.command) and return what Ansible printed, failed or not."""
    return journey.ansible(state, "ansible", hosts, *journey.INVENTORY, "-m", "ansible.builtin.command", "-a", command, capture=True, check=False).stdout


def agent_status(state, title):
    output = look(state, "nat64_gateways", "ipv6ready-nat64-failover status")
    print("%s:\n%s" % (title, "\n".join("  " + line for line in output.splitlines() if line.strip())))


def journal(state, gateway, since):
    output = look(state, gateway, "journalctl -u ipv6ready-nat64-failover -o short-precise --no-pager --since @%d" % since)
    lines = [line for line in output.splitlines() if "ipv6ready-nat64-failover" in line]
    print("journal of %s:\n%s" % (gateway, "\n".join("  " + line.split(": ", 1)[-1][:170] for line in lines[-12:])))


# The two apps: one resolves the name for every mail, one resolved it once (an app that caches DNS).
LOOPS = {"by name": ("results.jsonl", ""), "cached address": ("results-cached.jsonl", "--cached")}


def start_loop(state):
    twin = state["twin"]
    journey.ansible(state, "ansible-playbook", *journey.INVENTORY, str(HERE / "app_image.yml"), "-l", HOST)
    journey.ansible(
        state,
        "ansible",
        HOST,
        *journey.INVENTORY,
        "-m",
        "ansible.builtin.copy",
        "-a",
        "src=%s dest=%s/ mode=0644" % (HERE / "failover" / "mail_loop.py", REMOTE),
        "-o",
    )
    commands = ["rm -f {r}/*.jsonl {r}/stop".format(r=REMOTE)]
    for index, (results, flag) in enumerate(LOOPS.values()):
        commands.append(
            "docker rm -f {n}-{i} >/dev/null 2>&1; docker run -d --name {n}-{i} --network kamal "
            "-v /etc/ipv6ready/gai.conf:/etc/gai.conf:ro -v {r}:{r} ipv6ready-twin/app:python "
            "python3 {r}/mail_loop.py {flag} {host} {port} {r}/{results} {r}/stop 1800".format(
                r=REMOTE, n=LOOP, i=index, flag=flag, host=twin["mail_name"], port=twin["smtp_port"], results=results
            )
        )
    journey.ansible(state, "ansible", HOST, *journey.INVENTORY, "-m", "ansible.builtin.shell", "-a", "; ".join(commands), "-o")


def records(state, which="by name"):
    result = journey.ansible(
        state, "ansible", HOST, *journey.INVENTORY, "-m", "ansible.builtin.slurp", "-a", "src=%s/%s" % (REMOTE, LOOPS[which][0]), "-o", capture=True
    )
    import base64  # pylint: disable=import-outside-toplevel

    content = json.loads(result.stdout[result.stdout.index("{") :])["content"]
    return [json.loads(line) for line in base64.b64decode(content).decode().splitlines() if line.strip()]


def stop_loop(state):
    journey.ansible(
        state,
        "ansible",
        HOST,
        *journey.INVENTORY,
        "-m",
        "ansible.builtin.shell",
        "-a",
        "touch %s/stop; sleep 8; docker rm -f %s-0 %s-1" % (REMOTE, LOOP, LOOP),
        "-o",
    )


def power(state, gateway, action):
    server = servers(state)[gateway]
    api(state, "POST", "/servers/%d/actions/%s" % (server["id"], action))


def wait_for(check, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return time.time()
        time.sleep(0.5)
    raise DemoError("%s did not happen within %d s" % (what, seconds))


def prefixes(state):
    """{gateway: the /96 its resolver synthesizes in}: its home floating /64's."""
    fips = {item["name"]: item["ip"] for item in api(state, "GET", "/floating_ips")["floating_ips"]}
    import ipaddress  # pylint: disable=import-outside-toplevel

    def carve(network):
        return str(ipaddress.IPv6Network((int(ipaddress.IPv6Network(network).network_address) | (0x64 << 48), 96)))

    return {gateway: carve(fips[fip]) for fip, gateway in zip(FLOATING, GATEWAYS)}


def describe(window, homes):
    via = {}
    for record in window:
        if record["ok"]:
            gateway = gateway_of(record.get("peer"), homes)
            via[gateway] = via.get(gateway, 0) + 1
    errors = sorted({r["error"].split(":")[0] for r in window if not r["ok"]})
    return "delivered via %s%s" % (", ".join("%s %d" % item for item in sorted(via.items())) or "none", ("; errors: " + ", ".join(errors)) if errors else "")


def measure_failure(state, watcher, results, key, how, kill, revive):
    """Kill the gateway the Docker host's resolver leads to (``kill``), measure, bring it back (``revive``)."""
    homes = results["homes"]
    victim = GATEWAYS[0]  # the home of floating IP 1, whose resolver the Docker host asks first
    time.sleep(10)
    print("the app sends one mail a second through %s; %s" % (victim, how))
    killed = time.time()
    kill(victim)
    wait_for(lambda: watcher.now().get(FLOATING[0]) == GATEWAYS[1], 60, "the move of %s" % FLOATING[0])
    time.sleep(30)
    until = time.time()
    moved = watcher.moves(killed, until)
    print("moves: %s" % ", ".join("%s %s -> %s after %.1f s" % (m[1], m[2], m[3], m[0] - killed) for m in moved))
    journal(state, GATEWAYS[1], killed - 5)
    results[key] = {"move_after": [round(m[0] - killed, 1) for m in moved]}
    for app in LOOPS:
        found = records(state, app)
        window = [r for r in found if killed <= r["start"] < until]
        seconds, failed, total = recovery(found, killed, until)
        slowest, slow = durations(window)
        print("the app (%s): %s; the slowest delivery took %.1f s, %d took more than 2 s" % (app, describe(window, homes), slowest, slow))
        print(
            "failover: new connections recovered in %s s, %d of %d transactions failed (%s, %s)"
            % ("?" if seconds is None else "%.1f" % seconds, failed, total, key, app),
            flush=True,
        )
        results[key][app] = {"seconds": seconds, "failed": failed, "total": total, "slowest": slowest, "slow": slow}
        if seconds is None or seconds > GOAL:
            raise DemoError("new connections recovered in %s s, not within %.0f s (%s)" % (seconds, GOAL, app))
    if [(m[1], m[3]) for m in moved] != [(FLOATING[0], GATEWAYS[1])]:
        raise DemoError("the moves after the kill were %s" % moved)

    # The gateway comes back: one failback after the stable period, no flapping.
    started = time.time()
    revive(victim)
    back = wait_for(lambda: watcher.now().get(FLOATING[0]) == victim, 150, "the failback of %s" % FLOATING[0])
    time.sleep(15)
    until = time.time()
    found = records(state)
    window = [r for r in found if started <= r["start"] < until]
    moved = watcher.moves(started, until)
    failed = sum(1 for r in window if not r["ok"])
    journal(state, victim, started)
    print(
        "comeback: %s back, %s home again %.0f s later (failback after %d s of health), %d move(s), %d of %d "
        "transactions failed; %s" % (victim, FLOATING[0], back - started, FAILBACK_AFTER, len(moved), failed, len(window), describe(window, homes)),
        flush=True,
    )
    results[key]["comeback"] = {"back_after": round(back - started, 1), "moves": len(moved), "failed": failed, "total": len(window)}
    if [(m[1], m[3]) for m in moved] != [(FLOATING[0], victim)]:
        raise DemoError("flapping: the moves after the comeback were %s" % moved)


def container(state, gateway):
    """The twin's container of a server (test harness only: a hung server, frozen)."""
    return "twin-%s-%s" % (INSTANCE, gateway)


def cut(state, action):
    """Both gateways at once (parallel forks): a blackhole route to the other's /64, or its removal."""
    journey.ansible(
        state,
        "ansible",
        "nat64_gateways",
        *journey.INVENTORY,
        "-m",
        "ansible.builtin.command",
        "-a",
        "ip -6 route %s blackhole {{ hostvars[groups['nat64_gateways'] | difference([inventory_hostname]) | first]['hcloud_ipv6_network'] }}/64" % action,
        "-o",
    )


def split_brain(state, watcher, results):
    print("cutting the link between the gateways (each: a blackhole route to the other's /64); both reach the API")
    started = time.time()
    cut(state, "add")
    time.sleep(60)
    healed = time.time()
    during = watcher.moves(started, healed)
    cut(state, "del")
    print("moves while cut (60 s): %s" % (", ".join("%s %s -> %s after %.1f s" % (m[1], m[2], m[3], m[0] - started) for m in during) or "none"))
    journal(state, GATEWAYS[1], started)
    wait_for(lambda: watcher.now() == dict(zip(FLOATING, GATEWAYS)), TRUST_AFTER + FAILBACK_AFTER + 60, "every floating IP back home after the link healed")
    time.sleep(15)
    until = time.time()
    after = watcher.moves(healed, until)
    found = records(state)
    window = [r for r in found if started <= r["start"] < until]
    failed = sum(1 for r in window if not r["ok"])
    shown = ", ".join("%s %s -> %s after %.1f s" % (m[1], m[2], m[3], m[0] - healed) for m in after)
    print("moves after healing: %s" % shown)
    print(
        "split brain: %d move(s) while cut, the last %.1f s after the cut, none in a loop; %d move(s) home after "
        "healing; %d of %d transactions failed" % (len(during), max([m[0] - started for m in during] or [0]), len(after), failed, len(window)),
        flush=True,
    )
    results["split_brain"] = {"moves_cut": len(during), "moves_healed": len(after), "failed": failed, "total": len(window)}
    if len(during) > len(FLOATING) or len({m[1] for m in during}) != len(during):
        raise DemoError("more than one move per floating IP while the link was cut: %s" % during)
    if any(m[0] - started > 15 for m in during):
        raise DemoError("a move long after the cut (a loop?): %s" % during)
    if len(after) != len(during):
        raise DemoError("after healing, %d moves for the %d of the cut" % (len(after), len(during)))


def main(argv):
    use_this_demo()
    what = argv[1] if len(argv) > 1 else "all"
    if what == "down":
        journey.down()
        print("demo-failover: the twin %s is down" % INSTANCE)
        return 0
    if not INSTANCE.startswith("fo"):
        print('IPV6READY_FAILOVER_TWIN must start with "fo"')
        return 2
    keep = os.environ.get("KEEP", "0") == "1"
    state = None
    watcher = None
    results = {}
    try:
        journey.step(journey.IMAGES)
        journey.images()
        journey.step("Start the twin %s" % INSTANCE)
        state = journey.start_twin()
        journey.step("Provision two gateways with a floating IPv6 /64 each, and an IPv6-only Docker host")
        provision(state)
        journey.step("List the fleet and reach it over SSH on IPv6")
        inventory(state)
        extra = site_vars(state)
        journey.step("site.yml: both gateways, the failover agents, the Docker host; verify checks every gateway")
        site(state, extra)
        agent_status(state, "the agents")
        journey.step("site.yml again: changed=0")
        site(state, extra, again=True)
        watcher = Watcher(state)
        watcher.thread.start()
        results["homes"] = prefixes(state)
        start_loop(state)
        journey.step("Failover: one mail a second from an app container; the gateway it uses is powered off")
        measure_failure(
            state,
            watcher,
            results,
            "powered off",
            "powering it off (the twin kills its container)",
            lambda gateway: power(state, gateway, "poweroff"),
            lambda gateway: power(state, gateway, "poweron"),
        )
        journey.step("Failover: the gateway it uses hangs (its container frozen: packets to it vanish unanswered)")
        measure_failure(
            state,
            watcher,
            results,
            "hung",
            "freezing it (docker pause: nothing answers, no error)",
            lambda gateway: subprocess.run(["docker", "pause", container(state, gateway)], check=True),
            lambda gateway: subprocess.run(["docker", "unpause", container(state, gateway)], check=True),
        )
        journey.step("Split brain: the link between the gateways cut, both reach the API")
        split_brain(state, watcher, results)
        stop_loop(state)
        agent_status(state, "the agents at the end")
        (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        if not keep:
            journey.step("Tear down")
            journey.teardown(state)
            journey.step("Stop the twin: nothing of it is left on this host")
            journey.down()
            left = journey.leftovers()
            if left:
                raise DemoError("the twin left %s behind" % left)
        journey.step(None)
    except (journey.JourneyError, subprocess.CalledProcessError, OSError) as exc:
        journey.step(None)
        print('\ndemo-failover: FAILED at "%s": %s' % (journey.TIMES[-1][0] if journey.TIMES else "?", exc), flush=True)
        if state is not None:
            print("the twin is kept for a look (make demo-failover-down removes it); its log: %s" % (OUT / "twin.log"))
        return 1
    finally:
        if watcher is not None:
            watcher.stop.set()
    print("\nstep times: %s" % ", ".join("%.0f s" % seconds for _name, seconds in journey.TIMES))
    for key in ("powered off", "hung"):
        for app in LOOPS:
            print(
                "failover: new connections recovered in %.1f s, %d of %d transactions failed (%s, %s)"
                % (results[key][app]["seconds"], results[key][app]["failed"], results[key][app]["total"], key, app)
            )
    print("demo-failover: passed in %.0f s" % (time.monotonic() - journey.STARTED))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
