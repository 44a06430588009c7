import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { check } from '../../errors.js';
import { FP32 } from '../../onnx/formats.js';
import { networkLabel } from '../../catalog/index.js';
import { checkOutputFile, writeFileAtomic } from '../../io/files-node.js';
import { addNetworkOptions, addWeightsOptions, networkFromOptions, weightsFromOptions, type NetworkOptions, type WeightsOptions } from '../network-options.js';
import { formatBytes } from '../../report/text.js';
import { addPrecisionOptions, exportWithOptions, precisionFromOptions, type PrecisionCliOptions } from '../precision-options.js';

interface ExportOptions extends NetworkOptions, PrecisionCliOptions, WeightsOptions {
  output: string;
  verify?: boolean;
}

/** Largest relative logit difference from the reference evaluator an fp32 export may show (float rounding of a different summation order). */
const FP32_TOLERANCE = 1e-4;

/** `iotnets export`: one network to an ONNX file, with checkpoint weights or seeded random weights. */
export function register(program: Command): void {
  addWeightsOptions(addPrecisionOptions(addNetworkOptions(program.command('export'))))
    .description('write one network as an ONNX model (opset 17, input [N,3,H,W] `input`, output `logits`), in fp32 or a reduced precision')
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .option('--verify', "read the written file back, run it in ONNX Runtime on 4 seeded random inputs and compare its logits with the network's reference evaluator (fails above 1e-4 relative in fp32)")
    .action(async (model: string | undefined, o: ExportOptions, command: Command) => {
      checkOutputFile(o.output, 'output');
      const { network, weights: own } = networkFromOptions(model, o);
      const label = networkLabel(network);
      const { precision } = precisionFromOptions(o, network.graph);
      const { weights, source } = await weightsFromOptions(network, own, o, command);
      const { bytes, notes } = await exportWithOptions(o, network.graph, weights, o.output);
      writeFileAtomic(o.output, bytes, 'output');
      console.log(`wrote ${o.output} (${formatBytes(bytes.length)}): ${label}, ${source}, ${o.precision}`);
      for (const note of notes) console.log(`  ${note}`);
      if (o.verify) {
        const { exportDeviation } = await import('../../runtime/precision-check-node.js');
        const error = await exportDeviation(readFileSync(o.output), network.graph, weights);
        check(precision.name !== FP32.name || error <= FP32_TOLERANCE, `${o.output} does not compute what the network does: its logits differ from the reference evaluator by ${error.toExponential(2)} relative (at most ${FP32_TOLERANCE} expected); please report it`);
        console.log(`verified: ONNX Runtime's logits on 4 random inputs are within ${error.toExponential(2)} (relative) of the reference evaluator's${precision.name === FP32.name ? '' : ` (${precision.name} rounding)`}`);
      }
    });
}
