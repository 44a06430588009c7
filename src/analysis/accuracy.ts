import { CATALOG, catalogIndexOf } from '../catalog/catalog.js';
import { check } from '../errors.js';
import type { Problem } from '../problems.js';
import type { Measurement } from './results.js';

/** Accuracies read from a NetConfigs.json-format file or a CSV/JSON mapping, keyed by catalog index and by run id. */
export interface AccuracyTable {
  readonly source: string;
  readonly entries: readonly AccuracyEntry[];
  readonly byIndex: ReadonlyMap<number, AccuracyEntry>;
  readonly byRunid: ReadonlyMap<string, AccuracyEntry>;
  readonly problems: readonly Problem[];
}

/** One accuracy and the keys it was given under. */
export interface AccuracyEntry {
  readonly index?: number;
  readonly runid?: string;
  readonly accuracy: number;
}

/** A measurement with the accuracy of its network. */
export interface NetworkPoint extends Measurement {
  readonly accuracy: number;
}

/** Measurements joined with accuracies, plus measurements that found none. */
export interface Joined {
  readonly points: readonly NetworkPoint[];
  readonly problems: readonly Problem[];
  /** Accuracy entries naming networks absent from the results (not an error: results may cover a subset). */
  readonly unmatchedAccuracies: number;
}

type Row = Readonly<Record<string, unknown>>;

function numeric(x: unknown): number | undefined {
  if (typeof x === 'number') return Number.isFinite(x) ? x : undefined;
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  return undefined;
}

function text(x: unknown): string | undefined {
  return typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;
}

function tableFromRows(rows: readonly Row[], source: string): AccuracyTable {
  const entries: AccuracyEntry[] = [];
  const byIndex = new Map<number, AccuracyEntry>();
  const byRunid = new Map<string, AccuracyEntry>();
  const problems: Problem[] = [];
  rows.forEach((row, position) => {
    const where = `entry ${position}`;
    const index = numeric(row.index);
    const runid = text(row.runid ?? row.run_id);
    const [space, law, id] = [text(row.spacename ?? row.space), text(row.law), numeric(row.id)];
    const accuracy = numeric(row.acc ?? row.accuracy);
    let catalogIndex: number | undefined;
    if (index !== undefined) {
      if (!Number.isInteger(index) || index < 0 || index >= CATALOG.length) {
        problems.push({ kind: 'not-in-catalog', message: `${where} has index ${index}, outside the catalog's 0..${CATALOG.length - 1}` });
        return;
      }
      catalogIndex = index;
    } else if (space !== undefined && law !== undefined && id !== undefined) {
      catalogIndex = catalogIndexOf(space, law, id);
      if (catalogIndex === undefined) {
        problems.push({ kind: 'not-in-catalog', message: `${where} (${space}/${law}/${id}) is not a network the paper trained` });
        return;
      }
    } else if (runid === undefined) {
      problems.push({ kind: 'malformed', message: `${where} names no network: give index, runid or spacename/law/id` });
      return;
    }
    if (accuracy === undefined || accuracy < 0 || accuracy > 1) {
      problems.push({ kind: 'bad-accuracy', message: `${where} has accuracy ${JSON.stringify(row.acc ?? row.accuracy) ?? 'missing'}, not a fraction in 0..1` });
      return;
    }
    if ((catalogIndex !== undefined && byIndex.has(catalogIndex)) || (runid !== undefined && byRunid.has(runid))) {
      problems.push({ kind: 'duplicate', message: `${where} names network ${catalogIndex ?? runid} a second time` });
      return;
    }
    const entry: AccuracyEntry = { index: catalogIndex, runid, accuracy };
    entries.push(entry);
    if (catalogIndex !== undefined) byIndex.set(catalogIndex, entry);
    if (runid !== undefined) byRunid.set(runid, entry);
  });
  return { source, entries, byIndex, byRunid, problems };
}

/**
 * Reads accuracies from parsed JSON: a NetConfigs.json-format array, an array of {index|runid|spacename/law/id, acc},
 * or an object mapping catalog index or run id to accuracy.
 */
export function parseAccuracyJson(json: unknown, source: string): AccuracyTable {
  if (Array.isArray(json)) {
    check(json.every((e) => typeof e === 'object' && e !== null), `${source}: expected an array of objects with acc and index, runid or spacename/law/id`);
    return tableFromRows(json as Row[], source);
  }
  check(
    typeof json === 'object' && json !== null,
    `${source}: expected a NetConfigs.json-format array or an object mapping index or run id to accuracy`,
  );
  const rows = Object.entries(json).map(([key, acc]) => (/^\d+$/.test(key) ? { index: Number(key), acc } : { runid: key, acc }));
  return tableFromRows(rows, source);
}

function splitCsvLine(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

/** Reads accuracies from CSV with a header naming `acc` or `accuracy` and `index`, `runid` or spacename,law,id columns. */
export function parseAccuracyCsv(csv: string, source: string): AccuracyTable {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  check(lines.length > 0, `${source}: the accuracy file is empty`);
  const header = splitCsvLine(lines[0]!).map((h) => h.toLowerCase());
  check(
    header.some((h) => h === 'acc' || h === 'accuracy') && header.some((h) => ['index', 'runid', 'run_id', 'spacename', 'space'].includes(h)),
    `${source}: the CSV header must name an accuracy column (acc or accuracy) and index, runid or spacename,law,id; got '${lines[0]}'`,
  );
  const rows = lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
  return tableFromRows(rows, source);
}

/**
 * Gives each measurement its accuracy: from `table` when given (by catalog index, else by run id), otherwise from the
 * results file's own acc. Measurements left without one are problems.
 */
export function joinAccuracy(measurements: readonly Measurement[], table?: AccuracyTable): Joined {
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
