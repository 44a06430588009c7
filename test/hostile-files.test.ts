import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { catalogEntry, catalogGraph } from '../src/catalog/catalog.js';
import { encodeSafetensors } from '../src/weights/safetensors.js';
import { initWeights } from '../src/weights/init.js';
import { parseWeights } from '../src/weights/torch-checkpoint.js';
import { hostileCorpus } from '../scripts/gen-hostile-corpus.js';
import { REPO_ROOT } from './support/shared.js';

// Issue 9 cases 1 and 2: crafted weight files, and a valid safetensors file that looked like a pickle.
const CORPUS = join(REPO_ROOT, 'test', 'fixtures', 'hostile');
const run = promisify(execFile);

test('case 1: each crafted weight file is refused in one line, exit 1, within 512 MB of heap, writing nothing', { timeout: 120_000 }, async () => {
  const cases = hostileCorpus();
  assert.deepEqual(readdirSync(CORPUS).sort(), cases.map((c) => c.file).sort(), 'the corpus is what scripts/gen-hostile-corpus.ts writes');
  await Promise.all(cases.map(async (c) => {
    const path = join(CORPUS, c.file);
    assert.ok(readFileSync(path).equals(c.bytes), `${c.file} is stale: re-run scripts/gen-hostile-corpus.ts`);
    const dir = mkdtempSync(join(tmpdir(), 'iotnets-hostile-file-'));
    const args = ['--max-old-space-size=512', join(REPO_ROOT, 'bin/iotnets.js'), 'export', '--index', '677', '--weights', path, '-o', join(dir, 'out.onnx')];
    const outcome = await run(process.execPath, args, { encoding: 'utf8' }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    assert.equal(outcome.code, 1, `${c.file} (${c.attack}): ${outcome.stderr}`);
    const stderr = outcome.stderr.replace(/^npm warn.*\n/gm, '');
    assert.match(stderr, /^iotnets: [^\n]*\n$/, `${c.file}: one line`);
    assert.ok(stderr.startsWith(`iotnets: ${path}: `), `${c.file}: names the file: ${stderr}`);
    assert.match(stderr, c.refusal, c.file);
    assert.deepEqual(readdirSync(dir), [], `${c.file}: nothing written`);
  }));
});

test('case 2: a valid safetensors file whose header length starts with 0x80 (or spells PK) is read as safetensors', () => {
  const graph = catalogGraph(catalogEntry(677));
  const weights = initWeights(graph, 0);
  const plain = encodeSafetensors(weights);
  const headerLength = Number(new DataView(plain.buffer).getBigUint64(0, true));
  for (const lowBytes of [0x80, 0x4b50]) {
    // Re-pad the header with spaces (as the format allows) so its length's low bytes are 0x80 or 'PK'.
    const modulus = lowBytes < 256 ? 256 : 65536;
    const padded = headerLength + ((lowBytes - (headerLength % modulus) + modulus) % modulus);
    const file = new Uint8Array(8 + padded + plain.length - 8 - headerLength).fill(0x20, 8, 8 + padded);
    new DataView(file.buffer).setBigUint64(0, BigInt(padded), true);
    file.set(plain.subarray(8, 8 + headerLength), 8);
    file.set(plain.subarray(8 + headerLength), 8 + padded);
    assert.equal(file[0], lowBytes & 0xff);
    const loaded = parseWeights(file, 'padded.safetensors');
    assert.equal(loaded.format, 'safetensors');
    assert.deepEqual([...loaded.stateDict.keys()], [...weights.keys()]);
    assert.deepEqual(loaded.stateDict.get('conv1.weight')!.data, weights.get('conv1.weight')!.data);
  }
});
