import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, FUZZ_READERS, mutation } from '../bench/fuzz-readers.js';

// A short run of `npm run fuzz` (which tries 10,000 mutations per reader in watched workers): every mutated input is
// either read or refused with a one-line IotnetsError, within the time and memory bounds.
const MUTATIONS = 150;

test(`fuzz smoke: ${MUTATIONS} seeded mutations per reader are each accepted or refused in one line`, () => {
  for (const reader of FUZZ_READERS) {
    const seeds = reader.seeds();
    for (const seed of seeds) assert.equal(classify(reader, seed).outcome, 'accepted', `${reader.name}: its seed files are valid`);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < MUTATIONS; i++) {
      const { outcome, detail } = classify(reader, mutation(seeds, 1, i));
      assert.ok(outcome === 'accepted' || outcome === 'clean error', `${reader.name} case ${i}: ${outcome}: ${detail}`);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    assert.ok((outcomes.get('clean error') ?? 0) > 0, `${reader.name}: the mutations reach its checks`);
  }
});
