#!/usr/bin/env bash
# NAT64 / DNS64 benchmark for ipv6ready.docker (not part of the tests).
#
# Topology (three network namespaces, veth links at MTU 1500):
#
#   b64-cli  --b64-c0/b64-c1--  b64-gw  --b64-s1/b64-s0--  b64-srv
#   IPv6 only                   router                     IPv4 + IPv6
#                               translator (nat64 device)  iperf3 -s
#                               unbound (DNS64)            unbound (auth zone)
#
# The gateway runs what the nat64_gateway and dns64 roles deploy, rendered
# from the roles' own templates and files (render.yml): TAYGA with the role's
# tayga.conf, the tc-BPF translator the collection ships (make bpf), put in
# place by the role's build script after a trial load, each set up by the
# role's ipv6ready-nat64-net script (device, routes) with the role's packet
# policy (nat64-gateway.nft: allowlist, invalid packets, masquerade, IPv4
# destination policy), and unbound with the dns64 role's configuration.
#
# Measures, in one run:
#   * iperf3 TCP throughput client -> server, 1 and 4 streams, over
#       plain:  kernel IPv6 forwarding through b64-gw (at the start of every
#               round and once more at the end)
#       tayga:  IPv6 -> TAYGA (TUN, dynamic pool) -> IPv4 masquerade
#       bpf:    IPv6 -> tc-BPF translator (veth egress) -> IPv4 masquerade
#     and each engine's ratio to plain forwarding;
#   * packets per second of small UDP datagrams (iperf3 -u -l 64 -b 0, what
#     the server received), over the same three paths, and the ratios;
#   * a fault run (bpf): malformed packets (wrong checksums, cut TCP headers,
#     a routing header, an unknown ICMPv6 type; flood.py) for FAULT seconds
#     while one TCP stream flows: the stream's throughput, and every flood
#     packet accounted for by a drop counter (the packet policy's, the
#     translator's, the links').
#   * DNS64 latency (median, p99) of synthesized AAAA answers, queried from
#     b64-cli against the DNS64 unbound in b64-gw.
#
# Usage (as root): bench/nat64/run.sh        (make bench-nat64)
#   DURATION=10        seconds per iperf3 run (plus OMIT=1 warm-up second)
#   ROUNDS=1           measure everything ROUNDS times, report the median
#   STREAMS="1 4"      parallel-stream counts to measure
#   ENGINES="tayga bpf"  the translators to measure
#   PPS=1              measure packets per second (0: skip)
#   FAULT=5            seconds of the fault run's flood (0: skip; needs bpf)
#   DNS_QUERIES=2000   queries per DNS64 latency loop (0: skip)
#   SKIP_INSTALL=1     fail instead of apt-get installing missing packages
#
# Needs the repository's virtualenv (make venv; built here when missing) to
# render the templates. Traffic stays inside the namespaces this script
# creates (documentation prefixes 2001:db8::/32, 198.51.100.0/24). Everything
# is named b64-* or lives in a temporary directory, and is removed on exit,
# also on failure or Ctrl-C.
set -euo pipefail

DURATION=${DURATION:-10}
STREAMS=${STREAMS:-"1 4"}
ENGINES=${ENGINES:-"tayga bpf"}
PPS=${PPS:-1}
FAULT=${FAULT:-5}
DNS_QUERIES=${DNS_QUERIES:-2000}
OMIT=${OMIT:-1}
ROUNDS=${ROUNDS:-1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
# REPO, NCPU, log, die, nsx, retry, the namespaces, the roles' files, the CPU figures, median, ratio
source "$HERE/../lib.sh"
readonly NS_CLI=b64-cli NS_GW=b64-gw NS_SRV=b64-srv

# Addressing: documentation space only.
readonly CLI6=2001:db8:b64:1::2 GWC6=2001:db8:b64:1::1 FLEET=2001:db8:b64:1::/64
readonly FLOOD6=2001:db8:b64:1::3 # the fault run's malformed packets come from here
readonly SRV6=2001:db8:b64:2::2 GWS6=2001:db8:b64:2::1
readonly SRV4=198.51.100.2 GWS4=198.51.100.1 SRV4_NET=198.51.100.0/24
readonly NAT64_PREFIX=2001:db8:b64:64::/96 # network-specific prefix (RFC 6052)
readonly ZONE=b64.test

WORK=""
BG_PIDS=()
TAYGA_PID=""
IPERF_SRV_PID=""
FG_PID=""                # the measurement running right now
NAT64_TARGET=""
ENGINE=""                # the translator set up right now
BPF_MOUNTED=0
declare -A RES=()        # RES[<path>,<streams>] = "Gbit/s Gbit/s ..." (one per round)

# The gateway namespace keeps the host's mount namespace (unlike `ip netns
# exec`), so the bpffs the translator's maps are pinned in stays mounted
# between its `up`, `stats` and `down`.
gwx() { nsenter --net="/run/netns/$NS_GW" env TC_BPF_MNT="$WORK/bpffs" "$@"; }

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

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    stop_processes ${FG_PID:+"$FG_PID"} ${TAYGA_PID:+"$TAYGA_PID"} "${BG_PIDS[@]}"
    [[ -n $ENGINE ]] && engine_down
    remove_namespaces
    ((BPF_MOUNTED)) && umount "$WORK/bpffs"
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}

