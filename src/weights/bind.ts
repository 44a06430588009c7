import { IotnetsError } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { stateDictEntries } from '../graph/summary.js';
import type { StateDict, Tensor } from '../graph/tensor.js';

/** How many names an error lists before summarising the rest as a count. */
const LISTED = 3;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** Whether a stored tensor of `dtype` can fill a graph entry declared as `expected` (floats of any precision fill float32). */
function sameKind(dtype: Tensor['dtype'], expected: string): boolean {
  const isFloat = (t: string) => t === 'float32' || t === 'float64' || t === 'float16' || t === 'bfloat16';
  return isFloat(dtype) === isFloat(expected);
}

/**
 * Checks `stateDict` against the graph's state_dict entries and returns it in the graph's key order.
 * Missing, unexpected or wrongly shaped keys give one IotnetsError line listing them; `source` names the weights
 * (a file name) and `network` the network in that message. A missing `num_batches_tracked` is filled with 0, as
 * PyTorch does when loading checkpoints written before it existed.
 */
export function bindStateDict(graph: Graph, stateDict: StateDict, source: string, network = graph.name): StateDict {
  const entries = stateDictEntries(graph);
  const expected = new Set(entries.map((e) => e.key));
  const missing: string[] = [];
  const mismatched: string[] = [];
  const bound: StateDict = new Map();
  for (const entry of entries) {
    const tensor = stateDict.get(entry.key);
    if (tensor === undefined) {
      if (entry.key.endsWith('.num_batches_tracked')) bound.set(entry.key, { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
      else missing.push(entry.key);
      continue;
    }
    if (tensor.shape.length !== entry.shape.length || tensor.shape.some((d, i) => d !== entry.shape[i])) {
      mismatched.push(`shape of ${entry.key} is ${shapeText(tensor.shape)}, expected ${shapeText(entry.shape)}`);
    } else if (!sameKind(tensor.dtype, entry.dtype)) {
      mismatched.push(`${entry.key} is ${tensor.dtype}, expected ${entry.dtype}`);
    } else {
      bound.set(entry.key, tensor);
    }
  }
  const unexpected = [...stateDict.keys()].filter((k) => !expected.has(k));
  if (missing.length + unexpected.length + mismatched.length > 0) {
    const problems = [
      ...(missing.length ? [`missing ${listed(missing)}`] : []),
      ...(unexpected.length ? [`unexpected ${listed(unexpected)}`] : []),
      ...(mismatched.length ? [listed(mismatched)] : []),
    ];
    throw new IotnetsError(
      `${source} does not fit ${network}: ${problems.join('; ')}; load it into the network it was trained for`,
    );
  }
  return bound;
}
