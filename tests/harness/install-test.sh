#!/usr/bin/env bash
# The collection as users get it: built, installed, and used from the
# installed copy only (make install-test, part of make test).
#   1. ansible-galaxy collection build; the tarball ships what an installed
#      collection uses (the tc-BPF translator's object built by `make bpf`
#      included) and nothing that works only from a checkout
#   2. install it into a temporary collections path (--no-deps: Galaxy may be
#      unreachable; the dependencies come from the virtualenv's `ansible`
#      package and must meet the versions MANIFEST.json asks for)
#   3. ansible-doc for every role, module and filter, each found in the
#      installed copy
#   4. a syntax check of every playbook by FQCN (ipv6ready.docker.<name>)
#   5. the hcloud playbooks and inventory, by FQCN and from the installed
#      copy, against the fake Hetzner Cloud API on 127.0.0.1: provision,
#      ansible-inventory, teardown
#   6. ansible-builder create: the execution environment's build context, then
#      its galaxy stage replayed offline and ansible-builder introspect, which
#      must find the collection's meta/execution-environment.yml
# The lab's site.yml runs from the installed copy in `make demo-test`
# (lab/demo.sh with LAB_COLLECTIONS_PATH from `install` below).
# Every command runs outside the checkout, which is never on a collections path.
#
# Usage: tests/harness/install-test.sh            the test
#        tests/harness/install-test.sh install DIR   build and install into the
#                        collections path DIR (replacing what is there) and
#                        print DIR's absolute path
#        tests/harness/install-test.sh ee        dist/ipv6ready-docker.tar.gz and
#                        the EE build context in tests/output/ee/context
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=false ANSIBLE_NOCOLOR=true ANSIBLE_DEPRECATION_WARNINGS=false
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
python=$root/.venv/bin/python
started=$(date +%s)
step() { printf '\n=== install-test [%3ss] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }
fail() { echo "install-test: FAILED: $*" >&2; exit 1; }

# build OUTDIR: the tarball's path
build() {
    mkdir -p "$1"
    rm -f "$1"/ipv6ready-docker-*.tar.gz
    (cd "$root" && ansible-galaxy collection build --force --output-path "$1" >&2)
    ls "$1"/ipv6ready-docker-*.tar.gz
}

# install TARBALL COLLECTIONS_PATH
install_into() {
    rm -rf "$2/ansible_collections/ipv6ready/docker"
    mkdir -p "$2"
    (cd "$2" && ANSIBLE_COLLECTIONS_PATH=$2 ansible-galaxy collection install --no-deps --force -p "$2" "$1" >&2)
}

case "${1:-test}" in
    install)
        [ $# -eq 2 ] || { echo "usage: $0 install DIR" >&2; exit 2; }
        mkdir -p "$2"
        dir=$(cd "$2" && pwd)
        tarball=$(build "$dir/.build")
        install_into "$tarball" "$dir"
        echo "$dir"
        exit 0
        ;;
    ee)
        mkdir -p "$root/dist" "$root/tests/output/ee"
        tarball=$(build "$root/tests/output/ee")
        cp "$tarball" "$root/dist/ipv6ready-docker.tar.gz"
        (cd "$root" && ansible-builder create -f execution-environment.yml -c tests/output/ee/context >&2)
        echo "install-test: EE build context in tests/output/ee/context (dist/ipv6ready-docker.tar.gz from $(basename "$tarball"))" >&2
        exit 0
        ;;
    test) ;;
    *) echo "usage: $0 [test|install DIR|ee]" >&2; exit 2 ;;
esac

