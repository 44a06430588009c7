import { inflateSync } from 'fflate';
import { check, escapeForMessage, IotnetsError } from '../errors.js';
import { numel, type DType, type StateDict, type Tensor } from '../graph/tensor.js';
import { corruptCheckpoint, StorageType, TensorRef, unpickle } from './pickle.js';
import { decodeElements, elementSize, parseSafetensors } from './safetensors.js';

/** A parsed checkpoint: its state_dict (DataParallel's `module.` prefix stripped) and its other plain top-level values. */
export interface TorchCheckpoint {
  stateDict: StateDict;
  meta: Record<string, unknown>;
}

/** The on-disk formats iotnets reads weights from. */
export type WeightsFormat = 'torch-zip' | 'torch-legacy' | 'safetensors';

/** Weights read from a file of any supported format. */
export interface LoadedWeights extends TorchCheckpoint {
  format: WeightsFormat;
}

/** One storage's bytes, shared by every tensor viewing it; legacy files supply `bytes` only after the main pickle. */
class StorageSlot {
  bytes: Uint8Array | undefined;
  constructor(readonly dtype: DType, readonly numel: number) {}
}

/** Resolves torch's persistent ids `('storage', type, key, location, numel[, view])` to one slot per key. */
function storageLoader(fileName: string, slots: Map<string, StorageSlot>, bytesOf?: (key: string) => Uint8Array) {
  return (pid: unknown): StorageSlot => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType) || typeof pid[2] !== 'string'
      || !Number.isSafeInteger(pid[4]) || pid[4] < 0) throw corruptCheckpoint(fileName, 'unexpected persistent id');
    if (pid[5] != null) {
      throw new IotnetsError(`${fileName}: uses storage views from an old PyTorch, which iotnets cannot read; re-save it with PyTorch >= 1.0`);
    }
    const [, type, key, , count] = pid as [string, StorageType, string, unknown, number];
    let slot = slots.get(key);
    if (!slot) {
      slot = new StorageSlot(type.dtype, count);
      slot.bytes = bytesOf?.(key);
      slots.set(key, slot);
    }
    return slot;
  };
}

/** Copies `n` elements of a strided view into row-major order, byte-wise so it works for every dtype. */
function gather(raw: Uint8Array, size: readonly number[], stride: readonly number[], esize: number, n: number): Uint8Array {
  const out = new Uint8Array(n * esize);
  const last = size.length - 1, inner = size[last]!, step = stride[last]! * esize;
  const index = new Array<number>(size.length).fill(0);
  let src = 0, o = 0;
  while (o < out.length) {
    for (let j = 0, s = src; j < inner; j++, s += step) for (let b = 0; b < esize; b++) out[o++] = raw[s + b]!;
    for (let d = last - 1; d >= 0; d--) {
      src += stride[d]! * esize;
      if (++index[d]! < size[d]!) break;
      src -= size[d]! * stride[d]! * esize;
      index[d] = 0;
    }
  }
  return out;
}

