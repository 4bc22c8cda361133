"""Print the figures of one bench/site/run.sh run: baseline, ours and ping side by side.

  report.py RESULTS HOSTS BATCH [ROUNDTRIPS_JSON]

RESULTS has one line per measurement, written by run.sh:
  ping SECONDS
  KEY SECONDS RECAP_JSON     (RECAP_JSON from recap.py; a KEY run several times
                             counts as the median of its runs)
  KEY failed
  load_start LOAD / load_end LOAD
Exits non-zero when a no-op run that must be idempotent reported changes.
"""

import json
import statistics
import sys

ROWS = [
    # key, label, compare with (baseline key or None)
    ("baseline-first", "baseline: first converge", None),
    ("baseline-noop", "baseline: no-op re-run", None),
    ("first", "ours, site.yml: first converge", "baseline-first"),
    ("noop", "ours, site.yml: no-op re-run", "baseline-noop"),
    ("noop-nocanary", "ours: no-op, no canary (`-e ipv6ready_canary=false`)", "baseline-noop"),
    ("noop-noverify", "ours: no-op, --skip-tags verify", "baseline-noop"),
    ("noop-hosts", "ours: no-op, Docker hosts' configuration only", "baseline-noop"),
    ("first-gateways", "ours, lab 3: first converge of the gateway alone (`-l nat64_gateways`)", None),
    ("first-hosts", "ours, lab 3: first converge of the Docker hosts' configuration only", "baseline-first"),
    ("first-gateways-lab5", "ours, lab 5: first converge of the gateway alone", None),
    ("first-hosts-nocanary", "ours, lab 5: lab 3's run without the canary (`-e ipv6ready_canary=false`)", "baseline-first"),
    ("baseline-noop-mitogen", "baseline with mitogen: no-op", None),
    ("noop-mitogen", "ours with mitogen: no-op re-run", "baseline-noop"),
    ("first-mitogen", "ours with mitogen: first converge (lab 3)", "baseline-first"),
    ("noop-mitogen-lab3", "ours with mitogen: no-op (lab 3)", "baseline-noop"),
]
IDEMPOTENT = ("baseline-noop", "noop", "noop-nocanary", "noop-noverify", "noop-hosts", "baseline-noop-mitogen", "noop-mitogen", "noop-mitogen-lab3")
ROLE_ORDER = ["facts", "tasks outside roles", "nat64_gateway", "dns64", "sysctl", "nat64_client", "daemon", "networks", "gai_policy", "verify"]


def parse(path):
    """The pings, each KEY's runs as ``(median seconds, recap, [seconds of each run])`` (``None`` if one failed), the load."""
    pings, lists, load = [], {}, {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.strip().split(" ", 2)
            if not parts or not parts[0]:
                continue
            if parts[0] == "ping":
                pings.append(float(parts[1]))
            elif parts[0].startswith("load_"):
                load[parts[0]] = parts[1]
            elif parts[1] == "failed":
                lists.setdefault(parts[0], []).append(None)
            else:
                lists.setdefault(parts[0], []).append((float(parts[1]), json.loads(parts[2])))
    runs = {}
    for key, measured in lists.items():
        if None in measured:
            runs[key] = None
            continue
        # The recap that counts for idempotence is the worst of the runs.
        recap = max((recap for _seconds, recap in measured), key=lambda r: r["changed"])
        runs[key] = (statistics.median(seconds for seconds, _recap in measured), recap, [seconds for seconds, _recap in measured])
    return pings, runs, load


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def main(path, hosts, batch, roundtrips=""):
    pings, runs, load = parse(path)
    ping = statistics.median(pings)
    print()
    print(
        "bench/site: %s lab Docker hosts and 1 gateway; site.yml with serial [1, %s]; load average %s at the "
        "start, %s at the end" % (hosts, batch, load.get("load_start", "?"), load.get("load_end", "?"))
    )
    print()
    print("| run | wall s | changed | task results per Docker host | x ping | x baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print("| ansible -m ping (median of %d) | %.1f | 0 | 1 | 1.0 | - |" % (len(pings), ping))
    for key, label, versus in ROWS:
        if key not in runs:
            continue
        if runs[key] is None:
            print("| %s | failed | | | | |" % label)
            continue
        seconds, recap, each = runs[key]
        base = runs.get(versus) if versus else None
        if len(each) > 1:
            label += " (median of %s)" % ", ".join("%.1f" % value for value in each)
        print(
            "| %s | %.1f | %d | %s | %.1f | %s |" % (label, seconds, recap["changed"], recap["tasks"], seconds / ping, ratio(seconds, base[0]) if base else "-")
        )

    def seconds(key):
        return runs[key][0] if runs.get(key) else None

    print()
    goals = [
        ("our no-op re-run / baseline no-op", seconds("noop"), seconds("baseline-noop"), 1.5),
        ("our no-op re-run / ping", seconds("noop"), ping, 15.0),
        ("our first converge / baseline first converge", seconds("first"), seconds("baseline-first"), 2.0),
        ("our first converge of the baseline's scope (lab 3) / baseline first converge", seconds("first-hosts"), seconds("baseline-first"), 2.0),
    ]
    for label, ours, other, goal in goals:
        if ours is None or not other:
            print("%s: not measured" % label)
            continue
        value = ours / other
        print("%s = %.2fx (goal <= %gx): %s" % (label, value, goal, "met" if value <= goal else "NOT met"))
    if seconds("noop-nocanary") and seconds("baseline-noop"):
        print(
            "our no-op without the canary (-e ipv6ready_canary=false) = %.2fx the baseline's no-op, %.1fx ping"
            % (seconds("noop-nocanary") / seconds("baseline-noop"), seconds("noop-nocanary") / ping)
        )
    if seconds("noop-mitogen") and seconds("noop"):
        print("mitogen: our no-op %.1f s -> %.1f s (%.2fx)" % (seconds("noop"), seconds("noop-mitogen"), seconds("noop-mitogen") / seconds("noop")))

    if roundtrips:
        data = json.loads(roundtrips)
        print()
        print("Round trips of one no-op re-run (-vvv: EXEC/PUT/FETCH lines), per role:")
        hosts_seen = ["lab-host1", "lab-host2", "lab-gw"]
        roles = sorted(
            {r for name in data for h in hosts_seen for r in data[name].get(h, {}).get("roles", {})},
            key=lambda r: (ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER), r),
        )
        print("| role | baseline lab-host1 | ours lab-host1 (canary) | ours lab-host2 | ours lab-gw |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for role in roles:
            cells = [
                data["baseline"]["lab-host1"]["roles"].get(role, 0),
                data["ours"]["lab-host1"]["roles"].get(role, 0),
                data["ours"]["lab-host2"]["roles"].get(role, 0),
                data["ours"]["lab-gw"]["roles"].get(role, 0),
            ]
            print("| %s | %s |" % (role, " | ".join(str(c) for c in cells)))
        print(
            "| total | %d | %d | %d | %d |"
            % (data["baseline"]["lab-host1"]["total"], data["ours"]["lab-host1"]["total"], data["ours"]["lab-host2"]["total"], data["ours"]["lab-gw"]["total"])
        )

    bad = [key for key in IDEMPOTENT if runs.get(key) and runs[key][1]["changed"] != 0]
    if bad:
        sys.exit("bench/site: not idempotent, changed > 0 in: " + ", ".join(bad))


if __name__ == "__main__":
    main(*sys.argv[1:])
