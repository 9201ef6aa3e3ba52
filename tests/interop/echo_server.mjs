// Node `ws` as an echo server for Cosocket's client.
// Usage: node echo_server.mjs — listens on an ephemeral port of 127.0.0.1, prints "listening PORT",
// echoes every message (text stays text), and exits after 60 s at the latest.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 2 ** 21 });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on('listening', () => console.log(`listening ${wss.address().port}`));
setTimeout(() => process.exit(0), 60000).unref();
