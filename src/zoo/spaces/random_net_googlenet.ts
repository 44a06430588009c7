import { GraphBuilder } from '../../graph/graph.js';
import { googLeNet } from '../blocks/googlenet.js';
import { registerSpace, type Ranges } from '../registry.js';
import type { RandomState } from '../../rng/random-state.js';
import { checkKeys, drawOne, intMatrix } from './args.js';

const NAME = 'random_net_googlenet';
const ROWS = 9;
const BRANCH_KEYS = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'] as const;

function sample(ranges: Ranges, rng: RandomState): { cfg: number[][] } {
  let inPlanes = drawOne(rng, ranges, 'io_in');
  const cfg: number[][] = [];
  for (let row = 0; row < ROWS; row++) {
    // The original draws and discards 7 values per row (kept for seed compatibility); which range depends on the law.
    rng.randint(16, ranges['l1']![1]! > 60 ? 512 : 256, 7);
    const line = [inPlanes, ...BRANCH_KEYS.map((key) => drawOne(rng, ranges, key))];
    // The next Inception takes the concatenation n1x1 + n3x3 + n5x5 + pool_planes.
    inPlanes = line[1]! + line[3]! + line[5]! + line[6]!;
    cfg.push(line);
  }
  return { cfg };
}

/** GoogLeNet space: nine Inception rows [in_planes, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes] chained by width. */
registerSpace({
  name: NAME,
  rangeKinds: { io_in: 'range', l1: 'range', l2: 'range', l3: 'range', l4: 'range', l5: 'range', l6: 'range' },
  laws: {
    s1: { io_in: [16, 256], l1: [16, 384], l2: [16, 192], l3: [16, 384], l4: [16, 48], l5: [16, 128], l6: [16, 128] },
    s2: { io_in: [16, 256], l1: [16, 64], l2: [16, 64], l3: [16, 64], l4: [16, 32], l5: [16, 32], l6: [16, 32] },
    s3: { io_in: [16, 256], l1: [16, 32], l2: [8, 16], l3: [16, 32], l4: [4, 8], l5: [4, 8], l6: [4, 8] },
    s4: { io_in: [16, 128], l1: [4, 8], l2: [4, 8], l3: [4, 8], l4: [4, 8], l5: [4, 8], l6: [4, 8] },
    s5: { io_in: [8, 16], l1: [4, 6], l2: [4, 6], l3: [4, 6], l4: [4, 6], l5: [4, 6], l6: [4, 6] },
    s6: { io_in: [8, 16], l1: [2, 6], l2: [2, 6], l3: [2, 6], l4: [2, 6], l5: [2, 6], l6: [2, 6] },
  },
  sample,
  build(args, numClasses) {
    checkKeys(NAME, args, ['cfg']);
    const cfg = intMatrix(NAME, args, 'cfg', ROWS, 7);
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    return b.build(googLeNet(b, cfg));
  },
});
