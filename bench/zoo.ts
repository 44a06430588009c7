// Samples, builds and summarizes all 1617 catalog networks: the cost of turning the paper's catalog into graphs.
import { CATALOG, catalogArgs } from '../src/catalog/catalog.js';
import { summarize } from '../src/graph/summary.js';
import { build } from '../src/zoo/index.js';

const RUNS = 5;

/** One pass over the catalog; returns milliseconds and a checksum so the work cannot be optimised away. */
function pass(): { ms: number; params: number } {
  const start = performance.now();
  let params = 0;
  for (const entry of CATALOG) params += summarize(build(entry.space, { args: catalogArgs(entry) })).stateDictElements;
  return { ms: performance.now() - start, params };
}

const runs = Array.from({ length: RUNS }, pass);
const times = runs.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)]!;
console.log(`zoo: ${CATALOG.length} catalog networks sampled, built and summarized (${runs[0]!.params} state_dict elements in total)`);
console.log(`runs (ms): ${runs.map((r) => r.ms.toFixed(0)).join(', ')}`);
console.log(`median ${median.toFixed(0)} ms, ${(CATALOG.length / (median / 1000)).toFixed(0)} networks/s`);
