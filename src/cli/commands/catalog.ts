import type { Command } from 'commander';
import { CATALOG, networkRecord, resolveNetwork } from '../../catalog/index.js';
import { formatTable, printJson } from '../format.js';

/** `iotnets catalog`: the paper's 1617 trained networks with their derived figures. */
export function register(program: Command): void {
  program
    .command('catalog')
    .description("the paper's 1617 trained networks (index = position in NetConfigs.json) with params, MACs, FLOPs")
    .option('--json', 'print a JSON array')
    .action((o: { json?: boolean }) => {
      const records = CATALOG.map((e) => networkRecord(resolveNetwork({ index: e.index })));
      if (o.json) return printJson(records);
      console.log(
        formatTable(
          ['index', 'space', 'law', 'id', 'params', 'MACs', 'FLOPs', 'weight bytes'],
          records.map((r) => [r.index!, r.space!, String(r.law), r.id!, r.stateDictElements, r.macs, r.flops, r.weightBytes]),
        ),
      );
    });
}
