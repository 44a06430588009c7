import type { AccuracyEntry } from '../catalog/accuracy.js';
import type { FileMeasurement, FileResult, JournalMeasurement, ResultEntry } from './journal.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';

/** The results-file entry of a journal measurement (paper fields plus t_median, t_p90, runs), with acc/runid from `accuracy` when the journal lacks them. */
function resultEntry(m: JournalMeasurement, accuracy?: ReadonlyMap<number, AccuracyEntry>): ResultEntry {
  const trained = accuracy?.get(m.index);
  const acc = m.acc ?? trained?.accuracy;
  const runid = m.runid ?? trained?.runid;
  // Keys in sorted order, as the original's json.dump(sort_keys=True) wrote them.
  return {
    ...(acc !== undefined ? { acc } : {}),
    flops: m.flops,
    id: m.id,
    index: m.index,
    law: m.law,
    params: m.params,
    ...(runid !== undefined && runid !== '' ? { runid } : {}),
    runs: m.runs,
    spacename: m.spacename,
    t_avg: m.t_avg,
    t_median: m.median,
    t_p90: m.p90,
    t_std: m.t_std,
  };
}

/** The results document: one paper-format object per measured network, in catalog order. */
export function resultsDocument(measurements: readonly JournalMeasurement[], accuracy?: ReadonlyMap<number, AccuracyEntry>): string {
  const sorted = [...measurements].sort((a, b) => a.index - b.index);
  return `${JSON.stringify(sorted.map((m) => resultEntry(m, accuracy)), null, 4)}\n`;
}

/**
 * The results document of measured ONNX files, by file name: one object per file (name, hash, params, flops, macs,
 * element counts for memory, and the timing fields of catalog results).
 */
export function fileResultsDocument(measurements: readonly FileMeasurement[]): string {
  const sorted = [...measurements].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.sha256 < b.sha256 ? -1 : 1));
  const results: FileResult[] = sorted.map((m) => ({
    file: m.file,
    sha256: m.sha256,
    params: m.params,
    flops: m.flops,
    macs: m.macs,
    ...(m.weight_elements !== undefined ? { weight_elements: m.weight_elements } : {}),
    ...(m.peak_activation_elements !== undefined ? { peak_activation_elements: m.peak_activation_elements } : {}),
    runs: m.runs,
    t_avg: m.t_avg,
    t_median: m.median,
    t_p90: m.p90,
    t_std: m.t_std,
  }));
  return `${JSON.stringify(results, null, 4)}\n`;
}

/** The results file of `precision` for a calibration writing to `out`: `out` itself for fp32, `x.int8.json` beside `x.json`. */
export function precisionResultsPath(out: string, precision: NumberFormat): string {
  return precision.name === FP32.name ? out : `${out.replace(/\.json$/i, '')}.${precision.name}.json`;
}
