import { FP32, type NumberFormat } from '../onnx/formats.js';
import { ACCURACY, LATENCY, memoryObjective, type MemoryPart, type NetworkCandidate } from './objectives.js';
import { paretoFront, type Objective } from './pareto.js';
import { requireFeasible, spanSelection, type Constraints } from './select.js';

/** Which trade-off a front describes: latency/accuracy, memory/accuracy, or latency/memory/accuracy at once. */
export type FrontAxes = 'latency' | 'memory' | 'all';

/** The trade-offs, for validating user input. */
export const FRONT_AXES: readonly FrontAxes[] = ['latency', 'memory', 'all'];

/** How to compute a front and its selection. */
export interface FrontOptions {
  readonly axes?: FrontAxes;
  /** Number format and memory part for the memory axis. */
  readonly format?: NumberFormat;
  readonly memoryPart?: MemoryPart;
  /** Networks outside the constraints are left out before the front is computed. */
  readonly constraints?: Constraints;
  /** Size of the selection spanning the front (default 7, as the README's Raspberry Pi list). */
  readonly k?: number;
}

/** A front over the networks that meet the constraints, and a selection spanning it. */
export interface FrontAnalysis<T> {
  readonly candidates: readonly T[];
  readonly front: readonly T[];
  readonly selection: readonly T[];
}

/** The objectives of a trade-off, with the one the selection spaces its targets along first. */
function frontObjectives(axes: FrontAxes, format: NumberFormat, part: MemoryPart = 'total'): Objective<NetworkCandidate>[] {
  const memory = memoryObjective(format, part);
  if (axes === 'latency') return [LATENCY, ACCURACY];
  if (axes === 'memory') return [memory, ACCURACY];
  return [LATENCY, memory, ACCURACY];
}

/** The Pareto front of the trade-off over the networks meeting the constraints (at least one must), and k members spanning it. */
export function analyseFront<T extends NetworkCandidate>(points: readonly T[], options: FrontOptions = {}): FrontAnalysis<T> {
  const objectives = frontObjectives(options.axes ?? 'latency', options.format ?? FP32, options.memoryPart);
  const candidates = options.constraints ? requireFeasible(points, options.constraints) : [...points];
  const front = paretoFront(candidates, objectives);
  const spacing = objectives[0]!;
  return { candidates, front, selection: spanSelection(front, options.k ?? 7, (p) => spacing.value(p)) };
}
