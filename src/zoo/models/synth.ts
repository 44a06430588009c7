import type { GraphBuilder, Value } from '../../graph/graph.js';
import { defineModel, viewFlat } from './define.js';

// The synthetic nets of networks/synthnets.py: 3x3 convolutions (with bias) widened by a factor f, each followed by
// F.relu and the ONE nn.MaxPool2d(2, 2) module `pool` (counted at every call), ending in view(-1, 256*4*4) and `fc1`.
// The last map must be exactly 256x4x4 per sample, so SynthWide and SynthWideAndLong (four pools) need 64x64 input
// and SynthWide256 (seven pools) 512x512: their comments' 32x32 and 256x256 would make view() fold samples together.

/** Elements per sample the original's x.view(-1, 256*4*4) expects before `fc1`. */
const FC1_FEATURES = 256 * 4 * 4;

/**
 * conv{i}-ReLU-pool stages of `widths`; after every stage but the last, `blockLength` bias-free 3x3 convs of the same
 * width in nn.Sequential `block{i}` (SynthWideAndLong's `_make_layer`, without activations).
 */
function synthNet(b: GraphBuilder, widths: readonly number[], blockLength = 0): Value {
  let x = b.input;
  widths.forEach((width, i) => {
    x = b.maxPool(b.relu(b.conv(`conv${i + 1}`, x, width, 3, { padding: 1 })), 2, { stride: 2 }, 'pool');
    if (i === widths.length - 1) return;
    for (let j = 0; j < blockLength; j++) x = b.conv(`block${i + 1}.${j}`, x, width, 3, { padding: 1, bias: false });
  });
  return b.linear('fc1', viewFlat(b, x, FC1_FEATURES), b.numClasses);
}

defineModel('SynthWide', 'synth', 64, (b, { f }) => synthNet(b, [32 * f!, 64 * f!, 128 * f!, 256]), { defaultArgs: { f: 1 } });

defineModel('SynthWide256', 'synth', 512, (b, { f }) => synthNet(b, [32, 64, 128, 256, 512, 1024].map((w) => w * f!).concat(256)), {
  defaultArgs: { f: 1 },
});

defineModel('SynthWideAndLong', 'synth', 64, (b, { f, l }) => synthNet(b, [32 * f!, 64 * f!, 128 * f!, 256], l), {
  defaultArgs: { f: 1, l: 1 },
});
