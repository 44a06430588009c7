import { OPS, type OpDef, type OpKind, type Shape } from './ops.js';
import { addStateDictEntries, builtCounts, builtNodeCosts, lastUses, peakLiveElements, type Graph, type GraphCounts, type Node, type NodeCosts } from './graph.js';
import { numel } from './tensor.js';

/** One state_dict entry of a graph: key, shape and type. */
export interface StateDictEntry {
  readonly key: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int64' | string;
  readonly trainable: boolean;
}

/** One row of the per-layer table. */
export interface LayerRow {
  readonly node: number;
  readonly name: string;
  readonly op: OpKind;
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** state_dict elements of the module, counted at its first call only. */
  readonly params: number;
  readonly macs: number;
  readonly flops: number;
}

/** Whole-network figures, all per sample (batch 1): the builder's counts and the memory they take at float32. */
export interface NetworkTotals extends GraphCounts {
  /** weightElements at float32. */
  readonly weightBytes: number;
  readonly peakActivationBytes: number;
}

/** The whole-network figures with the per-layer table. */
export interface GraphSummary extends NetworkTotals {
  readonly layers: readonly LayerRow[];
}

/** Every state_dict entry of the graph, in module registration order. */
export function stateDictEntries(graph: Graph): StateDictEntry[] {
  return graph.modules.flatMap((m) =>
    m.params.map((p) => ({ key: `${m.name}.${p.suffix}`, shape: p.shape, dtype: p.dtype, trainable: p.trainable })),
  );
}

function layerName(node: Node): string {
  return node.module ?? `${node.op.kind}_${node.id}`;
}

/** Peak activation memory of a graph, in elements. */
function peakActivation(graph: Graph): number {
  return peakLiveElements(graph.nodes, graph.nodes.map((node) => numel(node.shape)), lastUses(graph.nodes, graph.output));
}

/** Elements of the graph's state_dict: all of them (the paper's params), the trainable ones, the float ones. */
function stateDictTotals(graph: Graph): Pick<NetworkTotals, 'stateDictElements' | 'trainableParameters' | 'weightElements' | 'weightBytes'> {
  const counts = { stateDictElements: 0, trainableParameters: 0, weightElements: 0 };
  for (const m of graph.modules) addStateDictEntries(counts, m.params);
  return { ...counts, weightBytes: 4 * counts.weightElements };
}

function inputShapesOf(graph: Graph, node: Node): Shape[] {
  return node.inputs.map((i) => graph.nodes[i]!.shape);
}

/**
 * Parameters, MACs, paper FLOPs and memory of a graph, without the per-layer table (the search sizes many thousands
 * of networks a second with it): the builder's counts, made with the same OPS rules as it added each op; a graph
 * derived by hand is summarised.
 */
export function networkTotals(graph: Graph): NetworkTotals {
  const counts = builtCounts(graph);
  if (counts === undefined) {
    const { layers: _, ...totals } = summarize(graph);
    return totals;
  }
  // Written out, not spread: V8 adds a property after a spread on a slow path (about 1 µs each, per candidate sized).
  return {
    stateDictElements: counts.stateDictElements,
    trainableParameters: counts.trainableParameters,
    weightElements: counts.weightElements,
    macs: counts.macs,
    flops: counts.flops,
    peakActivationElements: counts.peakActivationElements,
    weightBytes: 4 * counts.weightElements,
    peakActivationBytes: 4 * counts.peakActivationElements,
  };
}

/**
 * Output elements and MACs of every node, by id: the builder's, recorded with the OPS rules as it added each op; a
 * graph derived by hand is counted with the same rules.
 */
export function nodeCosts(graph: Graph): NodeCosts {
  const built = builtNodeCosts(graph);
  if (built !== undefined) return built;
  return {
    elements: graph.nodes.map((node) => numel(node.shape)),
    macs: graph.nodes.map((node) => (OPS[node.op.kind] as OpDef<OpKind>).macs(node.op as never, inputShapesOf(graph, node), node.shape)),
  };
}

/** The totals of a graph whose MACs and paper FLOPs are already summed. */
function withCounts(graph: Graph, macs: number, flops: number): NetworkTotals {
  const peakActivationElements = peakActivation(graph);
  return {
    ...stateDictTotals(graph),
    macs,
    flops,
    peakActivationElements,
    peakActivationBytes: 4 * peakActivationElements,
  };
}

/** Parameters, MACs, paper FLOPs, memory and the per-layer table of a graph. */
export function summarize(graph: Graph): GraphSummary {
  const seen = new Set<string>();
  const layers = graph.nodes.flatMap((node): LayerRow[] => {
    if (node.op.kind === 'input') return [];
    const def = OPS[node.op.kind] as OpDef<OpKind>;
    const inputShapes = inputShapesOf(graph, node);
    let params = 0;
    if (node.module !== undefined && !seen.has(node.module)) {
      seen.add(node.module);
      params = def.params(node.op as never, inputShapes).reduce((n, p) => n + numel(p.shape), 0);
    }
    const macs = def.macs(node.op as never, inputShapes, node.shape);
    const flops = def.paperFlops(node.op as never, inputShapes, node.shape, node.module !== undefined);
    return [{ node: node.id, name: layerName(node), op: node.op.kind, inputShapes, outputShape: node.shape, params, macs, flops }];
  });
  const sum = (key: 'macs' | 'flops') => layers.reduce((n, l) => n + l[key], 0);
  return { ...withCounts(graph, sum('macs'), sum('flops')), layers };
}
