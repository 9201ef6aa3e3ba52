// Two pages of a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core: no
// browser download), each on the chat page of a different node of a Cosocket cluster, in one room:
// each must see the other connected (with permessage-deflate negotiated), and each message must
// reach the other page.
// Usage: node chromium_chat.mjs http://NODE1 http://NODE2 SCREENSHOT.png
import { chromium } from 'playwright-core';

const [node1, node2, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
  const alice = await context.newPage();
  const bob = await context.newPage();
  await alice.goto(`${node1}/?room=demo&name=alice`);
  await bob.goto(`${node2}/?room=demo&name=bob`);

  const member = (page, name) => page.locator('#members li', { hasText: name }).waitFor({ timeout: 30000 });
  await member(alice, 'bob');
  await member(bob, 'alice');
  console.log('members ok');
  // The page's own socket (a top-level const of its script): what the upgrade agreed.
  console.log('extensions', await alice.evaluate(() => socket.extensions));

  const say = async (page, text) => { await page.fill('#text', text); await page.click('#send'); };
  const line = (page, text) => page.locator('#messages li', { hasText: text }).waitFor({ timeout: 30000 });
  await say(alice, 'hello from node 1');
  await line(bob, 'alice: hello from node 1');
  await say(bob, 'hello from node 2');
  await line(alice, 'bob: hello from node 2');
  console.log('messages ok');

  // Both pages, side by side, in one picture.
  const [left, right] = [await alice.screenshot(), await bob.screenshot()];
  const combined = await context.newPage();
  await combined.setViewportSize({ width: 1290, height: 360 });
  await combined.setContent(`<body style="margin:0;display:flex;gap:10px;background:#999">
    <img src="data:image/png;base64,${left.toString('base64')}"><img src="data:image/png;base64,${right.toString('base64')}"></body>`);
  await combined.screenshot({ path: screenshot });
  console.log('screenshot ok');
} finally {
  await browser.close();
}
