# shellcheck shell=bash
# Sourced by the image builders (tests/harness/build-images.sh,
# tests/hcloud/twin-image.sh): mirror prints the first Debian mirror apt on this
# machine is configured with (deb822 or one-line format), skipping the security
# archive. Never hard-code a host.
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
