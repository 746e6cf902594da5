// resultview.js: how one evaluation result is shown — headline numbers,
// memory against capacity, time and memory breakdowns, the roofline, the
// per-op table, the assumptions it rests on and its provenance. Used by the
// design-point view and for a chosen sweep point.

import { h, clear, fmtTime, fmtPct, fmtSI, fmtBytes, fmtNum } from '../util.js';
import { roofline, stackedBar, scatter, BOUND_COLORS } from '../charts.js';

const TIME_COLORS = {
  compute: BOUND_COLORS.compute, memory: BOUND_COLORS.memory, comm: BOUND_COLORS.comm,
  bubble: '#94a3b8', other: '#cbd5e1',
};
const MEM_PARTS = [
  ['weights_bytes', 'weights', '#2563eb'], ['grads_bytes', 'grads', '#0891b2'],
  ['optimizer_bytes', 'optimizer', '#7c3aed'], ['activations_bytes', 'activations', '#ea580c'],
  ['kv_cache_bytes', 'KV cache', '#16a34a'], ['other_bytes', 'other', '#94a3b8'],
];

export function commExposed(b) {
  let total = 0, exposed = 0;
  for (const v of Object.values((b && b.comm) || {})) {
    total += Number(v.total_s) || 0;
    exposed += Number(v.exposed_s ?? v.total_s) || 0;
  }
  return { total, exposed };
}

export function kpis(r) {
  const mem = r.memory || {};
  const fits = mem.fits;
  const serve = r.phase === 'serve'; /* a run of many steps: no one step's MFU, FLOPs or energy */
  return h('div', { class: 'kpis' },
    kpi(serve ? 'Simulated time' : 'Step time', fmtTime(r.time_s), 'kpi-time'),
    serve ? null : kpi('MFU', fmtPct(r.mfu), 'kpi-mfu'),
    kpi('Tokens/s', fmtSI(r.tokens_per_s), 'kpi-tokens',
      r.tokens_per_s_per_chip ? h('div', { class: 'kpi-sub' }, `${fmtSI(r.tokens_per_s_per_chip)} per chip${r.chips ? ` · ${r.chips} chips` : ''}`) : null),
    kpi('Memory / device', `${fmtBytes(mem.per_device_bytes)} of ${fmtBytes(mem.capacity_bytes)}`, 'kpi-mem',
      h('span', { class: `badge ${fits === false ? 'bad' : 'good'}` }, fits === false ? 'does not fit' : 'fits')),
    kpi('Params', `${fmtSI(r.params)}${r.active_params && r.active_params !== r.params ? ` (${fmtSI(r.active_params)} active)` : ''}`, 'kpi-params'),
    serve ? null : kpi('Model FLOPs', fmtSI(r.flops, 'FLOP'), 'kpi-flops'),
    r.phase === 'decode' && r.latency_per_token_s ? kpi('Latency / token', fmtTime(r.latency_per_token_s), 'kpi-latency') : null,
    r.energy_per_token_j !== undefined && !serve ? kpi('Energy / token', fmtSI(r.energy_per_token_j, 'J'), 'kpi-energy',
      h('div', { class: 'kpi-sub' }, `${fmtSI(r.energy_j, 'J')} per step · ${fmtSI(r.energy?.avg_power_w, 'W')} per chip`)) : null,
    r.silicon ? kpi('Built chip', `${fmtSI(r.silicon.macs)} ${r.silicon.mac_format} MACs`, 'kpi-silicon',
      h('div', { class: 'kpi-sub' }, `${fmtSI(r.silicon.matrix_flops, 'FLOP/s')} · ${fmtSI(r.silicon.matrix_power_w, 'W')} matrix power · ${fmtNum(r.silicon.area_per_mac_um2)} µm²/MAC · ${r.silicon.pipeline_stages} pipeline ${r.silicon.pipeline_stages === 1 ? 'stage' : 'stages'} (up to ${fmtNum(r.silicon.max_clock_ghz)} GHz)`)) : null,
  );
}

function kpi(label, value, id, extra) {
  return h('div', { class: 'kpi', 'data-kpi': id }, h('div', { class: 'kpi-label' }, label),
    h('div', { class: 'kpi-value' }, value), extra || null);
}

