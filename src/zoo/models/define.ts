import { check } from '../../errors.js';
import { GraphBuilder, type Value } from '../../graph/graph.js';
import { numel } from '../../graph/tensor.js';
import { registerModel, type ModelDef } from '../registry.js';

/** Records a model's forward pass on a builder whose input is the model's own size. */
export type Forward = (b: GraphBuilder, args: Readonly<Record<string, number>>) => Value;

export interface ModelOptions {
  /** The arguments the model takes, with their defaults. */
  readonly defaultArgs?: Readonly<Record<string, number>>;
}

/** Registers a named model; its graph input is [3, inputSize, inputSize], the only size its forward pass fits. */
export function defineModel(name: string, family: ModelDef['family'], inputSize: number, forward: Forward, options: ModelOptions = {}): void {
  const { defaultArgs } = options;
  registerModel({
    name,
    family,
    inputSize,
    ...(defaultArgs ? { defaultArgs } : {}),
    build: (numClasses, args) => {
      const b = new GraphBuilder(name, [3, inputSize, inputSize], numClasses);
      return b.build(forward(b, args));
    },
  });
}

/**
 * `x.view(-1, features)`: flattens one sample, which must hold exactly `features` elements; otherwise PyTorch would
 * fold several samples of a batch into one row (or fail), so a wrong input size is refused here.
 */
export function viewFlat(b: GraphBuilder, x: Value, features: number): Value {
  check(
    numel(x.shape) === features,
    `${b.name}: view(-1, ${features}) of a [${x.shape.join(',')}] map would merge or split samples ` +
      `(input ${b.inputShape.join('x')} does not fit this network)`,
  );
  return b.flatten(x);
}
