import { check } from '../../errors.js';
import { GraphBuilder, type Value } from '../../graph/graph.js';
import { registerSpace } from '../registry.js';
import { checkKeys, drawRange, intList } from './args.js';

const NAME = 'random_net_probenet_s';

/** The original's pad_same: int((k-1)/2), which keeps the size for odd kernels. */
const padSame = (k: number) => Math.trunc((k - 1) / 2);

/** ProbeNet_s space: three conv-BN-ReLU-MaxPool stages with widths fs and a (height, width) kernel pair per conv. */
registerSpace({
  name: NAME,
  rangeKinds: { fs: 'range', kops: 'choice' },
  laws: {
    s0: { fs: [1, 128], kops: [1, 3, 5, 7] },
    s1: { fs: [4, 32], kops: [1, 3, 5, 7] },
    s2: { fs: [2, 8], kops: [1, 3, 5] },
    s3: { fs: [16, 128], kops: [1, 3, 5, 7] },
  },
  sample: (ranges, rng) => ({ fs: drawRange(rng, ranges, 'fs', 3), ks: rng.choice(ranges['kops']!, 6) }),
  build(args, numClasses) {
    checkKeys(NAME, args, ['fs', 'ks']);
    const fs = intList(NAME, args, 'fs', 3);
    const ks = intList(NAME, args, 'ks', 6);
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    let x: Value = b.input;
    fs.forEach((planes, i) => {
      const kernel = [ks[2 * i]!, ks[2 * i + 1]!] as const;
      x = b.conv(`conv${i}`, x, planes, kernel, { padding: [padSame(kernel[0]), padSame(kernel[1])], bias: false });
      x = b.maxPool(b.relu(b.bn(`bn_c${i}`, x)), 2, {}, `pool${i + 1}`);
    });
    // The original flattens with x.view(-1, 4*4*f3): only odd kernels keep the 4x4 map that size assumes.
    const denseDim = 4 * 4 * fs[2];
    const flat = b.flatten(x);
    check(flat.shape[0] === denseDim, () => `${NAME}: kernels ${ks.join(',')} leave a ${x.shape.slice(1).join('x')} map, not the 4x4 the classifier expects; use odd kernel sizes`);
    return b.build(b.linear('fc_out', flat, numClasses));
  },
});
