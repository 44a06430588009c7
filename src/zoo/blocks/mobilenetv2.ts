import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead, type BlockOut } from './common.js';

/**
 * kuangliu mobilenetv2.Block: expand 1x1, depthwise 3x3 with `stride`, project 1x1. With stride 1 it adds the input
 * (through `shortcut.0`/`shortcut.1` conv+BN when the width changes); with stride 2 it has no residual.
 */
function mobileNetV2Block(
  b: GraphBuilder,
  prefix: string,
  x: Value,
  inPlanes: number,
  outPlanes: number,
  expansion: number,
  stride: number,
): BlockOut {
  const planes = expansion * inPlanes;
  let out = b.relu(convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, planes, 1));
  out = b.relu(convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), out, planes, 3, { stride, padding: 1, groups: planes }));
  out = convBn(b, child(prefix, 'conv3'), child(prefix, 'bn3'), out, outPlanes, 1);
  if (stride !== 1) return { out, outPlanes };
  const residual = inPlanes === outPlanes ? x : convBn(b, child(prefix, 'shortcut.0'), child(prefix, 'shortcut.1'), x, outPlanes, 1);
  return { out: b.add(out, residual), outPlanes };
}

/** One MobileNetV2 cfg row: (expansion, out_planes, num_blocks, stride). */
export type MobileNetV2Row = readonly [number, number, number, number];

/**
 * kuangliu MobileNetV2 on 32x32 input, returning the logits from `b.input`: stem conv to ioPlanes[0], the cfg rows as
 * nn.Sequential `layers`, conv1x1 to ioPlanes[1], F.avg_pool2d(4). The original is ioPlanes [32, 1280] with its 7-row cfg.
 */
export function mobileNetV2(b: GraphBuilder, cfg: readonly MobileNetV2Row[], ioPlanes: readonly [number, number]): Value {
  let cur: BlockOut = { out: b.relu(convBn(b, 'conv1', 'bn1', b.input, ioPlanes[0], 3, { padding: 1 })), outPlanes: ioPlanes[0] };
  let index = 0;
  for (const [expansion, outPlanes, numBlocks, stride] of cfg) {
    for (let i = 0; i < numBlocks; i++) {
      cur = mobileNetV2Block(b, child('layers', index++), cur.out, cur.outPlanes, outPlanes, expansion, i === 0 ? stride : 1);
    }
  }
  const out = b.relu(convBn(b, 'conv2', 'bn2', cur.out, ioPlanes[1], 1));
  return poolLinearHead(b, out, 4);
}
