"""Send malformed IPv6 packets towards a NAT64 address for a bounded time (bench/nat64/run.sh, the fault run).

Every packet is a well-formed IPv6 packet (so the gateway's IPv6 input takes
it) whose upper layer is what the gateway must refuse, each kind dropped by a
counter of its own:

  bad_checksum     UDP with a wrong checksum         -> conntrack INVALID, nft counter "invalid"
  short_tcp        a TCP header cut to 8 bytes       -> conntrack INVALID, nft counter "invalid"
  routing_header   a routing header, segments left 1 -> the translator, drop_extension_header
  icmp_unknown     an ICMPv6 informational type 200  -> the translator (or conntrack), drop_icmp_type

Usage: python3 flood.py SOURCE DESTINATION SECONDS
Prints JSON: {"sent": {kind: count}, "seconds": s}.
"""

import ipaddress
import json
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return 0xFFFF ^ total


def ipv6(src, dst, nexthdr, payload):
    return struct.pack("!IHBB", 6 << 28, len(payload), nexthdr, 64) + src.packed + dst.packed + payload


def upper(src, dst, proto, segment, offset):
    """``segment`` with its checksum (at ``offset``) right for the pseudo header."""
    pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(segment), proto)
    value = checksum(pseudo + segment)
    return segment[:offset] + struct.pack("!H", value) + segment[offset + 2 :]


def packets(src, dst):
    good_udp = upper(src, dst, 17, struct.pack("!HHHH", 40001, 9, 16, 0) + b"flood!!!", 6)
    bad_udp = good_udp[:6] + struct.pack("!H", struct.unpack("!H", good_udp[6:8])[0] ^ 0x5A5A) + good_udp[8:]
    short_tcp = struct.pack("!HHI", 40002, 9, 1)
    # Routing header type 4 (segment routing), segments left 1, one segment,
    # then a valid UDP datagram.
    routing = struct.pack("!BBBBBBH", 17, 2, 4, 1, 0, 0, 0) + dst.packed
    icmp = upper(src, dst, 58, struct.pack("!BBHHH", 200, 0, 0, 1, 1) + b"flood!!!", 2)
    return {
        "bad_checksum": ipv6(src, dst, 17, bad_udp),
        "short_tcp": ipv6(src, dst, 6, short_tcp),
        "routing_header": ipv6(src, dst, 43, routing + good_udp),
        "icmp_unknown": ipv6(src, dst, 58, icmp),
    }


def main():
    src = ipaddress.IPv6Address(sys.argv[1])
    dst = ipaddress.IPv6Address(sys.argv[2])
    seconds = float(sys.argv[3])
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    kinds = packets(src, dst)
    sent = dict.fromkeys(kinds, 0)
    order = list(kinds.items())
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        for dummy in range(200):
            for name, data in order:
                try:
                    sock.sendto(data, (str(dst), 0))
                    sent[name] += 1
                except OSError:
                    pass
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
