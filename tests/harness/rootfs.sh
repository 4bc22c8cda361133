# shellcheck shell=bash
# Sourced by the image builders (tests/harness/build-images.sh,
# tests/hcloud/twin-image.sh): a minimal Debian root file system for a systemd
# container, from the Debian mirror this machine's apt uses, never a
# hard-coded host.

# mirror: the first Debian mirror apt on this machine is configured with
# (deb822 or one-line format), skipping the security archive.
mirror() {
    local uri
    uri=$(grep -rhoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' \
            /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
          | awk '{print $NF}' | grep -E '/debian/?$' | grep -v -- '-security' | head -n1 || true)
    if [ -z "$uri" ]; then
        echo "$(basename "$0"): no Debian mirror found in /etc/apt/sources.list*" >&2
        return 1
    fi
    echo "$uri"
}

# need_debootstrap: fail, saying how to get it, when debootstrap is missing.
need_debootstrap() {
    command -v debootstrap >/dev/null || {
        echo "$(basename "$0"): debootstrap is missing (apt-get install debootstrap)" >&2
        exit 1
    }
}

# present TAG: whether the image TAG exists and is to be kept (not with
# IPV6READY_FORCE_REBUILD=1).
present() {
    [ "${IPV6READY_FORCE_REBUILD:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1
}

# container_rootfs ROOT SUITE PACKAGES: debootstrap minbase of SUITE plus
# PACKAGES (comma-separated) into ROOT (its log: ROOT.log, shown on failure),
# made for a container: no kernel-facing units (they hang or fail without real
# hardware), no machine ID (each container gets its own). A failed debootstrap
# is tried again from an empty ROOT, three times in all: a mirror that drops
# one download ("Couldn't download packages") failed a whole fresh-clone run.
container_rootfs() {
    local root=$1 suite=$2 packages=$3 unit attempt
    for attempt in 1 2 3; do
        debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" </dev/null >"$root.log" 2>&1 && break
        tail -n 30 "$root.log" >&2
        [ "$attempt" -lt 3 ] || exit 1
        echo "$(basename "$0"): debootstrap of $suite failed (attempt $attempt of 3); trying again from an empty tree" >&2
        # Never into what a failed second stage may have left mounted.
        rm -rf --one-file-system "$root"
        mkdir -p "$root"
        sleep 5
    done
    for unit in systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
                sys-kernel-config.mount sys-kernel-debug.mount getty.target console-getty.service \
                systemd-remount-fs.service systemd-firstboot.service; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    : >"$root/etc/machine-id"
    # apt in the test hosts (the roles' package installs, the images' own
    # steps) tries a dropped download again, as debootstrap above does.
    echo 'Acquire::Retries "3";' >"$root/etc/apt/apt.conf.d/80ipv6ready-test-retries"
}
