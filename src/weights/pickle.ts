import { escapeForMessage, IotnetsError } from '../errors.js';
import type { DType } from '../graph/tensor.js';

// A safe unpickler for torch.save output. Like PyTorch's weights_only unpickler it never imports or calls
// anything outside a fixed allow-list: GLOBAL/STACK_GLOBAL resolve names to the small JS stand-ins below and refuse
// every other name. Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53),
// float → number, str → string, bytes/bytearray → Uint8Array, list/tuple → array, dict/OrderedDict → Map,
// set/frozenset → Set.

/** A `torch.*Storage` class named in a pickle: the element type of a storage's bytes. */
export class StorageType {
  constructor(readonly name: string, readonly dtype: DType) {}
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage (whatever `persistentLoad` returned). */
export class TensorRef {
  constructor(readonly storage: unknown, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

/** An allow-listed Python callable. */
class PyCallable {
  constructor(readonly name: string, readonly call: (args: unknown[]) => unknown) {}
}

/** An IotnetsError for a checkpoint that cannot be parsed. */
export function corruptCheckpoint(fileName: string, detail: string): IotnetsError {
  // Details quote names and keys from the file: escaped, so a message stays one line.
  return new IotnetsError(`${fileName}: truncated or corrupt PyTorch checkpoint (${escapeForMessage(detail, 200)}); re-download or re-save it`);
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isIntTuple = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);

function rebuildTensor(args: unknown[]): TensorRef | undefined {
  const [storage, offset, size, stride] = args;
  return isInt(offset) && isIntTuple(size) && isIntTuple(stride) ? new TensorRef(storage, offset, size, stride) : undefined;
}

function latin1(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) return undefined;
    out[i] = c;
  }
  return out;
}

const toSet = (args: unknown[]): Set<unknown> | undefined =>
  args.length === 0 ? new Set() : Array.isArray(args[0]) ? new Set(args[0]) : undefined;

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

// Each callable returns undefined for arguments a genuine torch.save never writes; the caller reports that as corrupt.
const ALLOWED = new Map<string, PyCallable | StorageType>([
  ...Object.entries(STORAGE_DTYPES).map(([name, dtype]) => [`torch.${name}`, new StorageType(name, dtype)] as const),
  ...Object.entries<(args: unknown[]) => unknown>({
    'collections.OrderedDict': (args) => args.length === 0 ? new Map() : undefined,
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    // A saved nn.Parameter is its tensor; requires_grad and hooks mean nothing to inference.
    'torch._utils._rebuild_parameter': (args) => args[0] instanceof TensorRef ? args[0] : undefined,
    'torch._utils._rebuild_parameter_with_state': (args) => args[0] instanceof TensorRef ? args[0] : undefined,
    // Protocol 2 spells Python 3 bytes as _codecs.encode(text, 'latin1') and sets as __builtin__.set([...]).
    '_codecs.encode': (args) => args[1] === 'latin1' || args[1] === 'latin-1' ? latin1(args[0]) : undefined,
    ...Object.fromEntries(['builtins', '__builtin__'].flatMap((module) => [
      [`${module}.bytearray`, (args: unknown[]) => args.length === 0 ? new Uint8Array()
        : args[0] instanceof Uint8Array ? args[0] : args[1] === 'latin-1' ? latin1(args[0]) : undefined],
      [`${module}.set`, toSet],
      [`${module}.frozenset`, toSet],
    ])),
  }).map(([name, call]) => [name, new PyCallable(name, call)] as const),
]);

/** Options for `unpickle`. */
export interface UnpickleOptions {
  /** Shown in every error message. */
  fileName: string;
  /** Resolves a BINPERSID id (for torch, a storage tuple); without it persistent ids are corrupt. */
  persistentLoad?: (pid: unknown) => unknown;
}

const utf8 = new TextDecoder();

/** Unpickles the pickle starting at `offset` without running code; returns its value and the offset just past STOP. */
export function unpickle(bytes: Uint8Array, offset: number, options: UnpickleOptions): { value: unknown; end: number } {
  const { fileName, persistentLoad } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = offset;
  let at = offset; // start of the current opcode, for messages

  const fail = (detail: string): never => { throw corruptCheckpoint(fileName, `${detail} at byte ${at}`); };
  const need = (n: number): number => {
    if (n > bytes.length - pos) throw corruptCheckpoint(fileName, `unexpected end of data at byte ${bytes.length}`);
    const start = pos;
    pos += n;
    return start;
  };
  const u8 = () => bytes[need(1)]!;
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const n = view.getBigUint64(need(8), true);
    return n > BigInt(bytes.length) ? fail('impossible length') : Number(n);
  };
  const take = (n: number) => bytes.subarray(need(n), pos);
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) need(bytes.length - pos + 1);
    return utf8.decode(take(end - pos + 1).subarray(0, -1));
  };
  const pop = () => stack.length > (marks.at(-1) ?? 0) ? stack.pop() : fail('stack underflow');
  const top = () => stack.length > (marks.at(-1) ?? 0) ? stack[stack.length - 1] : fail('stack underflow');
  const popMark = () => {
    const m = marks.pop() ?? fail('missing MARK');
    return stack.splice(m);
  };
  const memoGet = (i: number) => memo.has(i) ? memo.get(i) : fail(`unknown memo key ${i}`);
  const resolve = (module: string, name: string) => {
    const found = ALLOWED.get(`${module}.${name}`);
    if (!found) {
      throw new IotnetsError(`${fileName}: refuses to load global '${escapeForMessage(`${module}.${name}`)}' (only tensors and plain containers are allowed); if you trust the file, re-save just its state_dict with torch.save`);
    }
    return found;
  };
  const call = (fn: unknown, args: unknown) => {
    if (!(fn instanceof PyCallable) || !Array.isArray(args)) return fail('call of a non-callable');
    const result = fn.call(args);
    return result === undefined ? fail(`unexpected arguments to ${fn.name}`) : result;
  };
  const long = (n: number) => {
    const b = take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map) || items.length % 2) return fail('SETITEMS on a non-dict');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) return fail('APPEND to a non-list');
    for (const item of items) target.push(item);
  };
  const add = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Set)) return fail('ADDITEMS to a non-set');
    for (const item of items) target.add(item);
  };

  for (;;) {
    at = pos;
    const op = u8();
    switch (op) {
      case 0x80: if (u8() > 5) fail('unsupported pickle protocol'); break; // PROTO
      case 0x95: u64(); break; // FRAME: only a read-ahead hint
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length) fail('unbalanced stack at STOP');
        return { value: stack[0], end: pos };
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: stack.push(long(u8())); break; // LONG1
      case 0x8b: { // LONG4
        const n = view.getInt32(need(4), true);
        // Checkpoint integers are small; the cap keeps a hostile LONG4 from a quadratic bigint build-up.
        stack.push(n < 0 || n > 1024 ? fail('implausible integer length') : long(n));
        break;
      }
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x54: { // BINSTRING: Python 2 str, decoded as torch.load does (utf-8)
        const n = view.getInt32(need(4), true);
        stack.push(n < 0 ? fail('negative length') : utf8.decode(take(n)));
        break;
      }
      case 0x55: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: stack.push(take(u64()).slice()); break; // BINBYTES8, BYTEARRAY8
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x61: { const item = pop(); append(top(), [item]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const items = popMark(); add(top(), items); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x63: { const module = line(); stack.push(resolve(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        stack.push(typeof module === 'string' && typeof name === 'string' ? resolve(module, name) : fail('STACK_GLOBAL of non-strings'));
        break;
      }
      case 0x52: case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE, NEWOBJ
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop(), args = pop(), cls = pop();
        stack.push(kwargs instanceof Map && kwargs.size === 0 ? call(cls, args) : fail('keyword arguments to a constructor'));
        break;
      }
      case 0x62: { // BUILD: only an OrderedDict's state (state_dict's _metadata), which inference does not need
        pop();
        if (!(top() instanceof Map)) fail('BUILD on an unsupported object');
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        stack.push(persistentLoad ? persistentLoad(pid) : fail('unexpected persistent id'));
        break;
      }
      default: fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