function isRowMajor(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

/**
 * How many times over the elements a checkpoint's storages hold may be decoded into tensors. Views of one storage by
 * several keys (tied weights) and zero strides (torch.save keeps expand() views) decode some elements more than once;
 * a hostile file makes thousands of keys view one storage, or a stride-0 view of one element claim 2^28 elements.
 */
const MAX_DECODES_PER_STORED_ELEMENT = 4;

/** Decoded elements left before a checkpoint has expanded beyond its bound; shared by all tensors of one file. */
class DecodeBudget {
  private left: number;
  constructor(storedElements: number, private readonly fileName: string) {
    this.left = MAX_DECODES_PER_STORED_ELEMENT * storedElements;
  }

  /** Spends `n` elements for tensor `key`, refusing a file that would exceed its bound. */
  spend(n: number, key: string): void {
    this.left -= n;
    if (this.left < 0) {
      throw new IotnetsError(
        `${this.fileName}: its tensors would decode to more than ${MAX_DECODES_PER_STORED_ELEMENT} times the elements its storages hold (at '${escapeForMessage(key)}': overlapping or stride-0 views); refusing it as hostile or corrupt; re-save the state_dict with torch.save`,
      );
    }
  }
}

/** Turns `_rebuild_tensor_v2(storage, offset, size, stride)` into dense tensor data, honouring offset and strides. */
function toTensor(ref: TensorRef, key: string, fileName: string, budget: DecodeBudget): Tensor {
  const slot = ref.storage;
  const { offset, size, stride } = ref;
  if (!(slot instanceof StorageSlot) || size.length !== stride.length || offset < 0 || size.some((d) => d < 0) || stride.some((s) => s < 0)) {
    throw corruptCheckpoint(fileName, `bad tensor description for '${escapeForMessage(key)}'`);
  }
  const { dtype } = slot, esize = elementSize(dtype), n = numel(size);
  if (n === 0) return { dtype, shape: size, data: decodeElements(new Uint8Array(0), 0, dtype) };
  if (!Number.isSafeInteger(n)) throw corruptCheckpoint(fileName, `'${escapeForMessage(key)}' claims an impossible number of elements`);
  budget.spend(n, key);
  let span = 1;
  for (let d = 0; d < size.length; d++) span += (size[d]! - 1) * stride[d]!;
  const end = (offset + span) * esize;
  if (!slot.bytes) throw corruptCheckpoint(fileName, `storage of '${escapeForMessage(key)}' is missing`);
  if (offset + span > slot.numel || end > slot.bytes.length) throw corruptCheckpoint(fileName, `'${escapeForMessage(key)}' lies outside its storage`);
  const raw = slot.bytes.subarray(offset * esize, end);
  return { dtype, shape: size, data: decodeElements(isRowMajor(size, stride) ? raw : gather(raw, size, stride, esize, n), n, dtype) };
}

/** Elements the storages of a file actually hold. */
function storedElements(slots: ReadonlyMap<string, StorageSlot>): number {
  let n = 0;
  for (const slot of slots.values()) n += Math.min(slot.numel, Math.floor((slot.bytes?.length ?? 0) / elementSize(slot.dtype)));
  return n;
}

function isTensorMap(v: unknown): v is Map<string, TensorRef> {
  if (!(v instanceof Map) || v.size === 0) return false;
  for (const [k, t] of v) if (typeof k !== 'string' || !(t instanceof TensorRef)) return false;
  return true;
}

/** Most values a checkpoint's metadata (everything beside the state_dict) may expand to. */
const MAX_META_VALUES = 100_000;

/**
 * A tensor-free value as plain JSON-like data (dicts become objects), or undefined when it holds tensors or objects.
 * The memo lets a tiny pickle reference one container from many places (a doubling tree of 2^n leaves in n ops), so
 * every value visited counts against `budget`; a file that exceeds it is refused.
 */
function toPlain(v: unknown, budget: { left: number; fileName: string }, depth = 0): unknown {
  if (--budget.left < 0) {
    throw new IotnetsError(`${budget.fileName}: its metadata expands to more than ${MAX_META_VALUES} values (shared or self-referencing containers); refusing it as hostile or corrupt; re-save just the state_dict with torch.save`);
  }
  if (depth > 32) return undefined; // also stops self-referencing containers built through the memo
  if (v instanceof Map) {
    const entries: [string, unknown][] = [];
    for (const [k, x] of v) {
      const p = toPlain(x, budget, depth + 1);
      if (typeof k !== 'string' || p === undefined) return undefined;
      entries.push([k, p]);
    }
    return Object.fromEntries(entries);
  }
  if (Array.isArray(v) || v instanceof Set) {
    const out: unknown[] = [];
    for (const x of v) {
      const p = toPlain(x, budget, depth + 1);
      if (p === undefined) return undefined;
      out.push(p);
    }
    return out;
  }
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) ? undefined : v;
}

/** Picks the state_dict out of `{'net': sd, 'acc', 'epoch'}` (or takes a bare state_dict) and materializes it. */
function toCheckpoint(top: unknown, fileName: string, storedElements: number): TorchCheckpoint {
  let refs: Map<string, TensorRef> | undefined;
  const meta: [string, unknown][] = [];
  const metaBudget = { left: MAX_META_VALUES, fileName };
  if (isTensorMap(top)) refs = top;
  else if (top instanceof Map) {
    const sdKey = isTensorMap(top.get('net')) ? 'net' : [...top.keys()].find((k) => isTensorMap(top.get(k)));
    refs = top.get(sdKey) as Map<string, TensorRef> | undefined;
    for (const [k, v] of top) {
      const plain = k === sdKey ? undefined : toPlain(v, metaBudget);
      if (typeof k === 'string' && plain !== undefined) meta.push([k, plain]);
    }
  }
  if (!refs) {
    const found = top instanceof Map ? `top-level keys: ${escapeForMessage([...top.keys()].map(String).join(', ')) || 'none'}` : 'no dict at the top level';
    throw new IotnetsError(`${fileName}: holds no state_dict (${found}); save {'net': model.state_dict(), ...} or model.state_dict() with torch.save`);
  }
  // DataParallel prefixes every key; strip only when all have it, so a genuine submodule named "module" survives.
  const strip = [...refs.keys()].every((k) => k.startsWith('module.'));
  const stateDict: StateDict = new Map();
  const budget = new DecodeBudget(storedElements, fileName);
  for (const [k, ref] of refs) stateDict.set(strip ? k.slice(7) : k, toTensor(ref, k, fileName, budget));
  return { stateDict, meta: Object.fromEntries(meta) };
}