export function timeBreakdown(r, title = 'Step time breakdown', width = 440, scaleMax = 0) {
  const b = r.breakdown || {};
  const c = commExposed(b);
  return stackedBar([
    { label: 'compute', value: Number(b.compute_s) || 0, color: TIME_COLORS.compute },
    { label: 'memory', value: Number(b.memory_s) || 0, color: TIME_COLORS.memory },
    { label: 'comm (exposed)', value: c.exposed, color: TIME_COLORS.comm },
    { label: 'bubble', value: Number(b.bubble_s) || 0, color: TIME_COLORS.bubble },
    { label: 'other', value: Number(b.other_s) || 0, color: TIME_COLORS.other },
  ], { title, fmt: fmtTime, width, scaleMax });
}

export function memoryBreakdown(r, title = 'Memory per device against capacity', width = 440) {
  const m = r.memory || {};
  return stackedBar(MEM_PARTS.filter(([k]) => k in m).map(([k, label, color]) => ({ label, value: Number(m[k]) || 0, color })),
    { title, fmt: fmtBytes, capacity: Number(m.capacity_bytes) || undefined, capacityLabel: 'capacity', width });
}

function commTable(b) {
  const rows = Object.entries((b && b.comm) || {}).filter(([, v]) => v && (v.total_s > 0 || v.exposed_s > 0));
  if (!rows.length) return null;
  return h('table', { class: 'data compact', 'aria-label': 'Communication by collective' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'collective'), h('th', { scope: 'col', class: 'num' }, 'total'),
      h('th', { scope: 'col', class: 'num' }, 'exposed'))),
    h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, fmtTime(v.total_s)),
      h('td', { class: 'num' }, fmtTime(v.exposed_s))))));
}

const OP_COLS = [
  ['name', 'op', (o) => o.name], ['pass', 'pass', (o) => o.pass], ['format', 'format', (o) => o.format],
  ['count', 'count', (o) => fmtNum(o.count, 4), true], ['flops', 'FLOPs/run', (o) => fmtSI(o.flops), true],
  ['bytes', 'bytes/run', (o) => fmtBytes(o.bytes), true], ['intensity', 'FLOP/B', (o) => fmtNum(o.intensity), true],
  ['compute_s', 'compute', (o) => fmtTime(o.compute_s), true], ['memory_s', 'memory', (o) => fmtTime(o.memory_s), true],
  ['total_s', 'time × count', (o) => fmtTime(o.total_s), true], ['share', 'share', (o) => fmtPct(o.share), true],
  ['bound', 'bound', (o) => h('span', { class: `bound bound-${o.bound}` }, o.bound)],
];

// Per-op table, sortable by clicking a column header.
export function opsTable(ops) {
  const total = ops.reduce((a, o) => a + (o.count || 0) * (o.time_s || 0), 0) || 1;
  const rows = ops.map((o) => ({ ...o, total_s: (o.count || 0) * (o.time_s || 0), share: ((o.count || 0) * (o.time_s || 0)) / total }));
  let key = 'total_s', dir = -1;
  const wrap = h('div', { class: 'table-wrap' });
  const render = () => {
    rows.sort((a, b) => {
      const x = a[key], y = b[key];
      if (typeof x === 'number' && typeof y === 'number') return dir * (x - y);
      return dir * String(x ?? '').localeCompare(String(y ?? ''));
    });
    clear(wrap, h('table', { class: 'data ops', 'aria-label': 'Per-op roofline table' },
      h('thead', {}, h('tr', {}, OP_COLS.map(([k, label, , numeric]) => h('th', {
        scope: 'col', class: numeric ? 'num' : '', 'aria-sort': k === key ? (dir > 0 ? 'ascending' : 'descending') : 'none',
      }, h('button', {
        class: 'sort', type: 'button', 'aria-label': `sort by ${label}`,
        onclick: () => { if (key === k) dir = -dir; else { key = k; dir = numeric ? -1 : 1; } render(); },
      }, label, k === key ? (dir > 0 ? ' ▲' : ' ▼') : ''))))),
      h('tbody', {}, rows.map((o) => h('tr', { 'data-op': o.name, 'data-pass': String(o.pass) },
        OP_COLS.map(([, , fmt, numeric]) => h('td', { class: numeric ? 'num' : '' }, fmt(o))))))));
  };
  render();
  return wrap;
}

export function confidenceBadge(c) {
  if (c === undefined || c === null) return h('span', { class: 'badge' }, '—');
  const t = typeof c === 'number' ? (c >= 0.8 ? 'high' : c >= 0.5 ? 'medium' : 'low') : String(c).toLowerCase();
  return h('span', { class: `badge conf-${t}` }, typeof c === 'number' ? `${t} (${c})` : String(c));
}

