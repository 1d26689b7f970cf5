// Browser test of the interactive views (issue 21) in Debian's Chromium, driven by
// playwright-core (no browser download: executablePath /usr/bin/chromium).
//   (a) inside a minimal MCP Apps host (tests/browser/host.html, ext-apps' AppBridge) that talks
//       to `epintel serve` over stdio through a relay in this process;
//   (b) directly under /ui/ of `epintel serve --http`.
// It hovers, clicks, filters and searches, asserts on the DOM and on the tool calls made through
// the bridge, saves screenshots (checked non-blank and of the right size) and fails on any
// console error.
// usage: node views.mjs EPINTEL DB UI_URL OUT_DIR
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const [bin, db, uiBase, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node views.mjs EPINTEL DB UI_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
let failures = 0, checks = 0;
function check(cond, what) {
  checks++;
  if (cond) console.log('ok - ' + what);
  else { failures++; console.log('not ok - ' + what); }
}

/* ---- the relay: JSON-RPC over HTTP (POST /rpc) to `epintel serve` on stdio ---------------- */
const child = spawn(bin, ['--quiet', '--db', db, 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
let seq = 0, buf = '';
const pend = new Map();
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => {
  buf += d;
  let k;
  while ((k = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, k);
    buf = buf.slice(k + 1);
    if (!line.trim()) continue;
    const m = JSON.parse(line);
    if (m.id != null && pend.has(m.id)) { pend.get(m.id)(m); pend.delete(m.id); }
  }
});
function rpc(method, params) {
  return new Promise((res) => {
    const id = ++seq;
    pend.set(id, res);
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  });
}
const init = await rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {},
  clientInfo: { name: 'epintel-browser-test', version: '1' } });
check(!init.error, 'epintel serve (stdio) initialized');
child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');

// ext-apps' host-side bridge, bundled for the browser
const bundle = join(outDir, '..', 'bridge.js');
execFileSync(join(here, '..', 'node_modules', '.bin', 'rolldown'),
  [join(here, 'bridge_entry.mjs'), '--format', 'esm', '--platform', 'browser', '-o', bundle],
  { stdio: ['ignore', 'ignore', 'inherit'] });
const hostHtml = readFileSync(join(here, 'host.html'));
const bridgeJs = readFileSync(bundle);
const relay = createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/host.html')) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end(hostHtml);
  }
  if (req.method === 'GET' && req.url === '/bridge.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    return res.end(bridgeJs);
  }
  if (req.method === 'POST' && req.url === '/rpc') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const { method, params } = JSON.parse(body);
      const m = await rpc(method, params);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(m.error ? { error: m.error } : { result: m.result }));
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
await new Promise((r) => relay.listen(0, '127.0.0.1', r));
const hostBase = 'http://127.0.0.1:' + relay.address().port;

/* ---- the browser -------------------------------------------------------------------------- */
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const consoleErrors = [];
function watch(page, label) {
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(label + ': ' + m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(label + ': ' + e.message));
  return page;
}

// A screenshot, checked: PNG of the viewport's size, and not blank (many distinct colours,
// counted by Chromium itself on a canvas).
async function shot(page, name) {
  const file = join(outDir, name + '.png');
  const png = await page.screenshot({ path: file });
  const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
  check(png.subarray(1, 4).toString() === 'PNG' && w === 1280 && h === 900,
    `${name}.png is a 1280x900 PNG (${w}x${h})`);
  const p = await ctx.newPage();
  const colours = await p.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }, png.toString('base64'));
  await p.close();
  check(colours >= 20, `${name}.png is not blank (${colours} distinct colours)`);
}

async function viewData(frame) {
  return frame.evaluate(() => JSON.parse(document.getElementById('ep-data').textContent));
}

