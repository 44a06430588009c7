import { check } from '../errors.js';
import { MT19937 } from './mt19937.js';

const TWO_32 = 0x100000000;
const TWO_53 = 2n ** 53n;

/** Whether x is an integer that randint accepts as a bound: |x| <= 2^53, so every result is a safe integer. */
function isBound(x: number): boolean {
  return Number.isInteger(x) && Math.abs(x) <= 2 ** 53;
}

/** Smallest all-ones bit mask >= x, for 0 <= x < 2^32. */
function mask32(x: number): number {
  x |= x >>> 1;
  x |= x >>> 2;
  x |= x >>> 4;
  x |= x >>> 8;
  x |= x >>> 16;
  return x >>> 0;
}

/** NumPy's legacy `np.random.RandomState(seed)`: the same stream, draw for draw, for the methods below. */
export class RandomState {
  private readonly mt: MT19937;
  private hasGauss = false;
  private gauss = 0;

  /** Seeds like `np.random.RandomState(seed)`; `seed` must be an integer in 0..2^32-1. */
  constructor(seed: number) {
    check(
      Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff,
      () => `random seed must be an integer in 0..4294967295, got ${seed}`,
    );
    this.mt = new MT19937(seed);
  }

  /** `randint(low, high, size)` with NumPy's default int64 dtype: `size` integers in [low, high), or [0, low) if `high` is omitted. */
  randint(low: number, high?: number, size = 1): number[] {
    if (high === undefined) [low, high] = [0, low];
    // Messages are formatted only on failure: a search samples thousands of networks a second, several draws each.
    check(isBound(low) && isBound(high), () => `randint bounds must be integers in -2^53..2^53, got low=${low}, high=${high}`);
    check(low < high, () => `randint needs low < high, got low=${low}, high=${high}`);
    // high - low is exact below 2^52; only a wider range needs the exact (BigInt) test.
    check(high - low <= 2 ** 52 || BigInt(high) - BigInt(low) <= TWO_53, () => `randint range high - low must be at most 2^53, got low=${low}, high=${high}`);
    check(Number.isSafeInteger(size) && size >= 0, () => `randint size must be a non-negative integer, got ${size}`);
    const rng = high - low - 1;
    const out = new Array<number>(size);
    for (let i = 0; i < size; i++) out[i] = low + this.bounded(rng);
    return out;
  }

  /** `randint(low, high)` with size=None: one integer in [low, high), consuming the same draws as size=1. */
  randintScalar(low: number, high: number): number {
    return this.randint(low, high, 1)[0];
  }

  /** `choice(a, size)` with replacement and uniform weights: `a[randint(0, len(a), size)]`. */
  choice<T>(a: readonly T[], size: number): T[] {
    check(a.length > 0, 'choice needs a non-empty array to choose from');
    return this.randint(0, a.length, size).map((i) => a[i]);
  }

  /** In-place `shuffle(a)`: Fisher–Yates from the end, swapping a[i] with a[random_interval(i)]. */
  shuffle<T>(a: T[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.bounded(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** `random_sample()` / `rand()`: a double in [0, 1) built from two 32-bit draws. */
  randomSample(): number {
    return this.mt.nextDouble();
  }

  /** `standard_normal()` / `randn()`: the legacy polar (Marsaglia) method, caching the pair's second value. */
  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.mt.nextDouble() - 1;
      x2 = 2 * this.mt.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** Fills `out` with successive `standardNormal()` values rounded to float32 (like `randn(n).astype(np.float32)`). */
  fillStandardNormal(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.standardNormal();
  }

  /** A uniform integer in [0, rng] by masked rejection (NumPy's `random_interval` / masked bounded draws). */
  private bounded(rng: number): number {
    if (rng === 0) return 0;
    if (rng < TWO_32) {
      const mask = mask32(rng);
      let v: number;
      do v = (this.mt.nextUint32() & mask) >>> 0;
      while (v > rng);
      return v;
    }
    // 64-bit draw: high word first, then low word; the mask's low word is all ones.
    const hiMask = mask32(Math.floor(rng / TWO_32));
    let v: number;
    do v = ((this.mt.nextUint32() & hiMask) >>> 0) * TWO_32 + this.mt.nextUint32();
    while (v > rng);
    return v;
  }
}
