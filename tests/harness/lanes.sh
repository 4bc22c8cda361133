#!/usr/bin/env bash
# Run groups of make targets ("lanes") side by side: the targets of one lane
# one after the other, the lanes at the same time. `make test` runs its
# behaviour tests this way: the containers and the lab in one lane, the
# Hetzner twin in the other. They share nothing but the Docker engine (their
# containers, networks and addresses differ: docs/testing.md), and each spends
# much of its time waiting (apt, boots, power cycles, timers), so two lanes
# take far less than the sum of their times.
#
# Usage: lanes.sh "TARGET ..." "TARGET ..." ...
# Each lane's output goes to tests/output/lanes/<n>.log; a progress line per
# lane is printed every LANES_PROGRESS seconds (default 120), and every log in
# full, lane by lane, when all have ended, then each target's time (also in
# tests/output/lanes/times.txt). Exits 1 when any lane failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

make_cmd=${MAKE:-make}
out=tests/output/lanes
mkdir -p "$out"
every=${LANES_PROGRESS:-120}

pids=() names=() starts=()
: >"$out/times.txt"
for lane in "$@"; do
    n=${#pids[@]}
    : >"$out/$n.log"
    # The targets of a lane in their order, one make each (-j1, whatever -j
    # the caller had), stopping at the first failure; each target's time goes
    # to the log and to $out/times.txt, which the summary prints.
    (
        for target in $lane; do
            t0=$(date +%s)
            "$make_cmd" -j1 "$target"
            status=$?
            line="lanes: lane $n: $target rc $status in $(( $(date +%s) - t0 )) s"
            echo "$line"
            echo "$line" >>"$out/times.txt"
            [ "$status" = 0 ] || exit "$status"
        done
    ) >"$out/$n.log" 2>&1 </dev/null &
    pids+=("$!") names+=("$lane") starts+=("$(date +%s)")
    echo "lanes: lane $n started: $lane (log $out/$n.log)"
done

# shellcheck disable=SC2317 # called by the trap
stop() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
}
trap 'stop; exit 130' INT TERM

declare -A rc=() took=()
while [ "${#rc[@]}" -lt "${#pids[@]}" ]; do
    for n in "${!pids[@]}"; do
        [ -z "${rc[$n]:-}" ] || continue
        if ! kill -0 "${pids[$n]}" 2>/dev/null; then
            wait "${pids[$n]}"
            rc[$n]=$?
            took[$n]=$(( $(date +%s) - starts[n] ))
            echo "lanes: lane $n ended (rc ${rc[$n]}) in ${took[$n]} s: ${names[$n]}"
        fi
    done
    [ "${#rc[@]}" -lt "${#pids[@]}" ] || break
    for _ in $(seq "$every"); do
        sleep 1
        for n in "${!pids[@]}"; do
            if [ -z "${rc[$n]:-}" ] && ! kill -0 "${pids[$n]}" 2>/dev/null; then break 2; fi
        done
    done
    for n in "${!pids[@]}"; do
        [ -z "${rc[$n]:-}" ] || continue
        printf 'lanes: lane %s, %s s: %s\n' "$n" "$(( $(date +%s) - starts[n] ))" \
            "$(tail -n 1 "$out/$n.log" | cut -c1-150)"
    done
done

failed=0
for n in "${!pids[@]}"; do
    printf '\n######## lane %s: %s (rc %s, %s s)\n' "$n" "${names[$n]}" "${rc[$n]}" "${took[$n]}"
    cat "$out/$n.log"
    [ "${rc[$n]}" = 0 ] || failed=1
done
echo
cat "$out/times.txt"
for n in "${!pids[@]}"; do
    echo "lanes: lane $n: rc ${rc[$n]} in ${took[$n]} s: ${names[$n]}"
done
exit "$failed"
