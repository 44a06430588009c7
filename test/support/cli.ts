import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './shared.js';

/** Runs the iotnets CLI as a user would and returns its exit status and output. */
export function runCli(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The measurement lines of a journal (none when it does not exist yet). */
export function measuredLines(journal: string): string[] {
  if (!existsSync(journal)) return [];
  return readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"type":"measurement"'));
}

/** Starts a calibration, sends `signal` once the journal holds `atLeast` measurements, and resolves with its exit. */
export function interruptAfter(args: string[], journal: string, atLeast: number, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; linesAtSignal: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let linesAtSignal = -1;
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      const n = measuredLines(journal).length;
      if (linesAtSignal < 0 && n >= atLeast) {
        linesAtSignal = n;
        child.kill(signal);
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr, linesAtSignal });
    });
  });
}