// The network explorer's interactions, in frame (a page or an iframe's frame).
async function exerciseNetwork(frame, label) {
  const d = await viewData(frame);
  const n = d.nodes.id.length;
  check(n === 707, `${label}: the bundled network has 707 MEPs (${n})`);
  check(await frame.locator('#nodes circle').count() === 707, `${label}: 707 circles drawn`);
  check(await frame.locator('#tbl tbody tr').count() === 707, `${label}: 707 rows in the data table`);
  check((await frame.locator('#count').textContent()) === '707 of 707 MEPs shown', `${label}: count shows all`);
  // hover: the tooltip names the MEP, group, country and centralities
  const i = d.nodes.eigenvector.indexOf(Math.max(...d.nodes.eigenvector.filter((x) => x != null)));
  await frame.locator(`#nodes circle[data-i="${i}"]`).hover({ force: true });
  const tip = await frame.locator('#tip').textContent();
  const g = d.groups[d.nodes.group[i]].code;
  check(tip.startsWith(d.nodes.name[i] + '\n' + g + ' · ' + d.nodes.country[i]) &&
    tip.includes('eigenvector 1.000') && tip.includes('PageRank'),
    `${label}: hover shows "${tip.split('\n').slice(0, 2).join(' / ')}" with centralities`);
  // filter by group: the count equals the option's figure (ep_network's modal counts)
  const opt = frame.locator('#f-group option').nth(1);
  const optText = await opt.textContent(), optVal = await opt.getAttribute('value');
  await frame.locator('#f-group').selectOption(optVal);
  const want = +optText.match(/\((\d+)\)/)[1];
  const shown = await frame.locator('#nodes circle:not(.off)').count();
  check(shown === want && (await frame.locator('#count').textContent()) === `${want} of 707 MEPs shown`,
    `${label}: group ${optText} shows ${shown} MEPs`);
  check(await frame.locator('#tbl tbody tr:not(.off)').count() === want, `${label}: the table follows the filter`);
  // and by country within the group
  const ctry = d.nodes.country[d.nodes.group.findIndex((x) => String(x) === optVal)];
  await frame.locator('#f-country').selectOption(ctry);
  const both = d.nodes.id.filter((_, k) => String(d.nodes.group[k]) === optVal && d.nodes.country[k] === ctry).length;
  check(await frame.locator('#nodes circle:not(.off)').count() === both, `${label}: group + ${ctry}: ${both} MEPs`);
  await frame.locator('#reset').click();
  check(await frame.locator('#nodes circle:not(.off)').count() === 707, `${label}: reset shows all again`);
  // search by name (accents folded): the first MEP's surname
  const surname = d.nodes.name[0].split(' ').pop();
  await frame.locator('#q').fill(surname);
  const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const m = d.nodes.name.filter((x) => fold(x).includes(fold(surname))).length;
  check(await frame.locator('#nodes circle.match').count() === m, `${label}: search "${surname}" marks ${m} MEP(s)`);
  // ego network: Enter in the search box selects the first match
  await frame.locator('#q').press('Enter');
  const ego = await frame.locator('#ego').textContent();
  const egoLines = await frame.locator('#ego-edges line').count();
  check(ego.startsWith('Ego network of ') && egoLines > 0 &&
    (await frame.locator('#nodes circle.hl').count()) === egoLines + 1,
    `${label}: ego network highlighted (${egoLines} ties)`);
  // keyboard: n steps to an MEP and shows its tooltip; Escape clears
  await frame.locator('#q').fill('');
  await frame.locator('#plot').focus();
  await frame.locator('#plot').press('Escape');
  await frame.locator('#plot').press('n');
  check(!(await frame.locator('#tip').isHidden()) && (await frame.locator('#nodes circle.sel').count()) === 1,
    `${label}: keyboard n selects an MEP and shows its tooltip`);
  await frame.locator('#plot').press('+');
  check(/scale\(1\.25\)/.test(await frame.locator('#vp').getAttribute('transform')), `${label}: + zooms`);
  await frame.locator('#plot').press('0');
  await frame.locator('#t-comm').check();
  const fills = await frame.locator('#nodes circle').evaluateAll((cs) => new Set(cs.map((c) => c.getAttribute('fill'))).size);
  check(fills === Math.min(d.communities, 14), `${label}: communities toggle: ${fills} colours for ${d.communities} communities`);
  await frame.locator('#t-comm').uncheck();
}

