import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { IotnetsError } from '../src/errors.js';
import { MT19937 } from '../src/rng/mt19937.js';
import { RandomState } from '../src/rng/random-state.js';

type Call = [op: string, args: unknown[], out: unknown];
interface Golden {
  mt19937: Record<string, number[]>;
  sequences: { seed: number; calls: Call[] }[];
}

/** Tolerances for normal deviates: NumPy takes log() from the platform libm, V8's Math.log can differ from glibc's by an ulp. */
const NORMAL_TOLERANCE: Record<string, number> = { standard_normal: 1e-15, standard_normal_f32: 2 ** -23 };

const golden = JSON.parse(readFileSync(new URL('./fixtures/rng-golden.json', import.meta.url), 'utf8')) as Golden;

/** Replays one golden call on `rs` and returns what our implementation produced. */
function replay(rs: RandomState, op: string, args: unknown[]): unknown {
  switch (op) {
    case 'randint': {
      const [low, high, size] = args as [number, number | null, number | null];
      if (size === null) return rs.randintScalar(low, high!);
      return rs.randint(low, high ?? undefined, size);
    }
    case 'choice':
      return rs.choice(args[0] as unknown[], args[1] as number);
    case 'shuffle': {
      const a = [...(args[0] as unknown[])];
      rs.shuffle(a);
      return a;
    }
    case 'random_sample':
    case 'standard_normal': {
      const draw = op === 'random_sample' ? () => rs.randomSample() : () => rs.standardNormal();
      const size = args[0] as number | null;
      return size === null ? draw() : Array.from({ length: size }, draw);
    }
    case 'standard_normal_f32': {
      const out = new Float32Array(args[0] as number);
      rs.fillStandardNormal(out);
      return [...out];
    }
    default:
      throw new Error(`unknown golden op ${op}`);
  }
}

describe('MT19937', () => {
  for (const [seed, expected] of Object.entries(golden.mt19937)) {
    it(`matches NumPy's raw 32-bit stream for seed ${seed}`, () => {
      const mt = new MT19937(Number(seed));
      assert.deepEqual(Array.from(expected, () => mt.nextUint32()), expected);
    });
  }
});

describe('RandomState matches np.random.RandomState', () => {
  for (const { seed, calls } of golden.sequences) {
    it(`seed ${seed}: ${calls.length} interleaved calls`, () => {
      const rs = new RandomState(seed);
      calls.forEach(([op, args, expected], i) => {
        const actual = replay(rs, op, args);
        const message = `call ${i}: ${op}(${JSON.stringify(args)})`;
        const tolerance = NORMAL_TOLERANCE[op];
        if (tolerance === undefined) return assert.deepEqual(actual, expected, message);
        const [a, e] = [[actual].flat() as number[], [expected].flat() as number[]];
        assert.equal(a.length, e.length, message);
        a.forEach((v, k) => assert.ok(Math.abs(v - e[k]) <= tolerance * Math.max(1, Math.abs(e[k])), `${message}[${k}]: ${v} vs ${e[k]}`));
      });
    });
  }
});

describe('RandomState errors', () => {
  it('rejects seeds outside 0..2^32-1 and non-integers', () => {
    for (const seed of [-1, 2 ** 32, 1.5, NaN]) assert.throws(() => new RandomState(seed), IotnetsError);
    assert.doesNotThrow(() => new RandomState(2 ** 32 - 1));
  });

  it('rejects low >= high', () => {
    const rs = new RandomState(0);
    assert.throws(() => rs.randint(5, 5, 3), IotnetsError);
    assert.throws(() => rs.randint(6, 5, 3), IotnetsError);
    assert.throws(() => rs.randint(0), IotnetsError);
    assert.throws(() => rs.randintScalar(3, 3), IotnetsError);
  });

  it('rejects unsafe ranges, bad sizes and empty choices', () => {
    const rs = new RandomState(0);
    assert.throws(() => rs.randint(0, 2 ** 53 + 2, 1), IotnetsError);
    assert.throws(() => rs.randint(-(2 ** 52), 2 ** 52 + 2, 1), IotnetsError);
    assert.throws(() => rs.randint(0.5, 3, 1), IotnetsError);
    assert.throws(() => rs.randint(0, 3, -1), IotnetsError);
    assert.throws(() => rs.choice([], 1), IotnetsError);
  });
});
