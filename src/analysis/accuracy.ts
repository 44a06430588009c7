import type { AccuracyEntry, AccuracyTable } from '../catalog/accuracy.js';
import type { Problem } from '../problems.js';
import type { ResultRow } from './results.js';

/** A results row with the accuracy of its network. */
export interface NetworkPoint extends ResultRow {
  readonly accuracy: number;
}

/** Measurements joined with accuracies, plus measurements that found none. */
export interface Joined {
  readonly points: readonly NetworkPoint[];
  readonly problems: readonly Problem[];
  /** Accuracy entries naming networks absent from the results (not an error: results may cover a subset). */
  readonly unmatchedAccuracies: number;
}

/**
 * Gives each measurement its accuracy: from `table` when given (by catalog index, else by run id), otherwise from the
 * results file's own acc. Measurements left without one are problems.
 */
export function joinAccuracy(measurements: readonly ResultRow[], table?: AccuracyTable): Joined {
  const points: NetworkPoint[] = [];
  const problems: Problem[] = [];
  const used = new Set<AccuracyEntry>();
  for (const m of measurements) {
    const entry = table?.byIndex.get(m.index) ?? (m.runid === undefined ? undefined : table?.byRunid.get(m.runid));
    const accuracy = table ? entry?.accuracy : m.accuracy;
    if (entry) used.add(entry);
    if (accuracy === undefined) {
      problems.push({
        kind: 'missing-accuracy',
        index: m.index,
        message: `#${m.index} (${m.space}/${m.law}/${m.id}${m.runid ? `, runid ${m.runid}` : ''}) has no accuracy${table ? ` in ${table.source}` : ''}`,
      });
      continue;
    }
    points.push({ ...m, accuracy });
  }
  const unmatchedAccuracies = table ? table.entries.filter((e) => !used.has(e)).length : 0;
  return { points, problems, unmatchedAccuracies };
}
