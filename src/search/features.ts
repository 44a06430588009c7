import type { Graph } from '../graph/graph.js';
import { nodeCosts } from '../graph/summary.js';
import { TypedArrayPool } from '../typed-arrays.js';
import { listSpaces } from '../zoo/index.js';
import type { NetworkSize } from './constraints.js';

/** Feature-map sides of the stages the features describe: CIFAR's 32x32 halved down to 2x2 and below. */
const STAGE_SIDES = [32, 16, 8, 4, 2] as const;

const STAGE_FEATURES = STAGE_SIDES.flatMap((side) => [`log width @${side}`, `convs @${side}`, `log MACs @${side}`]);

const KIND_FEATURES = ['dense 1x1 convs', 'dense kxk convs', 'depthwise convs', 'grouped convs', 'concats', 'adds', 'pools'] as const;

/** Size and depth features, before the stages: log params, MACs, FLOPs, peak activations, conv depth. */
const FIXED_FEATURES = 5;

/** Names of the accuracy surrogate's features, in vector order. */
export function accuracyFeatureNames(): string[] {
  return [
    'log params',
    'log MACs',
    'log FLOPs',
    'log peak activations',
    'depth (convs)',
    ...STAGE_FEATURES,
    ...KIND_FEATURES,
    ...listSpaces().map((s) => `space ${s.name}`),
  ];
}

function stageOf(side: number): number {
  for (let i = 0; i < STAGE_SIDES.length; i++) if (side >= STAGE_SIDES[i]!) return i;
  return STAGE_SIDES.length - 1;
}

/** Accuracy feature vectors: the search computes one per candidate. */
const FEATURE_VECTORS = new TypedArrayPool(Float64Array);

/**
 * What the graph says about a network's capacity and shape, for predicting its accuracy: sizes (log params, MACs,
 * FLOPs, activations), depth, width, conv count and work of each resolution stage, block kinds, and the space.
 */
export function accuracyFeatures(graph: Graph, size: NetworkSize, space: string): Float64Array {
  const spaces = listSpaces();
  const features = FEATURE_VECTORS.take(FIXED_FEATURES + STAGE_FEATURES.length + KIND_FEATURES.length + spaces.length);
  const stageAt = FIXED_FEATURES;
  const kindAt = stageAt + STAGE_FEATURES.length;
  const macs = nodeCosts(graph).macs;
  let depth = 0;
  for (const node of graph.nodes) {
    const op = node.op;
    const kind = op.kind;
    if (kind === 'concat') features[kindAt + 4] += 1;
    else if (kind === 'add') features[kindAt + 5] += 1;
    else if (kind === 'maxpool' || kind === 'avgpool') features[kindAt + 6] += 1;
    if (op.kind !== 'conv2d') continue;
    const inChannels = graph.nodes[node.inputs[0]!]!.shape[0]!;
    const kindIndex = op.groups === 1 ? (op.kernel[0] * op.kernel[1] === 1 ? 0 : 1) : op.groups === inChannels ? 2 : 3;
    features[kindAt + kindIndex] += 1;
    depth += 1;
    // Per stage: width (the widest conv, log1p'd below), conv count, MACs (log1p'd below).
    const at = stageAt + 3 * stageOf(node.shape[1]!);
    features[at] = Math.max(features[at]!, op.outChannels);
    features[at + 1] += 1;
    features[at + 2] += macs[node.id]!;
  }
  for (let stage = 0; stage < STAGE_SIDES.length; stage++) {
    const at = stageAt + 3 * stage;
    features[at] = Math.log1p(features[at]!);
    features[at + 2] = Math.log1p(features[at + 2]!);
  }
  features[0] = Math.log(size.stateDictElements);
  features[1] = Math.log(size.macs);
  features[2] = Math.log(size.flops);
  features[3] = Math.log(size.peakActivationElements);
  features[4] = depth;
  const spaceAt = kindAt + KIND_FEATURES.length;
  for (let i = 0; i < spaces.length; i++) if (spaces[i]!.name === space) features[spaceAt + i] = 1;
  return features;
}
