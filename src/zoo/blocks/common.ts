import type { GraphBuilder, Value } from '../../graph/graph.js';

/** A block's output and its channel count, so the caller can chain the next block. */
export interface BlockOut {
  readonly out: Value;
  readonly outPlanes: number;
}

/**
 * Module paths made so far, by prefix and child name. The builder keys its modules by path, and hashing a freshly
 * concatenated string (flattening it first) is the largest cost of building a network; the same path object, made and
 * hashed once per process, costs two lookups of strings whose hashes are cached. Bounded: past PATHS_KEPT paths,
 * new ones are made afresh each time.
 */
const PATHS = new Map<string, Map<string | number, string>>();
const PATHS_KEPT = 100_000;
let pathsKept = 0;

/** The state_dict path of child `name` inside module `prefix` (`layer1.0` + `conv1` -> `layer1.0.conv1`). */
export function child(prefix: string, name: string | number): string {
  if (prefix === '') return String(name);
  let children = PATHS.get(prefix);
  const known = children?.get(name);
  if (known !== undefined) return known;
  const path = `${prefix}.${name}`;
  if (pathsKept < PATHS_KEPT) {
    if (children === undefined) PATHS.set(prefix, (children = new Map()));
    children.set(name, path);
    pathsKept += 1;
  }
  return path;
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
