import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/shared.js';

// Issue 9 case 8: options and file contents that used to give stack traces, late errors or raw bytes on the terminal.
const run = promisify(execFile);

interface Case {
  readonly args: readonly string[];
  readonly message: RegExp;
  /** A file to create in the case's empty working directory first. */
  readonly file?: readonly [string, string];
}

const evilName = '\u001b[31mred\nline';
const CASES: Readonly<Record<string, Case>> = {
  'huge --classes on export': { args: ['export', '--index', '3', '--classes', '1000000000', '-o', 'x.onnx'], message: /activation of 1000000000 elements per sample, over 268435456/ },
  '--classes beyond 2^53': { args: ['export', '--index', '3', '--classes', '99999999999999999999', '-o', 'x.onnx'], message: /--classes must be a whole number \(digits only/ },
  'huge --args on export': { args: ['export', 'SynthWideAndLong', '--args', '{"f":1,"l":1000000}', '-o', 'x.onnx'], message: /more than 268435456 parameters/ },
  'absurd args on info': { args: ['info', 'SynthWide', '--args', '{"f":100000}'], message: /choose smaller model arguments/ },
  'quickstart --out naming a file': { args: ['quickstart', '--out', 'taken'], file: ['taken', 'mine'], message: /cannot write into taken: taken is a file, not a directory; choose another --out/ },
  "--out ''": { args: ['calibrate', '--indices', '677', '--out', ''], message: /--out is empty; name the file to write/ },
  'serve --out below a file': { args: ['serve', '--indices', '677', '--out', 'afile/sub/r.json'], file: ['afile', ''], message: /cannot write afile\/sub\/r\.json: cannot create directory .*afile\/sub \(a parent is a file or not writable\); choose another --out/ },
  'predict fit --out DIR': { args: ['predict', 'fit', '--results', 'paper:raspi', '--out', 'adir'], file: ['adir/keep', ''], message: /cannot write adir: it is a directory; choose a file name for --out/ },
  '1e400ms': { args: ['select', '--max-latency', '1e400ms'], message: /cannot read latency '1e400ms': it is too large to be a finite number/ },
  '--runs in exponent form': { args: ['calibrate', '--protocol', 'fixed', '--runs', '1e3', '--out', 'r.json'], message: /--runs must be a whole number \(digits only/ },
  '--budget in hex': { args: ['calibrate', '--budget', '0x10', '--out', 'r.json'], message: /--budget must be a finite decimal number, got '0x10'/ },
  'run-model run id ../x': {
    args: ['run-model', '--models', '.', '--accuracy', 'acc.json', '--indices', '687'],
    file: ['acc.json', JSON.stringify([{ index: 687, runid: '../x', acc: 0.9 }])],
    message: /acc\.json gives network #687 the run id '\.\.\/x', which is not a plain file name; fix the file/,
  },
  'terminal escapes in a file': {
    args: ['pareto', '--results', 'evil.json'],
    file: ['evil.json', JSON.stringify([{ spacename: evilName, law: 's1', id: 1, t_avg: 1, t_std: 0 }])],
    message: /\\x1b\[31mred\\x0aline\/s1\/1/,
  },
};

test('case 8: bad options and hostile file contents are one line up front, exit 1, nothing written', { timeout: 180_000 }, async () => {
  await Promise.all(Object.entries(CASES).map(async ([what, c]) => {
    const dir = mkdtempSync(join(tmpdir(), 'iotnets-hostile-option-'));
    if (c.file) {
      mkdirSync(join(dir, c.file[0], '..'), { recursive: true });
      writeFileSync(join(dir, c.file[0]), c.file[1]);
    }
    const before = readdirSync(dir, { recursive: true }).sort();
    const args = ['--max-old-space-size=512', join(REPO_ROOT, 'bin/iotnets.js'), ...c.args];
    const outcome = await run(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const stderr = outcome.stderr.replace(/^npm warn.*\n/gm, '');
    assert.equal(outcome.code, 1, `${what}: ${stderr}`);
    assert.equal(outcome.stdout, '', `${what}: nothing starts`);
    assert.match(stderr, /^[^\n]*\n$/, `${what}: one line`);
    assert.doesNotMatch(stderr, /\u001b|    at /, `${what}: no raw escapes, no stack`);
    assert.match(stderr, c.message, what);
    assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), before, `${what}: nothing written`);
  }));
});
