// Packs the paper's published data (IBM/iotnets: NetConfigs.json, results_RaspPi.json, results_MacBookPro.json) into
// data/paper/paper-data.json: one column per field, in catalog order (spacename/law/id are the catalog's own, so they
// are not repeated). Usage: npx tsx scripts/gen-paper-data.ts [PAPER_DATA_DIR] (default ../shared/paper-data).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOG } from '../src/catalog/catalog.ts';
import { PAPER_DEVICES } from '../src/catalog/paper.ts';

interface Entry {
  spacename: string;
  law: string;
  id: number;
  runid: string;
  params: number;
  flops: number;
  acc: number;
  t_avg?: number;
  t_std?: number;
}

const dir = resolve(process.argv[2] ?? '../shared/paper-data');
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Entry[];
const netConfigs = read('NetConfigs.json');

function inCatalogOrder(entries: readonly Entry[], name: string): void {
  if (entries.length !== CATALOG.length) throw new Error(`${name}: ${entries.length} entries, the catalog has ${CATALOG.length}`);
  entries.forEach((e, i) => {
    const c = CATALOG[i]!;
    if (e.spacename !== c.space || e.law !== c.law || e.id !== c.id) throw new Error(`${name}: entry ${i} is not catalog entry ${i}`);
    if (e.runid !== netConfigs[i]!.runid || e.acc !== netConfigs[i]!.acc) throw new Error(`${name}: entry ${i} differs from NetConfigs.json`);
  });
}

inCatalogOrder(netConfigs, 'NetConfigs.json');
const devices = Object.fromEntries(
  Object.entries(PAPER_DEVICES).map(([key, device]) => {
    const results = read(device.file);
    inCatalogOrder(results, device.file);
    return [key, { t_avg: results.map((e) => e.t_avg), t_std: results.map((e) => e.t_std) }];
  }),
);
const packed = {
  about: 'IBM/iotnets published data (MIT License, Copyright (c) 2020 International Business Machines): see README.md and LICENSE beside this file',
  runid: netConfigs.map((e) => e.runid),
  params: netConfigs.map((e) => e.params),
  flops: netConfigs.map((e) => e.flops),
  acc: netConfigs.map((e) => e.acc),
  devices,
};
writeFileSync(resolve(import.meta.dirname, '../data/paper/paper-data.json'), `${JSON.stringify(packed)}\n`);
