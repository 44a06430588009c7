import { journalPathFor, measurementKey, readJournal } from './journal.js';

/** How much faster one precision runs the networks than fp32 on this device, by median latency. */
export interface PrecisionSpeedup {
  readonly precision: string;
  /** Networks measured in both. */
  readonly networks: number;
  /** Median over networks of fp32 median / this precision's median (> 1: faster). */
  readonly medianSpeedup: number;
  /** Networks this precision runs slower than fp32, slowest first. */
  readonly slower: readonly { readonly network: string; readonly speedup: number }[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Each precision's speedup over fp32 from the journals beside `fp32Results` and `others` (results files of one calibration). */
export function precisionSpeedups(fp32Results: string, others: readonly { precision: string; out: string }[]): PrecisionSpeedup[] {
  const medians = (out: string) => {
    const journal = readJournal(journalPathFor(out));
    return new Map([...journal.measurements, ...journal.files].map((m) => [measurementKey(m), m.median]));
  };
  const baseline = medians(fp32Results);
  return others.flatMap(({ precision, out }) => {
    const ratios = [...medians(out)]
      .filter(([key]) => baseline.has(key))
      .map(([key, ms]) => ({ network: typeof key === 'number' ? `#${key}` : key.slice(0, 12), speedup: baseline.get(key)! / ms }));
    if (ratios.length === 0) return [];
    return [{
      precision,
      networks: ratios.length,
      medianSpeedup: median(ratios.map((r) => r.speedup)),
      slower: ratios.filter((r) => r.speedup < 1).sort((a, b) => a.speedup - b.speedup),
    }];
  });
}
