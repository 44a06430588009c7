import type { Command } from 'commander';
import { networkLabel } from '../../catalog/index.js';
import { checkOutputFile, writeFileAtomic } from '../../io/files-node.js';
import { addNetworkOptions, addWeightsOptions, networkFromOptions, weightsFromOptions, type NetworkOptions, type WeightsOptions } from '../network-options.js';
import { formatBytes } from '../../report/text.js';
import { addPrecisionOptions, exportWithOptions, precisionFromOptions, type PrecisionCliOptions } from '../precision-options.js';

interface ExportOptions extends NetworkOptions, PrecisionCliOptions, WeightsOptions {
  output: string;
}

/** `iotnets export`: one network to an ONNX file, with checkpoint weights or seeded random weights. */
export function register(program: Command): void {
  addWeightsOptions(addPrecisionOptions(addNetworkOptions(program.command('export'))))
    .description('write one network as an ONNX model (opset 17, input [N,3,H,W] `input`, output `logits`), in fp32 or a reduced precision')
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .action(async (model: string | undefined, o: ExportOptions, command: Command) => {
      checkOutputFile(o.output, 'output');
      const { network, weights: own } = networkFromOptions(model, o);
      const label = networkLabel(network);
      precisionFromOptions(o, network.graph);
      const { weights, source } = await weightsFromOptions(network, own, o, command);
      const { bytes, notes } = await exportWithOptions(o, network.graph, weights, o.output);
      writeFileAtomic(o.output, bytes, 'output');
      console.log(`wrote ${o.output} (${formatBytes(bytes.length)}): ${label}, ${source}, ${o.precision}`);
      for (const note of notes) console.log(`  ${note}`);
    });
}
