/**
 * The browser calibration page `iotnets serve` hands out: times catalog networks, or the ONNX files the server
 * serves (imported here and re-exported, as `calibrate --onnx` times them), with onnxruntime-web (wasm) on whatever
 * device opens it through the same measurement as the Node calibration (prepareAndMeasure, with the web engine
 * instead of the Node one), and posts every finished measurement to the server at once so a closed tab loses at most
 * one network.
 */
import * as ort from 'onnxruntime-web/wasm';
import { prepareAndMeasure, prepareCatalogNetwork } from '../calibrate/measure-catalog.js';
import { parseIndexList } from '../calibrate/subsets.js';
import { catalogEntry } from '../catalog/catalog.js';
import { formatNumber, LATENCY_HEADER, latencyCells } from '../report/text.js';
import { engineVersion, type Engine } from '../runtime/engine.js';
import { webEngine } from '../runtime/engine-web.js';
import { protocolLabel } from '../runtime/protocols.js';
import { importOnnx } from '../onnx/import.js';
import { servedFilePath, type BrowserDevice, type ServedFile, type WebMeasurement, type WebPlan, type WebReply, type WebTiming } from './messages.js';
import { counted } from '../plural.js';
import { browserDeviceName } from './browser-name.js';

/** Where the server serves onnxruntime-web's wasm binary and its loader. */
const ORT_FILES_PATH = '/ort/';

async function getPlan(): Promise<WebPlan> {
  const response = await fetch('/plan');
  if (!response.ok) throw new Error(`GET /plan failed: ${response.status} ${response.statusText}`);
  return (await response.json()) as WebPlan;
}

/** POSTs `body` as JSON; a refusal becomes an error carrying the server's one-line reason. */
async function post(path: string, body: unknown): Promise<WebReply> {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reply = (await response.json()) as WebReply;
  if (!reply.ok) throw new Error(reply.error ?? `POST ${path} failed: ${response.status}`);
  return reply;
}

/** This browser's device record for measurements with `threads` threads under the plan's settings. */
function browserDevice(plan: WebPlan, engine: Engine, threads: number): BrowserDevice {
  const memoryGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return {
    name: browserDeviceName(navigator.userAgent, navigator.hardwareConcurrency),
    cpuModel: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    // Browsers report neither clock speed nor host name; deviceMemory (GiB, rounded) only in Chromium.
    cpuMHz: 0,
    memoryBytes: memoryGiB === undefined ? 0 : memoryGiB * 2 ** 30,
    os: navigator.platform,
    platform: 'browser',
    arch: 'wasm32',
    hostname: '',
    node: '',
    onnxruntime: engineVersion(engine),
    threads,
    graphOptimization: plan.optimization,
    protocol: plan.protocol,
    recordedAt: new Date().toISOString(),
    executionProvider: 'wasm',
    crossOriginIsolated,
    ortVersions: { ...ort.env.versions },
  };
}

/** One network of the plan: its row's first two cells, what the server knows it by, and how to build it. */
interface PageNetwork {
  readonly cells: readonly [string, string];
  readonly identity: { readonly index: number } | ServedFile;
  prepare(): Promise<Parameters<typeof prepareAndMeasure>[0]>;
}

