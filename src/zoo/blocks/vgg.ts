import type { GraphBuilder, Value } from '../../graph/graph.js';

/** A VGG feature stack: conv widths in order, 'M' for a 2x2 max pool. */
export type VggConfig = readonly (number | 'M')[];

/** kuangliu vgg.cfg: the four VGG depths. */
export const VGG_CONFIGS = {
  VGG11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  VGG13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  VGG16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  VGG19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, VggConfig>;

/**
 * kuangliu vgg.VGG on 32x32 input, returning the logits from `b.input`. Every layer of `features` is an nn.Sequential
 * child module, so its ReLUs, MaxPool2ds and the closing AvgPool2d(1, 1) are modules the paper's FLOPs count.
 */
export function vgg(b: GraphBuilder, cfg: VggConfig): Value {
  let index = 0;
  const layer = () => `features.${index++}`;
  let x = b.input;
  for (const item of cfg) {
    if (item === 'M') {
      x = b.maxPool(x, 2, { stride: 2 }, layer());
    } else {
      const conv = b.conv(layer(), x, item, 3, { padding: 1 });
      x = b.relu(b.bn(layer(), conv), layer());
    }
  }
  x = b.avgPool(x, 1, { stride: 1 }, layer());
  return b.linear('classifier', b.flatten(x), b.numClasses);
}
