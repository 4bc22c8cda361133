#!/usr/bin/env bash
# Fleet benchmark for ipv6ready.docker (not part of the tests): the cost of
# site.yml (ipv6ready.docker.site, from the collection built and installed
# from this checkout) against N lab hosts, next to the same host configuration written
# the plain way (bench/site/baseline.yml: stock modules, none of ours) and
# next to `ansible -m ping`, all in one run.
#
#   lab 1 (fresh: lab/demo.sh up, one NAT64/DNS64 gateway, N IPv6-only
#   Docker hosts, the IPv4-only mail server):
#     ping        `ansible -m ping` on the gateway and the N hosts, 3 times
#     baseline    baseline.yml: first converge, then the no-op re-run
#   lab 2 (fresh again):
#     ping        3 more times (the figure is the median of all 6)
#     ours        site.yml: first converge, no-op re-runs (must report
#                 changed=0; BENCH_REPEAT of them, as the baseline's), the no-op without the canary host
#                 (-e ipv6ready_canary=false), the no-op with --skip-tags verify, and the no-op
#                 of the Docker hosts' configuration only (--skip-tags
#                 gateways,verify: what the baseline configures)
#     mitogen     (BENCH_MITOGEN=1) the no-op re-run with the mitogen_linear
#                 strategy (ansible_connection=docker, which mitogen replaces
#                 with its own docker transport)
#   lab 3 (BENCH_FIRST_HOSTS=1, fresh again): the first converge of the
#     baseline's scope: site.yml on the gateway alone (-l nat64_gateways),
#     then timed, site.yml for the Docker hosts' configuration only
#     (--skip-tags gateways,verify), as the baseline's first converge.
#   lab 4 (BENCH_MITOGEN=1 and BENCH_MITOGEN_FIRST=1, fresh again): site.yml's
#     first converge with mitogen, then its no-op.
#   Round trips (BENCH_ROUNDTRIPS=1, untimed): one more no-op of the baseline
#     and of site.yml with -vvv, counted per host and role (roundtrips.py).
# It prints wall seconds, changed tasks, task results per Docker host, the
# ratios to ping and to the baseline, the goals, the round trips per role and
# the time per role of the no-op (ansible.posix.profile_roles). Logs of every
# run go to tests/output/bench-site/. The machine's load average is printed
# at the start and the end: the lab shares the CPU with whatever else runs.
#
# Usage: bench/site/run.sh     (needs Docker and the virtualenv: make venv;
#                              it builds the translator object when missing)
#   BENCH_HOSTS=10        N, the number of lab Docker hosts
#   BENCH_BATCH=N         ipv6ready_batch_size: the rollout runs a canary of one
#                         host, then batches of this size (default: all the rest)
#   BENCH_MITOGEN=1       the mitogen runs (default 1; 0 skips them and lab 4)
#   BENCH_REPEAT=3        no-op re-runs of the baseline and of site.yml; the
#                         figure is their median (default 3)
#   BENCH_FIRST_HOSTS=1   lab 3, the first converge of the baseline's scope (default 1)
#   BENCH_MITOGEN_FIRST=1 lab 4, the first converge with mitogen (default 1)
#   BENCH_FIRST_NOCANARY=1 lab 5, lab 3's first converge without the canary
#                         batch (-e ipv6ready_canary=false; default 0)
#   BENCH_ROUNDTRIPS=1    the -vvv round-trip count (default 1)
#   BENCH_KEEP_LAB=1      keep the last lab afterwards (default: remove it)
#   BENCH_ARGS="..."      extra arguments for every ansible-playbook run
# Run it under the lab lock when others share the machine:
#   flock /tmp/ipv6ready-lab.lock make bench-site
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
hosts=${BENCH_HOSTS:-10}
batch=${BENCH_BATCH:-$hosts}
mitogen=${BENCH_MITOGEN:-1}
roundtrips=${BENCH_ROUNDTRIPS:-1}
repeat=${BENCH_REPEAT:-3}
read -r -a extra <<< "${BENCH_ARGS:-}"
logs=tests/output/bench-site
rm -rf "$logs"
mkdir -p "$logs"
export ANSIBLE_CONFIG="$here/lab/ansible.cfg"
export ANSIBLE_FORCE_COLOR=false ANSIBLE_NOCOLOR=true ANSIBLE_DEPRECATION_WARNINGS=false
export PATH="$here/.venv/bin:$PATH"
# The gateway's translator object (make bpf; nothing when it is built already):
# without it the gateway would try to build it, and the lab has no compiler.
tests/harness/build-bpf.sh >/dev/null
# The collection as users get it: built, installed, run by FQCN (also for lab/demo.sh).
LAB_COLLECTIONS_PATH=$(tests/harness/install-test.sh install tests/output/installed)
export LAB_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATH=$LAB_COLLECTIONS_PATH
if [ "${BENCH_KEEP_LAB:-0}" != 1 ]; then trap 'lab/demo.sh down >/dev/null 2>&1 || true' EXIT; fi
results=$logs/results.txt
: > "$results"

now() { date +%s.%N; }
since() { python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$(now)"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
lab_prefix=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["lab_nat64_prefix"])' lab/vars.yml)
mitogen_strategies=$(python -c 'import ansible_mitogen, os; print(os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy"))' 2>/dev/null || true)
if [ "$mitogen" = 1 ] && [ -z "$mitogen_strategies" ]; then
    echo "bench/site: mitogen is not installed in the venv (requirements-dev.txt); BENCH_MITOGEN=0 to skip" >&2
    exit 1
fi

