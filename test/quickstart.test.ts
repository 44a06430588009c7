import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli.js';
import { SHARED_DIR, sharedMissing } from './support/shared.js';

test('quickstart calibrates the quick subset and writes this machine\'s report and the paper devices\' reports', { skip: sharedMissing }, () => {
  const out = mkdtempSync(join(tmpdir(), 'iotnets-quickstart-'));
  const run = runCli(['quickstart', '--out', out, '--paper-data', join(SHARED_DIR, 'paper-data')], { timeoutMs: 300_000 });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(readFileSync(join(out, 'this-machine.json'), 'utf8')) as { index: number; t_avg: number; acc: number }[];
  assert.equal(results.length, 36);
  assert.ok(results.every((r) => r.t_avg > 0 && r.acc > 0));
  for (const file of ['report.html', 'report-latency.png', 'report-compare.png', 'raspi/report.html', 'macbook/report-latency.png']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.match(run.stdout, /Open the report of this machine in a browser: file:\/\/.*report\.html/);
});

test('quickstart without the paper data still calibrates and says how to get the report', () => {
  const out = mkdtempSync(join(tmpdir(), 'iotnets-quickstart-'));
  const run = runCli(['quickstart', '--out', out, '--paper-data', join(out, 'absent')], { timeoutMs: 300_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal((JSON.parse(readFileSync(join(out, 'this-machine.json'), 'utf8')) as unknown[]).length, 36);
  assert.match(run.stdout, /no accuracies at .*NetConfigs\.json: pass --paper-data DIR/);
  assert.ok(!existsSync(join(out, 'report.html')));
});
