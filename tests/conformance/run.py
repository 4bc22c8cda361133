# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The NAT64 conformance test (make conformance): Jool's graybox vectors
against both engines of the nat64_gateway role.

1. Finds the vectors: $IPV6READY_JOOL_GRAYBOX, default <repository>/../shared/jool-graybox
   (NICMx/Jool's test/graybox/test-suite, data of another project that this
   repository does not hold). It fails when they are missing.
2. Starts one container per engine (conf-gw-tayga, conf-gw-bpf; label
   owner=ipv6ready-conformance, leftovers of an earlier run are removed
   first) and deploys the role there with Ansible (deploy.yml).
3. Replays the cases of cases.py in both gateways at once (replay.py).
4. Prints a table per feature and engine (passed / wrong / dropped), every
   case that did not pass with its differences, every vector not taken with
   the reason, and the bpf engine's drop counters; then compares the outcomes
   with the expected ones (EXPECTED in cases.py) and exits 1 on any
   difference.

Environment: CONFORMANCE_ENGINES (default "tayga bpf"), CONFORMANCE_KEEP=1
keeps the containers, CONFORMANCE_ONLY=SUBSTRING replays only matching cases.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import cases as casebook  # noqa: E402  pylint: disable=wrong-import-position

OWNER = "ipv6ready-conformance"
STATUSES = ("passed", "wrong", "dropped")


def say(message):
    print(message, flush=True)


def vectors_dir():
    path = os.environ.get("IPV6READY_JOOL_GRAYBOX") or os.path.join(ROOT, "..", "shared", "jool-graybox")
    path = os.path.abspath(path)
    if not (os.path.isdir(os.path.join(path, "nat64")) and os.path.isdir(os.path.join(path, "siit", "7915"))):
        sys.exit(
            "conformance: FAILED: Jool's graybox vectors are not at %s (expected nat64/ and siit/7915/ "
            "with .pkt files: NICMx/Jool test/graybox/test-suite). Put them there or point "
            "IPV6READY_JOOL_GRAYBOX at them; this test is never skipped." % path
        )
    return path


def remove_leftovers():
    # With their volumes: tests/fixtures/container.yml gives each host an anonymous one at /var/lib/docker.
    names = subprocess.run(["docker", "ps", "--all", "--quiet", "--filter", "label=owner=" + OWNER], check=True, capture_output=True, text=True).stdout.split()
    if names:
        subprocess.run(["docker", "rm", "--force", "--volumes"] + names, check=True, capture_output=True)