// The hemicycle's interactions, in frame; tool = generate_political_landscape's structuredContent
// for the same window (the seat figures computed by the tool, not by the page).
async function exerciseHemicycle(frame, label, tool) {
  const d = await viewData(frame);
  const total = tool.seats.total, maj = tool.seats.majority;
  check(d.total === total && d.majority === maj, `${label}: ${d.total} seats, majority ${d.majority} as the tool's`);
  check(await frame.locator('#seats circle').count() === total, `${label}: ${total} seats drawn (one dot each)`);
  const byTool = tool.seats.by_group.map((g) => g.group + ':' + g.seats).join(' ');
  const byPage = d.groups.map((g) => g.code + ':' + g.seats).join(' ');
  check(byTool === byPage, `${label}: groups and seats in the tool's order (${byPage})`);
  for (let g = 0; g < d.groups.length; g++) {
    const n = await frame.locator(`#seats g.grp[data-g="${g}"] circle`).count();
    if (n !== d.groups[g].seats) check(false, `${label}: ${d.groups[g].code} has ${n} dots, not ${d.groups[g].seats}`);
  }
  check(await frame.locator('#tbl tbody tr').count() === d.groups.length, `${label}: one table row per group`);
  // hover: group, seats, share
  const e = d.groups.findIndex((g) => g.code === 'EPP'), s = d.groups.findIndex((g) => g.code === 'SD');
  await frame.locator(`#seats g.grp[data-g="${e}"] circle`).nth(3).hover({ force: true });
  const tip = await frame.locator('#tip').textContent();
  const share = (100 * d.groups[e].seats / total).toFixed(1);
  check(tip === `EPP\n${d.groups[e].seats} seats, ${share} % of ${total}`, `${label}: hover shows "${tip.replace('\n', ' / ')}"`);
  // click two groups: the running total and the majority verdict
  await frame.locator(`#seats g.grp[data-g="${e}"] circle`).first().click({ force: true });
  await frame.locator(`#seats g.grp[data-g="${s}"] circle`).first().click({ force: true });
  const two = d.groups[e].seats + d.groups[s].seats;
  const t2 = await frame.locator('#total').textContent();
  check(+(await frame.locator('#total').getAttribute('data-seats')) === two &&
    t2.startsWith(`${[e, s].sort((a, b) => a - b).map((g) => d.groups[g].code).join(' + ')}: ${two} of ${total} seats`) &&
    t2.includes(two >= maj ? 'a majority' : `${maj - two} short of ${maj}`),
    `${label}: EPP and SD selected (seating order): "${t2}"`);
  // keyboard: Tab-reachable group, Enter adds RENEW
  const r = d.groups.findIndex((g) => g.code === 'RENEW');
  await frame.locator(`#seats g.grp[data-g="${r}"]`).focus();
  check(!(await frame.locator('#tip').isHidden()), `${label}: focusing a group shows its tooltip`);
  await frame.locator(`#seats g.grp[data-g="${r}"]`).press('Enter');
  const three = two + d.groups[r].seats;
  check(+(await frame.locator('#total').getAttribute('data-seats')) === three &&
    (await frame.locator('#total').getAttribute('data-majority')) === (three >= maj ? '1' : '0') &&
    (await frame.locator(`#seats g.grp[data-g="${r}"]`).getAttribute('aria-pressed')) === 'true',
    `${label}: Enter on RENEW: ${three} seats, majority ${three >= maj ? 'reached' : 'not reached'}`);
  await frame.locator(`#seats g.grp[data-g="${r}"]`).press('Escape');
  check(+(await frame.locator('#total').getAttribute('data-seats')) === 0, `${label}: Escape clears the selection`);
  // the table's check boxes select too
  await frame.locator(`#sel-${e}`).check();
  check(+(await frame.locator('#total').getAttribute('data-seats')) === d.groups[e].seats, `${label}: the table's check box selects EPP`);
  // the coalitions: the tool's list, and "Select" sets the selection to one of them
  const items = tool.majority.items;
  check(items.length > 0 && items.every((c, k) => c.seats === d.coalitions[k].seats && c.won_together === d.coalitions[k].won &&
      c.aligned_votes === d.coalitions[k].aligned && c.groups.join(' + ') === d.coalitions[k].groups.map((g) => d.groups[g].code).join(' + ')),
    `${label}: the tool's ${items.length} first coalitions listed with the same groups, seats and wins`);
  const rows = await frame.locator('#coal tbody tr').count();
  check(rows === d.coalitions.length && rows === tool.majority.minimal_winning_total,
    `${label}: ${rows} minimal winning coalitions in the table`);
  await frame.locator('#coal .pick').first().click();
  const c0 = d.coalitions[0];
  check(+(await frame.locator('#total').getAttribute('data-seats')) === c0.seats &&
    (await frame.locator('#total').getAttribute('data-majority')) === '1' &&
    (await frame.locator('#seats g.grp.on').count()) === c0.groups.length,
    `${label}: selecting the first coalition (${items[0].groups.join(' + ')}): ${c0.seats} seats, a majority`);
  await frame.locator('#clear').click();
  check(+(await frame.locator('#total').getAttribute('data-seats')) === 0 && (await frame.locator('#seats g.grp.on').count()) === 0,
    `${label}: Clear empties the selection`);
  // for the screenshot: the first coalition selected, the chart in view
  await frame.locator('#coal .pick').first().click();
  await frame.evaluate(() => window.scrollTo(0, 0));
}

