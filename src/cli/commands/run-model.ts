import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { catalogEntry, catalogGraph } from '../../catalog/catalog.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { PAPER_ACCURACY } from '../../catalog/paper.js';
import { parseIndexList } from '../../calibrate/subsets.js';
import { check, escapeForMessage, IotnetsError } from '../../errors.js';
import { deviceLabel } from '../../runtime/device.js';
import { currentDevice } from '../../runtime/device-node.js';
import { measureNetwork } from '../../runtime/measure.js';
import { bindStateDict } from '../../weights/bind.js';
import { loadWeightsFile } from '../../weights/load-file.js';
import { formatTable, LATENCY_HEADER, latencyCells, timingJson } from '../../report/text.js';
import { withFlags } from '../flags.js';
import { printJson } from '../format.js';
import { addMeasurementOptions, nodeEngine, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';

/** The networks main_run_model.py highlights: selMACCNets (MacBook Pro) then selPICNets (Raspberry Pi), 64 once. */
const HIGHLIGHTED_NETWORKS: readonly number[] = [...new Set([1552, 1420, 1449, 851, 771, 64, 687, 611, 450, 405, 306, 349, 64])];

/** The checkpoint file main_run_model.py loads for a run id. */
function checkpointPath(modelsDir: string, runid: string): string {
  return join(modelsDir, `${runid}_ckpt.t7`);
}

interface RunModelOptions extends MeasurementOptions {
  models: string;
  accuracy: string;
  indices?: string;
  json?: boolean;
}

/** `iotnets run-model`: loads trained checkpoints of catalog networks and times them. */
export function register(program: Command): void {
  addMeasurementOptions(
    program
      .command('run-model')
      .description(
        'load trained checkpoints <runid>_ckpt.t7 of catalog networks (run ids from NetConfigs.json), print the stored ' +
          "accuracy and time them; default networks: the paper's highlighted " + HIGHLIGHTED_NETWORKS.join(','),
      )
      .requiredOption('--models <dir>', 'directory holding the <runid>_ckpt.t7 checkpoints')
      .option('--accuracy <file>', "run ids and accuracies: 'paper' (the built-in NetConfigs.json) or a NetConfigs.json-format file", PAPER_ACCURACY)
      .option('--indices <list>', 'catalog indices to run, e.g. 687,611 or 0-9')
      .option('--json', 'print a JSON object with the device record and one record per network')
  ).action(async (o: RunModelOptions) => {
    const { settings, protocol } = parseMeasurementOptions(o);
    check(existsSync(o.models) && statSync(o.models).isDirectory(), `--models ${o.models}: no such directory; pass the folder holding the <runid>_ckpt.t7 files`);
    const trained = catalogAccuracies(loadAccuracyFile(o.accuracy));
    const indices = o.indices === undefined ? HIGHLIGHTED_NETWORKS : parseIndexList(o.indices);
    // Run ids come from a file: one such as ../x must not lead a checkpoint path out of --models.
    for (const index of indices) {
      const runid = trained.get(index)?.runid;
      check(
        runid === undefined || (/^[\w.-]+$/.test(runid) && !/^\.+$/.test(runid)),
        () => `${o.accuracy} gives network #${index} the run id '${escapeForMessage(runid!)}', which is not a plain file name; fix the file`,
      );
    }
    const engine = await nodeEngine();
    const device = currentDevice(engine, settings, protocol);
    if (!o.json) console.log(`device: ${deviceLabel(device)}\n`);
    const rows = [];
    let failures = 0;
    for (const index of indices) {
      const entry = catalogEntry(index);
      const name = `#${index} ${entry.space}/${entry.law}/${entry.id}`;
      const record = trained.get(index);
      if (!record?.runid) {
        process.stderr.write(`${name}: ${o.accuracy} has no run id for it; skipped\n`);
        continue;
      }
      const path = checkpointPath(o.models, record.runid);
      if (!existsSync(path)) {
        process.stderr.write(`${name}: no checkpoint ${path}; skipped\n`);
        continue;
      }
      let timing;
      let checkpointAcc: unknown;
      try {
        const graph = catalogGraph(entry);
        const loaded = await loadWeightsFile(path);
        const weights = bindStateDict(graph, loaded.stateDict, path, 'this catalog network');
        checkpointAcc = loaded.meta.acc;
        ({ timing } = await measureNetwork(graph, weights, { engine, settings, protocol }));
      } catch (e) {
        if (!(e instanceof IotnetsError)) throw e;
        process.stderr.write(`${name}: ${withFlags(e.message)}\n`);
        failures += 1;
        continue;
      }
      rows.push({ index, network: name, runid: record.runid, acc: record.accuracy, checkpointAcc, timing });
    }
    if (failures > 0) process.exitCode = 1;
    check(rows.length > 0 || failures > 0, `${o.models} holds none of these networks' checkpoints; check --models and --indices`);
    if (o.json) {
      return printJson({
        device,
        networks: rows.map(({ timing, ...r }) => ({ ...r, ...timingJson(timing) })),
      });
    }
    if (rows.length === 0) {
      console.log('no checkpoint could be run');
      return;
    }
    console.log(
      formatTable(
        ['network', 'acc', 'ckpt acc', ...LATENCY_HEADER],
        rows.map((r) => [r.network, r.acc, typeof r.checkpointAcc === 'number' ? r.checkpointAcc : '-', ...latencyCells(r.timing)]),
      ),
    );
  });
}
