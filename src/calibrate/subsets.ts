import { CATALOG } from '../catalog/catalog.js';
import { check, field } from '../errors.js';

/**
 * `calibrate --quick`: in each of the 18 (space, law) groups, the network with the fewest and the one with the most
 * paper FLOPs (first index on ties). 36 networks that span every group and the catalog's whole latency range.
 */
export const QUICK_SUBSET: readonly number[] = [
  9, 45, 114, 170, 206, 272, 319, 337, 460, 478, 583, 592, 609, 630, 639, 640, 686, 705, 729, 769, 818, 891, 927, 949,
  1029, 1089, 1156, 1161, 1230, 1288, 1334, 1390, 1454, 1485, 1527, 1581,
];

/** Parses an index list such as `0-99,687` into ascending distinct catalog indices. */
export function parseIndexList(text: string, key = 'indices'): number[] {
  const option = field(key);
  const last = CATALOG.length - 1;
  const out = new Set<number>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    check(m, `${option}: '${part}' is not an index or a range; write e.g. 0-99,687`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    check(from <= to, `${option}: range ${part} runs backwards; write ${to}-${from}`);
    check(to <= last, `${option}: ${to} is outside the catalog 0..${last}`);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Which catalog networks to use: every filter given narrows the selection (all 1617 when none is). */
export interface CatalogFilter {
  readonly space?: string;
  readonly law?: string;
  readonly indices?: readonly number[];
  readonly quick?: boolean;
}

/** Catalog indices, ascending, that pass every filter; an empty selection is an error naming the filters. */
export function selectIndices(filter: CatalogFilter): number[] {
  const allowed = filter.indices ? new Set(filter.indices) : undefined;
  const quick = filter.quick ? new Set(QUICK_SUBSET) : undefined;
  const spaces = new Set(CATALOG.map((e) => e.space));
  check(filter.space === undefined || spaces.has(filter.space), () => `${field('space')} ${filter.space} is not in the catalog; use one of ${[...spaces].join(', ')}`);
  const selected = CATALOG.filter(
    (e) =>
      (filter.space === undefined || e.space === filter.space) &&
      (filter.law === undefined || e.law === filter.law) &&
      (allowed === undefined || allowed.has(e.index)) &&
      (quick === undefined || quick.has(e.index)),
  ).map((e) => e.index);
  check(selected.length > 0, 'no catalog network matches these filters; see `iotnets catalog` for spaces, laws and indices');
  return selected;
}
