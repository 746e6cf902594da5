// run_dashboard.mjs: drives the Ridge dashboard in a real (Debian) Chromium
// through playwright-core, against a running ridged.
//
// usage: node run_dashboard.mjs BASE_URL ARTIFACT_DIR [TOKEN]
// Walks the dashboard's main paths — evaluate a point (numbers, roofline with
// a ceiling per math format and the ridge point, hardware knobs as preset overrides,
// quality of its formats, a bad field named), store it as a run, compare two
// points, sweep values and a range (progress to 100 %, cancel), results
// (sort, filter, scatter and Pareto front, a point's breakdowns, CSV),
// record and supersede a decision with its evidence, search history, a
// layout search (bad model named, progress, ranked layouts, one opened as a
// design point), numerics, calibration (fit and store measured rows or a
// profile, use it in the design point), silicon (queue a synthesized unit, see its area beside its
// format's SQNR) — and fails on any console error, page error or failed check.
// Known answers for the page's own helpers run in the page. Screenshots at
// 1280x800 and 420x800 go to ARTIFACT_DIR.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, artifacts, token] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error('usage: node run_dashboard.mjs BASE_URL ARTIFACT_DIR [TOKEN]');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const T = 30000;
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
page.setDefaultTimeout(T);
// The console errors allowed: Chromium logs the 400s that the invalid-input
// chip and bad-config steps provoke on purpose.
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  if ((step === 'invalid input' || step === 'bad chip' || step === 'hf config bad key' || step === 'search bad input') && /status of 400/.test(m.text())) return;
  problems.push(`console error during "${step}": ${m.text()}`);
});
page.on('pageerror', (e) => problems.push(`page error during "${step}": ${e.message}`));
const writes = [];
page.on('request', (r) => {
  if (r.url().includes('/api/v1/') && r.method() !== 'GET') writes.push({ url: r.url(), auth: r.headers().authorization || '' });
});

const shot = async (name) => {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: false });
  log(`screenshot ${name}.png`);
};
const count = (sel) => page.locator(sel).count();
const text = (sel) => page.locator(sel).first().innerText();