install_packages() {
    install_missing tayga=tayga iperf3=iperf3 unbound=unbound dig=dnsutils iptables=iptables nft=nftables \
        python3=python3 ping=iputils-ping bpftool=bpftool tc=iproute2 nsenter=util-linux ss=iproute2
}

# ------------------------------------------------------ the roles' files
render() {
    local how
    mkdir -p "$WORK/tayga"
    render_role_files "$(python3 -c 'import json, sys
print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]), bench_targets=[sys.argv[-1]])))' \
        bench_work "$WORK" bench_prefix "$NAT64_PREFIX" bench_fleet "$FLEET" \
        bench_dns_address "$GWC6" bench_zone "$ZONE" bench_zone_server "$SRV4" "$SRV4_NET")"
    how=$(bpf_translator "$WORK/nat64_bpf.o") || exit 1
    mkdir -p "$WORK/bpffs"
    mount -t bpf bpf "$WORK/bpffs"
    BPF_MOUNTED=1
    log "rendered from the roles: tayga.conf, net-* and nat64-gateway-*.nft per engine, dns64.conf; translator: $how"
}

# ---------------------------------------------------------------- topology
setup_topology() {
    add_namespaces "$NS_CLI" "$NS_GW" "$NS_SRV"
    ip link add b64-c0 netns "$NS_CLI" mtu 1500 type veth peer name b64-c1 netns "$NS_GW" mtu 1500
    ip link add b64-s0 netns "$NS_SRV" mtu 1500 type veth peer name b64-s1 netns "$NS_GW" mtu 1500

    nsx "$NS_CLI" ip addr add "$CLI6/64" dev b64-c0 nodad
    nsx "$NS_CLI" ip addr add "$FLOOD6/64" dev b64-c0 nodad
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

    retry nsx "$NS_CLI" ping -6 -c1 -W1 "$SRV6" || die "plain IPv6 path broken"
    retry nsx "$NS_GW" ping -4 -c1 -W1 "$SRV4" || die "IPv4 side broken"
}

# ------------------------------------------------------------------ DNS64
# An authoritative unbound in b64-srv serves the test zone (no internet here);
# the DNS64 unbound in b64-gw runs the dns64 role's configuration and reaches
# it over IPv4 through the role's stub-zone, as it would reach the real
# authoritative servers.
start_dns() {
    mkdir -p "$WORK/auth"
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
    # The role's file is a conf.d snippet; the lines before it only let
    # unbound run in the foreground from the scratch directory.
    { unbound_server "$WORK"; echo "include: \"$WORK/dns64.conf\""; } >"$WORK/unbound-dns64.conf"
    unbound-checkconf "$WORK/auth/unbound.conf" >/dev/null
    unbound-checkconf "$WORK/unbound-dns64.conf" >/dev/null
    nsx "$NS_SRV" unbound -d -c "$WORK/auth/unbound.conf" >"$WORK/auth/log" 2>&1 &
    BG_PIDS+=($!)
    nsx "$NS_GW" unbound -d -c "$WORK/unbound-dns64.conf" >"$WORK/dns64.log" 2>&1 &
    BG_PIDS+=($!)
    retry dns_answers "ns.$ZONE" A ||
        die "DNS64 unbound does not answer; logs: $(cat "$WORK"/auth/log "$WORK"/dns64.log)"
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
    expect=$(nat64_address "$NAT64_PREFIX" "$SRV4")
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

# ------------------------------------------------------------ translators
# What the units do: tayga.service (tayga --mktun, the net script's up,
# tayga --nodetach; down and --rmtun on stop) and ipv6ready-nat64-bpf.service
# (the net script's up; down on stop).
engine_up() {
    ENGINE=$1
    case $ENGINE in
        tayga)
            if ! { gwx tayga --config "$WORK/tayga.conf" --mktun && gwx "$WORK/net-tayga" up; } \
                >"$WORK/up.log" 2>&1; then
                die "setting up TAYGA failed: $(cat "$WORK/up.log")"
            fi
            # not through gwx: $! must be TAYGA itself (nsenter execs it)
            nsenter --net="/run/netns/$NS_GW" tayga --config "$WORK/tayga.conf" --nodetach \
                >"$WORK/tayga.log" 2>&1 &
            TAYGA_PID=$!
            ;;
        bpf)
            gwx "$WORK/net-bpf" up >"$WORK/up.log" 2>&1 ||
                die "setting up the bpf translator failed: $(cat "$WORK/up.log")"
            ;;
        *) die "unknown engine $ENGINE" ;;
    esac
    retry nsx "$NS_CLI" ping -6 -c1 -W1 "$NAT64_TARGET" ||
        die "the $ENGINE path does not answer ping"
}

