"""A tiny authoritative DNS server (UDP) for the NAT64 test zone.

unbound 1.17 does not synthesize DNS64 answers for its own local-data, so
the resolver under test reaches this server through a stub zone, as it would
reach a real authoritative server. Records come from a JSON file:
{"zone": "nat64.test.", "records": {"name.": {"A": ["192.0.2.1"], "AAAA": []}}}
Names in the zone without the asked type get NODATA, unknown names NXDOMAIN,
everything outside the zone REFUSED (the test sends no query anywhere else)."""

import ipaddress
import json
import socket
import struct
import sys

HOST, PORT, CONFIG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(CONFIG) as handle:
    config = json.load(handle)
ZONE = config["zone"].lower()
RECORDS = {name.lower(): types for name, types in config["records"].items()}
TYPES = {1: "A", 28: "AAAA"}


def encode_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"


def parse_question(packet):
    labels, offset = [], 12
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1:offset + 1 + length].decode().lower())
        offset += 1 + length
    qtype, qclass = struct.unpack("!HH", packet[offset + 1:offset + 5])
    return ".".join(labels) + ".", qtype, qclass, packet[12:offset + 5]


def soa():
    rdata = encode_name("ns." + ZONE) + encode_name("hostmaster." + ZONE) + struct.pack("!IIIII", 1, 3600, 600, 86400, 60)
    return encode_name(ZONE) + struct.pack("!HHIH", 6, 1, 60, len(rdata)) + rdata


def answer(packet):
    ident, flags = struct.unpack("!HH", packet[:4])
    name, qtype, _qclass, question = parse_question(packet)
    rd = flags & 0x0100
    answers, authority, rcode = [], [], 0
    if not (name == ZONE or name.endswith("." + ZONE)):
        rcode = 5  # REFUSED
    elif name not in RECORDS and name != ZONE:
        rcode, authority = 3, [soa()]  # NXDOMAIN
    elif qtype == 6 and name == ZONE:
        answers = [soa()]
    else:
        for value in RECORDS.get(name, {}).get(TYPES.get(qtype, ""), []):
            rdata = ipaddress.ip_address(value).packed
            answers.append(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata)
        if not answers:
            authority = [soa()]  # NODATA
    aa = 0x0400 if rcode != 5 else 0
    header = struct.pack("!HHHHHH", ident, 0x8000 | aa | rd | rcode, 1, len(answers), len(authority), 0)
    return header + question + b"".join(answers) + b"".join(authority)


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
while True:
    data, client = sock.recvfrom(4096)
    try:
        sock.sendto(answer(data), client)
    except (IndexError, struct.error, UnicodeDecodeError):
        continue
