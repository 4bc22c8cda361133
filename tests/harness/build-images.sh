#!/usr/bin/env bash
# Build the Debian test images used by every Molecule scenario, without a
# container registry: debootstrap a minimal rootfs from the Debian mirror that
# apt on this machine already uses, then `docker import` it.
#
# Usage: build-images.sh [SUITE ...]      (default: bookworm trixie)
# Images are tagged ipv6ready-test/debian:<suite> and skipped when present.
# Set IPV6READY_FORCE_REBUILD=1 to rebuild anyway.
set -euo pipefail

suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(bookworm trixie)

# The packages every test host needs: systemd as PID 1, Python for Ansible,
# iproute2/procps for the network assertions.
packages="python3,python3-apt,systemd,systemd-sysv,dbus,iproute2,procps,ca-certificates,gpg"

mirror() {
    # First Debian mirror apt is configured with (deb822 or one-line format),
    # skipping the security archive. Never hard-code a host.
    local uri
    uri=$(grep -rhoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' \
            /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
          | awk '{print $NF}' | grep -E '/debian/?$' | grep -v -- '-security' | head -n1 || true)
    if [ -z "$uri" ]; then
        echo "build-images: no Debian mirror found in /etc/apt/sources.list*" >&2
        return 1
    fi
    echo "$uri"
}

command -v debootstrap >/dev/null || {
    echo "build-images: debootstrap is missing (apt-get install debootstrap)" >&2
    exit 1
}

for suite in "${suites[@]}"; do
    tag="ipv6ready-test/debian:${suite}"
    if [ "${IPV6READY_FORCE_REBUILD:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
        echo "build-images: $tag present, skipping"
        continue
    fi
    start=$(date +%s)
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" >"$root.log" 2>&1 || {
        tail -n 30 "$root.log" >&2
        exit 1
    }
    # A container image needs no kernel-facing units; mask those that hang or fail
    # without real hardware, and keep apt lean.
    for unit in systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
                sys-kernel-config.mount sys-kernel-debug.mount getty.target console-getty.service \
                systemd-remount-fs.service systemd-firstboot.service; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$root/etc/apt/apt.conf.d/90ipv6ready-test"
    : >"$root/etc/machine-id"
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
done