engine_down() {
    case $ENGINE in
        tayga)
            if [[ -n $TAYGA_PID ]]; then
                kill "$TAYGA_PID" 2>/dev/null || true
                wait "$TAYGA_PID" 2>/dev/null || true
                TAYGA_PID=""
            fi
            gwx "$WORK/net-tayga" down
            gwx tayga --config "$WORK/tayga.conf" --rmtun >/dev/null 2>&1 || true
            ;;
        bpf)
            gwx "$WORK/net-bpf" stats >"$WORK/bpf-stats.txt" 2>&1 || true
            gwx "$WORK/net-bpf" down
            gwx "$WORK/net-bpf" forget
            ;;
    esac
    ENGINE=""
}

# ----------------------------------------------------------------- iperf3
start_iperf_server() {
    nsx "$NS_SRV" iperf3 -s -p 5201 >"$WORK/iperf3-server.log" 2>&1 &
    IPERF_SRV_PID=$!
    BG_PIDS+=("$IPERF_SRV_PID")
    listening "$NS_SRV" 5201 || die "iperf3 server did not start"
}

# measure KEY TARGET STREAMS: one iperf3 run; appends Gbit/s to RES[KEY,STREAMS]
measure() {
    local key=$1 target=$2 streams=$3 json out t0 h0 t1 h tayga_pct host_pct
    local -a f
    t0=$(tayga_ticks)
    h0=$(host_ticks)
    fg_run "$WORK/iperf3.json" ip netns exec "$NS_CLI" \
        timeout $((DURATION + OMIT + 20)) \
        iperf3 -c "$target" -p 5201 -t "$DURATION" -O "$OMIT" -P "$streams" -J || true
    json=$(cat "$WORK/iperf3.json")
    t1=$(($(tayga_ticks) - t0))
    h=$(host_ticks)
    out=$(python3 "$HERE/iperf_sum.py" <<<"$json") || log "iperf3 $key x$streams failed"
    read -r -a f <<<"${out:-nan 0 -}"
    RES[$key,$streams]="${RES[$key,$streams]:-} ${f[0]}"
    # CPU use while the run lasted: TAYGA's process (% of one core) and the
    # whole host (% of all cores, other users included)
    tayga_pct=$(core_share "$t1" "$h0" "$h")
    host_pct=$(host_busy "$h0" "$h")
    RES[host,$key,$streams]="${RES[host,$key,$streams]:-} $host_pct"
    log "$(printf '%-6s %s stream(s): %6s Gbit/s  retrans %-6s tayga %3s%%  host busy %3s%%  per stream %s' \
        "$key" "$streams" "${f[0]}" "${f[1]}" "$tayga_pct" "$host_pct" "${f[2]}")"
}

# measure_pps KEY TARGET: small UDP datagrams (64 bytes of payload) as fast
# as iperf3 sends them; appends the packets per second the server received
# to RES[KEY,pps]
measure_pps() {
    local key=$1 target=$2 out
    local -a f
    fg_run "$WORK/iperf3-udp.json" ip netns exec "$NS_CLI" \
        timeout $((DURATION + OMIT + 20)) \
        iperf3 -c "$target" -p 5201 -u -b 0 -l 64 -t "$DURATION" -O "$OMIT" -J || true
    out=$(python3 "$HERE/iperf_sum.py" --pps <"$WORK/iperf3-udp.json") || log "iperf3 UDP $key failed"
    read -r -a f <<<"${out:-nan 0 0}"
    RES[$key,pps]="${RES[$key,pps]:-} ${f[0]}"
    log "$(printf '%-6s UDP 64 bytes: %8s packets/s received, %s%% lost of %s sent' "$key" "${f[0]}" "${f[1]}" "${f[2]}")"
}

