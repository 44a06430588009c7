import type { Command } from 'commander';
import { analyseFront, type FrontAxes } from '../../analysis/front.js';
import { describeConstraints } from '../../analysis/select.js';
import { loadDevice } from '../../report/load-node.js';
import { printJson } from '../format.js';
import {
  addAnalysisOptions,
  addAxesOption,
  addSelectionOption,
  constraintsFromOptions,
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
  addSelectionOption(addAxesOption(addAnalysisOptions(program.command('pareto'))))
    .description('Pareto-optimal networks on a device (latency, memory or both against accuracy) and k networks spanning the front')
    .option('--json', 'print {front, selection} as JSON')
    .option('--csv', 'print the front as CSV (latency in ms, accuracy as a fraction, memory in bytes)')
    .action(async (o: AnalysisOptions & { by: FrontAxes; select: string; json?: boolean; csv?: boolean }) => {
      const constraints = constraintsFromOptions(o);
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
          constraints: describeConstraints(constraints),
          candidates: candidates.length,
          front: front.map((p) => networkEntry(p, constraints)),
          selection: selection.map((p) => networkEntry(p, constraints)),
        });
      }
      console.log(`Pareto front (${AXES_TITLES[o.by]}) on ${device.name}: ${front.length} of ${counted(candidates.length, 'network')} (${describeConstraints(constraints)})`);
      console.log(networkTable(front, constraints));
      console.log('');
      console.log(`Selection: ${counted(selection.length, 'network')} spanning the front`);
      console.log(networkTable(selection, constraints));
    });
}
