"""Python `websockets` (Debian's python3-websockets) as an echo server for Cosocket's client.

Usage: /usr/bin/python3 echo_server.py [CERT.pem KEY.pem]
Listens on an ephemeral port of 127.0.0.1 (with TLS when given a certificate), prints
"listening PORT", echoes every message until its client closes, and exits after 60 s at the latest.
"""
import asyncio
import ssl
import sys

import websockets


async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)


async def main():
    context = None
    if len(sys.argv) == 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    async with websockets.serve(echo, "127.0.0.1", 0, max_size=2**21, ssl=context) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening {port}", flush=True)
        await asyncio.sleep(60)


asyncio.run(main())
