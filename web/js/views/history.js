// history.js: what the team has done — sweeps and decision records,
// searchable by tag, author and text — and the form that records a decision
// with its evidence (the sweep it came from) linked.

import { api } from '../api.js';
import { h, clear, notice, errorText } from '../util.js';
import { state, on } from '../state.js';
import { confidenceBadge } from './resultview.js';

const DECISION_STATUS = ['proposed', 'accepted', 'superseded'];
const CONFIDENCE = ['high', 'medium', 'low'];

const itemsOf = (r) => (Array.isArray(r) ? r : r.items || r.decisions || r.sweeps || []);
const nextOf = (r) => r && (r.next_cursor || r.next_page_token || r.cursor || null);

function evidenceLinks(ev) {
  return (ev || []).map((e) => {
    const kind = e.kind || e.type || (e.sweep_id ? 'sweep' : e.run_id ? 'run' : 'link');
    const id = e.id || e.sweep_id || e.run_id || e.url || '';
    const href = kind === 'sweep' ? `#results/${encodeURIComponent(id)}` : kind === 'run' ? '#compare' : String(e.url || '#history');
    return h('a', { href, class: 'evidence' }, `${kind} ${id}`, e.note ? ` — ${e.note}` : '');
  });
}

export function mountHistory(root) {
  const q = h('input', { id: 'hist-q', type: 'search', placeholder: 'words in names, questions, rationale' });
  const tag = h('input', { id: 'hist-tag', type: 'text' });
  const author = h('input', { id: 'hist-author', type: 'text' });
  const sweepsBox = h('div', { id: 'hist-sweeps' });
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
    supersedes: h('input', { id: 'dec-supersedes', type: 'text', placeholder: 'decision id (optional)' }),
  };
  let sweepCursor = null, decCursor = null;

  function renderEvidence() {
    clear(evidenceBox, evidence.length ? evidence.map((e, i) => h('span', { class: 'chip' }, `${e.kind} ${e.id}`,
      h('button', { type: 'button', class: 'link', 'aria-label': `remove evidence ${e.kind} ${e.id}`, onclick: () => { evidence.splice(i, 1); renderEvidence(); } }, '×')))
      : h('span', { class: 'muted' }, 'No evidence linked: open a sweep in Results and press "Record a decision".'));
  }

  function filters() {
    return { q: q.value.trim() || undefined, tag: tag.value.trim() || undefined, author: author.value.trim() || undefined };
  }

  async function search(more) {
    const p = { ...filters(), limit: 20 };
    notice(msg, 'info', 'Searching…');
    try {
      const [s, d] = await Promise.all([
        api.listSweeps({ ...p, cursor: more === 'sweeps' ? sweepCursor : undefined }),
        api.listDecisions({ ...p, cursor: more === 'decisions' ? decCursor : undefined }),
      ]);
      sweepCursor = nextOf(s); decCursor = nextOf(d);
      renderSweeps(itemsOf(s), more === 'sweeps');
      renderDecisions(itemsOf(d), more === 'decisions');
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

  async function show(id) {
    try {
      const d = await api.getDecision(id);
      clear(detail, h('div', { class: 'card decision-detail' },
        h('h3', {}, d.title), h('p', {}, h('span', { class: `status st-${d.status}` }, d.status), ' ', confidenceBadge(d.confidence), d.author ? ` · ${d.author}` : ''),
        h('dl', { class: 'provenance' },
          [['question', d.question], ['decision', d.decision], ['rationale', d.rationale], ['supersedes', d.supersedes], ['tags', (d.tags || []).join(', ')], ['id', d.id]]
            .filter(([, v]) => v).map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
        h('h4', {}, 'Evidence'), h('p', {}, evidenceLinks(d.evidence)),
        Array.isArray(d.assumptions) && d.assumptions.length ? h('div', {}, h('h4', {}, 'Assumptions'), h('ul', {}, d.assumptions.map((a) => h('li', {}, typeof a === 'string' ? a : `${a.name}: ${a.value ?? ''} ${a.unit ?? ''}`)))) : null));
      detail.scrollIntoView({ block: 'nearest' });
    } catch (e) { notice(msg, 'error', errorText(e)); }
  }

  async function record(e) {
    e.preventDefault();
    const body = {
      title: f.title.value.trim(), question: f.question.value.trim() || undefined, decision: f.decision.value.trim(),
      rationale: f.rationale.value.trim() || undefined, status: f.status.value, confidence: f.confidence.value,
      tags: f.tags.value.split(',').map((t) => t.trim()).filter(Boolean),
      evidence: evidence.map((x) => ({ kind: x.kind, id: x.id })),
      supersedes: f.supersedes.value.trim() || undefined,
    };
    if (!body.title || !body.question || !body.decision) { notice(dmsg, 'error', 'A decision needs a title, the question and the decision itself.'); return; }
    try {
      const r = await api.createDecision(body);
      notice(dmsg, 'ok', `Decision recorded (${r.id}).`);
      for (const k of ['title', 'question', 'decision', 'rationale', 'tags', 'supersedes']) f[k].value = '';
      evidence.length = 0; renderEvidence();
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
        h('button', { type: 'submit', id: 'hist-search' }, 'Search')),
      msg,
      h('div', { class: 'card' }, h('h3', {}, 'Decisions'), decisionsBox),
      detail,
      h('div', { class: 'card' }, h('h3', {}, 'Sweeps'), sweepsBox)),
    h('form', { class: 'card', id: 'decision-form', 'aria-label': 'Record a decision', onsubmit: record },
      h('h2', {}, 'Record a decision'),
      fld('dec-title', 'Title', f.title), fld('dec-question', 'Question', f.question), fld('dec-decision', 'Decision', f.decision),
      fld('dec-rationale', 'Rationale', f.rationale),
      h('div', { class: 'fields' }, fld('dec-status', 'Status', f.status), fld('dec-confidence', 'Confidence', f.confidence)),
      fld('dec-tags', 'Tags', f.tags), fld('dec-supersedes', 'Supersedes', f.supersedes),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Evidence'), evidenceBox),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'dec-submit' }, 'Record decision')), dmsg)));

  on('decide', ({ sweep }) => {
    if (!evidence.some((x) => x.kind === 'sweep' && x.id === sweep.id)) evidence.push({ kind: 'sweep', id: sweep.id });
    if (!f.title.value) f.title.value = `From sweep: ${sweep.name || sweep.id}`;
    if (!f.tags.value && sweep.tags?.length) f.tags.value = sweep.tags.join(', ');
    if (!f.question.value && sweep.notes) f.question.value = sweep.notes;
    renderEvidence();
  });
  on('view:history', () => search());
  renderEvidence();
  void state;
}
