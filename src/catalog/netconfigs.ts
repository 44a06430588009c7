import { check, IotnetsError } from '../errors.js';
import { CATALOG, catalogIndexOf } from './catalog.js';

/** What the paper's NetConfigs.json says about one catalog network. */
export interface TrainedNetwork {
  readonly index: number;
  readonly runid: string;
  readonly acc: number;
  readonly params?: number;
  readonly flops?: number;
}

/**
 * Reads a NetConfigs.json-format array (spacename, law, id, runid, acc, ...) into records keyed by catalog index.
 * Entries are matched on (spacename, law, id), so order does not matter; entries the catalog lacks are an error.
 */
export function parseNetConfigs(json: unknown, source: string): Map<number, TrainedNetwork> {
  check(Array.isArray(json), `${source}: expected a JSON array of {spacename, law, id, runid, acc} like the paper's NetConfigs.json`);
  const out = new Map<number, TrainedNetwork>();
  const unknown: string[] = [];
  json.forEach((raw: unknown, position) => {
    const e = raw as Record<string, unknown>;
    const where = `${source} entry ${position}`;
    check(
      typeof e === 'object' && e !== null && typeof e.spacename === 'string' && typeof e.law === 'string' && Number.isInteger(e.id),
      `${where}: needs spacename, law and id`,
    );
    const index = catalogIndexOf(e.spacename as string, e.law as string, e.id as number);
    if (index === undefined) {
      unknown.push(`${e.spacename}/${e.law}/${e.id}`);
      return;
    }
    check(typeof e.acc === 'number' && Number.isFinite(e.acc), `${where} (${e.spacename}/${e.law}/${e.id}): acc must be a number`);
    check(!out.has(index), `${where}: ${e.spacename}/${e.law}/${e.id} appears twice`);
    out.set(index, {
      index,
      runid: typeof e.runid === 'string' ? e.runid : '',
      acc: e.acc as number,
      ...(typeof e.params === 'number' ? { params: e.params } : {}),
      ...(typeof e.flops === 'number' ? { flops: e.flops } : {}),
    });
  });
  if (unknown.length > 0) {
    throw new IotnetsError(
      `${source}: ${unknown.length} entries are not in the paper's catalog (first: ${unknown.slice(0, 3).join(', ')}); is this a NetConfigs.json of the paper?`,
    );
  }
  return out;
}

/** Catalog indices that `trained` lacks, for reporting incomplete accuracy sources. */
export function missingIndices(trained: ReadonlyMap<number, unknown>): number[] {
  return CATALOG.filter((e) => !trained.has(e.index)).map((e) => e.index);
}