lab_up() {  # N: a fresh lab
    echo "bench/site: starting fresh lab $1 with ${hosts} Docker hosts (log: $logs/up$1.log)"
    lab/demo.sh down > "$logs/down$1.log" 2>&1
    LAB_HOSTS=$hosts lab/demo.sh up > "$logs/up$1.log" 2>&1 \
        || { tail -30 "$logs/up$1.log" >&2; exit 1; }
}
ping_once() {
    local t
    t=$(now)
    ansible -i lab/inventory 'nat64_gateways:docker_hosts' -m ansible.builtin.ping > "$logs/ping.log" 2>&1 \
        || { cat "$logs/ping.log" >&2; exit 1; }
    echo "ping $(since "$t")" >> "$results"
}
# run KEY MUST_PASS PLAYBOOK ARGS...: time one ansible-playbook run and record
# "KEY seconds recap-json" (or "KEY failed") in the results.
run() {
    local key=$1 must=$2 t rc=0
    shift 2
    t=$(now)
    env ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles,ansible.posix.profile_tasks "${strategy[@]}" \
        ansible-playbook -i lab/inventory "$@" "${extra[@]}" > "$logs/$key.log" 2>&1 || rc=$?
    local seconds
    seconds=$(since "$t")
    if [ "$rc" != 0 ]; then
        echo "bench/site: $key failed (rc $rc), see $logs/$key.log" >&2
        tail -25 "$logs/$key.log" >&2
        [ "$must" = optional ] || exit 1
        echo "$key failed" >> "$results"
        return 0
    fi
    echo "$key $seconds $(python3 bench/site/recap.py "$logs/$key.log" lab-host)" >> "$results"
    echo "bench/site: $key ${seconds}s"
}
site=(ipv6ready.docker.site -e "ipv6ready_batch_size=${batch}")
# The strategy of the next runs: Ansible's default, or mitogen_linear.
strategy=()
mitogen_strategy=(ANSIBLE_STRATEGY_PLUGINS="$mitogen_strategies" ANSIBLE_STRATEGY=mitogen_linear)
mitogen_args=(-e ansible_connection=docker)

echo "bench/site: load average at the start: $(load) ($(nproc) cores)"
echo "load_start $(load | cut -d' ' -f1)" >> "$results"

lab_up 1
ping_once; ping_once; ping_once
run baseline-first must bench/site/baseline.yml
for _ in $(seq "$repeat"); do run baseline-noop must bench/site/baseline.yml; done
if [ "$mitogen" = 1 ]; then
    strategy=("${mitogen_strategy[@]}")
    run baseline-noop-mitogen optional bench/site/baseline.yml "${mitogen_args[@]}"
    strategy=()
fi
if [ "$roundtrips" = 1 ]; then
    ansible-playbook -i lab/inventory bench/site/baseline.yml -vvv > "$logs/rt-baseline.log" 2>&1 \
        || { tail -20 "$logs/rt-baseline.log" >&2; exit 1; }
fi

lab_up 2
ping_once; ping_once; ping_once
run first must "${site[@]}"
for _ in $(seq "$repeat"); do run noop must "${site[@]}"; done
run noop-nocanary must "${site[@]}" -e ipv6ready_canary=false
run noop-noverify must "${site[@]}" --skip-tags verify
run noop-hosts must "${site[@]}" --skip-tags gateways,verify -e "nat64_client_prefix=${lab_prefix}"
if [ "$roundtrips" = 1 ]; then
    ansible-playbook -i lab/inventory "${site[@]}" -vvv > "$logs/rt-ours.log" 2>&1 \
        || { tail -20 "$logs/rt-ours.log" >&2; exit 1; }
fi
if [ "${BENCH_FIRST_HOSTS:-1}" = 1 ]; then
    lab_up 3
    run first-gateways must "${site[@]}" -l nat64_gateways
    run first-hosts must "${site[@]}" --skip-tags gateways,verify -e "nat64_client_prefix=${lab_prefix}"
fi
if [ "${BENCH_FIRST_NOCANARY:-0}" = 1 ]; then
    lab_up 5
    run first-gateways-lab5 must "${site[@]}" -l nat64_gateways
    run first-hosts-nocanary must "${site[@]}" --skip-tags gateways,verify -e "nat64_client_prefix=${lab_prefix}" \
        -e ipv6ready_canary=false
fi
if [ "$mitogen" = 1 ]; then
    strategy=("${mitogen_strategy[@]}")
    run noop-mitogen optional "${site[@]}" "${mitogen_args[@]}"
    if [ "${BENCH_MITOGEN_FIRST:-1}" = 1 ]; then
        lab_up 4
        run first-mitogen optional "${site[@]}" "${mitogen_args[@]}"
        run noop-mitogen-lab3 optional "${site[@]}" "${mitogen_args[@]}"
    fi
    strategy=()
fi

echo "load_end $(load | cut -d' ' -f1)" >> "$results"
echo "bench/site: load average at the end: $(load)"
rt_json=
if [ "$roundtrips" = 1 ]; then
    rt_json=$(python3 - "$logs" <<'PY'
import json, subprocess, sys
logs = sys.argv[1]
out = {}
for name in ("baseline", "ours"):
    text = subprocess.run([sys.executable, "bench/site/roundtrips.py", "%s/rt-%s.log" % (logs, name), "lab-host1", "lab-host2", "lab-gw"],
                          check=True, capture_output=True, text=True).stdout
    out[name] = json.loads(text)
print(json.dumps(out))
PY
)
fi
python3 bench/site/report.py "$results" "$hosts" "$batch" "$rt_json"
for key in first noop; do
    echo
    echo "Time per role, $key (profile_roles):"
    sed -n '/^ROLES RECAP/,/^$/p' "$logs/$key.log" | grep -E ' -+ [0-9.]+s$' || true
done
