import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { journalPathFor } from '../../calibrate/journal.js';
import { checkOutputFile } from '../../io/files-node.js';
import { ResultsWriter } from '../../calibrate/results-writer.js';
import { check, IotnetsError } from '../../errors.js';
import { deviceLabel } from '../../runtime/device.js';
import type { Protocol } from '../../runtime/protocols.js';
import type { SessionSettings } from '../../runtime/session.js';
import {
  browserDeviceFromBody,
  type WebPlan,
} from '../../web/messages.js';
import {
  addCatalogSelectionOptions,
  addOnnxSelectionOptions,
  catalogSelection,
  onnxSelection,
  type CatalogSelectionOptions,
  type OnnxSelectionOptions,
} from '../catalog-selection.js';
import { catalogNetworks, fileNetworks, type ServedNetworks } from '../../web/served-networks-node.js';
import { withFlags } from '../flags.js';
import { runInterruptibly } from '../interrupt.js';
import { addMeasurementOptions, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';
import { parseInteger } from '../network-options.js';
import { createProgress, formatDuration, measurementLine } from '../progress.js';
import { fitCalibrationSetModel } from '../model-fit.js';
import { counted } from '../../plural.js';

interface ServeOptions extends MeasurementOptions, CatalogSelectionOptions, OnnxSelectionOptions {
  out: string;
  host: string;
  port: string;
  force?: boolean;
  deviceName?: string;
}

/** The http URLs other devices on this machine's networks can open, one per IPv4 LAN address. */
function lanUrls(port: number): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => `http://${a!.address}:${port}/`);
}

/** How the page is to measure, as the command line says. */
interface ServeSettings {
  readonly networks: ServedNetworks;
  readonly protocol: Protocol;
  readonly settings: SessionSettings;
  /** Only an explicit --threads is passed on: the server's core count means nothing to the browser. */
  readonly threads?: number;
  readonly host: string;
  readonly port: number;
  /** Overrides the name the page derives for its browser (browser, OS, cores). */
  readonly deviceName?: string;
}

/**
 * Serves the calibration page until the browser has measured every network of the plan that `results` lacks, or a
 * signal stops it; returns the signal's exit code, or 0 when all are measured.
 */
async function serveUntilMeasured(results: ResultsWriter, serve: ServeSettings): Promise<number> {
  const { networks, protocol, settings } = serve;
  const remaining = () => networks.keys.filter((k) => !results.has(k));
  const toMeasure = remaining().length;
  // esbuild and the page's server load only when a page is served.
  const { bundlePage, startPageServer } = await import('../../web/server-node.js');
  const script = await bundlePage();
  const progress = createProgress();
  const plan = (): WebPlan => ({
    ...networks.plan(remaining()),
    planned: networks.keys.length,
    protocol,
    optimization: settings.optimization,
    ...(serve.threads !== undefined ? { threads: serve.threads } : {}),
  });
  const useDevice = (body: unknown) => {
    const parsed = browserDeviceFromBody(body, protocol, settings.optimization);
    const device = serve.deviceName === undefined ? parsed : { ...parsed, name: serve.deviceName };
    if (results.useDevice(device)) process.stderr.write(`device: ${deviceLabel(device)}\n`);
  };
  // Refusals are the page's to show, and the operator's to see here, both in the flags the operator ran serve with.
  const reported = <T>(handle: () => T): T => {
    try {
      return handle();
    } catch (e) {
      const refusal = e instanceof IotnetsError ? new IotnetsError(withFlags(e.message)) : e;
      process.stderr.write(`refused: ${(refusal as Error).message}\n`);
      throw refusal;
    }
  };
  const started = performance.now();
  let measured = 0;
  const outcome = await runInterruptibly(async (signal) => {
    let allDone!: () => void;
    const finished = new Promise<void>((resolve) => {
      allDone = resolve;
      signal.addEventListener('abort', () => resolve());
    });
    const server = await startPageServer(script, serve.host, serve.port, {
      plan,
      device: (body) => reported(() => useDevice(body)),
      ...(networks.file ? { file: (sha256: string) => reported(() => networks.file!(sha256)) } : {}),
      measurement: (body) =>
        reported(() => {
          const { key, name } = networks.named(body);
          check(!results.has(key), `${name} is already in ${results.out}`);
          useDevice(body);
          const record = networks.record(body, key, protocol);
          results.add(record);
          results.writeResults();
          measured += 1;
          progress.tick(measurementLine(record));
          return remaining().length;
        }),
      replied: (left) => {
        if (left === 0) allDone();
      },
    });
    const wildcard = serve.host === '0.0.0.0' || serve.host === '::';
    const local = wildcard ? `http://localhost:${server.port}/` : server.url;
    console.log(`calibration page: open ${local} in a browser (${toMeasure} of ${counted(networks.keys.length, 'network')} to measure)`);
    if (wildcard) {
      const lan = lanUrls(server.port);
      console.log(
        lan.length > 0
          ? `on a phone on the same network, open ${lan.join(' or ')} (plain http gives the page one thread; localhost gets all cores)`
          : 'no LAN address found: connect this machine to the network the phone is on',
      );
    }
    progress.start(toMeasure);
    await finished;
    progress.stop();
    await server.close();
  });
  const served = formatDuration((performance.now() - started) / 1000);
  const summary = `${counted(measured, 'network')} measured by the browser (served for ${served}); ${results.count} in ${results.out} (journal ${results.journalPath})`;
  if (outcome.signal) {
    process.stderr.write(`interrupted by ${outcome.signal}: ${summary}; serve the same --out again to continue\n`);
  } else {
    console.log(summary);
  }
  return outcome.exitCode;
}

