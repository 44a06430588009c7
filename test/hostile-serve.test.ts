import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readJournal } from '../src/calibrate/journal.js';
import { numpyMean, numpyStd, summarizeTimes } from '../src/runtime/stats.js';
import { REPO_ROOT } from './support/shared.js';
import { deviceLine } from './support/records.js';

// Issue 9 case 3: what a hostile page, a buggy page or a foreign site can post to `iotnets serve`.
const work = mkdtempSync(join(tmpdir(), 'iotnets-hostile-serve-'));
after(() => rmSync(work, { recursive: true, force: true }));
const out = join(work, 'r.json');
const PROTOCOL = { name: 'fixed', warmup: 1, runs: 3 } as const;

const device = {
  ...deviceLine(), type: undefined, platform: 'browser', arch: 'wasm32', protocol: PROTOCOL,
  executionProvider: 'wasm', crossOriginIsolated: false, ortVersions: { web: '1.30.0' },
};

function timing(timesMs: number[]) {
  const kept = timesMs.slice(1);
  return { protocol: PROTOCOL, timesMs, discarded: 1, stop: 'runs', t_avg: numpyMean(kept), t_std: numpyStd(kept), summary: summarizeTimes(kept), medianCi: 0.1, wallSeconds: 0.1 };
}
const seconds = { export: 0.1, session: 0.1, inference: 0.1 };
const good = { device, index: 705, timing: timing([5, 2, 3, 4]), seconds };

interface Reply { status: number; body: { ok: boolean; error?: string } }

/** A raw HTTP request, so that Host and Origin can be anything a browser or a rebinding attacker might send. */
function send(port: number, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

test('serve refuses foreign origins and hosts, implausible devices and inconsistent measurements, writing nothing until a good one', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), 'serve', '--out', out, '--indices', '705,716', '--protocol', 'fixed', '--warmup', '1', '--runs', '3'], { cwd: work });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        const m = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const refused: [string, Promise<Reply>, number, RegExp][] = [
      ['cross-site text/plain POST', send(port, '/measurement', good, { 'content-type': 'text/plain', origin: 'http://evil.example' }), 403, /only its own pages/],
      ['foreign Origin', send(port, '/device', { device }, { origin: 'http://evil.example' }), 403, /only its own pages/],
      ['DNS rebinding (foreign Host)', send(port, '/device', { device }, { host: `evil.example:${port}` }), 403, /only its own pages/],
      ['text/plain from the right origin', send(port, '/device', { device }, { 'content-type': 'text/plain', origin: `http://127.0.0.1:${port}` }), 415, /application\/json/],
      ['threads -5', send(port, '/device', { device: { ...device, threads: -5 } }), 409, /device record is implausible \(threads: not a whole number in 1\.\.4096\)/],
      ['cores "x"', send(port, '/device', { device: { ...device, cores: 'x' } }), 409, /implausible \(cores:/],
      ['t_avg -5', send(port, '/measurement', { ...good, timing: { ...good.timing, t_avg: -5 } }), 409, /#705 is refused \(t_avg: not a latency in \(0, 600000\] ms\)/],
      ['t_avg 0', send(port, '/measurement', { ...good, timing: { ...good.timing, t_avg: 0 } }), 409, /t_avg: not a latency/],
      ['t_avg 1e308', send(port, '/measurement', { ...good, timing: { ...good.timing, t_avg: 1e308 } }), 409, /t_avg: not a latency/],
      ['negative t_std', send(port, '/measurement', { ...good, timing: { ...good.timing, t_std: -1 } }), 409, /t_std: not a standard deviation/],
      ['negative median', send(port, '/measurement', { ...good, timing: { ...good.timing, summary: { ...good.timing.summary, median: -3 } } }), 409, /median: not a time >= 0/],
      ['empty runs, count 0', send(port, '/measurement', { ...good, timing: { ...good.timing, timesMs: [], summary: { ...good.timing.summary, count: 0 } } }), 409, /discarded: not a whole number|runs:/],
      ['min > max', send(port, '/measurement', { ...good, timing: { ...good.timing, summary: { ...good.timing.summary, min: 9, max: 1 } } }), 409, /min\/median\/max: not in order/],
      ['summary not of its runs', send(port, '/measurement', { ...good, timing: { ...good.timing, t_avg: 3.5 } }), 409, /t_avg: 3\.5 disagrees with its runs \(3\)/],
      ['negative seconds', send(port, '/measurement', { ...good, seconds: { export: -1 } }), 409, /seconds: not a record of durations/],
      ['missing timing', send(port, '/measurement', { device, index: 705 }), 409, /#705 is incomplete/],
      ['missing index', send(port, '/measurement', { device }), 409, /network #undefined is not in this server's plan/],
      ['not JSON', send(port, '/measurement', '{"index":'), 409, /not JSON/],
    ];
    for (const [what, reply, status, error] of refused) {
      const r = await reply;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error!, error, what);
      assert.doesNotMatch(r.body.error!, /TypeError|at .*\.ts:\d+/, what);
    }
    assert.deepEqual(readdirSync(work).filter((f) => !f.endsWith('.lock')), [], 'nothing is written before a good measurement');

    // A bogus device posted first does not lock the session: the good one is accepted, and written with its measurement.
    assert.equal((await send(port, '/device', { device })).status, 200);
    assert.equal(existsSync(join(work, 'r.journal.jsonl')), false);
    const accepted = await send(port, '/measurement', good, { origin: `http://localhost:${port}`, host: `localhost:${port}` });
    assert.deepEqual([accepted.status, accepted.body.ok], [200, true], JSON.stringify(accepted.body));
    const journal = readJournal(join(work, 'r.journal.jsonl'));
    assert.deepEqual([journal.devices.length, journal.measurements.map((m) => m.index)], [1, [705]]);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 130, stderr);
});
