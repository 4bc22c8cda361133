#!/usr/bin/env bash
# Scale-out benchmark for several NAT64 gateways behind floating /64s
# (docs/availability.md; not part of the tests): the aggregate NAT64
# throughput of a fleet whose two gateways both carry traffic, against the
# same fleet with one gateway carrying it all (after a failover), in one run.
#
# Topology (network namespaces, veth links at MTU 1500, documentation space):
#
#   fo-cli1 --\                   /-- fo-gw1 --\
#              fo-net (router) --<              >-- fo-srv (IPv4 only, iperf3 -s on 5201, 5202)
#   fo-cli2 --/  routes F1, F2    \-- fo-gw2 --/
#
#   - fo-net plays Hetzner's network: each gateway's /64 and each floating
#     /64 (F1 2001:db8:5f1::/64, F2 2001:db8:5f2::/64) is routed to a
#     gateway's link-local address; "two gateways": F1 -> gw1, F2 -> gw2;
#     "one gateway": both -> gw1, as after gw2 failed.
#   - Each gateway runs what the nat64_gateway role deploys, rendered from its
#     templates (render.yml): the engine (TAYGA by default) on its own /96,
#     the allowlist, the masquerade out of its own IPv4 address, and both
#     floating /96s mapped onto its own (nat64_gateway_extra_prefixes).
#   - Client 1 sends to F1's /96, client 2 to F2's, at the same time; the
#     figure is the sum of what the server received.
#
# Usage (as root): bench/scaleout/run.sh      (make bench-scaleout)
#   DURATION=10     seconds per iperf3 run (plus OMIT=1 warm-up second)
#   ROUNDS=3        rounds, each measuring both layouts (in alternating order)
#   STREAMS=1       iperf3 streams per client
#   ENGINE=tayga    the translator (tayga or bpf)
#   SKIP_INSTALL=1  fail instead of apt-get installing missing packages
#
# Everything is named fo-* or lives in a temporary directory, and is removed
# on exit, also on failure or Ctrl-C. Traffic stays inside these namespaces.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
STREAMS=${STREAMS:-1}
ENGINE=${ENGINE:-tayga}
OMIT=${OMIT:-1}
SKIP_INSTALL=${SKIP_INSTALL:-0}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
readonly HERE REPO
readonly NAMESPACES="fo-net fo-cli1 fo-cli2 fo-gw1 fo-gw2 fo-srv"
readonly F1=2001:db8:5f1::/64 F2=2001:db8:5f2::/64
readonly P1=2001:db8:5f1:0:64::/96 P2=2001:db8:5f2:0:64::/96
readonly SRV4=198.51.100.2

