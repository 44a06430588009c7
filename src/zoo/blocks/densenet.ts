import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, poolLinearHead, type BlockOut } from './common.js';

/** kuangliu densenet.Bottleneck: BN-ReLU-conv1x1 to 4*growth, BN-ReLU-conv3x3 to growth, concatenated before its input. */
function denseBottleneck(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, growthRate: number): BlockOut {
  let out = b.conv(child(prefix, 'conv1'), b.relu(b.bn(child(prefix, 'bn1'), x)), 4 * growthRate, 1, { bias: false });
  out = b.conv(child(prefix, 'conv2'), b.relu(b.bn(child(prefix, 'bn2'), out)), growthRate, 3, { padding: 1, bias: false });
  return { out: b.concat([out, x]), outPlanes: inPlanes + growthRate };
}

/** kuangliu densenet.Transition: BN-ReLU-conv1x1 to `outPlanes`, then F.avg_pool2d(2). */
export function transition(b: GraphBuilder, prefix: string, x: Value, outPlanes: number): BlockOut {
  const out = b.conv(child(prefix, 'conv'), b.relu(b.bn(child(prefix, 'bn'), x)), outPlanes, 1, { bias: false });
  return { out: b.avgPool(out, 2), outPlanes };
}

/** DenseNet `_make_dense_layers`: `nblock` dense bottlenecks in nn.Sequential `prefix`. */
function denseLayers(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, growthRate: number, nblock: number): BlockOut {
  let cur: BlockOut = { out: x, outPlanes: inPlanes };
  for (let i = 0; i < nblock; i++) cur = denseBottleneck(b, child(prefix, i), cur.out, cur.outPlanes, growthRate);
  return cur;
}

/** The shape of a kuangliu DenseNet (DenseNet121: nblocks [6,12,24,16], growthRate 32, reduction 0.5). */
export interface DenseNetSpec {
  readonly nblocks: readonly [number, number, number, number];
  readonly growthRate: number;
  readonly reduction: number;
}

/** kuangliu DenseNet on 32x32 input, returning the logits from `b.input`; transitions keep floor(planes * reduction) channels. */
export function denseNet(b: GraphBuilder, spec: DenseNetSpec): Value {
  const { growthRate, reduction } = spec;
  let cur: BlockOut = { out: b.conv('conv1', b.input, 2 * growthRate, 3, { padding: 1, bias: false }), outPlanes: 2 * growthRate };
  for (let stage = 1; stage <= 4; stage++) {
    cur = denseLayers(b, `dense${stage}`, cur.out, cur.outPlanes, growthRate, spec.nblocks[stage - 1]!);
    // Same double product as Python's num_planes*reduction, so floor lands on the same integer (100 * 0.29 is 28.999...).
    if (stage < 4) cur = transition(b, `trans${stage}`, cur.out, Math.floor(cur.outPlanes * reduction));
  }
  return poolLinearHead(b, b.relu(b.bn('bn', cur.out)), 4);
}
