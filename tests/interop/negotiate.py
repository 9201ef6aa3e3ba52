"""Python `websockets` (Debian's python3-websockets): what a server agrees of permessage-deflate.

Usage: /usr/bin/python3 negotiate.py ws://127.0.0.1:PORT/PATH
Connects (websockets offers permessage-deflate by default), prints the server's
Sec-WebSocket-Extensions answer, sends a compressible message, waits for any message, and closes.
"""
import asyncio
import json
import sys

import websockets


async def main(uri: str) -> None:
    async with websockets.connect(uri, open_timeout=10, close_timeout=10) as ws:
        print("extensions", ws.response_headers.get("Sec-WebSocket-Extensions"))
        await ws.send(json.dumps({"type": "message", "text": "hello " * 40}))
        await asyncio.wait_for(ws.recv(), 10)
        await ws.close(1000)
        print("close ok", ws.close_code)


asyncio.run(main(sys.argv[1]))
