# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Hetzner twin's "provider resolver": what Hetzner's resolvers are to a server, without DNS64.

Runs on the twin's router (twin.py starts it). UDP on every address of
``listen``. A name in or under a zone of ``forward`` is asked of that zone's
authoritative server (IPv4, the twin's Internet) and the answer passed on; a
name of ``static`` is answered here (the Debian mirror's name: an A record of
the twin's apt cache, no AAAA); every other name is NXDOMAIN. Nothing is
synthesized: an IPv4-only name has no AAAA here, as at Hetzner.

Usage: twin_resolver.py CONFIG.json
  {"listen": ["2001:db8::53", "198.51.100.253"], "forward": {"zone.test": "198.51.100.53"},
   "static": {"deb.example.org": "198.51.100.64"}}
"""

import ipaddress
import json
import socket
import struct
import sys
import threading

with open(sys.argv[1], encoding="utf-8") as handle:
    CONFIG = json.load(handle)
FORWARD = {zone.lower().rstrip("."): address for zone, address in CONFIG["forward"].items()}
STATIC = {name.lower().rstrip("."): address for name, address in CONFIG["static"].items()}


def question(packet):
    """The asked name (lowercase, no trailing dot), the type, and the question section's end."""
    labels, offset = [], 12
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii").lower())
        offset += 1 + length
    qtype = struct.unpack("!H", packet[offset + 1 : offset + 3])[0]
    return ".".join(labels), qtype, offset + 5


def reply(packet, rcode, answers=()):
    """An answer to ``packet`` with its question, ``rcode`` and A records (RA set, not authoritative)."""
    ident, flags = struct.unpack("!HH", packet[:4])
    _name, _qtype, end = question(packet)
    header = struct.pack("!HHHHHH", ident, 0x8080 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
    records = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ipaddress.IPv4Address(address).packed for address in answers)
    return header + packet[12:end] + records


def forward(packet, address):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
        upstream.settimeout(2)
        upstream.sendto(packet, (address, 53))
        return upstream.recvfrom(4096)[0]


def answer(packet):
    name, qtype, _end = question(packet)
    zone = next((zone for zone in FORWARD if name == zone or name.endswith("." + zone)), None)
    if zone is not None:
        try:
            return forward(packet, FORWARD[zone])
        except OSError:
            return reply(packet, 2)  # SERVFAIL
    if name in STATIC:
        return reply(packet, 0, [STATIC[name]] if qtype == 1 else [])
    return reply(packet, 3)  # NXDOMAIN


def serve(address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, 53))

    def handle(data, client):
        try:
            sock.sendto(answer(data), client)
        except (IndexError, struct.error, UnicodeDecodeError, OSError):
            pass

    while True:
        data, client = sock.recvfrom(4096)
        threading.Thread(target=handle, args=(data, client), daemon=True).start()


for listen in CONFIG["listen"][1:]:
    threading.Thread(target=serve, args=(listen,), daemon=True).start()
serve(CONFIG["listen"][0])
