import { extname } from 'node:path';
import { parsePythonJson, readTextFile } from '../io/files-node.js';
import { parseAccuracyCsv, parseAccuracyJson, type AccuracyTable } from './accuracy.js';

/** Reads an accuracy file: CSV by its .csv extension, JSON otherwise (NetConfigs.json format or a mapping). */
export function loadAccuracyFile(path: string): AccuracyTable {
  const text = readTextFile(path);
  if (extname(path).toLowerCase() === '.csv') return parseAccuracyCsv(text, path);
  return parseAccuracyJson(parsePythonJson(text, path, "the paper's NetConfigs.json or an accuracy CSV/JSON mapping"), path);
}
