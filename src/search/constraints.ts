import { FP32, storageBytes, type NumberFormat } from '../onnx/formats.js';
import { formatLatency } from '../analysis/units.js';
import { IotnetsError } from '../errors.js';

/** The sizes of a network that the search's constraints bound (batch 1). */
export interface NetworkSize {
  /** Elements of the PyTorch state_dict: the paper's `params`, which weight memory counts. */
  readonly stateDictElements: number;
  readonly peakActivationElements: number;
  readonly macs: number;
  /** FLOPs under the paper's counting rule. */
  readonly flops: number;
}

/** A search budget: every bound is optional; memory is counted in `format`. */
export interface SearchConstraints {
  readonly format: NumberFormat;
  readonly maxWeightBytes?: number;
  readonly maxActivationBytes?: number;
  readonly maxFlops?: number;
  readonly maxLatencyMs?: number;
}

/** Weight memory: every state_dict element (the paper's params) stored at the format's bit width, packed. */
export function weightMemoryBytes(n: Pick<NetworkSize, 'stateDictElements'>, format: NumberFormat = FP32): number {
  return storageBytes(n.stateDictElements, format);
}

/** Peak activation memory at batch 1, each element stored in the format. */
export function activationMemoryBytes(n: Pick<NetworkSize, 'peakActivationElements'>, format: NumberFormat = FP32): number {
  return storageBytes(n.peakActivationElements, format);
}

/** One bound of the constraints: its name, the network's value under it, and the limit. */
interface Bound {
  readonly name: string;
  readonly limit: (c: SearchConstraints) => number | undefined;
  readonly value: (n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints) => number | undefined;
  readonly show: (value: number, c: SearchConstraints) => string;
}

const BOUNDS: readonly Bound[] = [
  {
    name: 'weights',
    limit: (c) => c.maxWeightBytes,
    value: (n, _, c) => weightMemoryBytes(n, c.format),
    show: (v, c) => `${v} B of ${c.format.name} weights`,
  },
  {
    name: 'activations',
    limit: (c) => c.maxActivationBytes,
    value: (n, _, c) => activationMemoryBytes(n, c.format),
    show: (v, c) => `${v} B of ${c.format.name} activations`,
  },
  { name: 'flops', limit: (c) => c.maxFlops, value: (n) => n.flops, show: (v) => `${v} FLOPs` },
  { name: 'latency', limit: (c) => c.maxLatencyMs, value: (_, ms) => ms, show: (v) => formatLatency(v) },
];

/** The bounds on a network's sizes, known before its latency. */
const SIZE_BOUNDS = BOUNDS.filter((b) => b.name !== 'latency');

/** Whether the network exceeds bound `b`; a bounded value that is unknown (a latency) counts as exceeding it. */
function violates(b: Bound, n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): boolean {
  const limit = b.limit(c);
  if (limit === undefined) return false;
  const value = b.value(n, latencyMs, c);
  return value === undefined || value > limit;
}

/** True when the network violates none of `bounds` (a loop: the search checks every candidate). */
function meetsBounds(bounds: readonly Bound[], n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): boolean {
  for (let i = 0; i < bounds.length; i++) if (violates(bounds[i]!, n, latencyMs, c)) return false;
  return true;
}

/**
 * The bounds a network violates (names such as 'weights', 'latency'); a latency bound with no known latency counts as
 * violated, since the search cannot promise it.
 */
export function violations(n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): string[] {
  return BOUNDS.filter((b) => violates(b, n, latencyMs, c)).map((b) => b.name);
}

/**
 * How far a network is from meeting the constraints: the sum over bounds of log(value / limit) where the value is
 * over its limit; 0 when it meets them all, Infinity when a bounded value is unknown.
 */
export function constraintExcess(n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): number {
  let excess = 0;
  for (const b of BOUNDS) {
    const limit = b.limit(c);
    if (limit === undefined) continue;
    const value = b.value(n, latencyMs, c);
    if (value === undefined) return Infinity;
    if (value > limit) excess += Math.log(value / limit);
  }
  return excess;
}

/**
 * A network's sizes against the constraints it is bounded by, e.g. "2588 params, 10352 B of fp32 weights (limit 32768
 * B of fp32 weights), 18.6 ms (limit 10.0 ms)".
 */
export function describeAgainstConstraints(n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): string {
  const bounds = BOUNDS.flatMap((b) => {
    const limit = b.limit(c);
    if (limit === undefined) return [];
    const value = b.value(n, latencyMs, c);
    return [value === undefined ? `no known ${b.name}` : `${b.show(value, c)} (limit ${b.show(limit, c)})`];
  });
  return [`${n.stateDictElements} params`, ...bounds].join(', ');
}

/** True when the network meets every bound. */
export function meetsSearchConstraints(n: NetworkSize, latencyMs: number | undefined, c: SearchConstraints): boolean {
  return meetsBounds(BOUNDS, n, latencyMs, c);
}

/** True when the network meets every bound on its sizes (all but latency). */
export function meetsSizeConstraints(n: NetworkSize, c: SearchConstraints): boolean {
  return meetsBounds(SIZE_BOUNDS, n, undefined, c);
}

/** A one-line account of the constraints, e.g. "fp16 weights <= 32768 B, latency <= 10.0 ms". */
export function describeSearchConstraints(c: SearchConstraints): string {
  const parts = [
    c.maxWeightBytes !== undefined ? `${c.format.name} weights <= ${c.maxWeightBytes} B` : undefined,
    c.maxActivationBytes !== undefined ? `${c.format.name} activations <= ${c.maxActivationBytes} B` : undefined,
    c.maxFlops !== undefined ? `FLOPs <= ${c.maxFlops}` : undefined,
    c.maxLatencyMs !== undefined ? `latency <= ${formatLatency(c.maxLatencyMs)}` : undefined,
  ].filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'no constraints';
}

/** The error for constraints no candidate meets: how close the candidates come on each bound, and the fix. */
export function noFeasibleError(candidates: readonly { size: NetworkSize; latencyMs?: number }[], c: SearchConstraints): IotnetsError {
  const closest = BOUNDS.flatMap((b) => {
    if (b.limit(c) === undefined) return [];
    const values = candidates.map((x) => b.value(x.size, x.latencyMs, c)).filter((v): v is number => v !== undefined);
    return values.length === 0 ? [`no candidate has a known ${b.name}`] : [`the smallest ${b.name}: ${b.show(Math.min(...values), c)}`];
  });
  return new IotnetsError(
    `none of the ${candidates.length} candidates meets ${describeSearchConstraints(c)} (${closest.join('; ')}); relax a constraint or add candidates`,
  );
}
