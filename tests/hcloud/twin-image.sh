#!/usr/bin/env bash
# Build the server images of the Hetzner twin (tests/hcloud/twin.py), without a
# registry: Hetzner's `debian-12` / `debian-13` images minus cloud-init.
#
# What Hetzner's images hold that matters here: a Debian install with systemd,
# python3, openssh-server (root logs in with the project's SSH keys), dbus,
# iproute2, ca-certificates, and cloud-init with everything the Debian package
# cloud-init depends on (python3-requests, python3-yaml, python3-jinja2,
# python3-jsonschema, a DHCP client, locales, ...). No Docker, no iptables, no
# nftables. So: debootstrap minbase with those, then cloud-init is installed
# with apt (debootstrap cannot configure all of its dependencies) and purged
# again, its dependencies kept (marked as installed by hand). What
# cloud-init does at a server's first boot (host keys, hostname, root's
# authorized_keys, resolver; the network configuration) the twin does instead:
# the unit ipv6ready-twin-init below, and twin.py from outside for the network.
#
# Usage: twin-image.sh [12|13 ...]   (default: both, built side by side). Tags ipv6ready-twin/debian:12
# and :13. An image that exists is kept; IPV6READY_FORCE_REBUILD=1 rebuilds.
set -euo pipefail

packages="python3,systemd,systemd-sysv,dbus,iproute2,ca-certificates,openssh-server"

# shellcheck source=tests/harness/rootfs.sh
source "$(cd "$(dirname "$0")/../harness" && pwd)/rootfs.sh"
need_debootstrap

build() {
    local version=$1 suite tag start root
    case "$version" in
        12) suite=bookworm ;;
        13) suite=trixie ;;
        *) echo "twin-image: unknown Debian version $version (12 or 13)" >&2; exit 2 ;;
    esac
    tag="ipv6ready-twin/debian:$version"
    if present "$tag"; then
        echo "twin-image: $tag present, skipping"
        return
    fi
    start=$(date +%s)
    root=$(mktemp -d)
    trap 'rm -rf "$root" "$root.log"' EXIT
    container_rootfs "$root" "$suite" "$packages"
    # Every server gets host keys of its own at its first boot (cloud-init's
    # job on Hetzner); container_rootfs left no machine ID either.
    rm -f "$root"/etc/ssh/ssh_host_*
    cat >"$root/usr/local/sbin/ipv6ready-twin-init" <<'INIT'
#!/bin/sh
# ipv6ready twin: what cloud-init does on a Hetzner server, from the data the
# twin left in /var/lib/ipv6ready-twin before the first boot. Every boot: drop
# the files Docker mounts over /etc (a server has its own). First boot: host
# keys, hostname, /etc/hosts, root's authorized_keys, the provider's resolvers.
set -eu
data=/var/lib/ipv6ready-twin
for file in /etc/resolv.conf /etc/hostname /etc/hosts; do
    while mountpoint -q "$file" 2>/dev/null || grep -q " $file " /proc/self/mountinfo; do
        umount "$file" || break
    done
done
[ -e "$data/done" ] && exit 0
ssh-keygen -A
install -m 0644 "$data/hostname" /etc/hostname
install -m 0644 "$data/hosts" /etc/hosts
install -m 0644 "$data/resolv.conf" /etc/resolv.conf
install -d -m 0700 /root/.ssh
install -m 0600 "$data/authorized_keys" /root/.ssh/authorized_keys
touch "$data/done"
INIT
    chmod 0755 "$root/usr/local/sbin/ipv6ready-twin-init"
    cat >"$root/etc/systemd/system/ipv6ready-twin-init.service" <<'UNIT'
[Unit]
Description=ipv6ready twin: cloud-init's part of a Hetzner server's boot
DefaultDependencies=no
After=local-fs.target
Before=sysinit.target ssh.service systemd-hostnamed.service
ConditionPathIsDirectory=/var/lib/ipv6ready-twin

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ipv6ready-twin-init
RemainAfterExit=yes

[Install]
WantedBy=sysinit.target
UNIT
    mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
    ln -sf ../ipv6ready-twin-init.service "$root/etc/systemd/system/sysinit.target.wants/ipv6ready-twin-init.service"
    tar -C "$root" -c . | docker import - "$tag-debootstrap" >/dev/null
    rm -rf "$root" "$root.log"
    trap - EXIT
    # Hetzner's image minus cloud-init: its dependencies stay, as if installed by hand.
    builder="ipv6ready-twin-image-build-$version-$$"
    docker rm --force "$builder" >/dev/null 2>&1 || true
    docker run --name "$builder" "$tag-debootstrap" /bin/sh -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends cloud-init >/dev/null
        apt-mark showauto | xargs -r apt-mark manual >/dev/null
        apt-get purge -y -qq cloud-init >/dev/null
        rm -rf /etc/cloud /var/lib/cloud /var/cache/apt/archives/*.deb /var/lib/apt/lists/*
        # Empty package lists must look stale, so that apt cache_valid_time refreshes them on first use.
        touch -d @0 /var/lib/apt/lists
    ' </dev/null >/dev/null
    docker commit \
        --change 'CMD ["/lib/systemd/systemd"]' \
        --change 'ENV container=docker' \
        --change 'LABEL ipv6ready-twin.image=debian-'"$version" \
        "$builder" "$tag" >/dev/null
    docker rm "$builder" >/dev/null
    docker rmi "$tag-debootstrap" >/dev/null
    echo "twin-image: built $tag ($suite) in $(( $(date +%s) - start ))s"
}

versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(12 13)
# Both at once: each is mostly waiting for the mirror.
pids=()
for version in "${versions[@]}"; do
    ( build "$version" ) &
    pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit "$status"
