import { GraphBuilder } from '../../graph/graph.js';
import { mobileNetV2 } from '../blocks/mobilenetv2.js';
import { registerSpace } from '../registry.js';
import { checkKeys, drawOne, drawRange, intList, intMatrix } from './args.js';

const NAME = 'random_net_mobilenetv2';
const ROWS = 7;

/** MobileNetV2 space: seven (expansion, out_planes, num_blocks, stride) rows, three of them downsampling, plus stem and head widths. */
registerSpace({
  name: NAME,
  rangeKinds: { expansions: 'range', out_planes: 'range', num_blocks: 'range', io_in: 'range', io_out: 'range' },
  laws: {
    s1: { expansions: [1, 8], out_planes: [16, 256], num_blocks: [1, 4], io_in: [16, 128], io_out: [128, 1280] },
    s2: { expansions: [1, 6], out_planes: [16, 128], num_blocks: [1, 3], io_in: [16, 64], io_out: [128, 512] },
    s3: { expansions: [1, 4], out_planes: [16, 64], num_blocks: [1, 2], io_in: [16, 32], io_out: [128, 256] },
    s4: { expansions: [1, 4], out_planes: [4, 32], num_blocks: [1, 2], io_in: [16, 32], io_out: [64, 128] },
    s5: { expansions: [1, 4], out_planes: [2, 8], num_blocks: [1, 2], io_in: [16, 32], io_out: [16, 64] },
    s6: { expansions: [1, 2], out_planes: [2, 8], num_blocks: [1, 2], io_in: [4, 8], io_out: [12, 16] },
  },
  sample(ranges, rng) {
    const expansions = drawRange(rng, ranges, 'expansions', ROWS);
    const outPlanes = drawRange(rng, ranges, 'out_planes', ROWS);
    const numBlocks = drawRange(rng, ranges, 'num_blocks', ROWS);
    // Three stride-2 rows take 32x32 down to the 4x4 the final pooling expects; their place is shuffled.
    const strides = [2, 2, 2, 1, 1, 1, 1];
    rng.shuffle(strides);
    const cfg = expansions.map((e, i) => [e, outPlanes[i]!, numBlocks[i]!, strides[i]!]);
    return { cfg, io_planes: [drawOne(rng, ranges, 'io_in'), drawOne(rng, ranges, 'io_out')] };
  },
  build(args, numClasses) {
    checkKeys(NAME, args, ['cfg', 'io_planes']);
    const cfg = intMatrix(NAME, args, 'cfg', ROWS, 4);
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    return b.build(mobileNetV2(b, cfg, intList(NAME, args, 'io_planes', 2)));
  },
});
