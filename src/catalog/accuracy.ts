import { check } from '../errors.js';
import { failOnProblems, type Problem } from '../problems.js';
import { CATALOG, catalogIndexOf } from './catalog.js';

/** Accuracies read from a NetConfigs.json-format file or a CSV/JSON mapping, keyed by catalog index, run id or ONNX file name. */
export interface AccuracyTable {
  readonly source: string;
  readonly entries: readonly AccuracyEntry[];
  readonly byIndex: ReadonlyMap<number, AccuracyEntry>;
  readonly byRunid: ReadonlyMap<string, AccuracyEntry>;
  /** By file name without directory, as `calibrate --onnx` results name files. */
  readonly byFile: ReadonlyMap<string, AccuracyEntry>;
  readonly problems: readonly Problem[];
}

/** One accuracy and the keys it was given under. */
export interface AccuracyEntry {
  readonly index?: number;
  readonly runid?: string;
  readonly file?: string;
  readonly accuracy: number;
  /** Its position in the source, for messages. */
  readonly position?: number;
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

/** A file name without its directory (either separator), as results name measured files. */
function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

const isOnnxName = (key: string) => /\.onnx$/i.test(key);

function tableFromRows(rows: readonly Row[], source: string): AccuracyTable {
  const entries: AccuracyEntry[] = [];
  const byIndex = new Map<number, AccuracyEntry>();
  const byRunid = new Map<string, AccuracyEntry>();
  const byFile = new Map<string, AccuracyEntry>();
  const problems: Problem[] = [];
  rows.forEach((row, position) => {
    const index = numeric(row.index);
    const runid = text(row.runid ?? row.run_id);
    const path = text(row.file);
    const file = path === undefined ? undefined : fileName(path);
    const where = `entry ${position}${file === undefined ? '' : ` (${file})`}`;
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
    } else if (runid === undefined && file === undefined) {
      problems.push({ kind: 'malformed', message: `${where} names no network: give index, runid, spacename/law/id or file` });
      return;
    }
    if (file !== undefined && !isOnnxName(file)) {
      problems.push({ kind: 'malformed', message: `${where} names file ${path}, not an .onnx file name` });
      return;
    }
    if (accuracy === undefined || accuracy < 0 || accuracy > 1) {
      const given = JSON.stringify(row.acc ?? row.accuracy) ?? 'missing';
      problems.push({ kind: 'bad-accuracy', message: `${where} has accuracy ${given}, not a fraction in 0..1 (write 0.761 for 76.1%)` });
      return;
    }
    const earlier = (catalogIndex !== undefined ? byIndex.get(catalogIndex) : undefined) ?? (runid !== undefined ? byRunid.get(runid) : undefined) ?? (file !== undefined ? byFile.get(file) : undefined);
    if (earlier !== undefined) {
      problems.push({ kind: 'duplicate', message: `${where} names network ${catalogIndex ?? runid ?? file} a second time (first in entry ${earlier.position}); keep one row per network` });
      return;
    }
    const entry: AccuracyEntry = { index: catalogIndex, runid, file, accuracy, position };
    entries.push(entry);
    if (catalogIndex !== undefined) byIndex.set(catalogIndex, entry);
    if (runid !== undefined) byRunid.set(runid, entry);
    if (file !== undefined) byFile.set(file, entry);
  });
  return { source, entries, byIndex, byRunid, byFile, problems };
}

/**
 * Reads accuracies from parsed JSON: a NetConfigs.json-format array, an array of {index|runid|spacename/law/id|file, acc},
 * or an object mapping catalog index, run id or ONNX file name to accuracy.
 */
export function parseAccuracyJson(json: unknown, source: string): AccuracyTable {
  if (Array.isArray(json)) {
    check(json.every((e) => typeof e === 'object' && e !== null), `${source}: expected an array of objects with acc and index, runid or spacename/law/id`);
    return tableFromRows(json as Row[], source);
  }
  check(
    typeof json === 'object' && json !== null,
    `${source}: expected a NetConfigs.json-format array or an object mapping index, run id or ONNX file name to accuracy`,
  );
  const rows = Object.entries(json).map(([key, acc]) => (/^\d+$/.test(key) ? { index: Number(key), acc } : isOnnxName(key) ? { file: key, acc } : { runid: key, acc }));
  return tableFromRows(rows, source);
}

function splitCsvLine(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

/** Reads accuracies from CSV with a header naming `acc` or `accuracy` and `index`, `runid`, spacename,law,id or `file` columns. */
export function parseAccuracyCsv(csv: string, source: string): AccuracyTable {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  check(lines.length > 0, `${source}: the accuracy file is empty`);
  const header = splitCsvLine(lines[0]!).map((h) => h.toLowerCase());
  check(
    header.some((h) => h === 'acc' || h === 'accuracy') && header.some((h) => ['index', 'runid', 'run_id', 'spacename', 'space', 'file'].includes(h)),
    `${source}: the CSV header must name an accuracy column (acc or accuracy) and index, runid, spacename,law,id or file; got '${lines[0]}'`,
  );
  const rows = lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
  return tableFromRows(rows, source);
}

/**
 * The table's accuracies by catalog index, for writing results: a source with unusable entries, or naming no catalog
 * network at all, is refused in one line (a wrong file must not silently give networks no or wrong accuracies).
 */
export function catalogAccuracies(table: AccuracyTable): ReadonlyMap<number, AccuracyEntry> {
  failOnProblems(table.problems, table.source, "fix the file or pass the paper's NetConfigs.json");
  check(
    table.byIndex.size > 0,
    `${table.source}: names no catalog network; pass the paper's NetConfigs.json or a mapping from catalog index to accuracy`,
  );
  return table.byIndex;
}
