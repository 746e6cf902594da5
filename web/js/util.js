// util.js: DOM building, number formatting and dotted-path helpers shared by
// the views. No state lives here.

// h('div', {class: 'x', onclick: fn}, child, ...): a small element builder.
// Strings become text nodes (never HTML), so server text cannot inject markup.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// Preset data may write a number as {value, unit, source}.
export function num(v) {
  if (v && typeof v === 'object' && 'value' in v) return Number(v.value);
  return typeof v === 'number' ? v : Number(v);
}

const SI = [[1e18, 'E'], [1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
const SMALL = [[1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'], [1e-12, 'p'], [1e-15, 'f']];

export function fmtNum(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  v = Number(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e7) return v.toLocaleString('en');
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1).replace('e+', 'e');
  return Number(v.toPrecision(digits)).toString();
}

export function fmtSI(v, unit = '', digits = 3) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  v = Number(v);
  const a = Math.abs(v);
  for (const [f, p] of SI) if (a >= f) return `${Number((v / f).toPrecision(digits))} ${p}${unit}`;
  // very small values take a prefix too (5.55 µ, not 5.55e-6); 0.01..1 stays plain
  if (a > 0 && a < 1e-2) for (const [f, p] of SMALL) if (a >= f) return `${Number((v / f).toPrecision(digits))} ${p}${unit}`;
  return `${fmtNum(v, digits)} ${unit}`.trim();
}

// Decimal units (1 GB = 1e9 B), as the presets, the CLI's JSON and the README
// write capacities and bandwidths.
export function fmtBytes(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let x = Number(v), i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i++; }
  return `${Number(x.toPrecision(3))} ${units[i]}`;
}

export function fmtTime(s) {
  if (s === null || s === undefined || Number.isNaN(Number(s))) return '—';
  s = Number(s);
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a >= 1) return `${Number(s.toPrecision(4))} s`;
  if (a >= 1e-3) return `${Number((s * 1e3).toPrecision(4))} ms`;
  if (a >= 1e-6) return `${Number((s * 1e6).toPrecision(4))} µs`;
  return `${Number((s * 1e9).toPrecision(4))} ns`;
}

export function fmtPct(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return `${(Number(v) * 100).toFixed(1)} %`;
}

// Units by field name: the spec's fields (GET /spec-fields, from the codec's
// field table) and the stored result columns (GET /result-columns), as
// ridged names them; params.* and point.* prefixes are looked through.
const UNITS = new Map();
export function registerUnits(entries) {
  for (const [name, unit] of entries) if (unit) UNITS.set(name, unit);
}
export function unitOf(name) {
  return UNITS.get(String(name).replace(/^(params|point)\./, '')) || '';
}

// A value in its unit: time as s/ms/µs, bytes decimal, rates with SI
// prefixes (4.8e12 B/s -> "4.8 TB/s").
export function fmtUnit(v, unit) {
  if (typeof v !== 'number') return v === undefined || v === null ? '—' : String(v);
  if (unit === 's') return fmtTime(v);
  if (unit === 'B') return fmtBytes(v);
  if (unit === 'B/s') return `${fmtBytes(v)}/s`;
  if (unit === 'tok/s') return fmtSI(v, 'tok/s');
  if (['FLOP/s', 'FLOP', 'W', 'J', 'Hz'].includes(unit)) return fmtSI(v, unit);
  return unit ? `${fmtNum(v, 4)} ${unit}` : fmtNum(v, 4);
}

// Pick a formatter from a field's name: its registered unit first.
export function fmtField(name, v) {
  if (typeof v !== 'number') return v === undefined || v === null ? '—' : String(v);
  const unit = unitOf(name);
  if (unit) return fmtUnit(v, unit);
  if (/(^|\.|_)mfu$/.test(name) || /efficiency$/.test(name)) return fmtPct(v);
  if (/_bytes$|(^|\.)bytes$|^memory_(per_device|capacity)$/.test(name)) return fmtBytes(v);
  if (/tokens_per_s/.test(name)) return fmtSI(v, 'tok/s');
  if (/_s$/.test(name)) return fmtTime(v);
  if (/peak_flops$|matrix_flops|vector_flops/.test(name)) return fmtSI(v, 'FLOP/s');
  if (/flops$/.test(name)) return fmtSI(v, 'FLOP');
  if (/params$/.test(name)) return fmtSI(v);
  if (/quality_loss$|_nsr$/.test(name)) return fmtSI(v); // noise-to-signal ratios: 5.55 µ, not 5.547e-6
  return fmtNum(v, 4);
}

export function getPath(obj, path) {
  let cur = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

// A preset name on the way ("hardware": "h100-sxm") becomes {preset: name}
// first, so setting hardware.mem_bw overrides one field of the preset
// instead of replacing it (as ridged's codec_spec_set_path does for sweeps).
export function setPath(obj, path, value) {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] === 'string') cur[k] = { preset: cur[k] };
    else if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k];
  }
  cur[keys[keys.length - 1]] = value;
  return obj;
}

// {a: {b: 1}, c: [..]} -> {'a.b': 1, c: [..]}; arrays stay leaves.
export function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

// Parse a comma-separated list into numbers where every item is numeric,
// booleans where every item is true/false, strings otherwise.
export function parseList(text) {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length);
  if (items.length && items.every((s) => s !== '' && !Number.isNaN(Number(s)))) return items.map(Number);
  if (items.length && items.every((s) => s === 'true' || s === 'false')) return items.map((s) => s === 'true');
  return items;
}

let uid = 0;
export const nextId = (p) => `${p}-${++uid}`;

// Status line in a view: kind is 'info', 'ok' or 'error'.
export function notice(el, kind, text) {
  clear(el, text ? h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
}

export function errorText(e) {
  if (!e) return '';
  let t = e.message || String(e);
  if (e.field && !t.startsWith(e.field)) t = `${e.field}: ${t}`;
  if (e.hint) t += ` — ${e.hint}`;
  return t;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Shareable URLs: a JSON value as base64url (UTF-8) in the hash, and back.
export function encodeState(v) {
  const bytes = new TextEncoder().encode(JSON.stringify(v));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export function decodeState(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(b, (c) => c.charCodeAt(0))));
}
// Replaces the hash without a hashchange (no re-route), so the address bar
// always holds the screen as it is.
export function setHash(hash) {
  if (location.hash !== hash) history.replaceState(null, '', hash);
}