def deploy(engines, vectors):
    link = os.path.join(ROOT, "tests", "output", "collections", "ansible_collections", "ipv6ready", "docker")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink("../../../../..", link)
    platforms = [{"name": "conf-gw-" + engine, "image": "debian13", "volumes": ["%s:/graybox:ro" % vectors, "%s:/conformance:ro" % HERE]} for engine in engines]
    env = dict(
        os.environ,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "tests", "output", "collections"),
        ANSIBLE_FORCE_COLOR="false",
        ANSIBLE_NOCOLOR="true",
        ANSIBLE_INJECT_FACT_VARS="false",
        ANSIBLE_DEPRECATION_WARNINGS="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    extra = {"conformance_engines": engines, "conformance_platforms": platforms, "conformance_owner": OWNER}
    proc = subprocess.run(
        ["ansible-playbook", os.path.join(HERE, "deploy.yml"), "--extra-vars", json.dumps(extra)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        say(proc.stdout[-6000:])
        say(proc.stderr[-3000:])
        sys.exit("conformance: FAILED: the deployment of the gateways failed")


def replay(engine):
    argv = ["docker", "exec", "conf-gw-" + engine, "python3", "/conformance/replay.py", "/graybox"]
    if os.environ.get("CONFORMANCE_ONLY"):
        argv += ["--only", os.environ["CONFORMANCE_ONLY"]]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0 and not proc.stdout.startswith("{"):
        return {"error": "replay.py failed (%d): %s" % (proc.returncode, proc.stderr[-3000:])}
    return json.loads(proc.stdout)


def table(reports, engines):
    width = max(len(f) for f in casebook.FEATURES) + 2
    header = "%-*s" % (width, "feature") + "".join("  %-22s" % ("%s: pass/wrong/drop" % e) for e in engines)
    lines = [header, "-" * len(header)]
    totals = {e: dict.fromkeys(STATUSES, 0) for e in engines}
    for feature in casebook.FEATURES:
        row = "%-*s" % (width, feature)
        for engine in engines:
            counts = dict.fromkeys(STATUSES, 0)
            for result in reports[engine]["results"]:
                if result["feature"] == feature:
                    counts[result["status"]] += 1
                    totals[engine][result["status"]] += 1
            row += "  %-22s" % ("%d / %d / %d" % tuple(counts[s] for s in STATUSES))
        lines.append(row)
    lines.append("%-*s" % (width, "all cases") + "".join("  %-22s" % ("%d / %d / %d" % tuple(totals[e][s] for s in STATUSES)) for e in engines))
    return "\n".join(lines)


def judge(reports, engines):
    """Differences between the outcomes and casebook.EXPECTED."""
    mismatches = []
    for engine in engines:
        known = casebook.EXPECTED.get(engine, {})
        for result in reports[engine]["results"]:
            case = next(c for c in casebook.CASES if c.name == result["name"])
            want = known.get(result["name"], ("passed",))[0]
            if case.drop and want == "passed":
                want = "passed"  # a drop case passes when nothing leaves
            if result["status"] != want:
                mismatches.append("%s: %s is %s, expected %s" % (engine, result["name"], result["status"], want))
            leak = [p for p in result["problems"] if p.startswith("LEAK")]
            if leak:
                mismatches.append("%s: %s: %s" % (engine, result["name"], leak[0]))
    return mismatches


def main():
    started = time.monotonic()
    vectors = vectors_dir()
    engines = os.environ.get("CONFORMANCE_ENGINES", "tayga bpf").split()
    remove_leftovers()
    try:
        say("conformance: deploying %s (vectors: %s)" % (", ".join("conf-gw-" + e for e in engines), vectors))
        deploy(engines, vectors)
        deployed = time.monotonic()
        say("conformance: deployed in %.0f s; replaying" % (deployed - started))
        with concurrent.futures.ThreadPoolExecutor(len(engines)) as pool:
            reports = dict(zip(engines, pool.map(replay, engines)))
        for engine in engines:
            if "error" in reports[engine]:
                sys.exit("conformance: FAILED (%s): %s" % (engine, reports[engine]["error"]))
        say("conformance: replayed in %.0f s (%s)\n" % (time.monotonic() - deployed, ", ".join("%s %.1f s" % (e, reports[e]["seconds"]) for e in engines)))
        say(table(reports, engines))
        for engine in engines:
            known = casebook.EXPECTED.get(engine, {})
            bad = [r for r in reports[engine]["results"] if r["status"] != "passed"]
            if bad:
                say("\n%s: cases that did not pass" % engine)
            for result in bad:
                note = known.get(result["name"], (None, None))[1]
                say("  %-28s %-7s %s" % (result["name"], result["status"], note or ""))
                for problem in result["problems"][:6]:
                    say("      " + problem)
                if result["status"] == "dropped" or not result["problems"]:
                    for line in result["received"][:3]:
                        say("      received: " + line)
        first = reports[engines[0]]
        say("\nVectors not taken (%d of %d):" % (len(first["not_taken"]), len(first["not_taken"]) + sum(len(c.vectors()) for c in casebook.CASES)))
        by_dir = {}
        for path, reason in first["not_taken"].items():
            folder = next((d for d, r in casebook.NOT_TAKEN_DIRS.items() if path.startswith(d) and r == reason), None)
            if folder:
                by_dir.setdefault(folder, []).append(path)
            else:
                say("  %-52s %s" % (path, reason))
        for folder, paths in by_dir.items():
            say("  %-52s %s" % ("%s (%d vectors)" % (folder, len(paths)), casebook.NOT_TAKEN_DIRS[folder]))
        if "bpf" in reports:
            stats = reports["bpf"]["counters"].get("counters", {})
            say("\nbpf counters after the replay: " + ", ".join("%s %d" % (k, v) for k, v in sorted(stats.items()) if v))
        mismatches = judge(reports, engines)
        say("\nconformance: %.0f s in all" % (time.monotonic() - started))
        if mismatches:
            say("conformance: FAILED, outcomes differ from cases.EXPECTED:\n  " + "\n  ".join(mismatches))
            return 1
        say("conformance: passed (every outcome as cases.EXPECTED says)")
        return 0
    finally:
        if os.environ.get("CONFORMANCE_KEEP") != "1":
            remove_leftovers()


if __name__ == "__main__":
    sys.exit(main())
