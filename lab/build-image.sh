#!/usr/bin/env bash
# Build a lab host image once, without a registry: a test platform's image
# (tests/platforms.yml, built by tests/harness/build-images.sh) plus the
# packages every lab host needs, installed in one throw-away container and
# committed. The lab hosts are IPv6-only once the demo starts, so they cannot
# reach the Debian mirror themselves; installing here, once, also keeps
# `make demo` fast.
#
# Usage: lab/build-image.sh [PLATFORM]   (default debian13-docker28; the image
#        is ipv6ready-lab/PLATFORM, skipped when it exists;
#        IPV6READY_FORCE_REBUILD=1 rebuilds)
# Needs a python3 with PyYAML on PATH (the venv's; make sees to it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
platform=${1:-debian13-docker28}
tag="ipv6ready-lab/${platform}"

if [ "${IPV6READY_FORCE_REBUILD:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    echo "lab/build-image: $tag present, skipping"
    exit 0
fi
base=$(python3 "$here/tests/harness/platforms.py" image "$platform")
# The Docker hosts' engine packages are the daemon role's own list for the
# platform's distribution (the role finds them present); for the gateway the
# bpf engine's bpftool and nftables (the translator itself comes built with
# the collection), TAYGA for a switch to the fallback engine, and unbound;
# python3-docker for the Docker modules; dig for the checks.
engine_packages=$(python3 - "$here" "$base" <<'PY'
import sys, yaml
here, base = sys.argv[1:]
release = {"bookworm": "12", "trixie": "13"}[base.rsplit(":", 1)[1].split("-")[0]]
with open("%s/roles/daemon/vars/Debian-%s.yml" % (here, release)) as f:
    print(" ".join(yaml.safe_load(f)["__daemon_packages"]))
PY
)
packages="$engine_packages python3-docker bpftool nftables tayga unbound bind9-dnsutils"

# The base image is built only when missing (never forced from here).
IPV6READY_FORCE_REBUILD=0 "$here/tests/harness/build-images.sh" "$platform"
builder="lab-image-build-$$"
trap 'docker rm --force "$builder" >/dev/null 2>&1 || true' EXIT
start=$(date +%s)
docker run --name "$builder" "$base" /bin/sh -c "
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $packages >/dev/null
    # Nothing starts by itself: the lab starts the engine on the Docker hosts
    # only, and the roles configure TAYGA and unbound on the gateway.
    systemctl disable unbound.service tayga.service docker.service docker.socket >/dev/null 2>&1 || true
    apt-get clean
    rm -rf /var/lib/apt/lists/*
" </dev/null
docker commit --change 'CMD ["/lib/systemd/systemd"]' "$builder" "$tag" >/dev/null
echo "lab/build-image: built $tag ($(docker run --rm "$tag" dpkg-query -W -f '${Version}' docker.io)) in $(( $(date +%s) - start ))s"
