import { GraphBuilder } from '../../graph/graph.js';
import { BASIC_BLOCK, BOTTLENECK, resNet } from '../blocks/resnet.js';
import { registerSpace } from '../registry.js';
import { checkKeys, codeList, drawRange, intList } from './args.js';

const NAME = 'random_net_resnet';
/** Block codes of `blocks`: 0 = BasicBlock, 1 = Bottleneck. */
const BLOCKS = [BASIC_BLOCK, BOTTLENECK];

/** ResNet space: a block type per stage (a choice), five widths (stem + four stages) and blocks per stage. */
registerSpace({
  name: NAME,
  rangeKinds: { block_ops: 'choice', fs: 'range', num_blocks: 'range' },
  laws: {
    s1: { block_ops: [0, 1], fs: [16, 1024], num_blocks: [1, 4] },
    s2: { block_ops: [0, 1], fs: [16, 512], num_blocks: [1, 3] },
    s3: { block_ops: [0, 1], fs: [16, 128], num_blocks: [1, 3] },
    s4: { block_ops: [0, 1], fs: [4, 32], num_blocks: [1, 3] },
    s5: { block_ops: [0, 1], fs: [2, 8], num_blocks: [1, 3] },
  },
  sample: (ranges, rng) => ({
    blocks: rng.choice(ranges['block_ops']!, 4),
    fs: drawRange(rng, ranges, 'fs', 5),
    num_blocks: drawRange(rng, ranges, 'num_blocks', 4),
  }),
  build(args, numClasses) {
    checkKeys(NAME, args, ['blocks', 'fs', 'num_blocks']);
    const [b0, b1, b2, b3] = codeList(NAME, args, 'blocks', 4, BLOCKS.map((x) => x.name));
    const spec = {
      blocks: [BLOCKS[b0]!, BLOCKS[b1]!, BLOCKS[b2]!, BLOCKS[b3]!] as const,
      widths: intList(NAME, args, 'fs', 5),
      numBlocks: intList(NAME, args, 'num_blocks', 4),
    };
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    return b.build(resNet(b, spec));
  },
});
