import { CATALOG } from '../../src/catalog/catalog.js';
import type { JournalDevice, JournalMeasurement } from '../../src/calibrate/journal.js';
import { numpyMean, numpyStd, summarizeTimes } from '../../src/runtime/stats.js';

/** A plausible device line, as `iotnets calibrate` writes one. */
export function deviceLine(threads = 1): JournalDevice {
  return {
    type: 'device', cpuModel: 'Test CPU', cores: 2, cpuMHz: 2000, memoryBytes: 8e9, os: 'Linux 6', platform: 'linux', arch: 'x64',
    hostname: 'h', node: 'v20', onnxruntime: '1.30.0', threads, graphOptimization: 'all', protocol: { name: 'paper' },
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A self-consistent measurement of catalog network `index` whose runs are `timesMs` (the first `discarded` warm-up). */
export function measurementLine(index: number, timesMs: readonly number[] = [9, 9, 9, 9, 9, 1, 2, 3, 4, 5], discarded = 5): JournalMeasurement {
  const kept = timesMs.slice(discarded);
  const s = summarizeTimes(kept);
  const e = CATALOG[index]!;
  return {
    type: 'measurement', spacename: e.space, law: e.law, id: e.id, index, params: 10, flops: 20.5,
    t_avg: numpyMean(kept), t_std: numpyStd(kept), median: s.median, min: s.min, max: s.max, p90: s.p90,
    runs: kept.length, discarded, stop: 'runs', medianCi: 0.1, protocol: 'paper', timesMs: [...timesMs],
    seconds: { build: 0, export: 0, session: 0, inference: 0, release: 0 }, measuredAt: '2026-01-01T00:00:00.000Z',
  };
}
