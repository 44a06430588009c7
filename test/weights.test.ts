import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { IotnetsError } from '../src/errors.ts';
import type { StateDict } from '../src/graph/tensor.ts';
import { loadWeightsFile } from '../src/weights/load-file.ts';
import { unpickle } from '../src/weights/pickle.ts';
import { encodeSafetensors, parseSafetensors } from '../src/weights/safetensors.ts';
import { parseTorchCheckpoint, parseWeights } from '../src/weights/torch-checkpoint.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/checkpoints/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../shared/golden/', import.meta.url));
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

interface Expected {
  format: string;
  meta: Record<string, unknown>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;

function assertMatches(sd: StateDict, expected: Expected['tensors']) {
  assert.deepEqual([...sd.keys()], Object.keys(expected));
  for (const [key, want] of Object.entries(expected)) {
    const t = sd.get(key)!;
    assert.equal(t.dtype, want.dtype, key);
    assert.deepEqual(t.shape, want.shape, key);
    const values = t.data instanceof BigInt64Array ? want.values.map((v) => BigInt(v)) : want.values;
    assert.deepEqual([...t.data], values, key);
  }
}

function assertSameTensors(a: StateDict, b: StateDict) {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [key, t] of a) assert.deepStrictEqual(t, b.get(key), key);
}

/** Asserts `fn` throws an IotnetsError (never a raw RangeError or TypeError) whose message matches `pattern`. */
function assertUserError(fn: () => unknown, pattern: RegExp = /./) {
  assert.throws(fn, (e: unknown) => e instanceof IotnetsError && pattern.test(e.message) && !e.message.includes('\n'));
}

// A minimal torch.save-style pickle writer, for checkpoints the Python fixtures do not cover.
const ascii = (s: string) => [...new TextEncoder().encode(s)];
const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const str = (s: string) => [0x58, ...le32(ascii(s).length), ...ascii(s)];
const int = (n: number) => [0x4a, ...le32(n)];
const tuple = (items: number[][]) => [0x28, ...items.flat(), 0x74];
const global = (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)];

interface Spec { key: string; storage: string; numel: number; offset?: number; size: number[]; stride: number[] }

function pickleStateDict(specs: Spec[]): Uint8Array {
  const ops = [0x80, 2, 0x7d, 0x28];
  for (const s of specs) {
    ops.push(...str(s.key), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28,
      ...tuple([str('storage'), global('torch', 'FloatStorage'), str(s.storage), str('cpu'), int(s.numel)]), 0x51,
      ...int(s.offset ?? 0), ...tuple(s.size.map(int)), ...tuple(s.stride.map(int)), 0x89,
      ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52);
  }
  ops.push(0x75, 0x2e);
  return Uint8Array.from(ops);
}

function zipCheckpoint(specs: Spec[], storages: Record<string, Float32Array>): Uint8Array {
  const files: Record<string, Uint8Array> = { 'ckpt/data.pkl': pickleStateDict(specs) };
  for (const [key, data] of Object.entries(storages)) files[`ckpt/data/${key}`] = new Uint8Array(data.buffer);
  return zipSync(files, { level: 0 });
}

