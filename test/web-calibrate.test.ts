import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readJournal } from '../src/calibrate/journal.js';
import { chromiumMissing, launchChromium } from './support/chromium.js';
import { runCli } from './support/cli.js';
import { REPO_ROOT } from './support/shared.js';

/** Tiny catalog networks: two mobilenetv2 s6 and two pnasnet s3 members. */
const NETWORKS = [705, 716, 1230, 1287];
const PROTOCOL = ['--protocol', 'fixed', '--warmup', '1', '--runs', '3'];
const work = mkdtempSync(join(tmpdir(), 'iotnets-serve-'));
const out = join(work, 'browser.json');
const journal = join(work, 'browser.journal.jsonl');
after(() => rmSync(work, { recursive: true, force: true }));

/** `iotnets serve` as a child process, its URL once it prints it, and its exit code once it ends. */
function serve(args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), 'serve', ...args], { cwd: REPO_ROOT });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      const m = /open (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before printing a URL: ${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

test('a browser calibrates catalog networks through `iotnets serve` into the calibrate results format', { skip: chromiumMissing, timeout: 60_000 }, async () => {
  const server = serve(['--out', out, '--indices', NETWORKS.join(','), ...PROTOCOL, '--host', '127.0.0.1', '--port', '0']);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(await server.url);
    assert.equal(await server.exited, 0, server.output().stderr);
    await page.getByText(/^done: 4 networks measured/).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('tbody tr').count(), NETWORKS.length);
    mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'out', 'web-calibrate.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.child.kill();
  }
  assert.match(server.output().stdout, new RegExp(`4 networks measured by the browser .*; 4 in ${out}`));

  const results = JSON.parse(readFileSync(out, 'utf8')) as { index: number; spacename: string; t_avg: number; t_std: number }[];
  assert.deepEqual(results.map((r) => r.index), NETWORKS);
  assert.deepEqual([...new Set(results.map((r) => r.spacename))], ['random_net_mobilenetv2', 'random_net_pnasnet']);
  for (const r of results) assert.ok(r.t_avg > 0 && r.t_std >= 0, JSON.stringify(r));

  const { devices, measurements } = readJournal(journal);
  assert.equal(devices.length, 1);
  const device = devices[0] as (typeof devices)[0] & { executionProvider?: string };
  assert.equal(device.executionProvider, 'wasm');
  assert.equal(device.platform, 'browser');
  assert.match(device.cpuModel, /Chrome/);
  assert.ok(device.threads >= 1);
  assert.deepEqual(device.protocol, { name: 'fixed', warmup: 1, runs: 3 });
  for (const m of measurements) {
    assert.equal(m.timesMs.length, 4);
    assert.deepEqual([m.discarded, m.runs, m.protocol], [1, 3, 'fixed(warmup=1,runs=3)']);
    assert.ok(m.median > 0 && m.seconds.session > 0);
  }
});

test('serve resumes a results file: the plan omits measured networks, another device is refused, all-done exits at once', { skip: chromiumMissing, timeout: 30_000 }, async () => {
  const server = serve(['--out', out, '--indices', [...NETWORKS, 710].join(','), ...PROTOCOL]);
  try {
    const url = await server.url;
    const plan = await (await fetch(new URL('plan', url))).json();
    assert.deepEqual([plan.indices, plan.planned], [[710], 5]);
    const device = { ...readJournal(journal).devices[0]!, cores: 64 };
    const reply = await fetch(new URL('device', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device }) });
    assert.equal(reply.status, 409);
    assert.match((await reply.json()).error, /different device or setup \(cores: \d+ vs 64\); choose another --out, or pass --force/);
  } finally {
    server.child.kill('SIGINT');
  }
  assert.equal(await server.exited, 130);
  assert.match(server.output().stderr, /interrupted by SIGINT: 0 networks measured .*; 4 in /);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).length, 4);

  const again = runCli(['serve', '--out', out, '--indices', NETWORKS.join(',')]);
  assert.equal(again.status, 0);
  assert.equal(again.stdout, `all 4 networks are already in ${out}; nothing to measure\n`);
});

test('a browser calibrates the ONNX files of a served directory into the results `calibrate --onnx` writes (a file changed since is refused), and select chooses among them', { skip: chromiumMissing, timeout: 60_000 }, async () => {
  const fixtures = join(REPO_ROOT, 'test', 'fixtures', 'onnx');
  const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as { models: { file: string; stateDictElements: number; macs: number }[] };
  const files = ['catalog_280.onnx', 'catalog_680.onnx'];
  const fileOut = join(work, 'files.json');
  const served = join(work, 'models');
  mkdirSync(served);
  for (const f of files) copyFileSync(join(fixtures, f), join(served, f));
  const server = serve(['--out', fileOut, '--onnx', served, ...PROTOCOL]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = await server.url;
    const plan = await (await fetch(new URL('plan', url))).json();
    assert.deepEqual(plan.files.map((f: { file: string }) => f.file), files);
    const stranger = await fetch(new URL('measurement', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file: files[0], sha256: plan.files[1].sha256 }),
    });
    assert.equal(stranger.status, 409);
    assert.match((await stranger.json()).error, /^file catalog_280\.onnx with SHA-256 [0-9a-f]{64} is not in this server's plan$/);
    const bytes = await fetch(new URL(`onnx/${plan.files[0].sha256}`, url));
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), readFileSync(join(fixtures, files[0]!)));
    assert.equal((await fetch(new URL(`onnx/${'0'.repeat(64)}`, url))).status, 404);
    writeFileSync(join(served, files[1]!), 'edited');
    const changed = await fetch(new URL(`onnx/${plan.files[1].sha256}`, url));
    assert.equal(changed.status, 409);
    assert.match((await changed.json()).error, /catalog_680\.onnx changed since serve started; restart iotnets serve to measure its new content$/);
    copyFileSync(join(fixtures, files[1]!), join(served, files[1]!));
    await page.goto(url);
    assert.equal(await server.exited, 0, server.output().stderr);
    await page.getByText(/^done: 2 networks measured/).waitFor({ timeout: 5_000 });
    mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'out', 'web-calibrate-onnx.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.child.kill();
  }
  const results = JSON.parse(readFileSync(fileOut, 'utf8')) as Record<string, unknown>[];
  const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(fixtures, file))).digest('hex');
  assert.deepEqual(results.map((r) => [r['file'], r['sha256'], r['params'], r['macs']]), files.map((file) => {
    const m = manifest.models.find((x) => x.file === file)!;
    return [file, sha256(file), m.stateDictElements, m.macs];
  }));
  assert.deepEqual(Object.keys(results[0]!), ['file', 'sha256', 'params', 'flops', 'macs', 'weight_elements', 'peak_activation_elements', 'runs', 't_avg', 't_median', 't_p90', 't_std']);
  const { devices, files: measured } = readJournal(join(work, 'files.journal.jsonl'));
  assert.equal((devices[0] as (typeof devices)[0] & { executionProvider?: string }).executionProvider, 'wasm');
  assert.deepEqual(measured.map((m) => m.file), files);
  const table = join(work, 'files-accuracy.csv');
  writeFileSync(table, 'file,accuracy\ncatalog_280.onnx,0.61\ncatalog_680.onnx,0.72\n');
  const best = runCli(['select', '--results', fileOut, '--accuracy', table, '--json']);
  assert.equal(best.status, 0, best.stderr);
  assert.equal(JSON.parse(best.stdout).best.file, 'catalog_680.onnx');
});
