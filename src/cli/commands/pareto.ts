import type { Command } from 'commander';
import { analyseFront, type FrontAxes } from '../../analysis/front.js';
import { describeLatencyStatistic } from '../../analysis/results.js';
import { describeConstraints } from '../../analysis/select.js';
import { loadDevice } from '../../analysis/results-node.js';
import { printJson } from '../format.js';
import {
  addAnalysisOptions,
  addAxesOption,
  addPrecisionFrontsOption,
  addSelectionOption,
  constraintsFromOptions,
  loadPrecisionDevices,
  deviceSource,
  networkEntry,
  networkTable,
  selectionSize,
  type AnalysisOptions,
} from './analysis-common.js';
import { counted } from '../../plural.js';

const AXES_TITLES: Readonly<Record<FrontAxes, string>> = {
  latency: 'latency vs accuracy',
  memory: 'memory vs accuracy',
  all: 'latency vs memory vs accuracy',
};

/** `iotnets pareto`: the Pareto front of one device's networks and a selection spanning it. */
export function register(program: Command): void {
  addPrecisionFrontsOption(addSelectionOption(addAxesOption(addAnalysisOptions(program.command('pareto')))))
    .description('Pareto-optimal networks on a device (latency, memory or both against accuracy) and k networks spanning the front')
    .option('--json', 'print {front, selection} as JSON')
    .option('--csv', 'print the front as CSV (latency in ms, accuracy as a fraction, memory in bytes)')
    .action(async (o: AnalysisOptions & { by: FrontAxes; select: string; json?: boolean; csv?: boolean; precision?: string }) => {
      const constraints = constraintsFromOptions(o);
      if (o.precision !== undefined) return printPrecisionFronts(o, o.precision);
      const needsMemory = o.by !== 'latency' || constraints.maxMemoryBytes !== undefined;
      const device = await loadDevice(deviceSource(o, needsMemory));
      const { candidates, front, selection } = analyseFront(device.points, {
        axes: o.by,
        format: constraints.format,
        memoryPart: constraints.memoryPart,
        constraints,
        k: selectionSize(o),
      });
      if (o.csv) return console.log(networkTable(front, constraints, true));
      if (o.json) {
        return printJson({
          device: device.name,
          axes: o.by,
          latency: device.latencyStatistic,
          constraints: describeConstraints(constraints),
          candidates: candidates.length,
          front: front.map((p) => networkEntry(p, constraints)),
          selection: selection.map((p) => networkEntry(p, constraints)),
        });
      }
      console.log(`Pareto front (${AXES_TITLES[o.by]}) on ${device.name}: ${front.length} of ${counted(candidates.length, 'network')} (${describeConstraints(constraints)})`);
      console.log(`(${describeLatencyStatistic(device.latencyStatistic)})`);
      console.log(networkTable(front, constraints));
      console.log('');
      console.log(`Selection: ${counted(selection.length, 'network')} spanning the front`);
      console.log(networkTable(selection, constraints));
    });
}

/** One front per deployed precision, memory counted in that precision (pareto --precision). */
async function printPrecisionFronts(o: AnalysisOptions & { by: FrontAxes; select: string; json?: boolean }, list: string): Promise<void> {
  const fronts = [];
  for (const { format, device } of await loadPrecisionDevices(o, list)) {
    const constraints = { ...constraintsFromOptions(o), format };
    const analysis = analyseFront(device.points, { axes: o.by, format, memoryPart: constraints.memoryPart, constraints, k: selectionSize(o) });
    fronts.push({ format, device, constraints, ...analysis });
  }
  if (o.json) {
    return printJson(
      fronts.map((f) => ({ precision: f.format.name, device: f.device.name, axes: o.by, candidates: f.candidates.length, front: f.front.map((p) => networkEntry(p, f.constraints)) })),
    );
  }
  for (const f of fronts) {
    console.log(`Pareto front (${AXES_TITLES[o.by]}) on ${f.device.name} in ${f.format.name}: ${f.front.length} of ${f.candidates.length} networks (${describeConstraints(f.constraints)})`);
    console.log(networkTable(f.front, f.constraints));
    console.log('');
  }
}
