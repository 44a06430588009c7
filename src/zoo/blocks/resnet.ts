import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead, type BlockOut } from './common.js';

/** A kuangliu residual block type: how it builds one block (each block function owns its channel expansion). */
export interface ResidualBlock {
  readonly name: 'BasicBlock' | 'Bottleneck';
  readonly apply: (b: GraphBuilder, prefix: string, x: Value, inPlanes: number, planes: number, stride: number) => BlockOut;
}

/** The residual add of both blocks: identity, or `shortcut.0` conv1x1 + `shortcut.1` BN when the shape changes. */
function shortcut(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, outPlanes: number, stride: number): Value {
  if (stride === 1 && inPlanes === outPlanes) return x;
  const s = child(prefix, 'shortcut');
  return convBn(b, child(s, 0), child(s, 1), x, outPlanes, 1, { stride });
}

/** kuangliu resnet.BasicBlock (expansion 1): two 3x3 convs, the first with `stride`, plus the shortcut. */
function basicBlock(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, planes: number, stride: number): BlockOut {
  let out = b.relu(convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, planes, 3, { stride, padding: 1 }));
  out = convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), out, planes, 3, { padding: 1 });
  return { out: b.relu(b.add(out, shortcut(b, prefix, x, inPlanes, planes, stride))), outPlanes: planes };
}

/** kuangliu resnet.Bottleneck (expansion 4): 1x1, 3x3 with `stride`, 1x1 to 4*planes, plus the shortcut. */
export function bottleneck(b: GraphBuilder, prefix: string, x: Value, inPlanes: number, planes: number, stride: number): BlockOut {
  const outPlanes = 4 * planes;
  let out = b.relu(convBn(b, child(prefix, 'conv1'), child(prefix, 'bn1'), x, planes, 1));
  out = b.relu(convBn(b, child(prefix, 'conv2'), child(prefix, 'bn2'), out, planes, 3, { stride, padding: 1 }));
  out = convBn(b, child(prefix, 'conv3'), child(prefix, 'bn3'), out, outPlanes, 1);
  return { out: b.relu(b.add(out, shortcut(b, prefix, x, inPlanes, outPlanes, stride))), outPlanes };
}

export const BASIC_BLOCK: ResidualBlock = { name: 'BasicBlock', apply: basicBlock };
export const BOTTLENECK: ResidualBlock = { name: 'Bottleneck', apply: bottleneck };

/** ResNet `_make_layer`: `numBlocks` blocks in nn.Sequential `prefix`, the first with `stride`. */
function resnetLayer(
  b: GraphBuilder,
  prefix: string,
  block: ResidualBlock,
  x: Value,
  inPlanes: number,
  planes: number,
  numBlocks: number,
  stride: number,
): BlockOut {
  let cur: BlockOut = { out: x, outPlanes: inPlanes };
  for (let i = 0; i < numBlocks; i++) cur = block.apply(b, child(prefix, i), cur.out, cur.outPlanes, planes, i === 0 ? stride : 1);
  return cur;
}

/** The shape of a kuangliu ResNet: block type per stage, widths [stem, stage1..4] and blocks per stage. */
export interface ResNetSpec {
  readonly blocks: readonly [ResidualBlock, ResidualBlock, ResidualBlock, ResidualBlock];
  readonly widths: readonly [number, number, number, number, number];
  readonly numBlocks: readonly [number, number, number, number];
}

/**
 * kuangliu ResNet on 32x32 input (ResNet18 = BasicBlock, widths [64,64,128,256,512], blocks [2,2,2,2]);
 * returns the logits from `b.input`.
 */
export function resNet(b: GraphBuilder, spec: ResNetSpec): Value {
  let out = b.relu(convBn(b, 'conv1', 'bn1', b.input, spec.widths[0], 3, { padding: 1 }));
  let planes = spec.widths[0];
  for (let stage = 0; stage < 4; stage++) {
    const layer = resnetLayer(b, `layer${stage + 1}`, spec.blocks[stage]!, out, planes, spec.widths[stage + 1]!, spec.numBlocks[stage]!, stage === 0 ? 1 : 2);
    out = layer.out;
    planes = layer.outPlanes;
  }
  return poolLinearHead(b, out, 4);
}
