import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from './support/shared.js';

/**
 * The data flow, upstream first: a stage may import its own files and stages of a lower rank only
 * (rng, graph, zoo, catalog, weights, onnx -> runtime -> calibrate -> analysis, predict -> search -> report -> web, cli).
 * Files directly in src/ (errors, problems) are shared by all, then src/io (Node file access the edges share).
 */
const RANK: Readonly<Record<string, number>> = {
  base: 0,
  io: 0.5,
  rng: 1,
  graph: 2,
  zoo: 3,
  catalog: 4,
  weights: 4,
  onnx: 5,
  runtime: 6,
  calibrate: 7,
  analysis: 8,
  predict: 9,
  search: 10,
  report: 11,
  web: 12,
  cli: 12,
};

/** The one import across web and cli: the serve command starts the page's server. */
const SERVE_COMMAND = 'cli/commands/serve.ts';

/** The stage of a path relative to src/: its folder, or `base` for files directly in src/. */
function stageOf(path: string): string {
  return path.includes('/') ? path.split('/')[0]! : 'base';
}

/** Why `from` (a path relative to src/) may not import `to`, or undefined when it may. */
export function importViolation(from: string, to: string): string | undefined {
  const [a, b] = [stageOf(from), stageOf(to)];
  if (a === b) return undefined;
  const [ra, rb] = [RANK[a], RANK[b]];
  if (ra === undefined || rb === undefined) return `${from} imports ${to}: stage ${ra === undefined ? a : b} has no place in the data flow`;
  if (a === 'cli' && b === 'web') return from === SERVE_COMMAND ? undefined : `${from} imports ${to}: only the serve command uses the page`;
  if (rb < ra) return undefined;
  return `${from} imports ${to}: ${b} is ${rb === ra ? 'beside' : 'downstream of'} ${a}`;
}

/** Every relative import (static, re-export or dynamic) of every source file, as paths relative to src/. */
function sourceImports(): { from: string; to: string }[] {
  const src = join(REPO_ROOT, 'src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(src, file), 'utf8'), true, true);
    return importedFiles
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => ({ from: file, to: relative(src, resolve(src, dirname(file), i.fileName)).replace(/\.js$/, '.ts') }));
  });
}

test('imports follow the data flow: no stage imports a stage downstream of it or beside it', () => {
  const imports = sourceImports();
  assert.ok(imports.length > 300, `expected the sources' imports, found ${imports.length}`);
  assert.deepEqual(imports.map(({ from, to }) => importViolation(from, to)).filter((v) => v !== undefined), []);
});

test('the dependency check refuses imports against the flow (so the test above can fail)', () => {
  assert.equal(importViolation('runtime/session.ts', 'cli/format.ts'), 'runtime/session.ts imports cli/format.ts: cli is downstream of runtime');
  assert.equal(importViolation('web/calibrate-page.ts', 'cli/format.ts'), 'web/calibrate-page.ts imports cli/format.ts: cli is beside web');
  assert.equal(importViolation('cli/commands/calibrate.ts', 'web/server-node.ts'), 'cli/commands/calibrate.ts imports web/server-node.ts: only the serve command uses the page');
  assert.equal(importViolation('catalog/catalog.ts', 'weights/init.ts'), 'catalog/catalog.ts imports weights/init.ts: weights is beside catalog');
  assert.equal(importViolation('cli/commands/serve.ts', 'web/server-node.ts'), undefined);
  assert.equal(importViolation('predict/model.ts', 'analysis/results.ts'), undefined);
  assert.equal(importViolation('graph/graph.ts', 'errors.ts'), undefined);
});

/** `--flag`s written in the string literals of `text` (comments and code such as `--x` do not count). */
export function flagsInStrings(text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      found.push(...(node.text.match(/(?<![\w-])--[a-z][\w-]*/g) ?? []));
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true));
  return found;
}

test('library messages name fields, not CLI flags: no string outside src/cli says --flag (the CLI maps fields to flags)', () => {
  const src = join(REPO_ROOT, 'src');
  const library = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('cli/'));
  const flags = library.flatMap((file) => flagsInStrings(readFileSync(join(src, file), 'utf8')).map((flag) => `${file}: ${flag}`));
  assert.deepEqual(flags, []);
  assert.deepEqual(flagsInStrings("// --out\nconst a = `choose another --out`, b = '--k' + x--, c = `${x} --target-ci ${y}`;"), ['--out', '--k', '--target-ci']);
});
