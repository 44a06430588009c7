import type { Command } from 'commander';
import { networkLabel } from '../../catalog/index.js';
import { check } from '../../errors.js';
import { writeFileAtomic } from '../../io/files-node.js';
import { bindStateDict } from '../../weights/bind.js';
import { initWeights } from '../../weights/init.js';
import { loadWeightsFile } from '../../weights/load-file.js';
import { addNetworkOptions, networkFromOptions, parseInteger, type NetworkOptions } from '../network-options.js';
import { formatBytes } from '../format.js';
import { addPrecisionOptions, exportWithOptions, precisionFromOptions, type PrecisionCliOptions } from '../precision-options.js';

interface ExportOptions extends NetworkOptions, PrecisionCliOptions {
  weights?: string;
  seed?: string;
  output: string;
}

/** `iotnets export`: one network to an ONNX file, with checkpoint weights or seeded random weights. */
export function register(program: Command): void {
  addPrecisionOptions(addNetworkOptions(program.command('export')))
    .description('write one network as an ONNX model (opset 17, input [N,3,H,W] `input`, output `logits`), in fp32 or a reduced precision')
    .option('--weights <file>', 'PyTorch checkpoint (.t7/.pt, zip or legacy) or .safetensors file with the trained weights')
    .option('--seed <n>', 'seed of the random weights when no --weights file is given', '0')
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .action(async (model: string | undefined, o: ExportOptions, command: Command) => {
      check(
        o.weights === undefined || command.getOptionValueSource('seed') === 'default',
        'give either --weights FILE or --seed N, not both',
      );
      const { network, weights: own } = networkFromOptions(model, o);
      const label = networkLabel(network);
      precisionFromOptions(o, network.graph);
      const seeded = command.getOptionValueSource('seed') !== 'default';
      const weights =
        o.weights !== undefined
          ? bindStateDict(network.graph, (await loadWeightsFile(o.weights)).stateDict, o.weights, label)
          : own !== undefined && !seeded
            ? own
            : initWeights(network.graph, parseInteger(o.seed!, '--seed'));
      const { bytes, notes } = await exportWithOptions(o, network.graph, weights, o.output);
      writeFileAtomic(o.output, bytes, '-o');
      const source = o.weights !== undefined ? `weights from ${o.weights}` : weights === own ? 'its own weights' : `random weights, seed ${o.seed}`;
      console.log(`wrote ${o.output} (${formatBytes(bytes.length)}): ${label}, ${source}, ${o.precision}`);
      for (const note of notes) console.log(`  ${note}`);
    });
}
