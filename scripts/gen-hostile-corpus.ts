// Writes test/fixtures/hostile/: tiny crafted weight files that each attack one bound of the readers (issue 9).
// Run: npx tsx scripts/gen-hostile-corpus.ts . Deterministic: re-running rewrites identical files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pickle opcodes, spelled out so each crafted file reads like its disassembly. */
const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, SETITEM: 0x73, SETITEMS: 0x75,
  TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, BINGET: 0x68, LONG_BINGET: 0x6a, BINPUT: 0x71, LONG_BINPUT: 0x72, POP: 0x30,
  SHORT_BINUNICODE: 0x8c, BININT: 0x4a, BININT1: 0x4b, LONG1: 0x8a, NEWFALSE: 0x89, GLOBAL: 0x63, REDUCE: 0x52, BINPERSID: 0x51,
} as const;

/** Assembles pickle bytes from opcodes and operands. */
class Pickle {
  private readonly bytes: number[] = [OP.PROTO, 2];
  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s);
    return this.op(OP.SHORT_BINUNICODE, b.length, ...b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(OP.BININT1, n);
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(n);
      return this.op(OP.BININT, ...b);
    }
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return this.op(OP.LONG1, 8, ...b);
  }
  put(i: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(i);
    return this.op(OP.LONG_BINPUT, ...b);
  }
  get(i: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(i);
    return this.op(OP.LONG_BINGET, ...b);
  }
  global(module: string, name: string): this {
    return this.op(OP.GLOBAL, ...Buffer.from(`${module}\n${name}\n`));
  }
  /** `_rebuild_tensor_v2(storage '0' of `elements` floats, 0, size, stride, False, OrderedDict())`. */
  tensor(elements: number, size: readonly number[], stride: readonly number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    this.op(OP.MARK).str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(elements).op(OP.TUPLE, OP.BINPERSID);
    this.int(0).op(OP.MARK);
    for (const d of size) this.int(d);
    this.op(OP.TUPLE, OP.MARK);
    for (const s of stride) this.int(s);
    this.op(OP.TUPLE, OP.NEWFALSE).global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE, OP.TUPLE, OP.REDUCE);
    return this;
  }
  done(): Buffer {
    return Buffer.from([...this.bytes, OP.STOP]);
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** A legacy torch.save file: magic, protocol 1001, sys_info, `main`, the storage keys and each storage's floats. */
function legacyCheckpoint(main: Buffer, storages: readonly (readonly [string, number])[] = []): Buffer {
  const magicBytes = Buffer.alloc(10);
  magicBytes.writeBigUInt64LE(LEGACY_MAGIC & 0xffffffffffffffffn);
  magicBytes.writeUInt16LE(Number(LEGACY_MAGIC >> 64n), 8);
  const magic = new Pickle().op(OP.LONG1, 10, ...magicBytes).done();
  const version = new Pickle().int(1001).done();
  const sysInfo = new Pickle().op(OP.EMPTY_DICT).done();
  const keys = new Pickle().op(OP.EMPTY_LIST, OP.MARK);
  for (const [key] of storages) keys.str(key);
  const data = storages.map(([, elements]) => {
    const b = Buffer.alloc(8 + 4 * elements);
    b.writeBigUInt64LE(BigInt(elements));
    return b;
  });
  return Buffer.concat([magic, version, sysInfo, main, keys.op(0x65).done(), ...data]);
}

/** A safetensors file whose header is `header` (padded to 8 bytes) and whose data is `dataBytes` zero bytes. */
function safetensors(header: unknown, dataBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + length + dataBytes);
  out.writeBigUInt64LE(BigInt(length));
  json.copy(out, 8);
  out.fill(0x20, 8 + json.length, 8 + length);
  return out;
}

/** One crafted file and what it attacks. */
export interface HostileCase {
  readonly file: string;
  readonly attack: string;
  readonly bytes: Buffer;
  /** The refusal the CLI must print. */
  readonly refusal: RegExp;
}

const DOUBLINGS = 30; // within the metadata reader's depth limit of 32, so every leaf is visited
const SHARED_ELEMENTS = 4_096; // a 16 KiB storage
const SHARING_KEYS = 1_000;

/** The crafted corpus. */
export function hostileCorpus(): HostileCase[] {
  // A memo entry referencing the previous one twice, 64 times over: 2^64 leaves in under 1 KB.
  const doubling = new Pickle().op(OP.EMPTY_DICT).str('net').op(OP.EMPTY_LIST).put(0).op(OP.POP);
  for (let i = 0; i < DOUBLINGS; i++) doubling.get(i).get(i).op(OP.TUPLE2).put(i + 1).op(OP.POP);
  doubling.get(DOUBLINGS).op(OP.SETITEM);

  const strideZero = (elements: number) => new Pickle().op(OP.EMPTY_DICT).str('conv.weight').tensor(1, [elements], [0]).op(OP.SETITEM).done();

  const sharing = new Pickle().op(OP.EMPTY_DICT).tensor(SHARED_ELEMENTS, [SHARED_ELEMENTS], [1]).put(0).op(OP.POP, OP.MARK);
  for (let k = 0; k < SHARING_KEYS; k++) sharing.str(`layer${k}.weight`).get(0);
  sharing.op(OP.SETITEMS);

  const overlapping = Object.fromEntries(
    Array.from({ length: SHARING_KEYS }, (_, k) => [`layer${k}.weight`, { dtype: 'F32', shape: [SHARED_ELEMENTS], data_offsets: [0, 4 * SHARED_ELEMENTS] }]),
  );
  return [
    { file: 'memo-doubling.t7', attack: `a memo entry doubled ${DOUBLINGS} times (2^${DOUBLINGS} leaves)`, bytes: legacyCheckpoint(doubling.done()), refusal: /metadata expands to more than 100000 values/ },
    { file: 'stride-zero.t7', attack: 'a stride-0 view claiming 2^28 elements of a 1-element storage', bytes: legacyCheckpoint(strideZero(2 ** 28), [['0', 1]]), refusal: /would decode to more than 4 times the elements its storages hold \(at 'conv\.weight'/ },
    { file: 'stride-zero-huge.t7', attack: 'a stride-0 view claiming 2^40 elements', bytes: legacyCheckpoint(strideZero(2 ** 40), [['0', 1]]), refusal: /would decode to more than 4 times the elements its storages hold \(at 'conv\.weight'/ },
    { file: 'shared-storage.t7', attack: `${SHARING_KEYS} keys viewing one 16 KiB storage`, bytes: legacyCheckpoint(sharing.done(), [['0', SHARED_ELEMENTS]]), refusal: /would decode to more than 4 times the elements its storages hold/ },
    { file: 'overlapping.safetensors', attack: `${SHARING_KEYS} entries with the same data_offsets`, bytes: safetensors(overlapping, 4 * SHARED_ELEMENTS), refusal: /overlaps .* \(data_offsets ranges must not overlap\)/ },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'fixtures', 'hostile');
  mkdirSync(dir, { recursive: true });
  for (const c of hostileCorpus()) {
    writeFileSync(join(dir, c.file), c.bytes);
    console.log(`${c.file}: ${c.bytes.length} bytes, ${c.attack}`);
  }
}
