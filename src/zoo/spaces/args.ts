import { check } from '../../errors.js';
import type { Args, Ranges } from '../registry.js';
import type { RandomState } from '../../rng/random-state.js';

/** Checks that `args` has exactly `keys`, so a typo in hand-written args is named rather than ignored. */
export function checkKeys(space: string, args: Args, keys: readonly string[]): void {
  check(typeof args === 'object' && args !== null && !Array.isArray(args), () => `${space} args must be a JSON object with keys ${keys.join(', ')}`);
  const missing = keys.filter((k) => !(k in args));
  check(missing.length === 0, () => `${space} args miss ${missing.join(', ')}; give all of ${keys.join(', ')}`);
  const extra = Object.keys(args).filter((k) => !keys.includes(k));
  check(extra.length === 0, () => `${space} args have unknown keys ${extra.join(', ')}; valid keys: ${keys.join(', ')}`);
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** A fixed-length tuple type, so a 4-stage list stays typed as 4 entries. */
export type Tuple<N extends number, R extends number[] = []> = R['length'] extends N ? R : Tuple<N, [number, ...R]>;

/** `args[key]` as a list of `length` integers >= `min`. */
export function intList<N extends number>(space: string, args: Args, key: string, length: N, min = 1): Tuple<N> {
  const v = args[key];
  check(
    Array.isArray(v) && v.length === length && v.every((x) => isInt(x, min)),
    () => `${space} args: ${key} must be a list of ${length} integers >= ${min}, got ${JSON.stringify(v)}`,
  );
  return v as Tuple<N>;
}

/** `args[key]` as `rows` lists of `cols` integers >= `min`. */
export function intMatrix<C extends number>(space: string, args: Args, key: string, rows: number, cols: C, min = 1): Tuple<C>[] {
  const v = args[key];
  check(
    Array.isArray(v) && v.length === rows && v.every((row) => Array.isArray(row) && row.length === cols && row.every((x) => isInt(x, min))),
    () => `${space} args: ${key} must be ${rows} lists of ${cols} integers >= ${min}, got ${JSON.stringify(v)}`,
  );
  return v as Tuple<C>[];
}

/** `args[key]` as one integer >= `min`. */
export function intValue(space: string, args: Args, key: string, min = 1): number {
  const v = args[key];
  check(isInt(v, min), () => `${space} args: ${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** `args[key]` as one positive finite number. */
export function positiveNumber(space: string, args: Args, key: string): number {
  const v = args[key];
  check(typeof v === 'number' && Number.isFinite(v) && v > 0, () => `${space} args: ${key} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/** `rstate.randint(*ranges[key], size)`: `size` integers in the range's [low, high). */
export function drawRange(rng: RandomState, ranges: Ranges, key: string, size: number): number[] {
  const [low, high] = ranges[key]!;
  return rng.randint(low!, high!, size);
}

/** `int(rstate.randint(*ranges[key], 1)[0])`: one integer in the range's [low, high). */
export function drawOne(rng: RandomState, ranges: Ranges, key: string): number {
  return drawRange(rng, ranges, key, 1)[0]!;
}

/** `args[key]` as a list of `length` codes, each an index into `names` (e.g. 0 = BasicBlock, 1 = Bottleneck). */
export function codeList<N extends number>(space: string, args: Args, key: string, length: N, names: readonly string[]): Tuple<N> {
  const v = args[key];
  check(
    Array.isArray(v) && v.length === length && v.every((x) => isInt(x, 0) && x < names.length),
    () => `${space} args: ${key} must be a list of ${length} codes, each ${names.map((n, i) => `${i} (${n})`).join(' or ')}, got ${JSON.stringify(v)}`,
  );
  return v as Tuple<N>;
}
