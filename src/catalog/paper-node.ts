import { fileURLToPath } from 'node:url';
import { readJsonFile } from '../io/files-node.js';
import { paperDeviceOf, paperResults, type PackedPaperData } from './paper.js';

const DATA_FILE = fileURLToPath(new URL('../../data/paper/paper-data.json', import.meta.url));

let cached: PackedPaperData | undefined;

/** The paper's published data shipped in data/paper/, read once. */
export function paperData(): PackedPaperData {
  cached ??= readJsonFile(DATA_FILE, 'the built-in paper data (regenerate with scripts/gen-paper-data.ts)') as PackedPaperData;
  return cached;
}

/** A results argument's document: a built-in paper device (`paper:raspi`) or the JSON file at that path. */
export function readResultsDocument(reference: string): unknown {
  const device = paperDeviceOf(reference);
  return device === undefined ? readJsonFile(reference, 'a results file with measurements') : paperResults(paperData(), device);
}