work=$(mktemp -d /tmp/ipv6ready-install-test.XXXXXX)
fake_pid=
cleanup() {
    if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
collections=$work/collections
installed=$collections/ansible_collections/ipv6ready/docker
export ANSIBLE_COLLECTIONS_PATH=$collections
export ANSIBLE_LOCAL_TEMP=$work/tmp ANSIBLE_HOME=$work/home
cd "$work"

step "1/6 build the tarball"
tarball=$(build "$work/dist")
tar -tzf "$tarball" > "$work/files.txt"
"$python" - "$work/files.txt" "$root" <<'PY'
import os, sys
files = [line.strip().rstrip('/') for line in open(sys.argv[1]) if line.strip()]
root = sys.argv[2]
top = {f.split('/')[0] for f in files}
# Works only from a checkout, or is developer tooling: never in the artefact.
banned = {'lab', 'bench', 'tests', 'molecule', '.github', '.ci', '.config', '.venv', '.venv-oldest',
          '.ansible', '.git', 'Makefile', 'requirements-dev.txt', 'requirements-oldest.txt',
          '.ansible-lint', '.yamllint', '.gitignore', 'dist', 'context', 'execution-environment.yml'}
problems = sorted(top & banned) + sorted(t for t in top if t.startswith('requirements-'))
problems += [f for f in files if '__pycache__' in f.split('/') or f.endswith('.pyc') or f.startswith('changelogs/fragments')]
# What an installed collection uses.
needed = ['MANIFEST.json', 'FILES.json', 'README.md', 'meta/runtime.yml', 'meta/execution-environment.yml',
          'meta/ee-requirements.txt', 'playbooks/site.yml', 'playbooks/hcloud_provision.yml',
          'playbooks/hcloud_teardown.yml', 'inventories/hcloud.yml', 'requirements.yml', 'changelogs/changelog.yaml',
          'CHANGELOG.rst']
needed += ['roles/%s/meta/argument_specs.yml' % r for r in sorted(os.listdir(os.path.join(root, 'roles')))]
# The tc-BPF translator built from the shipped source (make bpf), so that gateways need no compiler.
import hashlib
with open(os.path.join(root, 'roles/nat64_gateway/files/nat64_bpf.c'), 'rb') as source:
    needed.append('roles/nat64_gateway/files/nat64_bpf-%s.o' % hashlib.sha1(source.read()).hexdigest()[:12])
problems += [f for f in files if f.startswith('roles/nat64_gateway/files/nat64_bpf-') and f not in needed]
if os.path.isdir(os.path.join(root, 'docs')):
    needed += ['docs/' + f for f in sorted(os.listdir(os.path.join(root, 'docs'))) if f.endswith('.md')]
problems += ['missing ' + f for f in needed if f not in files]
if problems:
    sys.exit('install-test: the tarball is wrong: ' + ', '.join(problems))
print('install-test: %s ships %d files; top level: %s' % (os.path.basename(sys.argv[1]), len(files), ' '.join(sorted(top))),
      file=sys.stderr)
PY

step "2/6 install it into a temporary collections path (--no-deps)"
install_into "$tarball" "$collections"
[ -f "$installed/MANIFEST.json" ] || fail "nothing installed at $installed"
# Only the installed copy may answer for ipv6ready.docker; its dependencies
# (from the virtualenv's ansible package) must meet MANIFEST.json.
ansible-galaxy collection list --format json > "$work/list.json" 2>/dev/null
"$python" - "$work/list.json" "$installed/MANIFEST.json" "$collections" <<'PY'
import json, sys
from ansible.galaxy.dependency_resolution.versioning import meets_requirements
found = {}
for path, cols in json.load(open(sys.argv[1])).items():
    for name, info in cols.items():
        found.setdefault(name, []).append((path, info.get('version')))
ours = found.get('ipv6ready.docker', [])
if len(ours) != 1 or not ours[0][0].startswith(sys.argv[3]):
    sys.exit('install-test: ipv6ready.docker must come from the temporary path only, found %s' % ours)
problems = []
for dep, spec in json.load(open(sys.argv[2]))['collection_info']['dependencies'].items():
    versions = [v for _p, v in found.get(dep, [])]
    if not versions or not any(meets_requirements(v, spec) for v in versions):
        problems.append('%s %s (found: %s)' % (dep, spec, versions or 'none'))
if problems:
    sys.exit('install-test: dependencies not met: ' + '; '.join(problems))
print('install-test: dependencies met: ' + ', '.join('%s %s' % (d, found[d][0][1]) for d in sorted(
    json.load(open(sys.argv[2]))['collection_info']['dependencies'])), file=sys.stderr)
PY

step "3/6 ansible-doc for every role, module and filter of the installed copy"
# The names come from the installed files, not from ansible-doc's own list.
"$python" - "$collections" > "$work/plugins.txt" <<'PY'
import glob, importlib, os, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
base = os.path.join(sys.argv[1], 'ansible_collections', 'ipv6ready', 'docker')
for role in sorted(os.listdir(os.path.join(base, 'roles'))):
    print('role', role)
for path in sorted(glob.glob(os.path.join(base, 'plugins', 'modules', '*.py'))):
    if not os.path.basename(path).startswith('_'):
        print('module', os.path.basename(path)[:-3])
for path in sorted(glob.glob(os.path.join(base, 'plugins', 'filter', '*.py'))):
    mod = importlib.import_module('ansible_collections.ipv6ready.docker.plugins.filter.' + os.path.basename(path)[:-3])
    for name in sorted(mod.FilterModule().filters()):
        print('filter', name)
PY
for kind in role module filter; do
    mapfile -t names < <(awk -v k="$kind" '$1 == k {print "ipv6ready.docker." $2}' "$work/plugins.txt")
    [ "${#names[@]}" -gt 0 ] || fail "no $kind found in the installed copy"
    # ansible-doc exits 0 for an unknown name, with a warning: read its JSON.
    ansible-doc -t "$kind" --json "${names[@]}" > "$work/doc-$kind.json" 2> "$work/doc.err" \
        || { cat "$work/doc.err" >&2; fail "ansible-doc -t $kind --json ${names[*]}"; }
    "$python" - "$work/doc-$kind.json" "$kind" "$installed" "${names[@]}" <<'PY' || { cat "$work/doc.err" >&2; exit 1; }
import json, sys
data, kind, installed, names = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4:]
problems = []
for fqcn in names:
    entry = data.get(fqcn)
    if not entry:
        problems.append('%s: no documentation' % fqcn)
        continue
    if kind == 'role':
        where, ok = entry.get('path', ''), bool(entry.get('entry_points', {}).get('main', {}).get('options'))
    else:
        doc = entry.get('doc') or {}
        where, ok = doc.get('filename', ''), bool(doc.get('short_description') and doc.get('description'))
    if not ok:
        problems.append('%s: empty documentation' % fqcn)
    elif not where.startswith(installed):
        problems.append('%s: documented from %s, not the installed copy' % (fqcn, where))
