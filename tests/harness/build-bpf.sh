#!/usr/bin/env bash
# Build the tc-BPF NAT64 translator that the collection ships, so that a
# gateway needs no compiler: roles/nat64_gateway/files/nat64_bpf.c becomes
# roles/nat64_gateway/files/nat64_bpf-<first 12 hex digits of its SHA-1>.o,
# the name the nat64_gateway role looks for. git ignores the object;
# `ansible-galaxy collection build` puts it into the tarball. Objects of older
# sources are removed; a current one is kept (nothing to do).
#
# With clang and libbpf's headers on this machine, they build it; otherwise a
# container does (image ipv6ready-build/bpf:trixie: the Debian 13 test image
# plus clang and libbpf-dev, built once and kept). The object is little-endian
# BPF (-target bpfel), as x86_64 and arm64 gateways need; a gateway whose
# kernel does not load it builds its own from the source (the role's
# fallback, which installs a compiler there).
#
# Usage: tests/harness/build-bpf.sh     (make bpf)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
files="$root/roles/nat64_gateway/files"
hash=$(sha1sum "$files/nat64_bpf.c" | cut -c1-12)
object="nat64_bpf-$hash.o"
image=ipv6ready-build/bpf:trixie

for old in "$files"/nat64_bpf-*.o; do
    if [ -e "$old" ] && [ "$(basename "$old")" != "$object" ]; then
        rm -f "$old"
    fi
done
if [ -s "$files/$object" ]; then
    echo "build-bpf: $object is current"
    exit 0
fi

# The same flags as the role's fallback (ipv6ready-nat64-bpf-build), with the
# byte order spelt out.
# shellcheck disable=SC2016 # expanded by the inner shell
# A temporary name of its own per build, so that two builds at once (two make
# lanes) never move one file twice.
compile='clang -O2 -g -Wall -Werror -target bpfel -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -c nat64_bpf.c -o "$1.$$.tmp" && mv "$1.$$.tmp" "$1"'
start=$(date +%s)
if command -v clang >/dev/null && [ -e /usr/include/bpf/bpf_helpers.h ]; then
    (cd "$files" && sh -ec "$compile" sh "$object")
    how="clang $(clang -dumpversion) on this machine"
else
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        IPV6READY_FORCE_REBUILD=0 "$root/tests/harness/build-images.sh" debian13
        builder="bpf-build-$$"
        trap 'docker rm --force "$builder" >/dev/null 2>&1 || true' EXIT
        docker run --name "$builder" "$(python3 "$root/tests/harness/platforms.py" image debian13)" /bin/sh -c '
            set -e
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends clang libbpf-dev libc6-dev >/dev/null
            apt-get clean
            rm -rf /var/lib/apt/lists/*
        ' </dev/null
        docker commit "$builder" "$image" >/dev/null
        echo "build-bpf: built the image $image"
    fi
    docker run --rm --user "$(id -u):$(id -g)" --network none -v "$files:/src" -w /src "$image" \
        sh -ec "$compile" sh "$object"
    how="clang $(docker run --rm "$image" clang -dumpversion) in $image"
fi
echo "build-bpf: built $object with $how in $(( $(date +%s) - start ))s"
