#!/usr/bin/env bash
# Kamal's own network, end to end in the lab (`make demo-kamal`), on one
# Docker host with Docker 28 (what `kamal setup` installs):
#   1. the daemon role configures the engine; Kamal then creates `kamal` with
#      a plain `docker network create kamal` (IPv6 through
#      default-network-opts) and runs an app and kamal-proxy on it, publishing
#      80 and 443 (lab/kamal-prepare.yml);
#   2. site.yml adopts the network as it is: no change to it, no container
#      disconnected, the ports answering over the host's IPv6 address; a
#      second site.yml reports changed=0;
#   3. an explicit, different ipv6_subnet is refused listing both containers;
#      with networks_force the network is recreated, both containers are
#      reconnected and the ports answer again over IPv6 and IPv4
#      (lab/kamal-force.yml).
# Removes the lab at the end. Run it under `flock /tmp/ipv6ready-lab.lock`.
set -euo pipefail
# shellcheck source=lab/env.sh
. "$(dirname "$0")/env.sh"
export LAB_HOSTS=1
# The checks below read Ansible's output.
export ANSIBLE_FORCE_COLOR=false
log=$(mktemp)
trap 'rm -f "$log"; lab/demo.sh down >/dev/null 2>&1 || true' EXIT
playbook() { ansible-playbook -i lab/inventory "$@"; }
banner() { printf '\n=== kamal-test: %s\n' "$*"; }
started=$(date +%s)

lab/demo.sh down >/dev/null
banner "start the lab (1 Docker host)"
playbook lab/up.yml -e lab_hosts=1 ${LAB_PLATFORM:+-e "lab_platform=${LAB_PLATFORM}"}
banner "Kamal creates its network and runs an app and kamal-proxy"
playbook lab/kamal-prepare.yml
playbook lab/kamal-check.yml -e kamal_phase=record

banner "site.yml must adopt Kamal's network as it is"
playbook site.yml
playbook lab/kamal-check.yml -e kamal_phase=adopted

banner "site.yml again must change nothing"
playbook site.yml | tee "$log"
recap=$(grep -E '^[^ ]+ +: ok=[0-9]+ +changed=[0-9]+' "$log" || true)
if [ -z "$recap" ] || grep -qE 'changed=[1-9]|failed=[1-9]|unreachable=[1-9]' <<<"$recap"; then
    echo "kamal-test: the second site.yml run was not a no-op:" >&2
    echo "$recap" >&2
    exit 1
fi

banner "an explicit, different subnet: refused, then recreated with force"
playbook lab/kamal-force.yml
playbook lab/kamal-check.yml -e kamal_phase=forced

echo "kamal-test: passed in $(( $(date +%s) - started ))s (kamal adopted, changed=0 on the second run, recreated with force and reconnected)"
