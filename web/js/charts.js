// charts.js: the dashboard's charts, drawn as SVG by hand (no library): a
// log-log roofline, a scatter with its Pareto front, stacked horizontal bars
// for time and memory breakdowns. Each function returns an <svg> element
// scaled by its viewBox, so it fits any width.

import { fmtNum, fmtSI } from './util.js';

const NS = 'http://www.w3.org/2000/svg';

export const BOUND_COLORS = {
  compute: '#2563eb', memory: '#ea580c', comm: '#7c3aed', latency: '#64748b',
};

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const k of kids) if (k !== null && k !== undefined) el.append(typeof k === 'string' ? document.createTextNode(k) : k);
  return el;
}

function extent(values, log) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return log ? [1, 10] : [0, 1];
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (lo === hi) hi = lo * 10;
  } else {
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
    lo -= pad; hi += pad;
  }
  return [lo, hi];
}

function scale([d0, d1], [r0, r1], log) {
  if (log) {
    const a = Math.log10(d0), b = Math.log10(d1);
    return (v) => r0 + ((Math.log10(v) - a) / (b - a)) * (r1 - r0);
  }
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

function ticks([d0, d1], log, n = 5) {
  if (log) {
    const out = [];
    const a = Math.round(Math.log10(d0)), b = Math.round(Math.log10(d1));
    const step = Math.max(1, Math.ceil((b - a) / 8));
    for (let e = a; e <= b; e += step) out.push(10 ** e);
    return out;
  }
  const raw = (d1 - d0) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((m) => m >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(d0 / step) * step; v <= d1 + 1e-12 * Math.abs(d1); v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// A framed plot area with axes, ticks, grid and labels.
function frame({ width = 560, height = 360, xDomain, yDomain, xLog, yLog, xLabel, yLabel, title, xFmt, yFmt, legend }) {
  const m = { l: 64, r: 16, t: (title ? 42 : 12) + (legend ? 30 : 0), b: 44 };
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-label': title || `${yLabel} against ${xLabel}`, preserveAspectRatio: 'xMidYMid meet',
  });
  const x = scale(xDomain, [m.l, width - m.r], xLog);
  const y = scale(yDomain, [height - m.b, m.t], yLog);
  const grid = s('g', { class: 'grid' });
  const fx = xFmt || ((v) => fmtSI(v));
  const fy = yFmt || ((v) => fmtSI(v));
  for (const t of ticks(xDomain, xLog)) {
    const px = x(t);
    grid.append(s('line', { x1: px, x2: px, y1: m.t, y2: height - m.b }));
    grid.append(s('text', { x: px, y: height - m.b + 14, 'text-anchor': 'middle', class: 'tick' }, fx(t)));
  }
  for (const t of ticks(yDomain, yLog)) {
    const py = y(t);
    grid.append(s('line', { x1: m.l, x2: width - m.r, y1: py, y2: py }));
    grid.append(s('text', { x: m.l - 6, y: py + 4, 'text-anchor': 'end', class: 'tick' }, fy(t)));
  }
  svg.append(grid);
  svg.append(s('rect', { x: m.l, y: m.t, width: width - m.l - m.r, height: height - m.t - m.b, class: 'plot-frame' }));
  svg.append(s('text', { x: (m.l + width - m.r) / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  svg.append(s('text', {
    x: 14, y: (m.t + height - m.b) / 2, 'text-anchor': 'middle', class: 'axis-label',
    transform: `rotate(-90 14 ${(m.t + height - m.b) / 2})`,
  }, yLabel));
  if (title) svg.append(s('text', { x: m.l, y: 18, class: 'chart-title' }, title));
  const clipId = `clip-${Math.random().toString(36).slice(2)}`;
  svg.append(s('defs', {}, s('clipPath', { id: clipId },
    s('rect', { x: m.l, y: m.t, width: width - m.l - m.r, height: height - m.t - m.b }))));
  const plot = s('g', { 'clip-path': `url(#${clipId})` });
  svg.append(plot);
  return { svg, plot, x, y, m, width, height };
}

// Roofline: ops [{name, pass, intensity, flops, bytes, time_s, compute_s,
// memory_s, bound}]. Achieved FLOP/s = flops / time_s per run. Solid
// ceilings are the chip's peaks (`peaks` {compute: [{label, flops, formats,
// active}], mem_bw, ridge, ridgeFlops, math}: one per math format, the ridge
// point labelled, from the result's peak_flops and ridge_point); dashed ones are
// what the ops can attain at the assumed efficiencies, read back from the
// result itself (bandwidth = bytes / memory_s, rate = flops / compute_s).
export function roofline(ops, { peaks, onSelect } = {}) {
  const pts = ops.filter((o) => o.flops > 0 && o.bytes > 0 && o.time_s > 0).map((o) => ({
    op: o, x: o.intensity || o.flops / o.bytes, y: o.flops / o.time_s,
  }));
  const effBw = Math.max(0, ...ops.filter((o) => o.memory_s > 0 && o.bytes > 0).map((o) => o.bytes / o.memory_s));
  const rates = new Map();
  for (const o of ops) {
    if (!(o.compute_s > 0 && o.flops > 0)) continue;
    const r = Number((o.flops / o.compute_s).toPrecision(3));
    if (!rates.has(r)) rates.set(r, { label: o.math === 'vector' ? 'vector' : `${o.math || o.format || 'matrix'}`, flops: r });
  }
  const effCompute = [...rates.values()].sort((a, b) => b.flops - a.flops).slice(0, 3);
  const solid = peaks && peaks.mem_bw > 0 && peaks.compute && peaks.compute.length
    ? peaks : { mem_bw: effBw, compute: effCompute };
  const dashed = solid === peaks ? { mem_bw: effBw, compute: effCompute } : null;
  const topCompute = Math.max(1, ...solid.compute.map((c) => c.flops));
  const bw = solid.mem_bw;
  const xs = pts.map((p) => p.x);
  if (bw > 0) xs.push(topCompute / bw);
  const xDomain = extent(xs.length ? [Math.min(...xs) / 2, Math.max(...xs) * 2] : [], true);
  // Headroom above the top ceiling for its label.
  const ys = pts.map((p) => p.y).concat(solid.compute.map((c) => c.flops * 4));
  if (bw > 0) ys.push(bw * xDomain[0]);
  const yDomain = extent(ys, true);
  const f = frame({
    xDomain, yDomain, xLog: true, yLog: true,
    xLabel: 'arithmetic intensity (FLOP/byte)', yLabel: 'achieved FLOP/s', title: 'Roofline (per device)',
    xFmt: (v) => fmtSI(v), yFmt: (v) => fmtSI(v),
  });
  const drawRoof = (roof, cls, labelled) => {
    const g = s('g', { class: `ceilings ${cls}` });
    const top = Math.max(1, ...roof.compute.map((c) => c.flops));
    for (const c of roof.compute) {
      const knee = roof.mem_bw > 0 ? c.flops / roof.mem_bw : xDomain[0];
      const x0 = Math.max(knee, xDomain[0]);
      g.append(s('line', { x1: f.x(x0), x2: f.x(xDomain[1]), y1: f.y(c.flops), y2: f.y(c.flops),
        class: `ceiling compute ${cls}${c.active ? ' active' : ''}`, 'data-formats': c.formats ? c.formats.join(' ') : undefined }));
      // one ceiling: labelled at its end; several: the active one there, and
      // all of them listed in the empty corner above the memory roof
      if (labelled && (roof.compute.length === 1 || c.active)) {
        g.append(s('text', { x: f.x(xDomain[1]) - 4, y: f.y(c.flops) - 6, 'text-anchor': 'end', class: `ceiling-label${c.active ? ' active' : ''}` },
          `${c.label} ${fmtSI(c.flops, 'FLOP/s')}`));
      }
    }
    if (roof.mem_bw > 0) {
      const x1 = Math.min(top / roof.mem_bw, xDomain[1]);
      g.append(s('line', { x1: f.x(xDomain[0]), y1: f.y(roof.mem_bw * xDomain[0]), x2: f.x(x1), y2: f.y(roof.mem_bw * x1), class: `ceiling memory ${cls}` }));
      if (labelled) {
        const lx = xDomain[0] * 1.5;
        g.append(s('text', { x: f.x(lx) + 4, y: f.y(roof.mem_bw * lx) - 8, class: 'ceiling-label' }, `memory ${fmtSI(roof.mem_bw, 'B/s')}`));
      }
    }
    if (labelled && roof.compute.length > 1) {
      const list = s('g', { class: 'ceiling-list' });
      roof.compute.forEach((c, i) => list.append(s('text', { x: f.m.l + 8, y: f.m.t + 16 + 14 * i, class: `ceiling-label${c.active ? ' active' : ''}` },
        `${c.label}: ${fmtSI(c.flops, 'FLOP/s')}${c.active ? ' (math format)' : ''}`)));
      g.append(list);
    }
    f.plot.append(g);
  };
  if (dashed) drawRoof(dashed, 'attainable', false);
  drawRoof(solid, 'peak', true);
  // The ridge point: the intensity where the math format's peak meets the
  // memory roof; ops left of it are memory-bound at best.
  if (solid.ridge > 0 && solid.ridgeFlops > 0 && solid.ridge >= xDomain[0] && solid.ridge <= xDomain[1]) {
    const rx = f.x(solid.ridge), ry = f.y(solid.ridgeFlops);
    f.plot.append(s('g', { class: 'ridge-point' },
      s('line', { x1: rx, x2: rx, y1: ry, y2: f.y(yDomain[0]), class: 'ridge-drop' }),
      s('circle', { cx: rx, cy: ry, r: 4 }),
      s('text', { x: rx > f.x(Math.sqrt(xDomain[0] * xDomain[1])) ? rx - 4 : rx + 4, y: f.y(yDomain[0]) - 6,
        'text-anchor': rx > f.x(Math.sqrt(xDomain[0] * xDomain[1])) ? 'end' : 'start', class: 'ceiling-label ridge-label' },
        `ridge point ${fmtNum(solid.ridge)} FLOP/B (${solid.math})`)));
  }
  const dots = s('g', { class: 'points' });
  for (const p of pts) {
    const c = s('circle', {
      cx: f.x(p.x), cy: f.y(p.y), r: 5, fill: BOUND_COLORS[p.op.bound] || '#334155',
      class: 'op-point', 'data-op': p.op.name, tabindex: 0,
    }, s('title', {}, `${p.op.name} (${p.op.pass || ''}) — ${p.op.bound}-bound\n` +
      `intensity ${fmtNum(p.x)} FLOP/B, ${fmtSI(p.y, 'FLOP/s')}, ×${fmtNum(p.op.count, 4)}`));
    if (onSelect) {
      c.addEventListener('click', () => onSelect(p.op));
      c.addEventListener('keydown', (e) => { if (e.key === 'Enter') onSelect(p.op); });
    }
    dots.append(c);
  }
  f.plot.append(dots);
  const entries = Object.entries(BOUND_COLORS).filter(([k]) => pts.some((p) => p.op.bound === k));
  f.svg.append(legend(f, entries, dashed ? 'at assumed efficiency' : null));
  return f.svg;
}

function legend(f, entries, note) {
  const g = s('g', { class: 'legend' });
  let x = f.m.l + 8;
  const y = f.m.t - 8;
  for (const [name, color] of entries) {
    g.append(s('circle', { cx: x, cy: y - 4, r: 5, fill: color }));
    g.append(s('text', { x: x + 9, y }, name));
    x += 26 + name.length * 8.5;
  }
  if (note) {
    g.append(s('line', { x1: x, x2: x + 18, y1: y - 4, y2: y - 4, class: 'ceiling memory attainable' }));
    g.append(s('text', { x: x + 22, y }, note));
  }
  return g;
}

// Pareto front of points for minimise/maximise senses on x and y.
export function paretoFront(points, xMin = true, yMin = false) {
  const sx = xMin ? 1 : -1, sy = yMin ? 1 : -1;
  const sorted = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .slice().sort((a, b) => sx * (a.x - b.x) || sy * (a.y - b.y));
  const front = [];
  let best = Infinity;
  for (const p of sorted) {
    if (sy * p.y < best) { front.push(p); best = sy * p.y; }
  }
  return front;
}

// Scatter of points [{x, y, label, key}], with an optional front drawn as a
// step line. Axes go log when the data span more than two decades.
// A sequential colour scale (light yellow -> green -> blue -> dark purple,
// the stops of matplotlib's viridis read backwards): t in [0, 1].
const SEQ = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]];
export function seqColor(t) {
  const u = Math.min(1, Math.max(0, t)) * (SEQ.length - 1);
  const i = Math.min(SEQ.length - 2, Math.floor(u)), f = u - i;
  const c = SEQ[i].map((a, k) => Math.round(a + (SEQ[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// `color` {label}: each point's p.c picks its fill on a sequential scale
// (logarithmic when the values span more than 100x), with a legend; the
// front is then marked by a red ring instead of a red fill.
// `density` (GET /sweeps/{id}/density): the whole sweep's counts on a grid,
// painted on a canvas beneath the points; its extents and scales set the axes.
export function scatter(points, { xLabel, yLabel, front, onSelect, selectedKey, title, labels, color, density } = {}) {
  const good = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const spans = (vals) => {
    const pos = vals.filter((v) => v > 0);
    return pos.length === vals.length && pos.length > 1 && Math.max(...pos) / Math.min(...pos) > 100;
  };
  const dens = density && density.x && density.cells && density.cells.length ? density : null;
  const xLog = dens ? dens.x.log : spans(good.map((p) => p.x));
  const yLog = dens ? dens.y.log : spans(good.map((p) => p.y));
  const xs = good.map((p) => p.x), ys = good.map((p) => p.y);
  if (dens) { xs.push(dens.x.lo, dens.x.hi); ys.push(dens.y.lo, dens.y.hi); }
  const f = frame({
    xDomain: extent(xs, xLog), yDomain: extent(ys, yLog),
    xLog, yLog, xLabel, yLabel, title, xFmt: (v) => fmtSI(v), yFmt: (v) => fmtSI(v), legend: !!color,
  });
  if (dens) f.plot.append(densityImage(f, dens));
  if (front && front.length) {
    const fp = front.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).slice().sort((a, b) => a.x - b.x);
    f.plot.append(s('polyline', {
      points: fp.map((p) => `${f.x(p.x)},${f.y(p.y)}`).join(' '), class: 'pareto-line',
    }));
  }
  const frontKeys = new Set((front || []).map((p) => p.key));
  let cOf = null;
  if (color) {
    const cv = good.map((p) => p.c).filter(Number.isFinite);
    if (cv.length) {
      const cLog = spans(cv);
      const lo = Math.min(...cv), hi = Math.max(...cv);
      const tr = (v) => (cLog ? Math.log10(v) : v);
      const span = tr(hi) - tr(lo);
      cOf = (v) => (Number.isFinite(v) ? seqColor(span > 0 ? (tr(v) - tr(lo)) / span : 0.5) : null);
      const gid = `grad-${Math.random().toString(36).slice(2)}`;
      const lx = f.width - f.m.r - 150, ly = f.m.t - 38;
      f.svg.append(s('defs', {}, s('linearGradient', { id: gid }, ...[0, 0.25, 0.5, 0.75, 1].map((t) => s('stop', { offset: `${t * 100}%`, 'stop-color': seqColor(t) })))));
      f.svg.append(s('g', { class: 'color-legend', 'data-min': lo, 'data-max': hi },
        s('text', { x: lx + 150, y: ly + 8, 'text-anchor': 'end', class: 'tick' }, `colour: ${color.label}${cLog ? ' (log)' : ''}`),
        s('rect', { x: lx, y: ly + 12, width: 150, height: 8, fill: `url(#${gid})` }),
        s('text', { x: lx, y: ly + 31, class: 'tick' }, fmtSI(lo)),
        s('text', { x: lx + 150, y: ly + 31, 'text-anchor': 'end', class: 'tick' }, fmtSI(hi))));
    }
  }
  const g = s('g', { class: 'points' });
  for (const p of good) {
    const onFront = frontKeys.has(p.key);
    const fill = cOf ? cOf(p.c) : null;
    const c = s('circle', {
      cx: f.x(p.x), cy: f.y(p.y), r: onFront ? 5 : 3.5, tabindex: 0,
      class: `pt${onFront ? ' on-front' : ''}${fill ? ' colored' : ''}${p.key === selectedKey ? ' selected' : ''}${p.cls ? ` ${p.cls}` : ''}`,
      'data-key': p.key, style: fill ? `fill:${fill}` : null,
    }, s('title', {}, `${p.label || p.key}\n${xLabel}: ${fmtNum(p.x, 4)}\n${yLabel}: ${fmtNum(p.y, 4)}${cOf ? `\n${color.label}: ${fmtNum(p.c, 4)}` : ''}`));
    if (onSelect) {
      c.addEventListener('click', () => onSelect(p));
      c.addEventListener('keydown', (e) => { if (e.key === 'Enter') onSelect(p); });
    }
    g.append(c);
  }
  if (labels) placeLabels(f, good, g);
  f.plot.append(g);
  return f.svg;
}

// The density grid as one canvas-drawn image: cell shade by log count.
function densityImage(f, d) {
  const n = d.bins;
  const c = document.createElement('canvas');
  c.width = n; c.height = n;
  const g = c.getContext('2d');
  const max = Math.max(...d.cells.map((x) => x[2]));
  for (const [i, j, k] of d.cells) {
    const t = Math.log1p(k) / Math.log1p(max);
    g.fillStyle = `rgba(37, 99, 235, ${(0.08 + 0.6 * t).toFixed(3)})`;
    g.fillRect(i, n - 1 - j, 1, 1);
  }
  const x0 = f.x(d.x.lo), x1 = f.x(d.x.hi), y0 = f.y(d.y.hi), y1 = f.y(d.y.lo);
  return s('image', {
    href: c.toDataURL('image/png'), x: x0, y: y0, width: x1 - x0, height: y1 - y0,
    preserveAspectRatio: 'none', class: 'density', style: 'image-rendering: pixelated',
    'data-points': d.points, 'data-cells': d.cells.length,
  });
}

// Point labels placed greedily so they neither overlap each other nor run
// off the plot: right of the point, or left near the right edge, moved
// down or up in steps until the box is free.
function placeLabels(f, points, g) {
  const boxes = [];
  const right = f.width - f.m.r;
  const sorted = points.filter((p) => p.label).slice().sort((a, b) => f.y(a.y) - f.y(b.y) || f.x(a.x) - f.x(b.x));
  for (const p of sorted) {
    const px = f.x(p.x), py = f.y(p.y);
    const w = p.label.length * 7 + 4, hgt = 13;
    const leftward = px + 8 + w > right;
    const x0 = leftward ? px - 8 - w : px + 8;
    let placed = null;
    for (const dy of [0, 14, -14, 28, -28, 42, -42, 56, -56]) {
      const box = { x: x0, y: py - 4 + dy - hgt / 2, w, h: hgt };
      if (box.y < f.m.t || box.y + hgt > f.height - f.m.b) continue;
      if (!boxes.some((b) => box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h)) { placed = box; break; }
    }
    if (!placed) placed = { x: x0, y: py - 4 - hgt / 2, w, h: hgt };
    boxes.push(placed);
    const ty = placed.y + hgt - 3;
    if (Math.abs(ty - (py + 4)) > 8) g.append(s('line', { x1: px, y1: py, x2: leftward ? placed.x + w : placed.x, y2: ty - 4, class: 'leader' }));
    g.append(s('text', { x: placed.x + (leftward ? w : 0), y: ty, 'text-anchor': leftward ? 'end' : 'start', class: 'pt-label' }, p.label));
  }
}

// Horizontal stacked bar: segments [{label, value, color}], with an optional
// capacity marker (memory against device capacity).
export function stackedBar(segments, { title, fmt, capacity, capacityLabel, width = 440, scaleMax = 0 } = {}) {
  const cols = width >= 600 ? 3 : 2;
  const height = 96 + Math.ceil(segments.length / cols) * 18;
  const m = { l: 12, r: 12, t: 24 };
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart bar', role: 'img', 'aria-label': title || 'breakdown' });
  const total = segments.reduce((a, x) => a + Math.max(0, x.value), 0);
  // scaleMax puts bars drawn side by side on one scale.
  const span = Math.max(total, capacity || 0, scaleMax) || 1;
  const w = width - m.l - m.r;
  if (title) svg.append(s('text', { x: m.l, y: 16, class: 'chart-title' }, title));
  let x = m.l;
  for (const seg of segments) {
    const sw = (Math.max(0, seg.value) / span) * w;
    if (sw > 0) {
      svg.append(s('rect', { x, y: m.t, width: sw, height: 28, fill: seg.color, class: 'seg' },
        s('title', {}, `${seg.label}: ${fmt ? fmt(seg.value) : fmtNum(seg.value)}`)));
    }
    x += sw;
  }
  if (capacity) {
    const cx = m.l + (capacity / span) * w;
    svg.append(s('line', { x1: cx, x2: cx, y1: m.t - 6, y2: m.t + 34, class: 'capacity' }));
    svg.append(s('text', { x: Math.min(cx, width - m.r), y: m.t + 46, 'text-anchor': cx > width / 2 ? 'end' : 'start', class: 'capacity-label' },
      `${capacityLabel || 'capacity'} ${fmt ? fmt(capacity) : fmtNum(capacity)}`));
  }
  segments.forEach((seg, i) => {
    const lx = m.l + (i % cols) * (w / cols), ly = m.t + 66 + Math.floor(i / cols) * 18;
    svg.append(s('rect', { x: lx, y: ly - 10, width: 10, height: 10, fill: seg.color }));
    svg.append(s('text', { x: lx + 14, y: ly, class: 'legend-text' }, `${seg.label} ${fmt ? fmt(seg.value) : fmtNum(seg.value)}`));
  });
  return svg;
}

// Waterfall from a predicted to a measured value: rows [{label, delta}]
// float from the running total (rises red, drops green), between the
// predicted and measured totals drawn from zero. Used for the gap
// attribution of POST /explain (the deltas add up to measured - predicted).
export function waterfall(predicted, rows, measured, { title, fmt = fmtNum, width = 560 } = {}) {
  const rowH = 22, m = { l: 200, r: 84, t: title ? 26 : 8, b: 8 };
  const all = [{ label: 'predicted', from: 0, to: predicted, kind: 'total' }];
  let cum = predicted;
  for (const r of rows) {
    all.push({ label: r.label, from: cum, to: cum + r.delta, kind: r.delta >= 0 ? 'up' : 'down', delta: r.delta, title: r.title });
    cum += r.delta;
  }
  all.push({ label: 'measured', from: 0, to: measured, kind: 'total' });
  const height = m.t + all.length * rowH + m.b;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart waterfall', role: 'img', 'aria-label': title || 'waterfall' });
  if (title) svg.append(s('text', { x: 12, y: 16, class: 'chart-title' }, title));
  const hi = Math.max(...all.map((r) => Math.max(r.from, r.to))) || 1;
  const x = scale([0, hi], [m.l, width - m.r], false);
  const colors = { total: '#475569', up: '#dc2626', down: '#16a34a' };
  all.forEach((r, i) => {
    const y = m.t + i * rowH;
    const x0 = x(Math.min(r.from, r.to)), x1 = x(Math.max(r.from, r.to));
    const text = r.kind === 'total' ? fmt(r.to) : `${r.delta >= 0 ? '+' : '−'}${fmt(Math.abs(r.delta))}`;
    svg.append(s('text', { x: m.l - 6, y: y + 15, 'text-anchor': 'end', class: 'legend-text' }, r.label));
    svg.append(s('rect', { x: x0, y: y + 3, width: Math.max(1, x1 - x0), height: rowH - 6, fill: colors[r.kind], class: `seg wf-${r.kind}` },
      s('title', {}, `${r.label}: ${text}${r.title ? ` (${r.title})` : ''}`)));
    svg.append(s('text', { x: x1 + 4, y: y + 15, class: 'legend-text wf-value' }, text));
    if (i > 0) { // the running total carried down from the row above
      const px = x(all[i - 1].to);
      svg.append(s('line', { x1: px, x2: px, y1: y - rowH + 3, y2: y + 3, class: 'wf-link', stroke: '#94a3b8' }));
    }
  });
  return svg;
}