if problems:
    sys.exit('install-test: ansible-doc -t %s: %s' % (kind, '; '.join(problems)))
PY
    # The text form must render too, for each of them.
    ansible-doc -t "$kind" "${names[@]}" > "$work/doc-$kind.txt" 2> "$work/doc.err" \
        || { cat "$work/doc.err" >&2; fail "ansible-doc -t $kind ${names[*]}"; }
    for fqcn in "${names[@]}"; do
        grep -qE "^> ${kind^^}:? \*?$fqcn\*? "  "$work/doc-$kind.txt" || fail "ansible-doc -t $kind $fqcn rendered no text"
    done
done
count=$(wc -l < "$work/plugins.txt")
echo "install-test: ansible-doc rendered $count roles and plugins: $(awk '{print $2}' "$work/plugins.txt" | tr '\n' ' ')" >&2

step "4/6 syntax-check every playbook by FQCN"
printf 'all:\n  children:\n    nat64_gateways: {hosts: {gw1: {}}}\n    docker_hosts: {hosts: {host1: {}}}\n' > "$work/inventory.yml"
for playbook in "$installed"/playbooks/*.yml; do
    name=ipv6ready.docker.$(basename "$playbook" .yml)
    ansible-playbook --syntax-check -i "$work/inventory.yml" "$name" > "$work/syntax.log" 2>&1 \
        || { cat "$work/syntax.log" >&2; fail "syntax check of $name"; }
    grep -q "^playbook: $installed/playbooks/" "$work/syntax.log" || { cat "$work/syntax.log" >&2; fail "$name did not resolve to the installed copy"; }
    echo "install-test: $name: syntax ok" >&2
done

step "5/6 the hcloud playbooks and inventory by FQCN against the fake Hetzner Cloud API (127.0.0.1)"
token=install-test-$RANDOM$RANDOM
"$python" -u "$root/tests/hcloud/fake_hcloud.py" --port 0 --token "$token" > "$work/fake.log" 2>&1 &
fake_pid=$!
endpoint=
for _ in $(seq 50); do
    endpoint=$(sed -n 's/^fake Hetzner Cloud API at \([^ ]*\) .*/\1/p' "$work/fake.log")
    [ -n "$endpoint" ] && break
    sleep 0.2
