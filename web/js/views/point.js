// point.js: one design point. A form over the spec's common fields and a
// JSON editor of the whole spec, kept in step; every change re-evaluates
// (POST /evaluate) and shows the result at once.

import { api } from '../api.js';
import { h, clear, getPath, setPath, debounce, notice, errorText, nextId, encodeState, decodeState, setHash, fmtTime, fmtNum, fmtPct, num } from '../util.js';
import { state, emit, on, formats, recipes, presetNames, presetObject } from '../state.js';
import { renderResult } from './resultview.js';
import { waterfall } from '../charts.js';

const NUM = 'int';
// [path, label, kind, options]; kind: preset kind, 'select', 'int', 'bool', 'format', 'recipe'.
export const FIELDS = [
  ['model', 'Model', 'preset:models'],
  ['hardware', 'Hardware', 'preset:hardware'],
  ['system', 'System', 'preset:systems'],
  ['phase', 'Phase', 'select', ['train', 'prefill', 'decode', 'serve']],
  ['batch', 'Batch (sequences)', NUM],
  ['seq_len', 'Sequence length', NUM],
  ['chips', 'Chips', NUM],
  ['numerics.weights', 'Weights format', 'format'],
  ['numerics.activations', 'Activations format', 'format'],
  ['numerics.kv_cache', 'KV-cache format', 'format'],
  ['numerics.math', 'Math format', 'format'],
  // A recipe on a class replaces its format (bytes, rate, passes, quality; docs/spec.md).
  ['numerics.recipes.weights', 'Weights recipe', 'recipe'],
  ['numerics.recipes.activations', 'Activations recipe', 'recipe'],
  ['numerics.recipes.kv_cache', 'KV-cache recipe', 'recipe'],
  ['parallelism.tp', 'Tensor parallel (tp)', NUM],
  ['parallelism.pp', 'Pipeline parallel (pp)', NUM],
  ['parallelism.dp', 'Data parallel (dp)', NUM],
  ['parallelism.ep', 'Expert parallel (ep)', NUM],
  ['parallelism.cp', 'Context parallel (cp)', NUM],
  ['parallelism.microbatch', 'Micro-batch', NUM],
  ['parallelism.interleave', 'Interleave', NUM],
  ['parallelism.recompute', 'Recompute', 'select', ['none', 'selective', 'full']],
  ['parallelism.zero', 'ZeRO stage', 'select', [0, 1, 2, 3]],
  ['parallelism.sequence_parallel', 'Sequence parallel', 'bool'],
  // Hardware knobs: overrides merged on the hardware/system preset, in the
  // units shown (empty: the preset's value, shown as the placeholder).
  ['hardware.mem_bw', 'HBM bandwidth (TB/s)', 'unit', { scale: 1e12 }],
  ['hardware.mem_bytes', 'HBM capacity (GB)', 'unit', { scale: 1e9 }],
  ...['tf32', 'bf16', 'fp16', 'fp8', 'fp6', 'fp4', 'int8'].map((f) => [`hardware.matrix_flops.${f}`, `Matrix peak ${f} (TFLOP/s)`, 'unit', { scale: 1e12 }]),
  ['system.scaleup_bw', 'Scale-up link bandwidth (GB/s)', 'unit', { scale: 1e9 }],
  ['system.scaleout_bw', 'Scale-out link bandwidth (GB/s)', 'unit', { scale: 1e9 }],
  // Build a chip (hardware.silicon): the matrix unit priced from synthesized lanes.
  ['hardware.silicon.matrix_area_mm2', 'Build a chip: matrix area (mm²)', 'num'],
  ['hardware.silicon.node_nm', 'Build a chip: node (nm)', 'select', [180, 130, 90, 65, 45, 32, 20, 16, 14, 10, 7, 5, 3]],
  ['hardware.silicon.clock_ghz', 'Build a chip: clock (GHz)', 'num'],
  ['hardware.silicon.pipeline_stages', 'Build a chip: pipeline stages (empty: the fewest the clock needs)', 'num'],
  ['hardware.silicon.mac_format', 'Build a chip: MAC lane format', 'select',
    ['fp4_e2m1', 'fp6_e3m2', 'fp6_e2m3', 'fp8_e4m3', 'fp8_e5m2', 'bf16', 'fp16', 'int8', 'int4', 'mxfp8_e4m3', 'mxfp4', 'nvfp4']],
];

