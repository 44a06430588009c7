import type { GraphBuilder, Value } from '../../graph/graph.js';
import { defineModel } from './define.js';

// The ProbeNets of networks/probenets.py (Scheidegger et al., "Efficient image dataset classification difficulty
// estimation", Fig. 2), all for 32x32 input. Their ReLUs are F.relu; their pools are nn.MaxPool2d modules.

/** Python 3's round() of a float: the nearest integer, ties to the even one (and never -0, like a Python int). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const nearest = x - floor === 0.5 ? floor + (floor % 2 === 0 ? 0 : 1) : Math.round(x);
  return nearest + 0;
}

/** Layer sizes the ProbeNet_d_* constructors derive from the class count, computed as they do. */
export function classDependentSizes(numClasses: number) {
  return {
    /** ProbeNet_d_feature: widths of conv0 and conv1 (conv2 has numClasses). */
    feature: [roundHalfEven(8 * Math.log10(numClasses)), roundHalfEven(4 * Math.sqrt(numClasses))] as const,
    /** ProbeNet_d_length: convolutions per chain (conv_in plus rep - 1 calls of conv_rep), width of fc0. */
    length: { rep: roundHalfEven(Math.log10(numClasses)), numMiddle: roundHalfEven((numClasses + 2 * 2 * 64) / 2) },
    /** ProbeNet_d_mlp: widths of fc0, fc1, fc2, blending 32*32 towards numClasses. */
    mlp: [0.75, 0.5, 0.25].map((keep) => roundHalfEven(32 * 32 * keep + (1 - keep) * numClasses)),
  };
}

/** relu(bn_c{i}(conv{i}(x))) with a bias-free 3x3 'same' convolution, then the nn.MaxPool2d `pool{i+1}`. */
function convStage(b: GraphBuilder, x: Value, i: number, width: number): Value {
  const out = b.relu(b.bn(`bn_c${i}`, b.conv(`conv${i}`, x, width, 3, { padding: 1, bias: false })));
  return b.maxPool(out, 2, { stride: 2 }, `pool${i + 1}`);
}

/** The conv stages of `widths`, flattened (the originals' x.view(-1, C*H*W) with C*H*W of the last map). */
function convStack(b: GraphBuilder, widths: readonly number[]): Value {
  return b.flatten(widths.reduce((x, width, i) => convStage(b, x, i, width), b.input));
}

/** relu(bn_dense{i}(fc{i}(x))) with a bias-free fc{i}, the dense layer of the ProbeNet_d_* heads. */
function denseBnRelu(b: GraphBuilder, x: Value, i: number, width: number): Value {
  return b.relu(b.bn(`bn_dense${i}`, b.linear(`fc${i}`, x, width, { bias: false })));
}

/** Conv widths of the fixed-size ProbeNets (Fig. 2 a: regular, slim, fat; b: shallow; c: deep). */
const PROBE_NET_S: Readonly<Record<string, readonly number[]>> = {
  ProbeNet_s: [8, 16, 32],
  ProbeNet_s_deep: [8, 16, 32, 64, 128],
  ProbeNet_s_fat: [32, 64, 128],
  ProbeNet_s_nr_deep: [32, 64, 128, 256, 512],
  ProbeNet_s_nr_shallow: [2],
  ProbeNet_s_shallow: [8],
  ProbeNet_s_slim: [2, 4, 8],
};

/** Widths of ProbeNet_d_length's five Chained_Convs `chain1..5`. */
const CHAIN_WIDTHS = [8, 16, 32, 64, 128] as const;

/** probenets.Chained_Convs: conv_in, then conv_rep rep - 1 more times, each followed by the one shared `bn` and F.relu; then `pool`. */
function chainedConvs(b: GraphBuilder, prefix: string, x: Value, width: number, rep: number): Value {
  const step = (conv: string, input: Value) => b.relu(b.bn(`${prefix}.bn`, b.conv(`${prefix}.${conv}`, input, width, 3, { padding: 1, bias: false })));
  let out = step('conv_in', x);
  // With rep <= 1 forward() never calls conv_rep, yet the constructor made it, so its weight is in the state_dict.
  if (rep <= 1) b.declare(`${prefix}.conv_rep`, { kind: 'conv2d', outChannels: width, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: false }, out.shape);
  for (let r = 0; r < rep - 1; r++) out = step('conv_rep', out);
  return b.maxPool(out, 2, { stride: 2 }, `${prefix}.pool`);
}

defineModel('ProbeNet_d_feature', 'probenet', 32, (b) => {
  const [f1, f2] = classDependentSizes(b.numClasses).feature;
  const features = denseBnRelu(b, convStack(b, [f1, f2, b.numClasses]), 0, 2 * b.numClasses);
  return b.linear('fc_out', features, b.numClasses);
});

defineModel(
  'ProbeNet_d_length',
  'probenet',
  32,
  (b) => {
    const { rep, numMiddle } = classDependentSizes(b.numClasses).length;
    const maps = CHAIN_WIDTHS.reduce((x, width, i) => chainedConvs(b, `chain${i + 1}`, x, width, rep), b.input);
    return b.linear('fc_out', denseBnRelu(b, b.flatten(maps), 0, numMiddle), b.numClasses);
  },
);

defineModel('ProbeNet_d_mlp', 'probenet', 32, (b) => {
  const hidden = classDependentSizes(b.numClasses).mlp.reduce((x, width, i) => denseBnRelu(b, x, i, width), b.flatten(b.input));
  return b.linear('fc_out', hidden, b.numClasses);
});

for (const [name, widths] of Object.entries(PROBE_NET_S)) {
  defineModel(name, 'probenet', 32, (b) => b.linear('fc_out', convStack(b, widths), b.numClasses));
}
