import { readFileSync } from 'node:fs';
import { parseNetConfigs, type TrainedNetwork } from '../catalog/netconfigs.js';
import { IotnetsError } from '../errors.js';

/** Reads a JSON file, turning a missing or malformed file into one line naming it. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IotnetsError(`${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}; pass ${what}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IotnetsError(`${path}: not valid JSON (${(e as Error).message}); pass ${what}`);
  }
}

/** Accuracy and run id of each catalog network from a NetConfigs.json-format file. */
export function readAccuracyFile(path: string): Map<number, TrainedNetwork> {
  return parseNetConfigs(readJsonFile(path, "the paper's NetConfigs.json"), path);
}
