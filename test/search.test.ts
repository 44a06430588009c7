import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './support/cli.js';
import { paperData, sharedMissing } from './support/shared.js';

test('search --table: with 32 KiB of weights the best catalog network has 74.88% in fp32 and 82.40% in fp16', { skip: sharedMissing }, () => {
  const { status, stdout, stderr } = runCli(['search', '--table', '--json', '--prior', paperData('NetConfigs.json')]);
  assert.equal(status, 0, stderr);
  const rows = JSON.parse(stdout) as { budgetBytes: number; cells: { format: string; best?: { index: number; accuracy: number; weightBytes: number } }[] }[];
  const row = rows.find((r) => r.budgetBytes === 32 * 1024)!;
  const percent = (format: string) => (row.cells.find((c) => c.format === format)!.best!.accuracy * 100).toFixed(2);
  assert.deepEqual(row.cells.map((c) => c.format), ['fp32', 'fp16', 'bf16', 'int8', 'e4m3']);
  assert.equal(percent('fp32'), '74.88');
  assert.equal(percent('fp16'), '82.40');
  // densenet s3/36 has 7654 state_dict elements: 30616 B in fp32; mobilenetv2 s4/39 has 16234: 32468 B in fp16.
  assert.deepEqual(row.cells.slice(0, 2).map((c) => [c.best!.index, c.best!.weightBytes]), [[233, 30616], [636, 32468]]);
});
