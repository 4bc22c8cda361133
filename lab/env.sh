# shellcheck shell=bash
# The environment the lab scripts (lab/demo.sh, lab/fleet-test.sh,
# lab/kamal-test.sh) and tests/harness/molecule.sh start from. Source it, do
# not run it:   . "$(dirname "$0")/env.sh"
#
# Afterwards:
#   - $here is the checkout, and the working directory;
#   - tests/output/collections/ansible_collections/ipv6ready/docker is a link
#     to the checkout, so Ansible runs the tree as it is (Molecule's
#     .config/molecule/config.yml points there too);
#   - ANSIBLE_COLLECTIONS_PATH is that directory, or the installed copy
#     LAB_COLLECTIONS_PATH names (`make demo-test`);
#   - ANSIBLE_CONFIG is lab/ansible.cfg (Molecule replaces it with its own);
#   - ANSIBLE_FORCE_COLOR is false unless it was set.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here" || return 1
link="$here/tests/output/collections/ansible_collections/ipv6ready/docker"
if [ ! -L "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn ../../../../.. "$link"
fi
export ANSIBLE_COLLECTIONS_PATH="${LAB_COLLECTIONS_PATH:-$here/tests/output/collections}"
export ANSIBLE_CONFIG="$here/lab/ansible.cfg"
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-false}
