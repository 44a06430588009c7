import { GraphBuilder } from '../../graph/graph.js';
import { resNeXt } from '../blocks/resnext.js';
import { registerSpace } from '../registry.js';
import { checkKeys, drawOne, drawRange, intList } from './args.js';

const NAME = 'random_net_resnext';

/** ResNeXt space: blocks and bottleneck width per stage, each stage's cardinality capped by prod_limit / width. */
registerSpace({
  name: NAME,
  rangeKinds: { num_blocks: 'range', bottleneck_widths: 'range', prod_limit: 'range' },
  laws: {
    s1: { num_blocks: [1, 3], bottleneck_widths: [4, 64], prod_limit: [512, 513] },
    s2: { num_blocks: [1, 3], bottleneck_widths: [4, 32], prod_limit: [128, 129] },
    s3: { num_blocks: [1, 2], bottleneck_widths: [4, 8], prod_limit: [32, 33] },
  },
  sample(ranges, rng) {
    const numBlocks = drawRange(rng, ranges, 'num_blocks', 3);
    const widths = drawRange(rng, ranges, 'bottleneck_widths', 3);
    const prodLimit = drawOne(rng, ranges, 'prod_limit');
    // Cardinality in [1, max(int(prod_limit / width), 2)): a width above the limit still allows cardinality 1.
    const cardinalities = widths.map((w) => rng.randint(1, Math.max(Math.trunc(prodLimit / w), 2), 1)[0]!);
    return { num_blocks: numBlocks, cardinalities, bottleneck_widths: widths };
  },
  build(args, numClasses) {
    checkKeys(NAME, args, ['num_blocks', 'cardinalities', 'bottleneck_widths']);
    const spec = {
      numBlocks: intList(NAME, args, 'num_blocks', 3),
      cardinalities: intList(NAME, args, 'cardinalities', 3),
      bottleneckWidths: intList(NAME, args, 'bottleneck_widths', 3),
    };
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    return b.build(resNeXt(b, spec));
  },
});
