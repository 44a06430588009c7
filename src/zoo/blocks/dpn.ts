import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead, type BlockOut } from './common.js';

type PerStage = readonly [number, number, number, number];

/** The shape of a kuangliu DPN, per stage: bottleneck width (in_planes), residual width (out_planes), blocks, dense growth. */
export interface DpnSpec {
  readonly inPlanes: PerStage;
  readonly outPlanes: PerStage;
  readonly numBlocks: PerStage;
  readonly denseDepth: PerStage;
}

/**
 * kuangliu dpn.Bottleneck: 1x1, grouped (32) 3x3 with `stride`, 1x1 to outPlanes + denseDepth. Its first
 * `outPlanes` channels are added to the shortcut's (residual path); the rest of both are concatenated (dense path).
 */
function dpnBottleneck(
  b: GraphBuilder,
  prefix: string,
  x: Value,
  inPlanes: number,
  outPlanes: number,
  denseDepth: number,
  stride: number,
  firstLayer: boolean,
): BlockOut {
  let out = b.relu(convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, inPlanes, 1));
  out = b.relu(convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), out, inPlanes, 3, { stride, padding: 1, groups: 32 }));
  out = convBn(b, child(prefix, 'conv3'), child(prefix, 'bn3'), out, outPlanes + denseDepth, 1);
  const shortcut = firstLayer ? convBn(b, child(prefix, 'shortcut.0'), child(prefix, 'shortcut.1'), x, outPlanes + denseDepth, 1, { stride }) : x;
  const residual = b.add(b.slice(shortcut, 0, outPlanes), b.slice(out, 0, outPlanes));
  const merged = b.concat([residual, b.slice(shortcut, outPlanes, shortcut.shape[0]!), b.slice(out, outPlanes, out.shape[0]!)]);
  return { out: b.relu(merged), outPlanes: merged.shape[0]! };
}

/** kuangliu DPN on 32x32 input, returning the logits: conv1-bn1-ReLU stem, four stages (strides 1, 2, 2, 2), F.avg_pool2d(4). */
export function dpn(b: GraphBuilder, spec: DpnSpec): Value {
  let cur: BlockOut = { out: b.relu(convBn(b, 'conv1', 'bn1', b.input, 64, 3, { padding: 1 })), outPlanes: 64 };
  for (let stage = 0; stage < 4; stage++) {
    for (let i = 0; i < spec.numBlocks[stage]!; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      cur = dpnBottleneck(b, child(`layer${stage + 1}`, i), cur.out, spec.inPlanes[stage]!, spec.outPlanes[stage]!, spec.denseDepth[stage]!, stride, i === 0);
    }
  }
  return poolLinearHead(b, cur.out, 4);
}
