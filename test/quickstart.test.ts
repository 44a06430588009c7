import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './support/shared.js';

/** A copy of the checkout's files (node_modules linked) in a fresh folder with nothing beside it: no ../shared. */
function bareCheckout(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'iotnets-clone-')), 'iotnets');
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(files.status, 0, files.stderr);
  // node_modules is linked below (a symlinked node_modules is not matched by .gitignore's `node_modules/`).
  const copied = files.stdout.split('\0').filter((f) => f !== '' && f.split('/')[0] !== 'node_modules' && existsSync(join(REPO_ROOT, f)));
  for (const file of copied) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(root, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function npmStart(cwd: string, args: readonly string[]) {
  const run = spawnSync('npm', ['start', '--', ...args], { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('npm start on a checkout with no ../shared measures the quick subset and writes the three reports from the built-in paper data', () => {
  const root = bareCheckout();
  assert.ok(!existsSync(join(root, '..', 'shared')));
  const out = join(root, 'out', 'first-run');
  const run = npmStart(root, ['--out', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /npm warn/i, 'the project config makes npm warn');
  assert.doesNotMatch(run.stdout + run.stderr, /did not measure/);
  const results = JSON.parse(readFileSync(join(out, 'this-machine.json'), 'utf8')) as { index: number; t_avg: number; acc: number }[];
  assert.equal(results.length, 36);
  assert.ok(results.every((r) => r.t_avg > 0 && r.acc > 0));
  for (const file of ['report.html', 'report-latency.png', 'report-compare.png', 'raspi/report.html', 'macbook/report-latency.png']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.match(readFileSync(join(out, 'raspi', 'report.html'), 'utf8'), /Raspberry Pi 3B\+ \(paper\)/);
  assert.match(run.stdout, /Open the report of this machine in a browser: file:\/\/.*report\.html/);
  assert.doesNotMatch(run.stdout, /reusing/);

  const again = npmStart(root, ['--out', out]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /reusing the measurements of an earlier quickstart in .*this-machine\.journal\.jsonl \(pass --fresh to measure again\)/);
  assert.match(again.stdout, /^0 networks measured/m);
});
