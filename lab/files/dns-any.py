"""Run an IPv4-only UDP server script (argv[1]) on an IPv6 address too.

The lab's "provider resolver" reuses the NAT64 scenario's authoritative DNS
server, which opens an AF_INET socket; for an IPv6 listening address given as
its first argument this opens a dual-stack AF_INET6 socket instead.
Usage: dns-any.py SCRIPT HOST PORT CONFIG"""

import runpy
import socket
import sys

SCRIPT = sys.argv[1]
sys.argv = sys.argv[1:]
_socket = socket.socket


class _AnySocket(_socket):
    def __init__(self, family=socket.AF_INET, *args, **kwargs):
        if family == socket.AF_INET and ":" in sys.argv[1]:
            family = socket.AF_INET6
        super().__init__(family, *args, **kwargs)
        if family == socket.AF_INET6:
            self.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)


socket.socket = _AnySocket
runpy.run_path(SCRIPT, run_name="__main__")
