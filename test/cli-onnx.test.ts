import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { catalogEntry } from '../src/catalog/catalog.ts';
import { importOnnx } from '../src/onnx/import.ts';
import { summarize } from '../src/graph/summary.ts';
import { interruptAfter, measuredLines, runCli } from './support/cli.ts';
import { journalPathFor } from '../src/calibrate/journal.ts';
import { PAPER_ONNX } from './support/onnx-fixtures.ts';

const fixture = (file: string) => join(PAPER_ONNX.dir, file);

describe('a user\'s ONNX file on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cli-onnx-'));

  it('info shows the same figures and per-layer table as for a zoo network, keyed by file name and hash', () => {
    const { status, stdout, stderr } = runCli(['info', fixture('catalog_680.onnx'), '--json']);
    assert.equal(status, 0, stderr);
    const record = JSON.parse(stdout) as Record<string, unknown> & { layers: unknown[] };
    const summary = summarize(importOnnx(readFileSync(fixture('catalog_680.onnx')), 'catalog_680.onnx').graph);
    assert.equal(record.file, 'catalog_680.onnx');
    assert.match(String(record.sha256), /^[0-9a-f]{64}$/);
    assert.deepEqual([record.stateDictElements, record.macs, record.layers.length], [1120, 246754, summary.layers.length]);
  });

  it('export re-exports the imported graph with its own weights, and the copy describes the same network', () => {
    const out = join(dir, 'copy.onnx');
    const exported = runCli(['export', fixture('ProbeNet_s.onnx'), '-o', out]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /ProbeNet_s\.onnx, its own weights/);
    const [a, b] = [fixture('ProbeNet_s.onnx'), out].map((f) => summarize(importOnnx(readFileSync(f), 'x.onnx').graph));
    assert.deepEqual(b, a);
  });

  it('predict --onnx predicts every file of a directory and a list file, and flags features beyond the calibration set', () => {
    const results = join(dir, 'results.json');
    // A made-up device: the two smallest networks of four spaces, catalog_280 among them.
    const entries = [280, 224, 680, 704, 1230, 1287, 1592, 1568].map((index, i) => {
      const { space, law, id } = catalogEntry(index);
      return { spacename: space, law, id, index, t_avg: 1 + i, t_std: 0.01 };
    });
    writeFileSync(results, JSON.stringify(entries));
    const model = join(dir, 'model.json');
    assert.equal(runCli(['predict', 'fit', '--results', results, '--out', model]).status, 0);
    const list = join(dir, 'mine.txt');
    writeFileSync(list, `${fixture('catalog_280.onnx')}\n# a comment\n${fixture('ProbeNet_s.onnx')}\n`);
    const { status, stdout, stderr } = runCli(['predict', '--device', model, '--onnx', list, '--json']);
    assert.equal(status, 0, stderr);
    const rows = (JSON.parse(stdout) as { networks: { file: string; predictedMs: number; outOfRange: { feature: string }[] }[] }).networks;
    assert.deepEqual(rows.map((r) => r.file), ['catalog_280.onnx', 'ProbeNet_s.onnx']);
    assert.ok(rows.every((r) => r.predictedMs > 0));
    assert.deepEqual(rows[0]!.outOfRange, [], 'a calibration network is inside its own range');
    assert.ok(rows[1]!.outOfRange.length > 0, 'ProbeNet_s is far larger than the calibration networks');
    const all = runCli(['predict', '--device', model, '--onnx', PAPER_ONNX.dir]);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(all.stdout.match(/\.onnx /g)?.length, PAPER_ONNX.models.length);
  });

  it('calibrate --onnx resumes after a kill: every file once, keyed by its hash, earlier measurements unchanged', async () => {
    const out = join(dir, 'mine.json');
    const journal = journalPathFor(out);
    const args = ['calibrate', '--onnx', PAPER_ONNX.dir, '--protocol', 'fixed', '--warmup', '0', '--runs', '400', '--out', out];
    const killed = await interruptAfter(args, journal, 2, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    const before = measuredLines(journal);
    assert.ok(before.length >= 2 && before.length < PAPER_ONNX.models.length, `killed after ${before.length} files`);
    const resumed = runCli(args);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming: ${before.length} of ${PAPER_ONNX.models.length} networks are already in`));
    const after = measuredLines(journal);
    assert.deepEqual(after.slice(0, before.length), before);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { file: string; sha256: string; params: number; macs: number; t_avg: number }[];
    assert.deepEqual(results.map((r) => r.file), PAPER_ONNX.models.map((m) => m.file).sort());
    const probe = results.find((r) => r.file === 'ProbeNet_s.onnx')!;
    assert.deepEqual([probe.params, probe.macs], [11333, 816128]);
    // The same content under another name is the same network: already measured.
    copyFileSync(fixture('ProbeNet_s.onnx'), join(dir, 'renamed.onnx'));
    const again = runCli(['calibrate', '--onnx', join(dir, 'renamed.onnx'), '--protocol', 'fixed', '--warmup', '0', '--runs', '400', '--out', out]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^0 networks measured/);
    // A catalog calibration cannot go into a results file of ONNX files.
    const mixed = runCli(['calibrate', '--indices', '677', '--protocol', 'fixed', '--warmup', '0', '--runs', '400', '--out', out]);
    assert.equal(mixed.status, 1);
    assert.match(mixed.stderr, /holds measurements of ONNX files; choose another --out/);
  });

  it('refuses a file that is not ONNX, a missing one and a list naming other files, in one line each', () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    for (const [args, pattern] of [
      [['info', bad], /bad\.onnx is not a valid ONNX model/],
      [['info', join(dir, 'missing.onnx')], /missing\.onnx: no such file/],
      [['info', fixture('ProbeNet_s.onnx'), '--index', '3'], /drop --index/],
      [['calibrate', '--onnx', bad, '--out', join(dir, 'never.json')], /bad\.onnx is not a valid ONNX model/],
      [['calibrate', '--onnx', fixture('ProbeNet_s.onnx'), '--quick', '--out', join(dir, 'never.json')], /drop --quick/],
    ] as const) {
      const { status, stderr } = runCli(args);
      assert.equal(status, 1);
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
  });
});
