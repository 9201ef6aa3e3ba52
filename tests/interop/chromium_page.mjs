// A real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) loads a page and
// waits for a line of its log that holds some text: a page whose own script talks WebSocket.
// Usage: node chromium_page.mjs URL TEXT
import { chromium } from 'playwright-core';

const [url, text] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('#log li', { hasText: text }).waitFor({ timeout: 30000 });
  console.log('page ok');
} finally {
  await browser.close();
}
