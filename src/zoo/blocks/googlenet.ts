import { check } from '../../errors.js';
import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, type BlockOut } from './common.js';

/** One Inception row: in_planes, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes (kuangliu's argument order). */
export type InceptionCfg = readonly [number, number, number, number, number, number, number];

/**
 * Runs the layers of one nn.Sequential branch `prefix` on `x`: each entry is a biased conv
 * [out, kernel] (padding kernel>>1) followed by its BatchNorm and nn.ReLU(True) modules at the next two indices.
 */
function convBnReluSeq(b: GraphBuilder, prefix: string, x: Value, convs: readonly (readonly [number, number])[], first = 0): Value {
  let out = x;
  for (let i = 0; i < convs.length; i++) {
    const [planes, kernel] = convs[i]!;
    const at = first + 3 * i;
    out = b.conv(child(prefix, at), out, planes, kernel, { padding: kernel >> 1 });
    out = b.relu(b.bn(child(prefix, at + 1), out), child(prefix, at + 2));
  }
  return out;
}

/** kuangliu googlenet.Inception: four branches b1..b4 (the 5x5 branch as two 3x3 convs), concatenated; ReLUs and the branch max-pool are modules. */
function inception(b: GraphBuilder, prefix: string, x: Value, cfg: InceptionCfg): BlockOut {
  const [inPlanes, n1x1, n3x3red, n3x3, n5x5red, n5x5, poolPlanes] = cfg;
  check(x.shape[0] === inPlanes, () => `${prefix}: Inception expects ${inPlanes} input channels but gets ${x.shape[0]}; make each row's in_planes the previous row's n1x1+n3x3+n5x5+pool_planes`);
  const y1 = convBnReluSeq(b, child(prefix, 'b1'), x, [[n1x1, 1]]);
  const y2 = convBnReluSeq(b, child(prefix, 'b2'), x, [[n3x3red, 1], [n3x3, 3]]);
  const y3 = convBnReluSeq(b, child(prefix, 'b3'), x, [[n5x5red, 1], [n5x5, 3], [n5x5, 3]]);
  const pooled = b.maxPool(x, 3, { stride: 1, padding: 1 }, child(child(prefix, 'b4'), 0));
  const y4 = convBnReluSeq(b, child(prefix, 'b4'), pooled, [[poolPlanes, 1]], 1);
  return { out: b.concat([y1, y2, y3, y4]), outPlanes: n1x1 + n3x3 + n5x5 + poolPlanes };
}

/** Inception modules of GoogLeNet in order, with the shared nn.MaxPool2d `maxpool` running after b3 and after e4. */
const STAGES = ['a3', 'b3', 'a4', 'b4', 'c4', 'd4', 'e4', 'a5', 'b5'] as const;
const POOL_AFTER = new Set(['b3', 'e4']);

/**
 * kuangliu GoogLeNet on 32x32 input with nine Inception rows (the original's rows start 192,64,96,128,16,32,32),
 * returning the logits from `b.input`. The stem width is cfg[0][0]; each row's in_planes is taken as given.
 */
export function googLeNet(b: GraphBuilder, cfg: readonly InceptionCfg[]): Value {
  let out = b.conv('pre_layers.0', b.input, cfg[0]![0], 3, { padding: 1 });
  out = b.relu(b.bn('pre_layers.1', out), 'pre_layers.2');
  STAGES.forEach((name, i) => {
    out = inception(b, name, out, cfg[i]!).out;
    if (POOL_AFTER.has(name)) out = b.maxPool(out, 3, { stride: 2, padding: 1 }, 'maxpool');
  });
  out = b.avgPool(out, 8, { stride: 1 }, 'avgpool');
  return b.linear('linear', b.flatten(out), b.numClasses);
}
