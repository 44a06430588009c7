import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { REPO_ROOT } from './support/shared.js';

/** Stages of the data flow that must run in a browser page as they run in Node (no fs, no native modules). */
const CORE_DIRS = ['rng', 'graph', 'zoo', 'catalog', 'weights', 'onnx', 'runtime', 'analysis', 'predict', 'search', 'report'];

/** Explicit Node-side loaders and renderers live beside the core under these names. */
const NODE_EDGE = /(-node|load-file)\.ts$/;

function coreFiles(): string[] {
  return CORE_DIRS.flatMap((dir) =>
    readdirSync(join(REPO_ROOT, 'src', dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !NODE_EDGE.test(f))
      .map((f) => join(REPO_ROOT, 'src', dir, f)),
  );
}

test('the core bundles for the browser with no Node built-in or native module', async () => {
  const files = coreFiles();
  assert.ok(files.length > 40, `expected the core's files, found ${files.length}`);
  const nodeImports: string[] = [];
  await build({
    entryPoints: files,
    bundle: true,
    write: false,
    outdir: 'unused',
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'refuse-node',
        setup(b) {
          b.onResolve({ filter: /^(node:|fs$|path$|os$|child_process$|url$|onnxruntime-node$|@resvg\/)/ }, (args) => {
            nodeImports.push(`${args.importer.replace(REPO_ROOT, '')} imports ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  assert.deepEqual(nodeImports, []);
});
