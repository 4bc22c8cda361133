# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One SMTP transaction per second, by name, as a mail worker would send them (make demo-failover).

Runs in an app container on a Docker host (the verify role's glibc probe
image: the host's own python3), on Kamal's network, with the policy mounted
as /etc/gai.conf: each transaction resolves the name through the Docker
daemon's DNS64 resolvers, connects through NAT64, sends one mail and quits.
A transaction starts every second whether the previous one has finished or
not; each is written as one JSON line when it ends: its number, start and end
(Unix time), ok, the peer address (the synthesized AAAA: its /96 names the
gateway whose resolver answered) or the error.

With --cached the name is resolved once, at the start, and every transaction
connects to that address, as an application that caches DNS (a connection
pool, a JVM) does: what it measures is the move of the floating /64 itself.

    python3 mail_loop.py [--cached] HOST PORT RESULTS STOP_FILE [MAX_SECONDS]
"""

import json
import os
import socket
import smtplib
import sys
import threading
import time

TIMEOUT = 4.0


def transaction(number, host, port, results, lock):
    record = {"n": number, "start": time.time()}
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT, local_hostname="app.twin.test") as smtp:
            # by name: getaddrinfo through the daemon's DNS64 resolvers; cached: the address
            record["peer"] = smtp.sock.getpeername()[0]
            smtp.sendmail("app@twin.test", ["ops@sendgrid.example"], "Subject: failover %d\r\n\r\nfailover %d\r\n" % (number, number))
        record["ok"] = True
    except (OSError, smtplib.SMTPException) as exc:
        record["ok"] = False
        record["error"] = "%s: %s" % (type(exc).__name__, exc)
    record["end"] = time.time()
    with lock, open(results, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def main(argv):
    cached = argv[1:2] == ["--cached"]
    if cached:
        argv = argv[:1] + argv[2:]
    host, port, results, stop = argv[1], int(argv[2]), argv[3], argv[4]
    limit = float(argv[5]) if len(argv) > 5 else 3600.0
    if cached:
        host = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM)[0][4][0]
    lock = threading.Lock()
    started = time.time()
    number = 0
    while not os.path.exists(stop) and time.time() - started < limit:
        threading.Thread(target=transaction, args=(number, host, port, results, lock), daemon=True).start()
        number += 1
        time.sleep(max(0.0, started + number - time.time()))
    time.sleep(TIMEOUT + 2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
