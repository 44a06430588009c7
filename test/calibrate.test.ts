import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG } from '../src/catalog/catalog.js';
import { journalContents, journalPathFor, parseJournal, readJournal, type JournalMeasurement } from '../src/calibrate/journal.js';
import { Journal, parseJsonLines } from '../src/io/journal-file.js';
import { deviceLine, measurementLine } from './support/records.js';
import { resultsDocument } from '../src/calibrate/results-file.js';
import { parseIndexList, QUICK_SUBSET, selectIndices } from '../src/calibrate/subsets.js';
import { interruptAfter, measuredLines, runCli } from './support/cli.js';
import { paperData, readSharedJson, sharedMissing } from './support/shared.js';

test('--quick: the fewest- and most-FLOPs network of each of the 18 (space, law) groups', { skip: sharedMissing }, () => {
  const configs = readSharedJson<{ flops: number }[]>(paperData('NetConfigs.json'));
  const groups = new Map<string, number[]>();
  for (const e of CATALOG) groups.set(`${e.space}/${e.law}`, [...(groups.get(`${e.space}/${e.law}`) ?? []), e.index]);
  assert.equal(groups.size, 18);
  const expected = [...groups.values()].flatMap((indices) => {
    const byFlops = [...indices].sort((a, b) => configs[a]!.flops - configs[b]!.flops || a - b);
    const most = byFlops.filter((i) => configs[i]!.flops === configs[byFlops.at(-1)!]!.flops)[0]!;
    return [byFlops[0]!, most];
  });
  assert.deepEqual([...QUICK_SUBSET], expected.sort((a, b) => a - b));
});

test('index lists and filters select catalog networks; an empty or bad selection is one line', () => {
  assert.deepEqual(parseIndexList('3-5, 687,4'), [3, 4, 5, 687]);
  assert.throws(() => parseIndexList('5-3'), /`indices`: range 5-3 runs backwards; write 3-5/);
  assert.throws(() => parseIndexList('1617'), /outside the catalog 0\.\.1616/);
  assert.throws(() => parseIndexList('a'), /'a' is not an index or a range/);
  assert.equal(selectIndices({}).length, 1617);
  assert.deepEqual(selectIndices({ space: 'random_net_mobilenetv2', law: 's6', indices: [0, 677, 678, 800] }), [677, 678]);
  assert.equal(selectIndices({ quick: true, space: 'random_net_pnasnet' }).length, 6);
  assert.throws(() => selectIndices({ space: 'random_net_vgg' }), /`space` random_net_vgg is not in the catalog/);
  assert.throws(() => selectIndices({ law: 's6', indices: [0] }), /no catalog network matches/);
});

const measurement = (index: number, t: number) => measurementLine(index, [t, t, t, t, t, t, t, t, t, t]);

test("journal: an adaptive protocol recorded before it had a minimum time still reads; one lacking another setting does not", () => {
  const before = { name: 'adaptive', warmup: 5, minRuns: 10, maxRuns: 1000, targetRelativeCi: 0.02, budgetSeconds: 5 };
  const line = (protocol: object) => JSON.stringify({ ...deviceLine(), protocol });
  assert.deepEqual(parseJournal(`${line(before)}\n`, 'j').devices[0]!.protocol, before);
  const now = { name: 'adaptive', warmup: 5, minRuns: 10, maxRuns: 10000, minSeconds: 0.25, targetRelativeCi: 0.02, budgetSeconds: 5 };
  assert.deepEqual(parseJournal(`${line(now)}\n`, 'j').devices[0]!.protocol, now);
  const { budgetSeconds: _budget, ...partial } = before;
  assert.throws(() => parseJournal(`${line(partial)}\n`, 'j'), /j line 1: bad device record \(protocol: incomplete settings\)/);
});

test('journal: a torn last line is reported and cut before the next append; a bad earlier line is an error', () => {
  const device = JSON.stringify(deviceLine());
  const one = JSON.stringify(measurement(3, 1.5));
  const torn = parseJournal(`${device}\n${one}\n{"type":"meas`, 'j');
  assert.equal(torn.measurements.length, 1);
  assert.equal(torn.tornLine, '{"type":"meas');
  assert.equal(parseJsonLines(`${device}\n${one}\n{"type":"meas`, 'j').validBytes, device.length + one.length + 2);
  assert.throws(() => parseJournal(`${device}\n{"ty\n${one}\n`, 'j'), /j line 2 is not valid JSON/);
  assert.throws(() => parseJournal(`${one}\n`, 'j'), /j line 1: a measurement before any device record/);

  const dir = mkdtempSync(join(tmpdir(), 'iotnets-journal-'));
  const out = join(dir, 'r.json');
  const path = journalPathFor(out);
  writeFileSync(path, `${device}\n${one}\n{"type":"meas`);
  const journal = new Journal({ out, path, field: 'out' });
  journal.append(measurement(4, 2.5));
  journal.close();
  const after = readJournal(path);
  assert.equal(after.tornLine, undefined);
  assert.deepEqual(after.measurements.map((m) => m.index), [3, 4]);

  // A complete record that lost only its newline is kept, and the next record starts on its own line.
  writeFileSync(path, `${device}\n${one}`);
  const w2 = new Journal({ out, path, field: 'out' });
  assert.equal(journalContents(w2.lines, path).measurements.length, 1);
  w2.append(measurement(5, 1));
  w2.close();
  assert.deepEqual(readJournal(path).measurements.map((m) => m.index), [3, 5]);
  assert.equal(journalPathFor('/a/results.json'), '/a/results.journal.jsonl');
  assert.equal(journalPathFor('/a/out'), '/a/out.journal.jsonl');
});

