import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from '../src/cli/progress.ts';
import { runCli } from './support/cli.js';

test('bare iotnets prints the command list and exits 0; --version prints the package version', () => {
  const bare = runCli([]);
  assert.equal(bare.status, 0, bare.stderr);
  assert.match(bare.stdout, /^Usage: iotnets \[options\] \[command\]/);
  assert.match(bare.stdout, /quickstart/);
  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.equal(version.stdout.trim(), '0.1.0');
});

test('off a terminal, progress is a line at the first and last step and every 5% in between, not one per step', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = createProgress(stream);
  progress.start(1617);
  for (let i = 0; i < 1617; i++) progress.tick(`#${i}`);
  progress.stop();
  assert.equal(lines.length, 21);
  assert.match(lines[0]!, /^\[1\/1617\] #0  ETA /);
  assert.equal(lines.at(-1), '[1617/1617] #1616\n');
});

test('select answers a memory budget in the unit it was given; report -o refuses a non-HTML name before any work', () => {
  const none = runCli(['select', '--results', 'paper:raspi', '--max-memory', '1KiB']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^iotnets: no network meets memory \(total, fp32\) <= 1 KiB \(the smallest needs [\d.]+ KiB\); relax a constraint\n$/);
  const png = runCli(['report', '-o', 'x.png']);
  assert.equal(png.status, 1);
  assert.equal(png.stderr, 'iotnets: -o x.png: the report is an HTML file, name it .html (its figures go beside it as <name>-latency.svg/.png)\n');
});

test('--csv prints raw values under snake_case headers: select with budget margins, and the catalog', () => {
  const select = runCli(['select', '--max-latency', '10ms', '--max-memory', '100KiB', '--top', '2', '--csv']);
  assert.equal(select.status, 0, select.stderr);
  assert.deepEqual(select.stdout.trim().split('\n'), [
    'index,space,law,id,latency_ms,accuracy,params,flops,memory_bytes,latency_margin_ms,memory_margin_bytes',
    '273,random_net_densenet,s3,76,9.801202350192598,0.6265999984741211,2804,721912,101240,0.19879764980740156,1160',
    '201,random_net_densenet,s3,4,9.618308809068468,0.6029000091552734,2524,489390,59088,0.3816911909315319,43312',
  ]);
  const catalog = runCli(['catalog', '--csv']);
  const lines = catalog.stdout.trim().split('\n');
  assert.equal(lines.length, 1618);
  assert.equal(lines[0], 'index,space,law,id,params,macs,flops,weight_bytes');
  assert.match(lines[688]!, /^687,random_net_mobilenetv2,s6,10,1515,/);
});

test('counts agree with their nouns', async () => {
  const { counted } = await import('../src/plural.ts');
  assert.equal(counted(1, 'network'), '1 network');
  assert.equal(counted(0, 'network'), '0 networks');
  assert.equal(counted(36, 'entry', 'entries'), '36 entries');
});