WORK=""
OWN_NS=()
PIDS=()
MOUNTS=()
declare -A RES=()

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
nsx() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}
ns_exists() { ip netns list | grep -qE "^$1( |$)"; }
retry() {
    local _
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

cleanup() {
    local rc=$? pid ns mount
    trap - EXIT INT TERM
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in "${OWN_NS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    done
    sleep 0.2
    for ns in "${OWN_NS[@]}"; do ns_exists "$ns" && ip netns del "$ns"; done
    for mount in "${MOUNTS[@]}"; do umount "$mount"; done
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}

install_packages() {
    local -A need=([iperf3]=iperf3 [iptables]=iptables [python3]=python3 [ping]=iputils-ping [nsenter]=util-linux)
    local cmd missing=()
    case $ENGINE in
        tayga) need[tayga]=tayga ;;
        bpf) need[clang]=clang need[bpftool]=bpftool need[tc]=iproute2 ;;
        *) die "ENGINE: $ENGINE is not tayga or bpf" ;;
    esac
    for cmd in "${!need[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
    done
    [[ $ENGINE != bpf || -e /usr/include/bpf/bpf_helpers.h ]] || missing+=(libbpf-dev)
    ((${#missing[@]})) || return 0
    [[ $SKIP_INSTALL == 1 ]] && die "missing packages: ${missing[*]}"
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

render() {
    local playbook="$REPO/.venv/bin/ansible-playbook"
    [[ -x $playbook ]] || make -C "$REPO" venv >/dev/null
    mkdir -p "$WORK/collections/ansible_collections/ipv6ready"
    ln -s "$REPO" "$WORK/collections/ansible_collections/ipv6ready/docker"
    ANSIBLE_COLLECTIONS_PATH="$WORK/collections" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 \
        ANSIBLE_PYTHON_INTERPRETER="$REPO/.venv/bin/python" "$playbook" -i localhost, "$HERE/render.yml" -e "$(
            cat <<EOF
{"bench_work": "$WORK", "bench_engine": "$ENGINE",
 "bench_fleet": ["2001:db8:5c1::/64", "2001:db8:5c2::/64"],
 "bench_extra_prefixes": ["$P1", "$P2"],
 "bench_gateways": [{"name": "gw1", "prefix": "2001:db8:5a1:0:64::/96", "uplink": "u1"},
                    {"name": "gw2", "prefix": "2001:db8:5a2:0:64::/96", "uplink": "u2"}]}
EOF
        )" >"$WORK/render.log" 2>&1 || die "rendering the role's templates failed: $(tail -20 "$WORK/render.log")"
    if [[ $ENGINE == bpf ]]; then
        "$REPO/roles/nat64_gateway/files/ipv6ready-nat64-bpf-build" "$REPO/roles/nat64_gateway/files/nat64_bpf.c" \
            "$WORK/nat64_bpf.o" || die "building the tc-BPF translator failed"
    fi
}

setup() {
    local ns i
    for ns in $NAMESPACES; do
        ns_exists "$ns" && die "namespace $ns exists (another run?); remove it: ip netns del $ns"
    done
    for ns in $NAMESPACES; do
        ip netns add "$ns"
        OWN_NS+=("$ns")
        nsx "$ns" ip link set lo up
        nsx "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
    done
    nsx fo-srv ip link add br0 type bridge
    nsx fo-srv ip addr add "$SRV4/24" dev br0
    nsx fo-srv ip link set br0 up
    for i in 1 2; do
        # clients: an on-link /64 to the router
        ip link add "c$i" netns "fo-cli$i" mtu 1500 type veth peer name "n-c$i" netns fo-net mtu 1500
        nsx "fo-cli$i" ip addr add "2001:db8:5c$i::2/64" dev "c$i" nodad
        nsx "fo-cli$i" ip link set "c$i" up
        nsx "fo-cli$i" ip -6 route add default via "2001:db8:5c$i::1"
        nsx fo-net ip addr add "2001:db8:5c$i::1/64" dev "n-c$i" nodad
        nsx fo-net ip link set "n-c$i" up
        # gateways: their /64 routed to their link-local address, gateway fe80::1 (as on Hetzner)
        ip link add "g$i" netns "fo-gw$i" mtu 1500 type veth peer name "n-g$i" netns fo-net mtu 1500
        nsx "fo-gw$i" ip addr add fe80::2/64 dev "g$i" nodad
        nsx "fo-gw$i" ip addr add "2001:db8:5a$i::1/64" dev "g$i" nodad
        nsx "fo-gw$i" ip link set "g$i" up
        nsx "fo-gw$i" ip -6 route add default via fe80::1 dev "g$i"
        nsx fo-net ip addr add fe80::1/64 dev "n-g$i" nodad
        nsx fo-net ip link set "n-g$i" up
        nsx fo-net ip -6 route add "2001:db8:5a$i::/64" via fe80::2 dev "n-g$i"
        # the IPv4 Internet: each gateway's own address on the server's bridge
        ip link add "u$i" netns "fo-gw$i" mtu 1500 type veth peer name "s$i" netns fo-srv mtu 1500
        nsx "fo-gw$i" ip addr add "198.51.100.1$i/24" dev "u$i"
        nsx "fo-gw$i" ip link set "u$i" up
        nsx fo-srv ip link set "s$i" master br0 up
    done
    layout two
    retry nsx fo-cli1 ping -6 -c1 -W1 2001:db8:5a2::1 || die "the IPv6 side is broken"
}

# layout two|one: where the router sends the floating /64s
layout() {
    local second=2
    [[ $1 == one ]] && second=1
    nsx fo-net ip -6 route replace "$F1" via fe80::2 dev n-g1
    nsx fo-net ip -6 route replace "$F2" via fe80::2 dev "n-g$second"
    LAYOUT=$1
}

gw_up() {
    local i=$1 ns=fo-gw$1 dir=$WORK/gw$1
    if [[ $ENGINE == tayga ]]; then
        nsenter --net="/run/netns/$ns" tayga --config "$dir/tayga.conf" --mktun >/dev/null
        nsenter --net="/run/netns/$ns" "$dir/net" up >"$dir/up.log" 2>&1 || die "gw$i: $(cat "$dir/up.log")"
        nsenter --net="/run/netns/$ns" tayga --config "$dir/tayga.conf" --nodetach >"$dir/tayga.log" 2>&1 &
        PIDS+=($!)
    else
        mkdir -p "$dir/bpffs"
        mount -t bpf bpf "$dir/bpffs"
        MOUNTS+=("$dir/bpffs")
        nsenter --net="/run/netns/$ns" env TC_BPF_MNT="$dir/bpffs" "$dir/net" up >"$dir/up.log" 2>&1 ||
            die "gw$i: $(cat "$dir/up.log")"
    fi
}

start() {
    local i port
    for i in 1 2; do gw_up "$i"; done
    for port in 5201 5202; do
        nsx fo-srv iperf3 -s -p "$port" >"$WORK/iperf3-$port.log" 2>&1 &
        PIDS+=($!)
    done
    retry bash -c "ip netns exec fo-srv ss -Hltn 'sport = :5202' | grep -q ." || die "iperf3 did not start"
    for layout in two one; do
        layout "$layout"
        for i in 1 2; do
            retry nsx "fo-cli$i" ping -6 -c1 -W1 "$(target "$i")" ||
                die "client $i does not reach the server through NAT64 (layout $layout)"
        done
    done
}

# target I: the server's IPv4 address in floating /96 number I
target() {
    python3 -c 'import ipaddress as i, sys
print(i.IPv6Address(int(i.IPv6Network(sys.argv[1]).network_address) | int(i.IPv4Address(sys.argv[2]))))' \
        "$([[ $1 == 1 ]] && echo "$P1" || echo "$P2")" "$SRV4"
}

# measure: both clients at once; appends the sum (Gbit/s) to RES[$LAYOUT]
measure() {
    local i sum
    for i in 1 2; do
        nsx "fo-cli$i" timeout $((DURATION + OMIT + 20)) iperf3 -c "$(target "$i")" -p "520$i" -t "$DURATION" \
            -O "$OMIT" -P "$STREAMS" -J >"$WORK/client$i.json" 2>&1 &
        PIDS+=($!)
    done
    wait "${PIDS[@]: -2}" || true
    sum=0
    for i in 1 2; do
        read -r gbps _rest < <(python3 "$REPO/bench/nat64/iperf_sum.py" <"$WORK/client$i.json") || gbps=nan
        RES[$LAYOUT,$i]="${RES[$LAYOUT,$i]:-} $gbps"
        sum=$(awk -v a="$sum" -v b="$gbps" 'BEGIN { printf "%.3f", a + b }')
    done
    RES[$LAYOUT]="${RES[$LAYOUT]:-} $sum"
    log "$(printf '%-3s gateway(s): %6s Gbit/s (client 1 %s, client 2 %s)' "$LAYOUT" "$sum" \
        "$(awk '{print $NF}' <<<"${RES[$LAYOUT,1]}")" "$(awk '{print $NF}' <<<"${RES[$LAYOUT,2]}")")"
}

median() {
    tr ' ' '\n' <<<"${RES[$1]:-}" | grep -E '^[0-9.]+$' | sort -g |
        awk '{v[NR] = $1} END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
             else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

main() {
    local r layout t0=$SECONDS
    [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, TUN devices)"
    install_packages
    WORK=$(mktemp -d -t fo-scaleout.XXXXXX)
    trap cleanup EXIT INT TERM
    render
    setup
    start
    log "engine $ENGINE, $(nproc) cores, $ROUNDS round(s) of ${DURATION}s, $STREAMS stream(s) per client"
    for ((r = 1; r <= ROUNDS; r++)); do
        for layout in $( ((r % 2)) && echo "two one" || echo "one two"); do
            layout "$layout"
            measure
        done
    done
    printf '\n## NAT64 scale-out, %s, %s cores (%s), kernel %s, engine %s\n\n' "$(date -u +%Y-%m-%d)" "$(nproc)" \
        "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)" "$ENGINE"
    printf 'Two clients at once, %s stream(s) each, %ss per run, %s rounds; median of the sums (all sums).\n\n' \
        "$STREAMS" "$DURATION" "$ROUNDS"
    printf '| layout | aggregate Gbit/s | runs |\n|---|---:|---|\n'
    printf '| one gateway carries both floating /64s | %s | %s |\n' "$(median one)" "${RES[one]# }"
    printf '| two gateways, one floating /64 each | %s | %s |\n' "$(median two)" "${RES[two]# }"
    printf '\nratio two / one: %s\n' "$(awk -v a="$(median two)" -v b="$(median one)" \
        'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')"
    log "done in $((SECONDS - t0)) s"
}

main "$@"
