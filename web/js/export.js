// export.js: every chart can leave the dashboard as a self-contained SVG (its
// computed styles inlined, so it looks the same in a slide or a paper) or a
// PNG at twice its on-screen size. Buttons are added to each <figure> that
// holds a chart, whichever view drew it.

import { h, download } from './util.js';

const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-size', 'font-family', 'font-weight', 'text-anchor', 'dominant-baseline', 'visibility'];

// The chart as standalone SVG text.
export function svgText(svg) {
  const clone = svg.cloneNode(true);
  const src = [svg, ...svg.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    dst[i].setAttribute('style', PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';'));
  });
  const vb = svg.viewBox.baseVal;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', vb && vb.width ? vb.width : svg.clientWidth);
  clone.setAttribute('height', vb && vb.height ? vb.height : svg.clientHeight);
  const bg = getComputedStyle(svg).backgroundColor;
  const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  clone.insertBefore(rect, clone.firstChild);
  for (const [k, v] of Object.entries({ x: 0, y: 0, width: '100%', height: '100%', fill: bg && bg !== 'rgba(0, 0, 0, 0)' ? bg : '#fff' })) rect.setAttribute(k, v);
  return new XMLSerializer().serializeToString(clone);
}

function fileName(svg, ext) {
  const t = (svg.getAttribute('aria-label') || 'chart').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return `ridge-${t || 'chart'}.${ext}`;
}

export async function pngBlob(svg, scale = 2) {
  const text = svgText(svg);
  const vb = svg.viewBox.baseVal;
  const w = (vb && vb.width) || svg.clientWidth, hh = (vb && vb.height) || svg.clientHeight;
  const img = new Image();
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    await new Promise((ok, bad) => { img.onload = ok; img.onerror = () => bad(new Error('the chart could not be drawn as an image')); img.src = url; });
    const c = h('canvas', { width: w * scale, height: hh * scale });
    const g = c.getContext('2d');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, w, hh);
    return await new Promise((ok) => c.toBlob(ok, 'image/png'));
  } finally { URL.revokeObjectURL(url); }
}

function addButtons(fig) {
  const svg = fig.querySelector('svg.chart');
  if (!svg || fig.querySelector('.chart-export')) return;
  const bar = h('span', { class: 'chart-export' },
    h('button', { type: 'button', class: 'secondary small export-svg', title: 'download this chart as SVG',
      onclick: () => download(fileName(fig.querySelector('svg.chart'), 'svg'), svgText(fig.querySelector('svg.chart')), 'image/svg+xml') }, 'SVG'),
    ' ',
    h('button', { type: 'button', class: 'secondary small export-png', title: 'download this chart as PNG',
      onclick: async () => {
        const cur = fig.querySelector('svg.chart');
        const blob = await pngBlob(cur);
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: fileName(cur, 'png') });
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      } }, 'PNG'));
  fig.prepend(bar);
}

// Watches the page for charts and gives each figure its buttons.
export function watchCharts(root) {
  const scan = () => root.querySelectorAll('figure').forEach(addButtons);
  new MutationObserver(scan).observe(root, { childList: true, subtree: true });
  scan();
}