/** Most bytes the deflated entries of a zip checkpoint may inflate to, per byte of the file. */
const MAX_INFLATED_PER_FILE_BYTE = 4;

/**
 * Reads a zip's central directory and returns a lazy entry reader. Written here rather than using fflate's unzipSync
 * because that trusts the entry count of a corrupt zip64 record (billions of iterations) and copies every entry;
 * this one bounds every field by the file size and returns stored entries, which torch writes, without copying.
 */
function readZip(bytes: Uint8Array, fileName: string): Map<string, () => Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (detail: string) => corruptCheckpoint(fileName, detail);
  const u16 = (p: number) => view.getUint16(p, true);
  const u32 = (p: number) => view.getUint32(p, true);
  const u64 = (p: number) => Number(view.getBigUint64(p, true));
  let eocd = bytes.length - 22;
  while (eocd >= 0 && bytes.length - eocd <= 22 + 0xffff && u32(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0 || u32(eocd) !== 0x06054b50) throw bad('zip central directory not found');
  let count = u16(eocd + 10), dirSize = u32(eocd + 12), dirStart = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === 0x07064b50) { // zip64, which torch always writes
    const z = u64(eocd - 12);
    if (z > bytes.length - 56 || u32(z) !== 0x06064b50) throw bad('bad zip64 directory record');
    count = u64(z + 32), dirSize = u64(z + 40), dirStart = u64(z + 48);
  }
  if (dirStart + dirSize > bytes.length || count * 46 > dirSize) throw bad('zip directory outside the file');
  const entries = new Map<string, () => Uint8Array>();
  let inflated = 0;
  for (let i = 0, p = dirStart; i < count; i++) {
    if (p + 46 > dirStart + dirSize || u32(p) !== 0x02014b50) throw bad(`bad zip directory entry at byte ${p}`);
    const method = u16(p + 10), nameLength = u16(p + 28), extraLength = u16(p + 30);
    let size = u32(p + 20), originalSize = u32(p + 24), local = u32(p + 42);
    const next = p + 46 + nameLength + extraLength + u16(p + 32);
    if (next > dirStart + dirSize) throw bad(`bad zip directory entry at byte ${p}`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: 64-bit values for exactly the fields saturated at 0xffffffff, in this order.
    for (let x = p + 46 + nameLength, end = x + extraLength; x + 4 <= end; x += 4 + u16(x + 2)) {
      if (u16(x) !== 1) continue;
      let at = x + 4;
      const wide = () => { if (at + 8 > end) throw bad(`bad zip64 field for ${name}`); const v = u64(at); at += 8; return v; };
      if (originalSize === 0xffffffff) originalSize = wide();
      if (size === 0xffffffff) size = wide();
      if (local === 0xffffffff) local = wide();
    }
    p = next;
    entries.set(name, () => {
      if (local + 30 > bytes.length || u32(local) !== 0x04034b50) throw bad(`bad zip entry ${name}`);
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      if (start + size > bytes.length) throw bad(`zip entry ${name} ends past the end of the file`);
      const data = bytes.subarray(start, start + size);
      if (method === 0) return data;
      // Deflate expands at most ~1032x; a larger claim is corruption and must not drive the allocation. torch.save
      // stores entries uncompressed, so a re-zipped checkpoint's weights (which hardly compress) stay far below the cap.
      if (method !== 8 || originalSize > size * 1032 + 1024) throw bad(`unsupported zip entry ${escapeForMessage(name)}`);
      inflated += originalSize;
      if (inflated > MAX_INFLATED_PER_FILE_BYTE * bytes.length) {
        throw new IotnetsError(`${fileName}: its compressed zip entries inflate to more than ${MAX_INFLATED_PER_FILE_BYTE} times the file's size; refusing it as hostile or corrupt; re-save it with torch.save`);
      }
      try {
        return inflateSync(data, { out: new Uint8Array(originalSize) });
      } catch (e) {
        throw bad(`zip entry ${name}: ${(e as Error).message}`);
      }
    });
  }
  return entries;
}

