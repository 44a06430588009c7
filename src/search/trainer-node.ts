import { field } from '../errors.js';
import { spawn } from 'node:child_process';
import type { ProposalRecord } from './journal.js';
import type { Trainer, TrainOutcome } from './loop.js';
import { writeTrialFiles, type NetworkFiles } from './files-node.js';

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
      const files = writeTrialFiles(o.dir, trial);
      const started = performance.now();
      return new Promise((resolve) => {
        const child = spawn(o.command, { shell: true, detached: true, env: { ...process.env, ...trainerEnvironment(trial, files) }, stdio: ['ignore', 'pipe', 'pipe'] });
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
