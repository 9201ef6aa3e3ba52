// Node `ws` as an echo server for Cosocket's client.
// Usage: node echo_server.mjs [CERT.pem KEY.pem] — listens on an ephemeral port of 127.0.0.1 (with
// TLS when given a certificate), prints "listening PORT", echoes every message (text stays text),
// and exits after 60 s at the latest. permessage-deflate is accepted when offered, every message
// compressed (threshold 0).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { WebSocketServer } from 'ws';

const [cert, key] = process.argv.slice(2);
const perMessageDeflate = { threshold: 0 };
const onMessage = (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
if (cert) {
  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) });
  new WebSocketServer({ server, maxPayload: 2 ** 21, perMessageDeflate }).on('connection', onMessage);
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
} else {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 2 ** 21, perMessageDeflate });
  wss.on('connection', onMessage);
  wss.on('listening', () => console.log(`listening ${wss.address().port}`));
}
setTimeout(() => process.exit(0), 60000).unref();
