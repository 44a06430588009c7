import { Option, type Command } from 'commander';
import { bestUnder, describeConstraints, GOALS, type Goal } from '../../analysis/select.js';
import { catalogEntry, catalogGraph } from '../../catalog/catalog.js';
import { writeFileAtomic } from '../../io/files-node.js';
import { parseFormat } from '../../onnx/formats.js';
import { loadDevice } from '../../report/load-node.js';
import { initWeights } from '../../weights/init.js';
import { printJson } from '../format.js';
import { parseInteger } from '../network-options.js';
import { addPrecisionOptions, exportWithOptions, type PrecisionCliOptions } from '../precision-options.js';
import { addAnalysisOptions, constraintsFromOptions, deviceSource, networkEntry, networkTable, type AnalysisOptions } from './analysis-common.js';

interface SelectOptions extends AnalysisOptions, PrecisionCliOptions {
  goal: Goal;
  export?: string;
  seed: string;
  json?: boolean;
}

/** `iotnets select`: the best network on a device under latency, memory and accuracy constraints. */
export function register(program: Command): void {
  addPrecisionOptions(addAnalysisOptions(program.command('select')))
    .description('the best network on a device under --max-latency, --max-memory and --min-accuracy, optionally exported to ONNX')
    .addOption(new Option('--goal <goal>', 'what best means among networks meeting the constraints').choices(GOALS).default('accuracy'))
    .option('--export <file.onnx>', 'write the chosen network as an ONNX model')
    .option('--seed <n>', 'seed of the random weights --export fills the model with', '0')
    .option('--json', 'print the chosen network as JSON')
    .action(async (o: SelectOptions) => {
      const constraints = constraintsFromOptions(o);
      parseFormat(o.precision ?? 'fp32');
      const needsMemory = constraints.maxMemoryBytes !== undefined || o.goal === 'memory';
      const device = await loadDevice(deviceSource(o, needsMemory));
      const best = bestUnder(device.points, constraints, o.goal);
      if (o.export !== undefined) {
        const graph = catalogGraph(catalogEntry(best.index));
        const { bytes } = await exportWithOptions(o, graph, initWeights(graph, parseInteger(o.seed, '--seed')), o.export);
        writeFileAtomic(o.export, bytes, '--export');
        process.stderr.write(`note: ${o.export} holds seeded random weights (seed ${o.seed}); for trained ones run iotnets export --index ${best.index} --weights CHECKPOINT --precision ${o.precision} -o ${o.export}\n`);
      }
      if (o.json) return printJson({ device: device.name, constraints: describeConstraints(constraints), goal: o.goal, best: networkEntry(best, constraints), ...(o.export ? { onnx: o.export } : {}) });
      console.log(`Best network on ${device.name} by ${o.goal} (${describeConstraints(constraints)}):`);
      console.log(networkTable([best], constraints));
      if (o.export !== undefined) console.log(`ONNX model written to ${o.export}`);
    });
}
