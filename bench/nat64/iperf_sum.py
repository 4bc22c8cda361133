"""Read one iperf3 --json result on stdin, print "<Gbit/s> <retransmits> <per-stream Gbit/s,...>".

Gbit/s is the receiver-side sum over all streams (what actually arrived).
With --pps (a UDP run): print "<packets per second received> <lost %> <packets sent>".
Prints "nan 0 -" and exits 1 if the JSON is missing or reports an error.
"""

import json
import sys


def main():
    raw = sys.stdin.read()
    try:
        data = json.loads(raw)
    except ValueError:
        print("nan 0 -")
        return 1
    end = data.get("end") or {}
    if "--pps" in sys.argv[1:]:
        udp = end.get("sum") or {}
        if data.get("error") or not udp.get("seconds"):
            print("nan 0 0")
            print(f"iperf3 error: {data.get('error', 'no result')}", file=sys.stderr)
            return 1
        # iperf3 can count more lost than sent (reordered, late): none arrived then.
        received = max(0, udp["packets"] - udp.get("lost_packets", 0))
        print(f"{received / udp['seconds']:.0f} {udp.get('lost_percent', 0):.1f} {udp['packets']}")
        return 0
    if data.get("error") or "sum_received" not in end:
        print("nan 0 -")
        print(f"iperf3 error: {data.get('error', 'no result')}", file=sys.stderr)
        return 1
    gbps = end["sum_received"]["bits_per_second"] / 1e9
    retrans = end.get("sum_sent", {}).get("retransmits", 0)
    streams = [s["receiver"]["bits_per_second"] / 1e9 for s in end.get("streams", []) if "receiver" in s]
    per_stream = ",".join(f"{s:.2f}" for s in streams) or "-"
    print(f"{gbps:.3f} {retrans} {per_stream}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