export function assumptionsTable(list, highlight) {
  if (!Array.isArray(list) || !list.length) return h('p', { class: 'muted' }, 'No assumptions listed.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Assumptions' },
    h('thead', {}, h('tr', {}, ['assumption', 'value', 'unit', 'confidence', 'source'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.map((a) => h('tr', { class: (highlight && highlight.has(a.name)) || a.overridden ? 'changed' : '' },
      h('td', {}, a.name, a.overridden ? h('span', { class: 'badge warn' }, 'overridden') : null),
      h('td', { class: 'num' }, fmtNum(a.value, 4)), h('td', {}, a.unit || ''),
      h('td', {}, confidenceBadge(a.confidence)), h('td', { class: 'source' }, h('div', { class: 'clamp', title: a.source || '', tabindex: a.source ? 0 : undefined }, a.source || '—')))))));
}

export function provenance(r, extra = {}) {
  const p = r.provenance || {};
  const items = [
    ['spec sha256', r.spec_sha256 || p.spec_sha256], ['engine', r.engine_version || p.engine_version],
    ['git commit', r.git_commit || p.git_commit], ['run id', r.run_id], ['author', p.author || r.author],
    ['evaluated at', p.finished_at || p.created_at || r.created_at], ['replica', p.replica],
    ...Object.entries(extra),
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  return h('dl', { class: 'provenance' }, items.map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, String(v))]));
}

// The values a calibration set in a result (provenance.calibration of
// ridged's answer), for the result view.
export function calibrationApplied(c) {
  if (!c || !Array.isArray(c.applied)) return null;
  return h('div', { class: 'calibration-applied table-wrap' }, h('h4', {}, `Calibrated by ${c.profile || ''}`),
    h('table', { class: 'data compact', 'aria-label': 'Calibrated assumptions' },
      h('thead', {}, h('tr', {}, ['assumption', 'value', '95 % interval'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, t)))),
      h('tbody', {}, c.applied.map((a) => h('tr', { title: a.source || '' }, h('td', {}, a.name), h('td', { class: 'num' }, fmtNum(a.value, 4)),
        h('td', { class: 'num' }, `${fmtNum(a.low, 4)} – ${a.high === null || a.high === undefined ? '∞' : fmtNum(a.high, 4)}`))))));
}

// The chip's peaks for the roofline: a ceiling per math format the chip has
// (hardware.matrix_flops of the evaluated spec, formats with equal peaks
// sharing one), the spec's math format marked (at the peak the engine used),
// and the memory bandwidth implied by the ridge point (peak / bandwidth).
export function peaksOf(r) {
  if (!(r.peak_flops > 0 && r.ridge_point > 0)) return null;
  const math = r.math || 'matrix';
  const byPeak = new Map();
  for (const [fmt, v] of Object.entries(r.provenance?.spec?.hardware?.matrix_flops || {})) {
    const flops = fmt === math ? r.peak_flops : Number(v);
    if (flops > 0) byPeak.set(flops, [...(byPeak.get(flops) || []), fmt]);
  }
  if (![...byPeak.values()].some((f) => f.includes(math))) byPeak.set(r.peak_flops, [...(byPeak.get(r.peak_flops) || []), math]);
  const compute = [...byPeak.entries()].sort((a, b) => b[0] - a[0])
    .map(([flops, fmts]) => ({ label: fmts.join(' · '), flops, formats: fmts, active: fmts.includes(math) }));
  return { compute, mem_bw: r.peak_flops / r.ridge_point, ridge: r.ridge_point, ridgeFlops: r.peak_flops, math };
}

// The codesign link: what the spec's number formats cost in quality, from
// the numerics emulator on synthetic tensors shaped like each class.
export function qualityTable(q) {
  const rows = Object.entries(q || {}).filter(([, v]) => v && typeof v === 'object' && 'sqnr_db' in v);
  if (!rows.length) return null;
  return h('div', { class: 'quality table-wrap' }, h('h4', {}, 'Quality of the number formats'),
    h('table', { class: 'data compact', 'aria-label': 'Quality of the number formats' },
      h('thead', {}, h('tr', {}, ['tensor', 'format', 'bits/elem', 'SQNR', 'cosine'].map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : '' }, c)))),
      h('tbody', {}, rows.map(([k, v]) => h('tr', { title: `synthetic ${v.dist || ''} tensor, n = ${v.n ?? ''}, seed ${v.seed ?? ''}` },
        h('td', {}, k.replace('_', ' ')), h('td', {}, v.recipe ? `${v.recipe} (recipe)` : v.format), h('td', { class: 'num' }, fmtNum(v.bits_per_element, 4)),
        h('td', { class: 'num' }, `${fmtNum(v.sqnr_db, 3)} dB`), h('td', { class: 'num' }, fmtNum(v.cosine, 5)))))));
}

