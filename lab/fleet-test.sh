#!/usr/bin/env bash
# Fleet behaviour in the lab: three Docker hosts, rolled out one at a time
# (canary, then batches of 1) with max_fail_percentage 0, in two rollouts on
# one lab. Removes the lab at the end.
#
# 1. Stranded DNS: the gateway's static allowlists (NAT64 and DNS64) miss the
#    second host, as a hand-kept list misses a newly added server. site.yml
#    must fail the second host when it proves the resolver, BEFORE anything
#    changes on it: its /etc/resolv.conf and /etc/docker/daemon.json stay
#    byte-identical, nothing is reported changed, and the message names the
#    resolver, the host's source address and the allowlist. The rollout stops
#    there; the first host is converged, passed verify inside its batch and
#    resolves through DNS64.
# 2. A rejected engine configuration: with the allowlists derived from the
#    inventory again, the second host passes the proof, but its engine rejects
#    the new daemon.json. The daemon role rolls it back, the rollout stops.
# After both, the third host is untouched, byte for byte.
set -euo pipefail
# shellcheck source=lab/env.sh
. "$(dirname "$0")/env.sh"
export LAB_HOSTS=3
# The checks below read Ansible's output.
export ANSIBLE_FORCE_COLOR=false
log=$(mktemp)
trap 'rm -f "$log"; lab/demo.sh down >/dev/null 2>&1 || true' EXIT
fail() { echo "fleet-test: FAILED: $*" >&2; exit 1; }
banner() { printf '\n\033[1m=== fleet-test: %s\033[0m\n' "$*"; }

# The lab's topology, from lab/vars.yml.
var() { python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' lab/vars.yml "$1"; }
base=$(var lab_fleet_prefix); base=${base%::/64}
gateway=$(var lab_gateway_ipv6)
host1="${base}::21" host2="${base}::22" host3="${base}::23"

# The byte-exact state of the files the rollout would change first.
snapshot() {
    docker exec "$1" sh -c 'for f in /etc/resolv.conf /etc/docker/daemon.json; do
        if [ -e "$f" ]; then printf "%s " "$f"; sha256sum < "$f"; else echo "$f absent"; fi
    done'
}
# The first result (ok, changed, fatal, ...) of HOST in the first task whose header contains NAME, in the log.
task_result() {
    awk -v name="$1" -v host="[$2]" '
        /^TASK \[/ { in_task = index($0, name) > 0; next }
        in_task && /^(ok|changed|fatal|failed|skipping): \[/ && index($0, host) > 0 { split($0, f, ":"); print f[1]; exit }
    ' "$log"
}
# nat64_client's one read, which proves the DNS64 resolvers before it reads anything.
probe_task="nat64_client : Prove the DNS64 resolvers from this host"
site() { ansible-playbook -i lab/inventory site.yml -e ipv6ready_batch_size=1 -e ipv6ready_max_fail_percentage=0 "$@"; }
check_fleet() { ansible-playbook -i lab/inventory lab/fleet-check.yml -e lab_failed=lab-host2 -e lab_hosts=3; }
# What lab-host1 resolves the mail name to: the synthesized AAAA, through DNS64.
check_host1_dns() {
    local got
    got=$(docker exec lab-host1 python3 -c \
        'import socket, sys; print(socket.getaddrinfo(sys.argv[1], 587, socket.AF_INET6)[0][4][0])' \
        "$(var lab_mail_name)") || fail "lab-host1 no longer resolves $(var lab_mail_name)"
    [ "$got" = "$(var lab_mail_synthesized)" ] || fail "lab-host1 resolves $(var lab_mail_name) to $got"
}

lab/demo.sh down >/dev/null
ansible-playbook -i lab/inventory lab/up.yml -e lab_hosts=3 -e '{"lab_broken_hosts": ["lab-host2"]}'
docker exec lab-host2 ip -6 -o addr show scope global | grep -q " ${host2}/" \
    || fail "lab-host2 does not have the address ${host2}"
before2=$(snapshot lab-host2)
before3=$(snapshot lab-host3)

banner "1/2 the gateway's allowlists miss lab-host2"
allow="[\"${host1}/128\", \"${host3}/128\"]"
if site -e "{\"nat64_gateway_allowed_prefixes\": ${allow}, \"dns64_allowed_prefixes\": ${allow}}" 2>&1 | tee "$log"; then
    fail "site.yml succeeded although the gateway refuses lab-host2"
fi
grep -F "fatal: [lab-host2]" -A3 "$log" | grep -F "the DNS64 resolver ${gateway}, asked by this host from ${host2}" \
    | grep -F "REFUSED" | grep -qF "dns64_allowed_prefixes" \
    || fail "lab-host2's failure does not name the resolver ${gateway}, the source ${host2} and the allowlist"
[ "$(task_result "$probe_task" lab-host2)" = fatal ] || fail "lab-host2 did not fail in the resolver proof"
grep -E "^lab-host2 +:" "$log" | grep -q " changed=0 " || fail "something changed on lab-host2: $(grep -E '^lab-host2 +:' "$log")"
if sed -n '/PLAY \[Docker hosts, in rolling batches\]/,$p' "$log" | grep -qE "(ok|changed|fatal|skipping): \[lab-host3\]"; then
    fail "the rollout reached lab-host3"
fi
[ "$(snapshot lab-host2)" = "$before2" ] || fail "lab-host2's resolv.conf or daemon.json changed:
before: $before2
after:  $(snapshot lab-host2)"
[ "$(task_result "verify : Fail the host when a check failed" lab-host1)" = ok ] \
    || fail "verify did not pass on lab-host1 inside the rolling play"
check_fleet
check_host1_dns

banner "2/2 the allowlists derived again; lab-host2's engine rejects its new configuration"
if site 2>&1 | tee "$log"; then
    fail "site.yml succeeded although lab-host2 rejects its configuration"
fi
grep -E "^lab-host2 +:" "$log" | grep -q " failed=1 " || fail "lab-host2 did not fail"
[ "$(task_result "$probe_task" lab-host2)" = ok ] \
    || fail "lab-host2 did not pass the resolver proof with the derived allowlists"
check_fleet
check_host1_dns
[ "$(snapshot lab-host3)" = "$before3" ] || fail "lab-host3's resolv.conf or daemon.json changed"
echo "fleet-test: passed (1: lab-host2 failed its resolver proof with nothing changed; 2: lab-host2 rolled back;" \
     "each time the rollout stopped at lab-host2, lab-host1 healthy and resolving through DNS64, lab-host3 untouched)"
