// silicon.js: the cost of a numerics choice in silicon. Queue a unit
// (POST /rtl: generate Verilog, co-simulate against the C model, synthesize
// on the OSU 0.18 um cells), follow the jobs, and compare what each
// finished unit costs — area, critical path, energy per operation — with the
// quality of its format (SQNR from POST /numerics/quantize on one synthetic
// tensor): speed, quality and cost of a format on one screen.

import { api } from '../api.js';
import { h, clear, notice, errorText, fmtNum } from '../util.js';
import { scatter, paretoFront } from '../charts.js';
import { on, emit } from '../state.js';

// Operand formats of the generator (rtl/rtl.h): element formats for
// mul/mac, block-scaled formats for dot.
const ELEMENT_FORMATS = ['fp4_e2m1', 'fp6_e3m2', 'fp6_e2m3', 'fp8_e4m3', 'fp8_e5m2', 'fp16', 'bf16', 'int8', 'int4'];
const BLOCK_FORMATS = ['mxfp8_e4m3', 'mxfp8_e5m2', 'mxfp6_e3m2', 'mxfp6_e2m3', 'mxfp4', 'mxint8', 'nvfp4'];
const POLL_MS = 1000;
// The tensor every format's SQNR is measured on (the Numerics view's default).
const SQNR_TENSOR = { dist: 'normal', n: 65536, seed: 1 };

const sqnrCache = new Map();

async function sqnrOf(format) {
  if (!sqnrCache.has(format)) {
    sqnrCache.set(format, api.quantize({ format, ...SQNR_TENSOR })
      .then((r) => Number((r.metrics || r).sqnr_db ?? NaN))
      .catch(() => NaN));
  }
  return sqnrCache.get(format);
}

// The unit a finished job describes, as the table and chart label it.
function unitLabel(j) {
  const q = j.request || {};
  let s = `${q.unit} ${q.format}`;
  if (q.out_format && q.out_format !== q.format) s += `→${q.out_format}`;
  if (q.unit !== 'mul' && q.acc) s += ` acc ${q.acc}`;
  if (q.align_bits) s += ` align ${q.align_bits}`;
  if (q.stages) s += ` ${q.stages} stages`;
  return s;
}

