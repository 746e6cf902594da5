// compare.js: two runs or points side by side (slots A and B, filled with
// "Pin A/B" from the design point or a sweep point, or a stored run id).
// Inputs, outputs and assumptions that differ are highlighted.

import { api } from '../api.js';
import { h, clear, flatten, fmtField, notice, errorText } from '../util.js';
import { state, on, emit } from '../state.js';
import { timeBreakdown, memoryBreakdown, confidenceBadge } from './resultview.js';

const OUTPUTS = ['time_s', 'mfu', 'tokens_per_s', 'flops', 'hw_flops', 'bytes', 'params', 'active_params',
  'memory.per_device_bytes', 'memory.capacity_bytes', 'memory.fits', 'memory.weights_bytes', 'memory.activations_bytes',
  'memory.kv_cache_bytes', 'memory.optimizer_bytes', 'breakdown.compute_s', 'breakdown.memory_s', 'breakdown.bubble_s',
  'breakdown.other_s', 'quality.weights.sqnr_db', 'quality.activations.sqnr_db', 'quality.kv_cache.sqnr_db'];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function diffTable(title, keys, va, vb, { ratio } = {}) {
  const rows = keys.map((k) => {
    const a = va(k), b = vb(k);
    const differs = !same(a, b);
    let r = '';
    if (ratio && typeof a === 'number' && typeof b === 'number' && a !== 0) r = `${b / a >= 1 ? '+' : ''}${((b / a - 1) * 100).toFixed(1)} %`;
    return h('tr', { class: differs ? 'changed' : '' }, h('th', { scope: 'row' }, k),
      h('td', { class: 'num' }, fmtField(k, a)), h('td', { class: 'num' }, fmtField(k, b)), ratio ? h('td', { class: 'num' }, r) : null);
  });
  return h('table', { class: 'data compare', 'aria-label': title },
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'), ratio ? h('th', { scope: 'col' }, 'B vs A') : null)),
    h('tbody', {}, rows));
}

// Many stored runs side by side (#compare/runs/1,2,3): inputs that differ
// between any two, the outputs, and the assumptions whose values differ.
function manyTable(runs) {
  const specs = runs.map((r) => flatten((r.result.provenance && r.result.provenance.spec) || {}));
  const outs = runs.map((r) => flatten(r.result));
  const keys = [...new Set(specs.flatMap((f) => Object.keys(f)))].sort();
  const differs = (vals) => vals.some((v) => !same(v, vals[0]));
  const inKeys = keys.filter((k) => differs(specs.map((f) => f[k])));
  const outKeys = OUTPUTS.filter((k) => outs.some((o) => k in o));
  const am = runs.map((r) => new Map((r.result.assumptions || []).map((x) => [x.name, x.value])));
  const aKeys = [...new Set(am.flatMap((m) => [...m.keys()]))].sort().filter((k) => differs(am.map((m) => m.get(k))));
  const t0 = Number(runs[0].result.time_s);
  const row = (k, vals, cls, ratio) => h('tr', { class: cls }, h('th', { scope: 'row' }, k),
    vals.map((v) => h('td', { class: 'num' }, fmtField(k, v),
      ratio && typeof v === 'number' && t0 > 0 && k === 'time_s' ? h('span', { class: 'muted small' }, ` (${(v / t0).toFixed(2)}×)`) : null)));
  return h('div', { class: 'card table-wrap', id: 'compare-many' },
    h('table', { class: 'data compare', 'aria-label': `${runs.length} runs compared` },
      h('caption', {}, `${runs.length} runs: ${inKeys.length} inputs and ${aKeys.length} assumptions differ (time relative to the first)`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'field'), runs.map((r) => h('th', { scope: 'col' }, h('a', { href: `#compare/run/${r.id}` }, `run ${r.id}`))))),
      h('tbody', {},
        inKeys.map((k) => row(k, specs.map((f) => f[k]), 'changed input')),
        outKeys.map((k) => row(k, outs.map((o) => o[k]), differs(outs.map((o) => o[k])) ? 'changed output' : 'output', true)),
        aKeys.map((k) => row(`assumption ${k}`, am.map((m) => m.get(k)), 'changed assumption')))));
}

