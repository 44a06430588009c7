import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { field, IotnetsError } from '../errors.js';
import { writeFileAtomic } from '../io/files-node.js';
import type { ProposalRecord } from './journal.js';
import type { Trainer, TrainOutcome } from './loop.js';
import { networkFiles, trialDir, writeTrialFiles, type NetworkFiles } from './files-node.js';

/** Characters of a failed trainer's stderr kept in the journal. */
const STDERR_TAIL = 2000;

/**
 * Reads the accuracy a trainer printed as the last line of its stdout: a fraction in [0,1] or a percentage
 * ("83.1" or "83.1%"); undefined for anything else.
 */
export function parseAccuracyLine(stdout: string): number | undefined {
  const last = stdout.trimEnd().split('\n').at(-1)?.trim() ?? '';
  const m = /^([+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(%?)$/i.exec(last);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (m[2] === '%' || value > 1) return value <= 100 ? value / 100 : undefined;
  return value;
}

/** The environment a trainer runs with for one trial. */
export function trainerEnvironment(trial: ProposalRecord, files: NetworkFiles): Record<string, string> {
  return {
    IOTNETS_SPACE: trial.spacename,
    IOTNETS_LAW: trial.law === undefined ? '' : typeof trial.law === 'string' ? trial.law : JSON.stringify(trial.law),
    IOTNETS_ID: trial.id === undefined ? '' : String(trial.id),
    IOTNETS_ARGS_FILE: files.argsFile,
    IOTNETS_ONNX: files.onnxFile,
    IOTNETS_TRIAL: String(trial.trial),
  };
}

/** Options of the command trainer. */
export interface CommandTrainerOptions {
  /** The shell command run once per trial. */
  readonly command: string;
  /** The search's output directory, where each trial's files go. */
  readonly dir: string;
  /** Milliseconds a training may take before it is killed and recorded as failed. */
  readonly timeoutMs?: number;
}

/** A trainer that runs the user's shell command per trial, in its own process group (a timeout kills all of it). */
export function commandTrainer(o: CommandTrainerOptions): Trainer {
  return {
    train(trial: ProposalRecord, signal: AbortSignal): Promise<TrainOutcome> {
      // Absolute paths: a trainer may change directory, and a later run finds its orphan by them.
      const dir = resolvePath(o.dir);
      const files = writeTrialFiles(dir, trial);
      const started = performance.now();
      return new Promise((resolve) => {
        const child = spawn(o.command, { shell: true, detached: true, env: { ...process.env, ...trainerEnvironment(trial, files) }, stdio: ['ignore', 'pipe', 'pipe'] });
        if (child.pid !== undefined) recordTrainerProcess(dir, trial.trial, child.pid);
        let stdout = '';
        let stderr = '';
        let stopped: string | undefined;
        const stop = (why: string) => {
          stopped = why;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Already gone.
          }
        };
        const timer = o.timeoutMs !== undefined ? setTimeout(() => stop(`timed out after ${o.timeoutMs! / 1000} s (${field('timeoutMs')})`), o.timeoutMs) : undefined;
        const onAbort = () => stop('interrupted');
        signal.addEventListener('abort', onAbort, { once: true });
        child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
        child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
        const finish = (outcome: Omit<TrainOutcome, 'seconds'>) => {
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve({ ...outcome, seconds: (performance.now() - started) / 1000 });
        };
        child.on('error', (e) => finish({ error: `cannot run the trainer: ${e.message}; check ${field('command')}`, stderrTail: stderr }));
        child.on('close', (code, sig) => {
          if (stopped) return finish({ error: stopped, stderrTail: stderr });
          if (code !== 0) return finish({ error: `the trainer exited with ${code ?? sig}`, stderrTail: stderr });
          const accuracy = parseAccuracyLine(stdout);
          if (accuracy === undefined) {
            const last = stdout.trimEnd().split('\n').at(-1) ?? '';
            return finish({ error: `the trainer's last stdout line ${JSON.stringify(last.slice(0, 200))} is not an accuracy (a fraction in [0,1] or a percentage)`, stderrTail: stderr });
          }
          finish({ accuracy });
        });
      });
    },
  };
}

/** The process group a trial's trainer runs in, kept beside the trial's files so a later run can find an orphan. */
interface TrainerProcess {
  readonly pgid: number;
  readonly startedAt: string;
}

function trainerProcessFile(dir: string, trial: number): string {
  return join(trialDir(dir, trial), 'trainer.json');
}

function recordTrainerProcess(dir: string, trial: number, pgid: number): void {
  const record: TrainerProcess = { pgid, startedAt: new Date().toISOString() };
  writeFileAtomic(trainerProcessFile(dir, trial), `${JSON.stringify(record)}\n`, 'out');
}

function readTrainerProcess(dir: string, trial: number): TrainerProcess | undefined {
  try {
    const record = JSON.parse(readFileSync(trainerProcessFile(dir, trial), 'utf8')) as Partial<TrainerProcess>;
    return Number.isInteger(record.pgid) && record.pgid! > 1 ? (record as TrainerProcess) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live (not zombie) members of process group `pgid` with their environment, from /proc; undefined where there is
 * no /proc.
 */
function groupMembers(pgid: number): string[][] | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  return pids.flatMap((pid) => {
    try {
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') return [];
      return [readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')];
    } catch {
      return [];
    }
  });
}

function groupAlive(pgid: number): boolean {
  const members = groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether process group `pgid` is still trial `trial`'s trainer, not an unrelated group that reuses its number: a
 * member's environment must name the trial and its args file (where /proc is absent, the group is trusted).
 */
function isTrialTrainer(pgid: number, trial: number, argsFile: string): boolean {
  const marks = [`IOTNETS_TRIAL=${trial}`, `IOTNETS_ARGS_FILE=${argsFile}`];
  return groupMembers(pgid)?.some((environment) => marks.every((m) => environment.includes(m))) ?? true;
}

/** How long an orphaned trainer may take to die after SIGKILL. */
const ORPHAN_STOP_MS = 10_000;

/**
 * Stops the trainers of `trials` (proposed, without a result) that a killed search left running, so that no network is
 * trained twice at once when they run again; returns the trials whose trainer was stopped.
 */
export async function stopOrphanTrainers(dir: string, trials: readonly ProposalRecord[]): Promise<number[]> {
  const stopped: number[] = [];
  for (const t of trials) {
    const orphan = readTrainerProcess(dir, t.trial);
    if (!orphan || !groupAlive(orphan.pgid) || !isTrialTrainer(orphan.pgid, t.trial, networkFiles(trialDir(resolvePath(dir), t.trial)).argsFile)) continue;
    try {
      process.kill(-orphan.pgid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    for (let waited = 0; groupAlive(orphan.pgid); waited += 20) {
      if (waited >= ORPHAN_STOP_MS) throw new IotnetsError(`trial ${t.trial}'s trainer from an earlier run (process group ${orphan.pgid}) does not stop; stop it, then run the search again`);
      await new Promise((r) => setTimeout(r, 20));
    }
    stopped.push(t.trial);
  }
  return stopped;
}