describe('fixtures written by PyTorch 1.13', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} gives the values PyTorch holds`, async () => {
      const loaded = await loadWeightsFile(join(FIXTURES, name));
      assert.equal(loaded.format, expected.format);
      assert.deepEqual(loaded.meta, expected.meta);
      assertMatches(loaded.stateDict, expected.tensors);
    });
  }

  it('strips DataParallel\'s module. prefix from the legacy checkpoint', () => {
    const legacy = parseTorchCheckpoint(fixture('tiny.legacy.t7'), 'tiny.legacy.t7');
    const zip = parseTorchCheckpoint(fixture('tiny.zip.pt'), 'tiny.zip.pt');
    assert.ok([...legacy.stateDict.keys()].every((k) => !k.startsWith('module.')));
    assertSameTensors(legacy.stateDict, zip.stateDict);
    assert.deepEqual(legacy.meta, { acc: 91.25, epoch: 7 });
  });

  it('keeps module. when only some keys have it', () => {
    const spec = (key: string, storage: string): Spec => ({ key, storage, numel: 2, size: [2], stride: [1] });
    const bytes = zipCheckpoint([spec('module.a', '0'), spec('b', '1')], { 0: new Float32Array([1, 2]), 1: new Float32Array([3, 4]) });
    assert.deepEqual([...parseTorchCheckpoint(bytes, 'mixed.pt').stateDict.keys()], ['module.a', 'b']);
  });

  it('gives legacy and zip views of shared storages identical tensors', () => {
    assertSameTensors(parseTorchCheckpoint(fixture('views.legacy.t7'), 'v.t7').stateDict, parseTorchCheckpoint(fixture('views.zip.pt'), 'v.pt').stateDict);
  });

  it('refuses the malicious pickles by name without running them', () => {
    for (const name of ['malicious.zip.pt', 'malicious.legacy.t7']) {
      assertUserError(() => parseTorchCheckpoint(fixture(name), name), new RegExp(`^${name.replace('.', '\\.')}: refuses to load global 'posix\\.system' \\(only tensors and plain containers are allowed\\)`));
    }
    assert.equal(existsSync('/tmp/iotnets-fixture-pwned'), false);
  });
});

describe('safe unpickler', () => {
  // pickle.dumps({'a': [1, 2.5, None, True, False], 'b': (b'xy\x00\xff', 'é∑'), 'c': {1, 2}, 'big': 2**70, 'neg': -3,
  //   'n16': 40000, 'n32': -70000, 'od': OrderedDict(k=1), 'shared': (lst, lst), 'ba': bytearray(b'q')}) with lst = [7]
  const PROTOCOL_2 = '80027d71002858010000006171015d7102284b014740040000000000004e8889655801000000627103635f636f646563730a656e636f64650a71045805000000787900c3bf710558060000006c6174696e3171068671075271085805000000c3a9e28891710986710a580100000063710b635f5f6275696c74696e5f5f0a7365740a710c5d710d284b014b026585710e52710f580300000062696771108a0900000000000000004058030000006e656771114afdffffff58030000006e313671124d409c58030000006e333271134a90eefeff58020000006f64711463636f6c6c656374696f6e730a4f726465726564446963740a71152952711658010000006b71174b0173580600000073686172656471185d71194b0761681986711a58020000006261711b635f5f6275696c74696e5f5f0a6279746561727261790a711c6804580100000071711d680686711e52711f857120527121752e';
  const PROTOCOL_4 = '800495d1000000000000007d94288c0161945d94284b014740040000000000004e8889658c0162944304787900ff948c05c3a9e288919486948c0163948f94284b014b02908c03626967948a090000000000000000408c036e6567944afdffffff8c036e3136944d409c8c036e3332944a90eefeff8c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c06736861726564945d944b0761681486948c026261948c086275696c74696e73948c096279746561727261799493944301719485945294752e';
  const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));

  for (const [protocol, data] of [['2', PROTOCOL_2], ['4', PROTOCOL_4]] as const) {
    it(`reads plain Python values (protocol ${protocol})`, () => {
      const bytes = hex(data);
      const { value, end } = unpickle(bytes, 0, { fileName: 'values.pkl' });
      assert.equal(end, bytes.length);
      const lst = [7];
      assert.deepStrictEqual(value, new Map<string, unknown>([
        ['a', [1, 2.5, null, true, false]], ['b', [Uint8Array.of(0x78, 0x79, 0, 0xff), 'é∑']], ['c', new Set([1, 2])],
        ['big', 2n ** 70n], ['neg', -3], ['n16', 40000], ['n32', -70000], ['od', new Map([['k', 1]])],
        ['shared', [lst, lst]], ['ba', Uint8Array.of(0x71)],
      ]));
      const shared = (value as Map<string, unknown[]>).get('shared')!;
      assert.equal(shared[0], shared[1], 'memo references share one object');
    });
  }

  it('refuses any global outside the allow-list by name, via GLOBAL and STACK_GLOBAL', () => {
    const osSystem = Uint8Array.from([0x80, 2, ...global('os', 'system'), ...str('echo pwned'), 0x85, 0x52, 0x2e]);
    assertUserError(() => parseTorchCheckpoint(osSystem, 'checkpoint.t7'), /^checkpoint\.t7: refuses to load global 'os\.system' \(only tensors and plain containers are allowed\)/);
    const stackGlobal = Uint8Array.from([0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93, 0x2e]);
    assertUserError(() => unpickle(stackGlobal, 0, { fileName: 'x.pkl' }), /'builtins\.eval'/);
    const fromBytes = Uint8Array.from([0x80, 2, ...global('torch.storage', '_load_from_bytes'), 0x2e]);
    assertUserError(() => unpickle(fromBytes, 0, { fileName: 'x.pkl' }), /'torch\.storage\._load_from_bytes'/);
  });

  it('reports unknown opcodes, stack underflow and missing persistent storages as corrupt', () => {
    assertUserError(() => unpickle(Uint8Array.of(0x80, 2, 0xff), 0, { fileName: 'x.pkl' }), /opcode 0xff at byte 2/);
    assertUserError(() => unpickle(Uint8Array.of(0x80, 2, 0x85, 0x2e), 0, { fileName: 'x.pkl' }), /stack underflow/);
    assertUserError(() => unpickle(Uint8Array.of(0x80, 2, 0x4e, 0x51, 0x2e), 0, { fileName: 'x.pkl' }), /persistent id/);
  });
});

describe('corrupt and foreign input', () => {
  const cases: [string, Uint8Array][] = [
    ['tiny.legacy.t7', fixture('tiny.legacy.t7')], ['tiny.zip.pt', fixture('tiny.zip.pt')],
    ['views.legacy.t7', fixture('views.legacy.t7')], ['tiny.safetensors', fixture('tiny.safetensors')],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: every truncation is an IotnetsError`, () => {
      for (let n = 0; n < bytes.length; n++) assertUserError(() => parseWeights(bytes.subarray(0, n), name));
    });
    it(`${name}: every single-byte corruption parses or is an IotnetsError`, () => {
      for (let i = 0; i < bytes.length; i++) {
        const copy = bytes.slice();
        copy[i] ^= 0xa5;
        try {
          parseWeights(copy, name);
        } catch (e) {
          assert.ok(e instanceof IotnetsError, `byte ${i}: ${String(e)}`);
        }
      }
    });
  }

  it('names the problem and the fix', () => {
    const legacy = fixture('tiny.legacy.t7');
    assertUserError(() => parseTorchCheckpoint(legacy.subarray(0, 1234), 'model.t7'), /^model\.t7: truncated or corrupt PyTorch checkpoint \(unexpected end of data at byte 1234\); re-download or re-save it$/);
    assertUserError(() => parseTorchCheckpoint(new Uint8Array(0), 'w.pt'), /^w\.pt: empty file \(0 bytes\)/);
    assertUserError(() => parseTorchCheckpoint(fixture('tiny.safetensors'), 'w.safetensors'), /not a PyTorch checkpoint/);
    assertUserError(() => parseWeights(new TextEncoder().encode('hello world, not weights'), 'w.txt'), /neither a PyTorch checkpoint nor a safetensors file/);
    assertUserError(() => parseTorchCheckpoint(zipSync({ 'a/readme.txt': new TextEncoder().encode('hi') }), 'w.zip'), /without data\.pkl/);
    const script = zipSync({ 'm/data.pkl': Uint8Array.of(0x80, 2, 0x4e, 0x2e), 'm/constants.pkl': Uint8Array.of(0x80, 2, 0x4e, 0x2e) });
    assertUserError(() => parseTorchCheckpoint(script, 'm.pt'), /TorchScript archive/);
    assertUserError(() => parseTorchCheckpoint(zipSync({ 'm/data.pkl': Uint8Array.of(0x80, 2, 0x4b, 3, 0x2e) }), 'm.pt'), /holds no state_dict/);
  });

  it('rejects tensors reaching past their storage', () => {
    const spec: Spec = { key: 'w', storage: '0', numel: 4, offset: 2, size: [2, 2], stride: [2, 1] };
    assertUserError(() => parseTorchCheckpoint(zipCheckpoint([spec], { 0: new Float32Array(4) }), 'w.pt'), /'w' lies outside its storage/);
    assertUserError(() => parseTorchCheckpoint(zipCheckpoint([spec], {}), 'w.pt'), /missing storage data\/0/);
  });
});

