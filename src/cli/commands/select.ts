import { Option, type Command } from 'commander';
import { withSafetyBound } from '../../analysis/interval.js';
import { describeLatencyStatistic, rowKey } from '../../analysis/results.js';
import { describeConstraints, GOALS, nearMisses, rankUnder, type Goal } from '../../analysis/select.js';
import { catalogEntry, catalogGraph } from '../../catalog/catalog.js';
import { check } from '../../errors.js';
import { checkOutputFile, writeFileAtomic } from '../../io/files-node.js';
import { parseFormat } from '../../onnx/formats.js';
import { loadDevice } from '../../analysis/results-node.js';
import { initWeights } from '../../weights/init.js';
import { printJson } from '../format.js';
import { parseInteger } from '../network-options.js';
import { addPrecisionOptions, exportWithOptions, type PrecisionCliOptions } from '../precision-options.js';
import { addAnalysisOptions, constraintsFromOptions, deviceSource, networkEntry, networkTable, type AnalysisOptions } from './analysis-common.js';

interface SelectOptions extends AnalysisOptions, PrecisionCliOptions {
  goal: Goal;
  top: string;
  safety?: string;
  export?: string;
  seed: string;
  json?: boolean;
  csv?: boolean;
}

/** Parses --safety: a probability strictly between 0 and 1, as a fraction (0.9) or a percentage (90%). */
function parseSafety(text: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const level = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  check(level > 0 && level < 1, `--safety '${text}': give the chance the pick meets the latency budget, e.g. 0.9 or 90%`);
  return level;
}

/** `iotnets select`: the best networks on a device under latency, memory and accuracy constraints. */
export function register(program: Command): void {
  addPrecisionOptions(addAnalysisOptions(program.command('select')))
    .description('the best network on a device under --max-latency, --max-memory and --min-accuracy (and runner-ups with --top), optionally exported to ONNX')
    .addOption(new Option('--goal <goal>', 'what best means among networks meeting the constraints').choices(GOALS).default('accuracy'))
    .option('--top <n>', 'also list the runner-ups: the n best networks, with their margins to the budget', '1')
    .option(
      '--safety <level>',
      'with predicted results: check --max-latency against the latency each network stays under with this probability (upper bound of its prediction interval), e.g. 0.9',
    )
    .option('--export <file.onnx>', 'write the chosen network as an ONNX model')
    .option('--seed <n>', 'seed of the random weights --export fills the model with', '0')
    .option('--json', 'print the chosen networks as JSON')
    .option('--csv', 'print the chosen networks as CSV (latency in ms, accuracy as a fraction, memory in bytes)')
    .action(async (o: SelectOptions) => {
      if (o.export !== undefined) checkOutputFile(o.export, 'export');
      const constraints = constraintsFromOptions(o);
      parseFormat(o.precision ?? 'fp32');
      const top = parseInteger(o.top, '--top');
      check(top >= 1, `--top must be at least 1, got ${top}`);
      const safety = o.safety === undefined ? undefined : parseSafety(o.safety);
      const needsMemory = constraints.maxMemoryBytes !== undefined || o.goal === 'memory';
      const device = await loadDevice(deviceSource(o, needsMemory));
      check(
        safety === undefined || device.prediction !== undefined,
        `--safety needs predicted results (written by \`iotnets predict --out\`); ${o.results} holds measurements, which select uses as they are`,
      );
      const points = safety === undefined ? device.points : withSafetyBound(device.points, device.prediction!, safety);
      const ranked = rankUnder(points, constraints, o.goal, top);
      const best = ranked[0]!;
      if (o.export !== undefined) {
        check(best.index !== undefined, `--export writes catalog networks; the best network is your file ${best.file}: deploy it as it is, or convert it with iotnets export ${best.file} --precision ... -o FILE`);
        const graph = catalogGraph(catalogEntry(best.index));
        const { bytes } = await exportWithOptions(o, graph, initWeights(graph, parseInteger(o.seed, '--seed')), o.export);
        writeFileAtomic(o.export, bytes, 'export');
        process.stderr.write(`note: ${o.export} holds seeded random weights (seed ${o.seed}); for trained ones run iotnets export --index ${best.index} --weights CHECKPOINT --precision ${o.precision} -o ${o.export}\n`);
      }
      if (o.csv) return console.log(networkTable(ranked, constraints, true));
      if (o.json) {
        return printJson({
          device: device.name,
          latency: device.latencyStatistic,
          ...(device.prediction ? { predicted: { model: device.prediction.model, ...(safety !== undefined ? { safety } : {}) } } : {}),
          constraints: describeConstraints(constraints),
          goal: o.goal,
          best: networkEntry(best, constraints),
          ...(top > 1 ? { ranked: ranked.map((p) => networkEntry(p, constraints)) } : {}),
          ...(o.export ? { onnx: o.export } : {}),
        });
      }
      const what = top > 1 ? `The ${ranked.length} best networks` : 'Best network';
      console.log(`${what} on ${device.name} by ${o.goal} (${describeConstraints(constraints)}):`);
      if (device.prediction) {
        console.log(
          `latencies predicted by ${device.prediction.model}, interval ${Math.round(device.prediction.level * 100)}%` +
            (safety !== undefined ? `; the budget is checked against the ${Math.round(safety * 100)}% upper bound (safe bound)` : '; pass --safety 0.9 to pick under the upper bound'),
        );
      } else {
        console.log(`(${describeLatencyStatistic(device.latencyStatistic)})`);
      }
      console.log(networkTable(ranked, constraints));
      const over = nearMisses(points, constraints, best);
      if (over.length > 0) {
        console.log(`\nJust over the budget (within 10%), more accurate than ${rowKey(best)}:`);
        console.log(networkTable(over, constraints));
      }
      if (o.export !== undefined) console.log(`ONNX model written to ${o.export}`);
    });
}
