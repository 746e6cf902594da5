// results.js: the results of one sweep — a sortable, filterable, paged
// table (GET /sweeps/{id}/results), a scatter of any two result fields with
// the Pareto front (GET /sweeps/{id}/pareto), the time and memory breakdown
// of a chosen point, CSV download, and a shortcut to record a decision.

import { api } from '../api.js';
import { h, clear, flatten, getPath, setPath, fmtField, notice, errorText, download, registerUnits, unitOf, setHash } from '../util.js';
import { state, emit, on } from '../state.js';
import { scatter, paretoFront, roofline } from '../charts.js';
import { kpis, timeBreakdown, memoryBreakdown, assumptionsTable, provenance, opsTable, peaksOf, qualityTable } from './resultview.js';

const PAGE = 25;
const SCATTER_MAX = 10000;
// Result columns ridged can order, filter and optimise by, with their
// direction: ridged's catalogue (GET /result-columns, generated from
// server/ridged/result_cols.h), read once. Axis values (params.*) are shown
// and plotted but sorted only by point_index.
const SERVER_COLS = new Set();
const OBJECTIVES = new Set();
const SENSE = new Map();
let catalogue = null;
function loadColumns() {
  if (!catalogue) {
    catalogue = Promise.all([api.resultColumns(), api.specFields()]).then(([cat, spec]) => {
      // units for the table, the axes and the scatter: result columns and spec fields
      registerUnits((cat.columns || []).map((c) => [c.name, c.unit]));
      registerUnits((spec.fields || []).map((f) => [f.path, f.unit]));
      for (const c of cat.key_columns || []) SERVER_COLS.add(c);
      for (const c of cat.columns || []) {
        SERVER_COLS.add(c.name);
        SENSE.set(c.name, c.sense);
        if (c.type !== 'boolean') OBJECTIVES.add(c.name);
      }
      return cat;
    }, (e) => { catalogue = null; throw e; });
  }
  return catalogue;
}
// Fields outside the catalogue where bigger is better; everything else
// (time, bytes, cost) is minimised.
const MAXIMISE = /mfu|tokens_per_s|sqnr|throughput|fits/;

export const sense = (field) => SENSE.get(field) || (MAXIMISE.test(field) ? 'max' : 'min');

function rowsOf(resp) {
  if (Array.isArray(resp)) return resp;
  return resp.items || resp.results || resp.rows || resp.points || [];
}
function nextToken(resp) {
  return resp && (resp.next_page_token || resp.next_cursor || resp.page_token_next || resp.next || null);
}

// A row flattened to dotted keys; axis values stay under their spec paths.
function flatRow(row, i) {
  const f = flatten(row);
  f.__key = String(row.index ?? row.point_index ?? row.idx ?? row.id ?? i);
  return f;
}

