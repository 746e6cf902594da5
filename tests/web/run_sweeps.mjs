// run_sweeps.mjs: the dashboard against large and hardware sweeps, in a real
// (Debian) Chromium through playwright-core, against a running ridged.
//
// usage: node run_sweeps.mjs BASE_URL ARTIFACT_DIR [TOKEN]
// - a 25,000-point sweep over batch x hardware.mem_bw: its CSV download holds
//   every point once (ridged streams it from COPY; pages follow X-Next-Page-Token);
// - a point of that hardware.* sweep opens with the override merged into the
//   preset ({preset: "h100-sxm", mem_bw: ...}), not in place of it;
// - a log range over an integer field shows ridged's count of distinct
//   points before submitting, and ridged stores that many;
// - values in their units (TB/s, not 4.8e12), infeasible points marked in the
//   results table, and no stale result left on screen after a bad input.
// Fails on any console error, page error or failed check.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, artifacts, token] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error('usage: node run_sweeps.mjs BASE_URL ARTIFACT_DIR [TOKEN]');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const problems = [];
let step = '';
const t0 = Date.now();
function log(msg) { console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`); }
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  log(`ok: ${what}`);
}

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ridge-chromium-'));
const ctx = await chromium.launchPersistentContext(userDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  viewport: { width: 1280, height: 800 },
  acceptDownloads: true,
});
const page = ctx.pages()[0] || await ctx.newPage();
page.setDefaultTimeout(60000);
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  // the 400s provoked on purpose: an infeasible point opened, a bad field
  if (step === 'no stale result after an error' && /status of 400/.test(m.text())) return;
  problems.push(`console error during "${step}": ${m.text()}`);
});
page.on('pageerror', (e) => problems.push(`page error during "${step}": ${e.message}`));

const BASE = { model: 'llama3-8b', hardware: 'h100-sxm', phase: 'decode', batch: 8, seq_len: 2048 };

// Same-origin API calls from the page, as the dashboard makes them.
async function call(method, p, body) {
  return page.evaluate(async ([m, u, b, t]) => {
    const headers = { Accept: 'application/json' };
    if (b !== null) headers['Content-Type'] = 'application/json';
    if (t) headers.Authorization = `Bearer ${t}`;
    const r = await fetch(`/api/v1${u}`, { method: m, headers, body: b === null ? undefined : JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, [method, p, body === undefined ? null : body, token || '']);
}
async function waitDone(id) {
  for (let i = 0; i < 600; i++) {
    const s = (await call('GET', `/sweeps/${id}`)).body;
    if (['succeeded', 'failed', 'cancelled'].includes(s.status)) return s;
    await page.waitForTimeout(250);
  }
  throw new Error(`sweep ${id} did not finish`);
}

let failed = null;
try {
  step = 'load';
  if (token) await page.addInitScript((t) => { if (!localStorage.getItem('ridge.token')) localStorage.setItem('ridge.token', t); }, token);
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });

  step = '25,000-point hardware sweep';
  const created = await call('POST', '/sweeps', {
    name: 'web 25k', base: BASE,
    axes: [{ path: 'batch', range: { start: 1, stop: 250, steps: 250 } },
      { path: 'hardware.mem_bw', range: { start: 1e12, stop: 8e12, steps: 100 } }],
  });
  check(created.status === 202 && created.body.points_total === 25000, `sweep of ${created.body.points_total} points accepted`);
  const id = created.body.id;
  const done = await waitDone(id);
  check(done.status === 'succeeded' && done.points_done === 25000, `sweep ${done.status} with ${done.points_done} points`);

  step = 'CSV of every point';
  await page.goto(`${base}#results/${id}`);
  await page.waitForFunction(() => document.querySelectorAll('#res-table tbody tr').length > 0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#res-csv')]);
  const csvPath = path.join(artifacts, 'sweep-25k.csv');
  await download.saveAs(csvPath);
  const lines = fs.readFileSync(csvPath, 'utf8').split('\n').filter(Boolean);
  const header = lines[0].split(',');
  check(header[0] === 'point_index' && header.includes('hardware.mem_bw') && header.includes('time_s'),
    `CSV header names the index, the axes and the results (${header.length} columns)`);
  const idx = new Set(lines.slice(1).map((l) => l.split(',')[0]));
  check(lines.length === 25001 && idx.size === 25000, `CSV complete: ${lines.length - 1} rows, ${idx.size} distinct points`);
  check(!lines.slice(1).some((l) => l.startsWith('point_index')), 'the header line appears once');

  step = 'units, not raw exponents';
  const table = await page.locator('#res-table tbody').innerText();
  check(/TB\/s/.test(table), 'hardware.mem_bw shown in TB/s');
  const raw = table.match(/\d(\.\d+)?e[+-]?\d+/);
  check(!raw, `no raw exponents in the results table${raw ? ` (${raw[0]})` : ''}`);
  const xl = await page.$$eval('#res-scatter svg .axis-label', (els) => els.map((e) => e.textContent));
  check(xl.some((t) => /\((s|B|FLOP|B\/s|tok\/s)\)$/.test(t)), `scatter axes name their units (${xl.join(' / ')})`);

  step = 'point of a hardware sweep';
  const evals = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/evaluate')) evals.push(JSON.parse(r.postData() || '{}')); });
  await page.click('#res-table tbody tr:first-child');
  await page.waitForFunction(() => document.querySelectorAll('#res-detail svg.chart').length >= 2
    || document.querySelector('#res-detail .error-text'));
  const detailErr = await page.locator('#res-detail .error-text').count();
  check(detailErr === 0, `point detail opens without an error${detailErr ? `: ${await page.locator('#res-detail .error-text').innerText()}` : ''}`);
  const sent = evals[evals.length - 1] || {};
  check(sent.hardware && sent.hardware.preset === 'h100-sxm' && typeof sent.hardware.mem_bw === 'number',
    `the override is merged into the preset (${JSON.stringify(sent.hardware)})`);
  await page.screenshot({ path: path.join(artifacts, 'hardware-point-1280.png') });

  step = 'integer log range counted by ridged';
  await page.click('a[data-view="point"]');
  await page.waitForSelector('#roofline svg', { state: 'attached' });
  await page.click('a[data-view="sweeps"]');
  await page.waitForSelector('.axis input');
  await page.locator('.axis input').first().fill('parallelism.tp');
  await page.locator('.axis select').first().selectOption('range');
  const r = page.locator('.axis .range input');
  await r.nth(0).fill('1');
  await r.nth(1).fill('8');
  await r.nth(2).fill('12');
  await page.locator('.axis .range select').selectOption('log');
  await page.waitForFunction(() => document.querySelector('#sweep-count')?.dataset.checked === '1');
  const shown = await page.locator('#sweep-count').innerText();
  const axesN = await page.locator('.axis').count();
  check(/round to 7 integers/.test(shown), `the page shows ridged's count of distinct points (${shown}, ${axesN} axes)`);
  const n = Number(await page.locator('#sweep-count').getAttribute('data-points'));
  await page.fill('#sweep-name', 'web dedup');
  const [resp] = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith('/api/v1/sweeps') && x.request().method() === 'POST'),
    page.click('#sweep-submit')]);
  const body = await resp.json();
  check(body.points_total === n, `ridged stores the count the page showed (${body.points_total} = ${n})`);
  await page.screenshot({ path: path.join(artifacts, 'sweep-dedup-1280.png') });

  step = 'infeasible designs marked';
  const dd = await waitDone(body.id);
  check(dd.status === 'succeeded', `the deduplicated sweep ${dd.status}`);
  await page.waitForFunction((id) => document.querySelector(`#sweep-watch .status`)?.textContent === 'succeeded'
    && document.querySelector(`tr[data-sweep="${id}"] td.points`), String(body.id));
  const watchText = await page.locator('#sweep-watch .small.muted').first().innerText();
  const recentText = await page.locator(`tr[data-sweep="${body.id}"] td.points`).innerText();
  check(watchText.startsWith(recentText.replace(' / ', ' of ')), `"Recent sweeps" agrees with the bar (${recentText}; ${watchText})`);
  await page.goto(`${base}#results/${body.id}`);
  await page.waitForFunction((want) => document.querySelector('#res-info h2 .mono')?.textContent === want, String(body.id));
  await page.waitForFunction((n) => document.querySelectorAll('#res-table tbody tr').length === n, body.points_total);
  const bad = await page.locator('#res-table tbody tr.infeasible').count();
  const good = await page.locator('#res-table tbody tr:not(.infeasible):not(.nofit)').count();
  check(bad > 0 && good > 0, `infeasible points marked (${bad} marked, ${good} valid)`);
  check(/infeasible/.test(await page.locator('#res-table tbody tr.infeasible .row-state').first().innerText()),
    'an infeasible row says so');

  step = 'no stale result after an error';
  await page.click('a[data-view="point"]');
  await page.waitForSelector('#point-result .kpis');
  const batchId = await page.locator('label', { hasText: 'Batch (sequences)' }).getAttribute('for');
  await page.fill(`#${batchId}`, '0');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForSelector('#view-point .notice.error');
  await page.waitForSelector('#point-no-result');
  check(await page.locator('#point-result .kpis').count() === 0, 'the last good result is taken off the screen after an error');
  await page.fill(`#${batchId}`, '8');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForSelector('#point-result .kpis');
  check(true, 'a valid spec shows its result again');
} catch (e) {
  failed = e;
  try { await page.screenshot({ path: path.join(artifacts, 'sweeps-failure.png') }); } catch { /* page gone */ }
}
await ctx.close();
fs.rmSync(userDir, { recursive: true, force: true });
if (failed) console.error(`FAILED during "${step}": ${failed.message}`);
for (const p of problems) console.error(p);
if (failed || problems.length) process.exit(1);
log('sweeps test passed');
