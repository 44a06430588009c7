import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOG, missingIndices, parseNetConfigs } from '../src/catalog/index.js';
import { IotnetsError } from '../src/errors.js';
import { paperData, readSharedJson, sharedMissing } from './support/shared.js';

test('the paper NetConfigs.json attaches accuracy and run id to every catalog index', { skip: sharedMissing }, () => {
  const raw = readSharedJson<{ runid: string; acc: number; spacename: string; law: string; id: number }[]>(paperData('NetConfigs.json'));
  const trained = parseNetConfigs(raw, 'NetConfigs.json');
  assert.equal(trained.size, CATALOG.length);
  assert.deepEqual(missingIndices(trained), []);
  for (const i of [0, 687, 1552, 1616]) {
    assert.equal(trained.get(i)!.runid, raw[i]!.runid);
    assert.equal(trained.get(i)!.acc, raw[i]!.acc);
  }
  const reversed = parseNetConfigs([...raw].reverse(), 'reversed.json');
  assert.equal(reversed.get(687)!.runid, raw[687]!.runid);
});

test('NetConfigs entries outside the catalog, duplicates and missing fields are refused in one line', () => {
  const entry = { spacename: 'random_net_densenet', law: 's1', id: 0, acc: 0.9, runid: 'r' };
  assert.throws(() => parseNetConfigs({}, 'x.json'), (e: Error) => e instanceof IotnetsError && /expected a JSON array/.test(e.message));
  assert.throws(() => parseNetConfigs([{ ...entry, id: 9 }], 'x.json'), /1 entries are not in the paper's catalog \(first: random_net_densenet\/s1\/9\)/);
  assert.throws(() => parseNetConfigs([entry, entry], 'x.json'), /appears twice/);
  assert.throws(() => parseNetConfigs([{ ...entry, acc: 'high' }], 'x.json'), /acc must be a number/);
  assert.equal(missingIndices(parseNetConfigs([entry], 'x.json')).length, CATALOG.length - 1);
});
