import { compile } from 'vega-lite';
import type { NetworkPoint } from '../analysis/points.js';
import type { FrontTransfer } from '../analysis/crossdevice.js';
import { describeLatencyStatistic, latencyStatistic, rowLabel } from '../analysis/results.js';
import { describeConstraints } from '../analysis/select.js';
import { formatLatency } from '../analysis/units.js';
import type { Figure, ReportModel } from './report.js';
import { networkGroup } from './specs.js';
import { counted } from '../plural.js';

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside a <script> element: no '<' can close it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (c: string | number, tag: string) => `<${tag}${typeof c === 'number' ? ' class="num"' : ''}>${escapeHtml(String(c))}</${tag}>`;
  return `<table><thead><tr>${header.map((h) => cell(h, 'th')).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function networkTable(points: readonly NetworkPoint[]): string {
  return table(
    ['index', 'space', 'law', 'id', 'params', 'FLOPs', 'latency', 'accuracy'],
    points.map((p) => [
      rowLabel(p),
      networkGroup(p),
      p.law ?? '',
      p.id ?? '',
      p.params === undefined ? '' : p.params.toLocaleString('en-US'),
      p.flops === undefined ? '' : p.flops.toLocaleString('en-US'),
      formatLatency(p.latencyMs),
      `${(p.accuracy * 100).toFixed(2)}%`,
    ]),
  );
}

function transferSummary(t: FrontTransfer): string {
  return (
    `<li>Choosing on <b>${escapeHtml(t.target)}</b> from the front of <b>${escapeHtml(t.source)}</b>: at the latency budgets ` +
    `of ${escapeHtml(t.target)}'s own front, accuracy drops by up to ${(t.maxAccuracyLoss * 100).toFixed(2)} points ` +
    `(mean ${(t.meanAccuracyLoss * 100).toFixed(2)}; ${t.budgetsWithoutChoice} budgets where none of its networks fits at all); ` +
    `its networks run up to ${t.maxLatencyRatio.toFixed(2)}x slower than the fastest as-accurate network ` +
    `(geometric mean ${t.geomeanLatencyRatio.toFixed(2)}x).</li>`
  );
}

function sectionBody(model: ReportModel, figure: Figure): string {
  const chart = `<div class="chart" id="chart-${figure.name}"></div>`;
  if (figure.name === 'latency') {
    const { front, selection } = model.latency;
    return (
      chart +
      `<h3>Selection: ${counted(selection.length, 'network')} spanning the front</h3>${networkTable(selection)}` +
      `<details><summary>Pareto front: ${counted(front.length, 'network')}</summary>${networkTable(front)}</details>`
    );
  }
  if (figure.name === 'compare' && model.comparison) {
    const c = model.comparison;
    const list = (xs: readonly number[]) => (xs.length > 0 ? xs.join(', ') : 'none');
    return (
      `<ul class="facts"><li>${counted(c.common, 'network')} measured on both; Spearman rank correlation of latencies ` +
      `<b>rho = ${c.latencyRho.toFixed(3)}</b>.</li>` +
      `<li>Fronts: ${counted(c.frontA.length, 'network')} on ${escapeHtml(c.a)}, ${c.frontB.length} on ${escapeHtml(c.b)}; ` +
      `${c.frontA.length - c.onlyOnFrontA.length} on both.</li>` +
      `<li>Optimal only on ${escapeHtml(c.a)}: ${list(c.onlyOnFrontA)}.</li>` +
      `<li>Optimal only on ${escapeHtml(c.b)}: ${list(c.onlyOnFrontB)}.</li>` +
      transferSummary(c.aFrontOnB) +
      transferSummary(c.bFrontOnA) +
      `</ul>${chart}`
    );
  }
  if (figure.name === 'devices' && model.pairs) {
    const pct = (x: number) => `${(x * 100).toFixed(2)}`;
    return (
      chart +
      table(
        ['device A', 'device B', 'networks on both', 'Spearman rho', "A's front on B: mean / max loss (pp)", "B's front on A: mean / max loss (pp)"],
        model.pairs.map((p) => [
          p.a,
          p.b,
          p.common,
          p.latencyRho.toFixed(3),
          `${pct(p.aFrontOnB.meanAccuracyLoss)} / ${pct(p.aFrontOnB.maxAccuracyLoss)}`,
          `${pct(p.bFrontOnA.meanAccuracyLoss)} / ${pct(p.bFrontOnA.maxAccuracyLoss)}`,
        ]),
      )
    );
  }
  return chart;
}

