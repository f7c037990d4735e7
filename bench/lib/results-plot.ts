// The results as one hand-written SVG, after the paper's figures 3–7: for each throughput row,
// aggregate throughput against the number of clients and server CPU seconds per GB against the
// number of clients, nginx and repoman as two lines.
import type { RowResult } from './throughput-rows.js';

const PANEL_W = 380;
const PANEL_H = 230;
const MARGIN = { left: 58, right: 16, top: 30, bottom: 40 };
const COLORS: Record<string, string> = { nginx: '#3b6ea8', repoman: '#d9822b' };

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A "nice" axis maximum above `value`. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

function panel(x0: number, y0: number, title: string, yLabel: string, series: Map<string, Array<[number, number]>>, xs: number[]): string {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(0, ...[...series.values()].flat().map(([, y]) => y)) * 1.05);
  const px = (x: number): number => x0 + MARGIN.left + (xMax === xMin ? w / 2 : ((x - xMin) / (xMax - xMin)) * w);
  const py = (y: number): number => y0 + MARGIN.top + h - (y / yMax) * h;
  const parts = [`<text x="${x0 + PANEL_W / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  parts.push(`<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i += 1) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + w}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 + MARGIN.left - 6}" y="${py(y) + 4}" text-anchor="end">${y >= 10 ? y.toFixed(0) : y.toFixed(2)}</text>`);
  }
  for (const x of xs) parts.push(`<text x="${px(x)}" y="${y0 + MARGIN.top + h + 16}" text-anchor="middle">${x}</text>`);
  parts.push(`<text x="${x0 + MARGIN.left + w / 2}" y="${y0 + PANEL_H - 6}" text-anchor="middle">clients</text>`);
  parts.push(`<text transform="translate(${x0 + 14},${y0 + MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const [name, points] of series) {
    const color = COLORS[name] ?? '#555';
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of sorted) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
  }
  return parts.join('\n');
}

export function toSvg(results: readonly RowResult[], caption: string): string {
  const rows = [...new Set(results.filter((r) => r.server === 'nginx' || r.server === 'repoman').filter((r) => r.row !== 'scale').map((r) => r.row))];
  const width = PANEL_W * 2;
  const legendH = 50;
  const height = rows.length * PANEL_H + legendH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="18" font-size="12">${esc(caption)}</text>`,
  ];
  let lx = 10;
  for (const [name, color] of Object.entries(COLORS)) {
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="36" y2="36" stroke="${color}" stroke-width="2"/><text x="${lx + 30}" y="40">${name}</text>`);
    lx += 110;
  }
  rows.forEach((row, i) => {
    const of = (metric: (r: RowResult) => number): Map<string, Array<[number, number]>> => {
      const series = new Map<string, Array<[number, number]>>();
      for (const r of results) {
        if (r.row !== row || !(r.server in COLORS)) continue;
        series.set(r.server, [...(series.get(r.server) ?? []), [r.clients, metric(r)]]);
      }
      return series;
    };
    const xs = [...new Set(results.filter((r) => r.row === row).map((r) => r.clients))].sort((a, b) => a - b);
    const y0 = legendH + i * PANEL_H;
    parts.push(panel(0, y0, `${row}: aggregate throughput`, 'MB/s', of((r) => r.mbPerSecond), xs));
    parts.push(panel(PANEL_W, y0, `${row}: server CPU per GB`, 'CPU s/GB', of((r) => r.cpuSecondsPerGb), xs));
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
