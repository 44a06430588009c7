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

  it('select, pareto and report choose among the measured files with an accuracy table keyed by file name', () => {
    // The results the resume test above wrote: the paper fixtures, measured as the user's own files.
    const results = join(dir, 'mine.json');
    const measured = JSON.parse(readFileSync(results, 'utf8')) as { file: string; t_median: number; weight_elements: number }[];
    // Accuracy rising with latency: the slowest file is the most accurate, the next slowest the best under a budget between them.
    const byLatency = [...measured].sort((a, b) => a.t_median - b.t_median);
    const accuracy = new Map(byLatency.map((m, rank) => [m.file, 0.5 + rank / 20]));
    const table = join(dir, 'acc.csv');
    writeFileSync(table, `file,accuracy\n${[...accuracy].map(([file, acc]) => `models/${file},${acc}`).join('\n')}\n`);
    const best = runCli(['select', '--results', results, '--accuracy', table, '--json']);
    assert.equal(best.status, 0, best.stderr);
    assert.equal(JSON.parse(best.stdout).best.file, byLatency.at(-1)!.file);
    const budget = (byLatency.at(-1)!.t_median + byLatency.at(-2)!.t_median) / 2;
    const under = runCli(['select', '--results', results, '--accuracy', table, '--max-latency', `${budget}ms`, '--csv']);
    assert.equal(under.status, 0, under.stderr);
    assert.equal(under.stdout.split('\n')[1]!.split(',')[0], byLatency.at(-2)!.file);
    const memory = runCli(['pareto', '--results', results, '--accuracy', table, '--by', 'memory', '--format', 'fp16', '--json']);
    assert.equal(memory.status, 0, memory.stderr);
    const front = JSON.parse(memory.stdout).front as { file: string; memoryBytes: number }[];
    assert.ok(front.length >= 1 && front.every((p) => PAPER_ONNX.models.some((m) => m.file === p.file)));
    const report = runCli(['report', '--results', results, '--accuracy', table, '-k', '2', '--highlight', `3,${byLatency[0]!.file}`, '--no-static', '-o', join(dir, 'mine.html')]);
    assert.equal(report.status, 0, report.stderr);
    assert.match(readFileSync(join(dir, 'mine.html'), 'utf8'), /your ONNX files/);
    const unknown = runCli(['report', '--results', results, '--accuracy', table, '--highlight', 'resnet19.onnx', '--no-static', '-o', join(dir, 'never.html')]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /--highlight resnet19\.onnx: .* measured no file of that name/);
    const rows = [...accuracy].map(([file, acc]) => `${file},${acc}`);
    for (const [name, text, pattern] of [
      ['unknown.csv', `file,acc\n${rows.join('\n')}\nmobilenet_v9.onnx,0.7\n`, /entry 5 names mobilenet_v9\.onnx, which the results did not measure/],
      ['dup.csv', `file,acc\n${rows.join('\n')}\n${rows[0]}\n`, /entry 5 \(.*\) names network .* a second time \(first in entry 0\)/],
      ['nan.csv', `file,acc\n${rows[0]!.replace(/,.*/, ',76.1%')}\n`, /entry 0 \(.*\) has accuracy "76\.1%", not a fraction in 0\.\.1 \(write 0\.761 for 76\.1%\)/],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const { status, stderr } = runCli(['select', '--results', results, '--accuracy', join(dir, name)]);
      assert.equal(status, 1);
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
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
