import { check } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { build, sample, type Args } from '../zoo/index.js';

/** One of the 1617 networks the paper trained: catalog index i is entry i of the paper's NetConfigs.json. */
export interface CatalogEntry {
  readonly index: number;
  readonly space: string;
  readonly law: string;
  readonly id: number;
}

/** The paper's catalog as (space, law) groups of consecutive ids, in the paper's order, with the ids it lacks. */
const GROUPS: readonly { space: string; law: string; ids: number; missing?: readonly number[] }[] = [
  { space: 'random_net_densenet', law: 's1', ids: 100, missing: [9, 53, 74] },
  { space: 'random_net_densenet', law: 's2', ids: 101, missing: [41] },
  { space: 'random_net_densenet', law: 's3', ids: 100 },
  { space: 'random_net_mobilenetv2', law: 's1', ids: 100 },
  { space: 'random_net_mobilenetv2', law: 's2', ids: 100 },
  { space: 'random_net_mobilenetv2', law: 's3', ids: 100 },
  { space: 'random_net_mobilenetv2', law: 's4', ids: 40 },
  { space: 'random_net_mobilenetv2', law: 's5', ids: 40 },
  { space: 'random_net_mobilenetv2', law: 's6', ids: 40 },
  { space: 'random_net_googlenet', law: 's1', ids: 100 },
  { space: 'random_net_googlenet', law: 's2', ids: 100 },
  { space: 'random_net_googlenet', law: 's3', ids: 100 },
  { space: 'random_net_pnasnet', law: 's1', ids: 100 },
  { space: 'random_net_pnasnet', law: 's2', ids: 100 },
  { space: 'random_net_pnasnet', law: 's3', ids: 100 },
  { space: 'random_net_resnext', law: 's1', ids: 100 },
  { space: 'random_net_resnext', law: 's2', ids: 100 },
  { space: 'random_net_resnext', law: 's3', ids: 100 },
];

/** All 1617 catalog entries in the paper's order. */
export const CATALOG: readonly CatalogEntry[] = GROUPS.flatMap(({ space, law, ids, missing = [] }) =>
  Array.from({ length: ids }, (_, id) => id)
    .filter((id) => !missing.includes(id))
    .map((id) => ({ space, law, id })),
).map((e, index) => ({ index, ...e }));

/** The catalog entry at `index`; throws a one-line error for an index outside 0..1616. */
export function catalogEntry(index: number): CatalogEntry {
  check(
    Number.isInteger(index) && index >= 0 && index < CATALOG.length,
    `catalog index ${index} is outside 0..${CATALOG.length - 1}`,
  );
  return CATALOG[index]!;
}

/** The catalog index of (space, law, id), or undefined when the paper did not train that network. */
export function catalogIndexOf(space: string, law: string, id: number): number | undefined {
  return INDEX.get(`${space}/${law}/${id}`);
}

const INDEX = new Map(CATALOG.map((e) => [`${e.space}/${e.law}/${e.id}`, e.index]));

/** Sampled arguments of a catalog entry. */
export function catalogArgs(entry: CatalogEntry): Args {
  return sample(entry.space, entry.law, entry.id);
}

/** The network graph of a catalog entry, with 10 classes as the paper trained it. */
export function catalogGraph(entry: CatalogEntry, numClasses = 10): Graph {
  return build(entry.space, { numClasses, args: catalogArgs(entry) });
}
