// Node `ws`: opens a WebSocket to a server and prints what it agreed of permessage-deflate, for the
// interop scripts. Resolves with the socket and `next(event)`, a promise of an event's arguments.
import WebSocket from 'ws';

export async function open(url, options) {
  const ws = new WebSocket(url, options);
  const next = (event) => new Promise((resolve) => ws.once(event, (...args) => resolve(args)));
  const upgraded = next('upgrade');
  const opened = next('open'); // emitted in the same tick as 'upgrade'
  const [upgrade] = await upgraded;
  await opened;
  console.log('extensions', upgrade.headers['sec-websocket-extensions']);
  return { ws, next };
}
