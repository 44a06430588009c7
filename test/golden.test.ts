import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { networkLabel, resolveNetwork, type NetworkRef } from '../src/catalog/index.ts';
import { IotnetsError } from '../src/errors.ts';
import { evaluate } from '../src/graph/reference-evaluator.ts';
import { exportOnnx } from '../src/onnx/export.ts';
import { bindStateDict } from '../src/weights/bind.ts';
import { loadWeightsFile } from '../src/weights/load-file.ts';
import { runCli } from './support/cli.ts';
import { relativeError, runOrt } from './support/ort.ts';
import { golden, readSharedJson, sharedMissing } from './support/shared.ts';

/** One entry of shared/golden/golden.json: a network run by the original PyTorch code. */
interface Fixture {
  name: string;
  catalogIndex?: number;
  space?: string;
  law?: string;
  id?: number;
  model?: string;
  inputShape: number[];
  logitsShape: number[];
  stateDictElements: number;
}

const FORMATS = ['legacy.t7', 'zip.pt'] as const;

const fixtures: Fixture[] = sharedMissing ? [] : readSharedJson<Fixture[]>(golden('golden.json'));

function networkRef(f: Fixture): NetworkRef {
  if (f.catalogIndex !== undefined) return { index: f.catalogIndex };
  if (f.model !== undefined) return { model: f.model };
  return { space: f.space!, law: f.law!, id: f.id! };
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('golden fixtures from the original PyTorch code', { skip: sharedMissing }, () => {
  it('cover nine networks', () => assert.equal(fixtures.length, 9));

  for (const f of fixtures) {
    for (const format of FORMATS) {
      it(`${f.name}.${format}: the evaluator and ONNX Runtime reproduce the PyTorch logits`, async () => {
        const network = resolveNetwork(networkRef(f));
        const { graph } = network;
        assert.deepEqual([f.inputShape.slice(1), f.logitsShape[1]], [graph.inputShape, graph.numClasses]);
        const file = golden(`${f.name}.${format}`);
        const weights = bindStateDict(graph, (await loadWeightsFile(file)).stateDict, file, networkLabel(network));
        const batch = f.inputShape[0]!;
        const input = readFloats(golden(`${f.name}.input.f32`));
        const expected = readFloats(golden(`${f.name}.logits.f32`));
        const evaluated = relativeError(evaluate(graph, weights, input, batch), expected);
        assert.ok(evaluated <= 1e-4, `evaluator is off by ${evaluated.toExponential(2)} relative`);
        const onnx = relativeError(await runOrt(exportOnnx(graph, weights), graph, input, batch), expected);
        assert.ok(onnx <= 1e-4, `ONNX Runtime is off by ${onnx.toExponential(2)} relative`);
      });
    }
  }

  it('a checkpoint of another network gives one line naming the file, the network and the mismatch', async () => {
    const file = golden('catalog_1592.zip.pt');
    const { stateDict } = await loadWeightsFile(file);
    const other = resolveNetwork({ index: 1230 });
    assert.throws(
      () => bindStateDict(other.graph, stateDict, file, networkLabel(other)),
      (e: unknown) =>
        e instanceof IotnetsError &&
        !e.message.includes('\n') &&
        e.message.startsWith(`${file} does not fit #1230 random_net_pnasnet/s3/13: missing `) &&
        / and \d+ more; unexpected /.test(e.message),
    );
  });

  it('iotnets export --weights writes the checkpoint into the ONNX file, and refuses a checkpoint of another network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotnets-golden-'));
    const out = join(dir, 'resnext.onnx');
    const exported = runCli(['export', '--index', '1592', '--weights', golden('catalog_1592.legacy.t7'), '-o', out]);
    assert.equal(exported.status, 0, exported.stderr);
    const { graph } = resolveNetwork({ index: 1592 });
    const logits = await runOrt(new Uint8Array(readFileSync(out)), graph, readFloats(golden('catalog_1592.input.f32')), 2);
    assert.ok(relativeError(logits, readFloats(golden('catalog_1592.logits.f32'))) <= 1e-4);
    const refused = runCli(['export', '--index', '1230', '--weights', golden('catalog_1592.legacy.t7'), '-o', join(dir, 'x.onnx')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /catalog_1592\.legacy\.t7 does not fit #1230 random_net_pnasnet\/s3\/13: missing /);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
  });
});
