import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';

export interface Bar {
  label: string;
  value: number;
  /** Drawn as a dashed line across the bar's row. */
  target?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const FONT = 'font-family="DejaVu Sans, sans-serif"';

/** A white SVG page with a bold title and a grey footnote around `body`. */
function svgDocument(width: number, height: number, title: string, body: string[], note: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="28" ${FONT} font-size="16" font-weight="bold" fill="#16171a">${esc(title)}</text>`,
    ...body,
    `<text x="16" y="${height - 10}" ${FONT} font-size="11" fill="#666">${esc(note)}</text>`,
    '</svg>',
  ].join('\n');
}

/** A horizontal bar chart as SVG: one row per bar, value printed at the end, targets dashed. */
export function barChartSvg(title: string, unit: string, bars: Bar[], note = 'dashed line = target; red = over target'): string {
  const width = 760;
  const left = 230;
  const right = 110;
  const row = 30;
  const top = 48;
  const height = top + bars.length * row + 24;
  const max = Math.max(...bars.map((b) => Math.max(b.value, b.target ?? 0))) * 1.05 || 1;
  const x = (v: number) => left + ((width - left - right) * v) / max;
  const body: string[] = [];
  bars.forEach((b, i) => {
    const y = top + i * row;
    body.push(
      `<text x="${left - 10}" y="${y + 18}" text-anchor="end" ${FONT} font-size="13" fill="#16171a">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 5}" width="${Math.max(1, x(b.value) - left)}" height="${row - 10}" fill="${b.target !== undefined && b.value > b.target ? '#d9534f' : '#3b82f6'}"/>`,
      `<text x="${x(b.value) + 6}" y="${y + 18}" ${FONT} font-size="12" fill="#333">${esc(formatValue(b.value))} ${esc(unit)}</text>`,
    );
    if (b.target !== undefined) {
      body.push(`<line x1="${x(b.target)}" x2="${x(b.target)}" y1="${y + 2}" y2="${y + row - 2}" stroke="#111" stroke-width="2" stroke-dasharray="4 3"/>`);
    }
  });
  return svgDocument(width, height, title, body, note);
}

function formatValue(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/TTF', '/Library/Fonts', 'C:\\Windows\\Fonts'];

export async function writePng(svg: string, file: string): Promise<void> {
  const fontDirs = FONT_DIRS.filter((d) => existsSync(d));
  const png = new Resvg(svg, { font: { loadSystemFonts: true, fontDirs, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  await writeFile(file, png);
}

export interface WaterfallRow {
  label: string;
  startMs: number;
  endMs: number;
}

/** A latency waterfall: one row per stage, a bar from when it started to when it delivered. */
export function waterfallSvg(title: string, rows: WaterfallRow[], note = 'ms after the user stopped speaking'): string {
  const width = 820;
  const left = 230;
  const right = 80;
  const row = 28;
  const top = 50;
  const height = top + rows.length * row + 40;
  const max = Math.max(...rows.map((r) => r.endMs)) * 1.05 || 1;
  const x = (v: number) => left + ((width - left - right) * v) / max;
  const body = rows.flatMap((r, i) => {
    const y = top + i * row;
    return [
      `<text x="${left - 10}" y="${y + 17}" text-anchor="end" ${FONT} font-size="13" fill="#16171a">${esc(r.label)}</text>`,
      `<rect x="${x(r.startMs)}" y="${y + 5}" width="${Math.max(2, x(r.endMs) - x(r.startMs))}" height="${row - 10}" fill="#3b82f6"/>`,
      `<text x="${x(r.endMs) + 6}" y="${y + 17}" ${FONT} font-size="12" fill="#333">${Math.round(r.endMs)} ms</text>`,
    ];
  });
  return svgDocument(width, height, title, body, note);
}
