"""A TCP echo server for the NAT64 path MTU test: sends every byte back as it
arrives, so one connection carries a large transfer in each direction."""

import socket
import sys
import threading

HOST, PORT = sys.argv[1], int(sys.argv[2])


def echo(conn):
    with conn:
        conn.settimeout(60)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass


def main():
    with socket.create_server((HOST, PORT), reuse_port=True) as server:
        while True:
            conn, dummy = server.accept()
            threading.Thread(target=echo, args=(conn,), daemon=True).start()


main()