function parseZip(bytes: Uint8Array, fileName: string): TorchCheckpoint {
  const files = readZip(bytes, fileName);
  const pkl = [...files.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pkl) throw new IotnetsError(`${fileName}: a zip archive without data.pkl, so not a PyTorch checkpoint; pass a file written by torch.save`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  if (files.has(`${prefix}constants.pkl`)) {
    throw new IotnetsError(`${fileName}: is a TorchScript archive (torch.jit.save), not a state_dict; save model.state_dict() with torch.save instead`);
  }
  const order = files.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(order()) !== 'little') {
    throw new IotnetsError(`${fileName}: was saved big-endian, which iotnets cannot read; re-save it on a little-endian machine`);
  }
  const slots = new Map<string, StorageSlot>();
  const load = storageLoader(fileName, slots, (key) => {
    const data = files.get(`${prefix}data/${key}`);
    if (!data) throw corruptCheckpoint(fileName, `missing storage data/${escapeForMessage(key)}`);
    return data();
  });
  const top = unpickle(files.get(pkl)!(), 0, { fileName, persistentLoad: load }).value;
  return toCheckpoint(top, fileName, storedElements(slots));
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Legacy layout: magic, protocol version, sys_info and main pickles, the storage key list, then each storage's bytes. */
function parseLegacy(bytes: Uint8Array, fileName: string): TorchCheckpoint {
  const magic = unpickle(bytes, 0, { fileName });
  if (magic.value !== LEGACY_MAGIC) {
    throw new IotnetsError(`${fileName}: a pickle without torch.save's magic number, so not a PyTorch checkpoint; pass a file written by torch.save`);
  }
  const version = unpickle(bytes, magic.end, { fileName });
  if (version.value !== 1001) {
    throw new IotnetsError(`${fileName}: uses legacy checkpoint protocol ${String(version.value)}, which iotnets cannot read; re-save it with PyTorch >= 1.6`);
  }
  const sysInfo = unpickle(bytes, version.end, { fileName });
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new IotnetsError(`${fileName}: was saved big-endian, which iotnets cannot read; re-save it on a little-endian machine`);
  }
  const slots = new Map<string, StorageSlot>();
  const main = unpickle(bytes, sysInfo.end, { fileName, persistentLoad: storageLoader(fileName, slots) });
  const keys = unpickle(bytes, main.end, { fileName });
  if (!Array.isArray(keys.value)) throw corruptCheckpoint(fileName, 'storage key list missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value) {
    const slot = slots.get(key as string);
    if (!slot) throw corruptCheckpoint(fileName, `unknown storage ${String(key)} at byte ${pos}`);
    // Each storage is an int64 element count followed by the raw little-endian elements.
    const length = pos + 8 <= bytes.length ? view.getBigUint64(pos, true) * BigInt(elementSize(slot.dtype)) : -1n;
    if (length < 0n || length > BigInt(bytes.length - pos - 8)) throw corruptCheckpoint(fileName, `unexpected end of data at byte ${bytes.length}`);
    slot.bytes = bytes.subarray(pos + 8, pos + 8 + Number(length));
    pos += 8 + Number(length);
  }
  return toCheckpoint(main.value, fileName, storedElements(slots));
}

/**
 * The format `bytes` are in, judged by each format's structure rather than a first byte (a safetensors header length
 * may well start with 0x80 or 'PK'): a safetensors header length that fits the file followed by a JSON object, a zip's
 * local-header signature, or a pickle's PROTO opcode with a protocol torch writes.
 */
function sniff(bytes: Uint8Array): WeightsFormat | undefined {
  if (bytes.length >= 10) {
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLength >= 2n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b) return 'safetensors';
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'torch-zip';
  if (bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return 'torch-legacy';
  return undefined;
}

const checkNotEmpty = (bytes: Uint8Array, fileName: string) =>
  check(bytes.length > 0, `${fileName}: empty file (0 bytes); re-download or re-save it`);

/** Parses a torch.save checkpoint (zip or legacy format, detected by content) into its state_dict and plain metadata. */
export function parseTorchCheckpoint(bytes: Uint8Array, fileName: string): TorchCheckpoint {
  checkNotEmpty(bytes, fileName);
  const format = sniff(bytes);
  if (format === 'torch-zip') return parseZip(bytes, fileName);
  if (format === 'torch-legacy') return parseLegacy(bytes, fileName);
  throw new IotnetsError(`${fileName}: not a PyTorch checkpoint (neither a zip archive nor a pickle); pass a file written by torch.save`);
}

/** Parses weights in any supported format, detected by content; safetensors files have empty meta. */
export function parseWeights(bytes: Uint8Array, fileName: string): LoadedWeights {
  checkNotEmpty(bytes, fileName);
  const format = sniff(bytes);
  if (!format) throw new IotnetsError(`${fileName}: neither a PyTorch checkpoint nor a safetensors file; pass a file written by torch.save or safetensors`);
  if (format === 'safetensors') return { stateDict: parseSafetensors(bytes, fileName), meta: {}, format };
  return { ...parseTorchCheckpoint(bytes, fileName), format };
}
