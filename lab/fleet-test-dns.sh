#!/usr/bin/env bash
# A stranded-DNS rollout in the lab: three Docker hosts, rolled out one at a
# time (canary, then batches of 1) with max_fail_percentage 0, and a gateway
# whose static allowlists (NAT64 and DNS64) miss the second host, as a
# hand-kept list misses a newly added server. site.yml must fail the second
# host when it proves the resolver, BEFORE anything changes on it: its
# /etc/resolv.conf and /etc/docker/daemon.json stay byte-identical, and the
# message names the resolver, the host's source address and the allowlist.
# The rollout stops there (the third host untouched, byte for byte), and the
# first host is converged, verified, and still resolves through DNS64.
# Removes the lab at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export LAB_HOSTS=3
export ANSIBLE_CONFIG="$here/lab/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$here/tests/output/collections"
export ANSIBLE_FORCE_COLOR=false
log=$(mktemp)
trap 'rm -f "$log"; lab/demo.sh down >/dev/null 2>&1 || true' EXIT
fail() { echo "fleet-test-dns: FAILED: $*" >&2; exit 1; }

# The lab's topology, from lab/vars.yml.
var() { python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' lab/vars.yml "$1"; }
prefix=$(var lab_fleet_prefix)
base=${prefix%::/64}
gateway=$(var lab_gateway_ipv6)
synthesized=$(var lab_mail_synthesized)
host1="${base}::21" host2="${base}::22" host3="${base}::23"

# The byte-exact state of the files the rollout would change first.
snapshot() {
    docker exec "$1" sh -c 'for f in /etc/resolv.conf /etc/docker/daemon.json; do
        if [ -e "$f" ]; then printf "%s " "$f"; sha256sum < "$f"; else echo "$f absent"; fi
    done'
}

lab/demo.sh down >/dev/null
ansible-playbook -i lab/inventory lab/up.yml -e lab_hosts=3
# The lab must be what this test assumes.
docker exec lab-host2 ip -6 -o addr show scope global | grep -q " ${host2}/" \
    || fail "lab-host2 does not have the address ${host2}"
before2=$(snapshot lab-host2)
before3=$(snapshot lab-host3)

# A static allowlist (given, so site.yml derives none) without lab-host2.
allow="[\"${host1}/128\", \"${host3}/128\"]"
if ansible-playbook -i lab/inventory site.yml -e ipv6ready_batch_size=1 -e ipv6ready_max_fail_percentage=0 \
        -e "{\"nat64_gateway_allowed_prefixes\": ${allow}, \"dns64_allowed_prefixes\": ${allow}}" 2>&1 | tee "$log"; then
    fail "site.yml succeeded although the gateway refuses lab-host2"
fi

# lab-host2 failed in the proof, with the resolver, its source and the cause.
grep -q "fatal: \[lab-host2\]" "$log" || fail "lab-host2 did not fail"
grep -F "fatal: [lab-host2]" -A3 "$log" | grep -F "the DNS64 resolver ${gateway}, asked by this host from ${host2}" \
    | grep -F "REFUSED" | grep -qF "dns64_allowed_prefixes" \
    || fail "lab-host2's failure does not name the resolver ${gateway}, the source ${host2} and the allowlist"
grep -E "^lab-host2 +:" "$log" | grep -q " changed=0 " || fail "something changed on lab-host2: $(grep -E '^lab-host2 +:' "$log")"
# The rollout stopped: lab-host3 got no task of the rolling play.
if grep -qE "(ok|changed|fatal): \[lab-host3\]" <(sed -n '/PLAY \[Docker hosts, in rolling batches\]/,$p' "$log"); then
    fail "the rollout reached lab-host3"
fi
[ "$(snapshot lab-host2)" = "$before2" ] || fail "lab-host2's resolv.conf or daemon.json changed:
before: $before2
after:  $(snapshot lab-host2)"
[ "$(snapshot lab-host3)" = "$before3" ] || fail "lab-host3's resolv.conf or daemon.json changed"

# lab-host1 converged, passed verify inside the rolling play, and still
# resolves the mail server through DNS64.
grep -F "TASK [ipv6ready.docker.verify : Fail the host when a check failed]" -A3 "$log" | grep -qF "ok: [lab-host1]" \
    || fail "verify did not pass on lab-host1 inside the rolling play"
ansible-playbook -i lab/inventory lab/fleet-check.yml -e lab_failed=lab-host2 -e lab_hosts=3
got=$(docker exec lab-host1 python3 -c 'import socket, sys; print(socket.getaddrinfo(sys.argv[1], 587, socket.AF_INET6)[0][4][0])' \
    "$(var lab_mail_name)") || fail "lab-host1 no longer resolves $(var lab_mail_name)"
[ "$got" = "$synthesized" ] || fail "lab-host1 resolves $(var lab_mail_name) to $got, not $synthesized"
echo "fleet-test-dns: passed (lab-host2 failed its resolver proof with nothing changed, the rollout stopped," \
     "lab-host3 untouched, lab-host1 healthy and resolving through DNS64)"
