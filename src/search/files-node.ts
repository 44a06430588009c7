import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { field, IotnetsError } from '../errors.js';
import { writeFileAtomic } from '../io/files-node.js';
import { Journal, readJsonLines } from '../io/journal-file.js';
import { exportOnnx } from '../onnx/export.js';
import { initWeights } from '../weights/init.js';
import { build, type Args } from '../zoo/index.js';
import { replaySearchRecords, type ProposalRecord, type SearchJournal } from './journal.js';

/** The journal of a search output directory. */
export function searchJournalPath(dir: string): string {
  return join(dir, 'journal.jsonl');
}

/** Reads the journal of `dir` without taking it (an empty journal when there is none yet). */
export function readSearchJournal(dir: string): SearchJournal {
  const path = searchJournalPath(dir);
  return replaySearchRecords(readJsonLines(path, 'out').records, path);
}

/** Takes the journal of `dir` for appending (the directory is created, and locked while the journal is open). */
export function openSearchJournal(dir: string): { writer: Journal; journal: SearchJournal } {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IotnetsError(`cannot create ${dir}: ${(e as Error).message}; choose a writable ${field('out')}`);
  }
  const writer = new Journal({ out: dir, path: searchJournalPath(dir), field: 'out' });
  try {
    return { writer, journal: replaySearchRecords(writer.lines.records, writer.path) };
  } catch (e) {
    writer.close();
    throw e;
  }
}

/** A network's files: its arguments as JSON and its ONNX model. */
export interface NetworkFiles {
  readonly dir: string;
  /** The network's arguments as JSON: exactly what the original `build(space, num_classes, net_args)` takes. */
  readonly argsFile: string;
  /** The network as ONNX, with seeded random weights (seed 0). */
  readonly onnxFile: string;
}

/** Where a network's files go in `dir`. */
export function networkFiles(dir: string): NetworkFiles {
  return { dir, argsFile: join(dir, 'args.json'), onnxFile: join(dir, 'model.onnx') };
}

/** Writes `dir/args.json` and `dir/model.onnx` of a search-space network (atomically: a kill leaves none half-written). */
export function writeNetworkFiles(dir: string, space: string, args: Args): NetworkFiles {
  mkdirSync(dir, { recursive: true });
  const files = networkFiles(dir);
  writeFileAtomic(files.argsFile, `${JSON.stringify(args)}\n`, 'out');
  const graph = build(space, { args });
  writeFileAtomic(files.onnxFile, exportOnnx(graph, initWeights(graph, 0)), 'out');
  return files;
}

/** The folder of trial `trial`'s files in a search directory. */
export function trialDir(dir: string, trial: number): string {
  return join(dir, 'trials', String(trial));
}

/** Writes a trial's files under `dir/trials/N/`. */
export function writeTrialFiles(dir: string, trial: ProposalRecord): NetworkFiles {
  return writeNetworkFiles(trialDir(dir, trial.trial), trial.spacename, trial.args);
}
