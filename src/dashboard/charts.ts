import { html, type Html } from './html.js';

/** One series of a stacked chart: its name and the CSS class that colours it. */
export interface Series {
  key: string;
  name: string;
  cls: string;
}

/** One bar of a stacked chart: a label under it and a count per series key. */
export interface StackedBar {
  label: string;
  counts: Record<string, number>;
}

/** One row of a horizontal bar chart; `text` is the value as people read it. */
export interface BarRow {
  label: string;
  value: number | null;
  text: string;
}

const FONT = 12;

/** The smallest 1, 2 or 5 × 10ⁿ at or above `n` (at least 1), so axis steps are round. */
export function niceCeil(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** A value axis from 0 in round steps, about four of them, reaching at least `top`. */
export function axis(top: number): { max: number; step: number } {
  const step = niceCeil(top / 4);
  return { max: step * Math.max(1, Math.ceil(top / step)), step };
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

/**
 * Vertical stacked bars with a value axis; the legend is plain HTML under the picture so it stays
 * readable when the picture is scaled down on a phone.
 */
export function stackedBarChart(title: string, bars: readonly StackedBar[], series: readonly Series[]): Html {
  const W = 560;
  const H = 240;
  const left = 36;
  const right = 8;
  const top = 18;
  const bottom = 30;
  const totals = bars.map((b) => series.reduce((n, s) => n + (b.counts[s.key] ?? 0), 0));
  const { max, step } = axis(Math.max(0, ...totals));
  const ticks = Math.round(max / step);
  const plotH = H - top - bottom;
  const slot = (W - left - right) / Math.max(1, bars.length);
  const barW = Math.min(56, slot * 0.6);
  const y = (v: number): number => top + plotH - (v / max) * plotH;

  const grid = Array.from({ length: ticks + 1 }, (_, i) => {
    const v = step * i;
    return html`<line class="grid" x1="${left}" x2="${W - right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/><text class="axis" x="${left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`;
  });
  const columns = bars.map((b, i) => {
    const x = left + slot * i + (slot - barW) / 2;
    let acc = 0;
    const parts = series.map((s) => {
      const n = b.counts[s.key] ?? 0;
      if (n === 0) return html``;
      const y0 = y(acc + n);
      const h = y(acc) - y0;
      acc += n;
      return html`<rect class="${s.cls}" x="${fmt(x)}" y="${fmt(y0)}" width="${fmt(barW)}" height="${fmt(h)}"><title>${b.label} ${s.name} ${n}件</title></rect>`;
    });
    const total = totals[i] ?? 0;
    return html`<g>${parts}${total > 0 ? html`<text class="value" x="${fmt(x + barW / 2)}" y="${fmt(y(total) - 4)}" text-anchor="middle">${total}</text>` : ''}<text class="axis" x="${fmt(x + barW / 2)}" y="${H - bottom + 18}" text-anchor="middle">${b.label}</text></g>`;
  });
  const legend = series.map((s) => html`<span><i class="swatch ${s.cls}"></i>${s.name}</span>`);
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" font-size="${FONT}"><title>${title}</title>${grid}<line class="baseline" x1="${left}" x2="${W - right}" y1="${fmt(y(0))}" y2="${fmt(y(0))}"/>${columns}</svg>
<figcaption class="legend">${legend}</figcaption>
</figure>`;
}

/**
 * Horizontal bars, one per row, scaled to `max` (or the largest value). A row without a value
 * (no data) shows a dash instead of a bar.
 */
export function barChart(title: string, rows: readonly BarRow[], opts: { cls: string; max?: number }): Html {
  const W = 480;
  const rowH = 28;
  const labelW = 118;
  const textW = 78;
  const top = 6;
  const H = top * 2 + rowH * Math.max(1, rows.length);
  const max = opts.max ?? Math.max(0, ...rows.map((r) => r.value ?? 0));
  const plotW = W - labelW - textW;
  const items = rows.map((r, i) => {
    const cy = top + rowH * i + rowH / 2;
    const w = r.value !== null && max > 0 ? Math.max(r.value > 0 ? 2 : 0, (r.value / max) * plotW) : 0;
    const label = [...r.label].length > 9 ? `${[...r.label].slice(0, 8).join('')}…` : r.label;
    return html`<g><title>${r.label}：${r.text}</title><text class="axis label" x="${labelW - 8}" y="${fmt(cy + 4)}" text-anchor="end">${label}</text><rect class="track" x="${labelW}" y="${fmt(cy - 8)}" width="${plotW}" height="16" rx="3"/>${w > 0 ? html`<rect class="${opts.cls}" x="${labelW}" y="${fmt(cy - 8)}" width="${fmt(w)}" height="16" rx="3"/>` : ''}<text class="value" x="${fmt(labelW + plotW + 6)}" y="${fmt(cy + 4)}">${r.text}</text></g>`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" font-size="${FONT}"><title>${title}</title>${rows.length === 0 ? html`<text class="axis" x="${W / 2}" y="${H / 2 + 4}" text-anchor="middle">暂无数据</text>` : items}</svg>
</figure>`;
}
