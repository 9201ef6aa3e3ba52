// A real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core: no browser
// download) opens a page whose script talks to Cosocket's /echo.
// Usage: node chromium_echo.mjs ws://127.0.0.1:PORT/echo [PAGE]
// PAGE, when given, is loaded first, so that the upgrade carries its Origin (a page the server
// accepts upgrades from); without it the script runs in about:blank, whose Origin is "null".
// An https:// PAGE is a test server's with a self-signed certificate, which the browser then
// accepts; the first line says which HTTP version the page came over (h2: the WebSocket may then
// open on the same HTTP/2 connection, RFC 8441).
import { chromium } from 'playwright-core';

const secure = (process.argv[3] ?? '').startsWith('https://');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ...(secure ? ['--ignore-certificate-errors'] : [])],
});
try {
  const page = await browser.newPage();
  if (process.argv[3]) await page.goto(process.argv[3]);
  const result = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const next = (event) => new Promise((resolve, reject) => {
      ws.addEventListener(event, resolve, { once: true });
      ws.addEventListener('error', () => reject(new Error('websocket error')), { once: true });
    });
    const lines = [];
    if (location.protocol === 'https:') lines.push(`page ${performance.getEntriesByType('navigation')[0].nextHopProtocol}`);
    await next('open');
    lines.push(`extensions ${ws.extensions}`);

    ws.send('你好, WebSocket!');
    let message = await next('message');
    lines.push(message.data === '你好, WebSocket!' ? 'text ok' : `text wrong: ${message.data}`);

    const document = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ user: `user${i % 7}`, text: `message ${i}` })));
    ws.send(document);
    message = await next('message');
    lines.push(message.data === document ? 'json ok' : 'json wrong');

    const payload = new Uint8Array(1 << 20);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    ws.send(payload);
    message = await next('message');
    const back = new Uint8Array(message.data);
    lines.push(back.length === payload.length && back.every((b, i) => b === payload[i]) ? 'binary ok' : 'binary wrong');

    ws.close(1000, 'bye');
    const closed = await next('close');
    lines.push(`close ${closed.code} ${closed.wasClean}`);
    return lines.join('\n');
  }, process.argv[2]);
  console.log(result);
} finally {
  await browser.close();
}
