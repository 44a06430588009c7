import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import { isFileMeasurement, type FileMeasurement, type JournalMeasurement } from '../calibrate/journal.js';

/** A progress display on stderr: a bar with ETA on a terminal, otherwise a plain line about every 10 s or 5%. */
export interface Progress {
  start(total: number): void;
  /** One more step is done; `label` describes it. */
  tick(label: string): void;
  stop(): void;
}

/** The progress label of one measured network (catalog network or ONNX file): which one, its t_avg and median. */
export function measurementLine(m: JournalMeasurement | FileMeasurement): string {
  const network = isFileMeasurement(m) ? m.file : `#${m.index} ${m.spacename}/${m.law}/${m.id}`;
  const precision = 'precision' in m && m.precision ? ` ${m.precision}` : '';
  return `${network}${precision}  t_avg ${m.t_avg.toFixed(3)} ms  median ${m.median.toFixed(3)} ms`;
}

/** `3h05m`, `4m07s`, `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/** A progress display on `stream` (stderr by default), a bar when it is a terminal. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  // The bar library loads only on a terminal, the one place it draws.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} | {percentage}% | ETA {eta_formatted} | {label}',
      // Network latencies differ by orders of magnitude: a long rate window keeps the ETA from jumping.
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0, { label: '' }),
    tick: (label) => bar.increment(1, { label }),
    stop: () => bar.stop(),
  };
}

/** Off a terminal, a progress line at most this often (seconds), or when another 5% is done. */
const LINE_INTERVAL_S = 10;
const LINE_STEP = 0.05;

function lineProgress(stream: NodeJS.WriteStream): Progress {
  let total = 0;
  let done = 0;
  let started = 0;
  let lastAt = 0;
  let lastDone = 0;
  return {
    start(n) {
      total = n;
      started = performance.now();
      lastAt = started;
      lastDone = 0;
    },
    tick(label) {
      done += 1;
      const now = performance.now();
      const due = done === 1 || done === total || now - lastAt >= LINE_INTERVAL_S * 1000 || done - lastDone >= LINE_STEP * total;
      if (!due) return;
      [lastAt, lastDone] = [now, done];
      const spent = (now - started) / 1000;
      const eta = done < total ? `  ETA ${formatDuration((spent / done) * (total - done))}` : '';
      stream.write(`[${done}/${total}] ${label}${eta}\n`);
    },
    stop() {},
  };
}
