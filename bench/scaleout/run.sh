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
#   - Each gateway runs what the nat64_gateway role deploys, rendered from the
#     role's templates and filters (render.yml), as bench/nat64 does: the
#     engine (bpf by default, as in the role: the tc-BPF translator the
#     collection ships, make bpf, put in place by the role's build script
#     after a trial load; or TAYGA with the role's tayga.conf) on the
#     gateway's own /96, set up by the role's ipv6ready-nat64-net script with
#     the role's packet policy (nat64-gateway.nft: the allowlist, the
#     masquerade out of the gateway's own IPv4 address, and the map_extra
#     chain that maps both floating /96s onto the gateway's own,
#     nat64_gateway_extra_prefixes).
#   - Client 1 sends to F1's /96, client 2 to F2's, at the same time; the
#     figure is the sum of what the server received. The bytes each gateway
#     sent out of its IPv4 uplink show which gateway carried the traffic.
#
# Usage (as root): bench/scaleout/run.sh      (make bench-scaleout)
#   DURATION=10     seconds per iperf3 run (plus OMIT=1 warm-up second)
#   ROUNDS=3        rounds, each measuring both layouts (in alternating order)
#   STREAMS=1       iperf3 streams per client
#   ENGINE=bpf      the translator (bpf or tayga)
#   SKIP_INSTALL=1  fail instead of apt-get installing missing packages
#
# Needs the repository's virtualenv (make venv; built here when missing) to
# render the templates, and for ENGINE=bpf the shipped translator (make bpf)
# or clang and libbpf-dev. Everything is named fo-* or lives in a temporary
# directory, and is removed on exit, also on failure or Ctrl-C. Traffic stays
# inside these namespaces.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
STREAMS=${STREAMS:-1}
ENGINE=${ENGINE:-bpf}
OMIT=${OMIT:-1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
# REPO, NCPU, log, die, nsx, retry, the namespaces, the role's files, the CPU figures, median, ratio
source "$HERE/../lib.sh"
readonly NAMESPACES="fo-net fo-cli1 fo-cli2 fo-gw1 fo-gw2 fo-srv"
readonly F1=2001:db8:5f1::/64 F2=2001:db8:5f2::/64
readonly P1=2001:db8:5f1:0:64::/96 P2=2001:db8:5f2:0:64::/96
readonly SRV4=198.51.100.2 SRV4_NET=198.51.100.0/24

WORK=""
LAYOUT=""
PIDS=()
MOUNTS=()
declare -A TAYGA_PID=()
declare -A RES=()

# gwx I CMD...: CMD in gateway I's network namespace. It keeps the host's
# mount namespace (unlike `ip netns exec`), so that the bpffs the
# translator's maps are pinned in (one per gateway) stays mounted.
gwx() {
    local i=$1
    shift
    nsenter --net="/run/netns/fo-gw$i" env TC_BPF_MNT="$WORK/gw$i/bpffs" "$@"
}

cleanup() {
    local rc=$? mount
    trap - EXIT INT TERM
    set +e
    stop_processes "${TAYGA_PID[@]}" "${PIDS[@]}"
    # the translators' devices, programs and TUN devices go with the namespaces
    remove_namespaces
    for mount in "${MOUNTS[@]}"; do umount "$mount"; done
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}

install_packages() {
    local -a need=(iperf3=iperf3 iptables=iptables nft=nftables python3=python3 ping=iputils-ping
        nsenter=util-linux ss=iproute2)
    case $ENGINE in
        tayga) need+=(tayga=tayga) ;;
        bpf) need+=(bpftool=bpftool tc=iproute2) ;;
        *) die "ENGINE: $ENGINE is not bpf or tayga" ;;
    esac
    install_missing "${need[@]}"
}

# ------------------------------------------------------- the role's files
render() {
    local how
    render_role_files "$(
        python3 -c 'import json, sys
work, engine, targets, p1, p2 = sys.argv[1:]
print(json.dumps({"bench_work": work, "bench_engine": engine,
                  "bench_fleet": ["2001:db8:5c1::/64", "2001:db8:5c2::/64"],
                  "bench_targets": [targets], "bench_extra_prefixes": [p1, p2],
                  "bench_gateways": [{"name": "gw1", "prefix": "2001:db8:5a1:0:64::/96", "uplink": "u1"},
                                     {"name": "gw2", "prefix": "2001:db8:5a2:0:64::/96", "uplink": "u2"}]}))' \
            "$WORK" "$ENGINE" "$SRV4_NET" "$P1" "$P2"
    )"
    grep -q 'chain map_extra' "$WORK/gw1/nat64-gateway.nft" ||
        die "the rendered packet policy has no map_extra chain (nat64_gateway_extra_prefixes)"
    if [[ $ENGINE == bpf ]]; then
        how=$(bpf_translator "$WORK/nat64_bpf.o") || exit 1
    else
        how="TAYGA $(dpkg-query -W -f '${Version}' tayga 2>/dev/null || echo '?')"
    fi
    log "rendered from the role: per gateway net, nat64-gateway.nft$([[ $ENGINE == tayga ]] && echo ", tayga.conf"); translator: $how"
}

