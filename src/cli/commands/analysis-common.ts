import { Option, type Command } from 'commander';
import { FRONT_AXES } from '../../analysis/front.js';
import { parseFormat, parseFormats, type NumberFormat } from '../../onnx/formats.js';
import { precisionResultsPath } from '../../calibrate/results-file.js';
import { memoryBytes, MEMORY_PARTS, type MemoryPart, type MemorySized, type NetworkCandidate } from '../../analysis/objectives.js';
import { DEFAULT_SELECTION_SIZE, type Constraints } from '../../analysis/select.js';
import type { ResultRow } from '../../analysis/results.js';
import { formatBytesIn, formatLatency, memoryUnitOf, parseLatencyMs, parseMemoryBytes } from '../../analysis/units.js';
import { paperResultsReference } from '../../catalog/paper.js';
import { check } from '../../errors.js';
import { loadDevice, type DeviceSource, type LoadedDevice } from '../../analysis/results-node.js';
import { formatBytes, formatTable } from '../../report/text.js';
import { formatCsv } from '../format.js';
import { parseInteger } from '../network-options.js';

/** Options shared by pareto, select and report: inputs, constraints and the number format of memory. */
export interface AnalysisOptions {
  results: string;
  accuracy?: string;
  skipInvalid?: boolean;
  verbose?: boolean;
  maxLatency?: string;
  maxMemory?: string;
  minAccuracy?: string;
  format: string;
  memory: string;
}

/** Adds --results, --accuracy, --skip-invalid and the constraint options to a command. */
export function addAnalysisOptions(command: Command): Command {
  return command
    .option('--results <file>', "latency results: a file written by `iotnets calibrate` or `predict`, the paper's results_*.json, or the built-in paper:raspi / paper:macbook", paperResultsReference('raspi'))
    .option('--accuracy <file>', "accuracies: 'paper' (built-in NetConfigs.json), a NetConfigs.json-format file, or CSV/JSON mapping catalog index or runid to accuracy (default: acc in the results, else 'paper')")
    .option('--verbose', 'also say how many accuracy entries name networks the results did not measure')
    .option('--skip-invalid', 'analyse the usable entries and warn about the rest instead of failing')
    .option('--max-latency <time>', 'latency budget, e.g. 10ms, 0.5s, 250us')
    .option('--max-memory <size>', 'memory budget under --format, e.g. 64KiB, 2MB, 1.5MiB or bytes')
    .option('--min-accuracy <fraction>', 'accuracy floor, e.g. 0.8 or 80%')
    .addOption(new Option('--format <format>', 'number format of weights and activations: fp32, fp16, bf16, int8 or eXmY').default('fp32'))
    .addOption(new Option('--memory <part>', 'what memory counts').choices(MEMORY_PARTS).default('total'));
}

/** Parses an accuracy given as a fraction (0.8) or a percentage (80%). */
function parseAccuracyFloor(text: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  check(value >= 0 && value <= 1, `cannot read accuracy '${text}': write a fraction in 0..1 (0.8) or a percentage (80%)`);
  return value;
}

/** The number format, memory part and constraints the options describe. */
export function constraintsFromOptions(o: AnalysisOptions): Constraints & { format: NumberFormat; memoryPart: MemoryPart } {
  return {
    format: parseFormat(o.format),
    memoryPart: o.memory as MemoryPart,
    ...(o.maxLatency !== undefined ? { maxLatencyMs: parseLatencyMs(o.maxLatency) } : {}),
    ...(o.maxMemory !== undefined ? { maxMemoryBytes: parseMemoryBytes(o.maxMemory), memoryUnit: memoryUnitOf(o.maxMemory) } : {}),
    ...(o.minAccuracy !== undefined ? { minAccuracy: parseAccuracyFloor(o.minAccuracy) } : {}),
  };
}

/** The input files of the options as a device source that warns on stderr. */
export function deviceSource(o: AnalysisOptions, memory: boolean): DeviceSource {
  return {
    results: o.results,
    ...(o.accuracy !== undefined ? { accuracy: o.accuracy } : {}),
    skipInvalid: o.skipInvalid === true,
    verbose: o.verbose === true,
    memory,
    warn: (line) => process.stderr.write(`${line}\n`),
  };
}

