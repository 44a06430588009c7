// `npm run fuzz [-- --mutations N --seed S --reader NAME]`: feeds every reader N seeded mutations of real files and
// prints per reader the mutations tried and the outcomes. Each reader runs in a worker with a 512 MB heap, watched
// from here: a case that takes longer than HANG_MS is a hang (the worker is replaced), a worker that runs out of heap
// is over memory, and so is a decoded result beyond OUTPUT_BOUND. Exit status 1 when any case is neither accepted
// nor a clean one-line error.
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { classify, FUZZ_READERS, HANG_MS, mutation, OUTPUT_BOUND, type Outcome } from './fuzz-readers.js';

const OUTCOMES: readonly Outcome[] = ['accepted', 'clean error', 'other exception', 'hang', 'over memory'];
const HEAP_MB = 512;

interface Job {
  readonly reader: string;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

type Message = { case: number } | { case: number; outcome: Outcome; detail?: string } | { done: true };

if (!isMainThread) {
  const job = workerData as Job;
  const reader = FUZZ_READERS.find((r) => r.name === job.reader)!;
  const seeds = reader.seeds();
  for (let i = job.from; i < job.to; i++) {
    parentPort!.postMessage({ case: i } satisfies Message);
    const { outcome, detail } = classify(reader, mutation(seeds, job.seed, i));
    parentPort!.postMessage({ case: i, outcome, ...(detail ? { detail } : {}) } satisfies Message);
  }
  parentPort!.postMessage({ done: true } satisfies Message);
} else {
  const { values } = parseArgs({ options: { mutations: { type: 'string', default: '10000' }, seed: { type: 'string', default: '9' }, reader: { type: 'string' } } });
  const mutations = Number(values.mutations);
  const seed = Number(values.seed);
  const readers = FUZZ_READERS.filter((r) => values.reader === undefined || r.name.includes(values.reader));
  console.log(`fuzz: ${mutations} mutations per reader, seed ${seed}; hang = over ${HANG_MS} ms, over memory = a ${HEAP_MB} MB heap exhausted or more than ${OUTPUT_BOUND.factor}x the input decoded`);
  let failures = 0;
  for (const reader of readers) {
    const started = performance.now();
    const counts = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
    const examples: string[] = [];
    const record = (i: number, outcome: Outcome, detail?: string) => {
      counts.set(outcome, counts.get(outcome)! + 1);
      if (outcome !== 'accepted' && outcome !== 'clean error' && examples.length < 3) examples.push(`  case ${i} (${outcome}): ${(detail ?? '').split('\n').slice(0, 4).join(' | ')}`);
    };
    let from = 0;
    while (from < mutations) {
      from = await new Promise<number>((resolve) => {
        const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
          workerData: { reader: reader.name, seed, from, to: mutations } satisfies Job,
          resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
        });
        let current = from;
        let started = false;
        let lastStart = performance.now();
        let ended = false;
        const end = (next: number) => {
          if (ended) return;
          ended = true;
          clearInterval(watchdog);
          void worker.terminate();
          resolve(next);
        };
        const watchdog = setInterval(() => {
          if (performance.now() - lastStart > HANG_MS) {
            record(current, 'hang', `no answer after ${HANG_MS} ms`);
            end(current + 1);
          }
        }, 250);
        worker.on('message', (m: Message) => {
          if ('done' in m) return end(mutations);
          if ('outcome' in m) return record(m.case, m.outcome, m.detail);
          current = m.case;
          started = true;
          lastStart = performance.now();
        });
        worker.on('error', (e: Error & { code?: string }) => {
          // A worker that fails before its first case is the harness failing, not a reader.
          if (!started) throw e;
          record(current, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'over memory' : 'other exception', e.message);
          end(current + 1);
        });
        worker.on('exit', () => end(current + 1));
      });
    }
    const seconds = (performance.now() - started) / 1000;
    const bad = counts.get('other exception')! + counts.get('hang')! + counts.get('over memory')!;
    failures += bad;
    console.log(`${reader.name.padEnd(26)} ${String(mutations).padStart(6)} tried: ${OUTCOMES.map((o) => `${o} ${counts.get(o)}`).join(', ')} (${seconds.toFixed(0)} s)`);
    for (const line of examples) console.log(line);
  }
  process.exitCode = failures > 0 ? 1 : 0;
}
