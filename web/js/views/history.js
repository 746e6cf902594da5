// history.js: what the team has done — sweeps and decision records,
// searchable by tag, author and text — and the form that records a decision
// with its evidence (the sweep it came from) linked.

import { api } from '../api.js';
import { h, clear, notice, errorText, fmtField, setHash } from '../util.js';
import { state, on } from '../state.js';
import { confidenceBadge, assumptionsTable } from './resultview.js';

// A new decision is proposed or accepted; ridged marks older ones superseded.
const DECISION_STATUS = ['proposed', 'accepted'];
const CONFIDENCE = ['high', 'medium', 'low'];

const itemsOf = (r) => (Array.isArray(r) ? r : r.items || r.decisions || r.sweeps || []);
const nextOf = (r) => r && (r.next_cursor || r.next_page_token || r.cursor || null);

// ridged's evidence is {sweeps: [ids], runs: [ids], rtl: [RTL job ids]}.
function evidenceLinks(ev) {
  const out = [];
  for (const id of (ev && ev.sweeps) || []) out.push(h('a', { href: `#results/${encodeURIComponent(id)}`, class: 'evidence' }, `sweep ${id}`));
  for (const id of (ev && ev.runs) || []) out.push(h('a', { href: `#compare/run/${encodeURIComponent(id)}`, class: 'evidence' }, `run ${id}`));
  for (const id of (ev && ev.rtl) || []) out.push(h('a', { href: `#silicon/${encodeURIComponent(id)}`, class: 'evidence' }, `RTL job ${id}`));
  return out.length ? out : [h('span', { class: 'muted' }, 'no evidence linked')];
}

