import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead, type BlockOut } from './common.js';

/** kuangliu pnasnet.SepConv: `conv1` grouped by in_planes (kernel k, padding (k-1)/2) and `bn1`. */
function sepConv(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, outPlanes: number, kernel: number, stride: number): Value {
  return convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, outPlanes, kernel, { stride, padding: (kernel - 1) >> 1, groups: inPlanes });
}

/** The max-pool path of a cell: F.max_pool2d(3, stride, pad 1), then `conv1`/`bn1` to out_planes when stride is 2. */
function poolPath(b: GraphBuilder, prefix: string, x: Value, outPlanes: number, stride: number): Value {
  const pooled = b.maxPool(x, 3, { stride, padding: 1 });
  return stride === 2 ? convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), pooled, outPlanes, 1) : pooled;
}

/** kuangliu pnasnet.CellA: relu(sep_conv7x7(x) + max-pool path(x)). */
export function cellA(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, outPlanes: number, stride: number): BlockOut {
  const y1 = sepConv(b, child(prefix, 'sep_conv1'), x, inPlanes, outPlanes, 7, stride);
  const y2 = poolPath(b, prefix, x, outPlanes, stride);
  return { out: b.relu(b.add(y1, y2)), outPlanes };
}

/** kuangliu pnasnet.CellB: relu(sep7 + sep3) and relu(pool path + sep5), concatenated and reduced by `conv2`/`bn2`. */
export function cellB(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, outPlanes: number, stride: number): BlockOut {
  const y1 = sepConv(b, child(prefix, 'sep_conv1'), x, inPlanes, outPlanes, 7, stride);
  const y2 = sepConv(b, child(prefix, 'sep_conv2'), x, inPlanes, outPlanes, 3, stride);
  // The original runs the pool path before sep_conv3; sep_conv3 goes first here so modules register in state_dict order.
  const y4 = sepConv(b, child(prefix, 'sep_conv3'), x, inPlanes, outPlanes, 5, stride);
  const y3 = poolPath(b, prefix, x, outPlanes, stride);
  const y = b.concat([b.relu(b.add(y1, y2)), b.relu(b.add(y3, y4))]);
  return { out: b.relu(convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), y, outPlanes, 1)), outPlanes };
}

/** A PNASNet cell type. */
export type PnasCell = typeof cellA;

/** The shape of a kuangliu PNASNet: the cell per stage, cells in the three normal stages, and their widths. */
export interface PnasNetSpec {
  /** Cell of layer1, layer3, layer5 (normal) and of layer2, layer4 (downsampling) */
  readonly cell: PnasCell;
  readonly numCells: readonly [number, number, number];
  readonly numPlanes: readonly [number, number, number];
}

/**
 * kuangliu PNASNet on 32x32 input, returning the logits from `b.input` (PNASNetA = cellA, 6 cells per stage,
 * widths [44, 88, 176]): normal stages layer1/3/5 as nn.Sequential, downsampling cells layer2/4, F.avg_pool2d(8).
 */
export function pnasNet(b: GraphBuilder, spec: PnasNetSpec): Value {
  const { cell, numCells, numPlanes } = spec;
  let cur: BlockOut = { out: b.relu(convBn(b, 'conv1', 'bn1', b.input, numPlanes[0], 3, { padding: 1 })), outPlanes: numPlanes[0] };
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) cur = cell(b, `layer${2 * stage}`, cur.out, cur.outPlanes, numPlanes[stage]!, 2);
    const layer = `layer${2 * stage + 1}`;
    for (let i = 0; i < numCells[stage]!; i++) cur = cell(b, child(layer, i), cur.out, cur.outPlanes, numPlanes[stage]!, 1);
  }
  return poolLinearHead(b, cur.out, 8);
}
