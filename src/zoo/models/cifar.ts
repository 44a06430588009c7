import type { GraphBuilder, Value } from '../../graph/graph.js';
import { denseNet, type DenseNetSpec } from '../blocks/densenet.js';
import { dpn } from '../blocks/dpn.js';
import { cellA, cellB, pnasNet } from '../blocks/pnasnet.js';
import { PREACT_BLOCK, PREACT_BOTTLENECK, preActResNet } from '../blocks/preact_resnet.js';
import { BASIC_BLOCK, BOTTLENECK, resNet, type ResidualBlock } from '../blocks/resnet.js';
import { resNeXt } from '../blocks/resnext.js';
import { seNet } from '../blocks/senet.js';
import { VGG_CONFIGS, vgg } from '../blocks/vgg.js';
import { defineModel } from './define.js';

// The kuangliu/pytorch-cifar models the original names in KUANGLIU_NETS (networks/networks.py), all for 32x32 CIFAR input.

const DPN_WIDTHS = { inPlanes: [96, 192, 384, 768], outPlanes: [256, 512, 1024, 2048], denseDepth: [16, 32, 24, 128] } as const;

const denseNetOf = (nblocks: DenseNetSpec['nblocks'], growthRate: number) => (b: GraphBuilder) => denseNet(b, { nblocks, growthRate, reduction: 0.5 });

const resNetOf = (block: ResidualBlock, numBlocks: readonly [number, number, number, number]) => (b: GraphBuilder) =>
  resNet(b, { blocks: [block, block, block, block], widths: [64, 64, 128, 256, 512], numBlocks });

/** ResNeXt29_{cardinality}x{width}d: three stages of 3 blocks; the bottleneck width doubles per stage. */
const resNeXt29 = (cardinality: number, width: number) => (b: GraphBuilder) =>
  resNeXt(b, { numBlocks: [3, 3, 3], cardinalities: [cardinality, cardinality, cardinality], bottleneckWidths: [width, 2 * width, 4 * width] });

const CIFAR_MODELS: Readonly<Record<string, (b: GraphBuilder) => Value>> = {
  DPN26: (b) => dpn(b, { ...DPN_WIDTHS, numBlocks: [2, 2, 2, 2] }),
  DPN92: (b) => dpn(b, { ...DPN_WIDTHS, numBlocks: [3, 4, 20, 3] }),
  DenseNet121: denseNetOf([6, 12, 24, 16], 32),
  DenseNet161: denseNetOf([6, 12, 36, 24], 48),
  DenseNet169: denseNetOf([6, 12, 32, 32], 32),
  DenseNet201: denseNetOf([6, 12, 48, 32], 32),
  PNASNetA: (b) => pnasNet(b, { cell: cellA, numCells: [6, 6, 6], numPlanes: [44, 88, 176] }),
  PNASNetB: (b) => pnasNet(b, { cell: cellB, numCells: [6, 6, 6], numPlanes: [32, 64, 128] }),
  PreActResNet101: (b) => preActResNet(b, PREACT_BOTTLENECK, [3, 4, 23, 3]),
  PreActResNet152: (b) => preActResNet(b, PREACT_BOTTLENECK, [3, 8, 36, 3]),
  PreActResNet18: (b) => preActResNet(b, PREACT_BLOCK, [2, 2, 2, 2]),
  PreActResNet34: (b) => preActResNet(b, PREACT_BLOCK, [3, 4, 6, 3]),
  PreActResNet50: (b) => preActResNet(b, PREACT_BOTTLENECK, [3, 4, 6, 3]),
  ResNeXt29_2x64d: resNeXt29(2, 64),
  ResNeXt29_32x4d: resNeXt29(32, 4),
  ResNeXt29_4x64d: resNeXt29(4, 64),
  ResNeXt29_8x64d: resNeXt29(8, 64),
  ResNet101: resNetOf(BOTTLENECK, [3, 4, 23, 3]),
  ResNet152: resNetOf(BOTTLENECK, [3, 8, 36, 3]),
  ResNet18: resNetOf(BASIC_BLOCK, [2, 2, 2, 2]),
  ResNet34: resNetOf(BASIC_BLOCK, [3, 4, 6, 3]),
  ResNet50: resNetOf(BOTTLENECK, [3, 4, 6, 3]),
  SENet18: (b) => seNet(b, [2, 2, 2, 2]),
  VGG11: (b) => vgg(b, VGG_CONFIGS.VGG11),
  VGG13: (b) => vgg(b, VGG_CONFIGS.VGG13),
  VGG16: (b) => vgg(b, VGG_CONFIGS.VGG16),
  VGG19: (b) => vgg(b, VGG_CONFIGS.VGG19),
  densenet_cifar: denseNetOf([6, 12, 24, 16], 12),
};

for (const [name, forward] of Object.entries(CIFAR_MODELS)) defineModel(name, 'cifar', 32, forward);