done
[ -n "$endpoint" ] || { cat "$work/fake.log" >&2; fail "the fake Hetzner Cloud API did not start"; }
case "$endpoint" in http://127.0.0.1:*) ;; *) fail "the fake API is not on loopback: $endpoint" ;; esac
export HCLOUD_ENDPOINT=$endpoint HCLOUD_TOKEN=$token
"$python" -c 'import base64, secrets; print("ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + secrets.token_bytes(32)).decode() + " install-test@example.test")' > "$work/admin.pub"
mkdir -p "$work/fleet/group_vars/all"
cp "$installed/inventories/hcloud.yml" "$work/fleet/hcloud.yml"
hcloud_play() {  # NAME LOG ARGS...
    local name=$1 log=$2
    shift 2
    ansible-playbook "ipv6ready.docker.$name" "$@" > "$work/$log.log" 2>&1 || { tail -40 "$work/$log.log" >&2; fail "ipv6ready.docker.$name"; }
    grep -E '^localhost +:' "$work/$log.log" >&2
}
# hcloud_fleet_name is the label_selector of inventories/hcloud.yml; the
# teardown asks for it and for the confirmation.
fleet=(-e hcloud_fleet_name=ipv6ready)
hcloud_play hcloud_provision provision "${fleet[@]}" -e hcloud_fleet_docker_host_count=1 \
    -e '{"hcloud_fleet_ssh_source_ips": ["2001:db8:ff::/64"]}' \
    -e "hcloud_fleet_ssh_public_key_path=$work/admin.pub" \
    -e "hcloud_fleet_group_vars_file=$work/fleet/group_vars/all/hcloud_fleet.yml"
# The template the playbook rendered from the installed copy.
"$python" -c 'import sys, yaml; v = yaml.safe_load(open(sys.argv[1])) or {}; sys.exit(0 if str(v.get("nat64_client_prefix", "")).endswith("/96") else 1)' \
    "$work/fleet/group_vars/all/hcloud_fleet.yml" \
    || { cat "$work/fleet/group_vars/all/hcloud_fleet.yml" >&2; fail "hcloud_provision wrote no NAT64 prefix to the fleet's group_vars"; }
ansible-inventory -i "$work/fleet/hcloud.yml" --list > "$work/inventory.json" 2> "$work/inventory.err" || { cat "$work/inventory.err" >&2; fail "ansible-inventory"; }
"$python" - "$work/inventory.json" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
hosts = {g: inv.get(g, {}).get('hosts', []) for g in ('docker_hosts', 'nat64_gateways')}
if len(hosts['docker_hosts']) != 1 or len(hosts['nat64_gateways']) != 1:
    sys.exit('install-test: the hcloud inventory should list one Docker host and one gateway, got %s' % hosts)
