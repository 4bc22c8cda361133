#!/usr/bin/env bash
# NAT64 / DNS64 benchmark for ipv6ready.docker (not part of the tests).
#
# Topology (three network namespaces, veth links at MTU 1500):
#
#   b64-cli  --b64-c0/b64-c1--  b64-gw  --b64-s1/b64-s0--  b64-srv
#   IPv6 only                   router                     IPv4 + IPv6
#                               TAYGA on b64-natN (TUN)    iperf3 -s
#                               unbound (DNS64)            unbound (auth zone)
#
# Measures, in one run:
#   * iperf3 TCP throughput client -> server, 1 and 4 streams, over
#       plain:  kernel IPv6 forwarding through b64-gw (at the start of every
#               round and once more at the end)
#       nat64:  IPv6 -> TAYGA (stateless, dynamic pool) -> IPv4 masquerade
#     for the untuned TAYGA and a series of tuning variants; ratio nat64/plain.
#   * DNS64 latency (median, p99) of synthesized AAAA answers, queried from
#     b64-cli against unbound ("dns64 validator iterator") in b64-gw.
#
# Usage (as root): bench/nat64/run.sh
#   DURATION=10        seconds per iperf3 run (plus OMIT=1 warm-up second)
#   ROUNDS=1           measure everything ROUNDS times, report the median
#   STREAMS="1 4"      parallel-stream counts to measure
#   VARIANTS="..."     NAT64 variants to run (see variant_opts); default
#                      "untuned txqlen tun-mtu gro pin rps multi multi-rps";
#                      also available: pin-rps, all
#   INSTANCES=N        TAYGA instances in the multi variants (default: cores)
#   TXQLEN=10000       tun txqueuelen in the txqlen variant
#   TUN_MTU=9000       tun MTU in the tun-mtu variant
#   DNS_QUERIES=2000   queries per DNS64 latency loop
#   SKIP_INSTALL=1     fail instead of apt-get installing missing packages
#
# Traffic stays inside the namespaces this script creates (documentation
# prefixes 2001:db8::/32, 192.0.2.0/24, 198.51.100.0/24).  Everything is named
# b64-* and removed on exit, also on failure or Ctrl-C.
set -euo pipefail

DURATION=${DURATION:-10}
STREAMS=${STREAMS:-"1 4"}
VARIANTS=${VARIANTS:-"untuned txqlen tun-mtu gro pin rps multi multi-rps"}
INSTANCES=${INSTANCES:-$(nproc)}
TXQLEN=${TXQLEN:-10000}
TUN_MTU=${TUN_MTU:-9000}
DNS_QUERIES=${DNS_QUERIES:-2000}
OMIT=${OMIT:-1}
ROUNDS=${ROUNDS:-1}
SKIP_INSTALL=${SKIP_INSTALL:-0}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NCPU=$(nproc)
readonly HERE NCPU
readonly NS_CLI=b64-cli NS_GW=b64-gw NS_SRV=b64-srv

# Addressing: documentation space only.
readonly CLI6=2001:db8:b64:1::2 GWC6=2001:db8:b64:1::1
readonly SRV6=2001:db8:b64:2::2 GWS6=2001:db8:b64:2::1
readonly SRV4=198.51.100.2 GWS4=198.51.100.1
readonly NAT64_PREFIX=2001:db8:b64:64::/96 # network-specific prefix (RFC 6052)
readonly TAYGA6_BASE=2001:db8:b64:ff::      # TAYGA's own IPv6 addresses
readonly ZONE=b64.test

WORK=""
OWN_NS=()                # namespaces this run created (and will delete)
BG_PIDS=()
TAYGA_PIDS=()
IPERF_SRV_PID=""
FG_PID=""                # the measurement running right now
NAT64_TARGET=""
NAT_INSTANCES=0
PIN=0
declare -A RES=()        # RES[<variant>,<streams>] = "Gbit/s Gbit/s ..." (one per round)
declare -A GRO_DEFAULT=()
readonly GRO_DEVS="$NS_SRV:b64-s0 $NS_GW:b64-s1 $NS_GW:b64-c1 $NS_CLI:b64-c0"

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