async function waitReady(frame) {
  await frame.waitForFunction(() => window.epUi && window.epUi.ready, null, { timeout: 60000 });
}

// The policy-area view, in frame; tool = analyze_policy_area's structuredContent for the same
// area (the figures computed by the tool, not by the page).
async function exercisePolicy(frame, label, tool) {
  const d = await viewData(frame);
  check(d.area.code === tool.area.code && d.area.votes_in_window === tool.area.votes_in_window,
    `${label}: subject ${d.area.code}, ${d.area.votes_in_window} votes as the tool's`);
  const nb = await frame.locator('#bars rect.bar.area').count();
  check(nb === tool.groups.length && nb === d.groups.length, `${label}: ${nb} area bars = ${tool.groups.length} groups`);
  const te = tool.groups.find((g) => g.group === 'EPP'), e = d.groups.findIndex((g) => g.code === 'EPP');
  check(e >= 0 && te && Math.abs(d.groups[e].ai - te.ai_mean) < 1e-6, `${label}: EPP's AI ${d.groups[e].ai} = the tool's ${te.ai_mean}`);
  await frame.locator(`#bars rect.bar.area[data-g="${e}"]`).hover({ force: true });
  const tip = await frame.locator('#tip').textContent();
  check(tip.startsWith(`EPP: Agreement Index ${te.ai_mean.toFixed(3)} in the area`), `${label}: hover shows "${tip}"`);
  await frame.locator('#bars rect.bar.area[data-g="0"]').focus();
  await frame.locator('#bars rect.bar.area[data-g="0"]').press('ArrowRight');
  const foc = await frame.evaluate(() => document.activeElement && document.activeElement.getAttribute('class'));
  check(foc === 'bar all' || (foc || '').startsWith('bar all'), `${label}: ArrowRight moves the focus to the next bar (${foc})`);
  check(!(await frame.locator('#tip').isHidden()), `${label}: a focused bar shows its tooltip`);
  check(await frame.locator('#votes tbody tr').count() === tool.votes.listed, `${label}: ${tool.votes.listed} vote rows`);
}

/* ---- (a) in the MCP Apps host ------------------------------------------------------------- */
async function hostPage(tool, args) {
  const page = watch(await ctx.newPage(), 'host ' + tool);
  await page.goto(`${hostBase}/host.html?tool=${tool}&args=${encodeURIComponent(JSON.stringify(args))}`);
  await page.waitForFunction(() => window.host && (window.host.initialized || window.host.error), null, { timeout: 120000 });
  const err = await page.evaluate(() => window.host.error);
  check(!err, `host ${tool}: connected${err ? ' (' + err + ')' : ''}`);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  await waitReady(frame);
  await frame.waitForFunction(() => window.epUi.bridge, null, { timeout: 30000 });
  return { page, frame };
}

