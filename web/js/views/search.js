// search.js: the layout search as a job. Start one (POST /searches: a spec
// with its chip count, the options of `ridge search`), follow its progress
// while the service's workers run its chunks, read the ranked layouts, and
// open any of them as a design point (the spec with that layout).

import { api } from '../api.js';
import { h, clear, notice, errorText, fmtNum, fmtTime, fmtPct, fmtBytes, fmtSI, setHash } from '../util.js';
import { state, on, emit } from '../state.js';

const POLL_MS = 500;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
// A first search that answers in well under a second: Llama-3-8B training on
// 64 H100s (19,107 layouts).
const EXAMPLE = {
  model: 'llama3-8b', hardware: 'h100-sxm', system: 'dgx-h100', phase: 'train', batch: 256, seq_len: 4096, chips: 64,
};

// "tp 2 · pp 4 · dp 32 · cp 4 · v4 · SP": degrees above 1, interleave, sequence parallelism.
const layoutText = (p) => [`tp ${p.tp}`, `pp ${p.pp}`, `dp ${p.dp}`, p.ep > 1 ? `ep ${p.ep}` : '', p.cp > 1 ? `cp ${p.cp}` : '',
  p.interleave > 1 ? `v${p.interleave}` : '', p.sequence_parallel ? 'SP' : ''].filter(Boolean).join(' · ');

