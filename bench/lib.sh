# shellcheck shell=bash
# What bench/nat64/run.sh and bench/scaleout/run.sh share: sourced by both,
# not run on its own. The caller runs as root under `set -euo pipefail` and
# sets HERE (its own directory, with its render.yml) and WORK (its scratch
# directory) before it calls render_role_files.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) # this checkout
NCPU=$(nproc)
readonly REPO NCPU
OWN_NS=() # the namespaces this run made (add_namespaces), which remove_namespaces deletes

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
need_root() {
    [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, TUN devices, BPF)"
}

# ------------------------------------------------------ network namespaces
nsx() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}
ns_exists() { ip netns list | grep -qE "^$1( |$)"; }

# add_namespaces NS...: new network namespaces, loopback up, remembered in
# OWN_NS; none of them may exist yet (another run?).
add_namespaces() {
    local ns
    for ns in "$@"; do
        ns_exists "$ns" && die "namespace $ns exists (another run?); remove it: ip netns del $ns"
    done
    for ns in "$@"; do
        ip netns add "$ns"
        OWN_NS+=("$ns")
        nsx "$ns" ip link set lo up
    done
}

# remove_namespaces: whatever still runs inside the namespaces of OWN_NS
# (this run started it), then the namespaces themselves, with the links,
# translators and TUN devices in them. For the cleanup trap.
remove_namespaces() {
    local ns pid
    for ns in "${OWN_NS[@]}"; do
        ns_exists "$ns" || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    done
    sleep 0.2
    for ns in "${OWN_NS[@]}"; do
        if ns_exists "$ns"; then ip netns del "$ns" || true; fi
    done
}

# stop_processes PID...: kill them, then reap them (for the cleanup trap).
stop_processes() {
    local pid
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# retry CMD...: wait up to ~5 s for CMD to succeed.
retry() {
    local _
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# listening NS PORT: wait (retry) until something listens on TCP PORT in NS.
listening() { retry bash -c "ip netns exec $1 ss -Hltn 'sport = :$2' | grep -q ."; }

# nat64_address PREFIX IPV4: IPV4 embedded in the /96 PREFIX (RFC 6052).
nat64_address() {
    python3 -c 'import ipaddress as i, sys
print(i.IPv6Address(int(i.IPv6Network(sys.argv[1]).network_address) | int(i.IPv4Address(sys.argv[2]))))' "$1" "$2"
}

# install_missing COMMAND=PACKAGE...: apt-get installs the package of every
# command that is not on PATH (SKIP_INSTALL=1: fails instead).
install_missing() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
    done
    ((${#missing[@]})) || return 0
    [[ ${SKIP_INSTALL:-0} == 1 ]] && die "missing packages: ${missing[*]}"
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || die "${pair%%=*} still missing after install"
    done
}

# ------------------------------------------------------- the roles' files
# render_role_files EXTRA_VARS: $HERE/render.yml, which renders the roles'
# own templates, defaults and filters into $WORK, with these extra vars
# (JSON), ipv6ready.docker linked from this checkout.
render_role_files() {
    local playbook="$REPO/.venv/bin/ansible-playbook"
    if [[ ! -x $playbook ]]; then
        log "building the virtualenv (make venv) to render the roles' templates"
        make -C "$REPO" venv >/dev/null
    fi
    mkdir -p "$WORK/collections/ansible_collections/ipv6ready"
    ln -s "$REPO" "$WORK/collections/ansible_collections/ipv6ready/docker"
    ANSIBLE_COLLECTIONS_PATH="$WORK/collections" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 \
        ANSIBLE_PYTHON_INTERPRETER="$REPO/.venv/bin/python" "$playbook" -i localhost, "$HERE/render.yml" -e "$1" \
        >"$WORK/render.log" 2>&1 || die "rendering the roles' templates failed: $(tail -20 "$WORK/render.log")"
}

# bpf_translator DEST: the tc-BPF translator the collection ships (make bpf),
# put at DEST by the role's build script once the kernel's verifier accepts
# it in a throwaway namespace; prints how it got there.
bpf_translator() {
    local files=$REPO/roles/nat64_gateway/files shipped
    shipped="$files/nat64_bpf-$(sha1sum "$files/nat64_bpf.c" | cut -c1-12).o"
    "$files/ipv6ready-nat64-bpf-build" "$files/nat64_bpf.c" "$1" "$shipped" ||
        die "the tc-BPF translator: run make bpf first ($shipped), or install clang and libbpf-dev"
}

# ----------------------------------------------------------- CPU figures
# "total,busy" ticks of all cores from /proc/stat
host_ticks() {
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t "," t - $5 - $6 }' /proc/stat
}
# process_ticks PID: CPU ticks (utime + stime) of a process (0 without one)
process_ticks() {
    local stat
    local -a fields
    [[ -n ${1:-} ]] || { echo 0; return; }
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    read -r -a fields <<<"${stat##*) }"
    echo $((fields[11] + fields[12]))
}
# host_busy H0 H1: % of all cores busy between two host_ticks (other users included)
host_busy() {
    awk -v h0="$1" -v h1="$2" 'BEGIN { split(h0, a, ","); split(h1, b, ","); total = b[1] - a[1]
        if (total <= 0) total = 1; printf "%.0f\n", 100 * (b[2] - a[2]) / total }'
}
# core_share TICKS H0 H1: a process's TICKS between two host_ticks, in % of one core
core_share() {
    awk -v t="$1" -v h0="$2" -v h1="$3" -v n="$NCPU" 'BEGIN { split(h0, a, ","); split(h1, b, ",")
        total = b[1] - a[1]; if (total <= 0) total = 1; printf "%.0f\n", 100 * t * n / total }'
}
# machine: the date and the machine, for a report's title
machine() {
    printf '%s, %s cores (%s), kernel %s' "$(date -u +%Y-%m-%d)" "$NCPU" \
        "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)"
}

# ----------------------------------------------------------------- report
# median KEY: the median of the numbers in the caller's RES[KEY] ("n/a" if none)
median() {
    tr ' ' '\n' <<<"${RES[$1]:-}" | grep -E '^[0-9.]+$' | sort -g |
        awk '{v[NR] = $1} END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
             else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ratio A B [DIGITS]: A / B with DIGITS decimals (3), "n/a" unless both are numbers and B > 0
ratio() {
    awk -v a="$1" -v b="$2" -v d="${3:-3}" \
        'BEGIN { if (a == a + 0 && b + 0 > 0) printf "%." d "f", a / b; else print "n/a" }'
}
