import type { GraphBuilder, Value } from '../../graph/graph.js';

/** A block's output and its channel count, so the caller can chain the next block. */
export interface BlockOut {
  readonly out: Value;
  readonly outPlanes: number;
}

/** The state_dict path of child `name` inside module `prefix` (`layer1.0` + `conv1` -> `layer1.0.conv1`). */
export function child(prefix: string, name: string | number): string {
  return prefix === '' ? String(name) : `${prefix}.${name}`;
}

/** `bn(conv(x))` with bias-free convolution, the pairing every kuangliu block uses; `conv` and `bn` are module paths. */
export function convBn(
  b: GraphBuilder,
  conv: string,
  bn: string,
  x: Value,
  outPlanes: number,
  kernel: number,
  o: { stride?: number; padding?: number; groups?: number } = {},
): Value {
  return b.bn(bn, b.conv(conv, x, outPlanes, kernel, { stride: o.stride, padding: o.padding, groups: o.groups, bias: false }));
}

/** The kuangliu classifier head: F.avg_pool2d(x, pool), flatten, nn.Linear `linear` to the builder's classes. */
export function poolLinearHead(b: GraphBuilder, x: Value, pool: number): Value {
  return b.linear('linear', b.flatten(b.avgPool(x, pool)), b.numClasses);
}
