// Start-up time of the CLI: `iotnets --help` and a small command (`list`), run from the bundle bin/iotnets.js builds,
// against bare `node` and against running the sources through tsx (IOTNETS_TSX=1, how the CLI started before).
// Target: <= 0.3 s for --help. IOTNETS_BENCH_RUNS=n runs each case n times (default 11) and reports the median.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sortedMedian } from '../src/runtime/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'iotnets.js');
const runs = Number(process.env.IOTNETS_BENCH_RUNS ?? 11);

/** Median wall time in seconds of `node args` over `runs` runs, with `env` added. */
function medianSeconds(args: readonly string[], env: Record<string, string> = {}): number {
  const times = Array.from({ length: runs }, () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
    return (performance.now() - t) / 1000;
  });
  return sortedMedian(times.sort((a, b) => a - b));
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`load average (1, 5, 15 min) at start: ${load()}; median of ${runs} runs each`);
// The first run after an edit builds the bundle; time it apart from the steady state.
const built = performance.now();
spawnSync(process.execPath, [bin, '--help'], { stdio: 'ignore', env: { ...process.env } });
console.log(`first run (bundle build if the sources changed): ${((performance.now() - built) / 1000).toFixed(2)} s`);
const bare = medianSeconds(['-e', '0']);
console.log(`node -e 0 (no iotnets at all): ${bare.toFixed(3)} s`);
for (const args of [['--help'], ['list']]) {
  const bundled = medianSeconds([bin, ...args]);
  const tsx = medianSeconds([bin, ...args], { IOTNETS_TSX: '1' });
  console.log(
    `iotnets ${args.join(' ')}: ${bundled.toFixed(3)} s from the bundle${args[0] === '--help' ? ' (target <= 0.3 s)' : ''}, ` +
      `${tsx.toFixed(3)} s through tsx (${(tsx / bundled).toFixed(1)}x); ${(bundled - bare).toFixed(3)} s above bare node`,
  );
}
console.log(`load average at end: ${load()}`);
