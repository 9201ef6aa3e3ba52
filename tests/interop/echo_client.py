"""Python `websockets` (Debian's python3-websockets) as a client of Cosocket's /echo.

Usage: /usr/bin/python3 echo_client.py ws://127.0.0.1:PORT/echo
Negotiates permessage-deflate (websockets offers it by default) and prints what the server
accepted, then exchanges text, JSON large enough to be compressed, binary (up to 1 MiB), a ping and
a clean close; prints one line per step and exits non-zero on the first mismatch.
"""
import json
import asyncio
import os
import sys

import websockets


async def main(uri: str) -> None:
    async with websockets.connect(uri, max_size=2**21, open_timeout=10, close_timeout=10) as ws:
        print("extensions", ws.response_headers.get("Sec-WebSocket-Extensions"))
        await ws.send("你好, WebSocket!")
        reply = await asyncio.wait_for(ws.recv(), 10)
        assert reply == "你好, WebSocket!", reply
        print("text ok")

        for count in (3, 60, 3000):
            document = json.dumps([{"user": f"user{i % 7}", "text": f"message {i}"} for i in range(count)])
            await ws.send(document)
            reply = await asyncio.wait_for(ws.recv(), 10)
            assert reply == document, f"json {count}"
        print("json ok")

        for size in (3, 126, 65536, 2**20):
            payload = os.urandom(size)
            await ws.send(payload)
            reply = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(reply, bytes) and reply == payload, f"binary {size}"
        print("binary ok")

        pong = await ws.ping(b"are you there?")
        await asyncio.wait_for(pong, 10)
        print("ping ok")

        await ws.close(1000, "bye")
        assert ws.close_code == 1000, ws.close_code
        print("close ok", ws.close_code)


asyncio.run(main(sys.argv[1]))
