import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IotnetsError } from '../src/errors.js';
import { Sfc32 } from '../src/rng/sfc32.js';

const draws = (g: Sfc32, n: number) => Array.from({ length: n }, () => g.nextUint32());

describe('Sfc32', () => {
  it('is sfc32 seeded as a=0, b=seed, c=0, counter=1 with 12 draws discarded (values from an independent Python sfc32)', () => {
    assert.deepEqual(draws(new Sfc32(0), 4), [1363572419, 145230303, 808754475, 4216505632]);
    assert.deepEqual(draws(new Sfc32(1), 4), [2012149540, 1872316204, 1707632675, 1779833415]);
    assert.deepEqual(draws(new Sfc32(4294967295), 4), [1984736529, 3747275468, 1287205723, 2021412065]);
  });

  it('fillUniform maps each draw to two grid points of [low, high), high half first, and continues the same stream', () => {
    const reference = new Sfc32(7);
    const grid = (k: number) => Math.fround(-1 + 2 * 2 ** -16 * k);
    const halves = draws(reference, 3).flatMap((u) => [grid(u >>> 16), grid(u & 0xffff)]);
    const g = new Sfc32(7);
    // An odd length takes the high half of one more draw; the next fill starts on a fresh draw.
    const filled = [...g.fillUniform(new Float32Array(3), -1, 1), ...g.fillUniform(new Float32Array(2), -1, 1)];
    assert.deepEqual(filled, [...halves.slice(0, 3), ...halves.slice(4, 6)]);
    // The first three from the independent Python sfc32.
    assert.deepEqual(filled.slice(0, 3), [-0.144134521484375, -0.445587158203125, -0.022247314453125]);
    assert.equal(g.nextUint32(), reference.nextUint32());
  });

  it('fillUniform draws U(low, high): range, mean and variance of a million draws', () => {
    const [low, high] = [0.5, 1.5];
    const x = new Sfc32(3).fillUniform(new Float32Array(1_000_000), low, high);
    let sum = 0;
    let sumSquares = 0;
    for (const v of x) {
      assert.ok(v >= low && v < high, `${v} outside [${low}, ${high})`);
      sum += v;
      sumSquares += v * v;
    }
    const mean = sum / x.length;
    // Standard errors: 0.29e-3 for the mean and 0.075e-3 for the variance of U(0.5, 1.5).
    assert.ok(Math.abs(mean - 1) < 1.5e-3, `mean ${mean}`);
    assert.ok(Math.abs(sumSquares / x.length - mean * mean - 1 / 12) < 0.5e-3, 'variance');
  });

  it('refuses a seed outside 0..2^32-1 in one line', () => {
    for (const seed of [-1, 2 ** 32, 0.5]) {
      assert.throws(() => new Sfc32(seed), (e: unknown) => e instanceof IotnetsError && /^random seed must be an integer in 0\.\.4294967295, got /.test(e.message));
    }
  });
});