test("results file: the paper's fields plus t_median, t_p90 and runs, sorted keys, catalog order, acc and runid from an accuracy import", () => {
  const accuracy = new Map([[3, { index: 3, accuracy: 0.9, runid: 'abc' }]]);
  const doc = JSON.parse(resultsDocument([{ ...measurement(7, 2), median: 1.5, p90: 2.5 }, measurement(3, 1)], accuracy));
  assert.deepEqual(doc, [
    { acc: 0.9, flops: 20.5, id: 3, index: 3, law: 's1', params: 10, runid: 'abc', runs: 5, spacename: 'random_net_densenet', t_avg: 1, t_median: 1, t_p90: 1, t_std: 0 },
    { flops: 20.5, id: 7, index: 7, law: 's1', params: 10, runs: 5, spacename: 'random_net_densenet', t_avg: 2, t_median: 1.5, t_p90: 2.5, t_std: 0 },
  ]);
  assert.deepEqual(Object.keys(doc[0]), [...Object.keys(doc[0])].sort());
});

// Tiny networks (random_net_mobilenetv2 s6 and random_net_pnasnet s3), enough runs each to interrupt mid-way.
const TINY = '677-680,1217-1220';
const TINY_INDICES = parseIndexList(TINY);
const slowEnough = ['--protocol', 'fixed', '--warmup', '1', '--runs', '400', '--threads', '1'];

function calibrateArgs(out: string, extra: string[] = []): string[] {
  return ['calibrate', '--indices', TINY, ...slowEnough, '--out', out, ...extra];
}

