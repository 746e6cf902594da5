// app.js: start-up and routing. Loads the presets, mounts each view once,
// and shows one view per URL hash (#point, #sweeps, #search/ID, #results/ID, #numerics,
// #silicon, #calibrate, #compare, #history) so every screen can be linked to.

import { api, getToken, setToken } from './api.js';
import { $, errorText } from './util.js';
import { state, on, emit } from './state.js';
import { mountPoint } from './views/point.js';
import { mountSweeps } from './views/sweeps.js';
import { mountSearch } from './views/search.js';
import { mountResults } from './views/results.js';
import { mountNumerics } from './views/numerics.js';
import { mountSilicon } from './views/silicon.js';
import { mountCompare } from './views/compare.js';
import { mountCalibrate } from './views/calibrate.js';
import { mountHistory } from './views/history.js';
import { watchCharts } from './export.js';

const VIEWS = ['point', 'sweeps', 'search', 'results', 'numerics', 'silicon', 'calibrate', 'compare', 'history'];

// #view/ARG?key=value&...: ARG names the thing shown (a sweep, a job, a
// spec), the query the view's settings (scatter axes, filter).
function route() {
  const [path, query] = (location.hash.slice(1) || 'point').split('?');
  const [name, ...rest] = path.split('/');
  const view = VIEWS.includes(name) ? name : 'point';
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  for (const v of VIEWS) {
    const sec = $(`#view-${v}`);
    sec.hidden = v !== view;
    const tab = $(`a[data-view="${v}"]`);
    if (v === view) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
  }
  document.title = `Ridge — ${$(`a[data-view="${view}"]`).textContent}`;
  emit(`view:${view}`, arg, params);
}

function tokenForm() {
  const input = $('#api-token');
  const stateEl = $('#token-state');
  const show = () => { stateEl.textContent = getToken() ? 'saved' : 'none'; };
  input.value = getToken();
  $('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    input.classList.remove('invalid');
    show();
  });
  // A write was refused: point at the token field.
  window.addEventListener('ridge:auth-needed', () => {
    input.classList.add('invalid');
    stateEl.textContent = getToken() ? 'refused' : 'needed';
  });
  show();
}

// Light or dark: the saved choice, else the system's preference.
function theme() {
  const btn = $('#theme-toggle');
  const apply = (t) => {
    document.documentElement.dataset.theme = t;
    btn.setAttribute('aria-pressed', String(t === 'dark'));
    btn.textContent = t === 'dark' ? 'Light mode' : 'Dark mode';
  };
  const saved = localStorage.getItem('ridge.theme');
  apply(saved || (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  btn.addEventListener('click', () => {
    const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('ridge.theme', t);
    apply(t);
  });
}

async function health() {
  const el = $('#health');
  try {
    const hh = await api.health();
    el.textContent = `ridged ${hh.engine_version || hh.version || ''} · ${hh.status || 'ok'}`.replace(/\s+·/, ' ·');
    el.className = 'health ok';
  } catch (e) {
    el.textContent = `ridged unreachable: ${errorText(e)}`;
    el.className = 'health bad';
  }
}

async function start() {
  theme();
  tokenForm();
  health();
  const [presets, numerics] = await Promise.allSettled([api.presets(), api.numericsFormats()]);
  if (presets.status === 'fulfilled') state.presets = presets.value;
  else {
    state.presets = { hardware: [], models: [], systems: [] };
    $('#health').textContent = `presets unavailable: ${errorText(presets.reason)}`;
  }
  if (numerics.status === 'fulfilled') state.numerics = numerics.value;
  const point = mountPoint($('#view-point'));
  mountSweeps($('#view-sweeps'));
  mountSearch($('#view-search'));
  mountResults($('#view-results'));
  mountNumerics($('#view-numerics'));
  mountSilicon($('#view-silicon'));
  mountCalibrate($('#view-calibrate'));
  mountCompare($('#view-compare'));
  mountHistory($('#view-history'));
  on('load-spec', (spec) => point.setSpec(spec));
  watchCharts(document.querySelector('main'));
  window.addEventListener('hashchange', route);
  route();
  document.body.dataset.ready = '1';
}

start();
