import type { GraphBuilder, Value } from '../../graph/graph.js';
import { child, convBn, poolLinearHead } from './common.js';
import { PREACT_BLOCK, preActStages } from './preact_resnet.js';

/**
 * senet's squeeze-and-excitation: F.avg_pool2d over the whole map, 1x1 convs `fc1` (to C/16, ReLU) and `fc2`
 * (back to C, sigmoid), then the map times that per-channel gate.
 */
function squeezeExcite(b: GraphBuilder, prefix: string, out: Value): Value {
  const [channels, size] = out.shape as [number, number, number];
  let w = b.avgPool(out, size);
  w = b.relu(b.conv(child(prefix, 'fc1'), w, Math.floor(channels / 16), 1));
  w = b.sigmoid(b.conv(child(prefix, 'fc2'), w, channels, 1));
  return b.mul(out, w);
}

/** kuangliu SENet on 32x32 input, returning the logits: conv1-bn1-ReLU stem, pre-activation SE blocks, F.avg_pool2d(4). */
export function seNet(b: GraphBuilder, numBlocks: readonly [number, number, number, number]): Value {
  const stem = b.relu(convBn(b, 'conv1', 'bn1', b.input, 64, 3, { padding: 1 }));
  return poolLinearHead(b, preActStages(b, stem, PREACT_BLOCK, numBlocks, squeezeExcite).out, 4);
}