describe('safetensors', () => {
  it('round-trips a checkpoint in every stored dtype', () => {
    for (const name of ['tiny.zip.pt', 'tiny-f16.zip.pt', 'tiny-bf16.zip.pt', 'tiny-f64.legacy.t7', 'dtypes.zip.pt', 'views.zip.pt']) {
      const { stateDict } = parseTorchCheckpoint(fixture(name), name);
      const encoded = encodeSafetensors(stateDict);
      const headerLength = Number(new DataView(encoded.buffer).getBigUint64(0, true));
      assert.equal(headerLength % 8, 0, 'data starts 8-byte aligned');
      assertSameTensors(parseSafetensors(encoded, name), stateDict);
    }
  });

  it('rounds to float16 and bfloat16 as PyTorch does', () => {
    const values = [1 / 3, 65520, 65519, 1e-8, -0, 6e-5, 3e-7, -2.5, 1e5, 0.1];
    const data = new Float32Array(values);
    // numpy .astype(float16) and torch .bfloat16() bit patterns of those values
    const half = [13653, 31744, 31743, 0, 32768, 1007, 5, 49408, 31744, 11878];
    const bf16 = [16043, 18304, 18304, 12844, 32768, 14460, 13473, 49184, 18371, 15821];
    for (const [dtype, bits] of [['float16', half], ['bfloat16', bf16]] as const) {
      const encoded = encodeSafetensors(new Map([['x', { dtype, shape: [values.length], data }]]));
      assert.deepEqual([...new Uint16Array(encoded.slice(encoded.length - 2 * values.length).buffer)], bits, dtype);
    }
  });

  it('rejects dtypes iotnets cannot hold and headers that do not fit', () => {
    const file = (header: object, dataBytes = 0) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    assertUserError(() => parseSafetensors(file({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1), 'a.safetensors'), /dtype F8_E4M3, which iotnets cannot read/);
    assertUserError(() => parseSafetensors(file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4), 'a.safetensors'), /'x' has 4 bytes for shape \[2\]/);
    assertUserError(() => parseSafetensors(file({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 0), 'a.safetensors'), /'x' ends at byte/);
  });
});

describe('loadWeightsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-weights-'));

  it('detects safetensors by content', async () => {
    const path = join(dir, 'weights.bin');
    const { stateDict } = parseTorchCheckpoint(fixture('tiny.zip.pt'), 'tiny.zip.pt');
    writeFileSync(path, encodeSafetensors(stateDict));
    const loaded = await loadWeightsFile(path);
    assert.equal(loaded.format, 'safetensors');
    assertSameTensors(loaded.stateDict, stateDict);
  });

  it('explains missing, empty and directory paths', async () => {
    await assert.rejects(loadWeightsFile('weights.pt'), (e) => e instanceof IotnetsError && e.message === 'weights.pt: no such file; check the path');
    writeFileSync(join(dir, 'empty.pt'), '');
    await assert.rejects(loadWeightsFile(join(dir, 'empty.pt')), (e) => e instanceof IotnetsError && /empty file/.test(e.message));
    await assert.rejects(loadWeightsFile(dir), (e) => e instanceof IotnetsError && /is a directory/.test(e.message));
  });

  it('parses a 50 MB checkpoint well under a second', () => {
    const big = new Float32Array(12_500_000).map((_, i) => i % 1000);
    const specs: Spec[] = [
      { key: 'big', storage: '0', numel: big.length, size: [2500, 5000], stride: [5000, 1] },
      { key: 'bigT', storage: '0', numel: big.length, size: [1000, 100], stride: [1, 5000] },
    ];
    const bytes = zipCheckpoint(specs, { 0: big });
    const start = performance.now();
    const { stateDict } = parseTorchCheckpoint(bytes, 'big.pt');
    const ms = performance.now() - start;
    assert.equal(stateDict.get('big')!.data.length, big.length);
    assert.equal(stateDict.get('bigT')!.data[1], big[5000]);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });
});

