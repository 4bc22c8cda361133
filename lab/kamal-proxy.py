# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for Kamal's app and kamal-proxy in the lab (lab/kamal-test.sh).

  python3 kamal-proxy.py app PORT              greet each client with its address
  python3 kamal-proxy.py proxy APP PORT PORT.. on each PORT, answer every client
                                               with the address it came from and
                                               the app's greeting, fetched from
                                               APP:PORT over Kamal's network

The answer is one line: "proxy <port> saw <client> | <app's greeting>".
"""

from __future__ import annotations

import socket
import sys
import threading


def serve(port, answer):
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.bind(("::", port))
    server.listen(16)
    while True:
        conn, peer = server.accept()
        with conn:
            try:
                conn.sendall((answer(peer[0]) + "\n").encode())
            except OSError as exc:
                conn.sendall(("error %s\n" % exc).encode())


def fetch(host, port):
    with socket.create_connection((host, port), timeout=5) as conn:
        return conn.recv(200).decode().strip()


def main(argv):
    if argv[:1] == ["app"]:
        serve(int(argv[1]), lambda client: "app saw %s" % client)
    elif argv[:1] == ["proxy"]:
        app, app_port = argv[1].rsplit(":", 1)
        ports = [int(port) for port in argv[2:]]
        for port in ports[1:]:
            threading.Thread(
                target=serve, daemon=True, args=(port, lambda client, port=port: "proxy %d saw %s | %s" % (port, client, fetch(app, int(app_port))))
            ).start()
        serve(ports[0], lambda client: "proxy %d saw %s | %s" % (ports[0], client, fetch(app, int(app_port))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
