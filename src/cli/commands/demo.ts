import type { Command } from 'commander';
import { networkLabel, resolveNetwork, type NetworkRef } from '../../catalog/index.js';
import { summarize } from '../../graph/summary.js';
import { deviceLabel } from '../../runtime/device.js';
import { currentDevice } from '../../runtime/device-node.js';
import { measureNetwork, WEIGHT_SEED } from '../../runtime/measure.js';
import { initWeights } from '../../weights/init.js';
import { formatTable, LATENCY_HEADER, latencyCells, timingJson } from '../../report/text.js';
import { printJson } from '../format.js';
import { addMeasurementOptions, nodeEngine, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';

/** The networks of the original main_run_dummy.py: three reference ResNets and law s1/s3/s6 members of one space. */
const DEMO_NETWORKS: readonly NetworkRef[] = [
  { model: 'ResNet18' },
  { model: 'ResNet101' },
  { model: 'ResNet152' },
  ...['s1', 's3', 's6'].map((law) => ({ space: 'random_net_mobilenetv2', law, id: 0 })),
];

/** `iotnets demo`: builds the original dummy script's networks and times them on random input. */
export function register(program: Command): void {
  addMeasurementOptions(
    program
      .command('demo')
      .description(
        'build the networks of the original main_run_dummy.py (ResNet18, ResNet101, ResNet152 and ' +
          'random_net_mobilenetv2 laws s1, s3, s6 id 0) with random weights, time them on random input, print a table',
      )
      .option('--json', 'print a JSON object with the device record and one timing per network')
  ).action(async (o: MeasurementOptions & { json?: boolean }) => {
    const { settings, protocol } = parseMeasurementOptions(o);
    const engine = await nodeEngine();
    const device = currentDevice(engine, settings, protocol);
    if (!o.json) console.log(`device: ${deviceLabel(device)}\n`);
    const rows = [];
    for (const ref of DEMO_NETWORKS) {
      const network = resolveNetwork(ref);
      const summary = summarize(network.graph);
      const { timing } = await measureNetwork(network.graph, initWeights(network.graph, WEIGHT_SEED), { engine, settings, protocol });
      rows.push({ network: networkLabel(network), params: summary.stateDictElements, flops: summary.flops, timing });
      if (!o.json) process.stderr.write(`${networkLabel(network)}: t_avg ${timing.t_avg.toFixed(3)} ms\n`);
    }
    if (o.json) {
      return printJson({ device, networks: rows.map((r) => ({ network: r.network, params: r.params, flops: r.flops, ...timingJson(r.timing) })) });
    }
    console.log(formatTable(['network', 'params', 'FLOPs', ...LATENCY_HEADER], rows.map((r) => [r.network, r.params, r.flops, ...latencyCells(r.timing)])));
  });
}
