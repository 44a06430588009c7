import { OPS, type OpDef, type OpKind, type Shape } from './ops.js';
import type { Graph, Node } from './graph.js';
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

/** Whole-network figures, all per sample (batch 1). */
export interface NetworkTotals {
  /** Elements of the PyTorch state_dict (weights, biases, BN statistics, num_batches_tracked): the paper's `params`. */
  readonly stateDictElements: number;
  readonly trainableParameters: number;
  /** Float elements stored with the model (everything in the state_dict but num_batches_tracked). */
  readonly weightElements: number;
  /** weightElements at float32. */
  readonly weightBytes: number;
  readonly macs: number;
  /** FLOPs under the paper's per-module counting rule: the paper's `flops`. */
  readonly flops: number;
  /** Largest sum of simultaneously live activations (input included), in elements. */
  readonly peakActivationElements: number;
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

/** Peak activation memory: walks the nodes in order, freeing each value after its last use. */
function peakActivation(graph: Graph): number {
  const nodes = graph.nodes;
  const lastUse = new Array<number>(nodes.length).fill(-1);
  for (const node of nodes) for (const i of node.inputs) lastUse[i] = node.id;
  lastUse[graph.output] = nodes.length;
  let live = 0;
  let peak = 0;
  for (const node of nodes) {
    live += numel(node.shape);
    if (live > peak) peak = live;
    const inputs = node.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      // An input used twice by this node (x + x) is freed once.
      if (lastUse[i] === node.id && inputs.indexOf(i) === k) live -= numel(nodes[i]!.shape);
    }
  }
  return peak;
}

/** Elements of the graph's state_dict: all of them (the paper's params), the trainable ones, the float ones. */
export function stateDictTotals(graph: Graph): Pick<NetworkTotals, 'stateDictElements' | 'trainableParameters' | 'weightElements' | 'weightBytes'> {
  let stateDictElements = 0;
  let trainableParameters = 0;
  let weightElements = 0;
  for (const m of graph.modules) {
    for (const p of m.params) {
      const n = numel(p.shape);
      stateDictElements += n;
      if (p.trainable) trainableParameters += n;
      if (p.dtype === 'float32') weightElements += n;
    }
  }
  return { stateDictElements, trainableParameters, weightElements, weightBytes: 4 * weightElements };
}

function inputShapesOf(graph: Graph, node: Node): Shape[] {
  return node.inputs.map((i) => graph.nodes[i]!.shape);
}

/** The input shapes of a one-input node, refilled per node by networkTotals (the cost rules read it, none keeps it). */
const ONE_INPUT: Shape[] = [[]];

/**
 * Parameters, MACs, paper FLOPs and memory of a graph, without the per-layer table (the search sizes many thousands
 * of networks a second with it). Parameters are counted from the modules' state_dict entries, each module once.
 */
export function networkTotals(graph: Graph): NetworkTotals {
  let macs = 0;
  let flops = 0;
  const nodes = graph.nodes;
  for (const node of nodes) {
    if (node.op.kind === 'input') continue;
    const def = OPS[node.op.kind] as OpDef<OpKind>;
    let inputShapes: Shape[];
    if (node.inputs.length === 1) {
      inputShapes = ONE_INPUT;
      inputShapes[0] = nodes[node.inputs[0]!]!.shape;
    } else {
      inputShapes = inputShapesOf(graph, node);
    }
    macs += def.macs(node.op as never, inputShapes, node.shape);
    flops += def.paperFlops(node.op as never, inputShapes, node.shape, node.module !== undefined);
  }
  return withCounts(graph, macs, flops);
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
