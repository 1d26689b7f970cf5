// Load -> first full render of a view page in Chromium, against a blank page in the same run
// (bench/ui.sh). Each page is served from memory by a local HTTP server (no epintel work is
// timed here); the time is performance.now() (from navigation start) at the first animation
// frame after the page's script has drawn and wired everything (window.epUi.loadToRenderMs),
// and for the blank page at its first animation frame.
// usage: node ui_bench.mjs PAGE.html RUNS
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// playwright-core from tests/node_modules (installed by scripts/bootstrap)
const { chromium } = createRequire(process.env.EP_TESTS_DIR + '/package.json')('playwright-core');

const [file, runsArg] = process.argv.slice(2);
const runs = +(runsArg || 7);
const page = readFileSync(file);
const blank = Buffer.from('<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body><p>blank</p>' +
  '<script>requestAnimationFrame(function(){window.epUi={loadToRenderMs:performance.now(),ready:true};});</script></body></html>');
const srv = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(req.url === '/page' ? page : blank);
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const base = 'http://127.0.0.1:' + srv.address().port;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
async function once(path) {
  const p = await ctx.newPage();
  await p.goto(base + path);
  await p.waitForFunction(() => window.epUi && window.epUi.loadToRenderMs > 0, null, { timeout: 60000 });
  const ms = await p.evaluate(() => window.epUi.loadToRenderMs);
  await p.close();
  return ms;
}
const median = (a) => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
await once('/page'); await once('/blank'); // warm-up: browser start, first process
const tp = [], tb = [];
for (let k = 0; k < runs; k++) { tb.push(await once('/blank')); tp.push(await once('/page')); }
await browser.close();
srv.close();
const mp = median(tp), mb = median(tb);
console.log(`page ${file.split('/').pop()}: ${page.length} bytes`);
console.log(`load -> first full render, median of ${runs}: page ${mp.toFixed(0)} ms, blank ${mb.toFixed(0)} ms, ratio ${(mp / mb).toFixed(1)}`);
console.log(`goal: <= 1000 ms for the 707-MEP network page: ${mp <= 1000 ? 'met' : 'NOT met'}`);
