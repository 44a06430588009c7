import type { Command } from 'commander';
import { networkLabel, networkRecord } from '../../catalog/index.js';
import { summarize } from '../../graph/summary.js';
import { addNetworkOptions, networkFromOptions, type NetworkOptions } from '../network-options.js';
import { formatBytes, formatTable } from '../../report/text.js';
import { printJson } from '../format.js';

/** `iotnets info`: arguments, parameter counts, MACs, paper FLOPs, memory and the per-layer table of one network. */
export function register(program: Command): void {
  addNetworkOptions(program.command('info'))
    .description('describe one network: arguments, state_dict elements, MACs, paper FLOPs, memory, per-layer table')
    .option('--json', 'print one JSON object')
    .option('--no-layers', 'omit the per-layer table')
    .action((model: string | undefined, o: NetworkOptions & { json?: boolean; layers: boolean }) => {
      const { network } = networkFromOptions(model, o);
      const summary = summarize(network.graph);
      const record = networkRecord(network, summary);
      if (o.json) return printJson(o.layers ? { ...record, layers: summary.layers } : record);
      console.log(networkLabel(network));
      if (network.sha256 !== undefined) console.log(`  sha256                ${network.sha256}`);
      else console.log(`  args                  ${JSON.stringify(network.args)}`);
      const layout = network.inputLayout === 'NHWC' ? ' (the file takes [N,H,W,C] and transposes it first)' : '';
      console.log(`  input                 [${record.inputShape.join(', ')}] -> ${record.numClasses} classes${layout}`);
      console.log(`  state_dict elements   ${record.stateDictElements.toLocaleString('en-US')} (paper "params")`);
      console.log(`  trainable parameters  ${record.trainableParameters.toLocaleString('en-US')}`);
      console.log(`  MACs                  ${record.macs.toLocaleString('en-US')}`);
      console.log(`  FLOPs (paper rule)    ${record.flops.toLocaleString('en-US')}`);
      console.log(`  weights (fp32)        ${formatBytes(record.weightBytes)}`);
      console.log(`  peak activations      ${formatBytes(record.peakActivationBytes)} (batch 1, fp32)`);
      if (!o.layers) return;
      console.log('');
      console.log(
        formatTable(
          ['layer', 'op', 'output', 'params', 'MACs', 'FLOPs'],
          summary.layers.map((l) => [l.name, l.op, l.outputShape.join('x'), l.params, l.macs, l.flops]),
        ),
      );
    });
}