export function mountSearch(root) {
  const name = h('input', { id: 'search-name', type: 'text', value: 'layout search', maxlength: 200 });
  const chips = h('input', { id: 'search-chips', type: 'number', min: 1, step: 1, value: EXAMPLE.chips });
  const top = h('input', { id: 'search-top', type: 'number', min: 1, max: 64, step: 1, value: 10 });
  const interleave = h('input', { id: 'search-interleave', type: 'number', min: 1, max: 64, step: 1, value: 4 });
  const uneven = h('input', { id: 'search-uneven', type: 'checkbox' });
  const specText = h('textarea', { id: 'search-spec', class: 'mono', rows: 8, spellcheck: 'false', 'aria-describedby': 'search-spec-help' });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const watchBox = h('div', { class: 'card', id: 'search-watch', hidden: true });
  const recentBox = h('div', { class: 'table-wrap', id: 'search-list' });
  let timer = null;
  let watchGen = 0;
  specText.value = JSON.stringify(EXAMPLE, null, 2);

  function fromPoint() {
    if (!state.spec) return;
    const spec = JSON.parse(JSON.stringify(state.spec));
    delete spec.parallelism; // the search chooses the layout
    if (spec.chips) chips.value = spec.chips;
    spec.chips = Number(chips.value) || 1;
    specText.value = JSON.stringify(spec, null, 2);
  }

  function markBad(field) {
    const map = { 'spec.chips': chips, 'options.top': top, 'options.max_interleave': interleave, 'options.uneven_stages': uneven, name };
    const el = map[field] || (field && field.startsWith('spec') ? specText : null);
    if (el) el.classList.add('invalid');
  }

  async function submit(e) {
    e?.preventDefault();
    let spec;
    try {
      spec = JSON.parse(specText.value);
    } catch (err) {
      specText.classList.add('invalid');
      notice(msg, 'error', `spec: not JSON (${err.message})`);
      return;
    }
    spec.chips = Number(chips.value);
    specText.value = JSON.stringify(spec, null, 2);
    const body = {
      name: name.value.trim() || 'layout search', spec,
      options: { top: Number(top.value), max_interleave: Number(interleave.value), uneven_stages: uneven.checked },
    };
    try {
      const s = await api.createSearch(body);
      notice(msg, 'ok', `Search ${s.id} queued: ${Number(s.configs_total).toLocaleString('en')} layouts.`);
      setHash(`#search/${encodeURIComponent(s.id)}`);
      watch(s.id);
      loadRecent();
    } catch (err) {
      notice(msg, 'error', errorText(err));
      markBad(err.field);
    }
  }

  function openLayout(s, entry) {
    const spec = { ...s.spec, parallelism: entry.parallelism };
    emit('load-spec', spec);
    location.hash = '#point';
  }

  function bestTable(s) {
    const best = s.best || [];
    if (!best.length) return h('p', { class: 'muted', id: 'search-empty' }, FINISHED.has(s.status) ? 'No layout fits in memory.' : 'No chunk done yet.');
    const cols = ['rank', 'layout', 'micro-batch', 'recompute', 'ZeRO', 'step time', 'MFU', 'memory / device', ''];
    return h('table', { class: 'data', id: 'search-best', 'aria-label': 'Ranked layouts' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, best.map((b) => {
        const p = b.parallelism || {};
        return h('tr', { dataset: { rank: b.rank, index: b.index } },
          h('td', { class: 'num' }, b.rank), h('td', {}, layoutText(p)), h('td', { class: 'num' }, fmtNum(p.microbatch)),
          h('td', {}, p.recompute), h('td', { class: 'num' }, fmtNum(p.zero)), h('td', { class: 'num time' }, fmtTime(b.time_s)),
          h('td', { class: 'num' }, fmtPct(b.mfu)), h('td', { class: 'num' }, fmtBytes(b.memory?.per_device)),
          h('td', {}, h('button', { type: 'button', class: 'link open-layout', title: `${fmtSI(b.tokens_per_s, 'tok/s')}; open as a design point`,
            onclick: () => openLayout(s, b) }, 'Open')));
      })));
  }

  async function watch(id) {
    clearTimeout(timer);
    const gen = ++watchGen; // a newer watch() stops this one's polling
    watchBox.hidden = false;
    const bar = h('progress', { id: 'search-progress', max: 1, value: 0, 'aria-label': 'search progress' });
    const pct = h('span', { class: 'pct', id: 'search-pct' }, '0 %');
    const status = h('span', { class: 'status', id: 'search-status' }, 'queued');
    const counts = h('div', { class: 'small muted', id: 'search-counts' });
    const table = h('div', { class: 'table-wrap' });
    clear(watchBox, h('h3', {}, 'Search ', h('span', { class: 'mono' }, id)), h('div', { class: 'progress-row' }, bar, pct, status), counts, table);
    const poll = async () => {
      try {
        const s = await api.getSearch(id);
        if (gen !== watchGen) return;
        const total = Number(s.configs_total) || 0, done = Number(s.configs_done) || 0;
        const frac = total ? done / total : (FINISHED.has(s.status) ? 1 : 0);
        bar.value = frac;
        pct.textContent = `${Math.floor(frac * 100)} %`;
        status.textContent = s.status;
        status.className = `status st-${s.status}`;
        counts.textContent = `${done.toLocaleString('en')} of ${total.toLocaleString('en')} layouts: ${Number(s.feasible).toLocaleString('en')} fit, ` +
          `${Number(s.no_fit).toLocaleString('en')} do not fit in memory, ${Number(s.rejected).toLocaleString('en')} refused${s.error ? ` — ${s.error}` : ''}`;
        clear(table, bestTable(s));
        if (FINISHED.has(s.status)) { loadRecent(); return; }
      } catch (err) {
        counts.textContent = errorText(err);
      }
      if (gen === watchGen) timer = setTimeout(poll, POLL_MS);
    };
    poll();
  }

  async function loadRecent() {
    try {
      const page = await api.listSearches({ limit: 20 });
      const rows = page.searches || [];
      clear(recentBox, rows.length ? h('table', { class: 'data', 'aria-label': 'Recent searches' },
        h('thead', {}, h('tr', {}, ['search', 'name', 'model', 'chips', 'status', 'layouts'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((s) => h('tr', { dataset: { search: s.id } },
          h('td', {}, h('a', { href: `#search/${encodeURIComponent(s.id)}` }, s.id)), h('td', {}, s.name),
          h('td', {}, String(s.spec?.model?.preset ?? s.spec?.model?.name ?? s.spec?.model ?? '')),
          h('td', { class: 'num' }, fmtNum(s.spec?.chips)),
          h('td', {}, h('span', { class: `status st-${s.status}` }, s.status)),
          h('td', { class: 'num' }, `${Number(s.configs_done).toLocaleString('en')} / ${Number(s.configs_total).toLocaleString('en')}`)))))
        : h('p', { class: 'muted' }, 'No search yet.'));
    } catch (err) {
      clear(recentBox, h('div', { class: 'notice error', role: 'alert' }, errorText(err)));
    }
  }

  for (const el of [name, chips, top, interleave, uneven, specText]) el.addEventListener('input', () => el.classList.remove('invalid'));
  clear(root, h('div', { class: 'numerics-layout' },
    h('div', {},
      h('form', { class: 'card', id: 'search-form', 'aria-label': 'Start a layout search', onsubmit: submit },
        h('h2', {}, 'Layout search'),
        h('p', { class: 'muted' }, 'Every parallel layout of the chips (tensor, pipeline, data, expert and context parallelism, micro-batch, interleave, recompute, ZeRO), ranked by step time among those that fit in memory — the ranking of `ridge search`. The service\'s workers run it in chunks.'),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'search-name' }, 'Name'), name),
          h('div', { class: 'field' }, h('label', { for: 'search-chips' }, 'Chips'), chips),
          h('div', { class: 'field' }, h('label', { for: 'search-top' }, 'Layouts ranked'), top),
          h('div', { class: 'field' }, h('label', { for: 'search-interleave' }, 'Max interleave'), interleave),
          h('div', { class: 'field check' }, h('label', { for: 'search-uneven' }, 'Uneven stages'), uneven)),
        h('div', { class: 'field' }, h('label', { for: 'search-spec' }, 'Spec'), specText,
          h('div', { id: 'search-spec-help', class: 'muted small' }, 'model, hardware, system, phase (train, prefill or decode), global batch and seq_len; the layout is searched')),
        h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'search-submit' }, 'Start search'),
          h('button', { type: 'button', class: 'secondary', id: 'search-from-point', onclick: fromPoint }, 'From design point')), msg),
      h('div', { class: 'card' }, h('h3', {}, 'Recent searches'), recentBox)),
    h('div', {}, watchBox)));
  // #search/ID opens that search.
  on('view:search', (id) => { if (id) watch(id); loadRecent(); });
  return { watch };
}
