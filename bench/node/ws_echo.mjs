// The Node peer for the load benchmark: a `ws` echo server with /echo's semantics.
// Usage: node ws_echo.mjs PORT [deflate]
// With "deflate", permessage-deflate is accepted (ws' defaults, and Cosocket's 64-byte threshold).
import { WebSocketServer } from 'ws';

const perMessageDeflate = process.argv[3] === 'deflate' ? { threshold: 64 } : false;
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]), path: '/echo', maxPayload: 16 * 1024 * 1024, perMessageDeflate });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => console.log(`ws echo listening on ${process.argv[2]}`));
