// Node `ws`: what a server agrees of permessage-deflate.
// Usage: node negotiate.mjs ws://127.0.0.1:PORT/PATH
// Connects offering permessage-deflate (perMessageDeflate), prints the server's
// Sec-WebSocket-Extensions answer, sends a compressible message, waits for any message, and closes.
import { open } from './open_ws.mjs';

const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 15000);
const { ws, next } = await open(process.argv[2], { perMessageDeflate: { threshold: 0 } });
const message = next('message');
ws.send(JSON.stringify({ type: 'message', text: 'hello '.repeat(40) }));
await message;
ws.close(1000);
const [code] = await next('close');
console.log('close ok', code);
clearTimeout(timer);