interface Golden { name: string; acc: number; epoch: number; stateDictElements: number }

describe('real checkpoints from the original PyTorch code', { skip: existsSync(join(GOLDEN, 'golden.json')) ? false : `no golden fixtures at ${GOLDEN} (clone the shared folder beside the repo)` }, () => {
  const golden = existsSync(join(GOLDEN, 'golden.json')) ? JSON.parse(readFileSync(join(GOLDEN, 'golden.json'), 'utf8')) as Golden[] : [];
  for (const g of golden) {
    it(`${g.name}: legacy and zip checkpoints agree with golden.json and each other`, async () => {
      const legacy = await loadWeightsFile(join(GOLDEN, `${g.name}.legacy.t7`));
      const zip = await loadWeightsFile(join(GOLDEN, `${g.name}.zip.pt`));
      assert.equal(legacy.format, 'torch-legacy');
      assert.equal(zip.format, 'torch-zip');
      for (const { stateDict, meta } of [legacy, zip]) {
        let total = 0;
        for (const t of stateDict.values()) total += t.data.length;
        assert.equal(total, g.stateDictElements);
        assert.deepEqual(meta, { acc: g.acc, epoch: g.epoch });
      }
      assertSameTensors(legacy.stateDict, zip.stateDict);
    });
  }
});