test('SIGKILL mid-calibration loses nothing: a re-run continues, every network once, earlier measurements unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cal-'));
  const out = join(dir, 'results.json');
  const journal = journalPathFor(out);
  const killed = await interruptAfter(calibrateArgs(out), journal, 2, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const before = measuredLines(journal);
  assert.ok(before.length >= 2 && before.length < TINY_INDICES.length, `killed after ${before.length} networks`);
  // A kill during a write leaves a torn line: the re-run warns and carries on.
  appendFileSync(journal, '{"type":"measurement","spacename":"random_net_mobi');

  const resumed = runCli(calibrateArgs(out));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming: ${before.length} of ${TINY_INDICES.length} networks are already in .*; skipping them`));
  assert.match(resumed.stderr, /warning: .*ignoring an incomplete last line/);
  const after = measuredLines(journal);
  assert.deepEqual(after.slice(0, before.length), before);
  const indices = after.map((l) => (JSON.parse(l) as JournalMeasurement).index);
  assert.deepEqual([...indices].sort((a, b) => a - b), TINY_INDICES);
  const results = JSON.parse(readFileSync(out, 'utf8')) as { index: number; t_avg: number }[];
  assert.deepEqual(results.map((r) => r.index), TINY_INDICES);
  for (const line of before) {
    const m = JSON.parse(line) as JournalMeasurement;
    assert.equal(results.find((r) => r.index === m.index)!.t_avg, m.t_avg);
  }
  assert.equal(readFileSync(journal, 'utf8').split('\n')[0]!.includes('"type":"device"'), true);
  assert.deepEqual(readdirSync(dir).sort(), ['results.journal.jsonl', 'results.json']);

  // Nothing left to do: the same command measures nothing and keeps the files.
  const again = runCli(calibrateArgs(out));
  assert.equal(again.status, 0);
  assert.match(again.stdout, /^0 networks measured/);
  assert.deepEqual(measuredLines(journal), after);
});

test('SIGINT stops cleanly with exit 130 and every finished network in the results file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cal-'));
  const out = join(dir, 'results.json');
  const journal = journalPathFor(out);
  const stopped = await interruptAfter(calibrateArgs(out), journal, 1, 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /interrupted by SIGINT: .*re-run the same command to continue/);
  const lines = measuredLines(journal);
  assert.ok(lines.length >= 1 && lines.length < TINY_INDICES.length);
  const results = JSON.parse(readFileSync(out, 'utf8')) as { index: number }[];
  assert.deepEqual(results.map((r) => r.index), lines.map((l) => (JSON.parse(l) as JournalMeasurement).index));
  assert.deepEqual(readdirSync(dir).sort(), ['results.journal.jsonl', 'results.json']);
});

test('a different device or setup is refused unless --force; bad output paths are one line and write nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cal-'));
  const out = join(dir, 'r.json');
  const quick = ['calibrate', '--indices', '677', '--protocol', 'fixed', '--warmup', '0', '--runs', '2', '--out', out];
  assert.equal(runCli([...quick, '--threads', '1']).status, 0);
  const journalBefore = readFileSync(journalPathFor(out), 'utf8');
  const resultsBefore = readFileSync(out, 'utf8');

  const refused = runCli([...quick, '--threads', '2', '--indices', '678']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr.trim(), /^iotnets: .*r\.journal\.jsonl was measured with a different device or setup \(threads: 1 vs 2\); choose another --out, or pass --force to mix them$/);
  assert.equal(readFileSync(journalPathFor(out), 'utf8'), journalBefore);
  assert.equal(readFileSync(out, 'utf8'), resultsBefore);

  const forced = runCli([...quick, '--threads', '2', '--indices', '678', '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  const journal = readJournal(journalPathFor(out));
  assert.deepEqual(journal.devices.map((d) => d.threads), [1, 2]);
  assert.deepEqual(journal.measurements.map((m) => m.index), [677, 678]);

  mkdirSync(join(dir, 'adir'));
  for (const [bad, reason] of [
    [join(dir, 'r.json', 'r.json'), /.*r\.json is a file, not a directory/],
    [join(dir, 'adir'), /it is a directory/],
  ] as const) {
    const r = runCli([...quick.slice(0, -1), bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), new RegExp(`^iotnets: cannot write ${bad}.*: ${reason.source}`));
  }
  assert.deepEqual(readdirSync(dir).sort(), ['adir', 'r.journal.jsonl', 'r.json']);
  assert.deepEqual(readdirSync(join(dir, 'adir')), []);
});

test('--accuracy NetConfigs.json adds acc and runid to the results', { skip: sharedMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cal-'));
  const out = join(dir, 'r.json');
  const r = runCli(['calibrate', '--indices', '687', '--protocol', 'fixed', '--warmup', '0', '--runs', '1', '--out', out, '--accuracy', paperData('NetConfigs.json')]);
  assert.equal(r.status, 0, r.stderr);
  const [entry] = JSON.parse(readFileSync(out, 'utf8'));
  const paper = readSharedJson<Record<string, unknown>[]>(paperData('NetConfigs.json'))[687]!;
  assert.deepEqual(
    { acc: entry.acc, runid: entry.runid, params: entry.params, flops: entry.flops, spacename: entry.spacename, law: entry.law, id: entry.id },
    { acc: paper.acc, runid: paper.runid, params: paper.params, flops: paper.flops, spacename: paper.spacename, law: paper.law, id: paper.id },
  );
});

test('calibrate --precision fp32,int8 times every network in both forms, one results file each, and resumes after a kill', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-cal-precision-'));
  const out = join(dir, 'results.json');
  const int8Journal = journalPathFor(join(dir, 'results.int8.json'));
  const args = calibrateArgs(out, ['--precision', 'fp32,int8']);
  const killed = await interruptAfter(args, int8Journal, 2, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  // A kill mid-append can leave a torn last line, which the re-run drops and measures again.
  const complete = (journal: string) =>
    measuredLines(journal).filter((l) => {
      try {
        return JSON.parse(l) !== null;
      } catch {
        return false;
      }
    });
  const before = { fp32: complete(journalPathFor(out)), int8: complete(int8Journal) };
  assert.ok(before.int8.length >= 1 && before.int8.length < TINY_INDICES.length, `killed after ${before.int8.length} int8 networks`);

  const resumed = runCli(args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming: \d+ of 16 measurements \(networks x precisions\) are already in the journals; skipping them/);
  assert.match(resumed.stdout, /fp32: 8 in .*results\.json, int8: 8 in .*results\.int8\.json \(journals beside them\)/);
  assert.match(resumed.stdout, /^int8: median \d+\.\d\dx the speed of fp32 over 8 networks; (faster on every one|slower on \d: #\d+ \d\.\d\dx.*)$/m);
  for (const [journal, earlier, precision] of [[journalPathFor(out), before.fp32, undefined], [int8Journal, before.int8, 'int8']] as const) {
    const lines = measuredLines(journal);
    assert.deepEqual(lines.slice(0, earlier.length), [...earlier]);
    const records = lines.map((l) => JSON.parse(l) as JournalMeasurement);
    assert.deepEqual(records.map((m) => m.index).sort((a, b) => a - b), TINY_INDICES);
    assert.deepEqual([...new Set(records.map((m) => m.precision))], [precision]);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['results.int8.journal.jsonl', 'results.int8.json', 'results.journal.jsonl', 'results.json']);
  const int8Results = JSON.parse(readFileSync(join(dir, 'results.int8.json'), 'utf8')) as { index: number }[];
  assert.deepEqual(int8Results.map((r) => r.index), TINY_INDICES);

  const fronts = runCli(['pareto', '--results', out, '--precision', 'fp32,int8', '--json']);
  assert.equal(fronts.status, 0, fronts.stderr);
  assert.deepEqual((JSON.parse(fronts.stdout) as { precision: string; candidates: number }[]).map((f) => [f.precision, f.candidates]), [['fp32', 8], ['int8', 8]]);
});
