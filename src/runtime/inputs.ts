import { RandomState } from '../rng/random-state.js';

/** Inputs kept per sequence; run i uses input i modulo this, so inputs repeat only after this many runs. */
export const CACHED_INPUTS = 1024;

/**
 * The standard-normal inputs of a seeded stream, each generated once and then reused by every network: all
 * networks see the same input sequence, and generating thousands of normals per run costs nothing after the first.
 */
export class InputSequence {
  private readonly random: RandomState;
  private readonly inputs: Float32Array[] = [];

  constructor(readonly size: number, seed: number) {
    this.random = new RandomState(seed);
  }

  /** Input number `run` (0-based); the sequence cycles after CACHED_INPUTS inputs. */
  get(run: number): Float32Array {
    const i = run % CACHED_INPUTS;
    while (this.inputs.length <= i) {
      const input = new Float32Array(this.size);
      this.random.fillStandardNormal(input);
      this.inputs.push(input);
    }
    return this.inputs[i]!;
  }
}

const SHARED = new Map<string, InputSequence>();

/** The process-wide input sequence of `size` elements from `seed`, so that every network reuses its inputs. */
export function sharedInputSequence(size: number, seed: number): InputSequence {
  const key = `${size}/${seed}`;
  let sequence = SHARED.get(key);
  if (!sequence) SHARED.set(key, (sequence = new InputSequence(size, seed)));
  return sequence;
}
