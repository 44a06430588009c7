import { TypedArrayPool } from '../typed-arrays.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * Words of the state regenerated at a time. The state is twisted in order, a chunk as draws reach it, rather than all
 * 624 words at once: a network's sampler draws a few dozen words from a fresh generator (one per network), and each
 * word's twist reads only words the block twist would have read at that point, so the stream is the same.
 */
const CHUNK = 32;

/** Generator states: a sampler seeds one generator per network. */
const STATES = new TypedArrayPool(Uint32Array);

/** The 32-bit Mersenne Twister as NumPy's legacy MT19937: integer seeds go through `init_genrand`. */
export class MT19937 {
  private readonly key = STATES.take(N);
  /** The next word to draw. */
  private pos = N;
  /** Words of the current block twisted so far: words pos..twisted-1 are ready to draw. */
  private twisted = N;

  /** Seeds like `np.random.RandomState(seed)`; `seed` must be an integer in 0..2^32-1 (checked by the caller). */
  constructor(seed: number) {
    const key = this.key;
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
  }

  /** Next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.pos === this.twisted) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits from two draws, as NumPy's `mt19937_next_double`. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Twists the next CHUNK words of the block, starting the next block when this one is drawn out. */
  private twist(): void {
    const key = this.key;
    if (this.pos === N) {
      this.pos = 0;
      this.twisted = 0;
    }
    const end = Math.min(this.twisted + CHUNK, N);
    for (let i = this.twisted; i < end; i++) {
      // The last word pairs with word 0, already twisted, and words past N - M with twisted ones, as in the block twist.
      const y = (key[i]! & UPPER_MASK) | (key[i + 1 === N ? 0 : i + 1]! & LOWER_MASK);
      key[i] = key[i < N - M ? i + M : i + M - N]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    this.twisted = end;
  }
}
