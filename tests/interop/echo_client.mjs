// Node `ws` as a client of Cosocket's /echo.
// Usage: node echo_client.mjs ws://127.0.0.1:PORT/echo
// Offers permessage-deflate (perMessageDeflate, threshold 0: every message is compressed) and
// prints what the server accepted, then exchanges text, JSON large enough to be compressed, binary
// (up to 1 MiB), a ping and a clean close; prints one line per step and exits non-zero on the
// first mismatch.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open } from './open_ws.mjs';

const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 15000);
const { ws, next } = await open(process.argv[2], { maxPayload: 2 ** 21, perMessageDeflate: { threshold: 0 } });

ws.send('你好, WebSocket!');
let [data, isBinary] = await next('message');
assert.equal(isBinary, false);
assert.equal(data.toString('utf8'), '你好, WebSocket!');
console.log('text ok');

for (const count of [3, 60, 3000]) {
  const document = JSON.stringify(Array.from({ length: count }, (_, i) => ({ user: `user${i % 7}`, text: `message ${i}` })));
  ws.send(document);
  [data, isBinary] = await next('message');
  assert.equal(isBinary, false);
  assert.equal(data.toString('utf8'), document, `json ${count}`);
}
console.log('json ok');

for (const size of [3, 126, 65536, 2 ** 20]) {
  const payload = randomBytes(size);
  ws.send(payload);
  [data, isBinary] = await next('message');
  assert.equal(isBinary, true);
  assert.ok(Buffer.compare(data, payload) === 0, `binary ${size}`);
}
console.log('binary ok');

ws.ping(Buffer.from('are you there?'));
const [pong] = await next('pong');
assert.equal(pong.toString(), 'are you there?');
console.log('ping ok');

ws.close(1000, 'bye');
const [code, reason] = await next('close');
assert.equal(code, 1000);
assert.equal(reason.toString(), 'bye');
console.log('close ok', code);
clearTimeout(timer);
