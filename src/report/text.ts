/** Plain-text tables and numbers, shared by the CLI and the browser page. */
import type { Timing } from '../runtime/timing.js';

/** Renders rows as an aligned plain-text table with a header line; numbers are right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]) =>
    r.map((c, i) => (numeric[i] ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Integers with thousands separators, other numbers with 4 significant digits. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toPrecision(4);
}

/** Bytes in the largest binary unit that keeps the value >= 1 (B, KiB, MiB, GiB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Column headers of a timing in a table. */
export const LATENCY_HEADER = ['t_avg ms', 't_std ms', 'median ms', 'min ms', 'p90 ms', 'runs'] as const;

/** A timing's table cells, in LATENCY_HEADER order. */
export function latencyCells(t: Timing): number[] {
  return [t.t_avg, t.t_std, t.summary.median, t.summary.min, t.summary.p90, t.summary.count];
}

/** A timing as JSON for `--json` output. */
export function timingJson(t: Timing): Record<string, unknown> {
  return {
    t_avg: t.t_avg,
    t_std: t.t_std,
    median: t.summary.median,
    min: t.summary.min,
    max: t.summary.max,
    p90: t.summary.p90,
    runs: t.summary.count,
    discarded: t.discarded,
    stop: t.stop,
    timesMs: t.timesMs,
  };
}