/** `iotnets serve`: calibrates catalog networks or ONNX files in a browser (a phone, a laptop) over onnxruntime-web. */
export function register(program: Command): void {
  addMeasurementOptions(
    addOnnxSelectionOptions(addCatalogSelectionOptions(program.command('serve')))
      .description(
        'calibrate a browser: serve a page that times catalog networks (or your --onnx files) with onnxruntime-web (wasm) on whatever device ' +
          'opens it and posts each measurement back, written to --out in the format of `iotnets calibrate`; stops when ' +
          'all are measured; resumable: serve the same --out again to continue',
      )
      .requiredOption('--out <file>', 'results file (JSON array); the journal is <file without .json>.journal.jsonl')
      .option('--host <address>', 'address to listen on; 0.0.0.0 lets a phone on the same network connect', '127.0.0.1')
      .option('--port <n>', 'port to listen on (0 = any free port)', '0')
      .option('--force', 'add to a results file measured on a different device or setup')
      .option('--device-name <name>', "what reports and titles call the device, e.g. 'my phone' (default: browser, OS and cores, e.g. 'Chrome 120, Android 14, 8 cores')"),
  ).action(async (o: ServeOptions) => {
    const { settings, protocol } = parseMeasurementOptions(o);
    const port = parseInteger(o.port, '--port');
    check(port >= 0 && port <= 65535, `--port must be in 0..65535, got ${port}`);
    const onnx = onnxSelection(o);
    const { indices, calibrationSet } = onnx ? { indices: [], calibrationSet: undefined } : catalogSelection(o);
    const networks = onnx ? fileNetworks(onnx.files, onnx.inputShape) : catalogNetworks(indices);
    checkOutputFile(o.out, 'out');
    checkOutputFile(journalPathFor(o.out), 'out');
    const results = new ResultsWriter(o.out, {
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
      ...(o.force ? { force: true } : {}),
    });
    try {
      results.checkKind(onnx !== undefined);
      if (networks.keys.every((k) => results.has(k))) {
        console.log(`all ${counted(networks.keys.length, 'network')} are already in ${o.out}; nothing to measure`);
      } else {
        const threads = o.threads !== undefined ? { threads: settings.threads } : {};
        process.exitCode = await serveUntilMeasured(results, { networks, protocol, settings, ...threads, host: o.host, port, ...(o.deviceName !== undefined ? { deviceName: o.deviceName } : {}) });
        if (process.exitCode !== 0) return;
      }
    } finally {
      results.close();
    }
    if (calibrationSet !== undefined) {
      await fitCalibrationSetModel(o.out);
    }
  });
}
