"""Send SIZE random bytes to an echo server and check the same bytes come
back: a large transfer in each direction over one TCP connection. Prints
one JSON line: the peer, the bytes each way, the seconds it took."""

import hashlib
import json
import os
import socket
import sys
import threading
import time

HOST, PORT, SIZE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
TIMEOUT = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0


def main():
    payload = os.urandom(SIZE)
    received = hashlib.sha256()
    count = 0
    start = time.monotonic()
    with socket.create_connection((HOST, PORT), timeout=10) as conn:
        conn.settimeout(TIMEOUT)
        peer = conn.getpeername()[0]
        sender = threading.Thread(target=lambda: (conn.sendall(payload), conn.shutdown(socket.SHUT_WR)))
        sender.start()
        while count < SIZE:
            data = conn.recv(65536)
            if not data:
                break
            received.update(data)
            count += len(data)
        sender.join(TIMEOUT)
    result = {"peer": peer, "sent": SIZE, "received": count,
              "intact": count == SIZE and received.digest() == hashlib.sha256(payload).digest(),
              "seconds": round(time.monotonic() - start, 3)}
    print(json.dumps(result))
    return 0 if result["intact"] else 1


sys.exit(main())
