// sweeps.js: build a sweep over any spec field (a list of values or a
// linear/log range), see how many points it makes before submitting, submit
// it (POST /sweeps), watch its progress and cancel it.

import { api } from '../api.js';
import { h, clear, notice, errorText, parseList, nextId, fmtField, flatten, getPath, registerUnits } from '../util.js';
import { state, on, emit } from '../state.js';
import { FIELDS } from './point.js';

export const FINISHED = new Set(['done', 'completed', 'complete', 'succeeded', 'failed', 'cancelled', 'canceled', 'error']);

const PATH_HINTS = [
  ...FIELDS.map(([p]) => p),
  'hardware.mem_bw', 'hardware.mem_bytes', 'hardware.matrix_flops.bf16', 'hardware.matrix_flops.fp8',
  'system.scaleup_bw', 'system.scaleout_bw', 'system.domain_chips',
  'assumptions.matmul_efficiency', 'assumptions.memory_bw_efficiency', 'assumptions.vector_efficiency',
];

// Values an axis expands to, mirroring how ridged expands a range.
export function axisValues(axis) {
  if (Array.isArray(axis.values)) return axis.values;
  const r = axis.range;
  if (!r) return [];
  const n = Math.max(0, Math.floor(Number(r.steps)));
  const a = Number(r.start), b = Number(r.stop);
  if (!n || !Number.isFinite(a) || !Number.isFinite(b)) return [];
  if (n === 1) return [a];
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    out.push(r.scale === 'log' ? a * (b / a) ** t : a + (b - a) * t);
  }
  return out;
}

// The design point's canonical spec (presets expanded), as ridged returned
// it with the last evaluation: every field a sweep can vary.
function canonical() {
  return (state.result && state.result.provenance && state.result.provenance.spec) || null;
}

const FACTORS = [0.5, 0.75, 1, 1.25, 1.5, 2];