export function mountResults(root) {
  let sweep = null;
  let tokens = [null];
  let pageNo = 0;
  let order = { col: null, dir: 'asc' };
  let columns = [];
  let selectedKey = null;
  const sweepSel = h('select', { id: 'res-sweep' });
  const filterIn = h('input', { id: 'res-filter', type: 'search', placeholder: 'e.g. mfu > 0.4 and fits = true', 'aria-describedby': 'res-filter-help' });
  const info = h('div', { class: 'card sweep-info', id: 'res-info' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const tableBox = h('div', { class: 'table-wrap', id: 'res-table' });
  const pager = h('div', { class: 'pager' });
  const xSel = h('select', { id: 'res-x' });
  const ySel = h('select', { id: 'res-y' });
  const cSel = h('select', { id: 'res-color' });
  const sqeBtn = h('button', { type: 'button', class: 'secondary', id: 'res-sqe', title: 'time against matmul-output SQNR, coloured by energy per token', onclick: () => speedQualityEnergy() }, 'Speed × quality × energy');
  const scatterBox = h('figure', { class: 'scatter-box', id: 'res-scatter' });
  const filterHelp = h('div', { id: 'res-filter-help', class: 'muted small' }, 'Terms "field op value" joined by "and".');
  const detail = h('div', { class: 'card', id: 'res-detail' }, h('p', { class: 'muted' }, 'Choose a point (table row or scatter dot) to see its breakdown.'));
  let rowsByKey = new Map();
  let refreshTimer = null;
  let wanted = {}; // scatter settings a link asked for (#results/ID?x=&y=&color=&filter=)

  async function loadSweepList(selectId) {
    try {
      const r = await api.listSweeps({ limit: 50 });
      const items = r.sweeps || r.items || [];
      clear(sweepSel, h('option', { value: '' }, '(choose a sweep)'),
        items.map((s) => h('option', { value: s.id }, `${s.name || s.id} — ${s.status}`)));
      const want = selectId || state.sweepId;
      if (want && ![...sweepSel.options].some((o) => o.value === want)) sweepSel.append(h('option', { value: want }, want));
      if (want) sweepSel.value = want;
    } catch (e) {
      notice(msg, 'error', errorText(e));
    }
  }

  async function open(id) {
    if (!id) return;
    state.sweepId = id;
    const other = !sweep || sweep.id !== id;
    tokens = [null]; pageNo = 0; selectedKey = null;
    // Point indices repeat across sweeps: forget another sweep's rows.
    rowsByKey = new Map();
    if (other) {
      columns = [];
      order = { col: null, dir: 'asc' };
      clear(detail, h('p', { class: 'muted' }, 'Choose a point (table row or scatter dot) to see its breakdown.'));
    }
    try {
      const cat = await loadColumns();
      filterHelp.textContent = `Terms "field op value" joined by "and"; fields: ${[...(cat.key_columns || []), ...(cat.columns || []).map((c) => c.name)].join(', ')}.`;
      sweep = await api.getSweep(id);
    } catch (e) { notice(msg, 'error', errorText(e)); return; }
    const prov = sweep.provenance || {};
    clear(info, h('h2', {}, sweep.name || 'Sweep', ' ', h('span', { class: 'mono small' }, sweep.id)),
      h('p', {}, h('span', { class: `status st-${sweep.status}` }, sweep.status), ` · ${sweep.points_done ?? '?'} / ${sweep.points_total ?? '?'} points`,
        sweep.tags?.length ? ` · tags: ${sweep.tags.join(', ')}` : '', sweep.author ? ` · by ${sweep.author}` : ''),
      sweep.notes ? h('p', { class: 'muted' }, sweep.notes) : null,
      h('details', {}, h('summary', {}, 'Provenance and assumptions'),
        provenance({}, {
          'base spec sha256': prov.spec_sha256, engine: prov.engine_version, 'git commit': prov.git_commit,
          author: prov.author || sweep.author, submitted: prov.created_at || sweep.created_at,
          'submitted to': prov.submitted_to, finished: prov.finished_at || sweep.finished_at,
          replicas: Array.isArray(prov.replicas) ? prov.replicas.map((x) => `${x.replica}: ${x.points} points`).join(', ') : undefined,
        }),
        assumptionsTable(prov.assumptions),
        h('pre', { class: 'mono base-json' }, JSON.stringify({ base: sweep.base, axes: sweep.axes }, null, 2))),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', id: 'res-csv', onclick: csv }, 'Download CSV'),
        ['queued', 'running'].includes(sweep.status) ? h('button', { type: 'button', class: 'secondary', onclick: () => open(sweep.id) }, 'Refresh') : null,
        h('button', { type: 'button', id: 'res-decide', onclick: () => { emit('decide', { sweep }); location.hash = '#history'; } }, 'Record a decision')));
    await loadPage();
    await loadScatter();
    // A running sweep refreshes itself every few seconds while shown.
    clearTimeout(refreshTimer);
    if (['queued', 'running'].includes(sweep.status)) {
      const mine = sweep.id;
      refreshTimer = setTimeout(() => {
        if (state.sweepId === mine && !root.hidden && location.hash.startsWith('#results')) open(mine);
      }, 3000);
    }
  }

  function params() {
    const p = { limit: PAGE, page_token: tokens[pageNo] || undefined };
    if (order.col) p.order_by = `${order.col}:${order.dir}`;
    if (filterIn.value.trim()) p.filter = filterIn.value.trim();
    return p;
  }

  async function loadPage() {
    notice(msg, 'info', 'Loading results…');
    let resp;
    try { resp = await api.sweepResults(sweep.id, params()); } catch (e) { notice(msg, 'error', errorText(e)); return; }
    notice(msg, '', '');
    const rows = rowsOf(resp).map((r, i) => ({ raw: r, flat: flatRow(r, pageNo * PAGE + i) }));
    rows.forEach((r) => rowsByKey.set(r.flat.__key, r));
    const keys = new Set();
    rows.forEach((r) => Object.entries(r.flat).forEach(([k, v]) => { if (k !== '__key' && !Array.isArray(v)) keys.add(k); }));
    if (!columns.length || rows.length) columns = [...keys];
    fillAxes();
    tokens[pageNo + 1] = nextToken(resp);
    renderTable(rows, resp);
  }

  function renderTable(rows, resp) {
    const total = resp && (resp.total ?? resp.count ?? (filterIn.value.trim() ? null : sweep.points_done) ?? null);
    clear(tableBox, rows.length ? h('table', { class: 'data results', 'aria-label': 'Sweep results' },
      h('thead', {}, h('tr', {}, columns.map((c) => (SERVER_COLS.has(c)
        ? h('th', { scope: 'col', 'aria-sort': order.col === c ? (order.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
          h('button', { type: 'button', class: 'sort', onclick: () => sortBy(c) }, c, order.col === c ? (order.dir === 'asc' ? ' ▲' : ' ▼') : ''))
        : h('th', { scope: 'col', class: 'axis-col' }, c.replace(/^params\./, '')))))),
      h('tbody', {}, rows.map((r) => h('tr', {
        tabindex: 0, class: [r.flat.__key === selectedKey ? 'selected' : '', rowState(r.flat)].filter(Boolean).join(' '),
        'data-key': r.flat.__key,
        onclick: () => choose(r.flat.__key), onkeydown: (e) => { if (e.key === 'Enter') choose(r.flat.__key); },
      }, columns.map((c, i) => h('td', { class: typeof r.flat[c] === 'number' ? 'num' : '' }, fmtField(c, r.flat[c]),
        i === 0 ? stateBadge(r.flat) : null))))))
      : h('p', { class: 'muted' }, 'No results (yet).'));
    clear(pager,
      h('button', { type: 'button', class: 'secondary small', disabled: pageNo === 0, onclick: () => { pageNo--; loadPage(); } }, '← Prev'),
      h('span', {}, `Page ${pageNo + 1}${total !== null && total !== undefined ? ` of ${Math.max(1, Math.ceil(total / PAGE))} (${total} rows)` : ''}`),
      h('button', { type: 'button', class: 'secondary small', disabled: !tokens[pageNo + 1], onclick: () => { pageNo++; loadPage(); } }, 'Next →'));
  }

  // Designs that cannot run are marked, not shown like valid ones: a point
  // the engine refused (status != 0, metrics null) and one that does not fit
  // in device memory.
  function rowState(f) {
    if (f.status !== undefined && f.status !== 0) return 'infeasible';
    return f.fits === false ? 'nofit' : '';
  }
  function stateBadge(f) {
    const st = rowState(f);
    if (!st) return null;
    return h('span', { class: `badge bad row-state`, title: st === 'infeasible' ? `the engine refused this point (${f.error || f.status})` : 'needs more memory than the device has' },
      st === 'infeasible' ? `infeasible${f.error ? ` (${f.error})` : ''}` : 'does not fit');
  }

  function sortBy(c) {
    if (order.col === c) order.dir = order.dir === 'asc' ? 'desc' : 'asc';
    else order = { col: c, dir: sense(c) === 'max' ? 'desc' : 'asc' };
    tokens = [null]; pageNo = 0;
    loadPage();
  }

  function numericColumns() {
    const sample = [...rowsByKey.values()].slice(0, 50);
    return columns.filter((c) => sample.some((r) => typeof r.flat[c] === 'number'));
  }

  function fillAxes() {
    const cols = numericColumns();
    for (const [sel, prefer, key] of [[xSel, /(^|\.)time_s$/, 'x'], [ySel, /(^|\.)mfu$/, 'y']]) {
      const cur = cols.includes(wanted[key]) ? wanted[key] : sel.value;
      clear(sel, cols.map((c) => h('option', { value: c }, c)));
      sel.value = cols.includes(cur) ? cur : (cols.find((c) => prefer.test(c)) || cols[0] || '');
    }
    const cur = cols.includes(wanted.color) ? wanted.color : cSel.value;
    clear(cSel, h('option', { value: '' }, '(none)'), cols.map((c) => h('option', { value: c }, c)));
    cSel.value = cols.includes(cur) ? cur : '';
    if (cols.length) wanted = {}; // applied once; the user's choices win afterwards
    sqeBtn.disabled = !['time_s', 'quality_sqnr_db', 'energy_per_token_j'].every((c) => cols.includes(c));
  }

  // Speed x quality x energy of a numerics sweep: time against matmul-output
  // SQNR, coloured by energy per token.
  function speedQualityEnergy() {
    xSel.value = 'time_s';
    ySel.value = 'quality_sqnr_db';
    cSel.value = 'energy_per_token_j';
    loadScatter();
  }

  // The address bar holds the sweep and how it is viewed.
  function syncHash() {
    if (!sweep || !location.hash.startsWith('#results')) return;
    const q = new URLSearchParams();
    if (xSel.value) q.set('x', xSel.value);
    if (ySel.value) q.set('y', ySel.value);
    if (cSel.value) q.set('color', cSel.value);
    if (filterIn.value.trim()) q.set('filter', filterIn.value.trim());
    setHash(`#results/${encodeURIComponent(sweep.id)}${q.toString() ? `?${q}` : ''}`);
  }

  async function loadScatter() {
    syncHash();
    const x = xSel.value, y = ySel.value;
    if (!x || !y) { clear(scatterBox, h('p', { class: 'muted' }, 'No numeric fields to plot yet.')); return; }
    const all = [];
    const seen = new Set();
    const add = (r) => { const f = flatRow(r, all.length); if (!seen.has(f.__key)) { seen.add(f.__key); all.push({ raw: r, flat: f }); } };
    // A sweep larger than the plot holds: the best points by y (ridged
    // orders them), plus the whole Pareto front below.
    const byBest = SERVER_COLS.has(y);
    let token = null, truncated = false;
    try {
      do {
        const p = { limit: 5000, page_token: token || undefined };
        if (byBest) p.order_by = `${y}:${sense(y) === 'max' ? 'desc' : 'asc'}`;
        if (filterIn.value.trim()) p.filter = filterIn.value.trim();
        const resp = await api.sweepResults(sweep.id, p);
        rowsOf(resp).forEach(add);
        token = nextToken(resp);
      } while (token && all.length < SCATTER_MAX);
      truncated = !!token;
    } catch (e) { notice(msg, 'error', errorText(e)); return; }
    const shown = all.length;
    let front = null;
    try {
      if (OBJECTIVES.has(x) && OBJECTIVES.has(y)) {
        const p = { x: `${x}:${sense(x)}`, y: `${y}:${sense(y)}` };
        if (filterIn.value.trim()) p.filter = filterIn.value.trim();
        const pr = await api.pareto(sweep.id, p);
        const fr = pr.front || rowsOf(pr);
        fr.forEach(add);
        front = fr.map((r, i) => { const f = flatRow(r, i); return { key: f.__key, x: Number(f[x]), y: Number(f[y]) }; });
      }
    } catch (e) { notice(msg, 'error', `Pareto front: ${errorText(e)}`); }
    all.forEach((r) => rowsByKey.set(r.flat.__key, r));
    // Points that do not fit in device memory are drawn hollow.
    const cf = cSel.value;
    const num = (v) => (v === null || v === undefined || v === '' ? NaN : Number(v));
    const pts = all.map((r) => ({ key: r.flat.__key, x: num(r.flat[x]), y: num(r.flat[y]), c: cf ? num(r.flat[cf]) : undefined, label: pointLabel(r), cls: r.flat.fits === false ? 'nofit' : '' }));
    const nofit = pts.filter((p) => p.cls).length;
    // Axis fields (params.*) are not objectives ridged optimises: the front is computed here.
    if (!front || !front.length) front = paretoFront(pts, sense(x) === 'min', sense(y) === 'min');
    // More points than drawn: the density of all of them underneath.
    let density = null;
    if (truncated && !filterIn.value.trim() && SERVER_COLS.has(x) && SERVER_COLS.has(y) && OBJECTIVES.has(x) && OBJECTIVES.has(y)) {
      try { density = await api.density(sweep.id, { x, y, bins: 96 }); } catch (e) { notice(msg, 'error', `Density: ${errorText(e)}`); }
    }
    const lab = (f) => (unitOf(f) ? `${f} (${unitOf(f)})` : f);
    clear(scatterBox, scatter(pts, { xLabel: lab(x), yLabel: lab(y), front, selectedKey, onSelect: (p) => choose(p.key), color: cf ? { label: lab(cf) } : null, density, title: `${y} (${sense(y)}) against ${x} (${sense(x)}): ${pts.length.toLocaleString('en')} points, Pareto front in red` }),
      h('figcaption', { class: 'muted' },
        truncated ? `The ${shown.toLocaleString('en')} best points by ${y} and the whole front are drawn${density ? `, over the density of all ${density.points.toLocaleString('en')} (shaded)` : ''}; narrow the rest with a filter. ` : '',
        nofit ? `${nofit} hollow points do not fit in device memory. ` : '', 'Click a point for its breakdown.'));
  }

  function pointLabel(r) {
    const axes = (sweep && sweep.axes) || [];
    const parts = axes.map((a) => `${a.path}=${r.flat[a.path] ?? r.flat[`point.${a.path}`] ?? r.flat[`params.${a.path}`] ?? '?'}`);
    return parts.join(', ') || `point ${r.flat.__key}`;
  }

  // The spec of a point: the base with each axis value applied.
  function pointSpec(r) {
    const spec = structuredClone(sweep.base || (sweep.provenance && sweep.provenance.base) || {});
    if (r.raw.spec && typeof r.raw.spec === 'object') return r.raw.spec;
    for (const a of sweep.axes || []) {
      const v = r.flat[a.path] ?? r.flat[`point.${a.path}`] ?? r.flat[`params.${a.path}`] ?? getPath(r.raw.point || {}, a.path);
      if (v !== undefined) setPath(spec, a.path, v);
    }
    return spec;
  }

  async function choose(key) {
    selectedKey = key;
    tableBox.querySelectorAll('tr.selected').forEach((t) => t.classList.remove('selected'));
    tableBox.querySelector(`tr[data-key="${CSS.escape(key)}"]`)?.classList.add('selected');
    scatterBox.querySelectorAll('circle.selected').forEach((c) => c.classList.remove('selected'));
    scatterBox.querySelector(`circle[data-key="${CSS.escape(key)}"]`)?.classList.add('selected');
    const r = rowsByKey.get(key);
    if (!r) return;
    clear(detail, h('p', { class: 'muted' }, 'Evaluating the chosen point…'));
    const spec = pointSpec(r);
    let full = r.raw.result && r.raw.result.breakdown ? r.raw.result : (r.raw.breakdown ? r.raw : null);
    if (!full) {
      try { full = await api.evaluate(spec, { quality: true }); } catch (e) { clear(detail, h('p', { class: 'error-text' }, errorText(e))); return; }
    }
    const label = `${sweep.name || sweep.id}: ${pointLabel(r)}`;
    const pin = (slot) => { state.compare[slot] = { label, spec, result: full }; emit('compare-changed'); };
    clear(detail, h('h3', {}, 'Point ', h('span', { class: 'mono' }, pointLabel(r))), kpis(full),
      h('div', { class: 'grid2' }, h('div', {}, timeBreakdown(full, 'Time breakdown (compute / memory / communication / bubble)', 640)), h('div', {}, memoryBreakdown(full, undefined, 640))),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'secondary', onclick: () => pin('a') }, 'Pin A'),
        h('button', { type: 'button', class: 'secondary', onclick: () => pin('b') }, 'Pin B'),
        h('button', { type: 'button', class: 'secondary', onclick: () => { emit('load-spec', spec); location.hash = '#point'; } }, 'Open as design point')),
      h('details', {}, h('summary', {}, 'Roofline, per-op table and quality'),
        h('div', { class: 'grid2 wide-left' }, h('figure', {}, roofline(full.ops || [], { peaks: peaksOf(full) })), h('div', {}, qualityTable(full.quality))),
        opsTable(full.ops || [])),
      h('details', {}, h('summary', {}, 'Assumptions and provenance'), assumptionsTable(full.assumptions), provenance(full)));
  }

  async function csv() {
    try {
      const p = {};
      if (order.col) p.order_by = params().order_by;
      if (filterIn.value.trim()) p.filter = filterIn.value.trim();
      const text = await api.sweepResultsCsv(sweep.id, p);
      download(`ridge-sweep-${sweep.id}.csv`, text, 'text/csv');
      notice(msg, 'ok', `Downloaded ${text.split('\n').filter(Boolean).length - 1} rows as CSV.`);
    } catch (e) { notice(msg, 'error', errorText(e)); }
  }

  sweepSel.addEventListener('change', () => { if (sweepSel.value) location.hash = `#results/${encodeURIComponent(sweepSel.value)}`; });
  filterIn.addEventListener('change', () => { tokens = [null]; pageNo = 0; loadPage(); loadScatter(); });
  xSel.addEventListener('change', loadScatter);
  ySel.addEventListener('change', loadScatter);
  cSel.addEventListener('change', loadScatter);

  clear(root,
    h('div', { class: 'toolbar card' },
      h('div', { class: 'field' }, h('label', { for: 'res-sweep' }, 'Sweep'), sweepSel),
      h('div', { class: 'field grow' }, h('label', { for: 'res-filter' }, 'Filter'), filterIn,
        filterHelp)),
    msg, info,
    h('div', { class: 'grid2 results-grid' },
      h('div', { class: 'card' }, h('h3', {}, 'Results'), tableBox, pager),
      h('div', { class: 'card' }, h('h3', {}, 'Scatter and Pareto front'),
        h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'res-x' }, 'x'), xSel),
          h('div', { class: 'field' }, h('label', { for: 'res-y' }, 'y'), ySel),
          h('div', { class: 'field' }, h('label', { for: 'res-color' }, 'colour'), cSel),
          h('div', { class: 'field' }, h('label', {}, '\u00a0'), sqeBtn)), scatterBox)),
    detail);

  // Opening #results/ID (again) reloads the sweep: a running one has more points.
  on('view:results', async (arg, params = {}) => {
    wanted = params;
    if (params.filter !== undefined) filterIn.value = params.filter;
    await loadSweepList(arg || (sweep && sweep.id));
    if (arg) open(arg);
    else syncHash(); // back on the tab: the address names the sweep shown
  });
  return { open };
}
