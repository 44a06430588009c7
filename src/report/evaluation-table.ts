import type { AveragedMetrics } from '../predict/evaluate.js';
import { formatTable } from './text.js';

const percent = (x: number | undefined, digits = 1) => (x === undefined ? '' : `${(x * 100).toFixed(digits)}%`);

/** One row of the evaluation table: a label and the metrics (prediction or noise floor). */
export interface EvaluationRow {
  readonly label: string;
  readonly metrics: AveragedMetrics;
  readonly spearmanRange?: readonly [number, number];
}

/** The evaluation table: rank agreement, relative error, front recall and the cost of picking under budgets. */
export function evaluationTable(rows: readonly EvaluationRow[]): string {
  return formatTable(
    ['', 'Spearman', '(min..max)', 'Kendall', 'MdAPE', '±10%', '±20%', 'front recall', 'acc. loss', 'violations', 'overshoot', 'misses'],
    rows.map(({ label, metrics: m, spearmanRange }) => [
      label,
      m.spearman.toFixed(4),
      spearmanRange ? `${spearmanRange[0].toFixed(3)}..${spearmanRange[1].toFixed(3)}` : '',
      m.kendall.toFixed(4),
      percent(m.medianApe),
      percent(m.within10, 0),
      percent(m.within20, 0),
      percent(m.frontRecall, 0),
      m.accuracyLoss === undefined ? '' : `${(m.accuracyLoss * 100).toFixed(2)} pp`,
      percent(m.violations, 0),
      percent(m.overshoot),
      percent(m.misses, 0),
    ]),
  );
}