// How sure the answer is: the interval of time, MFU and tokens/s from the
// used assumptions' confidence ranges, and the assumptions that dominate it.
export function uncertaintyTable(u) {
  if (!u || !u.time_s) return null;
  const span = (o, f) => `${f(o.low)} – ${f(o.high)}`;
  return h('div', { class: 'uncertainty table-wrap' }, h('h4', {}, 'Uncertainty'),
    h('p', { class: 'small', id: 'uncertainty-interval' }, `Step ${span(u.time_s, fmtTime)}, MFU ${span(u.mfu, fmtPct)}, `,
      `${span(u.tokens_per_s, (v) => fmtSI(v, 'tok/s'))}`),
    h('table', { class: 'data compact', 'aria-label': 'Assumptions that dominate the uncertainty' },
      h('thead', {}, h('tr', {}, ['assumption', 'confidence', 'range', 'step at ends', 'share'].map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : '' }, c)))),
      h('tbody', {}, (u.dominant || []).slice(0, 6).map((d) => h('tr', { title: u.method || '' },
        h('td', {}, d.name), h('td', {}, d.confidence), h('td', { class: 'num' }, `${fmtNum(d.range_low, 3)} – ${fmtNum(d.range_high, 3)}`),
        h('td', { class: 'num' }, `${fmtTime(d.time_at_low_s)} / ${fmtTime(d.time_at_high_s)}`), h('td', { class: 'num' }, fmtPct(d.share)))))));
}

// The preset values a spec used, each with its source: walks a preset
// object down to its {value, unit, source} leaves.
export function presetSourcesTable(title, preset) {
  const rows = [];
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj || {})) {
      if (k === 'name' || k === 'description') continue;
      const path = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && 'value' in v) rows.push([path, v.value, v.unit || '', v.source || '']);
      else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, path);
      else rows.push([path, v, '', '']);
    }
  };
  walk(preset, '');
  if (!rows.length) return null;
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': title },
    h('caption', {}, title, preset.description ? h('div', { class: 'muted small' }, preset.description) : null),
    h('thead', {}, h('tr', {}, ['field', 'value', 'unit', 'source'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([k, v, u, src]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, typeof v === 'number' ? fmtNum(v, 4) : String(v)),
      h('td', {}, u), h('td', { class: 'source' }, h('div', { class: 'clamp', title: src, tabindex: src ? 0 : undefined }, src || '—')))))));
}