{
  const { page, frame } = await hostPage('map_political_network', {});
  const h = await page.evaluate(() => window.host);
  check(h.uri === 'ui://epintel/network', 'host: map_political_network names ui://epintel/network');
  check(h.csp && Array.isArray(h.csp.connectDomains) && h.csp.connectDomains.length === 0,
    'host: the resource declares its CSP (no connect domains)');
  await exerciseNetwork(frame, 'host network');
  check((await page.evaluate(() => window.host.size)) !== null, 'host: the view reported its size');
  await shot(page, 'host-network');
  // the political map through the bridge (resources/read), then a click opens the scorecard
  // with a tools/call assess_mep_influence through the host
  await frame.locator('#views a[data-view="map"]').click();
  await frame.waitForFunction(() => window.epUi.view === 'map');
  check((await page.evaluate(() => window.host.reads)).includes('ui://epintel/map'),
    'host map: loaded by resources/read through the bridge');
  const md = await viewData(frame);
  const nm = md.nodes.id.length;
  check(nm > 600 && nm <= 707 && (await frame.locator('#nodes circle').count()) === nm, `host map: ${nm} MEPs on the map`);
  const first = frame.locator('#groups input').first();
  const fl = await first.evaluate((e) => e.parentNode.textContent);
  await first.uncheck();
  const hidden = +fl.match(/\((\d+)\)/)[1];
  check((await frame.locator('#count').textContent()) === `${nm - hidden} of ${nm} MEPs shown`,
    `host map: unselecting ${fl.trim()} hides ${hidden}`);
  await first.check();
  const j = md.nodes.id.indexOf(96830) >= 0 ? md.nodes.id.indexOf(96830) : 0;
  await frame.locator(`#nodes circle[data-i="${j}"]`).hover({ force: true });
  check((await frame.locator('#tip').textContent()).startsWith(md.nodes.name[j]), `host map: hover names ${md.nodes.name[j]}`);
  await frame.locator(`#nodes circle[data-i="${j}"]`).click({ force: true });
  await frame.waitForFunction(() => /Composite influence/.test(document.getElementById('card').textContent), null, { timeout: 60000 });
  const calls = await page.evaluate(() => window.host.calls);
  check(calls.length === 1 && calls[0].name === 'assess_mep_influence' && calls[0].arguments.mep_id === md.nodes.id[j],
    `host map: the click called assess_mep_influence {mep_id: ${md.nodes.id[j]}} through the bridge`);
  check((await frame.locator('#card h2').textContent()).includes(md.nodes.name[j]), 'host map: the scorecard panel names the MEP');
  await shot(page, 'host-map');
  await page.close();
}
{
  const { page, frame } = await hostPage('assess_mep_influence', { mep_id: 96830 });
  await frame.waitForFunction(() => window.epUi.view === 'scorecard' && document.getElementById('composite'), null, { timeout: 60000 });
  check((await page.evaluate(() => window.host.reads)).includes('ui://epintel/scorecard?mep_id=96830'),
    'host scorecard: the tool input loaded ui://epintel/scorecard?mep_id=96830');
  const sd = await viewData(frame);
  const tr = await rpc('tools/call', { name: 'assess_mep_influence', arguments: { mep_id: 96830 } });
  const sc = tr.result.structuredContent;
  check(sd.rank === sc.rank && Math.abs(sd.composite - sc.composite) < 1e-3, // 6 digits in the page
    `host scorecard: composite ${sd.composite.toFixed(1)} and rank ${sd.rank} equal the tool's`);
  check(await frame.locator('#t-dims tbody tr').count() === 6, 'host scorecard: six dimensions in the table');
  check(await frame.locator('#t-agree tbody tr').count() === sd.agreement.length && sd.agreement.length >= 7,
    `host scorecard: agreement with ${sd.agreement.length} groups`);
  await shot(page, 'host-scorecard');
  await page.close();
}
{
  const { page, frame } = await hostPage('analyze_coalition_dynamics', {});
  const cd = await viewData(frame);
  check(await frame.locator('.cell').count() === 2 * cd.pairs.length, `host coalition: ${2 * cd.pairs.length} cells`);
  const p = cd.pairs[0];
  await frame.locator(`.cell[data-a="${p.a}"][data-b="${p.b}"]`).focus();
  await frame.locator(`.cell[data-a="${p.a}"][data-b="${p.b}"]`).press('Enter');
  await frame.waitForFunction(() => document.querySelector('#drill table'), null, { timeout: 60000 });
  const calls = await page.evaluate(() => window.host.calls);
  check(calls.length === 1 && calls[0].name === 'get_voting_records' && calls[0].arguments.limit === 100 &&
    calls[0].arguments.from === cd.window.from && calls[0].arguments.with_positions === true,
    'host coalition: Enter on a cell called get_voting_records through the bridge');
  const rows = await frame.locator('#drill tbody tr').count();
  const same = await frame.locator('#drill tbody tr td:last-child', { hasText: 'yes' }).count();
  const text = await frame.locator('#drill p').textContent();
  check(rows > 0 && text.includes(`same position on ${same} of the ${rows} votes`),
    `host coalition: drill-down ${p.a} × ${p.b}: ${same} of ${rows} votes alike`);
  // the same figures computed here from get_voting_records (not by the page's script)
  const vr = (await rpc('tools/call', { name: 'get_voting_records', arguments: calls[0].arguments })).result.structuredContent;
  let eb = 0, es = 0;
  for (const v of vr.votes) {
    const pos = Object.fromEntries((v.groups || []).map((g) => [g.group, g.position]));
    const x = pos[p.a], y = pos[p.b], ok = (z) => z && z !== 'NONE' && z !== 'TIE';
    if (ok(x) && ok(y)) { eb++; if (x === y) es++; }
  }
  check(eb === rows && es === same, `host coalition: ${es} of ${eb} recomputed from get_voting_records`);
  await shot(page, 'host-coalition');
  await page.close();
}

