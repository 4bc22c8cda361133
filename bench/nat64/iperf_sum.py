"""Read one iperf3 --json result on stdin, print "<Gbit/s> <retransmits> <per-stream Gbit/s,...>".

Gbit/s is the receiver-side sum over all streams (what actually arrived).
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
    if data.get("error") or "sum_received" not in end:
        print("nan 0 -")
        print(f"iperf3 error: {data.get('error', 'no result')}", file=sys.stderr)
        return 1
    gbps = end["sum_received"]["bits_per_second"] / 1e9
    retrans = end.get("sum_sent", {}).get("retransmits", 0)
    streams = [s["receiver"]["bits_per_second"] / 1e9
               for s in end.get("streams", []) if "receiver" in s]
    per_stream = ",".join(f"{s:.2f}" for s in streams) or "-"
    print(f"{gbps:.3f} {retrans} {per_stream}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
