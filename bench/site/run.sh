#!/usr/bin/env bash
# Fleet benchmark for ipv6ready.docker (not part of the tests): the cost of
# site.yml against N lab hosts, compared with `ansible -m ping` on the same
# hosts in the same run.
#
# Measures, in one run, on a fresh lab (lab/demo.sh up: one NAT64/DNS64
# gateway, N IPv6-only Docker hosts, an IPv4-only mail server):
#   ping       `ansible -m ping` on the gateway and the N hosts (median of 3)
#   first      the first `ansible-playbook site.yml` (converges everything)
#   no-op      the same command again: must report changed=0
#   no-op, no verify   the same with --skip-tags verify (configuration only;
#              the verify play starts probe containers on every host)
# and prints wall seconds, tasks per Docker host, changed tasks and the ratio
# to ping, then the time per role of the no-op run (ansible.posix.profile_roles;
# the logs also have the time of every task, from profile_tasks).
# Goal: no-op <= 3x ping.
#
# Usage: bench/site/run.sh     (needs Docker and the virtualenv: make venv)
#   BENCH_HOSTS=10      N, the number of lab Docker hosts
#   BENCH_BATCH=N       ipv6ready_batch_size: the rollout runs a canary of one
#                       host, then batches of this size (default: all the rest)
#   BENCH_KEEP_LAB=1    keep the lab afterwards (default: remove it)
#   BENCH_ARGS="..."    extra arguments for every ansible-playbook run
# Logs of every run go to tests/output/bench-site/.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
hosts=${BENCH_HOSTS:-10}
batch=${BENCH_BATCH:-$hosts}
read -r -a extra <<< "${BENCH_ARGS:-}"
logs=tests/output/bench-site
mkdir -p "$logs"
export ANSIBLE_CONFIG="$here/lab/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$here/tests/output/collections"
export ANSIBLE_FORCE_COLOR=false ANSIBLE_NOCOLOR=true ANSIBLE_DEPRECATION_WARNINGS=false
export PATH="$here/.venv/bin:$PATH"
if [ "${BENCH_KEEP_LAB:-0}" != 1 ]; then trap 'lab/demo.sh down >/dev/null 2>&1 || true' EXIT; fi

now() { date +%s.%N; }
since() { python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$(now)"; }

echo "bench/site: starting a fresh lab with ${hosts} Docker hosts (log: $logs/up.log)"
lab/demo.sh down > "$logs/down.log" 2>&1
LAB_HOSTS=$hosts lab/demo.sh up > "$logs/up.log" 2>&1
# The first converge and the no-op runs on the same lab, as an operator would.
site=(ansible-playbook -i lab/inventory site.yml -e "ipv6ready_batch_size=${batch}" "${extra[@]}")

ping_once() {
    local t
    t=$(now)
    ansible -i lab/inventory 'nat64_gateways:docker_hosts' -m ansible.builtin.ping > "$logs/ping.log" 2>&1
    since "$t"
}
playbook() {  # NAME ARGS...: run site.yml, print "seconds json"
    local name=$1 t
    shift
    t=$(now)
    ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles,ansible.posix.profile_tasks "${site[@]}" "$@" > "$logs/$name.log" 2>&1 \
        || { echo "bench/site: $name failed, see $logs/$name.log" >&2; tail -30 "$logs/$name.log" >&2; exit 1; }
    echo "$(since "$t") $(python3 bench/site/recap.py "$logs/$name.log" lab-host)"
}

pings=("$(ping_once)" "$(ping_once)" "$(ping_once)")
ping=$(printf '%s\n' "${pings[@]}" | sort -n | sed -n 2p)
echo "bench/site: ping ${pings[*]} s, median ${ping} s"
first=$(playbook first)
echo "bench/site: first converge ${first}"
noop=$(playbook noop)
echo "bench/site: no-op ${noop}"
noverify=$(playbook noop-noverify --skip-tags verify)
echo "bench/site: no-op without verify ${noverify}"

python3 - "$hosts" "$batch" "$ping" "$first" "$noop" "$noverify" <<'PY'
import json, sys
hosts, batch, ping = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = []
for label, arg in (("first converge", sys.argv[4]), ("no-op re-run", sys.argv[5]),
                   ("no-op, --skip-tags verify", sys.argv[6])):
    seconds, recap = arg.split(" ", 1)
    rows.append((label, float(seconds), json.loads(recap)))
print()
print("site.yml against %s lab Docker hosts and 1 gateway (serial: [1, %s])" % (hosts, batch))
print("| run | wall s | tasks per Docker host | changed | x ping |")
print("| --- | ---: | ---: | ---: | ---: |")
print("| ansible -m ping (median of 3) | %.1f | 1 | 0 | 1.0 |" % ping)
for label, seconds, r in rows:
    print("| %s | %.1f | %s | %d | %.1f |" % (label, seconds, r["tasks"], r["changed"], seconds / ping))
noop = rows[1]
print()
print("no-op / ping = %.1fx (goal <= 3x): %s" % (noop[1] / ping, "met" if noop[1] <= 3 * ping else "NOT met"))
bad = [label for label, _s, r in rows[1:] if r["changed"] != 0]
if bad:
    sys.exit("bench/site: not idempotent, changed > 0 in: " + ", ".join(bad))
PY
echo
echo "Time per role, no-op re-run (profile_roles):"
sed -n '/^ROLES RECAP/,/^$/p' "$logs/noop.log" | grep -E ' -+ [0-9.]+s$' || true