# The drop counters that account for a flood: the packet policy's invalid
# counter, the translator's drop_* counters and the links' drops, one
# "name value" per line.
drop_counters() {
    gwx nft list counter inet ipv6ready_nat64 invalid | sed -n 's/.*packets \([0-9]*\) .*/policy_invalid \1/p'
    gwx "$WORK/net-bpf" stats --json | python3 -c 'import json, sys
for name, value in json.load(sys.stdin)["counters"].items():
    if name.startswith("drop_"):
        print("translator_%s %d" % (name, value))'
    nsx "$NS_CLI" cat /sys/class/net/b64-c0/statistics/tx_dropped | sed 's/^/link_client_tx_dropped /'
    nsx "$NS_GW" cat /sys/class/net/b64-c1/statistics/rx_dropped | sed 's/^/link_gateway_rx_dropped /'
}

# The fault run: malformed packets for FAULT seconds while one TCP stream
# flows through the bpf translator; the stream's throughput, and the flood
# packets against what the drop counters counted meanwhile.
fault_run() {
    local flood_pid before after
    engine_up bpf
    # the device's own MLD reports (drop_multicast) go out within a second
    sleep 2
    before=$(drop_counters)
    nsx "$NS_CLI" python3 "$HERE/flood.py" "$FLOOD6" "$NAT64_TARGET" "$FAULT" >"$WORK/flood.json" &
    flood_pid=$!
    BG_PIDS+=("$flood_pid")
    local duration=$DURATION
    DURATION=$FAULT
    measure fault "$NAT64_TARGET" 1
    DURATION=$duration
    wait "$flood_pid" || die "the flood failed: $(cat "$WORK/flood.json")"
    sleep 1
    after=$(drop_counters)
    retry nsx "$NS_CLI" ping -6 -c1 -W1 "$NAT64_TARGET" || die "the translator does not answer after the flood"
    RES[fault]=$(python3 - "$WORK/flood.json" "$before" "$after" <<'PY'
import json, sys
flood = json.load(open(sys.argv[1]))
def parse(text):
    return {k: int(v) for k, v in (line.split() for line in text.splitlines() if line.strip())}
before, after = parse(sys.argv[2]), parse(sys.argv[3])
counted = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
sent = sum(flood["sent"].values())
print(json.dumps({"sent": flood["sent"], "seconds": flood["seconds"], "total": sent,
                  "counted": counted, "unaccounted": sent - sum(counted.values())}))
PY
)
    log "fault run: $(cat "$WORK/flood.json") -> ${RES[fault]}"
    engine_down
}

# CPU ticks of the running TAYGA process
tayga_ticks() { process_ticks "$TAYGA_PID"; }

# ----------------------------------------------------------------- report
# min-max of the numbers in RES[$1] (nothing for fewer than two)
spread() {
    tr ' ' '\n' <<<"${RES[$1]:-}" | grep -E '^[0-9.]+$' | sort -g |
        awk '{v[NR] = $1} END { if (NR > 1) printf " (%.2f-%.2f)", v[1], v[NR] }'
}
fmt() { awk -v a="$1" 'BEGIN { if (a == a + 0) printf "%.2f", a; else print "n/a" }'; }

