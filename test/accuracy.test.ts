import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG, catalogAccuracies, parseAccuracyCsv, parseAccuracyJson } from '../src/catalog/index.js';
import { loadAccuracyFile } from '../src/catalog/load-file.js';
import { IotnetsError } from '../src/errors.js';
import { paperData, readSharedJson, sharedMissing } from './support/shared.js';

const refusedInOneLine = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof IotnetsError && message.test(e.message) && !e.message.includes('\n'));

test('the paper NetConfigs.json attaches accuracy and run id to every catalog index', { skip: sharedMissing }, () => {
  const raw = readSharedJson<{ runid: string; acc: number; spacename: string; law: string; id: number }[]>(paperData('NetConfigs.json'));
  const trained = catalogAccuracies(parseAccuracyJson(raw, 'NetConfigs.json'));
  assert.equal(trained.size, CATALOG.length);
  assert.ok(CATALOG.every((e) => trained.has(e.index)));
  for (const i of [0, 687, 1552, 1616]) {
    assert.equal(trained.get(i)!.runid, raw[i]!.runid);
    assert.equal(trained.get(i)!.accuracy, raw[i]!.acc);
  }
  const reversed = catalogAccuracies(parseAccuracyJson([...raw].reverse(), 'reversed.json'));
  assert.equal(reversed.get(687)!.runid, raw[687]!.runid);
});

test('accuracies for calibrate and run-model: entries outside the catalog, duplicates and bad acc are refused in one line', () => {
  const entry = { spacename: 'random_net_densenet', law: 's1', id: 0, acc: 0.9, runid: 'r' };
  const strict = (json: unknown) => catalogAccuracies(parseAccuracyJson(json, 'x.json'));
  refusedInOneLine(() => strict({}), /^x\.json: names no catalog network; pass the paper's NetConfigs\.json/);
  refusedInOneLine(() => strict({ r1: 0.5 }), /names no catalog network/);
  refusedInOneLine(
    () => strict([{ ...entry, id: 9 }]),
    /^x\.json: 1 entry not in the paper catalog; first: entry 0 \(random_net_densenet\/s1\/9\) is not a network the paper trained; fix the file/,
  );
  refusedInOneLine(() => strict([entry, entry]), /1 entry duplicated; first: entry 1 names network 0 a second time/);
  refusedInOneLine(() => strict([{ ...entry, acc: 'high' }]), /1 entry with an accuracy outside 0\.\.1; first: entry 0 has accuracy "high"/);
  assert.equal(strict([entry]).size, 1);
});

test('bad accuracy files are reported entry by entry or refused in one line', () => {
  const table = parseAccuracyCsv('index,acc\n687,91.5\n99999,0.5\n687,0.4\n', 'a.csv');
  assert.deepEqual(table.problems.map((p) => p.kind), ['bad-accuracy', 'not-in-catalog']);
  const duplicate = parseAccuracyCsv('index,acc\n687,0.5\n687,0.4\n', 'b.csv');
  assert.deepEqual(duplicate.problems.map((p) => p.kind), ['duplicate']);
  refusedInOneLine(() => parseAccuracyCsv('name,score\nx,1\n', 'c.csv'), /^c\.csv: the CSV header must name an accuracy column/);
  refusedInOneLine(() => parseAccuracyJson(42, 'd.json'), /^d\.json: expected a NetConfigs\.json-format array or an object/);
});

test('accuracy files are read as CSV by extension, else as JSON with Python NaN, and unreadable ones named in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-accuracy-'));
  try {
    writeFileSync(join(dir, 'a.csv'), 'index,acc\n687,0.5\n');
    writeFileSync(join(dir, 'a.json'), '[{"index": 687, "acc": 0.5, "params": NaN}]');
    for (const name of ['a.csv', 'a.json']) assert.equal(loadAccuracyFile(join(dir, name)).byIndex.get(687)!.accuracy, 0.5, name);
    refusedInOneLine(() => loadAccuracyFile(join(dir, 'missing.json')), /missing\.json: no such file; check the path$/);
    writeFileSync(join(dir, 'broken.json'), '{');
    refusedInOneLine(() => loadAccuracyFile(join(dir, 'broken.json')), /broken\.json: not valid JSON \(.*\); pass the paper's NetConfigs\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
