// Bar charts as inline SVG built with DOM APIs. Colours come from classes in console.css
// (no inline styles); each bar has a <title> and the chart an accessible name, and every
// chart in the console sits next to a table with the same numbers.
import { s, h } from './dom.js';

const niceMax = (v) => {
  if (v <= 5) return Math.max(1, Math.ceil(v));
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
};

function ticks(max) {
  const n = max <= 5 ? max : 4;
  return Array.from({ length: n + 1 }, (_, i) => Math.round((max * i) / n * 100) / 100);
}

function legend(series) {
  return h('ul', { class: 'legend' }, series.map((se) => h('li', {},
    s('svg', { width: 14, height: 14, 'aria-hidden': 'true', focusable: 'false' },
      s('rect', { width: 14, height: 14, class: se.class })),
    ' ', se.name)));
}

// Vertical stacked bars: categories along x (e.g. days), one stack per category.
export function stackedBarChart({ label, categories, series, width = 640, height = 240 }) {
  const m = { top: 12, right: 12, bottom: 52, left: 44 };
  const w = width - m.left - m.right;
  const hh = height - m.top - m.bottom;
  const totals = categories.map((_, i) => series.reduce((t, se) => t + (se.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const y = (v) => m.top + hh - (v / max) * hh;
  const step = categories.length ? w / categories.length : w;
  const bw = Math.max(2, Math.min(40, step * 0.7));
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart' });
  for (const t of ticks(max)) {
    svg.append(s('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: 'grid' }),
      s('text', { x: m.left - 6, y: y(t) + 4, class: 'axis', 'text-anchor': 'end' }, String(t)));
  }
  const every = Math.max(1, Math.ceil(categories.length / 10));
  categories.forEach((c, i) => {
    const x = m.left + i * step + (step - bw) / 2;
    let base = 0;
    for (const se of series) {
      const v = se.values[i] || 0;
      if (v > 0) {
        svg.append(s('rect', { x, y: y(base + v), width: bw, height: y(base) - y(base + v), class: se.class, 'data-series': se.name, 'data-category': c, 'data-value': v },
          s('title', {}, `${c}: ${v} ${se.name}`)));
      }
      base += v;
    }
    if (i % every === 0) {
      svg.append(s('text', { x: x + bw / 2, y: height - m.bottom + 16, class: 'axis', 'text-anchor': 'middle' }, String(c).slice(5)));
    }
  });
  svg.append(s('line', { x1: m.left, x2: width - m.right, y1: y(0), y2: y(0), class: 'baseline' }));
  return h('figure', { class: 'chart-figure' }, svg, legend(series), h('figcaption', { text: label }));
}

// Horizontal grouped bars: one row per category (e.g. a rule), one bar per series.
export function groupedBarChart({ label, categories, series, width = 640 }) {
  const rowH = 14 * series.length + 14;
  const m = { top: 8, right: 40, bottom: 24, left: Math.min(260, 12 + 7 * Math.max(8, ...categories.map((c) => String(c).length))) };
  const height = m.top + m.bottom + Math.max(1, categories.length) * rowH;
  const w = width - m.left - m.right;
  const max = niceMax(Math.max(0, ...series.flatMap((se) => se.values)));
  const x = (v) => m.left + (v / max) * w;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart' });
  for (const t of ticks(max)) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom, class: 'grid' }),
      s('text', { x: x(t), y: height - m.bottom + 16, class: 'axis', 'text-anchor': 'middle' }, String(t)));
  }
  categories.forEach((c, i) => {
    const top = m.top + i * rowH + 7;
    const name = String(c).length > 36 ? `${String(c).slice(0, 35)}…` : String(c);
    svg.append(s('text', { x: m.left - 6, y: top + (rowH - 14) / 2 + 4, class: 'axis', 'text-anchor': 'end' }, name));
    series.forEach((se, k) => {
      const v = se.values[i] || 0;
      const by = top + k * 14;
      svg.append(s('rect', { x: m.left, y: by, width: Math.max(0, x(v) - m.left), height: 12, class: se.class, 'data-series': se.name, 'data-category': c, 'data-value': v },
        s('title', {}, `${c}: ${v} ${se.name}`)));
      if (v > 0) svg.append(s('text', { x: x(v) + 4, y: by + 10, class: 'axis' }, String(v)));
    });
  });
  svg.append(s('line', { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom, class: 'baseline' }));
  return h('figure', { class: 'chart-figure' }, svg, series.length > 1 ? legend(series) : null, h('figcaption', { text: label }));
}