export function mountSweeps(root) {
  const axes = [];
  const axesBox = h('div', { class: 'axes' });
  const count = h('output', { id: 'sweep-count', class: 'count', 'aria-live': 'polite' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const baseView = h('pre', { class: 'mono base-json', id: 'sweep-base', tabindex: 0, 'aria-label': 'Base spec' });
  const watchBox = h('div', { class: 'card watch', id: 'sweep-watch', hidden: true });
  const recentBox = h('div', { class: 'recent' });
  const nameIn = h('input', { id: 'sweep-name', type: 'text', placeholder: 'e.g. HBM bandwidth vs batch', required: true });
  const tagsIn = h('input', { id: 'sweep-tags', type: 'text', placeholder: 'comma separated' });
  const notesIn = h('textarea', { id: 'sweep-notes', rows: 2 });
  let base = null;
  // Units of the spec's fields (ridged's field table) for the value previews.
  api.specFields().then((f) => { registerUnits((f.fields || []).map((x) => [x.path, x.unit])); renderAxes(); }, () => {});
  const datalist = h('datalist', { id: 'sweep-paths' });
  // Every leaf of the canonical spec is a sweepable path.
  const fillPaths = () => {
    const c = canonical();
    const paths = new Set([...PATH_HINTS, ...(c ? Object.keys(flatten(c)) : [])]);
    clear(datalist, [...paths].sort().map((p) => h('option', { value: p })));
  };
  let timer = null;
  let watchGen = 0;

  function setBase(spec) {
    base = spec ? structuredClone(spec) : null;
    baseView.textContent = base ? JSON.stringify(base, null, 2) : '(evaluate a design point first)';
  }

  function addAxis(initial = {}) {
    const axis = { path: initial.path || 'batch', mode: initial.range ? 'range' : 'values', text: (initial.values || [8, 16, 32]).join(', '),
      range: initial.range || { start: 1, stop: 8, steps: 4, scale: 'log' } };
    axes.push(axis);
    renderAxes();
  }

  function axisSpec(a) {
    if (a.mode === 'values') return { path: a.path, values: parseList(a.text) };
    return { path: a.path, range: { start: Number(a.range.start), stop: Number(a.range.stop), steps: Number(a.range.steps), scale: a.range.scale } };
  }

  const plural = (n) => `${n.toLocaleString('en')} point${n === 1 ? '' : 's'}`;
  let countGen = 0;
  let countTimer = null;
  // The page counts at once; ridged then counts the plan itself (POST
  // /sweeps?dry_run=true, nothing stored), since steps of a range over an
  // integer field that round to the same value are one point, not repeats.
  function updateCount() {
    const n = axes.length ? axes.reduce((p, a) => p * axisValues(axisSpec(a)).length, 1) : 0;
    count.value = plural(n);
    count.dataset.points = String(n);
    delete count.dataset.checked;
    clearTimeout(countTimer);
    const gen = ++countGen;
    if (n && base && axes.some((a) => a.mode === 'range')) {
      countTimer = setTimeout(async () => {
        let plan;
        try { plan = await api.planSweep({ base, axes: axes.map(axisSpec) }); } catch { return; }
        if (gen !== countGen) return;
        const collapsed = (plan.collapsed || []).map((c) => `${c.path}: ${c.steps.toLocaleString('en')} steps round to ${c.distinct.toLocaleString('en')} integers`);
        count.value = collapsed.length ? `${plural(plan.points_total)} (${collapsed.join('; ')})` : plural(plan.points_total);
        count.dataset.points = String(plan.points_total);
        count.dataset.checked = '1';
      }, 150);
    }
    return n;
  }

  function renderAxes() {
    clear(axesBox, axes.map((a, i) => {
      const pid = nextId('ax'), mid = nextId('ax'), vid = nextId('ax');
      const preview = h('div', { class: 'muted small preview' });
      const showPreview = () => {
        const vals = axisValues(axisSpec(a));
        const f = (v) => (typeof v === 'number' ? fmtField(a.path, v) : String(v));
        const shown = vals.length > 8 ? [...vals.slice(0, 4).map(f), '…', ...vals.slice(-2).map(f)] : vals.map(f);
        preview.textContent = vals.length ? `${vals.length.toLocaleString('en')} values: ${shown.join(', ')}` : 'no values';
        updateCount();
      };
      const path = h('input', { id: pid, list: 'sweep-paths', value: a.path, oninput: (e) => { a.path = e.target.value.trim(); } });
      const mode = h('select', { id: mid, onchange: (e) => { a.mode = e.target.value; renderAxes(); } },
        h('option', { value: 'values', selected: a.mode === 'values' }, 'values'), h('option', { value: 'range', selected: a.mode === 'range' }, 'range'));
      let body;
      if (a.mode === 'values') {
        body = h('div', { class: 'field grow' }, h('label', { for: vid }, 'Values (comma separated)'),
          h('input', { id: vid, value: a.text, oninput: (e) => { a.text = e.target.value; showPreview(); } }));
      } else {
        const fld = (k, label, type = 'number') => {
          const id = nextId('ax');
          return h('div', { class: 'field narrow' }, h('label', { for: id }, label),
            h('input', { id, type, value: a.range[k], step: 'any', oninput: (e) => { a.range[k] = e.target.value; showPreview(); } }));
        };
        const sid = nextId('ax');
        body = h('div', { class: 'range' }, fld('start', 'Start'), fld('stop', 'Stop'), fld('steps', 'Steps'),
          h('div', { class: 'field narrow' }, h('label', { for: sid }, 'Scale'),
            h('select', { id: sid, onchange: (e) => { a.range.scale = e.target.value; showPreview(); } },
              ['linear', 'log'].map((s) => h('option', { value: s, selected: a.range.scale === s }, s)))));
      }
      // Relative values around the base: "what does 1.5x HBM bandwidth buy".
      const rel = h('div', { class: 'relative small' });
      const showRel = () => {
        const v = canonical() && getPath(canonical(), a.path);
        clear(rel, typeof v === 'number' && v !== 0 && a.mode === 'values' ? [
          h('span', { class: 'muted' }, `base ${fmtField(a.path, v)}: `),
          h('button', { type: 'button', class: 'link', onclick: () => {
            const ints = Number.isInteger(v);
            a.text = FACTORS.map((f) => (ints ? Math.max(1, Math.round(v * f)) : Number((v * f).toPrecision(6)))).filter((x, k, arr) => arr.indexOf(x) === k).join(', ');
            renderAxes();
          } }, `use ×${FACTORS.join(', ×')}`)] : null);
      };
      path.addEventListener('input', showRel);
      showRel();
      const row = h('fieldset', { class: `axis${a.mode === 'range' ? ' is-range' : ''}` }, h('legend', {}, `Axis ${i + 1}`),
        h('div', { class: 'field' }, h('label', { for: pid }, 'Field path'), path),
        h('div', { class: 'field narrow' }, h('label', { for: mid }, 'Kind'), mode), body,
        h('button', { type: 'button', class: 'secondary small', 'aria-label': `remove axis ${i + 1}`, onclick: () => { axes.splice(i, 1); renderAxes(); } }, 'Remove'),
        preview, rel);
      showPreview();
      return row;
    }));
    updateCount();
  }

  async function submit(e) {
    e.preventDefault();
    if (!base) { notice(msg, 'error', 'No base spec: evaluate a design point first.'); return; }
    updateCount();
    const n = Number(count.dataset.points);
    if (!n) { notice(msg, 'error', 'Add at least one axis with values.'); return; }
    const body = {
      name: nameIn.value.trim() || 'sweep', base, axes: axes.map(axisSpec),
      tags: tagsIn.value.split(',').map((t) => t.trim()).filter(Boolean), notes: notesIn.value.trim() || undefined,
    };
    notice(msg, 'info', `Submitting ${n} points…`);
    try {
      const r = await api.createSweep(body);
      notice(msg, 'ok', `Sweep ${r.id} accepted.`);
      watch(r.id);
      loadRecent();
    } catch (err) {
      notice(msg, 'error', errorText(err));
    }
  }

  async function watch(id) {
    clearTimeout(timer);
    const gen = ++watchGen; // a newer watch() stops this one's polling
    watchBox.hidden = false;
    const bar = h('progress', { id: 'sweep-progress', max: 1, value: 0, 'aria-label': 'sweep progress' });
    const pct = h('span', { class: 'pct', id: 'sweep-pct' }, '0 %');
    const status = h('span', { class: 'status', id: 'sweep-status' }, 'queued');
    const cancel = h('button', { type: 'button', id: 'sweep-cancel', class: 'danger', onclick: async () => {
      try { await api.cancelSweep(id); poll(); } catch (err) { notice(msg, 'error', errorText(err)); }
    } }, 'Cancel');
    const open = h('a', { href: `#results/${encodeURIComponent(id)}`, class: 'button', id: 'sweep-open' }, 'Open results');
    const wmsg = h('div', { class: 'small muted' });
    clear(watchBox, h('h3', {}, 'Sweep ', h('span', { class: 'mono' }, id)), h('div', { class: 'progress-row' }, bar, pct, status), wmsg, h('div', { class: 'buttons' }, cancel, open));
    const poll = async () => {
      try {
        const s = await api.getSweep(id);
        if (gen !== watchGen) return;
        const total = Number(s.points_total) || 0, done = Number(s.points_done) || 0;
        const frac = total ? done / total : (FINISHED.has(s.status) ? 1 : 0);
        bar.value = frac;
        pct.textContent = `${Math.floor(frac * 100)} %`;
        status.textContent = s.status;
        status.className = `status st-${s.status}`;
        wmsg.textContent = `${done.toLocaleString('en')} of ${total.toLocaleString('en')} points${s.error ? ` — ${s.error.message || s.error}` : ''}`;
        // the same sweep in "Recent sweeps" shows what the bar shows
        const row = recentBox.querySelector(`tr[data-sweep="${CSS.escape(String(id))}"]`);
        if (row) {
          row.querySelector('td.points').textContent = pointsText(done, total);
          const st = row.querySelector('.status');
          st.textContent = s.status;
          st.className = `status st-${s.status}`;
        }
        if (FINISHED.has(s.status)) { cancel.disabled = true; loadRecent(); emit('sweep-finished', id); return; }
      } catch (err) {
        wmsg.textContent = errorText(err);
      }
      if (gen === watchGen) timer = setTimeout(poll, 500);
    };
    poll();
  }

  const pointsText = (done, total) => `${done.toLocaleString('en')} / ${total.toLocaleString('en')}`;

  async function loadRecent() {
    try {
      const r = await api.listSweeps({ limit: 10 });
      const items = r.items || r.sweeps || r || [];
      clear(recentBox, h('h3', {}, 'Recent sweeps'), items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Recent sweeps' },
        h('thead', {}, h('tr', {}, ['name', 'status', 'points', 'tags', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((s) => h('tr', { 'data-sweep': String(s.id) },
          h('td', {}, s.name || s.id), h('td', {}, h('span', { class: `status st-${s.status}` }, s.status)),
          h('td', { class: 'num points' }, pointsText(Number(s.points_done ?? 0), Number(s.points_total ?? 0))), h('td', {}, (s.tags || []).join(', ')),
          h('td', {}, h('a', { href: `#results/${encodeURIComponent(s.id)}` }, 'results'), ' ',
            h('button', { type: 'button', class: 'link', onclick: () => watch(s.id) }, 'watch')))))))
        : h('p', { class: 'muted' }, 'No sweeps yet.'));
    } catch (err) {
      clear(recentBox, h('p', { class: 'muted' }, `Sweeps unavailable: ${errorText(err)}`));
    }
  }

  clear(root,
    h('div', { class: 'sweeps-layout' },
      h('form', { class: 'card', 'aria-label': 'New sweep', onsubmit: submit },
        h('h2', {}, 'New sweep'),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'sweep-name' }, 'Name'), nameIn),
          h('div', { class: 'field' }, h('label', { for: 'sweep-tags' }, 'Tags'), tagsIn),
          h('div', { class: 'field wide' }, h('label', { for: 'sweep-notes' }, 'Notes'), notesIn)),
        h('h3', {}, 'Axes'), axesBox,
        datalist,
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'secondary', id: 'sweep-add-axis', onclick: () => addAxis({ path: 'parallelism.tp', values: [1, 2, 4, 8] }) }, 'Add axis'),
          h('span', {}, 'Points: ', count),
          h('button', { type: 'submit', id: 'sweep-submit' }, 'Submit sweep')),
        msg),
      h('div', {},
        watchBox,
        h('details', { class: 'card' }, h('summary', {}, 'Base spec (from the design point)'), baseView),
        h('div', { class: 'card' }, recentBox))));

  setBase(state.spec);
  addAxis({ path: 'batch', values: [8, 16, 32, 64] });
  on('sweep-base', setBase);
  on('evaluated', () => { if (!base) setBase(state.spec); });
  on('view:sweeps', () => { setBase(state.spec); fillPaths(); renderAxes(); loadRecent(); });
  loadRecent();
  return { watch };
}
