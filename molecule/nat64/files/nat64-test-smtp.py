"""A tiny SMTP sink for the NAT64 test: accepts every message and appends one
JSON line per conversation (peer address, commands, message) to a log file.
Python 3.12 dropped `smtpd`; this speaks just enough SMTP for smtplib."""

import asyncio
import json
import sys
import time

HOST, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]


async def handle(reader, writer):
    peer = writer.get_extra_info("peername")[0]
    record = {"time": time.time(), "peer": peer, "commands": [], "data": ""}

    def reply(line):
        writer.write((line + "\r\n").encode())

    reply("220 nat64-server ESMTP test sink")
    try:
        while True:
            raw = await asyncio.wait_for(reader.readline(), 30)
            if not raw:
                break
            line = raw.decode(errors="replace").rstrip("\r\n")
            record["commands"].append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-nat64-server")
                reply("250 8BITMIME")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = (await asyncio.wait_for(reader.readline(), 30)).decode(errors="replace")
                    if data.rstrip("\r\n") == "." or not data:
                        break
                    lines.append(data)
                record["data"] += "".join(lines)
                reply("250 OK queued")
            elif verb == "QUIT":
                reply("221 Bye")
                await writer.drain()
                break
            else:
                reply("502 Command not implemented")
            await writer.drain()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        with open(LOG, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        writer.close()


async def main():
    server = await asyncio.start_server(handle, HOST, PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
