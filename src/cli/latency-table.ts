import type { Timing } from '../runtime/timing.js';

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