/** Adds --by (which trade-off) to a command. */
export function addAxesOption(command: Command): Command {
  return command.addOption(new Option('--by <axes>', 'trade-off: latency, memory (under --format) or all three').choices(FRONT_AXES).default('latency'));
}

/** Adds -k/--select (selection size) to a command. */
export function addSelectionOption(command: Command): Command {
  return command.option('-k, --select <n>', 'number of networks to select along the front', String(DEFAULT_SELECTION_SIZE));
}

/** The selection size named by --select. */
export function selectionSize(o: { select: string }): number {
  const k = parseInteger(o.select, '--select');
  check(k >= 1, `--select must be at least 1, got ${k}`);
  return k;
}

/** A network as `--json` prints it: identity, latency, accuracy, and memory under the format when known. */
export interface NetworkEntry extends Pick<ResultRow, 'index' | 'space' | 'law' | 'id' | 'file' | 'sha256'> {
  readonly latencyMs: number;
  readonly accuracy: number;
  readonly params?: number;
  readonly flops?: number;
  readonly format?: string;
  readonly memoryBytes?: number;
}

function memoryOf(p: NetworkCandidate, c: { format: NumberFormat; memoryPart: MemoryPart }): number | undefined {
  return p.weightElements === undefined ? undefined : memoryBytes(p as MemorySized, c.format, c.memoryPart);
}

/** The JSON record of a network. */
export function networkEntry(p: NetworkCandidate, c: { format: NumberFormat; memoryPart: MemoryPart }): NetworkEntry {
  const memory = memoryOf(p, c);
  const identity = p.file !== undefined ? { file: p.file, sha256: p.sha256 } : { index: p.index, space: p.space, law: p.law, id: p.id };
  return {
    ...identity,
    latencyMs: p.latencyMs,
    accuracy: p.accuracy,
    ...(p.params !== undefined ? { params: p.params } : {}),
    ...(p.flops !== undefined ? { flops: p.flops } : {}),
    ...(memory !== undefined ? { format: c.format.name, memoryBytes: memory } : {}),
  };
}

/** What the network columns need: the memory format and part, and the budget margins are measured against. */
export type TableContext = Constraints & { format: NumberFormat; memoryPart: MemoryPart };

/** One column of network output: its CSV name and raw value, its table header and text (none: CSV only), and when it appears at all. */
interface NetworkColumn {
  readonly csv: string;
  readonly value: (p: NetworkCandidate, c: TableContext) => string | number | boolean | undefined;
  readonly header?: (c: TableContext) => string;
  readonly text?: (p: NetworkCandidate, c: TableContext) => string | number;
  readonly shown?: (points: readonly NetworkCandidate[], c: TableContext) => boolean;
}

const budgetLatency = (p: NetworkCandidate) => p.budgetLatencyMs ?? p.latencyMs;
const withMemory = (points: readonly NetworkCandidate[]) => points.some((p) => p.weightElements !== undefined);
const withCatalog = (points: readonly NetworkCandidate[]) => points.some((p) => p.index !== undefined);
const withFiles = (points: readonly NetworkCandidate[]) => points.some((p) => p.file !== undefined);
const withInterval = (points: readonly NetworkCandidate[]) => points.some((p) => p.interval !== undefined);