/** A served ONNX file's bytes, fetched from the server. */
async function fetchFile(served: ServedFile): Promise<Uint8Array> {
  const response = await fetch(servedFilePath(served.sha256));
  if (!response.ok) {
    const reply = (await response.json().catch(() => ({}))) as Partial<WebReply>;
    throw new Error(reply.error ?? `GET ${served.file} failed: ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The plan's networks in measuring order: catalog networks (those `?indices=` keeps), then served files. */
function pageNetworks(plan: WebPlan): PageNetwork[] {
  const only = new URLSearchParams(location.search).get('indices');
  const wanted = only === null ? undefined : new Set(parseIndexList(only, 'indices'));
  const catalog = plan.indices.filter((i) => wanted === undefined || wanted.has(i)).map((index): PageNetwork => {
    const entry = catalogEntry(index);
    return {
      cells: [String(index), `${entry.space.replace('random_net_', '')}/${entry.law}/${entry.id}`],
      identity: { index },
      prepare: async () => () => prepareCatalogNetwork(entry),
    };
  });
  const options = plan.inputShape ? { inputShape: plan.inputShape } : {};
  const files = (plan.files ?? []).map((served): PageNetwork => ({
    cells: [served.sha256.slice(0, 12), served.file],
    identity: served,
    // Fetched before the build step starts, so the download is not timed as building.
    prepare: async () => {
      const bytes = await fetchFile(served);
      return () => importOnnx(bytes, served.file, options);
    },
  }));
  return [...catalog, ...files];
}

/** `42 s`, `7 min`: an ETA needs no more precision. */
function roughDuration(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', parent: HTMLElement = document.body): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.textContent = text;
  parent.append(e);
  return e;
}

/** The page: a title, a device line, a progress bar with ETA, a status line and a table of finished networks. */
function createView() {
  document.title = 'iotnets calibration';
  const style = element('style', 'body{font:14px system-ui,sans-serif;margin:1em}progress{width:100%;height:1.2em}' +
    'table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}' +
    'td:nth-child(2),th:nth-child(2){text-align:left}.error{color:#b00}.device{color:#555;font-size:12px}');
  document.head.append(style);
  element('h1', 'iotnets calibration');
  const device = element('p');
  device.className = 'device';
  const bar = element('progress');
  const status = element('p', 'loading the plan...');
  const hint = element('p');
  hint.className = 'device';
  const table = element('table');
  const head = element('thead', '', table);
  const body = element('tbody', '', table);
  return {
    device(d: BrowserDevice) {
      const threads = `${d.threads} thread${d.threads === 1 ? '' : 's'}${d.crossOriginIsolated ? '' : ' (threads need https or localhost)'}`;
      device.textContent = `${d.cpuModel} | ${d.cores} cores | onnxruntime-web ${d.onnxruntime} wasm, ${threads} | protocol ${protocolLabel(d.protocol)}`;
    },
    progress(done: number, total: number, etaSeconds: number | undefined) {
      bar.max = Math.max(total, 1);
      bar.value = done;
      const eta = etaSeconds === undefined ? '' : `, about ${roughDuration(etaSeconds)} left`;
      status.textContent = `${done} of ${counted(total, 'network')} measured${eta}`;
    },
    /** The table's header: catalog networks by index, files by their hash's first digits. */
    columns(files: boolean) {
      const header = element('tr', '', head);
      for (const h of [files ? 'sha256' : '#', files ? 'file' : 'network', ...LATENCY_HEADER]) element('th', h, header);
    },
    row(network: PageNetwork, m: WebTiming) {
      const tr = element('tr', '', body);
      for (const cell of [...network.cells, ...latencyCells(m.timing)]) {
        element('td', typeof cell === 'number' ? formatNumber(cell) : cell, tr);
      }
    },
    hint(text: string) {
      hint.textContent = text;
    },
    finish(text: string) {
      status.textContent = text;
      hint.textContent = '';
    },
    fail(message: string) {
      status.textContent = message;
      status.className = 'error';
    },
  };
}

async function run(view: ReturnType<typeof createView>): Promise<void> {
  const plan = await getPlan();
  const networks = pageNetworks(plan);
  view.columns(plan.files !== undefined);
  // Threads need SharedArrayBuffer, which browsers grant only to cross-origin isolated pages (https or localhost).
  const threads = crossOriginIsolated ? (plan.threads ?? navigator.hardwareConcurrency) : 1;
  const engine = webEngine(ort, { threads, wasmPaths: ORT_FILES_PATH });
  const device = browserDevice(plan, engine, threads);
  view.device(device);
  await post('/device', { device });
  // A phone that dims its screen suspends the tab; the lock exists only on https or localhost, hence the hint too.
  await navigator.wakeLock?.request('screen').catch(() => undefined);
  view.hint('keep this tab in front and the screen on until it says done');
  const measuredBefore = plan.planned - plan.indices.length - (plan.files?.length ?? 0);
  view.progress(measuredBefore, plan.planned, undefined);
  const started = performance.now();
  const options = { engine, settings: { threads, optimization: plan.optimization }, protocol: plan.protocol };
  for (const [n, network] of networks.entries()) {
    // One wasm session per network, exactly as the Node calibration measures natively.
    const { timing, seconds } = await prepareAndMeasure(await network.prepare(), options);
    const measurement = { timing, seconds };
    await post('/measurement', { device, ...network.identity, ...measurement } satisfies WebMeasurement);
    view.row(network, measurement);
    const perNetwork = (performance.now() - started) / 1000 / (n + 1);
    view.progress(measuredBefore + n + 1, plan.planned, perNetwork * (networks.length - n - 1));
  }
  view.finish(`done: ${counted(networks.length, 'network')} measured in this tab and saved by the server; you can close it`);
}

const view = createView();
run(view).catch((e: unknown) => view.fail(`stopped: ${(e as Error).message}`));
