#!/usr/bin/env bash
# Build the lab's host image once, without a registry: the Debian 13 test image
# (tests/harness/build-images.sh) plus the packages every lab host needs,
# installed in one throw-away container and committed. The lab hosts are
# IPv6-only once the demo starts, so they cannot reach the Debian mirror
# themselves; installing here, once, also keeps `make demo` fast.
#
# Usage: lab/build-image.sh        (skipped when the image exists;
#                                    IPV6READY_FORCE_REBUILD=1 rebuilds)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${IPV6READY_LAB_SUITE:-trixie}
base="ipv6ready-test/debian:${suite}"
tag="ipv6ready-lab/debian:${suite}"
# docker.io (the inner engine; 26.1 on Debian 13), tayga and unbound (the
# gateway), dig for the checks. The roles install the same packages with
# `daemon_install: true`; here they only find them present.
packages="docker.io docker-cli iptables python3-docker tayga unbound bind9-dnsutils"

if [ "${IPV6READY_FORCE_REBUILD:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    echo "lab/build-image: $tag present, skipping"
    exit 0
fi
# The base image is built only when missing (never forced from here).
IPV6READY_FORCE_REBUILD=0 "$here/tests/harness/build-images.sh" "$suite"
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
"
docker commit --change 'CMD ["/lib/systemd/systemd"]' "$builder" "$tag" >/dev/null
echo "lab/build-image: built $tag in $(( $(date +%s) - start ))s"
