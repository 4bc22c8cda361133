#!/usr/bin/env bash
# The lab demo (`make demo`): start the lab, show the incident, run site.yml,
# show the fix. Needs only a Docker engine (no registry), python3, debootstrap
# and the collection's virtualenv on PATH.
#   LAB_HOSTS=N     number of IPv6-only Docker hosts (default 2)
#   LAB_PLATFORM=P  the hosts' test platform (tests/platforms.yml; default
#                   debian13-docker28, Docker 28)
#   LAB_DOWN=1      remove the lab at the end (default: keep it; `make demo-down`)
#   LAB_COLLECTIONS_PATH=DIR  use ipv6ready.docker installed there (make demo-test) instead of this checkout
# Usage: lab/demo.sh [up|before|site|after|down|all]   (default: all)
set -euo pipefail
# shellcheck source=lab/env.sh
. "$(dirname "$0")/env.sh"
hosts=${LAB_HOSTS:-2}

playbook() { ansible-playbook -i lab/inventory "$@"; }
banner() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }
started=$(date +%s)

step_up() {
    banner "1/4 Start the lab: gateway, ${hosts} IPv6-only Docker hosts, IPv4-only mail server"
    playbook lab/up.yml -e "lab_hosts=${hosts}" ${LAB_PLATFORM:+-e "lab_platform=${LAB_PLATFORM}"}
}
step_before() {
    banner "2/4 The incident: an app container mails smtp.lab.test (IPv4 only) from an IPv6-only host"
    playbook lab/incident.yml -e lab_phase=before
    banner "2/4 What ipv6ready.docker.verify reports on the unfixed hosts (it must fail)"
    playbook lab/verify-before.yml
}
step_site() {
    banner "3/4 The fix: ansible-playbook ipv6ready.docker.site against the lab"
    playbook ipv6ready.docker.site
}
step_after() {
    banner "4/4 The same mail again, through NAT64/DNS64"
    playbook lab/incident.yml -e lab_phase=after
    banner "4/4 A container port opened by hand on one host: ipv6ready.docker.verify fails there, and only there"
    playbook lab/verify-exposed.yml
}
step_down() {
    banner "Remove the lab"
    playbook lab/down.yml
}

case "${1:-all}" in
    up) step_up ;;
    before) step_before ;;
    site) step_site ;;
    after) step_after ;;
    down) step_down ;;
    all)
        if [ "${LAB_DOWN:-0}" = 1 ]; then trap step_down EXIT; fi
        step_up
        step_before
        step_site
        step_after
        banner "Demo passed in $(( $(date +%s) - started ))s: not delivered before the fix, delivered after it."
        echo "Inspect: docker exec -it lab-host1 bash; remove: make demo-down"
        ;;
    *) echo "usage: $0 [up|before|site|after|down|all]" >&2; exit 2 ;;
esac
