#!/usr/bin/env node
// Starts the CLI from one esbuild bundle of its TypeScript sources, rebuilt (in about 0.2 s) whenever a source file
// changes: loading a prebuilt bundle is what keeps `iotnets --help` well under a second, where tsx compiled every file
// on every run. Nothing has to build it beforehand (install scripts may be off): the first run after `npm ci` or an
// edit does. IOTNETS_TSX=1, or a checkout where the bundle cannot be written, runs the sources through tsx instead.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const entry = join(src, 'cli', 'main.ts');
const cache = join(root, 'node_modules', '.cache', 'iotnets');
/**
 * CommonJS packages every start loads, put into the bundle: imported as packages, Node's scan of their CommonJS
 * exports cost each start about 0.1 s (onnx-proto's generated code is 324 KB). What they require is loaded with require.
 */
const BUNDLED_PACKAGES = new Set(['onnx-proto', 'commander']);
/** Bundles older than this are removed; younger ones may still be running in another process. */
const STALE_BUNDLE_MS = 24 * 3600 * 1000;

/** A name that changes whenever a source file is added, removed or edited, or this file's build settings are. */
function sourceStamp() {
  let newest = Math.max(statSync(src).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  let count = 0;
  for (const name of readdirSync(src, { recursive: true })) {
    newest = Math.max(newest, statSync(join(src, name)).mtimeMs);
    count += 1;
  }
  return `${Math.floor(newest)}-${count}`;
}

/**
 * Bundles the CLI into `dir`, packages left external (but BUNDLED_PACKAGES) and lazy imports split into chunks. Every source file keeps its
 * own import.meta.url, so paths relative to a source (the page entry, the built-in data) resolve as they do under tsx.
 */
async function bundle(dir) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: { main: entry },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: dir,
    logLevel: 'silent',
    // For what the bundled CommonJS packages require (protobufjs, Node's modules).
    banner: { js: "import { createRequire as iotnetsCreateRequire } from 'node:module'; const require = iotnetsCreateRequire(import.meta.url);" },
    plugins: [
      {
        name: 'packages-external-but-bundled',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.has(args.path) ? undefined : { path: args.path, external: true }));
        },
      },
      {
        name: 'source-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
}

/** The bundle of the current sources, built if missing; undefined when it cannot be built. */
async function currentBundle() {
  const dir = join(cache, sourceStamp());
  const main = join(dir, 'main.js');
  try {
    statSync(main);
    return main;
  } catch {
    // Not built yet for these sources.
  }
  const partial = `${dir}.${process.pid}.partial`;
  try {
    await bundle(partial);
    try {
      renameSync(partial, dir);
    } catch {
      // Another process finished the same bundle first; use theirs.
      rmSync(partial, { recursive: true, force: true });
    }
    for (const old of readdirSync(cache)) {
      const path = join(cache, old);
      if (path !== dir && Date.now() - statSync(path).mtimeMs > STALE_BUNDLE_MS) rmSync(path, { recursive: true, force: true });
    }
    return main;
  } catch {
    rmSync(partial, { recursive: true, force: true });
    return undefined;
  }
}

mkdirSync(cache, { recursive: true });
const main = process.env.IOTNETS_TSX ? undefined : await currentBundle();
if (main) {
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
