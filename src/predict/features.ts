import { CATALOG, catalogGraph } from '../catalog/catalog.js';
import type { Graph, Node } from '../graph/graph.js';
import { OPS, type OpDef, type OpKind, type OpOf, type Shape } from '../graph/ops.js';
import { summarize } from '../graph/summary.js';
import { numel } from '../graph/tensor.js';

/**
 * What a layer costs a runtime: the classes differ in how fast a device turns their work into time
 * (a dense 3x3 convolution runs near peak, a depthwise one is bound by memory and per-group calls).
 */
export type LayerClass =
  | 'conv1x1'
  | 'convkxk'
  | 'depthwise'
  | 'grouped'
  | 'linear'
  | 'batchnorm'
  | 'activation'
  | 'pool'
  | 'elementwise'
  | 'copy';

/** Layer classes whose multiply-accumulates are a feature. */
const MAC_CLASSES = ['conv1x1', 'convkxk', 'depthwise', 'grouped', 'linear'] as const satisfies readonly LayerClass[];

/** Layer classes that some runtimes execute as one call per group, so their group count is a feature. */
const GROUP_CLASSES = ['depthwise', 'grouped'] as const satisfies readonly LayerClass[];

const LAYER_CLASSES: readonly LayerClass[] = [...MAC_CLASSES, 'batchnorm', 'activation', 'pool', 'elementwise', 'copy'];

/** Bytes of one float32 activation element. */
const FLOAT_BYTES = 4;

function convClass(op: OpOf<'conv2d'>, inputs: readonly Shape[]): LayerClass {
  const inChannels = inputs[0]![0]!;
  if (op.groups === 1) return op.kernel[0] * op.kernel[1] === 1 ? 'conv1x1' : 'convkxk';
  return op.groups === inChannels ? 'depthwise' : 'grouped';
}

/**
 * The class of every op kind; undefined for ops a runtime performs without touching data
 * (the input itself and flatten, which is a view).
 */
const CLASS_OF: { [K in OpKind]: (op: OpOf<K>, inputs: readonly Shape[]) => LayerClass | undefined } = {
  input: () => undefined,
  conv2d: convClass,
  batchnorm: () => 'batchnorm',
  linear: () => 'linear',
  relu: () => 'activation',
  sigmoid: () => 'activation',
  maxpool: () => 'pool',
  avgpool: () => 'pool',
  add: () => 'elementwise',
  mul: () => 'elementwise',
  concat: () => 'copy',
  slice: () => 'copy',
  flatten: () => undefined,
};

/**
 * Names of the latency features, in vector order. Units: `network` is 1 (fixed cost of one inference), `*.layers`
 * counts layers (per-operator overhead), `*.groups` counts convolution groups, `*.macs` multiply-accumulates,
 * `*.bytes` activation bytes read plus written, `weights.bytes` parameter bytes (float32).
 */
export const FEATURE_NAMES: readonly string[] = [
  'network',
  ...MAC_CLASSES.map((c) => `${c}.macs`),
  ...GROUP_CLASSES.map((c) => `${c}.groups`),
  ...LAYER_CLASSES.map((c) => `${c}.layers`),
  ...LAYER_CLASSES.map((c) => `${c}.bytes`),
  'weights.bytes',
];

const FEATURE_INDEX = new Map(FEATURE_NAMES.map((name, i) => [name, i]));

function slot(name: string): number {
  const i = FEATURE_INDEX.get(name);
  if (i === undefined) throw new Error(`no latency feature ${name}`);
  return i;
}

/** A network's latency features: one number per FEATURE_NAMES entry. */
export type FeatureVector = Float64Array;

function addNode(features: FeatureVector, graph: Graph, node: Node): void {
  const inputs = node.inputs.map((i) => graph.nodes[i]!.shape);
  const layerClass = (CLASS_OF[node.op.kind] as (op: typeof node.op, inputs: readonly Shape[]) => LayerClass | undefined)(node.op, inputs);
  if (layerClass === undefined) return;
  features[slot(`${layerClass}.layers`)] += 1;
  const elements = inputs.reduce((sum, s) => sum + numel(s), numel(node.shape));
  features[slot(`${layerClass}.bytes`)] += FLOAT_BYTES * elements;
  const macs = (OPS[node.op.kind] as OpDef<OpKind>).macs(node.op as never, inputs, node.shape);
  if (macs > 0) features[slot(`${layerClass}.macs`)] += macs;
  if (node.op.kind === 'conv2d' && node.op.groups > 1) features[slot(`${layerClass}.groups`)] += node.op.groups;
}

/** The latency features of a network (batch 1, float32); computed once per network, predictions are then dot products. */
export function latencyFeatures(graph: Graph): FeatureVector {
  const features = new Float64Array(FEATURE_NAMES.length);
  features[slot('network')] = 1;
  for (const node of graph.nodes) addNode(features, graph, node);
  features[slot('weights.bytes')] = summarize(graph).weightBytes;
  return features;
}

/** The features of a network as a name -> value record (for reports and JSON). */
export function namedFeatures(features: FeatureVector): Record<string, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, features[i]!]));
}

let catalogCache: readonly FeatureVector[] | undefined;

/** The latency features of all 1617 catalog networks, by catalog index (built once per process, about a second). */
export function catalogFeatures(): readonly FeatureVector[] {
  catalogCache ??= CATALOG.map((entry) => latencyFeatures(catalogGraph(entry)));
  return catalogCache;
}
