import { Option, type Command } from 'commander';
import { FRONT_AXES } from '../../analysis/front.js';
import { parseFormat, type NumberFormat } from '../../onnx/formats.js';
import { memoryBytes, MEMORY_PARTS, type MemoryPart, type MemorySized, type NetworkCandidate } from '../../analysis/objectives.js';
import type { Constraints } from '../../analysis/select.js';
import { formatLatency, memoryUnitOf, parseLatencyMs, parseMemoryBytes } from '../../analysis/units.js';
import { paperResultsReference } from '../../catalog/paper.js';
import { check } from '../../errors.js';
import type { DeviceSource } from '../../report/load-node.js';
import { formatBytes, formatTable } from '../format.js';
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
export function parseAccuracyFloor(text: string): number {
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
  return command.option('-k, --select <n>', 'number of networks to select along the front', '7');
}

/** The selection size named by --select. */
export function selectionSize(o: { select: string }): number {
  const k = parseInteger(o.select, '--select');
  check(k >= 1, `--select must be at least 1, got ${k}`);
  return k;
}

/** A network as `--json` prints it: identity, latency, accuracy, and memory under the format when known. */
export interface NetworkEntry {
  readonly index: number;
  readonly space: string;
  readonly law: string;
  readonly id: number;
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
  return {
    index: p.index,
    space: p.space,
    law: p.law,
    id: p.id,
    latencyMs: p.latencyMs,
    accuracy: p.accuracy,
    ...(p.params !== undefined ? { params: p.params } : {}),
    ...(p.flops !== undefined ? { flops: p.flops } : {}),
    ...(memory !== undefined ? { format: c.format.name, memoryBytes: memory } : {}),
  };
}

/** Networks as an aligned table; the memory column appears when the points carry memory figures. */
export function networkTable(points: readonly NetworkCandidate[], c: { format: NumberFormat; memoryPart: MemoryPart }): string {
  const withMemory = points.some((p) => p.weightElements !== undefined);
  const header = ['index', 'space', 'law', 'id', 'latency', 'accuracy', 'params', 'FLOPs', ...(withMemory ? [`memory (${c.memoryPart}, ${c.format.name})`] : [])];
  return formatTable(
    header,
    points.map((p) => [
      String(p.index),
      p.space,
      p.law,
      String(p.id),
      formatLatency(p.latencyMs),
      `${(p.accuracy * 100).toFixed(2)}%`,
      p.params ?? '',
      p.flops ?? '',
      ...(withMemory ? [formatBytes(memoryOf(p, c)!)] : []),
    ]),
  );
}
