// numerics.js: choose number formats, quantize the same synthetic tensor
// with each (POST /numerics/quantize) and plot quality (SQNR, dB) against
// storage bits per element — the other half of the codesign trade-off.

import { api } from '../api.js';
import { h, clear, notice, errorText, fmtNum, nextId } from '../util.js';
import { formats, numericsOptions } from '../state.js';
import { scatter, paretoFront } from '../charts.js';

const DEFAULT_PICK = ['bf16', 'fp8_e4m3', 'mxfp8_e4m3', 'mxfp6_e2m3', 'mxfp4', 'nvfp4', 'int4_g128'];
const LABELS = {
  rne: 'nearest, ties to even', rna: 'nearest, ties away', rtz: 'toward zero', stochastic: 'stochastic',
  floor: 'floor (OCP MX)', ceil: 'ceil', even: 'even', rceil: 'rceil (round amax up)',
  none: 'none', hadamard: 'Hadamard rotation', outliers: 'outlier split (LLM.int8)', kv_keys: 'KV keys per channel',
  kv_values: 'KV values per token', student_t: 'Student-t', activations: 'activations (outlier channels)', kv: 'KV cache',
};

export function sqnrOf(r) {
  const m = r.metrics || r.quality || r;
  return Number(m.sqnr_db ?? m.sqnr ?? NaN);
}