export function mountSilicon(root) {
  const opt = (v) => h('option', { value: v }, v);
  const unit = h('select', { id: 'sil-unit' }, ['mul', 'mac', 'dot'].map(opt));
  const format = h('select', { id: 'sil-format' });
  const acc = h('input', { id: 'sil-acc', type: 'text', placeholder: 'fp32', 'aria-describedby': 'sil-acc-help' });
  const align = h('input', { id: 'sil-align', type: 'number', min: 0, step: 1, value: 0, 'aria-describedby': 'sil-align-help' });
  const clock = h('input', { id: 'sil-clock', type: 'number', min: 0.1, step: 0.1, value: 10 });
  const cosim = h('input', { id: 'sil-cosim', type: 'checkbox', checked: true });
  const synth = h('input', { id: 'sil-synth', type: 'checkbox', checked: true });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const jobsEl = h('div', { class: 'table-wrap', id: 'sil-jobs' });
  const costEl = h('div', { class: 'table-wrap', id: 'sil-cost' });
  const chart = h('figure', { class: 'card', id: 'sil-chart' });
  const detail = h('div', { id: 'sil-detail' });
  let timer = null;
  let shown = '';

  function formatsFor(u) { return u === 'dot' ? BLOCK_FORMATS : ELEMENT_FORMATS; }
  function renderFormats() {
    const keep = format.value;
    clear(format, formatsFor(unit.value).map(opt));
    if (formatsFor(unit.value).includes(keep)) format.value = keep;
    align.disabled = unit.value !== 'dot';
    acc.disabled = unit.value === 'mul';
  }

  async function submit(e) {
    e?.preventDefault();
    const body = { unit: unit.value, format: format.value, cosim: cosim.checked, synth: synth.checked };
    if (!acc.disabled && acc.value.trim()) body.acc = acc.value.trim();
    if (!align.disabled && Number(align.value) > 0) body.align_bits = Number(align.value);
    if (Number(clock.value) !== 10) body.clock_ns = Number(clock.value);
    try {
      const job = await api.createRtl(body);
      notice(msg, 'ok', `Queued RTL job ${job.id} (${unitLabel(job)}).`);
      refresh();
    } catch (err) {
      notice(msg, 'error', errorText(err));
      const bad = err.field && root.querySelector(`#sil-${CSS.escape(err.field.replace('_bits', ''))}`);
      if (bad) bad.classList.add('invalid');
    }
  }

  async function showJob(id) {
    shown = id;
    try {
      const j = await api.getRtl(id);
      const p = j.provenance || {};
      const s = (j.result && j.result.synthesis) || {};
      const facts = [
        ['status', j.status], ['top', j.result?.top], ['cells', s.cells],
        ['area', s.area_um2 !== undefined ? `${fmtNum(s.area_um2, 4)} µm²` : undefined],
        ['critical path', s.delay_ns !== undefined ? `${fmtNum(s.delay_ns, 4)} ns` : undefined],
        ['energy / op', s.energy_pj !== undefined ? `${fmtNum(s.energy_pj, 4)} pJ at ${fmtNum(s.clock_ns)} ns` : undefined],
        ['co-simulation', j.result?.cosim ? `${fmtNum(j.result.cosim.vectors ?? j.result.cosim.pairs)} vectors, ${fmtNum(j.result.cosim.mismatches)} mismatches` : undefined],
        ['Verilog SHA-256', p.verilog_sha256], ['generator', p.generator_version],
        ['tools', p.tools ? Object.entries(p.tools).map(([k, v]) => `${k} ${v}`).join('; ') : undefined],
        ['liberty SHA-256', p.liberty?.sha256], ['replica', j.replica], ['finished', j.finished_at],
      ].filter(([, v]) => v !== undefined && v !== null && v !== '');
      clear(detail, h('article', { class: 'card rtl-detail' },
        h('h3', {}, `RTL job ${j.id}: ${unitLabel(j)}`),
        j.status === 'done' ? h('p', {}, h('button', {
          type: 'button', class: 'link', id: 'sil-evidence',
          onclick: () => { emit('evidence', { kind: 'rtl', id: j.id }); location.hash = '#history'; },
        }, 'Use as decision evidence')) : null,
        j.error ? h('div', { class: 'notice error', role: 'alert' }, j.error) : null,
        h('dl', { class: 'provenance' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
        j.verilog ? h('details', {}, h('summary', {}, `Verilog (${fmtNum(j.verilog_bytes)} bytes)`),
          h('pre', { class: 'base-json mono' }, j.verilog)) : null));
    } catch (err) {
      clear(detail, h('div', { class: 'notice error', role: 'alert' }, errorText(err)));
    }
  }

  function renderJobs(jobs) {
    clear(jobsEl, h('table', { class: 'data', 'aria-label': 'RTL jobs' },
      h('thead', {}, h('tr', {}, ['job', 'unit', 'status', 'area (µm²)', 'delay (ns)', 'energy (pJ/op)', 'error'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, jobs.map((j) => {
        const s = (j.result && j.result.synthesis) || {};
        return h('tr', { dataset: { id: j.id, status: j.status } },
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => showJob(j.id) }, j.id)),
          h('td', {}, unitLabel(j)), h('td', { class: `status ${j.status}` }, j.status),
          h('td', { class: 'num' }, fmtNum(s.area_um2, 4)), h('td', { class: 'num' }, fmtNum(s.delay_ns, 4)),
          h('td', { class: 'num' }, fmtNum(s.energy_pj, 4)), h('td', { class: 'muted' }, j.error ? j.error.slice(0, 80) : ''));
      }))));
  }

  // One row per unit: the newest finished synthesis of each.
  async function renderCost(jobs) {
    const seen = new Map();
    for (const j of jobs) {
      const s = j.status === 'done' && j.result && j.result.synthesis;
      if (!s) continue;
      const key = unitLabel(j);
      if (!seen.has(key)) seen.set(key, { key, job: j, s, format: j.request.format });
    }
    const rows = [...seen.values()];
    await Promise.all(rows.map(async (r) => { r.sqnr = await sqnrOf(r.format); }));
    rows.sort((a, b) => a.s.area_um2 - b.s.area_um2);
    clear(costEl, rows.length ? h('table', { class: 'data', 'aria-label': 'Cost and quality per unit' },
      h('thead', {}, h('tr', {}, ['unit', 'cells', 'area (µm²)', 'delay (ns)', 'energy (pJ/op)', 'SQNR (dB)'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { format: r.format, unit: r.job.request.unit, area: r.s.area_um2 } },
        h('td', {}, r.key), h('td', { class: 'num' }, fmtNum(r.s.cells)), h('td', { class: 'num area' }, fmtNum(r.s.area_um2, 4)),
        h('td', { class: 'num' }, fmtNum(r.s.delay_ns, 4)), h('td', { class: 'num' }, fmtNum(r.s.energy_pj, 4)),
        h('td', { class: 'num sqnr' }, fmtNum(r.sqnr, 4))))))
      : h('p', { class: 'muted' }, 'No synthesized unit yet: queue one with "synthesize" on.'));
    const pts = rows.filter((r) => Number.isFinite(r.sqnr) && r.s.energy_pj > 0)
      .map((r) => ({ key: r.key, label: r.key, x: r.s.energy_pj, y: r.sqnr }));
    // Units worth building: no other gives more SQNR for less energy.
    const front = paretoFront(pts, true, false);
    clear(chart, pts.length ? scatter(pts, {
      xLabel: 'energy per operation (pJ)', yLabel: 'SQNR of the format (dB)', labels: true, front,
      title: `Quality against energy per operation (${SQNR_TENSOR.dist}, n = ${SQNR_TENSOR.n})`,
    }) : h('p', { class: 'muted' }, 'The chart appears once a unit is synthesized.'),
    pts.length ? h('figcaption', { class: 'muted' }, 'Red: units no other beats with less energy and more SQNR. Energy at the job\'s clock and input activity (see each job\'s synthesis).') : null);
  }

  async function refresh() {
    clearTimeout(timer);
    timer = null;
    try {
      const page = await api.listRtl({ limit: 200 });
      const jobs = page.jobs || [];
      renderJobs(jobs);
      await renderCost(jobs);
      if (jobs.some((j) => j.status === 'queued' || j.status === 'running')) timer = setTimeout(refresh, POLL_MS);
      if (shown && jobs.some((j) => j.id === shown)) showJob(shown);
    } catch (err) {
      notice(msg, 'error', errorText(err));
    }
  }

  for (const el of [unit, format, acc, align]) el.addEventListener('input', () => el.classList.remove('invalid'));
  unit.addEventListener('change', renderFormats);
  clear(root, h('div', { class: 'numerics-layout' },
    h('div', {},
      h('form', { class: 'card', id: 'sil-form', 'aria-label': 'Queue an RTL unit', onsubmit: submit },
        h('h2', {}, 'Silicon'),
        h('p', { class: 'muted' }, 'Generate a numerics unit as Verilog, co-simulate it against the bit-exact C model and synthesize it on the OSU 0.18 µm cells. Jobs run on the service\'s RTL workers.'),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'sil-unit' }, 'Unit'), unit),
          h('div', { class: 'field' }, h('label', { for: 'sil-format' }, 'Format'), format),
          h('div', { class: 'field' }, h('label', { for: 'sil-acc' }, 'Accumulator'), acc,
            h('div', { id: 'sil-acc-help', class: 'muted small' }, 'mac/dot; fp32 when empty')),
          h('div', { class: 'field' }, h('label', { for: 'sil-align' }, 'Align bits'), align,
            h('div', { id: 'sil-align-help', class: 'muted small' }, 'dot; 0 = exact')),
          h('div', { class: 'field' }, h('label', { for: 'sil-clock' }, 'Clock (ns)'), clock),
          h('div', { class: 'field check' }, h('label', { for: 'sil-cosim' }, 'Co-simulate'), cosim),
          h('div', { class: 'field check' }, h('label', { for: 'sil-synth' }, 'Synthesize'), synth)),
        h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'sil-submit' }, 'Queue'),
          h('button', { type: 'button', class: 'secondary', id: 'sil-refresh', onclick: refresh }, 'Refresh')), msg),
      h('div', { class: 'card' }, h('h3', {}, 'Jobs'), jobsEl), detail),
    h('div', {}, chart, h('div', { class: 'card' }, h('h3', {}, 'Cost and quality'), costEl))));
  renderFormats();
  // #silicon/ID opens that job (the links of a decision's evidence).
  on('view:silicon', (id) => { if (id) showJob(id); refresh(); });
  return { refresh };
}
