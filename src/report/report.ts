import type { TopLevelSpec } from 'vega-lite';
import { compareDevices, comparePairs, catalogDevice, type DeviceComparison, type DevicePair, type CatalogDevice } from '../analysis/crossdevice.js';
import { rowKey, rowLabel } from '../analysis/results.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';
import { analyseFront, type FrontAnalysis } from '../analysis/front.js';
import { ACCURACY, LATENCY, memoryBytes, type MemoryPart, type Device, type MemorySized, type NetworkCandidate } from '../analysis/objectives.js';
import { paretoFront2 } from '../analysis/pareto.js';
import { describeConstraints, type Constraints } from '../analysis/select.js';
import {
  comparisonSpec,
  devicesSpec,
  latencyAccuracySpec,
  membershipLabels,
  memoryAccuracySpec,
  precisionFrontsSpec,
  predictedLatencySpec,
  networkGroup,
  type ChartOptions,
  type CompareRow,
  type DeviceRow,
  type MemoryRow,
  type PointRow,
  type PrecisionRow,
  type PredictedRow,
  type TransferRow,
} from './specs.js';

/** The number formats a report charts memory in unless told otherwise. */
export const DEFAULT_MEMORY_FORMATS = 'fp32,fp16,int8';

/** What a report analyses and how. */
export interface ReportInput {
  readonly device: Device;
  /** A second device to compare against. */
  readonly compare?: Device;
  /** Every device of an N-device view (the device first), drawn as small multiples when there are three or more. */
  readonly devices?: readonly Device[];
  /** Networks to circle and label in the latency chart (e.g. the paper's own selection), by catalog index or file name. */
  readonly highlight?: readonly (number | string)[];
  /** Number formats of the memory chart; empty for none (memory needs the points' element counts). */
  readonly formats: readonly NumberFormat[];
  readonly memoryPart: MemoryPart;
  /** Selection size. */
  readonly k: number;
  readonly constraints?: Constraints;
  /** Input file names, listed in the report. */
  readonly sources: readonly string[];
  /** The same device's networks timed in each deployed precision (calibrate --precision): one front per precision. */
  readonly precisions?: readonly { readonly format: NumberFormat; readonly device: Device }[];
}

/** One precision's latency and memory fronts (memory counted in that precision's format). */
export interface PrecisionFronts {
  readonly format: NumberFormat;
  readonly latency: FrontAnalysis<NetworkCandidate>;
  readonly memory: FrontAnalysis<NetworkCandidate>;
}

/** Everything a report shows, computed once for the HTML page and the static figures. */
export interface ReportModel {
  readonly input: ReportInput;
  readonly latency: FrontAnalysis<NetworkCandidate>;
  readonly memory: readonly { readonly format: NumberFormat; readonly analysis: FrontAnalysis<NetworkCandidate> }[];
  readonly comparison?: DeviceComparison;
  readonly precisions: readonly PrecisionFronts[];
  readonly pairs?: readonly DevicePair[];
}

