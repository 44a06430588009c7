import type { AccuracyEntry, AccuracyTable } from '../catalog/accuracy.js';
import type { Problem } from '../problems.js';
import { rowKey, type ResultRow } from './results.js';

/** A results row with the accuracy of its network. */
export interface NetworkPoint extends ResultRow {
  readonly accuracy: number;
}

/** Measurements joined with accuracies, plus measurements that found none. */
export interface Joined {
  readonly points: readonly NetworkPoint[];
  readonly problems: readonly Problem[];
  /** Accuracy entries naming catalog networks absent from the results (not an error: results may cover a subset). */
  readonly unmatchedAccuracies: number;
}

/** The table's entry for a measurement: by file name for a file, else by catalog index, else by run id. */
function entryOf(m: ResultRow, table: AccuracyTable): AccuracyEntry | undefined {
  if (m.file !== undefined) return table.byFile.get(m.file);
  return (m.index === undefined ? undefined : table.byIndex.get(m.index)) ?? (m.runid === undefined ? undefined : table.byRunid.get(m.runid));
}

/**
 * Gives each measurement its accuracy: from `table` when given (by file name, catalog index or run id), otherwise from
 * the results file's own acc. Measurements left without one are problems, and so are table entries naming files the
 * results did not measure (a misspelt or unmeasured file would otherwise silently drop out).
 */
export function joinAccuracy(measurements: readonly ResultRow[], table?: AccuracyTable): Joined {
  const points: NetworkPoint[] = [];
  const problems: Problem[] = [];
  const used = new Set<AccuracyEntry>();
  for (const m of measurements) {
    const entry = table === undefined ? undefined : entryOf(m, table);
    const accuracy = table ? entry?.accuracy : m.accuracy;
    if (entry) used.add(entry);
    if (accuracy === undefined) {
      problems.push({
        kind: 'missing-accuracy',
        ...(m.index !== undefined ? { index: m.index } : {}),
        message: `${m.file ?? `#${m.index} (${m.space}/${m.law}/${m.id}${m.runid ? `, runid ${m.runid}` : ''})`} has no accuracy${table ? ` in ${table.source}` : ''}`,
      });
      continue;
    }
    points.push({ ...m, accuracy });
  }
  const unused = table ? table.entries.filter((e) => !used.has(e)) : [];
  const measuredFiles = measurements.filter((m) => m.file !== undefined).map(rowKey);
  const measured = measuredFiles.length === 0 ? 'they hold no files' : `they hold ${measuredFiles.slice(0, 3).join(', ')}${measuredFiles.length > 3 ? ', ...' : ''}`;
  for (const e of unused.filter((e) => e.file !== undefined)) {
    problems.unshift({ kind: 'not-measured', message: `entry ${e.position} names ${e.file}, which the results did not measure (${measured})` });
  }
  const unmatchedAccuracies = unused.filter((e) => e.file === undefined).length;
  return { points, problems, unmatchedAccuracies };
}