const NETWORK_COLUMNS: readonly NetworkColumn[] = [
  { header: () => 'index', csv: 'index', shown: withCatalog, text: (p) => (p.index === undefined ? '' : String(p.index)), value: (p) => p.index },
  { header: () => 'space', csv: 'space', shown: withCatalog, text: (p) => p.space ?? '', value: (p) => p.space },
  { header: () => 'law', csv: 'law', shown: withCatalog, text: (p) => p.law ?? '', value: (p) => p.law },
  { header: () => 'id', csv: 'id', shown: withCatalog, text: (p) => (p.id === undefined ? '' : String(p.id)), value: (p) => p.id },
  { header: () => 'file', csv: 'file', shown: withFiles, text: (p) => p.file ?? '', value: (p) => p.file },
  { csv: 'sha256', shown: withFiles, value: (p) => p.sha256 },
  { header: () => 'latency', csv: 'latency_ms', text: (p) => formatLatency(p.latencyMs), value: (p) => p.latencyMs },
  {
    header: () => 'interval',
    csv: 'latency_low_ms',
    shown: withInterval,
    text: (p) => (p.interval ? `${formatLatency(p.interval.lowMs)} .. ${formatLatency(p.interval.highMs)}${p.outOfRange ? ' (out of range)' : ''}` : ''),
    value: (p) => p.interval?.lowMs,
  },
  { csv: 'latency_high_ms', shown: withInterval, value: (p) => p.interval?.highMs },
  { csv: 'out_of_range', shown: withInterval, value: (p) => p.outOfRange === true },
  {
    header: () => 'safe bound',
    csv: 'latency_bound_ms',
    shown: (points) => points.some((p) => p.budgetLatencyMs !== undefined),
    text: (p) => (p.budgetLatencyMs === undefined ? '' : formatLatency(p.budgetLatencyMs)),
    value: (p) => p.budgetLatencyMs,
  },
  { header: () => 'accuracy', csv: 'accuracy', text: (p) => `${(p.accuracy * 100).toFixed(2)}%`, value: (p) => p.accuracy },
  { header: () => 'params', csv: 'params', text: (p) => p.params ?? '', value: (p) => p.params },
  { header: () => 'FLOPs', csv: 'flops', text: (p) => p.flops ?? '', value: (p) => p.flops },
  {
    header: (c) => `memory (${c.memoryPart}, ${c.format.name})`,
    csv: 'memory_bytes',
    shown: withMemory,
    text: (p, c) => formatBytesIn(memoryOf(p, c)!, c.memoryUnit ?? bestBinaryUnit(memoryOf(p, c)!)),
    value: (p, c) => memoryOf(p, c),
  },
  {
    header: () => 'latency margin',
    csv: 'latency_margin_ms',
    shown: (_, c) => c.maxLatencyMs !== undefined,
    text: (p, c) => formatLatency(c.maxLatencyMs! - budgetLatency(p)),
    value: (p, c) => (c.maxLatencyMs === undefined ? undefined : c.maxLatencyMs - budgetLatency(p)),
  },
  {
    header: () => 'memory margin',
    csv: 'memory_margin_bytes',
    shown: (points, c) => c.maxMemoryBytes !== undefined && withMemory(points),
    text: (p, c) => formatBytesIn(c.maxMemoryBytes! - memoryOf(p, c)!, c.memoryUnit),
    value: (p, c) => (c.maxMemoryBytes === undefined || memoryOf(p, c) === undefined ? undefined : c.maxMemoryBytes - memoryOf(p, c)!),
  },
];

/** The binary unit formatBytes picks for a size (B, KiB, MiB, GiB). */
function bestBinaryUnit(bytes: number): string {
  return formatBytes(bytes).split(' ')[1]!;
}

/** Networks as an aligned table (or CSV with raw values: ms, fractions, bytes); columns appear when the points carry their figures. */
export function networkTable(points: readonly NetworkCandidate[], c: TableContext, csv = false): string {
  const shown = NETWORK_COLUMNS.filter((col) => col.shown?.(points, c) ?? true);
  if (csv) return formatCsv(shown.map((col) => col.csv), points.map((p) => shown.map((col) => col.value(p, c))));
  const table = shown.filter((col) => col.text !== undefined);
  return formatTable(table.map((col) => col.header!(c)), points.map((p) => table.map((col) => col.text!(p, c))));
}

/** Adds --precision: one front per deployed precision, read from the results files `calibrate --precision` wrote. */
export function addPrecisionFrontsOption(command: Command): Command {
  return command.option(
    '--precision <list>',
    'one front per deployed precision, e.g. fp32,fp16,int8, from the files `iotnets calibrate --precision` wrote beside --results (<results>.int8.json, ...); memory counted in each precision',
  );
}

/** The device as timed in each precision of `list` (memory figures attached), from the results files beside --results. */
export async function loadPrecisionDevices(o: AnalysisOptions, list: string): Promise<{ format: NumberFormat; device: LoadedDevice }[]> {
  const devices = [];
  for (const format of parseFormats(list)) {
    devices.push({ format, device: await loadDevice(deviceSource({ ...o, results: precisionResultsPath(o.results, format) }, true)) });
  }
  return devices;
}