export function mountCompare(root) {
  const body = h('div', { id: 'compare-body' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const runA = h('input', { id: 'cmp-run-a', type: 'text', placeholder: 'stored run id' });
  const runB = h('input', { id: 'cmp-run-b', type: 'text', placeholder: 'stored run id' });
  const onlyDiff = h('input', { id: 'cmp-only-diff', type: 'checkbox', onchange: () => render() });

  async function loadRun(slot, input) {
    const id = input.value.trim();
    if (!id) return;
    try {
      const r = await api.run(id);
      state.compare[slot] = { label: `run ${id}`, spec: (r.provenance && r.provenance.spec) || {}, result: r };
      render();
    } catch (e) { notice(msg, 'error', errorText(e)); }
  }

  function render() {
    const { a, b } = state.compare;
    if (!a || !b) {
      clear(body, h('p', { class: 'muted' }, 'Pin two points (A and B) from the design point or from a sweep point, or load stored runs by id. ',
        `A: ${a ? a.label : 'empty'} · B: ${b ? b.label : 'empty'}`));
      return;
    }
    // Compare the canonical specs (presets expanded) when ridged returned them.
    const fa = flatten((a.result.provenance && a.result.provenance.spec) || a.spec);
    const fb = flatten((b.result.provenance && b.result.provenance.spec) || b.spec);
    const allKeys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
    // Differing inputs first, then the rest (unless hidden).
    const diffKeys = allKeys.filter((k) => !same(fa[k], fb[k]));
    const inKeys = onlyDiff.checked ? diffKeys : [...diffKeys, ...allKeys.filter((k) => same(fa[k], fb[k]))];
    const ra = flatten(a.result), rb = flatten(b.result);
    const am = new Map((a.result.assumptions || []).map((x) => [x.name, x]));
    const bm = new Map((b.result.assumptions || []).map((x) => [x.name, x]));
    const aKeys = [...new Set([...am.keys(), ...bm.keys()])].sort();
    const nDiff = diffKeys.length;
    const tMax = Math.max(Number(a.result.time_s) || 0, Number(b.result.time_s) || 0);
    clear(body,
      h('div', { class: 'grid2' },
        h('div', { class: 'card' }, h('h3', {}, 'A: ', a.label), h('p', { class: 'mono small' }, `spec ${a.result.spec_sha256 || '—'} · engine ${a.result.engine_version || '—'}`), timeBreakdown(a.result, 'A: time breakdown (same scale as B)', 640, tMax), memoryBreakdown(a.result, 'A: memory', 640)),
        h('div', { class: 'card' }, h('h3', {}, 'B: ', b.label), h('p', { class: 'mono small' }, `spec ${b.result.spec_sha256 || '—'} · engine ${b.result.engine_version || '—'}`), timeBreakdown(b.result, 'B: time breakdown (same scale as A)', 640, tMax), memoryBreakdown(b.result, 'B: memory', 640))),
      h('div', { class: 'grid2' },
        h('div', { class: 'card table-wrap' }, diffTable(`Inputs (${nDiff} of ${allKeys.length} differ)`, inKeys, (k) => fa[k], (k) => fb[k])),
        h('div', { class: 'card table-wrap' }, diffTable('Outputs', OUTPUTS.filter((k) => k in ra || k in rb), (k) => ra[k], (k) => rb[k], { ratio: true }))),
      h('div', { class: 'card table-wrap' }, h('table', { class: 'data compare', 'aria-label': 'Assumptions compared' },
        h('caption', {}, 'Assumptions'),
        h('thead', {}, h('tr', {}, ['assumption', 'A', 'B', 'confidence A', 'confidence B', 'source'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, aKeys.map((k) => {
          const x = am.get(k), y = bm.get(k);
          const differs = !x || !y || x.value !== y.value;
          return h('tr', { class: differs ? 'changed' : '' }, h('th', { scope: 'row' }, k),
            h('td', { class: 'num' }, x ? `${x.value} ${x.unit || ''}` : '(not used)'), h('td', { class: 'num' }, y ? `${y.value} ${y.unit || ''}` : '(not used)'),
            h('td', {}, x ? confidenceBadge(x.confidence) : '—'), h('td', {}, y ? confidenceBadge(y.confidence) : '—'),
            h('td', { class: 'source' }, (x || y).source || '—'));
        })))));
  }

  clear(root, h('div', { class: 'card toolbar' },
    h('h2', {}, 'Compare'),
    h('div', { class: 'field' }, h('label', { for: 'cmp-run-a' }, 'Run A'), runA),
    h('button', { type: 'button', class: 'secondary small', onclick: () => loadRun('a', runA) }, 'Load A'),
    h('div', { class: 'field' }, h('label', { for: 'cmp-run-b' }, 'Run B'), runB),
    h('button', { type: 'button', class: 'secondary small', onclick: () => loadRun('b', runB) }, 'Load B'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => { const { a, b } = state.compare; state.compare = { a: b, b: a }; render(); } }, 'Swap'),
    h('div', { class: 'check' }, onlyDiff, h('label', { for: 'cmp-only-diff' }, 'only differing inputs'))),
  msg, body);
  on('compare-changed', render);
  on('view:compare', async (arg) => {
    const many = /^runs\/(\d+(?:,\d+)+)$/.exec(arg || '');
    if (many) {
      try {
        const ids = many[1].split(',');
        const runs = await Promise.all(ids.map(async (id) => ({ id, result: await api.run(id) })));
        clear(body, manyTable(runs));
      } catch (e) { notice(msg, 'error', errorText(e)); }
      return;
    }
    const m = /^run\/(\d+)$/.exec(arg || '');
    if (m) {
      const slot = state.compare.a ? 'b' : 'a';
      (slot === 'a' ? runA : runB).value = m[1];
      loadRun(slot, slot === 'a' ? runA : runB);
    } else render();
  });
  render();
  emit('compare-ready');
}
