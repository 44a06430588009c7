import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserDeviceName } from '../src/web/browser-name.ts';
import { runCli } from './support/cli.js';

test('a browser gets a short name from its User-Agent: browser, OS and cores', () => {
  const cases: [string, number, string][] = [
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36', 8, 'Chrome 120, Android 14, 8 cores'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 4, 'Safari 17, iOS 17, 4 cores'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', 2, 'Firefox 121, Linux, 2 cores'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 16, 'Edge 120, Windows, 16 cores'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36', 1, 'Chrome 131, Linux, 1 core'],
    ['curl/8.0', 2, 'a browser, 2 cores'],
  ];
  for (const [ua, cores, name] of cases) assert.equal(browserDeviceName(ua, cores), name);
});

test('three devices (the two paper devices and one calibrated under --device-name): compare every pair, and one report draws them all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-devices-'));
  const box = join(dir, 'box.json');
  const calibrated = runCli(['calibrate', '--indices', '600-611', '--protocol', 'fixed', '--warmup', '1', '--runs', '3', '--device-name', 'test box', '--out', box]);
  assert.equal(calibrated.status, 0, calibrated.stderr);
  assert.match(calibrated.stderr, /^device: test box: /m);

  const csv = runCli(['compare', '--results', 'paper:raspi', '--results', 'paper:macbook', '--results', box, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'a,b,networks,spearman,a_front_on_b_mean_loss,a_front_on_b_max_loss,b_front_on_a_mean_loss,b_front_on_a_max_loss');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(',')), [
    'Raspberry Pi 3B+ (paper),MacBook Pro (paper),1617',
    'Raspberry Pi 3B+ (paper),test box,12',
    'MacBook Pro (paper),test box,12',
  ]);
  assert.equal(Number(lines[1]!.split(',')[3]).toFixed(3), '0.926');
  const table = runCli(['compare', '--results', 'paper:raspi', '--results', 'paper:macbook']);
  assert.match(table.stdout, /^2 devices, every pair over the networks both measured:\nA +B +networks +Spearman rho/);

  const html = join(dir, 'report.html');
  const report = runCli(['report', '--compare', 'paper:macbook', '--compare', box, '--highlight', '687,611,450,405,306,349,64', '--max-latency', '50ms', '-o', html, '--no-static']);
  assert.equal(report.status, 0, report.stderr);
  const page = readFileSync(html, 'utf8');
  for (const text of ['3 devices: accuracy vs latency, each with its Pareto front', 'test box', 'Spearman rho', 'budget 50 ms', '7 highlighted in red', 'within latency \\u003c= 50.0 ms']) {
    assert.ok(page.includes(text), text);
  }
  assert.match(page, /"highlighted":true,"inBudget":true/);
  assert.match(page, /"inBudget":false/);
});
