import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, poolLinearHead, type BlockOut } from './common.js';

/** One convolution of a pre-activation block. */
interface PreActConv {
  readonly kernel: number;
  readonly planes: number;
  readonly stride: number;
}

/** A kuangliu pre-activation block type: its channel expansion and its convolutions for (planes, stride). */
export interface PreActBlockType {
  readonly expansion: number;
  readonly convs: (planes: number, stride: number) => readonly PreActConv[];
}

/** preact_resnet.PreActBlock: two 3x3 convolutions, the first with the stride. */
export const PREACT_BLOCK: PreActBlockType = {
  expansion: 1,
  convs: (planes, stride) => [
    { kernel: 3, planes, stride },
    { kernel: 3, planes, stride: 1 },
  ],
};

/** preact_resnet.PreActBottleneck: 1x1, 3x3 with the stride, 1x1 to 4 * planes. */
export const PREACT_BOTTLENECK: PreActBlockType = {
  expansion: 4,
  convs: (planes, stride) => [
    { kernel: 1, planes, stride: 1 },
    { kernel: 3, planes, stride },
    { kernel: 1, planes: 4 * planes, stride: 1 },
  ],
};

/** Recalibrates a block's residual branch before the add (SENet's squeeze-and-excitation), with modules under `prefix`. */
export type Excite = (b: GraphBuilder, prefix: string, out: Value) => Value;

/**
 * A kuangliu pre-activation block: relu(bn1(x)) feeds conv1 and, when the shape changes, the 1x1 `shortcut.0`;
 * every further conv_i runs on relu(bn_i(.)); the sum has no closing ReLU.
 */
function preActBlock(
  b: GraphBuilder,
  type: PreActBlockType,
  prefix: string,
  x: Value,
  inPlanes: number,
  planes: number,
  stride: number,
  excite?: Excite,
): BlockOut {
  const pre = b.relu(b.bn(child(prefix, 'bn1'), x));
  let out = pre;
  type.convs(planes, stride).forEach((c, i) => {
    const input = i === 0 ? pre : b.relu(b.bn(child(prefix, `bn${i + 1}`), out));
    out = b.conv(child(prefix, `conv${i + 1}`), input, c.planes, c.kernel, { stride: c.stride, padding: (c.kernel - 1) >> 1, bias: false });
  });
  const outPlanes = type.expansion * planes;
  // The original runs the shortcut before conv1; it is recorded after the convs so modules register in state_dict order.
  const residual = stride !== 1 || inPlanes !== outPlanes ? b.conv(child(child(prefix, 'shortcut'), 0), pre, outPlanes, 1, { stride, bias: false }) : x;
  if (excite) out = excite(b, prefix, out);
  return { out: b.add(out, residual), outPlanes };
}

/** Base widths of the four stages `layer1..4`; the first block of stages 2..4 has stride 2. */
const STAGE_PLANES = [64, 128, 256, 512] as const;

/** The four pre-activation stages from a 64-channel stem output, with `numBlocks` blocks each. */
export function preActStages(
  b: GraphBuilder,
  stem: Value,
  type: PreActBlockType,
  numBlocks: readonly [number, number, number, number],
  excite?: Excite,
): BlockOut {
  let cur: BlockOut = { out: stem, outPlanes: stem.shape[0]! };
  STAGE_PLANES.forEach((planes, stage) => {
    for (let i = 0; i < numBlocks[stage]!; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      cur = preActBlock(b, type, child(`layer${stage + 1}`, i), cur.out, cur.outPlanes, planes, stride, excite);
    }
  });
  return cur;
}

/** kuangliu PreActResNet on 32x32 input, returning the logits: bare 3x3 `conv1` stem, four stages, F.avg_pool2d(4). */
export function preActResNet(b: GraphBuilder, type: PreActBlockType, numBlocks: readonly [number, number, number, number]): Value {
  const stem = b.conv('conv1', b.input, 64, 3, { padding: 1, bias: false });
  return poolLinearHead(b, preActStages(b, stem, type, numBlocks).out, 4);
}
