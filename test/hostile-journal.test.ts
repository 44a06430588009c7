import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { journalPathFor, readJournal } from '../src/calibrate/journal.js';
import { ResultsWriter } from '../src/calibrate/results-writer.js';
import { currentDevice } from '../src/runtime/device-node.js';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { runCli } from './support/cli.js';
import { deviceLine, measurementLine } from './support/records.js';
import { REPO_ROOT } from './support/shared.js';

// Issue 9 cases 4-7: concurrent writers, a mutated journal, a full disk, leftovers and poisoned state.
const fresh = () => mkdtempSync(join(tmpdir(), 'iotnets-hostile-'));
const FIXED = ['--protocol', 'fixed', '--warmup', '0', '--threads', '1'];
const lines = (...records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

test('case 4: a second calibration on a locked --out is refused naming the holder; a kill -9 leaves a stale lock the next run takes over', { timeout: 120_000 }, async () => {
  const dir = fresh();
  const out = join(dir, 'r.json');
  const args = ['calibrate', '--indices', '677-679', ...FIXED, '--runs', '5000', '--out', out];
  const first = spawn(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), ...args], { stdio: 'ignore' });
  const exited = new Promise((resolve) => first.on('exit', resolve));
  while (!existsSync(`${out}.lock`)) await new Promise((r) => setTimeout(r, 5));
  // Stopped, it holds the lock for as long as the second run needs to meet it.
  first.kill('SIGSTOP');
  const second = runCli(args);
  first.kill('SIGKILL');
  await exited;
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`^iotnets: ${out} is in use by another iotnets \\(pid ${first.pid} on .* since .*: calibrate --indices 677-679 .*\\); wait for it to finish or stop it, or choose another --out\\n$`));
  assert.ok(existsSync(`${out}.lock`), 'kill -9 leaves its lock behind');

  const third = runCli([...args.slice(0, -4), '--runs', '2', '--out', out]);
  assert.equal(third.status, 0, third.stderr);
  assert.deepEqual(readJournal(journalPathFor(out)).measurements.map((m) => m.index).sort(), [677, 678, 679]);
  assert.deepEqual(readdirSync(dir).sort(), ['r.journal.jsonl', 'r.json']);
});

test('case 4/5: resume keeps one measurement per network and refuses a bad record by line, writing nothing', () => {
  const dir = fresh();
  const out = join(dir, 'r.json');
  const journal = journalPathFor(out);
  const run = () => runCli(['calibrate', '--indices', '677,678', ...FIXED, '--runs', '2', '--out', out, '--force']);

  // Two writers before locking existed: every network twice.
  writeFileSync(journal, lines(deviceLine(), measurementLine(677), measurementLine(678), measurementLine(677, [5, 5, 5, 5, 5, 7, 7, 7, 7, 7]), measurementLine(678)));
  const deduplicated = run();
  assert.equal(deduplicated.status, 0, deduplicated.stderr);
  assert.match(deduplicated.stderr, /warning: .*r\.journal\.jsonl: ignoring 2 repeated measurements of networks measured earlier in it \(line 4, 5\)/);
  const results = JSON.parse(readFileSync(out, 'utf8')) as { index: number; t_avg: number }[];
  assert.deepEqual(results.map((r) => [r.index, r.t_avg]), [[677, 3], [678, 3]]);

  const { timesMs: _, ...noTimes } = measurementLine(679);
  for (const [record, problem] of [
    [{ ...measurementLine(679), t_avg: -5 }, /t_avg: not a latency in \(0, 600000\] ms/],
    [{ ...measurementLine(679), t_std: 7 }, /t_std: 7 disagrees with its runs/],
    [noTimes, /timesMs: not a list/],
    [{ ...measurementLine(679), index: 5, id: 99 }, /spacename\/law\/id: not those of catalog network #5/],
    [{ ...deviceLine(), threads: 0 }, /threads: not a whole number in 1\.\.4096/],
  ] as const) {
    writeFileSync(journal, lines(deviceLine(), measurementLine(677), record));
    writeFileSync(out, '[]\n');
    const r = run();
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^iotnets: ${journal} line 3: bad (measurement|device record) \\(${problem.source}.*\\); repair or remove that line \\(earlier lines are intact\\)\\n$`));
    assert.equal(readFileSync(out, 'utf8'), '[]\n', 'the results file is not rewritten');
    assert.deepEqual(readdirSync(dir).sort(), ['r.journal.jsonl', 'r.json']);
  }
});

test('case 6: a short journal write (file size limit) is cut back, reported naming the journal, and the results file stays as it was', { skip: process.platform !== 'linux' }, () => {
  const dir = fresh();
  const out = join(dir, 'r.json');
  const journal = journalPathFor(out);
  const args = ['calibrate', ...FIXED, '--runs', '20', '--out', out];
  assert.equal(runCli([...args, '--indices', '677']).status, 0);
  const before = readFileSync(journal, 'utf8');
  const resultsBefore = readFileSync(out, 'utf8');
  // The limit falls inside the next line: the kernel writes part of it, then refuses the rest (EFBIG), like a full disk.
  const blocks = Math.floor(statSync(journal).size / 512) + 1;
  const cli = [process.execPath, join(REPO_ROOT, 'bin/iotnets.js'), ...args, '--indices', '678'].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('/bin/sh', ['-c', `trap '' XFSZ; ulimit -f ${blocks}; exec ${cli}`], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`\niotnets: cannot write ${journal}: the file size limit was reached; what it held before stays intact; free space or choose another --out\\n$`));
  assert.equal(readFileSync(journal, 'utf8'), before);
  assert.equal(readFileSync(out, 'utf8'), resultsBefore);
  assert.deepEqual(readdirSync(dir).sort(), ['r.journal.jsonl', 'r.json']);
});

test('case 7: temp files of killed writers are removed; a run that fails at once writes no device record', () => {
  const dir = fresh();
  const out = join(dir, 'r.json');
  const dead = '.r.json.99999999.0badf00d.tmp';
  const live = `.r.json.${process.pid}.0badf00d.tmp`;
  writeFileSync(join(dir, dead), 'half a results file');
  writeFileSync(join(dir, live), 'a live writer');

  const failing = runCli(['calibrate', '--indices', '677', ...FIXED.slice(0, -2), '--threads', '1e9', '--runs', '2', '--out', out]);
  assert.equal(failing.status, 1);
  assert.match(failing.stderr, /^iotnets: --threads must be a whole number in 1\.\.\d+ .*got '1e9'\n$/);
  assert.equal(existsSync(journalPathFor(out)), false);

  // A device chosen but never measured with leaves no journal behind.
  const writer = new ResultsWriter(out, { warn: () => {} });
  writer.useDevice(currentDevice(NODE_ENGINE, { threads: 3, optimization: 'all' }, { name: 'paper' }));
  writer.close();
  assert.equal(existsSync(journalPathFor(out)), false);

  const ok = runCli(['calibrate', '--indices', '677', ...FIXED, '--runs', '2', '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [live, 'r.journal.jsonl', 'r.json']);
});
