import { readFile } from 'node:fs/promises';
import { IotnetsError } from '../errors.js';
import { parseWeights, type LoadedWeights } from './torch-checkpoint.js';

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file; check the path',
  EISDIR: 'is a directory; pass the weights file inside it',
  EACCES: 'permission denied; make the file readable',
};

/** Reads a PyTorch checkpoint (zip or legacy) or safetensors file from disk, detecting the format by content. */
export async function loadWeightsFile(path: string): Promise<LoadedWeights> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (e) {
    const reason = READ_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
    if (reason) throw new IotnetsError(`${path}: ${reason}`);
    throw e;
  }
  // A plain Uint8Array view: Buffer's subarray/slice semantics differ and the parsers are written for Uint8Array.
  return parseWeights(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}