# ---------------------------------------------------------------- topology
setup() {
    local ns i
    # shellcheck disable=SC2086 # the list of names
    add_namespaces $NAMESPACES
    for ns in $NAMESPACES; do
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

# ------------------------------------------------------------ translators
# What the units do: tayga.service (tayga --mktun, the net script's up,
# tayga --nodetach) and ipv6ready-nat64-bpf.service (the net script's up).
gw_up() {
    local i=$1 dir=$WORK/gw$1
    if [[ $ENGINE == tayga ]]; then
        if ! { gwx "$i" tayga --config "$dir/tayga.conf" --mktun && gwx "$i" "$dir/net" up; } >"$dir/up.log" 2>&1; then
            die "gw$i: setting up TAYGA failed: $(cat "$dir/up.log")"
        fi
        # not through gwx: $! must be TAYGA itself (nsenter execs it)
        nsenter --net="/run/netns/fo-gw$i" tayga --config "$dir/tayga.conf" --nodetach >"$dir/tayga.log" 2>&1 &
        TAYGA_PID[$i]=$!
    else
        mkdir -p "$dir/bpffs"
        mount -t bpf bpf "$dir/bpffs"
        MOUNTS+=("$dir/bpffs")
        gwx "$i" "$dir/net" up >"$dir/up.log" 2>&1 ||
            die "gw$i: setting up the bpf translator failed: $(cat "$dir/up.log")"
    fi
}

start() {
    local i port layout
    for i in 1 2; do gw_up "$i"; done
    for port in 5201 5202; do
        nsx fo-srv iperf3 -s -p "$port" >"$WORK/iperf3-$port.log" 2>&1 &
        PIDS+=($!)
    done
    listening fo-srv 5202 || die "iperf3 did not start"
    for layout in two one; do
        layout "$layout"
        for i in 1 2; do
            retry nsx "fo-cli$i" ping -6 -c1 -W1 "$(target "$i")" ||
                die "client $i does not reach the server through NAT64 (layout $layout)"
        done
    done
}

# target I: the server's IPv4 address in floating /96 number I
target() { nat64_address "$([[ $1 == 1 ]] && echo "$P1" || echo "$P2")" "$SRV4"; }

# ------------------------------------------------------------ measurements
# CPU ticks of gateway I's TAYGA process (0 with bpf)
tayga_ticks() { process_ticks "${TAYGA_PID[$1]:-}"; }
# bytes gateway I sent out of its IPv4 uplink: what it translated
uplink_bytes() { nsx "fo-gw$1" cat "/sys/class/net/u$1/statistics/tx_bytes"; }

# measure: both clients at once; appends the sum (Gbit/s) to RES[$LAYOUT],
# and what the machine did meanwhile to RES[<what>,$LAYOUT]
measure() {
    local i sum gbps h0 h1 b1 b2 t1 t2
    local -a clients=() cpu
    h0=$(host_ticks)
    b1=$(uplink_bytes 1) b2=$(uplink_bytes 2) t1=$(tayga_ticks 1) t2=$(tayga_ticks 2)
    for i in 1 2; do
        nsx "fo-cli$i" timeout $((DURATION + OMIT + 20)) iperf3 -c "$(target "$i")" -p "520$i" -t "$DURATION" \
            -O "$OMIT" -P "$STREAMS" -J >"$WORK/client$i.json" 2>&1 &
        clients+=($!)
    done
    PIDS+=("${clients[@]}")
    wait "${clients[@]}" || true
    h1=$(host_ticks)
    b1=$(($(uplink_bytes 1) - b1)) b2=$(($(uplink_bytes 2) - b2))
    t1=$(($(tayga_ticks 1) - t1)) t2=$(($(tayga_ticks 2) - t2))
    sum=0
    for i in 1 2; do
        read -r gbps _ < <(python3 "$REPO/bench/nat64/iperf_sum.py" <"$WORK/client$i.json") || gbps=nan
        RES[$LAYOUT,$i]="${RES[$LAYOUT,$i]:-} $gbps"
        sum=$(awk -v a="$sum" -v b="$gbps" 'BEGIN { printf "%.3f", a + b }')
    done
    RES[$LAYOUT]="${RES[$LAYOUT]:-} $sum"
    # the whole host (% of all cores, other users included), each TAYGA
    # process (% of one core), gateway 2's share of the bytes translated
    cpu=("$(host_busy "$h0" "$h1")" "$(core_share "$t1" "$h0" "$h1")" "$(core_share "$t2" "$h0" "$h1")"
        "$(awk -v b1="$b1" -v b2="$b2" 'BEGIN { printf "%.0f", (b1 + b2) ? 100 * b2 / (b1 + b2) : 0 }')")
    RES[host,$LAYOUT]="${RES[host,$LAYOUT]:-} ${cpu[0]}"
    RES[tayga1,$LAYOUT]="${RES[tayga1,$LAYOUT]:-} ${cpu[1]}"
    RES[tayga2,$LAYOUT]="${RES[tayga2,$LAYOUT]:-} ${cpu[2]}"
    RES[share2,$LAYOUT]="${RES[share2,$LAYOUT]:-} ${cpu[3]}"
    log "$(printf '%-3s gateway(s): %6s Gbit/s (client 1 %s, client 2 %s); gw2 carried %s%%; host busy %s%%' \
        "$LAYOUT" "$sum" "$(awk '{print $NF}' <<<"${RES[$LAYOUT,1]}")" "$(awk '{print $NF}' <<<"${RES[$LAYOUT,2]}")" \
        "${cpu[3]}" "${cpu[0]}")$([[ $ENGINE == tayga ]] && printf '; TAYGA gw1 %s%%, gw2 %s%% of a core' \
        "${cpu[1]}" "${cpu[2]}")"
}

# ----------------------------------------------------------------- report
# the ratio two / one of each round (both layouts measured back to back)
round_ratios() {
    local -a two one
    local r out=""
    read -r -a two <<<"${RES[two]:-}"
    read -r -a one <<<"${RES[one]:-}"
    for ((r = 0; r < ${#two[@]} && r < ${#one[@]}; r++)); do
        out+=" $(ratio "${two[r]}" "${one[r]}" 2)"
    done
    echo "${out# }"
}

print_report() {
    local layout name
    printf '\n## NAT64 scale-out, %s, engine %s\n\n' "$(machine)" "$ENGINE"
    printf 'Two clients at once, %s stream(s) each, %ss per run, %s round(s); Gbit/s and %% are medians over the' \
        "$STREAMS" "$DURATION" "$ROUNDS"
    printf ' rounds (runs: each sum); host busy = all %s cores, other users included; gw2 share = bytes translated' \
        "$NCPU"
    printf ' by gateway 2.\n\n'
    printf '| layout | aggregate Gbit/s | runs | client 1 | client 2 | gw2 share %% | host busy %% |'
    [[ $ENGINE == tayga ]] && printf ' TAYGA gw1, gw2 %% of a core |'
    printf '\n|---|---:|---|---:|---:|---:|---:|'
    [[ $ENGINE == tayga ]] && printf -- '---:|'
    printf '\n'
    for layout in one two; do
        if [[ $layout == one ]]; then name="one gateway carries both floating /64s"; else
            name="two gateways, one floating /64 each"; fi
        printf '| %s | %s | %s | %s | %s | %s | %s |' "$name" "$(median "$layout")" "${RES[$layout]# }" \
            "$(median "$layout,1")" "$(median "$layout,2")" "$(median "share2,$layout")" "$(median "host,$layout")"
        [[ $ENGINE == tayga ]] && printf ' %s, %s |' "$(median "tayga1,$layout")" "$(median "tayga2,$layout")"
        printf '\n'
    done
    printf '\nratio two / one: %s (of the medians); per round: %s\n' \
        "$(ratio "$(median two)" "$(median one)" 2)" "$(round_ratios)"
}

main() {
    local r layout t0=$SECONDS
    need_root
    install_packages
    [[ $ENGINE != tayga || -c /dev/net/tun ]] || die "/dev/net/tun missing"
    WORK=$(mktemp -d -t fo-scaleout.XXXXXX)
    trap cleanup EXIT INT TERM
    render
    setup
    start
    log "engine $ENGINE, $NCPU cores, $ROUNDS round(s) of ${DURATION}s, $STREAMS stream(s) per client"
    for ((r = 1; r <= ROUNDS; r++)); do
        for layout in $( ((r % 2)) && echo "two one" || echo "one two"); do
            layout "$layout"
            measure
        done
    done
    print_report
    log "done in $((SECONDS - t0)) s"
}

main "$@"
