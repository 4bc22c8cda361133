#!/usr/bin/env bash
# Fleet behaviour in the lab: three Docker hosts, rolled out one at a time
# (canary, then batches of 1) with max_fail_percentage 0; the second host's
# engine rejects the new configuration. site.yml must fail, the daemon role
# must roll that host back, the first host must be converged and healthy and
# the third untouched. Removes the lab at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export LAB_HOSTS=3
export ANSIBLE_CONFIG="$here/lab/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$here/tests/output/collections"
trap 'lab/demo.sh down >/dev/null 2>&1 || true' EXIT
lab/demo.sh down >/dev/null
ansible-playbook -i lab/inventory lab/up.yml -e lab_hosts=3 -e '{"lab_broken_hosts": ["lab-host2"]}'
if ansible-playbook -i lab/inventory site.yml -e ipv6ready_batch_size=1 -e ipv6ready_max_fail_percentage=0; then
    echo "fleet-test: site.yml succeeded although lab-host2 rejects its configuration" >&2
    exit 1
fi
ansible-playbook -i lab/inventory lab/fleet-check.yml -e lab_failed=lab-host2 -e lab_hosts=3
echo "fleet-test: passed (rollout stopped at lab-host2, lab-host1 healthy, lab-host3 untouched)"