export function mountHistory(root) {
  const q = h('input', { id: 'hist-q', type: 'search', placeholder: 'words in names, questions, rationale' });
  const tag = h('input', { id: 'hist-tag', type: 'text' });
  const author = h('input', { id: 'hist-author', type: 'text' });
  const sweepStatus = h('select', { id: 'hist-sweep-status' }, h('option', { value: '' }, 'any'),
    ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((v) => h('option', { value: v }, v)));
  const decisionStatus = h('select', { id: 'hist-decision-status' }, h('option', { value: '' }, 'any'),
    ['proposed', 'accepted', 'superseded'].map((v) => h('option', { value: v }, v)));
  const sweepsBox = h('div', { id: 'hist-sweeps' });
  const runsBox = h('div', { id: 'hist-runs' });
  const picked = new Set();
  const decisionsBox = h('div', { id: 'hist-decisions' });
  const detail = h('div', { id: 'hist-detail' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const dmsg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const evidence = [];
  const evidenceBox = h('div', { class: 'evidence-list', id: 'dec-evidence' });
  const f = {
    title: h('input', { id: 'dec-title', type: 'text', required: true }),
    question: h('textarea', { id: 'dec-question', rows: 2, required: true }),
    decision: h('textarea', { id: 'dec-decision', rows: 2, required: true }),
    rationale: h('textarea', { id: 'dec-rationale', rows: 3 }),
    status: h('select', { id: 'dec-status' }, DECISION_STATUS.map((s) => h('option', { value: s }, s))),
    confidence: h('select', { id: 'dec-confidence' }, CONFIDENCE.map((s) => h('option', { value: s, selected: s === 'medium' }, s))),
    tags: h('input', { id: 'dec-tags', type: 'text', placeholder: 'comma separated' }),
    supersedes: h('input', { id: 'dec-supersedes', type: 'text', placeholder: 'decision ids, comma separated (optional)' }),
  };
  let assumptions = [];
  const assumptionsBox = h('div', { class: 'evidence-list', id: 'dec-assumptions' });
  function renderAssumptions() {
    clear(assumptionsBox, assumptions.length ? assumptions.map((a, i) => h('span', { class: 'chip', title: a.source || '' },
      `${a.name} = ${a.value}${a.unit ? ` ${a.unit}` : ''}`, confidenceBadge(a.confidence),
      h('button', { type: 'button', class: 'link', 'aria-label': `remove assumption ${a.name}`, onclick: () => { assumptions.splice(i, 1); renderAssumptions(); } }, '×')))
      : h('span', { class: 'muted' }, 'Taken from the evidence sweep\'s provenance.'));
  }
  let sweepCursor = null, decCursor = null, runCursor = null;

  // Stored runs (GET /runs): tick any number and compare them side by side.
  function renderRuns(items, append) {
    const rows = items.map((r) => {
      const box = h('input', { type: 'checkbox', id: `hist-run-${r.id}`, checked: picked.has(r.id), onchange: (e) => { if (e.target.checked) picked.add(r.id); else picked.delete(r.id); cmpBtn.disabled = picked.size < 2; cmpBtn.textContent = `Compare ${picked.size} runs`; } });
      return h('tr', { 'data-id': r.id, class: r.fits === false ? 'nofit' : '' },
        h('td', {}, box, h('label', { for: `hist-run-${r.id}`, class: 'sr-only' }, `pick run ${r.id}`)),
        h('td', {}, h('a', { href: `#compare/run/${encodeURIComponent(r.id)}` }, r.id)),
        h('td', {}, r.model || '—'), h('td', {}, r.hardware || '—'), h('td', {}, r.phase || '—'), h('td', { class: 'num' }, r.batch ?? '—'),
        h('td', { class: 'num' }, fmtField('time_s', r.time_s)), h('td', { class: 'num' }, fmtField('mfu', r.mfu)),
        h('td', { class: 'num' }, fmtField('energy_per_token_j', r.energy_per_token_j)), h('td', {}, r.author || '—'),
        h('td', { class: 'small' }, r.created_at ? new Date(r.created_at).toLocaleString() : ''));
    });
    const tbody = append && runsBox.querySelector('tbody');
    if (tbody) tbody.append(...rows);
    else {
      clear(runsBox, rows.length ? [h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Stored runs' },
        h('thead', {}, h('tr', {}, ['', 'run', 'model', 'hardware', 'phase', 'batch', 'step time', 'MFU', 'energy/token', 'author', 'stored'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))), h('div', { class: 'buttons' }, cmpBtn)] : h('p', { class: 'muted' }, 'No stored runs match ("Store run" on a design point keeps one).'));
    }
    runsBox.querySelector('.more')?.remove();
    if (runCursor) runsBox.append(h('button', { type: 'button', class: 'secondary small more', onclick: () => search('runs') }, 'More runs'));
  }
  const cmpBtn = h('button', { type: 'button', id: 'hist-compare-runs', disabled: true,
    onclick: () => { location.hash = `#compare/runs/${[...picked].join(',')}`; } }, 'Compare 0 runs');

  function renderEvidence() {
    clear(evidenceBox, evidence.length ? evidence.map((e, i) => h('span', { class: 'chip' }, `${e.kind} ${e.id}`,
      h('button', { type: 'button', class: 'link', 'aria-label': `remove evidence ${e.kind} ${e.id}`, onclick: () => { evidence.splice(i, 1); renderEvidence(); } }, '×')))
      : h('span', { class: 'muted' }, 'No evidence linked: open a sweep in Results and press "Record a decision", or store a run.'));
  }

  function filters() {
    return { q: q.value.trim() || undefined, tag: tag.value.trim() || undefined, author: author.value.trim() || undefined };
  }

  // Both lists on a new search; "More" pages one list only.
  async function search(more) {
    const p = { ...filters(), limit: 20 };
    notice(msg, 'info', 'Searching…');
    try {
      await Promise.all([
        more && more !== 'runs' ? null : (async () => {
          const r = await api.listRuns({ q: p.q && p.q.split(/\s+/).length === 1 ? p.q : undefined, author: p.author, limit: p.limit, page_token: more === 'runs' ? runCursor : undefined });
          runCursor = nextOf(r);
          renderRuns(r.runs || [], more === 'runs');
        })(),
        more === 'decisions' || more === 'runs' ? null : (async () => {
          const s = await api.listSweeps({ tag: p.tag, author: p.author, status: sweepStatus.value || undefined, limit: p.limit, page_token: more === 'sweeps' ? sweepCursor : undefined });
          sweepCursor = nextOf(s);
          // ridged filters sweeps by tag, author and status; text is matched here.
          const words = (p.q || '').toLowerCase().split(/\s+/).filter(Boolean);
          const hay = (x) => [x.name, x.notes, x.author, ...(x.tags || [])].join(' ').toLowerCase();
          renderSweeps(itemsOf(s).filter((x) => words.every((w) => hay(x).includes(w))), more === 'sweeps');
        })(),
        more === 'sweeps' || more === 'runs' ? null : (async () => {
          const d = await api.listDecisions({ ...p, status: decisionStatus.value || undefined, page_token: more === 'decisions' ? decCursor : undefined });
          decCursor = nextOf(d);
          renderDecisions(itemsOf(d), more === 'decisions');
        })(),
      ]);
      notice(msg, '', '');
    } catch (e) { notice(msg, 'error', errorText(e)); }
  }

  function renderSweeps(items, append) {
    const rows = items.map((s) => h('tr', {},
      h('td', {}, h('a', { href: `#results/${encodeURIComponent(s.id)}` }, s.name || s.id)),
      h('td', {}, h('span', { class: `status st-${s.status}` }, s.status)), h('td', {}, s.author || '—'),
      h('td', {}, (s.tags || []).join(', ')), h('td', { class: 'num' }, `${s.points_done ?? '?'} / ${s.points_total ?? '?'}`),
      h('td', { class: 'small' }, s.created_at ? new Date(s.created_at).toLocaleString() : '')));
    const tbody = append && sweepsBox.querySelector('tbody');
    if (tbody) { tbody.append(...rows); } else {
      clear(sweepsBox, rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Sweeps' },
        h('thead', {}, h('tr', {}, ['sweep', 'status', 'author', 'tags', 'points', 'created'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No sweeps match.'));
    }
    sweepsBox.querySelector('.more')?.remove();
    if (sweepCursor) sweepsBox.append(h('button', { type: 'button', class: 'secondary small more', onclick: () => search('sweeps') }, 'More sweeps'));
  }

  function renderDecisions(items, append) {
    const cards = items.map((d) => h('article', { class: 'decision', 'data-id': d.id },
      h('h4', {}, h('button', { type: 'button', class: 'link', onclick: () => show(d.id) }, d.title || d.id)),
      h('p', {}, h('span', { class: `status st-${d.status}` }, d.status || 'recorded'), ' ', confidenceBadge(d.confidence),
        d.author ? ` · ${d.author}` : '', d.created_at ? ` · ${new Date(d.created_at).toLocaleString()}` : ''),
      d.decision ? h('p', {}, d.decision) : null,
      h('p', { class: 'small' }, evidenceLinks(d.evidence))));
    if (append) decisionsBox.querySelector('.more')?.remove();
    if (!append) clear(decisionsBox, cards.length ? cards : h('p', { class: 'muted' }, 'No decisions match.'));
    else decisionsBox.append(...cards);
    if (decCursor) decisionsBox.append(h('button', { type: 'button', class: 'secondary small more', onclick: () => search('decisions') }, 'More decisions'));
  }

  const decLink = (id) => h('button', { type: 'button', class: 'link dec-link', onclick: () => show(id) }, `decision ${id}`);

  async function show(id) {
    try {
      const d = await api.getDecision(id);
      if (location.hash.startsWith('#history')) setHash(`#history/decision/${encodeURIComponent(d.id)}`); // shareable
      clear(detail, h('div', { class: 'card decision-detail' },
        h('h3', {}, d.title), h('p', {}, h('span', { class: `status st-${d.status}` }, d.status), ' ', confidenceBadge(d.confidence), d.author ? ` · ${d.author}` : '',
          ' · ', h('a', { href: `/api/v1/decisions/${encodeURIComponent(d.id)}/report`, target: '_blank', rel: 'noopener', id: 'dec-report' }, 'HTML report')),
        h('dl', { class: 'provenance' },
          [['question', d.question], ['decision', d.decision], ['rationale', d.rationale],
            ['supersedes', (d.supersedes || []).length ? d.supersedes.map(decLink) : null],
            ['superseded by', d.superseded_by ? decLink(d.superseded_by) : null], ['tags', (d.tags || []).join(', ')],
            ['recorded', d.created_at], ['id', d.id]]
            .filter(([, v]) => v && (!Array.isArray(v) || v.length)).map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : v)])),
        h('h4', {}, 'Evidence'), h('p', {}, evidenceLinks(d.evidence)),
        Array.isArray(d.assumptions) && d.assumptions.length ? h('div', {}, h('h4', {}, 'Assumptions it rests on'),
          assumptionsTable(d.assumptions.map((a) => (typeof a === 'string' ? { name: a } : a)))) : null));
      detail.scrollIntoView({ block: 'nearest' });
    } catch (e) { notice(msg, 'error', errorText(e)); }
  }

  async function record(e) {
    e.preventDefault();
    const body = {
      title: f.title.value.trim(), question: f.question.value.trim() || undefined, decision: f.decision.value.trim(),
      rationale: f.rationale.value.trim() || undefined, status: f.status.value, confidence: f.confidence.value,
      tags: f.tags.value.split(',').map((t) => t.trim()).filter(Boolean),
      evidence: {
        sweeps: evidence.filter((x) => x.kind === 'sweep').map((x) => x.id),
        runs: evidence.filter((x) => x.kind === 'run').map((x) => x.id),
        rtl: evidence.filter((x) => x.kind === 'rtl').map((x) => x.id),
      },
      assumptions: assumptions.map(({ name, value, unit, source, confidence }) => ({ name, value, unit, source, confidence })),
      supersedes: f.supersedes.value.split(',').map((t) => t.trim()).filter(Boolean),
    };
    if (!body.title || !body.question || !body.decision) { notice(dmsg, 'error', 'A decision needs a title, the question and the decision itself.'); return; }
    try {
      const r = await api.createDecision(body);
      notice(dmsg, 'ok', `Decision recorded (${r.id}).`);
      for (const k of ['title', 'question', 'decision', 'rationale', 'tags', 'supersedes']) f[k].value = '';
      evidence.length = 0; renderEvidence();
      assumptions = []; renderAssumptions();
      await search();
    } catch (err) { notice(dmsg, 'error', errorText(err)); }
  }

  const fld = (id, label, el) => h('div', { class: 'field' }, h('label', { for: id }, label), el);
  clear(root, h('div', { class: 'history-layout' },
    h('div', {},
      h('form', { class: 'card toolbar', 'aria-label': 'Search history', role: 'search', onsubmit: (e) => { e.preventDefault(); search(); } },
        h('h2', {}, 'History'),
        h('div', { class: 'field grow' }, h('label', { for: 'hist-q' }, 'Text'), q),
        h('div', { class: 'field' }, h('label', { for: 'hist-tag' }, 'Tag'), tag),
        h('div', { class: 'field' }, h('label', { for: 'hist-author' }, 'Author'), author),
        h('div', { class: 'field' }, h('label', { for: 'hist-decision-status' }, 'Decision status'), decisionStatus),
        h('div', { class: 'field' }, h('label', { for: 'hist-sweep-status' }, 'Sweep status'), sweepStatus),
        h('button', { type: 'submit', id: 'hist-search' }, 'Search')),
      msg,
      h('div', { class: 'card' }, h('h3', {}, 'Decisions'), decisionsBox),
      detail,
      h('div', { class: 'card' }, h('h3', {}, 'Sweeps'), sweepsBox),
      h('div', { class: 'card' }, h('h3', {}, 'Stored runs'), runsBox)),
    h('form', { class: 'card', id: 'decision-form', 'aria-label': 'Record a decision', onsubmit: record },
      h('h2', {}, 'Record a decision'),
      fld('dec-title', 'Title', f.title), fld('dec-question', 'Question', f.question), fld('dec-decision', 'Decision', f.decision),
      fld('dec-rationale', 'Rationale', f.rationale),
      h('div', { class: 'fields' }, fld('dec-status', 'Status', f.status), fld('dec-confidence', 'Confidence', f.confidence)),
      fld('dec-tags', 'Tags', f.tags), fld('dec-supersedes', 'Supersedes', f.supersedes),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Evidence'), evidenceBox),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Assumptions'), assumptionsBox),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'dec-submit' }, 'Record decision')), dmsg)));

  on('evidence', ({ kind, id }) => {
    if (!evidence.some((x) => x.kind === kind && x.id === id)) evidence.push({ kind, id });
    renderEvidence();
  });
  on('decide', ({ sweep }) => {
    if (!evidence.some((x) => x.kind === 'sweep' && x.id === sweep.id)) evidence.push({ kind: 'sweep', id: sweep.id });
    const have = new Set(assumptions.map((a) => a.name));
    for (const a of (sweep.provenance && sweep.provenance.assumptions) || []) if (!have.has(a.name)) assumptions.push(a);
    renderAssumptions();
    if (!f.title.value) f.title.value = `From sweep: ${sweep.name || sweep.id}`;
    if (!f.tags.value && sweep.tags?.length) f.tags.value = sweep.tags.join(', ');
    if (!f.question.value && sweep.notes) f.question.value = sweep.notes;
    renderEvidence();
  });
  on('view:history', (arg) => {
    search();
    const m = /^decision\/(\d+)$/.exec(arg || '');
    if (m) show(m[1]);
  });
  renderEvidence();
  renderAssumptions();
  void state;
}