{
  const { page, frame } = await hostPage('generate_political_landscape', {});
  const h = await page.evaluate(() => window.host);
  check(h.uri === 'ui://epintel/hemicycle', 'host: generate_political_landscape names ui://epintel/hemicycle');
  const tool = (await rpc('tools/call', { name: 'generate_political_landscape', arguments: {} })).result.structuredContent;
  await exerciseHemicycle(frame, 'host hemicycle', tool);
  await shot(page, 'host-hemicycle');
  await page.close();
}

{
  const { page, frame } = await hostPage('analyze_policy_area', { subject: '4' });
  const h = await page.evaluate(() => window.host);
  check(h.uri === 'ui://epintel/policy-area', 'host: analyze_policy_area names ui://epintel/policy-area');
  await frame.waitForFunction(() => window.epUi.ready && JSON.parse(document.getElementById('ep-data').textContent).area.code === '4', null, { timeout: 60000 });
  const tool = (await rpc('tools/call', { name: 'analyze_policy_area', arguments: { subject: '4' } })).result.structuredContent;
  await exercisePolicy(frame, 'host policy-area', tool);
  await shot(page, 'host-policy-area');
  // the picker: subject 7 through the bridge (tools/call analyze_policy_area, then the page)
  await frame.locator('#subject').selectOption('7');
  await frame.waitForFunction(() => window.epUi.ready && JSON.parse(document.getElementById('ep-data').textContent).area.code === '7', null, { timeout: 60000 });
  const calls = await page.evaluate(() => window.host.calls);
  check(calls.some((c) => c.name === 'analyze_policy_area' && c.arguments.subject === '7'), 'host policy-area: the picker called analyze_policy_area through the bridge');
  const t7 = (await rpc('tools/call', { name: 'analyze_policy_area', arguments: { subject: '7' } })).result.structuredContent;
  await exercisePolicy(frame, 'host policy-area 7', t7);
  await page.close();
}