export function mountNumerics(root) {
  const list = h('div', { class: 'format-list', role: 'group', 'aria-label': 'Formats' });
  const opt = (v) => h('option', { value: v }, LABELS[v] || v);
  const dist = h('select', { id: 'num-dist' }, numericsOptions('distributions', ['normal', 'laplace', 'student_t', 'activations', 'kv']).map(opt));
  const rounding = h('select', { id: 'num-rounding' }, numericsOptions('rounding', ['rne', 'rna', 'rtz', 'stochastic']).map(opt));
  const scaleMode = h('select', { id: 'num-scale-mode' }, numericsOptions('scale_modes', ['floor', 'ceil', 'even', 'rceil']).map(opt));
  const scheme = h('select', { id: 'num-scheme' }, numericsOptions('schemes', ['none', 'hadamard', 'outliers']).map(opt));
  const custom = h('input', { id: 'num-custom', type: 'text', placeholder: 'e.g. e3m4 or e4m3fn', 'aria-describedby': 'num-custom-help' });
  const customFormats = [];
  const n = h('input', { id: 'num-n', type: 'number', min: 32, step: 32, value: 65536 });
  const seed = h('input', { id: 'num-seed', type: 'number', min: 0, step: 1, value: 1 });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const chart = h('figure', { class: 'card', id: 'num-chart' });
  const table = h('div', { class: 'table-wrap', id: 'num-table' });

  function renderList() {
    const picked = new Set([...list.querySelectorAll('input:checked')].map((i) => i.value));
    const all = [...formats(), ...customFormats.map((name) => ({ name, description: 'user-defined minifloat' }))];
    clear(list, all.map((f) => {
      const id = nextId('fmt');
      const on = picked.size ? picked.has(f.name) : DEFAULT_PICK.includes(f.name) || customFormats.includes(f.name);
      return h('div', { class: 'check' }, h('input', { id, type: 'checkbox', value: f.name, checked: on }),
        h('label', { for: id, title: f.description || '' }, f.name));
    }));
  }

  function addCustom() {
    const name = custom.value.trim();
    if (!/^e[1-8]m([0-9]|1[0-9]|2[0-3])(fn|finite)?$/.test(name)) { notice(msg, 'error', `"${name}" is not eXmY, eXmYfn or eXmYfinite.`); return; }
    if (!customFormats.includes(name)) customFormats.push(name);
    renderList();
    list.querySelector(`input[value="${CSS.escape(name)}"]`).checked = true;
    custom.value = '';
    notice(msg, '', '');
  }

  async function run(e) {
    e?.preventDefault();
    const picked = [...list.querySelectorAll('input:checked')].map((i) => i.value);
    if (!picked.length) { notice(msg, 'error', 'Choose at least one format.'); return; }
    notice(msg, 'info', `Quantizing ${Number(n.value).toLocaleString('en')} ${dist.value} values with ${picked.length} formats…`);
    const known = new Map(formats().map((f) => [f.name, f]));
    const rows = [];
    const errors = [];
    await Promise.all(picked.map(async (format) => {
      try {
        const req = { format, dist: dist.value, n: Number(n.value), seed: Number(seed.value), rounding: rounding.value, scale_mode: scaleMode.value };
        if (scheme.value !== 'none') req.scheme = scheme.value;
        const r = await api.quantize(req);
        rows.push({ format, sqnr: sqnrOf(r), bits: Number(r.bits_per_element ?? known.get(format)?.bits_per_element ?? NaN), raw: r });
      } catch (err) { errors.push(`${format}: ${errorText(err)}`); }
    }));
    rows.sort((a, b) => b.bits - a.bits || b.sqnr - a.sqnr);
    if (errors.length) notice(msg, 'error', errors.join('; '));
    else notice(msg, '', '');
    const finite = rows.filter((r) => Number.isFinite(r.sqnr) && Number.isFinite(r.bits));
    const pts = finite.map((r) => ({ key: r.format, label: r.format, x: r.bits, y: r.sqnr }));
    // Formats worth considering: no other gives more SQNR for fewer bits.
    const front = paretoFront(pts, true, false);
    clear(chart, finite.length ? scatter(pts,
      { xLabel: 'bits per element (incl. scales)', yLabel: 'SQNR (dB)', labels: true, front, title: `SQNR against bits per element (${dist.value}, n = ${n.value})` })
      : h('p', { class: 'muted' }, 'No results.'),
    finite.length ? h('figcaption', { class: 'muted' }, 'Red: the front of formats that no other format beats with fewer bits and higher SQNR.') : null);
    const extra = ['mse', 'cosine', 'kl_div', 'max_abs_error', 'mean_rel_error']
      .filter((k) => rows.some((r) => typeof (r.raw.metrics || r.raw)[k] === 'number'));
    clear(table, h('table', { class: 'data', 'aria-label': 'Quantization quality' },
      h('thead', {}, h('tr', {}, ['format', 'bits/element', 'SQNR (dB)', ...extra].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, r.format), h('td', { class: 'num' }, fmtNum(r.bits, 4)),
        h('td', { class: 'num' }, fmtNum(r.sqnr, 4)), extra.map((k) => h('td', { class: 'num' }, fmtNum((r.raw.metrics || r.raw)[k], 4))))))));
  }

  clear(root, h('div', { class: 'numerics-layout' },
    h('form', { class: 'card', 'aria-label': 'Quantization experiment', onsubmit: run },
      h('h2', {}, 'Numerics'),
      h('p', { class: 'muted' }, 'Quantize one synthetic tensor with each format (bit-exact emulation) and compare quality with storage cost.'),
      h('fieldset', {}, h('legend', {}, 'Formats'), list),
      h('div', { class: 'fields' },
        h('div', { class: 'field' }, h('label', { for: 'num-dist' }, 'Distribution'), dist),
        h('div', { class: 'field' }, h('label', { for: 'num-n' }, 'Elements'), n),
        h('div', { class: 'field' }, h('label', { for: 'num-seed' }, 'Seed'), seed),
        h('div', { class: 'field' }, h('label', { for: 'num-rounding' }, 'Rounding'), rounding),
        h('div', { class: 'field' }, h('label', { for: 'num-scale-mode' }, 'MX scale rule'), scaleMode),
        h('div', { class: 'field' }, h('label', { for: 'num-scheme' }, 'Scheme'), scheme),
        h('div', { class: 'field wide' }, h('label', { for: 'num-custom' }, 'Add a minifloat'),
          h('div', { class: 'inline' }, custom, h('button', { type: 'button', class: 'secondary small', id: 'num-add', onclick: addCustom }, 'Add')),
          h('div', { id: 'num-custom-help', class: 'muted small' }, 'eXmY (IEEE-like), eXmYfn (no Inf, one NaN), eXmYfinite'))),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'num-run' }, 'Quantize')), msg),
    h('div', {}, chart, h('div', { class: 'card' }, table))));
  renderList();
  return { renderList, run };
}
