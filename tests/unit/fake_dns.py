# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A DNS server on loopback for the unit tests: answers as a test tells it to."""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading


def question_end(packet):
    offset = 12
    while packet[offset]:
        offset += 1 + packet[offset]
    return offset + 5


def response(query, rcode=0, addresses=(), truncated=False, ident=None):
    """A response to ``query`` with AAAA (or A) records for ``addresses``, names compressed."""
    qid, flags = struct.unpack("!HH", query[:4])
    end = question_end(query)
    answers = b""
    for value in addresses:
        address = ipaddress.ip_address(value)
        rtype = 28 if address.version == 6 else 1
        answers += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(address.packed)) + address.packed
    flags = 0x8000 | 0x0080 | (flags & 0x0100) | (0x0200 if truncated else 0) | rcode
    header = struct.pack("!HHHHHH", qid if ident is None else ident, flags, 1, len(addresses), 0, 0)
    return header + query[12:end] + answers


class FakeDns:
    """UDP and TCP on one loopback port; ``handler(query, transport)`` returns the answer bytes or None (silence)."""

    def __init__(self, handler, host="::1", port=0):
        self.handler = handler
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.udp = socket.socket(family, socket.SOCK_DGRAM)
        self.udp.bind((host, port))
        self.udp.settimeout(0.1)
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket(family, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, self.port))
        self.tcp.listen(4)
        self.tcp.settimeout(0.1)
        self.host = host
        self.queries = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True), threading.Thread(target=self._serve_tcp, daemon=True)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.udp.close()
        self.tcp.close()
        for thread in self._threads:
            thread.join(2)

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            self.queries.append(("udp", data))
            answer = self.handler(data, "udp")
            if answer is not None:
                self.udp.sendto(answer, peer)

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _peer = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(2)
                length = struct.unpack("!H", conn.recv(2))[0]
                data = conn.recv(length)
                self.queries.append(("tcp", data))
                answer = self.handler(data, "tcp")
                if answer is not None:
                    conn.sendall(struct.pack("!H", len(answer)) + answer)


def loopback_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def closed_udp_port(host="::1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
