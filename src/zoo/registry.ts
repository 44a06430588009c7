import { check, IotnetsError } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { RandomState } from '../rng/random-state.js';

/** Network arguments as plain JSON, with the original Python keyword names (`cfg`, `io_planes`, `fs`, ...). */
export type Args = Record<string, unknown>;

/** A sampling law: for each argument, `[low, high)` for a 'range' or the allowed values for a 'choice'. */
export type Ranges = Record<string, readonly number[]>;

/** How a search space reads one key of its ranges. */
export type RangeKind = 'range' | 'choice';

/** A named, fixed-architecture model (a CIFAR model, a ProbeNet or a synthetic net). */
export interface ModelDef {
  readonly name: string;
  readonly family: 'cifar' | 'probenet' | 'synth';
  /** Height and width of the input the network was written for; it refuses any other. */
  readonly inputSize: number;
  /** Arguments it takes and their defaults (only synthetic nets take any). */
  readonly defaultArgs?: Readonly<Record<string, number>>;
  readonly build: (numClasses: number, args: Readonly<Record<string, number>>) => Graph;
}

/** A parameterised search space with its sampling laws and seeded sampler. */
export interface SpaceDef {
  readonly name: string;
  /** Each range key and how it is read, in the order the sampler draws them. */
  readonly rangeKinds: Readonly<Record<string, RangeKind>>;
  readonly laws: Readonly<Record<string, Ranges>>;
  /** Draws network arguments exactly as the original `sample(config, id)` does with `np.random.RandomState(id)`. */
  readonly sample: (ranges: Ranges, rng: RandomState) => Args;
  readonly build: (args: Args, numClasses: number) => Graph;
}

const models = new Map<string, ModelDef>();
const spaces = new Map<string, SpaceDef>();

/** Adds a named model to the zoo. */
export function registerModel(def: ModelDef): void {
  if (models.has(def.name) || spaces.has(def.name)) throw new Error(`duplicate network name ${def.name}`);
  models.set(def.name, def);
}

/** Adds a search space to the zoo. */
export function registerSpace(def: SpaceDef): void {
  if (models.has(def.name) || spaces.has(def.name)) throw new Error(`duplicate network name ${def.name}`);
  spaces.set(def.name, def);
}

/** All registered model definitions, in registration order. */
export function listModels(): ModelDef[] {
  return [...models.values()];
}

/** All registered search spaces, in registration order. */
export function listSpaces(): SpaceDef[] {
  return [...spaces.values()];
}

/** The model called `name`; throws a one-line error listing the valid names. */
export function getModel(name: string): ModelDef {
  const def = models.get(name);
  if (!def) throw new IotnetsError(`unknown model '${name}'; valid models: ${[...models.keys()].join(', ')}`);
  return def;
}

/** The search space called `name`; throws a one-line error listing the valid names. */
export function getSpace(name: string): SpaceDef {
  const def = spaces.get(name);
  if (!def) throw new IotnetsError(`unknown search space '${name}'; valid spaces: ${[...spaces.keys()].join(', ')}`);
  return def;
}

/** The ranges of sampling law `law` of `space` (e.g. 's1'). */
export function lawConfig(space: string, law: string): Ranges {
  const def = getSpace(space);
  const ranges = def.laws[law];
  if (!ranges) throw new IotnetsError(`unknown law '${law}' for ${space}; valid laws: ${Object.keys(def.laws).join(', ')}`);
  return ranges;
}

/** Checks user-given ranges against what `space` needs: every key present, ranges with low < high, choices non-empty. */
export function validateRanges(space: string, ranges: unknown): Ranges {
  const def = getSpace(space);
  const expected = Object.keys(def.rangeKinds);
  check(
    typeof ranges === 'object' && ranges !== null && !Array.isArray(ranges),
    () => `ranges for ${space} must be a JSON object with keys ${expected.join(', ')}`,
  );
  const given = ranges as Record<string, unknown>;
  const missing = expected.filter((k) => !(k in given));
  check(missing.length === 0, () => `ranges for ${space} miss ${missing.join(', ')}; give all of ${expected.join(', ')}`);
  const extra = Object.keys(given).filter((k) => !expected.includes(k));
  check(extra.length === 0, () => `ranges for ${space} have unknown keys ${extra.join(', ')}; valid keys: ${expected.join(', ')}`);
  for (const [key, kind] of Object.entries(def.rangeKinds)) {
    const v = given[key];
    check(Array.isArray(v) && v.every((x) => Number.isInteger(x)), () => `ranges for ${space}: ${key} must be an array of integers`);
    const values = v as number[];
    if (kind === 'range') {
      check(values.length === 2, () => `ranges for ${space}: ${key} must be [low, high], got [${values.join(', ')}]`);
      check(values[0]! < values[1]!, () => `ranges for ${space}: ${key} needs low < high (high is exclusive), got [${values.join(', ')}]`);
      check(values[0]! >= 1, () => `ranges for ${space}: ${key} needs low >= 1, got [${values.join(', ')}]`);
    } else {
      check(values.length >= 1, () => `ranges for ${space}: ${key} must list at least one choice`);
    }
  }
  return given as Ranges;
}

/** Samples network `id` of `space` under a named law or custom ranges, exactly as the original sampler. */
export function sample(space: string, lawOrRanges: string | Ranges, id: number): Args {
  const def = getSpace(space);
  const ranges = typeof lawOrRanges === 'string' ? lawConfig(space, lawOrRanges) : validateRanges(space, lawOrRanges);
  return def.sample(ranges, new RandomState(id));
}

/** Options for building a network. */
export interface BuildOptions {
  /** Number of output classes (default 10, CIFAR-10). */
  numClasses?: number;
  /** Network arguments: sampled args for a search space, or e.g. `{ f: 2 }` for a synthetic net. */
  args?: Args;
}

/** Builds the network graph of a model or search-space member by name. */
export function build(name: string, options: BuildOptions = {}): Graph {
  const numClasses = options.numClasses ?? 10;
  check(Number.isInteger(numClasses) && numClasses >= 1, () => `numClasses must be a positive integer, got ${numClasses}`);
  const space = spaces.get(name);
  if (space) {
    check(options.args !== undefined, () => `${name} is a search space: pass its args (e.g. from sample('${name}', 's1', 0))`);
    return space.build(options.args, numClasses);
  }
  const model = models.get(name);
  if (!model) {
    throw new IotnetsError(`unknown network '${name}'; valid models: ${[...models.keys()].join(', ')}; valid spaces: ${[...spaces.keys()].join(', ')}`);
  }
  return model.build(numClasses, modelArgs(model, options.args));
}

function modelArgs(model: ModelDef, args: Args | undefined): Record<string, number> {
  const defaults = model.defaultArgs ?? {};
  const given = args ?? {};
  const unknown = Object.keys(given).filter((k) => !(k in defaults));
  check(
    unknown.length === 0,
    Object.keys(defaults).length === 0
      ? `${model.name} takes no arguments, got ${unknown.join(', ')}`
      : `${model.name} does not take ${unknown.join(', ')}; its arguments: ${Object.keys(defaults).join(', ')}`,
  );
  const out: Record<string, number> = { ...defaults };
  for (const [k, v] of Object.entries(given)) {
    check(Number.isInteger(v) && (v as number) >= 1, () => `${model.name}: argument ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    out[k] = v as number;
  }
  return out;
}
