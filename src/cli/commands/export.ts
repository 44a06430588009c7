import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { networkLabel, resolveNetwork } from '../../catalog/index.js';
import { check, IotnetsError } from '../../errors.js';
import { exportOnnx } from '../../onnx/export.js';
import { bindStateDict } from '../../weights/bind.js';
import { initWeights } from '../../weights/init.js';
import { loadWeightsFile } from '../../weights/load-file.js';
import { addNetworkOptions, networkRefFromOptions, parseInteger, type NetworkOptions } from '../network-options.js';
import { formatBytes } from '../format.js';

const WRITE_ERRORS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a parent of it is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
};

/**
 * Writes `bytes` to `path` all or nothing: a temporary file in the same directory is renamed over it, so a failure
 * leaves no half-written output. Unwritable paths give a one-line IotnetsError.
 */
async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    const reason = WRITE_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
    if (reason) throw new IotnetsError(`cannot write ${path}: ${reason}; choose a writable path with -o`);
    throw e;
  }
}

interface ExportOptions extends NetworkOptions {
  weights?: string;
  seed?: string;
  output: string;
}

/** `iotnets export`: one network to an ONNX file, with checkpoint weights or seeded random weights. */
export function register(program: Command): void {
  addNetworkOptions(program.command('export'))
    .description('write one network as an ONNX model (opset 17, input [N,3,H,W] `input`, output `logits`)')
    .option('--weights <file>', 'PyTorch checkpoint (.t7/.pt, zip or legacy) or .safetensors file with the trained weights')
    .option('--seed <n>', 'seed of the random weights when no --weights file is given', '0')
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .action(async (model: string | undefined, o: ExportOptions, command: Command) => {
      check(
        o.weights === undefined || command.getOptionValueSource('seed') === 'default',
        'give either --weights FILE or --seed N, not both',
      );
      const network = resolveNetwork(networkRefFromOptions(model, o), parseInteger(o.classes ?? '10', '--classes'));
      const label = networkLabel(network);
      const weights =
        o.weights === undefined
          ? initWeights(network.graph, parseInteger(o.seed!, '--seed'))
          : bindStateDict(network.graph, (await loadWeightsFile(o.weights)).stateDict, o.weights, label);
      const bytes = exportOnnx(network.graph, weights);
      await writeFileAtomic(o.output, bytes);
      const source = o.weights === undefined ? `random weights, seed ${o.seed}` : `weights from ${o.weights}`;
      console.log(`wrote ${o.output} (${formatBytes(bytes.length)}): ${label}, ${source}`);
    });
}
