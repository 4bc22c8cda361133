"""Sequential DNS64 latency probe (stdlib only).

Sends COUNT AAAA queries one after the other over UDP to SERVER and checks
that every answer carries an AAAA record inside the NAT64 /96 PREFIX, i.e. a
record that DNS64 synthesized from an A record.  Prints one JSON object with
the median and p99 latency in milliseconds.

  --name NAME       query the same name every time (answer served from the
                    resolver's cache after the first query: "warm")
  --unique ZONE     query a new name <random>-<i>.ZONE each time, so that every
                    answer needs an upstream AAAA + A lookup and a fresh
                    synthesis ("cold")

`dns64_latency.py --table-row JSON` prints a markdown table row for a result.

The loop is bounded: COUNT queries, each with a TIMEOUT, and an overall
DEADLINE in seconds.
"""

import argparse
import ipaddress
import json
import os
import socket
import struct
import sys
import time

QTYPE_AAAA = 28
QCLASS_IN = 1


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad label in {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_query(qid, name):
    # id, flags (RD), qdcount=1, an/ns/ar=0
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", QTYPE_AAAA, QCLASS_IN)


def skip_name(msg, off):
    while True:
        length = msg[off]
        if length == 0:
            return off + 1
        if length & 0xC0 == 0xC0:
            return off + 2
        off += 1 + length


def aaaa_records(msg):
    """Return (rcode, [IPv6Address, ...]) of the answer section."""
    _qid, flags, qdcount, ancount, _ns, _ar = struct.unpack_from("!HHHHHH", msg, 0)
    off = 12
    for _question in range(qdcount):
        off = skip_name(msg, off) + 4
    found = []
    for _answer in range(ancount):
        off = skip_name(msg, off)
        rtype, _rclass, _ttl, rdlen = struct.unpack_from("!HHIH", msg, off)
        off += 10
        if rtype == QTYPE_AAAA and rdlen == 16:
            found.append(ipaddress.IPv6Address(msg[off : off + 16]))
        off += rdlen
    return flags & 0x000F, found


def percentile(sorted_values, pct):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def table_row(raw):
    """Markdown table row for one JSON result (used by run.sh)."""
    res = json.loads(raw or "{}")
    what = {"warm": "same name (cache hit)", "cold": "new name each query (upstream AAAA + A, synthesis)"}
    print(f"| {what.get(res.get('label'), '?')} | {res.get('ok', 0)}/{res.get('sent', 0)} | {res.get('median_ms', 'n/a')} | {res.get('p99_ms', 'n/a')} |")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table-row":
        return table_row(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--prefix", required=True, help="NAT64 prefix, a /96")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--name")
    group.add_argument("--unique", metavar="ZONE")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--deadline", type=float, default=60.0)
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    prefix = ipaddress.IPv6Network(args.prefix)
    if prefix.prefixlen != 96:
        ap.error("--prefix must be a /96")

    family = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.connect((args.server, args.port))
    sock.settimeout(args.timeout)

    run_id = os.urandom(4).hex()
    latencies = []
    sent = timeouts = not_synth = 0
    start = time.monotonic()
    for i in range(args.count):
        if time.monotonic() - start > args.deadline:
            break
        name = args.name or f"q{run_id}-{i}.{args.unique.rstrip('.')}"
        qid = i & 0xFFFF
        query = build_query(qid, name)
        t0 = time.perf_counter()
        sock.send(query)
        sent += 1
        try:
            while True:
                msg = sock.recv(4096)
                if len(msg) >= 12 and struct.unpack_from("!H", msg)[0] == qid:
                    break
        except socket.timeout:
            timeouts += 1
            continue
        elapsed = time.perf_counter() - t0
        rcode, records = aaaa_records(msg)
        if rcode != 0 or not any(r in prefix for r in records):
            not_synth += 1
            continue
        latencies.append(elapsed * 1000.0)
    sock.close()

    latencies.sort()
    result = {
        "label": args.label,
        "sent": sent,
        "ok": len(latencies),
        "timeouts": timeouts,
        "not_synthesized": not_synth,
        "median_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "seconds": round(time.monotonic() - start, 2),
    }
    print(json.dumps(result))
    return 0 if latencies and not timeouts and not not_synth else 1


if __name__ == "__main__":
    sys.exit(main())