let failed = null;
try {
  step = 'load';
  // ridged runs with --require-auth: the token is in place before the page's
  // first evaluation, as for a returning user; the form is checked below.
  if (token) await page.addInitScript((t) => { if (!localStorage.getItem('ridge.token')) localStorage.setItem('ridge.token', t); }, token);
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });
  check((await page.title()).includes('Ridge'), `page title names Ridge ("${await page.title()}")`);

  // Known answers for the page's own helpers, run in the page.
  step = 'modules';
  const km = await page.evaluate(async () => {
    const charts = await import('/js/charts.js');
    const sweeps = await import('/js/views/sweeps.js');
    const util = await import('/js/util.js');
    const front = charts.paretoFront([{ x: 1, y: 1, key: 'a' }, { x: 2, y: 3, key: 'b' }, { x: 3, y: 2, key: 'c' }, { x: 4, y: 4, key: 'd' }], true, false);
    return {
      front: front.map((p) => p.key).join(''),
      log: sweeps.axisValues({ path: 'x', range: { start: 1, stop: 8, steps: 4, scale: 'log' } }),
      lin: sweeps.axisValues({ path: 'x', range: { start: 0, stop: 1, steps: 5, scale: 'linear' } }),
      list: util.parseList('8, 16,32'), names: util.parseList('llama3-8b, llama3-70b'),
      fmt: [util.fmtBytes(1536), util.fmtTime(0.0015), util.fmtPct(0.4567), util.fmtField('tokens_per_s', 2500)],
    };
  });
  // Pareto (min x, max y): c (3, 2) is dominated by b (2, 3).
  check(km.front === 'abd', `Pareto front of a known set (${km.front})`);
  check(km.log.length === 4 && km.log.every((v, i) => Math.abs(v - 2 ** i) < 1e-12), `log range 1..8 in 4 steps is 1, 2, 4, 8 (${km.log})`);
  check(km.lin.join(',') === '0,0.25,0.5,0.75,1', `linear range 0..1 in 5 steps (${km.lin})`);
  check(km.list.join(',') === '8,16,32' && typeof km.list[0] === 'number' && km.names.join(',') === 'llama3-8b,llama3-70b', 'value lists parse to numbers or names');
  check(km.fmt.join('|') === '1.54 kB|1.5 ms|45.7 %|2.5 ktok/s', `formatters (${km.fmt.join('|')})`);

  if (token) {
    step = 'token';
    check(await page.inputValue('#api-token') === token, 'token field shows the stored token');
    await page.fill('#api-token', token);
    await page.click('#token-form button[type=submit]');
    check(await page.evaluate(() => localStorage.getItem('ridge.token')) === token, 'API token stored in localStorage');
  }

  step = 'evaluate';
  await page.waitForSelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
  await page.waitForFunction(() => document.querySelectorAll('#roofline svg circle.op-point').length > 0);
  const stepTime = await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
  check(/\d/.test(stepTime), `step time shown (${stepTime})`);
  const mfu = await text('#point-result .kpi[data-kpi="kpi-mfu"] .kpi-value');
  check(/\d.*%/.test(mfu), `MFU shown (${mfu})`);
  check(/\d/.test(await text('#point-result .kpi[data-kpi="kpi-tokens"] .kpi-value')), 'tokens/s shown');
  check(/of/.test(await text('#point-result .kpi[data-kpi="kpi-mem"] .kpi-value')), 'memory against capacity shown');
  const nPts = await count('#roofline svg circle.op-point');
  check(nPts > 0, `roofline has ${nPts} op points`);
  check(await count('#roofline svg line.ceiling.memory') >= 1 && await count('#roofline svg line.ceiling.compute') >= 1,
    'roofline draws memory and compute ceilings');
  check(await count('#point-result table.ops tbody tr') > 0, 'per-op table has rows');
  check(await count('#point-result dl.provenance dd') >= 2, 'provenance (spec hash, engine version) shown');
  await page.locator('#preset-sources summary').click();
  await page.waitForFunction(() => document.querySelectorAll('#preset-sources table').length === 3, null, { timeout: 5000 }).catch(() => {});
  check(await count('#preset-sources table') === 3 && await count('#preset-sources td.source') > 10, 'model, hardware and system preset values listed with their sources');
  await page.locator('#assumption-list summary').click();
  await page.waitForFunction(() => document.querySelectorAll('#assumption-list table tbody tr').length >= 10, null, { timeout: 5000 }).catch(() => {});
  check(await count('#assumption-list table tbody tr') >= 10, `every assumption listed with its source (${await count('#assumption-list table tbody tr')} rows)`);
  await page.locator('#assumption-list summary').click();
  await page.locator('#preset-sources summary').click();
  check(await count('#point-result .quality tbody tr') === 3, 'quality (SQNR) of the weights, activations and KV-cache formats shown');
  // how sure the answer is: an interval and the assumptions behind it
  await page.locator('#point-uncertainty').check();
  await page.waitForSelector('#point-result .uncertainty tbody tr', { timeout: 10000 });
  const interval = await text('#uncertainty-interval');
  check(/Step .+ – .+, MFU .+ – .+/.test(interval) && await count('#point-result .uncertainty tbody tr') >= 2,
    `uncertainty interval and its dominant assumptions shown (${interval})`);
  await page.locator('#point-uncertainty').uncheck();
  await page.waitForFunction(() => !document.querySelector('#point-result .uncertainty'));
  // predicted against measured: a step measured 25 % slower, explained by the
  // assumptions (POST /explain) as a waterfall from predicted to measured
  step = 'gap waterfall';
  await page.fill('#point-measured', '');
  await page.click('#btn-explain');
  check(/measured step time/.test(await text('#gap-explain')), 'explain without a measured time asks for one');
  const tm = /([\d.]+)\s*(ms|µs|s)/.exec(stepTime);
  const predictedS = Number(tm[1]) * { s: 1, ms: 1e-3, 'µs': 1e-6 }[tm[2]];
  await page.fill('#point-measured', String(predictedS * 1.25));
  await page.click('#btn-explain');
  await page.waitForSelector('#gap-explain svg.waterfall', { timeout: 15000 });
  const wf = await page.evaluate(() => {
    const bars = [...document.querySelectorAll('#gap-explain svg.waterfall rect.seg')];
    return { n: bars.length, up: bars.filter((b) => b.classList.contains('wf-up')).length,
      first: Number(bars[0].getAttribute('width')), last: Number(bars[bars.length - 1].getAttribute('width')) };
  });
  check(wf.n >= 4 && wf.up >= 1 && wf.last > wf.first * 1.2 && wf.last < wf.first * 1.3,
    `gap waterfall: predicted, ${wf.n - 2} assumption steps, measured 25 % longer (${JSON.stringify(wf)})`);
  const gapSummary = await text('#gap-summary');
  check(/Predicted .+ measured .+\+25\.0 %.+would have to (drop|rise)/.test(gapSummary), `gap explained in words (${gapSummary})`);
  check(await count('#gap-explain table tbody tr') >= 2, 'assumptions that alone close the gap listed');
  // the same joint change per op: each part of the step before and after
  const wo = await page.evaluate(() => {
    const bars = [...document.querySelectorAll('#gap-by-op svg.waterfall rect.seg')];
    return { n: bars.length, first: Number(bars[0]?.getAttribute('width')), last: Number(bars[bars.length - 1]?.getAttribute('width')),
      ops: document.querySelectorAll('#gap-ops tbody tr').length };
  });
  check(wo.n >= 4 && wo.last > wo.first * 1.2 && wo.last < wo.first * 1.3 && wo.ops >= 2,
    `gap by op: ${wo.n - 2} parts of the step from predicted to measured, ${wo.ops} listed before and after (${JSON.stringify(wo)})`);
  check(/changes most under the joint change: .+ s to .+ s/.test(await text('#gap-op-summary')), `the largest part in words (${await text('#gap-op-summary')})`);
  await shot('point-gap-1280');
  await page.fill('#point-measured', '');
  await shot('point-1280');
  await page.locator('#preset-sources summary').click();
  await page.locator('#preset-sources').scrollIntoViewIfNeeded();
  await shot('point-sources-1280');
  await page.locator('#preset-sources summary').click();
  await page.evaluate(() => window.scrollTo(0, 0));

  // Calibration: measured GEMMs (a file) fitted and stored, the profile's
  // values with intervals and MAPE before/after, used in the design point;
  // the fitted profile stored again as it is.
  step = 'calibration';
  const hwName = JSON.parse(await page.inputValue('#spec-json')).hardware;
  const peak = await page.evaluate(async (hw) => {
    const p = await (await fetch('/api/v1/presets')).json();
    const x = p.hardware.find((q) => q.name === hw);
    return x.matrix_flops.bf16.value;
  }, hwName);
  const calRows = [];
  for (const m of [1024, 4096, 16384]) for (const n of [1024, 8192]) for (const k of [1024, 8192]) {
    // 0.6 of the bf16 peak with a half-efficiency size of 2e9 FLOP, +-3 % noise
    const F = 2 * m * n * k, noise = 1 + 0.03 * Math.sin(calRows.length * 2.1);
    calRows.push(JSON.stringify({ kind: 'gemm', hardware: hwName, dtype: 'bf16', m, n, k, time_s: noise * F / (peak * 0.6 * F / (F + 2e9)) }));
  }
  await page.click('a[data-view="calibrate"]');
  await page.waitForSelector('#cal-upload');
  await page.setInputFiles('#cal-file', { name: 'gemm-web.jsonl', mimeType: 'application/json', buffer: Buffer.from(`${calRows.join('\n')}\n`) });
  await page.waitForFunction(() => document.querySelector('#cal-text').value.length > 100 && document.querySelector('#cal-name').value === 'gemm-web');
  await page.click('#cal-upload');
  await page.waitForSelector('#cal-detail-name', { timeout: 15000 });
  check(await text('#cal-detail-name') === 'gemm-web' && /12 rows: MAPE .+ % with the defaults → .+ % fitted, .+ % cross-validated/.test(await text('#cal-detail .calib-mape')),
    `stored profile shows its error before and after (${await text('#cal-detail .calib-mape')})`);
  const fitted = await page.evaluate(() => [...document.querySelectorAll('#cal-detail tbody tr')].map((tr) => [...tr.cells].map((c) => c.innerText)));
  const me = fitted.find((r) => r[0] === 'matmul_efficiency');
  check(me && Math.abs(Number(me[1]) - 0.6) < 0.02 && / – /.test(me[2]) && Number(me[2].split(' – ')[0]) < Number(me[1]), `fitted matmul_efficiency with its interval (${JSON.stringify(me)})`);
  check(/gemm-web/.test(await text('#cal-list')), 'stored profiles listed');
  await page.click('#cal-use');
  await page.waitForSelector('#point-result .calibration-applied tbody tr', { timeout: 15000 });
  check(JSON.parse(await page.inputValue('#spec-json')).calibration === 'gemm-web' && await page.inputValue('#point-calibration') === 'gemm-web',
    'the design point names the profile');
  check(/matmul_efficiency/.test(await text('#point-result .calibration-applied')), 'the result lists the calibrated values');
  await page.selectOption('#point-calibration', '');
  await page.waitForFunction(() => !document.querySelector('#point-result .calibration-applied'));
  check(JSON.parse(await page.inputValue('#spec-json')).calibration === undefined, 'calibration taken off the design point');
  // a fitted profile (ridge calibrate --out) is stored as it is
  const prof = await page.evaluate(async () => {
    const list = await (await fetch('/api/v1/calibrations')).json();
    return (await (await fetch(`/api/v1/calibrations/${list.calibrations[0].id}`)).json()).profile;
  });
  await page.click('a[data-view="calibrate"]');
  await page.fill('#cal-name', 'gemm-web-profile');
  await page.fill('#cal-text', JSON.stringify(prof));
  await page.click('#cal-upload');
  await page.waitForFunction(() => document.querySelector('#cal-detail-name')?.innerText === 'gemm-web-profile', null, { timeout: 15000 });
  check(/fitted profile/.test(await text('#view-calibrate .msg')) && /gemm-web-profile/.test(await text('#cal-list')), 'a fitted profile stored as it is');
  await shot('calibrate-1280');
  await page.click('a[data-view="point"]');
  await page.waitForSelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');

  // The roofline: a ceiling per math format the chip has (equal peaks share
  // one), the spec's math format marked, and the ridge point labelled.
  step = 'roofline per format';
  const ceilings = await page.evaluate(() => [...document.querySelectorAll('#roofline svg line.ceiling.compute.peak')]
    .map((l) => ({ formats: (l.dataset.formats || '').split(' '), active: l.classList.contains('active') })));
  check(ceilings.length >= 3 && ceilings.filter((c) => c.active).length === 1 && ceilings.find((c) => c.active).formats.includes('bf16') &&
    ceilings.some((c) => c.formats.includes('fp8')), `a compute ceiling per format group (${ceilings.map((c) => c.formats.join('·')).join(', ')}), bf16 marked`);
  const ridgeLabel = await page.evaluate(() => document.querySelector('#roofline svg .ridge-point text')?.textContent || '');
  check(/ridge point [\d,.]+ FLOP\/B \(bf16\)/.test(ridgeLabel), `ridge point labelled (${ridgeLabel})`);
  await page.locator('#roofline').scrollIntoViewIfNeeded();
  await shot('roofline-1280');
  await page.evaluate(() => window.scrollTo(0, 0));

  // Hardware knobs: overrides in their units merged on the preset; emptied,
  // the spec names the preset again.
  step = 'hardware knobs';
  const knob = async (label) => page.locator('label', { hasText: label }).getAttribute('for');
  const bwId = await knob('HBM bandwidth (TB/s)');
  const fp8Id = await knob('Matrix peak fp8 (TFLOP/s)');
  const upId = await knob('Scale-up link bandwidth (GB/s)');
  check(/^3\.35 \(preset\)$/.test(await page.getAttribute(`#${bwId}`, 'placeholder')), 'the HBM bandwidth knob shows the preset\'s 3.35 TB/s');
  const timeBefore = await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
  await page.fill(`#${bwId}`, '4.8');
  await page.fill(`#${fp8Id}`, '2500');
  await page.fill(`#${upId}`, '900');
  await page.waitForFunction((b) => document.querySelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')?.innerText !== b, timeBefore);
  const knobSpec = JSON.parse(await page.inputValue('#spec-json'));
  check(knobSpec.hardware?.preset === 'h100-sxm' && knobSpec.hardware.mem_bw === 4.8e12 && knobSpec.hardware.matrix_flops?.fp8 === 2.5e15 &&
    Object.keys(knobSpec.hardware.matrix_flops).length === 1 && knobSpec.system?.scaleup_bw === 9e11 && typeof knobSpec.system.preset === 'string',
    'knobs are overrides on the hardware and system presets, in B/s and FLOP/s');
  check(await count('#point-msg .notice.error, #view-point .notice.error') === 0 && /\d/.test(await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')),
    `the overridden chip evaluates (${await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')}, was ${timeBefore})`);
  await page.waitForFunction(() => /fp8: 2\.5 P/.test([...document.querySelectorAll('#roofline svg text.ceiling-label')].map((t) => t.textContent).join('|')));
  check(/fp8: 2\.5 PFLOP\/s/.test(await page.evaluate(() => [...document.querySelectorAll('#roofline svg text.ceiling-label')].map((t) => t.textContent).join('|'))),
    'the roofline draws the overridden fp8 peak');
  for (const id of [bwId, fp8Id, upId]) await page.fill(`#${id}`, '');
  await page.waitForFunction(() => { const sp = JSON.parse(document.querySelector('#spec-json').value); return sp.hardware === 'h100-sxm' && typeof sp.system === 'string'; });
  check(true, 'emptied knobs give the preset names back');

  // The codesign link: a smaller weights format moves both time and quality.
  step = 'numerics in the design point';
  const wId = await page.locator('label', { hasText: 'Weights format' }).getAttribute('for');
  await page.selectOption(`#${wId}`, 'mxfp4');
  await page.waitForFunction(() => /mxfp4/.test(document.querySelector('#point-result .quality tbody tr')?.innerText || ''));
  const wRow = await text('#point-result .quality tbody tr');
  const wSqnr = Number(/([\d.]+) dB/.exec(wRow)[1]);
  check(wSqnr > 10 && wSqnr < 25, `mxfp4 weights: SQNR ${wSqnr} dB (bf16 is about 55)`);
  await page.selectOption(`#${wId}`, 'bf16');
  await page.waitForFunction(() => /bf16/.test(document.querySelector('#point-result .quality tbody tr')?.innerText || ''));

  // A recipe on a class (numerics.recipes, choices from the presets ridged
  // lists): the class's quality comes from the recipe; emptied, it is gone.
  step = 'recipe in the design point';
  const rId = await page.locator('label', { hasText: 'Activations recipe' }).getAttribute('for');
  check(await count(`#${rId} option[value="nvfp4_4over6"]`) === 1, 'the recipe presets are the choices');
  await page.selectOption(`#${rId}`, 'nvfp4_1x16');
  await page.waitForFunction(() => /nvfp4_1x16 \(recipe\)/.test(document.querySelector('#point-result .quality tbody tr:nth-child(2)')?.innerText || ''));
  const rRow = await text('#point-result .quality tbody tr:nth-child(2)');
  const rSqnr = Number(/([\d.]+) dB/.exec(rRow)[1]);
  check(rSqnr > 15 && rSqnr < 25, `nvfp4_1x16 activations: SQNR ${rSqnr} dB (NVFP4 about 20, bf16 about 55)`);
  check(JSON.parse(await page.inputValue('#spec-json')).numerics?.recipes?.activations === 'nvfp4_1x16', 'the JSON editor holds numerics.recipes.activations');
  await page.selectOption(`#${rId}`, '');
  await page.waitForFunction(() => /bf16/.test(document.querySelector('#point-result .quality tbody tr:nth-child(2)')?.innerText || ''));
  check(JSON.parse(await page.inputValue('#spec-json')).numerics?.recipes === undefined, 'an emptied recipe leaves no numerics.recipes');

  // Changing a field through the form re-evaluates at once.
  step = 'edit field';
  const batchId = await page.locator('label', { hasText: 'Batch (sequences)' }).getAttribute('for');
  const before = stepTime;
  await page.click('button:has-text("Pin A")');
  await page.fill(`#${batchId}`, '64');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForFunction((b) => document.querySelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')?.innerText !== b, before);
  check(JSON.parse(await page.inputValue('#spec-json')).batch === 64, 'JSON editor follows the form');
  // Keystroke to new result, measured (reported, not asserted): typing a
  // digit into the batch field until the step time changes.
  const lat = [];
  for (const b of ['96', '48', '80', '40', '72']) {
    const was = await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
    await page.locator(`#${batchId}`).fill(b.slice(0, 1));
    await page.waitForFunction((w) => document.querySelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')?.innerText !== w, was);
    const now = await text('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
    const t = await page.evaluate(async ([id, digit, w]) => {
      const el = document.getElementById(id);
      const t0 = performance.now();
      el.value += digit;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((ok) => { const tick = () => (document.querySelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value')?.innerText !== w ? ok() : requestAnimationFrame(tick)); tick(); });
      return performance.now() - t0;
    }, [batchId, b.slice(1), now]);
    lat.push(t);
  }
  lat.sort((a, b) => a - b);
  const req = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/evaluate')).slice(-5).map((e) => e.duration).sort((a, b) => a - b));
  log(`measured: keystroke to new result ${lat.map((t) => t.toFixed(0)).join(', ')} ms (median ${lat[2].toFixed(0)} ms); the evaluate request alone ${req.map((t) => t.toFixed(0)).join(', ')} ms`);
  await page.fill(`#${batchId}`, '64');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForFunction(() => JSON.parse(document.querySelector('#spec-json').value).batch === 64);
  await page.click('button:has-text("Pin B")');

  step = 'invalid input';
  await page.fill(`#${batchId}`, '0');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForSelector('#view-point .notice.error');
  const errText = await text('#view-point .notice.error');
  check(/batch/.test(errText), `a bad field is reported by name ("${errText.slice(0, 90)}")`);
  check(await page.locator(`#${batchId}`).evaluate((el) => el.classList.contains('invalid')), 'the bad field is highlighted');
  await page.fill(`#${batchId}`, '64');
  await page.locator(`#${batchId}`).dispatchEvent('change');
  await page.waitForFunction(() => !document.querySelector('#view-point .notice.error'));

  // A Hugging Face config.json pasted as published (this one holds Python's bare
  // Infinity) becomes the model; the service imports it (params = ridge
  // import-model's count, checked against the published 56B by
  // tests/cli/test_import_model.sh); a bad key is named as model.hf_config.<key>.
  step = 'hf config';
  const hfCfg = fs.readFileSync(new URL('../hf/configs/nemotron-h-56b-base-8k.json', import.meta.url), 'utf8');
  check(/Infinity/.test(hfCfg), 'the pasted config.json holds a bare Infinity');
  await page.locator('#hf-import summary').click();
  await page.fill('#hf-config', hfCfg);
  const hfResp = page.waitForResponse((r) => r.url().includes('/api/v1/evaluate') && r.request().method() === 'POST' &&
    /hf_config/.test(r.request().postData() || ''));
  await page.click('#btn-hf-use');
  const hfRaw = await (await hfResp).json();
  const hfBody = hfRaw.result || hfRaw;
  check(hfBody.params === 56324350464, `the pasted config is the model: ${hfBody.params} parameters`);
  const hfSpec = JSON.parse(await page.inputValue('#spec-json'));
  check(hfSpec.model?.hf_config?.model_type === 'nemotron_h' && hfSpec.model.hf_config.time_step_limit[1] === null,
    'the JSON editor holds model.hf_config (Infinity read as null)');
  const modelId = await page.locator('label', { hasText: /^Model$/ }).getAttribute('for');
  check(await page.inputValue(`#${modelId}`) === '__custom', 'the model picker shows a custom model');
  await page.waitForFunction(() => !document.querySelector('#view-point .notice.error'));
  step = 'hf config bad key';
  await page.fill('#hf-config', hfCfg.replace('"num_key_value_heads": 8', '"num_key_value_heads": 5'));
  await page.click('#btn-hf-use');
  await page.waitForSelector('#view-point .notice.error');
  const hfErr = await text('#view-point .notice.error');
  check(/model\.hf_config\.num_key_value_heads/.test(hfErr), `a bad config key is named ("${hfErr.slice(0, 90)}")`);
  step = 'hf config';
  await page.fill('#hf-config', '{"model_type": ');
  await page.click('#btn-hf-use');
  check(/config\.json error/.test(await text('#hf-config-msg')), 'a config.json that is not JSON is refused in the page');
  await page.selectOption(`#${modelId}`, 'llama3-8b');
  await page.waitForFunction(() => !document.querySelector('#view-point .notice.error'));
  check(JSON.parse(await page.inputValue('#spec-json')).model === 'llama3-8b', 'the preset model is back');
  await page.locator('#hf-import summary').click();

  step = 'compare';
  await page.click('a[data-view="compare"]');
  await page.waitForSelector('#compare-body table.compare');
  check(await count('#compare-body tr.changed') >= 1, 'compare highlights differing inputs');
  await shot('compare-1280');

  step = 'store run';
  await page.click('a[data-view="point"]');
  await page.click('#btn-store');
  await page.waitForFunction(() => /Stored run \d+/.test(document.querySelector('#view-point .notice.ok')?.innerText || ''));
  const runId = /Stored run (\d+)/.exec(await text('#view-point .notice.ok'))[1];
  check(true, `run stored with id ${runId}`);
  await page.click('#view-point .notice.ok button.link');
  await page.waitForFunction((id) => (document.querySelector('#dec-evidence')?.innerText || '').includes(`run ${id}`), runId);
  check(true, 'stored run offered as decision evidence');

  step = 'sweep';
  await page.click('a[data-view="point"]');
  await page.click('button:has-text("Sweep from here")');
  await page.waitForSelector('#sweep-name');
  await page.fill('#sweep-name', 'web test sweep');
  await page.fill('#sweep-tags', 'webtest, batch');
  check((await text('.axis .relative')).includes('base 64'), 'axis offers values relative to the base point');
  const valuesInput = page.locator('.axis input').nth(1);
  await valuesInput.fill('8, 16, 32, 64, 128');
  await page.click('#sweep-add-axis');
  const tpValues = page.locator('.axis').nth(1).locator('input').nth(1);
  await tpValues.fill('1, 2, 4, 8');
  check((await text('#sweep-count')).startsWith('20 points'), `points counted before submit (${await text('#sweep-count')})`);
  await shot('sweep-form-1280');
  await page.click('#sweep-submit');
  await page.waitForFunction(() => document.querySelector('#sweep-pct')?.textContent === '100 %', null, { timeout: 60000 });
  check(await page.locator('#sweep-progress').evaluate((p) => p.value === 1), 'sweep progress reached 100 %');
  await page.waitForFunction(() => /succeeded|done|completed/.test(document.querySelector('#sweep-status')?.textContent || ''));
  await shot('sweep-done-1280');

  step = 'results';
  await page.click('#sweep-open');
  await page.waitForFunction(() => document.querySelectorAll('#res-table tbody tr').length > 0);
  check(await count('#res-table tbody tr') > 0, `results table has ${await count('#res-table tbody tr')} rows`);
  await page.waitForFunction(() => document.querySelectorAll('#res-scatter svg circle').length > 0);
  check(await count('#res-scatter svg circle') === 20, 'scatter shows all 20 points');
  check(await count('#res-scatter svg .pareto-line') === 1 && await count('#res-scatter svg circle.on-front') >= 1, 'Pareto front drawn');
  // sort by a column
  const firstBefore = await text('#res-table tbody tr:first-child');
  await page.locator('#res-table thead button.sort', { hasText: /^time_s/ }).first().click();
  await page.waitForFunction((b) => document.querySelector('#res-table tbody tr:first-child')?.innerText !== b
    || document.querySelector('#res-table th[aria-sort="descending"], #res-table th[aria-sort="ascending"]'), firstBefore);
  check(await count('#res-table th[aria-sort="ascending"], #res-table th[aria-sort="descending"]') === 1, 'results sortable');
  step = 'filter';
  await page.fill('#res-filter', 'mfu > 0 and time_s > 0');
  await page.locator('#res-filter').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelectorAll('#res-table tbody tr').length > 0);
  check(!(await page.locator('#view-results .notice.error').count()), 'results filter accepted');
  await page.fill('#res-filter', '');
  await page.locator('#res-filter').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelectorAll('#res-table tbody tr').length > 0);
  step = 'point detail';
  await page.click('#res-table tbody tr:first-child');
  await page.waitForFunction(() => document.querySelectorAll('#res-detail svg.chart').length >= 2);
  check(true, 'time and memory breakdown of the chosen point drawn');
  await page.locator('#res-detail').scrollIntoViewIfNeeded();
  await shot('results-point-1280');
  await page.evaluate(() => window.scrollTo(0, 0));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#res-csv')]);
  const csvPath = path.join(artifacts, 'results.csv');
  await download.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
  check(csv.length === 21, `CSV download has a header and 20 rows (${csv.length} lines)`);
  await shot('results-1280');

  step = 'decision';
  await page.click('#res-decide');
  await page.waitForSelector('#decision-form');
  check((await text('#dec-evidence')).includes('sweep'), 'decision evidence links the sweep');
  const title = `Batch choice ${Date.now()}`;
  await page.fill('#dec-title', title);
  await page.fill('#dec-question', 'Which batch size should the next run use?');
  await page.fill('#dec-decision', 'Use batch 64 with tp 8.');
  await page.fill('#dec-rationale', 'Highest MFU on the Pareto front that still fits in memory.');
  await page.selectOption('#dec-confidence', 'high');
  await page.click('#dec-submit');
  await page.waitForFunction((t) => document.querySelector('#hist-decisions')?.innerText.includes(t), title);
  check(true, 'recorded decision listed in history');
  await page.fill('#hist-q', title.split(' ').pop());
  await page.click('#hist-search');
  await page.waitForFunction((t) => document.querySelector('#hist-decisions')?.innerText.includes(t), title);
  await page.locator('#hist-decisions button.link', { hasText: title }).click();
  await page.waitForSelector('#hist-detail .decision-detail a.evidence');
  const ev = await text('#hist-detail .decision-detail');
  check(/sweep \d+/.test(ev) && ev.includes(`run ${runId}`), 'decision found by text search, sweep and run linked as evidence');
  check(await count('#hist-detail .decision-detail table tbody tr') >= 1, 'decision lists the assumptions it rests on');
  const [report] = await Promise.all([ctx.waitForEvent('page'), page.click('#dec-report')]);
  await report.waitForLoadState();
  check(/^Decision \d+: /.test(await report.title()) && await report.locator('section.evidence svg circle').count() >= 1,
    `the decision opens as a self-contained HTML report ("${await report.title()}")`);
  await report.close();

  step = 'supersede';
  const firstId = await page.locator('#hist-detail dl.provenance dd').last().innerText();
  await page.fill('#dec-title', `${title} (revised)`);
  await page.fill('#dec-question', 'Which batch size should the next run use?');
  await page.fill('#dec-decision', 'Use batch 32 with tp 8.');
  await page.fill('#dec-supersedes', firstId);
  await page.fill('#dec-tags', 'webtest');
  await page.selectOption('#dec-status', 'accepted');
  await page.click('#dec-submit');
  await page.waitForFunction((t) => document.querySelector('#hist-decisions')?.innerText.includes(t), `${title} (revised)`);
  await page.locator('#hist-decisions button.link', { hasText: new RegExp(`^${title}$`) }).click();
  await page.waitForFunction(() => /superseded/.test(document.querySelector('#hist-detail .decision-detail')?.innerText || ''));
  check(true, `a new decision superseded decision ${firstId}`);

  step = 'compare stored run';
  await page.locator('#hist-detail a.evidence', { hasText: `run ${runId}` }).click();
  await page.waitForFunction((id) => (document.querySelector('#compare-body')?.innerText || '').includes(`run ${id}`), runId);
  check(true, 'stored run loaded into Compare from its evidence link');
  step = 'history filters';
  await page.click('a[data-view="history"]');
  await page.fill('#hist-q', '');
  await page.fill('#hist-tag', 'webtest');
  await page.click('#hist-search');
  await page.waitForFunction(() => document.querySelectorAll('#hist-sweeps tbody tr').length >= 1);
  check(true, 'sweep found by tag');
  await page.fill('#hist-author', 'web-test');
  await page.selectOption('#hist-sweep-status', 'succeeded');
  await page.selectOption('#hist-decision-status', 'accepted');
  await page.click('#hist-search');
  await page.waitForFunction(() => !document.querySelector('#view-history .notice.info'));
  check(await count('#hist-sweeps tbody tr') === 1 && await count('#hist-decisions article') === 1, 'author and status filters narrow the history');
  await page.fill('#hist-author', '');
  await page.selectOption('#hist-sweep-status', '');
  await page.selectOption('#hist-decision-status', '');
  await shot('history-1280');

  step = 'numerics';
  // A build without the numerics emulator answers 503 "not available";
  // anything else must work.
  const probe = await fetch(new URL('api/v1/numerics/quantize', base), {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ format: 'bf16', n: 1024 }),
  });
  if (probe.status === 503) {
    log('skipped: numerics (this ridged build has no emulator)');
  } else {
    check(probe.ok, `POST /numerics/quantize answers (${probe.status})`);
    await page.click('a[data-view="numerics"]');
    await page.fill('#num-custom', 'e3m4');
    await page.click('#num-add');
    await page.click('#num-run');
    await page.waitForFunction(() => document.querySelectorAll('#num-chart svg circle').length >= 3);
    check(await count('#num-table tbody tr') >= 3, `SQNR against bits per element for ${await count('#num-table tbody tr')} formats`);
    check((await text('#num-table')).includes('e3m4'), 'a user-defined minifloat is emulated too');
    check(await count('#num-chart svg .pareto-line') === 1, 'front of formats drawn');
    await shot('numerics-1280');
  }

  step = 'silicon';
  // An FP4 multiplier through ridged's RTL worker: generation, exhaustive
  // co-simulation and synthesis take seconds; the area appears beside the
  // format's SQNR.
  await page.click('a[data-view="silicon"]');
  await page.selectOption('#sil-unit', 'mul');
  await page.selectOption('#sil-format', 'fp4_e2m1');
  await page.check('#sil-synth');
  await page.click('#sil-submit');
  await page.waitForFunction(() => /Queued RTL job \d+/.test(document.querySelector('#view-silicon .notice.ok')?.innerText || ''));
  await page.waitForFunction(() => [...document.querySelectorAll('#sil-cost tbody tr')]
    .some((tr) => tr.dataset.format === 'fp4_e2m1' && Number(tr.dataset.area) > 0), null, { timeout: 150000 });
  const fp4 = page.locator('#sil-cost tbody tr[data-format="fp4_e2m1"]').first();
  const area = Number((await fp4.locator('td.area').innerText()).replace(/,/g, ''));
  const sqnr = Number(await fp4.locator('td.sqnr').innerText());
  check(area > 0, `mul fp4_e2m1 synthesized: ${area} um2`);
  check(sqnr > 0 && sqnr < 30, `beside its format's SQNR (${sqnr} dB)`);
  check(await count('#sil-chart svg circle') >= 1, 'quality against energy per operation drawn');
  check(await count('#sil-jobs tbody tr[data-status="done"]') >= 1, 'the job is listed as done');
  await page.locator('#sil-jobs tbody tr[data-status="done"] button.link').first().click();
  await page.waitForSelector('#sil-detail .rtl-detail details');
  check(/[0-9a-f]{64}/.test(await text('#sil-detail .rtl-detail dl')), 'job detail shows the Verilog SHA-256');
  await shot('silicon-1280');
  const jobId = await page.locator('#sil-jobs tbody tr[data-status="done"]').first().getAttribute('data-id');
  await page.click('#sil-evidence');
  await page.waitForFunction((id) => (document.querySelector('#dec-evidence')?.innerText || '').includes(`rtl ${id}`), jobId);
  const fp4Title = `FP4 multiplier ${Date.now()}`;
  await page.fill('#dec-title', fp4Title);
  await page.fill('#dec-question', 'What does an E2M1 multiplier cost?');
  await page.fill('#dec-decision', 'Build the E2M1 lane.');
  await page.click('#dec-submit');
  await page.waitForFunction(() => /Decision recorded/.test(document.querySelector('#view-history .notice.ok')?.innerText || ''));
  await page.fill('#hist-tag', '');
  await page.fill('#hist-q', fp4Title.split(' ').pop());
  await page.click('#hist-search');
  await page.waitForFunction((id) => [...document.querySelectorAll('#hist-decisions a.evidence')].some((a) => a.textContent === `RTL job ${id}`), jobId);
  await page.locator('#hist-decisions a.evidence', { hasText: `RTL job ${jobId}` }).first().click();
  await page.waitForFunction((id) => (document.querySelector('#sil-detail h3')?.innerText || '').startsWith(`RTL job ${id}`), jobId);
  check(true, `a decision cites RTL job ${jobId} and links back to it`);

  step = 'range sweep and cancel';
  await page.click('a[data-view="sweeps"]');
  await page.locator('.axis').nth(1).locator('button', { hasText: 'Remove' }).click();
  await page.locator('.axis input').first().fill('hardware.mem_bw');
  await page.locator('.axis select').first().selectOption('range');
  const rangeInputs = page.locator('.axis .range input');
  await rangeInputs.nth(0).fill('1e12');
  await rangeInputs.nth(1).fill('1e13');
  await rangeInputs.nth(2).fill('2000000');
  await page.locator('.axis .range select').selectOption('log');
  check((await text('#sweep-count')).startsWith('2,000,000 points'), `range axis counted (${await text('#sweep-count')})`);
  await page.fill('#sweep-name', 'web test cancel');
  await page.click('#sweep-submit');
  await page.waitForFunction(() => /running|queued/.test(document.querySelector('#sweep-status')?.textContent || ''));
  await page.click('#sweep-cancel');
  await page.waitForFunction(() => document.querySelector('#sweep-status')?.textContent === 'cancelled');
  const watched = await text('#sweep-watch');
  check(watched.includes('of 2,000,000 points'), 'ridged counts the range sweep as the page did');
  const pct = await text('#sweep-pct');
  check(pct !== '100 %', `sweep cancelled before finishing (${pct})`);
  await shot('sweep-cancelled-1280');

  // Build a chip: the form's silicon fields price a matrix unit from
  // synthesized lanes; the result shows its MACs, stages and energy.
  step = 'build a chip';
  await page.click('a[data-view="point"]');
  const fieldId = async (label) => page.locator('label', { hasText: label }).first().getAttribute('for');
  const areaId = await fieldId('Build a chip: matrix area');
  await page.fill(`#${areaId}`, '400');
  await page.locator(`#${areaId}`).dispatchEvent('change');
  await page.waitForFunction(() => /Build a chip: give the node, clock, MAC lane format too/.test(document.querySelector('#view-point .notice.info')?.innerText || ''));
  check(true, 'a half-built chip asks for its other fields instead of failing');
  await page.selectOption(`#${await fieldId('Build a chip: node')}`, '5');
  const clockId = await fieldId('Build a chip: clock');
  await page.fill(`#${clockId}`, '1.8');
  await page.locator(`#${clockId}`).dispatchEvent('change');
  await page.selectOption(`#${await fieldId('Build a chip: MAC lane format')}`, 'bf16');
  await page.waitForSelector('#point-result .kpi[data-kpi="kpi-silicon"]', { timeout: 15000 });
  const chipKpi = await text('#point-result .kpi[data-kpi="kpi-silicon"]');
  check(/bf16 MACs/.test(chipKpi) && /stages/.test(chipKpi), `built chip shown: ${chipKpi.replace(/\s+/g, ' ').slice(0, 140)}`);
  const chipSpec = JSON.parse(await page.inputValue('#spec-json'));
  check(chipSpec.hardware?.silicon?.mac_format === 'bf16' && chipSpec.hardware.silicon.node_nm === 5 &&
    chipSpec.hardware.silicon.matrix_area_mm2 === 400, 'the JSON editor holds hardware.silicon');
  check(/J/.test(await text('#point-result .kpi[data-kpi="kpi-energy"] .kpi-value')), 'energy per token shown');
  await shot('chip-1280');
  // a field the engine refuses is reported by name
  step = 'bad chip';
  await page.fill(`#${clockId}`, '-1');
  await page.locator(`#${clockId}`).dispatchEvent('change');
  await page.waitForSelector('#view-point .notice.error');
  check(/hardware\.silicon\.clock_ghz/.test(await text('#view-point .notice.error')), 'a negative clock is refused naming hardware.silicon.clock_ghz');
  await page.fill(`#${clockId}`, '1.8');
  await page.locator(`#${clockId}`).dispatchEvent('change');
  await page.waitForFunction(() => !document.querySelector('#view-point .notice.error'));
  step = 'build a chip';
  check(true, 'the chip is priced again once the clock is fixed');

  // Speed x quality x energy of a numerics sweep on built chips.
  step = 'speed x quality x energy';
  const sqeId = await page.evaluate(async (spec) => {
    const { api } = await import('/js/api.js');
    const base = { ...spec, hardware: { ...spec.hardware, silicon: { ...spec.hardware.silicon, mac_format: 'fp8_e4m3' } },
      numerics: { ...(spec.numerics || {}), math: 'fp8_e4m3' } };
    const r = await api.createSweep({ name: 'web test lanes x numerics', base,
      axes: [{ path: 'numerics.weights', values: ['fp8_e4m3', 'mxfp6_e2m3', 'mxfp4', 'nvfp4'] },
        { path: 'numerics.activations', values: ['fp8_e4m3', 'mxfp4'] },
        { path: 'hardware.silicon.matrix_area_mm2', values: [200, 400] }] });
    for (let i = 0; i < 600; i++) { // 16 points: seconds
      const sw = await api.getSweep(r.id);
      if (sw.status !== 'queued' && sw.status !== 'running') break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    return String(r.id);
  }, chipSpec);
  await page.evaluate((id) => { location.hash = `#results/${id}`; }, sqeId);
  await page.waitForFunction(() => document.querySelectorAll('#res-table tbody tr').length > 0, null, { timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector('#res-sqe')?.disabled, null, { timeout: 60000 });
  await page.click('#res-sqe');
  await page.waitForFunction(() => document.querySelector('#res-scatter svg .color-legend') &&
    document.querySelectorAll('#res-scatter svg circle.colored').length === 16, null, { timeout: 30000 });
  const legend = await page.locator('#res-scatter svg .color-legend').evaluate((g) => ({ min: Number(g.dataset.min), max: Number(g.dataset.max), text: g.textContent }));
  check(legend.max > legend.min && legend.min > 0 && /energy_per_token_j/.test(legend.text), `points coloured by energy per token (${legend.min.toExponential(2)}..${legend.max.toExponential(2)} J)`);
  const fills = await page.$$eval('#res-scatter svg circle.colored', (cs) => new Set(cs.map((c) => c.style.fill)).size);
  check(fills > 1, `energy changes the colour (${fills} distinct fills)`);
  check((await page.locator('#res-scatter svg .chart-title').evaluate((t) => t.textContent)).startsWith('quality_sqnr_db (max) against time_s (min)'), 'time against matmul-output SQNR');
  check(await count('#res-scatter svg .pareto-line') === 1 && await count('#res-scatter svg circle.on-front') >= 2, 'the speed x quality front is drawn');
  await shot('speed-quality-energy-1280');
  // charts leave the dashboard as SVG (styles inlined) and PNG
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.click('#res-scatter .export-svg')]);
  const svgFile = fs.readFileSync(await svgDl.path(), 'utf8');
  check(svgDl.suggestedFilename().endsWith('.svg') && svgFile.startsWith('<svg') && /style="fill:/.test(svgFile) &&
    (svgFile.match(/<circle/g) || []).length === 16, `scatter exported as SVG with inlined styles (${svgFile.length} bytes)`);
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#res-scatter .export-png')]);
  const png = fs.readFileSync(await pngDl.path());
  check(png.subarray(1, 4).toString() === 'PNG' && png.readUInt32BE(16) === 1120, `scatter exported as PNG (${png.readUInt32BE(16)}x${png.readUInt32BE(20)} px)`);

  // Shareable URLs: each screen's address reopens it as it was.
  step = 'shareable URLs';
  await page.click('a[data-view="point"]');
  await page.waitForFunction(() => location.hash.startsWith('#point/'));
  const pointUrl = page.url();
  const specNow = JSON.parse(await page.inputValue('#spec-json'));
  await page.click('a[data-view="results"]');
  await page.waitForFunction(() => /^#results\/\d+\?x=time_s&y=quality_sqnr_db&color=energy_per_token_j/.test(location.hash));
  const resultsUrl = page.url();
  const page2 = await ctx.newPage();
  page2.on('console', (m) => { if (m.type() === 'error') problems.push(`console error in the second page: ${m.text()}`); });
  await page2.goto(pointUrl);
  await page2.waitForSelector('#point-result .kpi[data-kpi="kpi-silicon"]');
  check(JSON.stringify(JSON.parse(await page2.inputValue('#spec-json'))) === JSON.stringify(specNow), 'a design point link reopens the same spec (chip included)');
  await page2.goto(resultsUrl);
  await page2.waitForFunction(() => document.querySelector('#res-scatter svg .color-legend'), null, { timeout: 30000 });
  check(await page2.inputValue('#res-x') === 'time_s' && await page2.inputValue('#res-y') === 'quality_sqnr_db' &&
    await page2.inputValue('#res-color') === 'energy_per_token_j', 'a results link reopens the sweep with its axes and colour');

  // Stored runs: the list, and three of them side by side.
  step = 'runs';
  const stored = await page2.evaluate(async () => {
    const { api } = await import('/js/api.js');
    const ids = [];
    for (const b of [8, 16]) ids.push((await api.evaluate({ model: 'llama3-8b', hardware: 'h100-sxm', phase: 'decode', batch: b, seq_len: 2048 }, { store: true })).run_id);
    return ids.map(String);
  });
  await page2.close();
  await page.click('a[data-view="history"]');
  await page.fill('#hist-q', '');
  await page.fill('#hist-tag', '');
  await page.fill('#hist-author', '');
  await page.click('#hist-search');
  await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`#hist-runs tr[data-id="${id}"]`)), stored);
  check(await count('#hist-runs tbody tr') >= 3, `stored runs listed (${await count('#hist-runs tbody tr')})`);
  for (const id of [...stored, runId]) await page.check(`#hist-run-${id}`);
  check(await page.locator('#hist-compare-runs').innerText() === 'Compare 3 runs', 'three runs picked');
  await page.click('#hist-compare-runs');
  await page.waitForSelector('#compare-many table');
  check(await count('#compare-many thead th') === 4, 'three runs side by side');
  check(await count('#compare-many tr.changed.input') >= 1 && /batch/.test(await text('#compare-many')), 'the inputs that differ (batch) are listed');
  check(/^#compare\/runs\/\d+,\d+,\d+$/.test(await page.evaluate(() => location.hash)), 'the compare set lives in the URL');
  await shot('compare-runs-1280');

  // A sweep larger than the scatter draws: the density of every point beneath.
  step = 'density';
  const bigId = await page.evaluate(async () => {
    const { api } = await import('/js/api.js');
    const r = await api.createSweep({ name: 'web test 12k', base: { model: 'llama3-8b', hardware: 'h100-sxm', phase: 'decode', batch: 8, seq_len: 2048 },
      axes: [{ path: 'batch', range: { start: 1, stop: 1200, steps: 1200 } }, { path: 'assumptions.memory_bw_efficiency', range: { start: 0.5, stop: 0.9, steps: 10 } }] });
    for (let i = 0; i < 1200; i++) {
      const sw = await api.getSweep(r.id);
      if (sw.status !== 'queued' && sw.status !== 'running') break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    return String(r.id);
  });
  await page.evaluate((id) => { location.hash = `#results/${id}?x=time_s&y=tokens_per_s`; }, bigId);
  await page.waitForSelector('#res-scatter svg image.density', { timeout: 60000 });
  const dens = await page.locator('#res-scatter svg image.density').evaluate((im) => ({ points: Number(im.dataset.points), cells: Number(im.dataset.cells) }));
  check(dens.points === 12000 && dens.cells > 10, `density of all 12,000 points drawn beneath the 10,000 plotted (${dens.cells} cells)`);
  check(/over the density of all 12,000/.test(await text('#res-scatter figcaption')), 'the caption says what is drawn');
  await shot('density-1280');

  step = 'dark mode';
  await page.click('#theme-toggle');
  check(await page.evaluate(() => document.documentElement.dataset.theme) === 'dark' &&
    await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor) === 'rgb(11, 18, 32)', 'dark mode switches the page');
  await shot('compare-runs-dark-1280');
  await page.click('#theme-toggle');
  check(await page.evaluate(() => localStorage.getItem('ridge.theme')) === 'light', 'the theme choice is kept');

  // A layout search as a job: an unknown model is named, then the example
  // search runs in the service's workers to 100 %, its ranked layouts are
  // the ones GET /searches/{id} answers, and one opens as a design point.
  step = 'search bad input';
  await page.click('a[data-view="point"]');
  const specBeforeSearch = await page.inputValue('#spec-json');
  await page.click('a[data-view="search"]');
  const exampleSearch = await page.inputValue('#search-spec');
  await page.fill('#search-spec', exampleSearch.replace('llama3-8b', 'llama9'));
  await page.click('#search-submit');
  await page.waitForSelector('#search-spec.invalid', { timeout: 10000 });
  check(/llama9/.test(await text('#view-search .notice.error')), 'a search of an unknown model is refused and the spec marked');
  step = 'search';
  await page.fill('#search-spec', exampleSearch);
  await page.fill('#search-top', '5');
  await page.click('#search-submit');
  await page.waitForFunction(() => document.querySelector('#search-status')?.textContent === 'succeeded', null, { timeout: 60000 });
  check(await page.evaluate(() => document.querySelector('#search-progress').value) === 1 && await text('#search-pct') === '100 %',
    'search progress reaches 100 %');
  await page.waitForFunction(() => document.querySelectorAll('#search-best tbody tr').length === 5);
  const searchId = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[1] || '');
  const served = await page.evaluate(async (id) => (await (await fetch(`/api/v1/searches/${id}`)).json()), searchId);
  const shownIdx = await page.evaluate(() => [...document.querySelectorAll('#search-best tbody tr')].map((r) => Number(r.dataset.index)));
  check(served.best.length === 5 && shownIdx.join() === served.best.map((b) => b.index).join(),
    `the ranked table shows search ${searchId}'s five best layouts in order (${served.configs_total} layouts)`);
  check(await page.locator(`#search-list tr[data-search="${searchId}"]`).count() === 1, 'the search is listed under recent searches');
  await shot('search-1280');
  await page.locator('#search-best tbody tr').nth(1).locator('button.open-layout').click();
  await page.waitForFunction(() => !document.querySelector('#view-point').hidden);
  await page.waitForSelector('#point-result .kpi[data-kpi="kpi-time"] .kpi-value');
  const opened = JSON.parse(await page.inputValue('#spec-json'));
  const want = served.best[1].parallelism;
  check(opened.chips === 64 && ['tp', 'pp', 'dp', 'microbatch', 'zero', 'recompute'].every((k) => opened.parallelism?.[k] === want[k]),
    `layout 2 opens as a design point (tp ${want.tp}, pp ${want.pp}, dp ${want.dp})`);
  // the design point the walk had before
  await page.fill('#spec-json', specBeforeSearch);
  await page.waitForFunction((t) => JSON.stringify(JSON.parse(document.querySelector('#spec-json').value)) === JSON.stringify(JSON.parse(t)), specBeforeSearch);

  // A serving run: the phase select gives a small workload; the result shows
  // the latency quantiles, goodput under the SLOs and the run's time series.
  step = 'serving';
  await page.click('a[data-view="point"]');
  const phaseId = await page.locator('label', { hasText: /^Phase$/ }).getAttribute('for');
  await page.selectOption(`#${phaseId}`, 'serve');
  await page.waitForSelector('#point-result #serving .kpi[data-kpi="kpi-ttft"] .kpi-value', { timeout: 30000 });
  check(/\d/.test(await text('#point-result #serving .kpi[data-kpi="kpi-ttft"] .kpi-value')), 'TTFT quantiles shown');
  check(/within the SLOs/.test(await text('#point-result #serving .kpi[data-kpi="kpi-goodput"]')), 'goodput and SLO attainment shown');
  check(await count('#serving-cdf svg circle.pt') === 9, 'TTFT, TPOT and end-to-end quantiles plotted');
  check(await count('#serving-series svg circle.pt') > 20, 'waiting requests and batch size over the run plotted');
  await page.locator('#serving').scrollIntoViewIfNeeded();
  await shot('serving-1280');
  await page.evaluate(() => window.scrollTo(0, 0));

  step = 'labels';
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) && !el.getAttribute('aria-label') && !el.closest('label'))
    .map((el) => el.outerHTML.slice(0, 80)));
  check(unlabelled.length === 0, `every control is labelled${unlabelled.length ? `: ${unlabelled.join(' | ')}` : ''}`);

  if (token) {
    const bad = writes.filter((w) => w.auth !== `Bearer ${token}`);
    check(writes.length > 0 && bad.length === 0, `all ${writes.length} writes carried the bearer token`);
  }

  step = 'narrow';
  await page.setViewportSize({ width: 420, height: 800 });
  for (const [view, sel] of [['point', '#roofline svg'], ['sweeps', '#sweep-count'], ['results', '#res-table'],
    ['search', '#search-submit'], ['numerics', '#num-run'], ['silicon', '#sil-submit'], ['calibrate', '#cal-upload'], ['compare', '#compare-body'], ['history', '#decision-form']]) {
    await page.click(`a[data-view="${view}"]`);
    await page.waitForSelector(sel, { state: 'attached' });
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${view} view fits 420 px without horizontal scrolling (overflow ${overflow}px)`);
    await shot(`${view}-420`);
  }
} catch (e) {
  failed = e;
  try { await shot('failure'); } catch { /* the page may be gone */ }
}
await ctx.close();
fs.rmSync(userDir, { recursive: true, force: true });
if (failed) console.error(`FAILED during "${step}": ${failed.message}`);
for (const p of problems) console.error(p);
if (failed || problems.length) process.exit(1);
log('dashboard test passed');
