import type { Command } from 'commander';
import { CATALOG, networkRecord, resolveNetwork } from '../../catalog/index.js';
import { formatTable } from '../../report/text.js';
import { formatCsv, printJson } from '../format.js';

/** `iotnets catalog`: the paper's 1617 trained networks with their derived figures. */
export function register(program: Command): void {
  program
    .command('catalog')
    .description("the paper's 1617 trained networks (index = position in NetConfigs.json) with params, MACs, FLOPs")
    .option('--json', 'print a JSON array')
    .option('--csv', 'print CSV')
    .action((o: { json?: boolean; csv?: boolean }) => {
      const records = CATALOG.map((e) => networkRecord(resolveNetwork({ index: e.index })));
      if (o.json) return printJson(records);
      const rows = records.map((r) => [r.index!, r.space!, String(r.law), r.id!, r.stateDictElements, r.macs, r.flops, r.weightBytes]);
      if (o.csv) return console.log(formatCsv(['index', 'space', 'law', 'id', 'params', 'macs', 'flops', 'weight_bytes'], rows));
      console.log(formatTable(['index', 'space', 'law', 'id', 'params', 'MACs', 'FLOPs', 'weight bytes'], rows));
    });
}
