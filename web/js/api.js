// api.js: the one module that talks to ridged. Every view goes through it, so
// the base path, the bearer token and the error shape live in one place.
//
// Errors from ridged are application/problem+json ({title, detail, field,
// hint, status}); they are thrown as ApiError so views can show the field.

const BASE = '/api/v1';
const TOKEN_KEY = 'ridge.token';

export class ApiError extends Error {
  constructor(status, body) {
    const msg = (body && (body.detail || body.message || body.title)) || `HTTP ${status}`;
    super(msg);
    this.status = status;
    this.body = body || {};
    this.field = this.body.field || null;
    this.hint = this.body.hint || null;
  }
}

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives only for this page */ }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// One request. Writes (anything but GET) carry the bearer token when set.
async function request(method, path, { body, params, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (token && method !== 'GET') headers.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(BASE + path + query(params), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { title: 'network error', detail: `cannot reach ridged: ${e.message}` });
  }
  if (accept === 'text/csv' && resp.ok) return { text: await resp.text(), next: resp.headers.get('X-Next-Page-Token') };
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text.slice(0, 300) }; }
  }
  if (resp.status === 401 || resp.status === 403) window.dispatchEvent(new CustomEvent('ridge:auth-needed', { detail: data }));
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

function unwrapRun(data) {
  if (!data || typeof data !== 'object' || !data.result) return data;
  return {
    ...data.result, run_id: data.id, provenance: data.provenance || {}, author: data.author, created_at: data.created_at,
    ...(data.quality ? { quality: data.quality } : {}),
  };
}

export const api = {
  health: () => request('GET', '/health'),
  presets: () => request('GET', '/presets'),
  // ridged answers {id (stored runs only), result, provenance}; views get
  // the result with run_id and provenance attached.
  // opts.store keeps the run; opts.quality adds the numerics emulator's
  // quality of the spec's formats (the codesign link); opts.uncertainty an
  // interval for time, MFU and tokens/s from the assumptions' confidence.
  evaluate: async (spec, opts = {}) => unwrapRun(await request('POST', '/evaluate', {
    body: {
      ...spec, ...(opts.store ? { store: true } : {}), ...(opts.quality ? { quality: true } : {}),
      ...(opts.uncertainty ? { uncertainty: true } : {}),
    },
  })),
  // Gap attribution of a measured step: POST /explain takes the spec with
  // measured_s and answers ridge calibrate explain's object.
  explain: (spec, measuredS) => request('POST', '/explain', { body: { ...spec, measured_s: measuredS } }),
  // Stored calibration profiles: POST fits measurement rows ({name,
  // measurements, folds}) or keeps a fitted profile ({name, profile}).
  createCalibration: (body) => request('POST', '/calibrations', { body }),
  listCalibrations: (params) => request('GET', '/calibrations', { params }),
  getCalibration: (id) => request('GET', `/calibrations/${encodeURIComponent(id)}`),
  run: async (id) => unwrapRun(await request('GET', `/runs/${encodeURIComponent(id)}`)),
  listRuns: (params) => request('GET', '/runs', { params }),

  createSweep: (body) => request('POST', '/sweeps', { body }),
  // The plan's true point count (integer ranges deduplicated); nothing stored.
  planSweep: (body) => request('POST', '/sweeps', { body, params: { dry_run: 'true' } }),
  listSweeps: (params) => request('GET', '/sweeps', { params }),
  getSweep: (id) => request('GET', `/sweeps/${encodeURIComponent(id)}`),
  cancelSweep: (id) => request('POST', `/sweeps/${encodeURIComponent(id)}/cancel`, { body: {} }),
  sweepResults: (id, params) => request('GET', `/sweeps/${encodeURIComponent(id)}/results`, { params }),
  // All pages of the CSV: ridged streams up to a million rows per request
  // and names the next page in the X-Next-Page-Token header; every page
  // repeats the header line, which is kept once.
  sweepResultsCsv: async (id, params) => {
    const parts = [];
    let token;
    for (;;) {
      const page = await request('GET', `/sweeps/${encodeURIComponent(id)}/results`,
        { params: { ...params, limit: 1000000, page_token: token }, accept: 'text/csv' });
      parts.push(parts.length ? page.text.slice(page.text.indexOf('\n') + 1) : page.text);
      if (!page.next) return parts.join('');
      token = page.next;
    }
  },
  // Layout searches: queued with POST, run in chunks by the service's workers.
  createSearch: (body) => request('POST', '/searches', { body }),
  listSearches: (params) => request('GET', '/searches', { params }),
  getSearch: (id) => request('GET', `/searches/${encodeURIComponent(id)}`),
  resultColumns: () => request('GET', '/result-columns'),
  specFields: () => request('GET', '/spec-fields'),
  pareto: (id, params) => request('GET', `/sweeps/${encodeURIComponent(id)}/pareto`, { params }),
  density: (id, params) => request('GET', `/sweeps/${encodeURIComponent(id)}/density`, { params }),

  createDecision: (body) => request('POST', '/decisions', { body }),
  listDecisions: (params) => request('GET', '/decisions', { params }),
  getDecision: (id) => request('GET', `/decisions/${encodeURIComponent(id)}`),

  quantize: (body) => request('POST', '/numerics/quantize', { body }),
  numericsFormats: () => request('GET', '/numerics/formats'),

  // RTL jobs: queued with POST, run on the service's RTL workers.
  createRtl: (body) => request('POST', '/rtl', { body }),
  listRtl: (params) => request('GET', '/rtl', { params }),
  getRtl: (id) => request('GET', `/rtl/${encodeURIComponent(id)}`),
};
