// calibrate.js: stored calibration profiles. Upload measurement rows (JSON
// lines, as ridge calibrate reads them) to be fitted, or a profile that
// `ridge calibrate --out` wrote, through POST /calibrations; list the stored
// ones (GET /calibrations); show a profile's fitted values with their 95 %
// intervals and the error before and after per group; use one in the design
// point (the spec's "calibration": NAME).

import { api } from '../api.js';
import { h, clear, notice, errorText, fmtNum } from '../util.js';
import { state, emit, on } from '../state.js';

const PROFILE_FORMAT = 'ridge-calibration-1';

// The body POST /calibrations takes for `text`: a profile object when the
// text is one JSON object in the profile format, else measurement rows.
export function calibrationBody(name, description, folds, text) {
  const body = { name };
  if (description) body.description = description;
  let obj = null;
  try { obj = JSON.parse(text); } catch { /* JSON lines: more than one value */ }
  if (obj && typeof obj === 'object' && !Array.isArray(obj) && obj.format === PROFILE_FORMAT) body.profile = obj;
  else {
    body.measurements = text;
    body.folds = folds;
  }
  return body;
}

const pct = (v) => (typeof v !== 'number' ? '—' : v < 0.01 ? '< 0.01 %' : `${fmtNum(v, 3)} %`);

// One fitted group: what it was fitted on, its error, its values.
function groupCard(g) {
  const on = g.hardware || g.system || 'steps';
  const params = Object.entries(g.params || {});
  return h('div', { class: 'calib-group' },
    h('h4', {}, `${g.kind} · ${on}${g.dtype ? ` · ${g.dtype}` : ''}`),
    h('p', { class: 'small calib-mape' }, `${g.rows} rows: MAPE ${pct(g.mape_before)} with the defaults → ${pct(g.mape_after)} fitted`,
      typeof g.cv_mape === 'number' ? `, ${pct(g.cv_mape)} cross-validated` : ''),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data compact', 'aria-label': `Fitted values: ${g.kind} ${on}` },
      h('thead', {}, h('tr', {}, ['assumption', 'fitted', '95 % interval', 'default'].map((c, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, c)))),
      h('tbody', {}, params.map(([name, p]) => h('tr', {},
        h('td', {}, name), h('td', { class: 'num' }, fmtNum(p.value, 4)),
        h('td', { class: 'num' }, `${fmtNum(p.low, 4)} – ${p.high === null || p.high === undefined ? '∞' : fmtNum(p.high, 4)}`),
        h('td', { class: 'num' }, fmtNum(p.default, 4))))))));
}

export function mountCalibrate(root) {
  const name = h('input', { id: 'cal-name', type: 'text', placeholder: 'e.g. h100-gemm', pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}', required: true });
  const desc = h('input', { id: 'cal-desc', type: 'text', placeholder: 'what was measured, where' });
  const folds = h('input', { id: 'cal-folds', type: 'number', min: 0, max: 20, step: 1, value: 5 });
  const file = h('input', { id: 'cal-file', type: 'file', accept: '.jsonl,.json,application/json' });
  const text = h('textarea', { id: 'cal-text', class: 'mono', spellcheck: 'false', rows: 8,
    placeholder: '{"kind":"gemm","hardware":"h100-sxm","dtype":"bf16","m":4096,"n":4096,"k":4096,"time_s":1.9e-4}\n… or a profile from ridge calibrate --out' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const list = h('div', { class: 'table-wrap', id: 'cal-list' });
  const detail = h('div', { class: 'card', id: 'cal-detail', hidden: true });

  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    text.value = await f.text();
    if (!name.value) name.value = f.name.replace(/\.(jsonl|json)$/, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  });

  async function refresh() {
    try {
      const r = await api.listCalibrations();
      const rows = r.calibrations || [];
      emit('calibrations', rows);
      clear(list, rows.length ? h('table', { class: 'data', 'aria-label': 'Stored calibrations' },
        h('thead', {}, h('tr', {}, ['name', 'rows stored', 'description', 'author', 'stored at'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((c) => h('tr', {},
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show(c.id) }, c.name)),
          h('td', { class: 'num' }, String(c.rows)), h('td', {}, c.description || ''), h('td', {}, c.author || ''),
          h('td', { class: 'mono small' }, c.created_at || '')))))
        : h('p', { class: 'muted' }, 'No stored calibrations yet.'));
    } catch (e) {
      clear(list, h('p', { class: 'small error-text' }, errorText(e)));
    }
  }

  async function show(id) {
    try {
      const c = await api.getCalibration(id);
      const p = c.profile || {};
      detail.hidden = false;
      clear(detail,
        h('h3', { id: 'cal-detail-name' }, c.name),
        h('p', { class: 'muted small' }, p.measurements || ''),
        (p.groups || []).map(groupCard),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', id: 'cal-use', onclick: () => use(c.name) }, 'Use in design point')));
    } catch (e) {
      notice(msg, 'error', errorText(e));
    }
  }

  // The design point names the profile; ridged applies it on every evaluate.
  function use(profile) {
    emit('load-spec', { ...(state.spec || {}), calibration: profile });
    location.hash = '#point';
  }

  async function upload(e) {
    e.preventDefault();
    if (!text.value.trim()) { notice(msg, 'error', 'Choose a file or paste measurement rows or a profile.'); return; }
    const body = calibrationBody(name.value.trim(), desc.value.trim(), Number(folds.value), text.value);
    notice(msg, 'info', body.profile ? 'Storing the profile…' : 'Fitting the rows…');
    try {
      const c = await api.createCalibration(body);
      notice(msg, 'ok', `Stored ${c.name} (${body.profile ? 'fitted profile' : `${c.rows} rows fitted`}).`);
      await refresh();
      await show(c.id);
    } catch (err) {
      notice(msg, 'error', `${err.field ? `${err.field}: ` : ''}${errorText(err)}`);
    }
  }

  clear(root, h('div', { class: 'calibrate-layout' },
    h('form', { class: 'card', 'aria-label': 'Store a calibration', onsubmit: upload },
      h('h2', {}, 'Calibration'),
      h('p', { class: 'muted' }, 'Measured GEMMs, memory-bound ops, collectives or steps (one JSON object a line) are fitted into the assumptions they measure; a profile from ridge calibrate --out is stored as it is.'),
      h('div', { class: 'fields' },
        h('div', { class: 'field' }, h('label', { for: 'cal-name' }, 'Name'), name),
        h('div', { class: 'field' }, h('label', { for: 'cal-desc' }, 'Description'), desc),
        h('div', { class: 'field' }, h('label', { for: 'cal-folds' }, 'Cross-validation folds (0: none)'), folds),
        h('div', { class: 'field' }, h('label', { for: 'cal-file' }, 'Measurement file or profile'), file)),
      h('div', { class: 'json-editor' }, h('label', { for: 'cal-text' }, 'Rows (JSON lines) or profile (JSON)'), text),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'cal-upload' }, 'Fit and store')), msg),
    h('div', {}, h('div', { class: 'card' }, h('h3', {}, 'Stored profiles'), list), detail)));
  on('view:calibrate', () => refresh());
  return { refresh, show };
}

