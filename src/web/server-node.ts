import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { escapeForMessage, field, IotnetsError } from '../errors.js';
import { servedFilePath, type WebPlan, type WebReply } from './messages.js';

const PAGE_ENTRY = fileURLToPath(new URL('./calibrate-page.ts', import.meta.url));

/** onnxruntime-web's dist folder: the wasm binary and the loader the page fetches at run time. */
const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

/** The wasm build's files the page may fetch (the `ort-wasm-*` binaries and their loaders), by name. */
const ORT_FILES = new Set(readdirSync(ORT_DIST).filter((f) => /^ort-wasm[\w.-]*\.(wasm|mjs)$/.test(f)));

const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>iotnets calibration</title><script type="module" src="/calibrate-page.js"></script></head><body></body></html>
`;

/** Largest POST body accepted: a measurement of even 100k runs is well below it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Bundles the calibration page and the core code it shares with Node into one browser ES module, in memory. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    // The build that loads its wasm binary and loader from env.wasm.wasmPaths (served below) instead of inlining them.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** What the server does with the page's requests; a handler refuses a request by throwing an IotnetsError. */
export interface PageHandlers {
  plan(): WebPlan;
  device(body: unknown): void;
  /** Records a measurement and returns how many networks of the plan are left. */
  measurement(body: unknown): number;
  /** The bytes of the served ONNX file with this SHA-256, or undefined when the plan serves none such. */
  file?(sha256: string): Uint8Array | undefined;
  /** Called once the reply to a measurement has been sent. */
  replied?(remaining: number): void;
}

/** A running page server. */
export interface PageServer {
  /** The address it listens on, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // Cross-origin isolation gives the page SharedArrayBuffer, which onnxruntime-web needs for threads.
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: WebReply | WebPlan) =>
  send(res, status, 'application/json', JSON.stringify(value));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new IotnetsError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new IotnetsError('request body is not JSON');
  }
}

/** The `host:port` names a browser may reach this server by: the addresses it listens on, and localhost for loopback. */
function ownHosts(host: string, address: AddressInfo): Set<string> {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const addresses = wildcard
    ? Object.values(networkInterfaces()).flat().filter((a) => a !== undefined).map((a) => a!.address)
    : [address.address];
  const names = [host, ...addresses.map((a) => (a.includes(':') ? `[${a}]` : a))];
  if (wildcard || addresses.some((a) => a.startsWith('127.') || a === '::1')) names.push('localhost');
  return new Set(names.map((name) => `${name}:${address.port}`));
}

/** Serves the bundled page `script`, onnxruntime-web's wasm files and the page's JSON API on host:port (0 = any). */
export async function startPageServer(script: string, host: string, port: number, handlers: PageHandlers): Promise<PageServer> {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void> = {
    'GET /': (_, res) => send(res, 200, 'text/html; charset=utf-8', PAGE_HTML),
    'GET /calibrate-page.js': (_, res) => send(res, 200, 'text/javascript; charset=utf-8', script),
    // Browsers ask for it unprompted; a 404 would be a console error on every visit.
    'GET /favicon.ico': (_, res) => send(res, 204, 'image/x-icon', ''),
    'GET /plan': (_, res) => sendJson(res, 200, handlers.plan()),
    'POST /device': async (req, res) => {
      handlers.device(await readJson(req));
      sendJson(res, 200, { ok: true });
    },
    'POST /measurement': async (req, res) => {
      const remaining = handlers.measurement(await readJson(req));
      res.on('finish', () => handlers.replied?.(remaining));
      sendJson(res, 200, { ok: true, remaining });
    },
  };
  const serveOrtFile = (name: string, res: ServerResponse) => {
    const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript; charset=utf-8';
    send(res, 200, type, readFileSync(join(ORT_DIST, name)));
  };
  let hosts: ReadonlySet<string> = new Set();
  const server = createServer((req, res) => {
    // DNS rebinding names this server under a foreign host; a cross-site page posts with a foreign Origin.
    const origin = req.headers.origin;
    if (!hosts.has(req.headers.host ?? '') || (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, '')))) {
      return sendJson(res, 403, { ok: false, error: 'this server answers only its own pages: open the address it printed' });
    }
    if (req.method === 'POST' && req.headers['content-type']?.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
      return sendJson(res, 415, { ok: false, error: 'POST bodies must be application/json' });
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const ortFile = req.method === 'GET' && path.startsWith('/ort/') ? path.slice('/ort/'.length) : undefined;
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    const servedHash = req.method === 'GET' && path === servedFilePath(lastSegment) ? lastSegment : undefined;
    const route = routes[`${req.method} ${path}`];
    Promise.resolve()
      .then(() => {
        if (route) return route(req, res);
        if (ortFile !== undefined && ORT_FILES.has(ortFile)) return serveOrtFile(ortFile, res);
        const served = servedHash === undefined ? undefined : handlers.file?.(servedHash);
        if (served !== undefined) return send(res, 200, 'application/octet-stream', Buffer.from(served.buffer, served.byteOffset, served.byteLength));
        return send(res, 404, 'text/plain', 'not found');
      })
      .catch((e: unknown) => {
        // A refusal is the client's to show; anything else is a server bug, logged here and never shown to a client.
        if (e instanceof IotnetsError) return sendJson(res, 409, { ok: false, error: e.message });
        process.stderr.write(`internal error on ${req.method} ${escapeForMessage(path)}: ${(e as Error).stack ?? String(e)}\n`);
        return sendJson(res, 500, { ok: false, error: 'internal server error; see the terminal running iotnets serve' });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  }).catch((e: NodeJS.ErrnoException) => {
    throw new IotnetsError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}; choose another ${field('host')} or ${field('port')}`);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  hosts = ownHosts(host, address);
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