# fg_run OUTFILE CMD...: run CMD with stdout to OUTFILE.  It runs in the
# background and is waited for, so that Ctrl-C/TERM reach the trap at once
# instead of after the measurement.
fg_run() {
    local out=$1 rc=0
    shift
    "$@" >"$out" &
    FG_PID=$!
    wait "$FG_PID" || rc=$?
    FG_PID=""
    return "$rc"
}

# Wait up to ~5 s for a command to succeed.
retry() {
    local _
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

cleanup() {
    local rc=$? pid ns dev
    trap - EXIT INT TERM
    set +e
    for pid in $FG_PID "${TAYGA_PIDS[@]}" "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in $FG_PID "${TAYGA_PIDS[@]}" "${BG_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    for ns in "${OWN_NS[@]}"; do
        ns_exists "$ns" || continue
        # whatever still runs inside our own namespaces was started by us
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill "$pid" 2>/dev/null
        done
    done
    if [[ " ${OWN_NS[*]} " == *" $NS_GW "* ]] && ns_exists "$NS_GW"; then
        sleep 0.2
        # persistent tun devices (tayga --mktun) are deleted explicitly
        for dev in $(nsx "$NS_GW" ip -o link show 2>/dev/null |
            awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep '^b64-nat'); do
            nsx "$NS_GW" ip link del "$dev" 2>/dev/null
        done
    fi
    for ns in "${OWN_NS[@]}"; do
        ns_exists "$ns" && ip netns del "$ns"
    done
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, TUN devices)"
}

install_packages() {
    local -A need=([tayga]=tayga [iperf3]=iperf3 [unbound]=unbound [dig]=dnsutils
        [ethtool]=ethtool [nft]=nftables [taskset]=util-linux [python3]=python3
        [ping]=iputils-ping)
    local cmd missing=()
    for cmd in "${!need[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
    done
    ((${#missing[@]})) || return 0
    [[ $SKIP_INSTALL == 1 ]] && die "missing packages: ${missing[*]}"
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    for cmd in "${!need[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after install"
    done
}

# ---------------------------------------------------------------- topology
setup_topology() {
    local ns
    for ns in "$NS_CLI" "$NS_GW" "$NS_SRV"; do
        ns_exists "$ns" && die "namespace $ns exists (another run?); remove it: ip netns del $ns"
    done
    for ns in "$NS_CLI" "$NS_GW" "$NS_SRV"; do
        ip netns add "$ns"
        OWN_NS+=("$ns")
        nsx "$ns" ip link set lo up
    done
    ip link add b64-c0 netns "$NS_CLI" mtu 1500 type veth peer name b64-c1 netns "$NS_GW" mtu 1500
    ip link add b64-s0 netns "$NS_SRV" mtu 1500 type veth peer name b64-s1 netns "$NS_GW" mtu 1500

    nsx "$NS_CLI" ip addr add "$CLI6/64" dev b64-c0 nodad
    nsx "$NS_CLI" ip link set b64-c0 up
    nsx "$NS_CLI" ip -6 route add default via "$GWC6"

    nsx "$NS_GW" ip addr add "$GWC6/64" dev b64-c1 nodad
    nsx "$NS_GW" ip addr add "$GWS6/64" dev b64-s1 nodad
    nsx "$NS_GW" ip addr add "$GWS4/24" dev b64-s1
    nsx "$NS_GW" ip link set b64-c1 up
    nsx "$NS_GW" ip link set b64-s1 up
    nsx "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1

    nsx "$NS_SRV" ip addr add "$SRV6/64" dev b64-s0 nodad
    nsx "$NS_SRV" ip addr add "$SRV4/24" dev b64-s0
    nsx "$NS_SRV" ip link set b64-s0 up
    nsx "$NS_SRV" ip -6 route add default via "$GWS6"

    # The stateful half of the NAT64: masquerade TAYGA's IPv4 pool(s) out of
    # the IPv4 side, as on a real gateway.
    nsx "$NS_GW" nft -f - <<EOF
table ip b64nat {
    chain post {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "b64-s1" ip saddr 192.0.2.0/24 masquerade
    }
}
EOF
    retry nsx "$NS_CLI" ping -6 -c1 -W1 "$SRV6" || die "plain IPv6 path broken"
    retry nsx "$NS_GW" ping -4 -c1 -W1 "$SRV4" || die "IPv4 side broken"
}

# ------------------------------------------------------------------ DNS64
# An authoritative unbound in b64-srv serves the test zone (no internet here);
# the DNS64 unbound in b64-gw reaches it over IPv4 through a stub-zone, as it
# would reach the real authoritative servers.  ("local-data" would not do:
# unbound answers it before the dns64 module runs, so nothing is synthesized.)
start_dns() {
    mkdir -p "$WORK/auth" "$WORK/dns64"
    cat >"$WORK/auth/$ZONE.zone" <<EOF
\$ORIGIN $ZONE.
\$TTL 300
@       SOA ns hostmaster 1 3600 600 86400 60
@       NS  ns
ns      A   $SRV4
iperf   A   $SRV4
dual    A   $SRV4
dual    AAAA $SRV6
*       A   $SRV4
EOF
    { unbound_server "$WORK/auth"; cat <<EOF
    interface: $SRV4
    do-ip6: no
    access-control: 198.51.100.0/24 allow
    local-zone: "test." nodefault
auth-zone:
    name: "$ZONE."
    zonefile: "$WORK/auth/$ZONE.zone"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
remote-control:
    control-enable: no
EOF
    } >"$WORK/auth/unbound.conf"
    { unbound_server "$WORK/dns64"; cat <<EOF
    interface: $GWC6
    do-ip4: yes
    do-ip6: yes
    access-control: 2001:db8:b64:1::/64 allow
    module-config: "dns64 validator iterator"
    dns64-prefix: $NAT64_PREFIX
    local-zone: "test." nodefault
    domain-insecure: "$ZONE."
stub-zone:
    name: "$ZONE."
    stub-addr: $SRV4
remote-control:
    control-enable: no
EOF
    } >"$WORK/dns64/unbound.conf"
    unbound-checkconf "$WORK/auth/unbound.conf" >/dev/null
    unbound-checkconf "$WORK/dns64/unbound.conf" >/dev/null
    nsx "$NS_SRV" unbound -d -c "$WORK/auth/unbound.conf" >"$WORK/auth/log" 2>&1 &
    BG_PIDS+=($!)
    nsx "$NS_GW" unbound -d -c "$WORK/dns64/unbound.conf" >"$WORK/dns64/log" 2>&1 &
    BG_PIDS+=($!)
    retry dns_answers "ns.$ZONE" A ||
        die "DNS64 unbound does not answer; logs: $(cat "$WORK"/auth/log "$WORK"/dns64/log)"
}

# The server: lines every unbound instance here starts with: in the
# foreground as the calling user, from the directory $1, logging to stderr.
unbound_server() {
    cat <<EOF
server:
    directory: "$1"
    username: ""
    chroot: ""
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 0
    num-threads: 1
EOF
}

dns_answers() { [[ -n $(nsx "$NS_CLI" dig +time=1 +tries=1 +short "@$GWC6" "$1" "$2") ]]; }

# Does DNS64 really synthesize?  A-only name -> AAAA inside the prefix; a
# name with a real AAAA -> that AAAA, unchanged.
check_dns64() {
    local synth real expect
    synth=$(nsx "$NS_CLI" dig +short "@$GWC6" "iperf.$ZONE" AAAA)
    real=$(nsx "$NS_CLI" dig +short "@$GWC6" "dual.$ZONE" AAAA)
    expect=$(python3 -c 'import ipaddress as i, sys
n = i.IPv6Network(sys.argv[1]); v4 = i.IPv4Address(sys.argv[2])
print(i.IPv6Address(int(n.network_address) | int(v4)))' "$NAT64_PREFIX" "$SRV4")
    [[ $synth == "$expect" ]] ||
        die "DNS64 did not synthesize: iperf.$ZONE AAAA -> '$synth', want $expect"
    [[ $real == "$SRV6" ]] || die "real AAAA not passed through: dual.$ZONE -> '$real'"
    log "DNS64 ok: iperf.$ZONE (A only) -> $synth; dual.$ZONE (real AAAA) -> $real"
    # the NAT64 iperf3 runs connect to the synthesized address
    NAT64_TARGET=$synth
}

dns_bench() {
    local mode out
    local -a sel
    for mode in warm cold; do
        if [[ $mode == warm ]]; then sel=(--name "iperf.$ZONE"); else sel=(--unique "$ZONE"); fi
        fg_run "$WORK/dns-$mode.json" nsx "$NS_CLI" python3 "$HERE/dns64_latency.py" \
            --server "$GWC6" --prefix "$NAT64_PREFIX" "${sel[@]}" \
            --count "$DNS_QUERIES" --timeout 1 --deadline 60 --label "$mode" ||
            die "DNS64 latency loop ($mode) failed: $(cat "$WORK/dns-$mode.json")"
        out=$(cat "$WORK/dns-$mode.json")
        RES[dns,$mode]=$out
        log "dns64 $mode: $out"
    done
}

# ------------------------------------------------------------------ NAT64
# variant_opts VARIANT -> "instances txqlen tun_mtu gro pin rps"
#   instances  TAYGA processes, each with its own tun device and IPv4 pool;
#              connections are spread round-robin over them
#   txqlen     tun txqueuelen (kernel default for tun: 500)
#   tun_mtu    MTU of the tun device(s) only; the veth links stay at 1500
#   gro        GRO on the receiving veth ends (kernel default: off)
#   pin        1: taskset TAYGA instance i on core i;  2: also iperf3
#              (client and server) on the cores without TAYGA
#   rps        RPS on the tun device: the kernel work behind TAYGA's write()
#              (IPv4 forwarding, masquerade, veth, the receiving TCP stack)
#              runs on the other cores instead of inside TAYGA's system call
variant_opts() {
    case $1 in
        untuned) echo "1 500 1500 off 0 0" ;;
        txqlen) echo "1 $TXQLEN 1500 off 0 0" ;;
        tun-mtu) echo "1 500 $TUN_MTU off 0 0" ;;
        gro) echo "1 500 1500 on 0 0" ;;
        pin) echo "1 500 1500 off 2 0" ;;
        rps) echo "1 500 1500 off 1 1" ;;
        pin-rps) echo "1 500 1500 off 2 1" ;;
        multi) echo "$INSTANCES 500 1500 off 1 0" ;;
        multi-rps) echo "$INSTANCES 500 1500 off 1 1" ;;
        all) echo "$INSTANCES $TXQLEN $TUN_MTU on 1 1" ;;
        *) die "unknown variant $1" ;;
    esac
}

