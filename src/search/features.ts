import type { Graph } from '../graph/graph.js';
import { OPS, type OpDef, type OpKind } from '../graph/ops.js';
import { listSpaces } from '../zoo/index.js';
import type { NetworkSize } from './constraints.js';

/** Feature-map sides of the stages the features describe: CIFAR's 32x32 halved down to 2x2 and below. */
const STAGE_SIDES = [32, 16, 8, 4, 2] as const;

const STAGE_FEATURES = STAGE_SIDES.flatMap((side) => [`log width @${side}`, `convs @${side}`, `log MACs @${side}`]);

const KIND_FEATURES = ['dense 1x1 convs', 'dense kxk convs', 'depthwise convs', 'grouped convs', 'concats', 'adds', 'pools'] as const;

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
  const i = STAGE_SIDES.findIndex((s) => side >= s);
  return i < 0 ? STAGE_SIDES.length - 1 : i;
}

/**
 * What the graph says about a network's capacity and shape, for predicting its accuracy: sizes (log params, MACs,
 * FLOPs, activations), depth, width, conv count and work of each resolution stage, block kinds, and the space.
 */
export function accuracyFeatures(graph: Graph, size: NetworkSize, space: string): Float64Array {
  const stages = STAGE_SIDES.map(() => ({ width: 0, convs: 0, macs: 0 }));
  const kinds = new Array<number>(KIND_FEATURES.length).fill(0);
  let depth = 0;
  for (const node of graph.nodes) {
    const kind = node.op.kind;
    if (kind === 'concat') kinds[4]! += 1;
    else if (kind === 'add') kinds[5]! += 1;
    else if (kind === 'maxpool' || kind === 'avgpool') kinds[6]! += 1;
    if (node.op.kind !== 'conv2d') continue;
    const inputShapes = node.inputs.map((i) => graph.nodes[i]!.shape);
    const inChannels = inputShapes[0]![0]!;
    const op = node.op;
    const kindIndex = op.groups === 1 ? (op.kernel[0] * op.kernel[1] === 1 ? 0 : 1) : op.groups === inChannels ? 2 : 3;
    kinds[kindIndex]! += 1;
    depth += 1;
    const stage = stages[stageOf(node.shape[1]!)]!;
    stage.width = Math.max(stage.width, op.outChannels);
    stage.convs += 1;
    stage.macs += (OPS.conv2d as OpDef<OpKind>).macs(op as never, inputShapes, node.shape);
  }
  const spaces = listSpaces();
  return Float64Array.from([
    Math.log(size.stateDictElements),
    Math.log(size.macs),
    Math.log(size.flops),
    Math.log(size.peakActivationElements),
    depth,
    ...stages.flatMap((s) => [Math.log1p(s.width), s.convs, Math.log1p(s.macs)]),
    ...kinds,
    ...spaces.map((s) => (s.name === space ? 1 : 0)),
  ]);
}
