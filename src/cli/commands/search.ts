import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { networkFacts } from '../../analysis/network-facts.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { memoryTable, type KnownNetwork } from '../../search/memory-table.js';
import { formatBytes, formatTable, printJson } from '../format.js';

/** The paper's accuracies beside the checkout, the prior unless --prior says otherwise. */
const DEFAULT_PRIOR = resolve(fileURLToPath(new URL('../../../..', import.meta.url)), 'shared', 'paper-data', 'NetConfigs.json');

interface SearchOptions {
  prior: string;
  table?: boolean;
  json?: boolean;
}

/** The catalog networks of an accuracy file with their accuracy and state_dict size. */
function knownCatalogNetworks(path: string): KnownNetwork[] {
  return [...catalogAccuracies(loadAccuracyFile(path)).entries()].map(([index, e]) => ({
    index,
    accuracy: e.accuracy,
    stateDictElements: networkFacts(index).stateDictElements,
  }));
}

function printMemoryTable(o: SearchOptions): void {
  const rows = memoryTable(knownCatalogNetworks(o.prior));
  if (o.json) return printJson(rows);
  console.log(`Best catalog network by weight memory (state_dict elements x format bits), accuracies from ${o.prior}:`);
  const formats = rows[0]!.cells.map((c) => c.format);
  console.log(
    formatTable(
      ['weights <=', ...formats],
      rows.map((r) => [formatBytes(r.budgetBytes), ...r.cells.map((c) => (c.best ? `${(c.best.accuracy * 100).toFixed(2)}% #${c.best.index}` : 'none fits'))]),
    ),
  );
}

/** `iotnets search`: the constrained network search, and the paper's memory result as a table. */
export function register(program: Command): void {
  program
    .command('search')
    .description('constrained network search: propose, calibrate, and train only the candidates that can win')
    .option('--prior <file|none>', "accuracies the surrogate starts from (NetConfigs.json format or a CSV/JSON mapping); 'none' for none", DEFAULT_PRIOR)
    .option('--table', 'print the best catalog network under weight budgets 8 KiB - 1 MiB for fp32, fp16, bf16, int8 and e4m3')
    .option('--json', 'print JSON instead of a table')
    .action((o: SearchOptions) => {
      if (o.table) printMemoryTable(o);
    });
}
