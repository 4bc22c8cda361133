"""Probe name resolution and TCP reachability the way an application does.

Runs on a Docker host and, unchanged, inside the probe container (the host's
own python3, so the container's glibc is the host's). Prints one JSON object.

  probe.py resolve6 NAME               the AAAA addresses getaddrinfo returns
  probe.py connect NAME PORT TIMEOUT   getaddrinfo's order, with the source
                                       address the kernel picks for each
                                       destination, and a TCP connect by name
  probe.py listen PORT                 accept TCP connections on [::]:PORT
"""

import json
import socket
import sys


def resolve6(name):
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET6, socket.SOCK_STREAM)
    except OSError as exc:
        return {"error": "getaddrinfo %s: %s" % (name, exc)}
    return {"addresses": sorted({info[4][0] for info in infos})}


def source_for(family, sockaddr):
    # A UDP connect sends nothing; it makes the kernel choose the source.
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(sockaddr)
            return sock.getsockname()[0]
    except OSError:
        return None


def connect(name, port, timeout):
    out = {"name": name, "port": port}
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        out["error"] = "getaddrinfo %s: %s" % (name, exc)
        return out
    out["order"] = [{"destination": info[4][0], "source": source_for(info[0], info[4])} for info in infos]
    # What smtplib and most clients do: try each address in getaddrinfo's order.
    try:
        with socket.create_connection((name, port), timeout=timeout) as conn:
            out["connected"] = conn.getpeername()[0]
    except OSError as exc:
        out["connect_error"] = str(exc)
    return out


def listen(port):
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::", port))
        sock.listen(16)
        while True:
            conn, _peer = sock.accept()
            conn.close()


def main(argv):
    if argv[1] == "resolve6":
        result = resolve6(argv[2])
    elif argv[1] == "connect":
        result = connect(argv[2], int(argv[3]), float(argv[4]))
    else:
        listen(int(argv[2]))
        return
    print(json.dumps(result))


main(sys.argv)
