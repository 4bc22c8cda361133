#!/usr/bin/env bash
# Build the test images of tests/platforms.yml, without a container registry:
# debootstrap a minimal rootfs from the Debian mirror that apt on this machine
# already uses, then `docker import` it. A platform whose engine comes from
# another suite (engine_suite) is its suite's image plus that suite as an apt
# source, pinned low, with the engine packages pinned to it; the daemon role
# then installs its own package list there as everywhere else.
#
# Usage: build-images.sh [PLATFORM ...]   (default: every platform)
# Images present are skipped; IPV6READY_FORCE_REBUILD=1 rebuilds them.
# Needs a python3 with PyYAML on PATH (the venv's; `make images` sees to it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=tests/harness/rootfs.sh
source "$here/rootfs.sh"
need_debootstrap

# build_base TAG SUITE PACKAGES: the debootstrapped image of one Debian suite,
# minbase plus PACKAGES (comma-separated; the platform's package set in
# tests/platforms.yml).
build_base() {
    local tag=$1 suite=$2 base_packages=$3 start
    # Global, for the EXIT trap.
    root=$(mktemp -d)
    start=$(date +%s)
    trap 'rm -rf "$root" "$root.log"' EXIT
    container_rootfs "$root" "$suite" "$base_packages"
    # Keep apt lean.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$root/etc/apt/apt.conf.d/90ipv6ready-test"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    # Empty package lists must look stale, so that apt update_cache with
    # cache_valid_time refreshes them on first use.
    touch -d @0 "$root/var/lib/apt/lists"
    tar -C "$root" -c . | docker import \
        --change 'CMD ["/lib/systemd/systemd"]' \
        --change 'ENV container=docker' \
        - "$tag" >/dev/null
    rm -rf "$root" "$root.log"
    trap - EXIT
    echo "build-images: built $tag in $(( $(date +%s) - start ))s"
}

# build_engine_source TAG BASE ENGINE_SUITE PACKAGES: BASE plus ENGINE_SUITE as
# an apt source (priority 100) with PACKAGES (comma-separated) pinned to it.
build_engine_source() {
    local tag=$1 base=$2 engine_suite=$3 packages=${4//,/ } builder start
    start=$(date +%s)
    builder="ipv6ready-image-build-$$"
    docker rm --force "$builder" >/dev/null 2>&1 || true
    # The unstable Release file may be past its Valid-Until on a mirror.
    docker run --name "$builder" "$base" /bin/sh -c </dev/null "
        set -e
        echo 'deb [check-valid-until=no] $(mirror) $engine_suite main' > /etc/apt/sources.list.d/ipv6ready-$engine_suite.list
        printf 'Package: *\\nPin: release n=$engine_suite\\nPin-Priority: 100\\n\\nPackage: $packages\\nPin: release n=$engine_suite\\nPin-Priority: 990\\n' \\
            > /etc/apt/preferences.d/ipv6ready-engine
    " >/dev/null
    docker commit --change 'CMD ["/lib/systemd/systemd"]' --change 'ENV container=docker' "$builder" "$tag" >/dev/null
    docker rm "$builder" >/dev/null
    echo "build-images: built $tag ($engine_suite engine on $base) in $(( $(date +%s) - start ))s"
}

mapfile -t platforms < <(python3 "$here/platforms.py" images "$@")

# First the images debootstrap makes, side by side (each mostly waits for the
# mirror); then those made from another image.
pids=()
for line in "${platforms[@]}"; do
    read -r tag suite engine_suite _ base_packages <<<"$line"
    [ "$engine_suite" = - ] || continue
    if present "$tag"; then echo "build-images: $tag present, skipping"; continue; fi
    ( build_base "$tag" "$suite" "$base_packages" ) &
    pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
done
[ "$failed" = 0 ] || exit 1

for line in "${platforms[@]}"; do
    read -r tag suite engine_suite engine_packages base_packages <<<"$line"
    [ "$engine_suite" != - ] || continue
    base="ipv6ready-test/debian:${suite}"
    if present "$tag"; then echo "build-images: $tag present, skipping"; continue; fi
    # The suite's own image is the base; it is built when missing, never forced.
    docker image inspect "$base" >/dev/null 2>&1 || IPV6READY_FORCE_REBUILD=0 build_base "$base" "$suite" "$base_packages"
    build_engine_source "$tag" "$base" "$engine_suite" "$engine_packages"
done