# hex mask of all cores except core $1, for rps_cpus (up to 32 cores)
mask_without() {
    printf '%x' $((((1 << NCPU) - 1) & ~(1 << $1)))
}

tayga_conf() {
    local i=$1
    cat <<EOF
tun-device b64-nat$i
ipv4-addr 192.0.2.$((1 + i))
ipv6-addr $TAYGA6_BASE$((1 + i))
prefix $NAT64_PREFIX
dynamic-pool 192.0.2.$((128 + 32 * i))/27
data-dir $WORK/tayga$i
EOF
}

nat64_up() {
    local n=$1 txq=$2 mtu=$3 gro=$4 pin=$5 rps=$6 i dev conf cpu
    NAT_INSTANCES=$n
    PIN=$pin
    for ((i = 0; i < n; i++)); do
        dev=b64-nat$i
        cpu=$((i % NCPU))
        mkdir -p "$WORK/tayga$i"
        conf=$WORK/tayga$i/tayga.conf
        tayga_conf "$i" >"$conf"
        nsx "$NS_GW" tayga --mktun -c "$conf" >/dev/null
        nsx "$NS_GW" ip link set "$dev" mtu "$mtu" txqueuelen "$txq" up
        nsx "$NS_GW" ip route add "192.0.2.$((128 + 32 * i))/27" dev "$dev"
        nsx "$NS_GW" ip route add "192.0.2.$((1 + i))/32" dev "$dev"
        if ((n > 1)); then
            nsx "$NS_GW" ip -6 route add "$NAT64_PREFIX" dev "$dev" table $((100 + i))
            nsx "$NS_GW" ip -6 rule add fwmark $((1 + i)) lookup $((100 + i)) pref $((1000 + i))
        fi
        if ((rps && NCPU > 1)); then
            # ip netns exec mounts the namespace's own /sys
            # shellcheck disable=SC2016 # expanded by the inner bash
            nsx "$NS_GW" bash -c 'echo "$1" >"/sys/class/net/$2/queues/rx-0/rps_cpus"' _ \
                "$(mask_without "$cpu")" "$dev"
        fi
        local -a pinning=()
        ((pin)) && pinning=(taskset -c "$cpu")
        "${pinning[@]}" ip netns exec "$NS_GW" tayga -n -c "$conf" >"$WORK/tayga$i/log" 2>&1 &
        TAYGA_PIDS+=($!)
    done
    nsx "$NS_GW" ip -6 route add "$NAT64_PREFIX" dev b64-nat0
    if ((n > 1)); then
        # Spread connections round-robin over the instances: the first packet
        # of a connection picks one (fwmark -> routing table -> its tun), and
        # conntrack keeps the choice for the rest of the connection.  The way
        # back needs nothing: each instance has its own IPv4 pool.
        nsx "$NS_GW" nft -f - <<EOF
table ip6 b64rr {
    chain pre {
        type filter hook prerouting priority mangle; policy accept;
        ip6 daddr $NAT64_PREFIX ct state new ct mark set numgen inc mod $n offset 1
        ip6 daddr $NAT64_PREFIX meta mark set ct mark
    }
}
EOF
    fi
    [[ $gro == on ]] && set_gro on
    if ((pin == 2)) && [[ -n $IPERF_SRV_PID ]]; then
        taskset -a -p -c "$(iperf_cpus)" "$IPERF_SRV_PID" >/dev/null
    fi
    retry nsx "$NS_CLI" ping -6 -c1 -W1 "$NAT64_TARGET" ||
        die "NAT64 path does not answer ping; tayga log: $(cat "$WORK"/tayga*/log)"
}

