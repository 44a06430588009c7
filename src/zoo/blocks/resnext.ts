import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead, type BlockOut } from './common.js';

/** ResNeXt's channel expansion: a block outputs 2 * cardinality * bottleneck_width channels. */
const RESNEXT_EXPANSION = 2;

/** kuangliu resnext.Block: 1x1 to group width, grouped 3x3 with `stride`, 1x1 to twice that, plus the shortcut. */
function resnextBlock(
  b: GraphBuilder,
  prefix: string,
  x: Value,
  inPlanes: number,
  cardinality: number,
  bottleneckWidth: number,
  stride: number,
): BlockOut {
  const groupWidth = cardinality * bottleneckWidth;
  const outPlanes = RESNEXT_EXPANSION * groupWidth;
  let out = b.relu(convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, groupWidth, 1));
  out = b.relu(convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), out, groupWidth, 3, { stride, padding: 1, groups: cardinality }));
  out = convBn(b, child(prefix, 'conv3'), child(prefix, 'bn3'), out, outPlanes, 1);
  const residual = stride === 1 && inPlanes === outPlanes ? x : convBn(b, child(prefix, 'shortcut.0'), child(prefix, 'shortcut.1'), x, outPlanes, 1, { stride });
  return { out: b.relu(b.add(out, residual)), outPlanes };
}

/** The shape of a kuangliu ResNeXt: per stage, blocks, cardinality and bottleneck width. */
export interface ResNeXtSpec {
  readonly numBlocks: readonly [number, number, number];
  readonly cardinalities: readonly [number, number, number];
  readonly bottleneckWidths: readonly [number, number, number];
}

/**
 * kuangliu ResNeXt on 32x32 input, returning the logits from `b.input`: conv1x1 stem to 64, three stages
 * (stride 1, 2, 2), F.avg_pool2d(8). ResNeXt29_2x64d = blocks [3,3,3], cardinalities [2,2,2], widths [64,128,256].
 */
export function resNeXt(b: GraphBuilder, spec: ResNeXtSpec): Value {
  let cur: BlockOut = { out: b.relu(convBn(b, 'conv1', 'bn1', b.input, 64, 1)), outPlanes: 64 };
  for (let stage = 0; stage < 3; stage++) {
    const layer = `layer${stage + 1}`;
    for (let i = 0; i < spec.numBlocks[stage]!; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      cur = resnextBlock(b, child(layer, i), cur.out, cur.outPlanes, spec.cardinalities[stage]!, spec.bottleneckWidths[stage]!, stride);
    }
  }
  return poolLinearHead(b, cur.out, 8);
}
