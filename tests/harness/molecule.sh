#!/usr/bin/env bash
# Run one Molecule scenario through the collection's full sequence:
#   create, prepare, check mode with diff on the fresh hosts, converge,
#   idempotence (second converge changed=0), check mode with diff again
#   (must report changed=0), verify, destroy (also on failure).
# Usage: tests/harness/molecule.sh SCENARIO
set -euo pipefail
scenario=${1:?usage: molecule.sh SCENARIO}
# The checkout as the working directory, and the collection as Ansible sees
# it: a link to this checkout (.config/molecule/config.yml points there).
# shellcheck source=lab/env.sh
. "$(dirname "$0")/../../lab/env.sh"
log=$(mktemp)

step() { printf '\n=== molecule %s: %s\n' "$scenario" "$*"; }

cleanup() {
    step destroy
    molecule destroy -s "$scenario" >/dev/null 2>&1 || true
}
trap 'cleanup; rm -f "$log"' EXIT

molecule destroy -s "$scenario" >/dev/null 2>&1 || true
step create;  molecule create  -s "$scenario"
step prepare; molecule prepare -s "$scenario"

step "check mode on fresh hosts"
molecule converge -s "$scenario" -- --check --diff

step converge;    molecule converge -s "$scenario"
step idempotence; molecule idempotence -s "$scenario"

step "check mode after converge (must report no change)"
molecule converge -s "$scenario" -- --check --diff 2>&1 | tee "$log"
recap=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E ' : ok=[0-9]+ +changed=[0-9]+' || true)
if [ -z "$recap" ]; then
    echo "molecule $scenario: no play recap in the check-mode run" >&2
    exit 1
fi
if grep -E 'changed=[1-9]' <<<"$recap"; then
    echo "molecule $scenario: check mode reported changes after converge" >&2
    exit 1
fi

step verify; molecule verify -s "$scenario"
echo "molecule $scenario: passed"