const REQUIRED = new Set(['model', 'hardware', 'phase']);

// config.json as Python's json module writes it: the bare tokens Infinity,
// -Infinity and NaN (outside strings) read as null, as `ridge import-model` does.
export function parseHfConfig(text) {
  let out = '', inStr = false;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (inStr) {
      out += c; i++;
      if (c === '\\' && i < text.length) out += text[i++];
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    const tok = ['-Infinity', 'Infinity', 'NaN'].find((k) => text.startsWith(k, i));
    if (tok) { out += 'null'; i += tok.length; } else { out += c; i++; }
  }
  return JSON.parse(out);
}

export function defaultSpec() {
  const pick = (kind, prefer) => {
    const names = presetNames(kind);
    return names.find((n) => prefer.test(n)) || names[0];
  };
  const spec = {
    model: pick('models', /llama.*8b/i), hardware: pick('hardware', /h100/i), phase: 'train',
    batch: 32, seq_len: 4096,
    numerics: { weights: 'bf16', activations: 'bf16', kv_cache: 'bf16', math: 'bf16' },
    parallelism: { tp: 8, pp: 1, dp: 1 },
  };
  const system = pick('systems', /h100/i);
  if (system) spec.system = system;
  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  return spec;
}

export function mountPoint(root) {
  const ids = {};
  const form = h('form', { class: 'spec-form', 'aria-label': 'Design point', onsubmit: (e) => { e.preventDefault(); evaluate(false); } });
  const fieldsBox = h('div', { class: 'fields' });
  const json = h('textarea', { id: 'spec-json', class: 'mono', spellcheck: 'false', rows: 18, 'aria-describedby': 'spec-json-msg' });
  const jsonMsg = h('div', { id: 'spec-json-msg', class: 'muted small' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const withQuality = h('input', { id: 'point-quality', type: 'checkbox', checked: true, onchange: () => schedule() });
  const withUncertainty = h('input', { id: 'point-uncertainty', type: 'checkbox', onchange: () => schedule() });
  const out = h('div', { class: 'result', id: 'point-result' }, h('p', { class: 'muted' }, 'Evaluating…'));
  // Predicted against measured: a measured step time explained by the
  // assumptions (POST /explain), drawn as a waterfall.
  const measured = h('input', { id: 'point-measured', type: 'number', min: 0, step: 'any', inputmode: 'decimal', placeholder: 'seconds' });
  const gapOut = h('div', { id: 'gap-explain', 'aria-live': 'polite' });
  // A stored calibration profile (Calibration view) named by the spec's
  // "calibration": ridged applies its fitted values on every evaluate.
  const calibration = h('select', { id: 'point-calibration', onchange: () => {
    if (calibration.value) state.spec.calibration = calibration.value;
    else delete state.spec.calibration;
    toJson();
    schedule();
  } }, h('option', { value: '' }, '(none: shipped defaults)'));
  function calibrationOptions(rows) {
    const cur = state.spec?.calibration;
    const names = rows.map((c) => c.name);
    if (typeof cur === 'string' && !names.includes(cur)) names.push(cur);
    clear(calibration, h('option', { value: '' }, '(none: shipped defaults)'), names.map((n) => h('option', { value: n }, n)));
    calibration.value = typeof cur === 'string' ? cur : '';
  }
  on('calibrations', calibrationOptions);
  let seq = 0;
  // A Hugging Face config.json pasted as it is becomes the spec's model
  // ({"hf_config": …}); the service imports it on every evaluate and names
  // any bad key as model.hf_config.<key>.
  const hfText = h('textarea', { id: 'hf-config', class: 'mono', spellcheck: 'false', rows: 8, placeholder: '{"model_type": "llama", "hidden_size": 4096, …}', 'aria-describedby': 'hf-config-msg' });
  const hfMsg = h('div', { id: 'hf-config-msg', class: 'muted small', 'aria-live': 'polite' });
  function useHfConfig() {
    let cfg;
    try {
      cfg = parseHfConfig(hfText.value);
      if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error('a config.json is a JSON object');
    } catch (e) {
      hfMsg.textContent = `config.json error: ${e.message}`;
      hfMsg.className = 'small error-text';
      return;
    }
    state.spec.model = { hf_config: cfg };
    hfMsg.textContent = `Using ${cfg.model_type || 'the'} config as the model.`;
    hfMsg.className = 'muted small';
    toJson();
    toForm();
    schedule();
  }

  function control(path, label, kind, options) {
    const id = ids[path] = nextId('f');
    let input;
    if (kind.startsWith('preset:') || kind === 'select' || kind === 'format' || kind === 'recipe') {
      let opts;
      if (kind === 'format') opts = formats().map((f) => f.name);
      else if (kind === 'recipe') opts = recipes().map((r) => r.name);
      else if (kind === 'select') opts = options;
      else opts = presetNames(kind.slice(7));
      const titles = kind.startsWith('preset:') ? new Map(opts.map((o) => [o, presetObject(kind.slice(7), o)?.description || '']))
        : kind === 'recipe' ? new Map(recipes().map((r) => [r.name, r.source || ''])) : new Map();
      // model, hardware and phase have no default: no empty choice for them.
      const required = REQUIRED.has(path);
      input = h('select', { id, name: path, required },
        required ? null : h('option', { value: '' }, kind === 'preset:systems' ? '(none)' : '(default)'),
        opts.map((o) => h('option', { value: String(o), title: titles.get(o) || undefined }, String(o))),
        h('option', { value: '__custom', disabled: true }, '(custom object — edit JSON)'));
    } else if (kind === 'bool') {
      input = h('input', { id, name: path, type: 'checkbox' });
    } else {
      const real = kind === 'num' || kind === 'unit';
      input = h('input', { id, name: path, type: 'number', min: 0, step: real ? 'any' : 1, inputmode: real ? 'decimal' : 'numeric', placeholder: real ? 'none' : 'default' });
    }
    input.addEventListener('change', () => fromForm(path, kind, input));
    if (input.type === 'number') input.addEventListener('input', () => fromForm(path, kind, input));
    return h('div', { class: `field${kind === 'bool' ? ' check' : ''}` }, h('label', { for: id }, label), input);
  }

  function fromForm(path, kind, input) {
    let v;
    if (kind === 'bool') v = input.checked;
    else if (input.value === '') v = undefined;
    else if (kind === 'unit') v = Number(input.value) * FIELDS.find((f) => f[0] === path)[3].scale;
    else if (kind === NUM || kind === 'num' || (kind === 'select' && typeof FIELDS.find((f) => f[0] === path)[3][0] === 'number')) v = Number(input.value);
    else v = input.value;
    const cur = getPath(state.spec, path);
    if (v === cur) return; // 'input' and 'change' both report one edit
    if (kind.startsWith('preset:') && v !== undefined && cur && typeof cur === 'object' && 'preset' in cur) cur.preset = v; // keep a built chip
    else if (v === undefined) deletePath(state.spec, path);
    else setPath(state.spec, path, v);
    if (path.startsWith('hardware.') || path.startsWith('system.')) pruneOverrides(path.split('.')[0]);
    if (path.startsWith('numerics.recipes.') && state.spec.numerics && state.spec.numerics.recipes &&
        !Object.keys(state.spec.numerics.recipes).length) delete state.spec.numerics.recipes;
    if (kind.startsWith('preset:')) toForm(); // the knobs' placeholders show the new preset
    // A serving run needs a workload: start from a small one the JSON editor can change.
    if (path === 'phase' && v === 'serve' && !state.spec.serving)
      state.spec.serving = { arrival: { rate_per_s: 10 }, requests: 1000, prompt_tokens: { dist: 'lognormal', mean: 1024, sigma: 0.5 },
        output_tokens: 256, chunked_prefill_tokens: 2048, slo: { ttft_s: 1, tpot_s: 0.05 } };
    toJson();
    schedule();
  }

  // An emptied chip form or override leaves no empty object behind, and a
  // bare {preset} is a name again.
  function pruneOverrides(section) {
    const obj = state.spec[section];
    if (!obj || typeof obj !== 'object') return;
    for (const k of ['silicon', 'matrix_flops']) if (obj[k] && typeof obj[k] === 'object' && !Object.keys(obj[k]).length) delete obj[k];
    if (Object.keys(obj).length === 1 && typeof obj.preset === 'string') state.spec[section] = obj.preset;
  }

  // The preset value under an override knob, in the knob's unit.
  function presetValue(path, scale) {
    const [section, ...rest] = path.split('.');
    const cur = state.spec[section];
    const name = typeof cur === 'string' ? cur : cur && typeof cur.preset === 'string' ? cur.preset : null;
    const v = name ? num(getPath(presetObject(section === 'system' ? 'systems' : 'hardware', name), rest.join('.'))) : NaN;
    return Number.isFinite(v) ? Number((v / scale).toPrecision(6)) : null;
  }

  function deletePath(obj, path) {
    const keys = path.split('.');
    const parent = keys.length > 1 ? getPath(obj, keys.slice(0, -1).join('.')) : obj;
    if (parent && typeof parent === 'object') delete parent[keys[keys.length - 1]];
  }

  function toForm() {
    const cal = state.spec.calibration;
    if (typeof cal === 'string' && ![...calibration.options].some((o) => o.value === cal)) calibration.append(h('option', { value: cal }, cal));
    calibration.value = typeof cal === 'string' ? cal : '';
    for (const [path, , kind, options] of FIELDS) {
      const el = form.querySelector(`#${ids[path]}`);
      const v = getPath(state.spec, path);
      if (kind === 'unit') {
        const pv = presetValue(path, options.scale);
        el.placeholder = pv === null ? 'none' : `${pv} (preset)`;
        el.value = typeof v === 'number' ? String(Number((v / options.scale).toPrecision(12))) : '';
        continue;
      }
      if (kind === 'bool') el.checked = !!v;
      else if (v !== null && typeof v === 'object') el.value = typeof v.preset === 'string' && [...el.options].some((o) => o.value === v.preset) ? v.preset : '__custom';
      else if (v === undefined) el.value = '';
      else {
        if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === String(v))) {
          el.insertBefore(h('option', { value: String(v) }, String(v)), el.lastChild);
        }
        el.value = String(v);
      }
    }
  }

  function toJson() {
    json.value = JSON.stringify(state.spec, null, 2);
    jsonMsg.textContent = '';
  }

  json.addEventListener('input', debounce(() => {
    try {
      const v = JSON.parse(json.value);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the spec must be a JSON object');
      state.spec = v;
      jsonMsg.textContent = 'JSON ok';
      jsonMsg.className = 'muted small';
      toForm();
      schedule();
    } catch (e) {
      jsonMsg.textContent = `JSON error: ${e.message}`;
      jsonMsg.className = 'small error-text';
    }
  }, 400));

  // The engine answers in milliseconds: a short pause only merges a burst of
  // keystrokes; answers that arrive out of order are dropped (seq).
  const schedule = debounce(() => evaluate(false), 10);

  // A chip half filled in is not an error yet: say what it still needs.
  const CHIP_KEYS = [['node_nm', 'node'], ['clock_ghz', 'clock'], ['matrix_area_mm2', 'matrix area'], ['mac_format', 'MAC lane format']];
  function chipMissing() {
    const si = state.spec.hardware && typeof state.spec.hardware === 'object' ? state.spec.hardware.silicon : null;
    if (!si || typeof si !== 'object') return [];
    return CHIP_KEYS.filter(([k]) => si[k] === undefined).map(([, label]) => label);
  }

  async function evaluate(store) {
    const mine = ++seq;
    const missing = chipMissing();
    if (missing.length) {
      notice(msg, 'info', `Build a chip: give the ${missing.join(', ')} too, then the matrix unit is priced.`);
      return;
    }
    notice(msg, 'info', store ? 'Storing run…' : '');
    try {
      const r = await api.evaluate(state.spec, { store, quality: withQuality.checked, uncertainty: withUncertainty.checked });
      if (mine !== seq) return;
      state.result = r;
      highlightField(null);
      // the address bar holds this design point (#point/<spec>): copy it to share
      if (location.hash === '' || location.hash.startsWith('#point')) setHash(`#point/${encodeState(state.spec)}`);
      // Presets named by the spec, with the source of every number.
      const used = [['model', 'models'], ['hardware', 'hardware'], ['system', 'systems']]
        .map(([key, kind]) => [key, typeof state.spec[key] === 'string' ? presetObject(kind, state.spec[key]) : null])
        .filter(([, p]) => p);
      renderResult(out, r, used);
      if (store && r.run_id) {
        clear(msg, h('div', { class: 'notice ok', role: 'status' }, `Stored run ${r.run_id}. `,
          h('button', { type: 'button', class: 'link', onclick: () => { emit('evidence', { kind: 'run', id: r.run_id }); location.hash = '#history'; } }, 'Use as decision evidence')));
      } else if (msg.querySelector('.notice.error, .notice.info')) notice(msg, '', '');
      emit('evaluated', r);
    } catch (e) {
      if (mine !== seq) return;
      notice(msg, 'error', errorText(e));
      highlightField(e.field);
      // The last good answer is not this spec's: take it off the screen
      // rather than leave it looking current.
      state.result = null;
      clear(out, h('p', { class: 'muted stale', id: 'point-no-result' }, 'No result for this spec: fix the input named above.'));
    }
  }

  async function explainGap() {
    const t = Number(measured.value);
    if (!(t > 0)) { clear(gapOut, h('p', { class: 'small error-text' }, 'Give the measured step time in seconds (> 0).')); return; }
    clear(gapOut, h('p', { class: 'muted small' }, 'Explaining…'));
    try {
      renderGap(await api.explain(state.spec, t));
    } catch (e) {
      clear(gapOut, h('p', { class: 'small error-text' }, errorText(e)));
    }
  }

  function renderGap(x) {
    const rows = x.attribution.steps.map((st) => ({
      label: st.name, delta: st.delta_s,
      title: st.value === undefined ? `${fmtPct(st.share)} of the gap` : `${fmtNum(st.value)} → ${fmtNum(st.joint_value)}, ${fmtPct(st.share)} of the gap`,
    }));
    const top = x.assumptions.slice(0, 5);
    // The same joint change seen per op: each part of the step before and after.
    const oa = x.op_attribution;
    const opRows = oa ? oa.steps.map((st) => ({
      label: st.name, delta: st.delta_s,
      title: st.before_s === undefined ? (st.name === 'linearisation' ? 'measured minus the joint change\'s prediction' : 'the remaining parts') : `${fmtTime(st.before_s)} → ${fmtTime(st.after_s)}`,
    })) : [];
    const opTable = oa ? h('div', { class: 'table-wrap' }, h('table', { class: 'data compact', id: 'gap-ops', 'aria-label': 'Parts of the step before and after the joint change' },
      h('thead', {}, h('tr', {}, ['part of the step', 'predicted', 'after the joint change', 'change'].map((c, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, c)))),
      h('tbody', {}, oa.rows.slice(0, 8).map((r) => h('tr', {}, h('td', {}, r.name), h('td', { class: 'num' }, fmtTime(r.before_s)),
        h('td', { class: 'num' }, fmtTime(r.after_s)), h('td', { class: 'num' }, `${r.delta_s >= 0 ? '+' : '−'}${fmtTime(Math.abs(r.delta_s))}`)))))) : null;
    clear(gapOut,
      h('h4', {}, 'Predicted against measured'),
      h('p', { class: 'small', id: 'gap-summary' }, `Predicted ${fmtTime(x.predicted_s)}, measured ${fmtTime(x.measured_s)} (${x.gap >= 0 ? '+' : ''}${fmtPct(x.gap)}). ${x.summary}.`),
      waterfall(x.predicted_s, rows, x.measured_s, { title: 'Gap by assumption (smallest joint change in confidence ranges)', fmt: fmtTime }),
      oa ? h('div', { id: 'gap-by-op' }, waterfall(x.predicted_s, opRows, x.measured_s, { title: 'Gap by op under the joint change', fmt: fmtTime }),
        oa.summary ? h('p', { class: 'small', id: 'gap-op-summary' }, `${oa.summary}.`) : null, opTable) : null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data compact', 'aria-label': 'Assumption that alone closes the gap' },
        h('thead', {}, h('tr', {}, h('th', {}, 'assumption'), h('th', {}, 'value'), h('th', {}, 'alone, to match'), h('th', {}, 'ranges away'))),
        h('tbody', {}, top.map((a) => h('tr', {}, h('td', {}, a.name), h('td', { class: 'num' }, fmtNum(a.value)),
          h('td', { class: 'num' }, a.needed === null ? 'out of reach' : fmtNum(a.needed)),
          h('td', { class: 'num' }, a.ranges_away === undefined ? '' : fmtNum(a.ranges_away, 2))))))));
  }

  function highlightField(field) {
    form.querySelectorAll('.invalid').forEach((x) => x.classList.remove('invalid'));
    if (!field) return;
    const f = FIELDS.find(([p]) => field === p || field.startsWith(`${p}.`));
    if (f) form.querySelector(`#${ids[f[0]]}`)?.classList.add('invalid');
  }

  function pin(slot) {
    if (!state.result) return;
    state.compare[slot] = { label: `design point (${state.result.spec_sha256?.slice(0, 8) || 'unsaved'})`, spec: structuredClone(state.spec), result: state.result };
    emit('compare-changed');
    notice(msg, 'ok', `Pinned as ${slot.toUpperCase()} for Compare.`);
  }

  for (const [path, label, kind, options] of FIELDS) fieldsBox.append(control(path, label, kind, options));
  form.append(
    h('h2', {}, 'Design point'),
    fieldsBox,
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', id: 'btn-evaluate' }, 'Evaluate'),
      h('button', { type: 'button', id: 'btn-store', onclick: () => evaluate(true) }, 'Store run'),
      h('button', { type: 'button', class: 'secondary', onclick: () => pin('a') }, 'Pin A'),
      h('button', { type: 'button', class: 'secondary', onclick: () => pin('b') }, 'Pin B'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { emit('sweep-base', structuredClone(state.spec)); location.hash = '#sweeps'; } }, 'Sweep from here'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { state.spec = defaultSpec(); toJson(); toForm(); schedule(); } }, 'Reset')),
    h('div', { class: 'field' }, h('label', { for: 'point-calibration' }, 'Calibration profile'), calibration),
    h('div', { class: 'field check' }, h('label', { for: 'point-quality' }, 'Model quality of the formats (numerics emulator)'), withQuality),
    h('div', { class: 'field check' }, h('label', { for: 'point-uncertainty' }, 'Uncertainty interval (from each assumption\'s confidence)'), withUncertainty),
    h('div', { class: 'field' }, h('label', { for: 'point-measured' }, 'Measured step time (s): explain the gap'), measured),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-explain', class: 'secondary', onclick: () => explainGap() }, 'Explain gap')),
    gapOut,
    msg,
    h('details', { id: 'hf-import', class: 'json-editor' },
      h('summary', {}, 'Model from a Hugging Face config.json'),
      h('label', { for: 'hf-config' }, 'Paste the config.json'), hfText,
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-hf-use', onclick: useHfConfig }, 'Use as model')),
      hfMsg),
    h('div', { class: 'json-editor' }, h('label', { for: 'spec-json' }, 'Spec (JSON, any field)'), json, jsonMsg));

  clear(root, h('div', { class: 'point-layout' }, h('aside', { class: 'card inputs' }, form), out));
  state.spec = state.spec || defaultSpec();
  toJson();
  toForm();
  evaluate(false);
  api.listCalibrations().then((r) => calibrationOptions(r.calibrations || []), () => { /* listed again from the Calibration view */ });
  // #point/<spec>: a shared design point opens as it was.
  on('view:point', (arg) => {
    if (!arg) {
      if (state.result) setHash(`#point/${encodeState(state.spec)}`);
      return;
    }
    try {
      const spec = decodeState(arg);
      if (JSON.stringify(spec) === JSON.stringify(state.spec)) return;
      state.spec = spec; toJson(); toForm(); schedule();
    } catch (e) { notice(msg, 'error', `This link holds no readable design point (${e.message}).`); }
  });
  return { evaluate, setSpec: (spec) => { state.spec = spec; toJson(); toForm(); schedule(); } };
}
