import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './shared.ts';

/** What scripts/gen-onnx-fixtures.py records about one exported model. */
export interface OnnxFixture {
  readonly file: string;
  readonly source: string;
  readonly inputShape: readonly number[];
  /** How the file's input holds the image (absent in manifests before channels-last models: NCHW). */
  readonly inputLayout?: 'NCHW' | 'NHWC';
  readonly opset: number;
  readonly dynamicBatch: boolean;
  readonly batchNormFolded: boolean;
  readonly parameters: number;
  readonly stateDictElements: number;
  readonly macs: number;
}

/** A directory of exported models and their manifest. */
export interface OnnxFixtureSet {
  readonly dir: string;
  readonly models: readonly OnnxFixture[];
}

const SCRIPT = join(REPO_ROOT, 'scripts', 'gen-onnx-fixtures.py');
const PYTHON = process.env.IOTNETS_PYTHON ?? '/usr/bin/python3';

function readSet(dir: string): OnnxFixtureSet {
  return { dir, models: (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { models: OnnxFixture[] }).models };
}

/** The paper's own networks exported by PyTorch from the original code (committed, small). */
export const PAPER_ONNX: OnnxFixtureSet = readSet(join(REPO_ROOT, 'test', 'fixtures', 'onnx'));

/** Why the PyTorch-exported third-party fixtures cannot be made here, or false when they can. */
export const torchMissing: string | false = (() => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `${PYTHON} lacks torch/torchvision/onnx (apt-get install python3-torch python3-torchvision python3-onnx); skipping`;
})();

/**
 * The third-party set (`test` or `bench`) exported by the committed script, made once per script version into the
 * temporary directory and reused by later runs and other test files.
 */
export function thirdPartyOnnx(set: 'test' | 'bench' = 'test'): OnnxFixtureSet {
  const version = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `iotnets-onnx-${set}-${version}`);
  if (!existsSync(join(dir, 'manifest.json'))) {
    const staging = `${dir}.${process.pid}`;
    mkdirSync(staging, { recursive: true });
    const run = spawnSync(PYTHON, [SCRIPT, staging, '--set', set], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${SCRIPT} failed: ${run.stderr.split('\n').filter(Boolean).slice(-3).join(' | ')}`);
    try {
      renameSync(staging, dir);
    } catch {
      // Another test process finished first: use its copy.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return readSet(dir);
}
