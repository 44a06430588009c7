import { GraphBuilder } from '../../graph/graph.js';
import { denseNet } from '../blocks/densenet.js';
import { registerSpace } from '../registry.js';
import { checkKeys, drawOne, drawRange, intList, intValue, positiveNumber } from './args.js';

const NAME = 'random_net_densenet';

/** DenseNet space: four dense stages with a shared growth rate; reduction is drawn in percent. */
registerSpace({
  name: NAME,
  rangeKinds: { nblocks: 'range', growth_rate: 'range', reduction: 'range' },
  laws: {
    s1: { nblocks: [1, 32], growth_rate: [1, 32], reduction: [20, 80] },
    s2: { nblocks: [1, 16], growth_rate: [1, 16], reduction: [20, 80] },
    s3: { nblocks: [1, 8], growth_rate: [1, 8], reduction: [50, 80] },
  },
  sample: (ranges, rng) => ({
    nblocks: drawRange(rng, ranges, 'nblocks', 4),
    growth_rate: drawOne(rng, ranges, 'growth_rate'),
    reduction: drawOne(rng, ranges, 'reduction') / 100,
  }),
  build(args, numClasses) {
    checkKeys(NAME, args, ['nblocks', 'growth_rate', 'reduction']);
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    const spec = { nblocks: intList(NAME, args, 'nblocks', 4, 0), growthRate: intValue(NAME, args, 'growth_rate'), reduction: positiveNumber(NAME, args, 'reduction') };
    return b.build(denseNet(b, spec));
  },
});