print('install-test: inventory from the installed inventories/hcloud.yml: %s' % hosts, file=sys.stderr)
PY
hcloud_play hcloud_teardown teardown "${fleet[@]}" -e hcloud_fleet_teardown_confirm=ipv6ready
ansible-inventory -i "$work/fleet/hcloud.yml" --list > "$work/inventory.json" 2>/dev/null
"$python" -c 'import json, sys; inv = json.load(open(sys.argv[1])); left = inv.get("docker_hosts", {}).get("hosts", []) + inv.get("nat64_gateways", {}).get("hosts", []); sys.exit("install-test: teardown left %s" % left if left else 0)' "$work/inventory.json"
kill "$fake_pid" 2>/dev/null || true
wait "$fake_pid" 2>/dev/null || true
fake_pid=

step "6/6 ansible-builder create: the execution environment's build context"
mkdir -p "$work/ee/dist"
cp "$root/execution-environment.yml" "$work/ee/"
cp "$tarball" "$work/ee/dist/ipv6ready-docker.tar.gz"
(cd "$work/ee" && ansible-builder create -f execution-environment.yml -c context > "$work/ee.log" 2>&1) || { cat "$work/ee.log" >&2; fail "ansible-builder create"; }
context=$work/ee/context
containerfile=
for name in Containerfile Dockerfile; do [ -f "$context/$name" ] && containerfile=$context/$name; done
[ -n "$containerfile" ] || fail "ansible-builder create wrote no Containerfile"
grep -q '^ARG EE_BASE_IMAGE=' "$containerfile" || fail "the base image is not a build argument (EE_BASE_IMAGE)"
grep -qx "FROM \$EE_BASE_IMAGE AS base" "$containerfile" || fail "the Containerfile does not start from the EE_BASE_IMAGE build argument"
[ -f "$context/_build/collections/ipv6ready-docker.tar.gz" ] || fail "the collection tarball is not in the build context"
# The galaxy stage, offline: the dependencies (symlinked from the virtualenv's
# ansible package) must meet requirements.yml; then what the builder stage's
# introspection makes of the installed collections.
sp=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections
eec=$work/ee-collections
for dep in hetzner/hcloud community/docker ansible/posix; do
    mkdir -p "$eec/ansible_collections/${dep%/*}"
    ln -s "$sp/$dep" "$eec/ansible_collections/$dep"
done
(cd "$context/_build" && ANSIBLE_COLLECTIONS_PATH=$eec ansible-galaxy collection install --offline -r requirements.yml -p "$eec" > "$work/galaxy.log" 2>&1) \
    || { cat "$work/galaxy.log" >&2; fail "the EE's galaxy stage (offline)"; }
[ -f "$eec/ansible_collections/ipv6ready/docker/MANIFEST.json" ] || { cat "$work/galaxy.log" >&2; fail "the EE's galaxy stage did not install ipv6ready.docker"; }
ansible-builder introspect "$eec" > "$work/introspect.txt" 2>&1 || { cat "$work/introspect.txt" >&2; fail "ansible-builder introspect"; }
for req in "requests[^ ']*  # from collection ipv6ready.docker" "python-dateutil[^ ']*  # from collection ipv6ready.docker" \
           "docker  # from collection community.docker" "openssh-clients \[platform:rpm\]  # from collection ipv6ready.docker"; do
    grep -q -- "- '$req'" "$work/introspect.txt" || { cat "$work/introspect.txt" >&2; fail "the EE would miss: $req"; }
done
echo "install-test: EE context ($(basename "$containerfile"), base image $(sed -n 's/^ARG EE_BASE_IMAGE=//p' "$containerfile")); Python packages the image gets:" >&2
sed -n '/^python:/,/^system:/p' "$work/introspect.txt" | grep '^-' >&2

echo "install-test: passed in $(( $(date +%s) - started ))s (build, install, $count docs, playbooks, hcloud by FQCN, EE context)"
