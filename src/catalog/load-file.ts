import { extname } from 'node:path';
import { parsePythonJson, readTextFile } from '../io/files-node.js';
import { parseAccuracyCsv, parseAccuracyJson, type AccuracyTable } from './accuracy.js';
import { PAPER_ACCURACY, paperNetConfigs } from './paper.js';
import { paperData } from './paper-node.js';

/** How the built-in accuracies are named in messages. */
const PAPER_ACCURACY_SOURCE = "the paper's accuracies (built-in NetConfigs.json)";

/** Reads an accuracy file: CSV by its .csv extension, JSON otherwise (NetConfigs.json format or a mapping); `paper` is the built-in NetConfigs.json. */
export function loadAccuracyFile(path: string): AccuracyTable {
  if (path === PAPER_ACCURACY) return parseAccuracyJson(paperNetConfigs(paperData()), PAPER_ACCURACY_SOURCE);
  const text = readTextFile(path);
  if (extname(path).toLowerCase() === '.csv') return parseAccuracyCsv(text, path);
  return parseAccuracyJson(parsePythonJson(text, path, "the paper's NetConfigs.json or an accuracy CSV/JSON mapping"), path);
}
