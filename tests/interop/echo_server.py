"""Python `websockets` (Debian's python3-websockets) as an echo server for Cosocket's client.

Usage: /usr/bin/python3 echo_server.py
Listens on an ephemeral port of 127.0.0.1, prints "listening PORT", echoes every message until
its client closes, and exits after 60 s at the latest.
"""
import asyncio

import websockets


async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, max_size=2**21) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening {port}", flush=True)
        await asyncio.sleep(60)


asyncio.run(main())