// A roofline point was chosen: mark its rows in the per-op table.
function showOp(el, op) {
  el.querySelectorAll('table.ops tr.selected').forEach((t) => t.classList.remove('selected'));
  const rows = [...el.querySelectorAll('table.ops tbody tr')].filter((t) => t.dataset.op === op.name && t.dataset.pass === String(op.pass));
  rows.forEach((t) => t.classList.add('selected'));
  if (rows[0]) rows[0].scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

// A serving run (phase serve): latency and SLO figures, the latency quantiles
// as points of their distribution functions, and the sampled time series.
export function servingCard(r) {
  const sv = r.serving;
  if (!sv) return null;
  const slo = sv.slo || {};
  const q = (x) => `${fmtTime(x.p50)} / ${fmtTime(x.p90)} / ${fmtTime(x.p99)}`;
  const cdf = [];
  for (const [name, key] of [['TTFT', 'ttft_s'], ['TPOT', 'tpot_s'], ['E2E', 'e2e_s']])
    for (const [p, f] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]])
      if (sv[key]) cdf.push({ key: `${key}.${p}`, x: sv[key][p], y: f, label: p === 'p99' ? name : '', cls: `q-${key}` });
  const ser = sv.series || {};
  const t = ser.t_s || [];
  const series = [];
  for (const [name, key] of [['queue', 'queue'], ['batch', 'batch']])
    t.forEach((tv, i) => series.push({ key: `${key}.${i}`, x: tv, y: (ser[key] || [])[i], cls: `s-${key}` }));
  return h('section', { class: 'card', id: 'serving' },
    h('h3', {}, `Serving: ${fmtNum(sv.requests, 6)} requests`),
    h('div', { class: 'kpis' },
      kpi('TTFT p50 / p90 / p99', q(sv.ttft_s), 'kpi-ttft', slo.ttft_s ? h('div', { class: 'kpi-sub' }, `SLO ${fmtTime(slo.ttft_s)}`) : null),
      kpi('TPOT p50 / p90 / p99', q(sv.tpot_s), 'kpi-tpot', slo.tpot_s ? h('div', { class: 'kpi-sub' }, `SLO ${fmtTime(slo.tpot_s)}`) : null),
      kpi('Goodput', `${fmtNum(sv.goodput_requests_per_s)} req/s`, 'kpi-goodput',
        h('div', { class: 'kpi-sub' }, `${fmtPct(sv.slo_attainment)} within the SLOs · ${fmtNum(sv.throughput_requests_per_s)} req/s served`)),
      kpi('Output tokens/s', fmtSI(sv.output_tokens_per_s), 'kpi-serve-tokens',
        h('div', { class: 'kpi-sub' }, `${fmtSI(sv.output_tokens_per_s_per_chip)} per chip`)),
      kpi('In system (mean)', fmtNum(sv.mean_in_system), 'kpi-in-system',
        h('div', { class: 'kpi-sub' }, `batch ${fmtNum(sv.mean_batch)} · KV peak ${fmtPct(sv.kv_utilization_peak)} · ${sv.preemptions} preemptions`))),
    h('div', { class: 'grid2' },
      h('figure', { id: 'serving-cdf' }, scatter(cdf, { xLabel: 'latency (s)', yLabel: 'share of requests', title: 'Latency quantiles (TTFT, TPOT, end to end)', labels: true }),
        h('figcaption', { class: 'muted' }, 'p50, p90 and p99 of each latency (orange TTFT, blue TPOT, green end to end): points of its distribution function.')),
      h('figure', { id: 'serving-series' }, scatter(series, { xLabel: 'time (s)', yLabel: 'requests', title: 'Waiting requests and batch size over the run' }),
        h('figcaption', { class: 'muted' }, `Orange: requests waiting; blue: sequences in the step. Sampled at step ends; KV blocks in use peaked at ${fmtPct(sv.kv_utilization_peak)} (mean ${fmtPct(sv.kv_utilization_mean)}).`))));
}

// A <details> whose body is built the first time it opens: long tables
// (every assumption with its source, every preset value) cost nothing on
// the keystroke path until someone reads them.
function lazyDetails(attrs, summary, build) {
  const sum = h('summary', {}, summary);
  const d = h('details', attrs, sum);
  let built = false;
  const fill = () => { if (!built) { built = true; d.append(...[].concat(build()).filter(Boolean)); } };
  // Built on the click itself (before the browser opens the element), so the
  // body is there the moment it shows; the toggle covers keyboard and script.
  sum.addEventListener('click', fill);
  d.addEventListener('toggle', () => { if (d.open) fill(); });
  if (attrs.open) fill();
  return d;
}

// The whole result, as used by the design-point view.
export function renderResult(el, r, presets = []) {
  const ops = Array.isArray(r.ops) ? r.ops : [];
  // A section the reader opened stays open when a keystroke re-renders the result.
  const wasOpen = (id) => !!el.querySelector(`details#${id}[open]`);
  const openA = wasOpen('assumption-list'), openP = wasOpen('preset-sources');
  clear(el,
    kpis(r),
    servingCard(r),
    h('div', { class: 'grid2 wide-left' },
      h('figure', { class: 'card', id: 'roofline' }, roofline(ops, { peaks: peaksOf(r), onSelect: (op) => showOp(el, op) }),
        h('figcaption', { class: 'muted' }, 'Each op (one run on one device) at its intensity and achieved FLOP/s, coloured by its bound. Solid: the chip\'s peaks; dashed: attainable at the assumed efficiencies.')),
      h('div', { class: 'card' }, timeBreakdown(r), commTable(r.breakdown), memoryBreakdown(r), qualityTable(r.quality), uncertaintyTable(r.uncertainty), calibrationApplied(r.provenance?.calibration))),
    h('details', { class: 'card', open: true }, h('summary', {}, `Per-op table (${ops.length} ops)`), opsTable(ops)),
    h('div', { class: 'card' }, h('h3', {}, 'Provenance'), provenance(r)),
    lazyDetails({ class: 'card', id: 'assumption-list', open: openA }, `Assumptions (${(r.assumptions || []).length}, each with its source and confidence)`,
      () => assumptionsTable(r.assumptions)),
    presets.length ? lazyDetails({ class: 'card', id: 'preset-sources', open: openP }, 'Preset values and their sources',
      () => presets.map(([kind, p]) => presetSourcesTable(`${kind}: ${p.name}`, p))) : null);
}