print_report() {
    local s e row
    printf '\n## NAT64 benchmark, %s\n\n' "$(machine)"
    printf 'DURATION=%ss per iperf3 run, ROUNDS=%s, MTU 1500; Gbit/s = median over the runs (min-max);' \
        "$DURATION" "$ROUNDS"
    printf ' ratio = path / plain IPv6 forwarding, from this run; host busy = all cores, other users included.\n\n'
    printf '| path |'
    for s in $STREAMS; do printf ' %s stream(s) Gbit/s | ratio | host busy %% |' "$s"; done
    printf '\n|---|'
    for s in $STREAMS; do printf -- '---:|---:|---:|'; done
    printf '\n'
    for e in plain $ENGINES; do
        case $e in
            plain) row="| plain IPv6 forwarding |" ;;
            tayga) row="| nat64, engine tayga (TAYGA $(tayga_version)) |" ;;
            bpf) row="| nat64, engine bpf (tc-BPF) |" ;;
        esac
        for s in $STREAMS; do
            row+=" $(fmt "$(median "$e,$s")")$(spread "$e,$s") |"
            row+=" $(ratio "$(median "$e,$s")" "$(median "plain,$s")") |"
            row+=" $(awk -v a="$(median "host,$e,$s")" 'BEGIN { if (a == a + 0) printf "%.0f", a; else print "n/a" }') |"
        done
        printf '%s\n' "$row"
    done
    if ((PPS)); then
        printf '\n| path | UDP, 64-byte payloads, packets/s received | ratio |\n|---|---:|---:|\n'
        for e in plain $ENGINES; do
            printf '| %s | %s%s | %s |\n' "$e" "$(awk -v a="$(median "$e,pps")" 'BEGIN { printf "%.0f", a }')" \
                "$(spread "$e,pps" | sed -E 's/\.[0-9]+//g')" "$(ratio "$(median "$e,pps")" "$(median "plain,pps")")"
        done
    fi
    if [[ -n ${RES[fault]:-} ]]; then
        printf '\nFault run (bpf, %s s of malformed packets while one TCP stream flows):\n\n' "$FAULT"
        python3 - "${RES[fault]}" "$(median "fault,1")" "$(median "bpf,1")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("| TCP stream during the flood | without (bpf, 1 stream) | flood packets | per second | counted by drop counters | unaccounted |")
print("|---:|---:|---:|---:|---:|---:|")
print("| %s Gbit/s | %s Gbit/s | %d (%s) | %.0f | %s | %d |" % (
    sys.argv[2], sys.argv[3], r["total"], ", ".join("%s %d" % kv for kv in r["sent"].items()),
    r["total"] / max(r["seconds"], 0.01), ", ".join("%s %d" % kv for kv in sorted(r["counted"].items())),
    r["unaccounted"]))
PY
    fi
    if ((DNS_QUERIES > 0)); then
        printf '\n| DNS64 (unbound, synthesized AAAA) | answered | median ms | p99 ms |\n'
        printf '|---|---:|---:|---:|\n'
        for s in warm cold; do
            python3 "$HERE/dns64_latency.py" --table-row "${RES[dns,$s]:-}"
        done
    fi
    if [[ -s $WORK/bpf-stats.txt ]]; then
        printf '\nThe tc-BPF translator after its last run (ipv6ready-nat64-net stats):\n\n'
        grep -E '^  (xlat|fragments|icmp|packet|mapping|drop)' "$WORK/bpf-stats.txt" | awk '$2 > 0' | sed 's/^/    /'
    fi
}

tayga_version() { dpkg-query -W -f '${Version}' tayga 2>/dev/null || echo '?'; }

main() {
    local s e r order t0=$SECONDS
    need_root
    for e in $ENGINES; do
        [[ $e == tayga || $e == bpf ]] || die "ENGINES: unknown engine $e (tayga, bpf)"
    done
    install_packages
    [[ -c /dev/net/tun ]] || die "/dev/net/tun missing"
    WORK=$(mktemp -d -t b64-nat64.XXXXXX)
    trap cleanup EXIT INT TERM

    log "topology: $NS_CLI - $NS_GW - $NS_SRV, NAT64 prefix $NAT64_PREFIX, $NCPU cores"
    render
    setup_topology
    start_dns
    check_dns64
    ((DNS_QUERIES > 0)) && dns_bench
    start_iperf_server

    for ((r = 1; r <= ROUNDS; r++)); do
        # plain forwarding opens every round (and closes the last one);
        # every other round runs the engines in reverse order, so that a
        # trend in the machine's load does not favour one end of the list
        order=$ENGINES
        ((r % 2)) || order=$(tr ' ' '\n' <<<"$ENGINES" | tac | tr '\n' ' ')
        log "round $r/$ROUNDS"
        for s in $STREAMS; do measure plain "$SRV6" "$s"; done
        ((PPS)) && measure_pps plain "$SRV6"
        for e in $order; do
            log "engine $e"
            engine_up "$e"
            for s in $STREAMS; do measure "$e" "$NAT64_TARGET" "$s"; done
            ((PPS)) && measure_pps "$e" "$NAT64_TARGET"
            engine_down
        done
    done
    for s in $STREAMS; do measure plain "$SRV6" "$s"; done
    ((PPS)) && measure_pps plain "$SRV6"
    if ((FAULT > 0)) && [[ " $ENGINES " == *" bpf "* ]]; then
        fault_run
    fi

    print_report
    log "done in $((SECONDS - t0)) s"
}

main "$@"