/* ---- (b) directly under /ui/ ---------------------------------------------------------------- */
{
  // a plain browser with the analyst's API key (run.sh's server has --auth-config)
  const uctx = await browser.newContext({ viewport: { width: 1280, height: 900 },
    extraHTTPHeaders: process.env.EP_UI_KEY ? { Authorization: 'Bearer ' + process.env.EP_UI_KEY } : {} });
  const page = watch(await uctx.newPage(), '/ui/');
  const resp = await page.goto(uiBase + 'network');
  check(resp.status() === 200 && resp.headers()['content-type'].startsWith('text/html'), '/ui/network: 200 text/html');
  await waitReady(page);
  check(!(await page.evaluate(() => window.epUi.bridge)), '/ui/network: no bridge (plain browser)');
  await exerciseNetwork(page, '/ui/network');
  await shot(page, 'ui-network');
  await page.goto(uiBase + 'map');
  await waitReady(page);
  const md = await viewData(page);
  const j = md.nodes.id.indexOf(96830) >= 0 ? md.nodes.id.indexOf(96830) : 0;
  check(md.mcp === '../mcp', '/ui/map: the page calls tools through the same origin\'s /mcp');
  // a click calls assess_mep_influence through POST /mcp (no host bridge) and shows the card
  await page.locator(`#nodes circle[data-i="${j}"]`).click({ force: true });
  await page.waitForFunction(() => document.querySelector('#card h2'), null, { timeout: 60000 });
  const mcalls = await page.evaluate(() => window.epUi.calls);
  check(mcalls.length === 1 && mcalls[0].name === 'assess_mep_influence' && mcalls[0].via === 'http' &&
    mcalls[0].arguments.mep_id === md.nodes.id[j], '/ui/map: a click called assess_mep_influence through /mcp');
  const msc = (await rpc('tools/call', { name: 'assess_mep_influence', arguments: mcalls[0].arguments })).result.structuredContent;
  const kpi = await page.locator('#card .kpi').textContent();
  check(kpi.includes(`rank ${msc.rank} of ${msc.n} MEPs`) && kpi.includes(`influence ${msc.composite.toFixed(1)} /`),
    `/ui/map: the card shows the tool's composite ${msc.composite.toFixed(1)} and rank ${msc.rank} (${kpi})`);
  await Promise.all([page.waitForNavigation(), page.locator('#card #full').click()]);
  check(page.url() === uiBase + 'scorecard?mep_id=' + md.nodes.id[j], `/ui/map: the card links to ${page.url()}`);
  await waitReady(page);
  check((await page.locator('#sub').textContent()).startsWith(md.nodes.name[j]), '/ui/scorecard: names the MEP');
  await shot(page, 'ui-scorecard');
  await page.goto(uiBase + 'coalition');
  await waitReady(page);
  const cd = await viewData(page);
  check(await page.locator('#tbl tbody tr').count() === cd.pairs.length, `/ui/coalition: ${cd.pairs.length} pairs in the table`);
  {
    // the drill-down under /ui/: get_voting_records through POST /mcp, with the page's key
    const p = cd.pairs[Math.min(3, cd.pairs.length - 1)];
    await page.locator(`.cell[data-a="${p.a}"][data-b="${p.b}"]`).first().click();
    await page.waitForFunction(() => document.querySelector('#drill table'), null, { timeout: 60000 });
    const calls = await page.evaluate(() => window.epUi.calls);
    check(calls.length === 1 && calls[0].name === 'get_voting_records' && calls[0].via === 'http' &&
      calls[0].arguments.limit === 100 && calls[0].arguments.from === cd.window.from && calls[0].arguments.with_positions === true,
      '/ui/coalition: a click on a cell called get_voting_records through /mcp');
    const rows = await page.locator('#drill tbody tr').count();
    const same = await page.locator('#drill tbody tr td:last-child', { hasText: 'yes' }).count();
    const text = await page.locator('#drill p').textContent();
    check(rows > 0 && text.includes(`same position on ${same} of the ${rows} votes`),
      `/ui/coalition: drill-down ${p.a} × ${p.b}: ${same} of ${rows} votes alike`);
    const vr = (await rpc('tools/call', { name: 'get_voting_records', arguments: calls[0].arguments })).result.structuredContent;
    let eb = 0, es = 0;
    for (const v of vr.votes) {
      const pos = Object.fromEntries((v.groups || []).map((g) => [g.group, g.position]));
      const x = pos[p.a], y = pos[p.b], ok = (z) => z && z !== 'NONE' && z !== 'TIE';
      if (ok(x) && ok(y)) { eb++; if (x === y) es++; }
    }
    check(eb === rows && es === same, `/ui/coalition: ${es} of ${eb} recomputed from get_voting_records`);
    await shot(page, 'ui-coalition');
  }
  await page.goto(uiBase + 'hemicycle');
  await waitReady(page);
  const land = (await rpc('tools/call', { name: 'generate_political_landscape', arguments: {} })).result.structuredContent;
  await exerciseHemicycle(page, '/ui/hemicycle', land);
  await shot(page, 'ui-hemicycle');
  {
    // the seats on another date (the tool's date argument) and the blocs, against the tool
    await page.goto(uiBase + 'hemicycle?date=2024-02-26');
    await waitReady(page);
    const land2 = (await rpc('tools/call', { name: 'generate_political_landscape', arguments: { date: '2024-02-26' } })).result.structuredContent;
    await exerciseHemicycle(page, '/ui/hemicycle?date=2024-02-26', land2);
    const hb = (await viewData(page)).blocs.communities;
    const comp = (cs) => cs.map((c) => c.size + '=' + c.groups.map((g) => g.group + ':' + g.nodes).join(',')).join(' | ');
    check(comp(hb) === comp(land2.blocs.communities) && await page.locator('#blocs .bloc').count() === hb.length &&
      await page.locator('#tbl-blocs tbody tr').count() === hb.length,
      `/ui/hemicycle: ${hb.length} blocs drawn and tabled as the tool's (${comp(hb).slice(0, 80)}…)`);
    await page.locator('#blocs .bloc').first().focus();
    check(await page.evaluate(() => document.activeElement.classList.contains('bloc')), '/ui/hemicycle: a bloc takes the keyboard focus');
  }
  await page.goto(uiBase + 'policy-area?subject=4');
  await waitReady(page);
  const pa = (await rpc('tools/call', { name: 'analyze_policy_area', arguments: { subject: '4' } })).result.structuredContent;
  await exercisePolicy(page, '/ui/policy-area', pa);
  await shot(page, 'ui-policy-area');
  await Promise.all([page.waitForNavigation(), page.locator('#subject').selectOption('7')]);
  await waitReady(page);
  check(page.url() === uiBase + 'policy-area?subject=7' && (await viewData(page)).area.code === '7', `/ui/policy-area: the picker loads ${page.url()}`);
  // a sub-level of the picker (subject 2.50.04, under 2 and 2.50), against the tool
  await Promise.all([page.waitForNavigation(), page.locator('#subject').selectOption('2.50.04')]);
  await waitReady(page);
  const t25 = (await rpc('tools/call', { name: 'analyze_policy_area', arguments: { subject: '2.50.04' } })).result.structuredContent;
  check(page.url() === uiBase + 'policy-area?subject=2.50.04' && (await viewData(page)).area.code === '2.50.04' &&
    (await page.locator('#subject option:checked').getAttribute('data-level')) === '3',
    `/ui/policy-area: the picker offers the sub-level 2.50.04 and loads ${page.url()}`);
  await exercisePolicy(page, '/ui/policy-area 2.50.04', t25);
  await page.goto(uiBase + 'map');
  await waitReady(page);
  await shot(page, 'ui-map');
  await page.close();
  // two refusals asked for, on a page whose console is not watched (Chromium logs each 4xx)
  const rp = await uctx.newPage();
  const bad = await rp.goto(uiBase + 'scorecard?mep_id=abc');
  check(bad.status() === 400 && (await rp.textContent('body')).includes('mep_id must be'),
    '/ui/scorecard?mep_id=abc: 400 naming mep_id');
  const nf = await rp.goto(uiBase + 'nope');
  check(nf.status() === 404, '/ui/nope: 404');
  await rp.close();
  await uctx.close();
}

check(consoleErrors.length === 0, 'no console errors' + (consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''));
await browser.close();
relay.close();
child.stdin.end();
child.kill();
console.log(`${checks - failures} of ${checks} checks passed`);
writeFileSync(join(outDir, '..', 'result.txt'), failures ? 'FAIL\n' : 'PASS\n');
process.exit(failures ? 1 : 0);
