// state.js: what the views share — presets, the current design point, the
// two compare slots and the sweep being watched — with a tiny event bus so
// one view can react to another (e.g. "use this point as a sweep base").

const listeners = new Map();

export const state = {
  presets: null,        // GET /presets
  numerics: null,       // GET /numerics/formats
  spec: null,           // the design point being edited
  result: null,         // its last evaluation
  compare: { a: null, b: null }, // {label, spec, result}
  sweepId: null,        // the sweep shown in Results
};

export function on(event, fn) {
  if (!listeners.has(event)) listeners.set(event, []);
  listeners.get(event).push(fn);
}

export function emit(event, payload, extra) {
  for (const fn of listeners.get(event) || []) fn(payload, extra);
}

// Fallback when ridged lists no formats: names and storage bits per element
// (including amortised block scales) as in engine/formats.c.
export const FALLBACK_FORMATS = [
  ['fp32', 32], ['tf32', 32], ['bf16', 16], ['fp16', 16], ['fp8_e4m3', 8], ['fp8_e5m2', 8],
  ['fp6_e3m2', 6], ['fp6_e2m3', 6], ['fp4_e2m1', 4], ['int8', 8], ['int4', 4],
  ['mxfp8_e4m3', 8.25], ['mxfp8_e5m2', 8.25], ['mxfp6_e3m2', 6.25], ['mxfp6_e2m3', 6.25],
  ['mxfp4', 4.25], ['mxint8', 8.25], ['nvfp4', 4.5], ['int8_g128', 8.125], ['int4_g128', 4.125],
  ['int4_g64', 4.25], ['int4_g128_asym', 4.25],
].map(([name, bits]) => ({ name, bits_per_element: bits }));

// Storage formats (scale-only formats such as e8m0 left out), from
// GET /numerics/formats when ridged has it.
export function formats() {
  const list = state.numerics && state.numerics.formats;
  const all = Array.isArray(list) && list.length ? list.map((f) => (typeof f === 'string' ? { name: f } : f)) : FALLBACK_FORMATS;
  return all.filter((f) => f.kind !== 'scale' && f.name !== 'e8m0');
}

// Option lists of the emulator (rounding, distributions, schemes ...).
export function numericsOptions(key, fallback) {
  const v = state.numerics && state.numerics[key];
  return Array.isArray(v) && v.length ? v : fallback;
}

// Recipe presets (numerics.recipes.*), from GET /numerics/formats' "recipes";
// [] when ridged lists none (the field then takes a typed recipe string).
export function recipes() {
  const v = state.numerics && state.numerics.recipes;
  return Array.isArray(v) ? v.map((r) => (typeof r === 'string' ? { name: r } : r)).filter((r) => r && r.name) : [];
}

export function presetNames(kind) {
  const list = (state.presets && state.presets[kind]) || [];
  return list.map((p) => (typeof p === 'string' ? p : p.name)).filter(Boolean);
}

export function presetObject(kind, name) {
  const list = (state.presets && state.presets[kind]) || [];
  return list.find((p) => p && typeof p === 'object' && p.name === name) || null;
}