nat64_down() {
    local i pid
    for pid in "${TAYGA_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    TAYGA_PIDS=()
    nsx "$NS_GW" nft delete table ip6 b64rr 2>/dev/null || true
    for ((i = 0; i < NAT_INSTANCES; i++)); do
        nsx "$NS_GW" ip -6 rule del pref $((1000 + i)) 2>/dev/null || true
        nsx "$NS_GW" ip -6 route flush table $((100 + i)) 2>/dev/null || true
        nsx "$NS_GW" ip link del "b64-nat$i" # takes its routes along
        rm -rf "$WORK/tayga$i"
    done
    set_gro default
    if [[ -n $IPERF_SRV_PID ]]; then
        taskset -a -p -c "0-$((NCPU - 1))" "$IPERF_SRV_PID" >/dev/null
    fi
    NAT_INSTANCES=0
    PIN=0
}

# Cores for iperf3 when pinned: those without a TAYGA instance, or all of
# them when every core has one.
iperf_cpus() {
    if ((NAT_INSTANCES < NCPU)); then
        echo "$NAT_INSTANCES-$((NCPU - 1))"
    else
        echo "0-$((NCPU - 1))"
    fi
}

# set_gro on|default: GRO on the receiving veth ends, so that a receiver can
# coalesce the 1500-byte packets TAYGA emits one at a time.
set_gro() {
    local entry ns dev want
    for entry in $GRO_DEVS; do
        ns=${entry%%:*} dev=${entry#*:}
        if [[ -z ${GRO_DEFAULT[$dev]:-} ]]; then
            GRO_DEFAULT[$dev]=$(nsx "$ns" ethtool -k "$dev" |
                awk '/^generic-receive-offload:/ {print $2}')
        fi
        want=$1
        [[ $want == default ]] && want=${GRO_DEFAULT[$dev]}
        nsx "$ns" ethtool -K "$dev" gro "$want" >/dev/null 2>&1 || true
    done
}

# ----------------------------------------------------------------- iperf3
start_iperf_server() {
    nsx "$NS_SRV" iperf3 -s -p 5201 >"$WORK/iperf3-server.log" 2>&1 &
    IPERF_SRV_PID=$!
    BG_PIDS+=("$IPERF_SRV_PID")
    retry bash -c "ip netns exec $NS_SRV ss -Hltn 'sport = :5201' | grep -q ." ||
        die "iperf3 server did not start"
}

# measure KEY TARGET STREAMS: one iperf3 run; appends Gbit/s to RES[KEY,STREAMS]
measure() {
    local key=$1 target=$2 streams=$3 json out t_ticks0 h0 t_ticks h tayga_pct host_pct
    local -a pinning=() f
    ((PIN == 2)) && pinning=(taskset -c "$(iperf_cpus)")
    t_ticks0=$(tayga_ticks)
    h0=$(host_ticks)
    fg_run "$WORK/iperf3.json" "${pinning[@]}" ip netns exec "$NS_CLI" \
        timeout $((DURATION + OMIT + 20)) \
        iperf3 -c "$target" -p 5201 -t "$DURATION" -O "$OMIT" -P "$streams" -J || true
    json=$(cat "$WORK/iperf3.json")
    t_ticks=$(($(tayga_ticks) - t_ticks0))
    h=$(host_ticks)
    out=$(python3 "$HERE/iperf_sum.py" <<<"$json") || log "iperf3 $key x$streams failed"
    read -r -a f <<<"${out:-nan 0 -}"
    RES[$key,$streams]="${RES[$key,$streams]:-} ${f[0]}"
    # CPU use while the run lasted: TAYGA (sum over instances, % of one
    # core) and the whole host (% of all cores, other users included)
    read -r tayga_pct host_pct < <(awk -v t="$t_ticks" -v h0="$h0" -v h1="$h" -v n="$NCPU" '
        BEGIN { split(h0, a, ","); split(h1, b, ","); total = b[1] - a[1]; busy = b[2] - a[2]
                if (total <= 0) total = 1
                printf "%.0f %.0f\n", 100 * t * n / total, 100 * busy / total }')
    if ((${#TAYGA_PIDS[@]})); then
        RES[cpu,$key,$streams]="${RES[cpu,$key,$streams]:-} $tayga_pct"
    fi
    RES[host,$key,$streams]="${RES[host,$key,$streams]:-} $host_pct"
    log "$(printf '%-10s %s stream(s): %6s Gbit/s  retrans %-6s tayga %3s%%  host busy %3s%%  per stream %s' \
        "$key" "$streams" "${f[0]}" "${f[1]}" "$tayga_pct" "$host_pct" "${f[2]}")"
}

# CPU ticks (utime + stime) of the running TAYGA processes
tayga_ticks() {
    local pid sum=0 stat
    local -a fields
    for pid in "${TAYGA_PIDS[@]}"; do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        read -r -a fields <<<"${stat##*) }"
        sum=$((sum + fields[11] + fields[12]))
    done
    echo "$sum"
}

# "total,busy" ticks of all cores from /proc/stat
host_ticks() {
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t "," t - $5 - $6 }' /proc/stat
}

# ----------------------------------------------------------------- report
# median / min-max of the numbers in RES[$1] ("n/a" if none)
median() {
    tr ' ' '\n' <<<"${RES[$1]:-}" | grep -E '^[0-9.]+$' | sort -g |
        awk '{v[NR] = $1} END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
             else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() {
    tr ' ' '\n' <<<"${RES[$1]:-}" | grep -E '^[0-9.]+$' | sort -g |
        awk '{v[NR] = $1} END { if (NR > 1) printf " (%.2f-%.2f)", v[1], v[NR] }'
}
fmt() { awk -v a="$1" 'BEGIN { if (a == a + 0) printf "%.2f", a; else print "n/a" }'; }
ratio() {
    awk -v a="$1" -v b="$2" \
        'BEGIN { if (a == a + 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }'
}

print_report() {
    local s v row cpu
    printf '\n## NAT64 benchmark, %s, %s cores (%s), kernel %s\n\n' \
        "$(date -u +%Y-%m-%d)" "$NCPU" \
        "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)"
    printf 'DURATION=%ss per iperf3 run, ROUNDS=%s; Gbit/s = median over the runs' "$DURATION" "$ROUNDS"
    printf ' (min-max); ratio = nat64 / plain; x untuned = variant / untuned;'
    printf ' TAYGA CPU = all instances, %% of one core.\n\n'
    printf '| variant | inst txqlen tun-mtu gro pin rps |'
    for s in $STREAMS; do printf ' %s str Gbit/s | ratio | x untuned |' "$s"; done
    printf ' TAYGA CPU %% (%s str) |\n|---|---|' "${STREAMS// //}"
    for s in $STREAMS; do printf -- '---:|---:|---:|'; done
    printf -- '---:|\n| plain IPv6 forwarding | kernel |'
    for s in $STREAMS; do printf ' %s%s | 1 | |' "$(fmt "$(median "plain,$s")")" "$(spread "plain,$s")"; done
    printf ' |\n'
    for v in $VARIANTS; do
        row="| nat64 $v | $(variant_opts "$v") |"
        for s in $STREAMS; do
            row+=" $(fmt "$(median "$v,$s")")$(spread "$v,$s") |"
            row+=" $(ratio "$(median "$v,$s")" "$(median "plain,$s")") |"
            row+=" $(ratio "$(median "$v,$s")" "$(median "untuned,$s")") |"
        done
        cpu=""
        for s in $STREAMS; do cpu+="${cpu:+/}$(median "cpu,$v,$s")"; done
        printf '%s %s |\n' "$row" "$cpu"
    done
    printf '\n| DNS64 (unbound, synthesized AAAA) | answered | median ms | p99 ms |\n'
    printf '|---|---:|---:|---:|\n'
    for s in warm cold; do
        python3 "$HERE/dns64_latency.py" --table-row "${RES[dns,$s]:-}"
    done
}

main() {
    local s v r order t0=$SECONDS
    need_root
    install_packages
    [[ -c /dev/net/tun ]] || die "/dev/net/tun missing"
    [[ $INSTANCES =~ ^[1-4]$ ]] || die "INSTANCES must be 1..4 (192.0.2.128/25 is split into /27 pools)"
    for v in $VARIANTS; do variant_opts "$v" >/dev/null; done
    WORK=$(mktemp -d -t b64-nat64.XXXXXX)
    trap cleanup EXIT INT TERM

    log "topology: $NS_CLI - $NS_GW - $NS_SRV, NAT64 prefix $NAT64_PREFIX, $NCPU cores"
    setup_topology
    start_dns
    check_dns64
    dns_bench
    start_iperf_server

    for ((r = 1; r <= ROUNDS; r++)); do
        # plain forwarding opens every round (and closes the last one);
        # every other round runs the variants in reverse order, so that a
        # trend in the machine's load does not favour one end of the list
        order=$VARIANTS
        ((r % 2)) || order=$(tr ' ' '\n' <<<"$VARIANTS" | tac | tr '\n' ' ')
        log "round $r/$ROUNDS"
        for s in $STREAMS; do measure plain "$SRV6" "$s"; done
        for v in $order; do
            log "nat64 variant $v: $(variant_opts "$v")"
            # shellcheck disable=SC2046 # word splitting intended
            nat64_up $(variant_opts "$v")
            for s in $STREAMS; do measure "$v" "$NAT64_TARGET" "$s"; done
            nat64_down
        done
    done
    for s in $STREAMS; do measure plain "$SRV6" "$s"; done

    print_report
    log "done in $((SECONDS - t0)) s"
}

main "$@"