/** One chart of the report; `name` is the suffix of its static files (report-latency.svg). */
export interface Figure {
  readonly name: 'latency' | 'memory' | 'compare' | 'devices' | 'predicted' | 'precision';
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/** Runs the analyses a report shows: the latency front and selection, one memory front per format, and the comparison. */
export function buildReportModel(input: ReportInput): ReportModel {
  const points = input.device.points;
  const options = { k: input.k, ...(input.constraints ? { constraints: input.constraints } : {}) };
  return {
    input,
    latency: analyseFront(points, { ...options, axes: 'latency' }),
    memory: input.formats.map((format) => ({
      format,
      analysis: analyseFront(points, { ...options, axes: 'memory', format, memoryPart: input.memoryPart }),
    })),
    ...(input.compare ? { comparison: compareDevices(catalogDevice(input.device), catalogDevice(input.compare)) } : {}),
    precisions: (input.precisions ?? []).map(({ format, device }) => ({
      format,
      latency: analyseFront(device.points, { ...options, axes: 'latency' }),
      memory: analyseFront(device.points, { ...options, axes: 'memory', format, memoryPart: input.memoryPart }),
    })),
    ...(input.devices && input.devices.length >= 3 ? { pairs: comparePairs(input.devices.map(catalogDevice)) } : {}),
  };
}

function precisionRows(model: ReportModel): PrecisionRow[] {
  const part = model.input.memoryPart;
  return model.precisions.flatMap(({ format, latency, memory }) => {
    const onLatencyFront = new Set(latency.front.map(rowKey));
    const onMemoryFront = new Set(memory.front.map(rowKey));
    return latency.candidates.map((p) => ({
      index: rowLabel(p),
      space: networkGroup(p),
      precision: format.name,
      latencyMs: p.latencyMs,
      memoryKiB: memoryBytes(p as MemorySized, format, part) / 1024,
      accuracy: p.accuracy,
      latencyFront: onLatencyFront.has(rowKey(p)),
      memoryFront: onMemoryFront.has(rowKey(p)),
    }));
  });
}

/** Where a label fits inside the chart: right of its point in the left fifth of the (log) latency range, else left of it. */
function labelsLeftOfRange(points: readonly NetworkCandidate[]): (latencyMs: number) => boolean {
  const logs = points.map((p) => Math.log(p.latencyMs));
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  return (latencyMs) => Math.log(latencyMs) - lo < 0.2 * (hi - lo);
}

function pointRows(model: ReportModel): PointRow[] {
  const front = new Set(model.latency.front.map(rowKey));
  const selected = new Set(model.latency.selection.map(rowKey));
  const highlighted = new Set((model.input.highlight ?? []).map((h) => (typeof h === 'number' ? rowKey({ index: h }) : h)));
  const inBudget = new Set(model.latency.candidates.map(rowKey));
  const { constraints, memoryPart } = model.input;
  const format = constraints?.format ?? FP32;
  // Networks outside the budget first, so the grey ones are drawn beneath the rest.
  const all = [...model.input.device.points].sort((a, b) => Number(inBudget.has(rowKey(a))) - Number(inBudget.has(rowKey(b))));
  const labelRight = labelsLeftOfRange(all);
  return all.map((p) => ({
    index: rowLabel(p),
    space: networkGroup(p),
    law: p.law,
    id: p.id,
    params: p.params ?? null,
    flops: p.flops ?? null,
    latencyMs: p.latencyMs,
    accuracy: p.accuracy,
    front: front.has(rowKey(p)),
    selected: selected.has(rowKey(p)),
    highlighted: highlighted.has(rowKey(p)),
    inBudget: inBudget.has(rowKey(p)),
    labelRight: labelRight(p.latencyMs),
    memoryKiB: p.weightElements === undefined ? null : memoryBytes(p as MemorySized, format, memoryPart) / 1024,
    ...(p.interval ? { lowMs: p.interval.lowMs, highMs: p.interval.highMs } : {}),
  }));
}

function deviceRows(devices: readonly Device[]): DeviceRow[] {
  return devices.flatMap((d) => {
    const front = new Set(paretoFront2(d.points, LATENCY, ACCURACY).map(rowKey));
    return d.points.map((p) => ({ device: d.name, index: rowLabel(p), space: networkGroup(p), latencyMs: p.latencyMs, accuracy: p.accuracy, front: front.has(rowKey(p)) }));
  });
}

function memoryRows(model: ReportModel): MemoryRow[] {
  const part = model.input.memoryPart;
  return model.memory.flatMap(({ format, analysis }) => {
    const front = new Set(analysis.front.map(rowKey));
    const selected = new Set(analysis.selection.map(rowKey));
    return analysis.candidates.map((p) => {
      const sized = p as MemorySized;
      return {
        index: rowLabel(p),
        space: networkGroup(p),
        law: p.law,
        id: p.id,
        format: format.name,
        memoryKiB: memoryBytes(sized, format, part) / 1024,
        weightsKiB: memoryBytes(sized, format, 'weights') / 1024,
        activationsKiB: memoryBytes(sized, format, 'activations') / 1024,
        accuracy: p.accuracy,
        front: front.has(rowKey(p)),
        selected: selected.has(rowKey(p)),
      };
    });
  });
}

function compareRows(c: DeviceComparison, a: CatalogDevice, b: CatalogDevice): { pairs: CompareRow[]; transfer: TransferRow[] } {
  const onB = new Map(b.points.map((p) => [p.index, p]));
  const frontA = new Set(c.frontA);
  const frontB = new Set(c.frontB);
  const labels = membershipLabels(a.name, b.name);
  const pairs = a.points.flatMap((p) => {
    const q = onB.get(p.index);
    if (!q) return [];
    const emphasis = (frontA.has(p.index) ? 2 : 0) + (frontB.has(p.index) ? 1 : 0);
    return [{ index: p.index, space: networkGroup(p), accuracy: q.accuracy, latencyA: p.latencyMs, latencyB: q.latencyMs, membership: labels[emphasis]!, emphasis }];
  });
  const transferRows = (front: string, indices: readonly number[]): TransferRow[] => {
    const measured = indices.map((i) => onB.get(i)!);
    const envelope = new Set(paretoFront2(measured, LATENCY, ACCURACY).map((p) => p.index));
    return measured.map((q) => ({ index: q.index, front, latencyMs: q.latencyMs, accuracy: q.accuracy, envelope: envelope.has(q.index) }));
  };
  return { pairs, transfer: [...transferRows(b.name, c.frontB), ...transferRows(a.name, c.frontA)] };
}

function predictedRows(points: readonly NetworkCandidate[]): PredictedRow[] {
  return points.flatMap((p) =>
    p.predictedMs === undefined ? [] : [{ index: rowLabel(p), space: networkGroup(p), measuredMs: p.latencyMs, predictedMs: p.predictedMs }],
  );
}

/** The report's charts as Vega-Lite specs: latency/accuracy, memory per format, two-device comparison, predicted latency. */
export function buildFigures(model: ReportModel, options: ChartOptions): Figure[] {
  const { device, compare, formats, memoryPart } = model.input;
  const budget = model.input.constraints ?? {};
  const figures: Figure[] = [
    { name: 'latency', title: `Accuracy vs latency on ${device.name}`, spec: latencyAccuracySpec(pointRows(model), device.name, { ...options, budget, budgetText: describeConstraints(budget), memoryPart: `${memoryPart}, ${(budget.format ?? FP32).name}` }) },
  ];
  if (formats.length > 0) {
    figures.push({
      name: 'memory',
      title: 'Accuracy vs memory per number format',
      spec: memoryAccuracySpec(memoryRows(model), formats.map((f) => f.name), memoryPart, { ...options, budget }),
    });
  }
  if (model.comparison && compare) {
    const { pairs, transfer } = compareRows(model.comparison, catalogDevice(device), catalogDevice(compare));
    figures.push({
      name: 'compare',
      title: `${device.name} vs ${compare.name}`,
      spec: comparisonSpec(pairs, transfer, device.name, compare.name, model.comparison.latencyRho, options),
    });
  }
  if (model.precisions.length > 0) {
    figures.push({
      name: 'precision',
      title: `Fronts per precision on ${device.name}`,
      spec: precisionFrontsSpec(precisionRows(model), model.precisions.map((p) => p.format.name), device.name, memoryPart, options),
    });
  }
  if (model.pairs && model.input.devices) {
    const names = model.input.devices.map((d) => d.name);
    figures.push({ name: 'devices', title: `${names.length} devices`, spec: devicesSpec(deviceRows(model.input.devices), names, model.pairs, options) });
  }
  const predicted = predictedRows(model.latency.candidates);
  if (predicted.length > 0) {
    figures.push({ name: 'predicted', title: `Predicted vs measured latency on ${device.name}`, spec: predictedLatencySpec(predicted, device.name, options) });
  }
  return figures;
}