const STYLE = `
body { font-family: 'Liberation Sans', 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 16px 24px 48px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.meta { color: #555; font-size: 13px; }
.chart { margin: 8px 0; }
table { border-collapse: collapse; font-size: 12px; margin: 4px 0 8px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; font-size: 13px; margin: 8px 0; }
ul.facts { font-size: 13px; line-height: 1.5; }
#tooltip { position: fixed; display: none; pointer-events: none; background: rgba(255,255,255,0.96); border: 1px solid #999;
  border-radius: 3px; padding: 6px 8px; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,0.15); z-index: 10; }
#tooltip td { border: none; padding: 1px 6px 1px 0; }
`;

// Runs in the page: renders every Vega spec to SVG and shows tooltips in a floating table.
const RENDER_SCRIPT = `
(async () => {
  const specs = JSON.parse(document.getElementById('iotnets-specs').textContent);
  const tip = document.getElementById('tooltip');
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const showTooltip = (handler, event, item, value) => {
    if (value === undefined || value === null || value === '') { tip.style.display = 'none'; return; }
    const rows = typeof value === 'object' ? Object.entries(value) : [['', value]];
    tip.innerHTML = '<table>' + rows.map(([k, v]) => '<tr><td>' + esc(k) + '</td><td><b>' + esc(v) + '</b></td></tr>').join('') + '</table>';
    tip.style.left = (event.clientX + 14) + 'px';
    tip.style.top = (event.clientY + 14) + 'px';
    tip.style.display = 'block';
  };
  const views = {};
  for (const [name, spec] of Object.entries(specs)) {
    const view = new vega.View(vega.parse(spec), { renderer: 'svg', container: '#chart-' + name, hover: true });
    view.tooltip(showTooltip);
    await view.runAsync();
    views[name] = view;
  }
  window.iotnetsViews = views;
  document.body.dataset.rendered = 'true';
})().catch((error) => {
  console.error(error);
  document.body.dataset.rendered = 'error';
});
`;

/**
 * The report as one self-contained HTML page: the Vega runtime (`vegaSource`, the browser build) and the compiled specs
 * are inlined, so the page works offline.
 */
export function reportHtml(model: ReportModel, figures: readonly Figure[], vegaSource: string): string {
  const { device, sources, constraints } = model.input;
  const specs = Object.fromEntries(figures.map((f) => [f.name, compile(f.spec).spec]));
  const sections = figures.map((f) => `<section id="${f.name}"><h2>${escapeHtml(f.title)}</h2>${sectionBody(model, f)}</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iotnets report: ${escapeHtml(device.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Which network for ${escapeHtml(device.name)}?</h1>
<p class="meta">${counted(model.latency.candidates.length, 'network')} (${escapeHtml(constraints ? describeConstraints(constraints) : 'no constraints')}) from ${sources.map(escapeHtml).join(', ')};
${escapeHtml(describeLatencyStatistic(latencyStatistic(device.points)))}.
Hover a point for its details; drag to pan, scroll to zoom, click a legend entry to single out a search space.</p>
</header>
${sections}
<div id="tooltip"></div>
<script>${vegaSource.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="iotnets-specs">${scriptJson(specs)}</script>
<script>${RENDER_SCRIPT}</script>
</body>
</html>
`;
}
