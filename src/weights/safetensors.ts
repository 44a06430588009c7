import { check, escapeForMessage, IotnetsError } from '../errors.js';
import { numel, type DType, type StateDict, type Tensor } from '../graph/tensor.js';

// Every typed-array view below assumes a little-endian host, as both file formats are little-endian and every
// platform Node and browsers run on is.

const ELEMENT_SIZE: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Bytes one element of `dtype` takes in a file. */
export function elementSize(dtype: DType): number {
  return ELEMENT_SIZE[dtype];
}

let halfTable: Float32Array | undefined;

/** All 65536 float16 bit patterns as float32, built once so decoding is one lookup per element. */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const exp = (h >> 10) & 0x1f, frac = h & 0x3ff, sign = h & 0x8000 ? -1 : 1;
    halfTable[h] = exp === 0 ? sign * frac * 2 ** -24
      : exp === 31 ? (frac ? NaN : sign * Infinity)
      : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/** Decodes `count` packed little-endian elements of `dtype` into fresh tensor data (floats widened to float32, integers to int64). */
export function decodeElements(raw: Uint8Array, count: number, dtype: DType): Float32Array | BigInt64Array {
  // `new Uint8Array(raw)` copies into a fresh, aligned buffer; Buffer#slice would not copy.
  const copy = new Uint8Array(raw.subarray(0, count * ELEMENT_SIZE[dtype]));
  const { buffer } = copy;
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'float64': {
      const out = new Float32Array(count);
      out.set(new Float64Array(buffer));
      return out;
    }
    case 'float16': {
      const bits = new Uint16Array(buffer), table = float16Table(), out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[bits[i]!]!;
      return out;
    }
    case 'bfloat16': {
      const bits = new Uint16Array(buffer), out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = bits[i]! << 16;
      return new Float32Array(out.buffer);
    }
    default: {
      const src = dtype === 'int32' ? new Int32Array(buffer) : dtype === 'int16' ? new Int16Array(buffer)
        : dtype === 'int8' ? new Int8Array(buffer) : copy;
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(src[i]!);
      return out;
    }
  }
}

/** float32 bits → float16 bits, rounding to nearest even as PyTorch's `.half()` does. */
function toHalf(f: number): number {
  const sign = (f >>> 16) & 0x8000, exp = ((f >>> 23) & 0xff) - 112, mant = f & 0x7fffff;
  if (exp === 143) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = mant | 0x800000, shift = 14 - exp, half = 1 << (shift - 1), rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent still yields the right value
  return sign | h;
}

/** Packs a tensor's data back into its recorded dtype, little-endian. */
function encodeElements(t: Tensor): Uint8Array {
  const n = t.data.length;
  if (t.data instanceof Float32Array) {
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, n);
    switch (t.dtype) {
      case 'float64': { const out = new Float64Array(n); out.set(t.data); return new Uint8Array(out.buffer); }
      case 'float16': case 'bfloat16': {
        const out = new Uint16Array(n);
        if (t.dtype === 'float16') for (let i = 0; i < n; i++) out[i] = toHalf(bits[i]!);
        else for (let i = 0; i < n; i++) {
          const b = bits[i]!; // round to nearest even, keeping NaNs NaN
          out[i] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
        }
        return new Uint8Array(out.buffer);
      }
      default: return new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + n * 4));
    }
  }
  if (t.dtype === 'int64') return new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + n * 8));
  const out = t.dtype === 'int32' ? new Int32Array(n) : t.dtype === 'int16' ? new Int16Array(n)
    : t.dtype === 'int8' ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(t.data[i]!);
  return new Uint8Array(out.buffer);
}

const CODE_TO_DTYPE: Record<string, DType> = {
  F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const DTYPE_TO_CODE = Object.fromEntries(Object.entries(CODE_TO_DTYPE).map(([code, dtype]) => [dtype, code])) as Record<DType, string>;

function corrupt(fileName: string, detail: string): IotnetsError {
  return new IotnetsError(`${fileName}: truncated or corrupt safetensors file (${escapeForMessage(detail, 200)}); re-download or re-convert it`);
}

/** The reference implementation's bound on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Reads a .safetensors file into a state dict, in data order; `__metadata__` is ignored. */
export function parseSafetensors(bytes: Uint8Array, fileName: string): StateDict {
  check(bytes.length > 0, `${fileName}: empty file (0 bytes); re-download or re-save it`);
  if (bytes.length < 8) throw corrupt(fileName, `unexpected end of data at byte ${bytes.length}`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) throw corrupt(fileName, `header of ${headerLength} bytes but only ${bytes.length - 8} follow`);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw corrupt(fileName, `header of ${headerLength} bytes, over the format's ${MAX_HEADER_BYTES}`);
  const dataStart = 8 + Number(headerLength), dataLength = bytes.length - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    throw corrupt(fileName, 'header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt(fileName, 'header is not a JSON object');
  const entries: { key: string; dtype: DType; shape: number[]; begin: number }[] = [];
  for (const [key, info] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') continue;
    const { dtype: code, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    if (typeof code === 'string' && !(code in CODE_TO_DTYPE)) {
      throw new IotnetsError(`${fileName}: tensor '${escapeForMessage(key)}' has dtype ${escapeForMessage(code)}, which iotnets cannot read; convert it to F32, F16, BF16, F64 or an integer type`);
    }
    const dtype = CODE_TO_DTYPE[code as string];
    if (!dtype || !Array.isArray(shape) || !shape.every(isCount) || !Array.isArray(offsets) || offsets.length !== 2
      || !isCount(offsets[0]) || !isCount(offsets[1])) throw corrupt(fileName, `bad header entry for '${escapeForMessage(key)}'`);
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) throw corrupt(fileName, `'${escapeForMessage(key)}' ends at byte ${dataStart + end} but the file has ${bytes.length}`);
    if (end - begin !== numel(shape) * ELEMENT_SIZE[dtype]) throw corrupt(fileName, `'${escapeForMessage(key)}' has ${end - begin} bytes for shape [${shape.join(', ')}]`);
    entries.push({ key, dtype, shape, begin });
  }
  entries.sort((a, b) => a.begin - b.begin);
  // The format forbids overlapping ranges; allowing them would let one stored range decode once per key.
  for (let i = 1; i < entries.length; i++) {
    const previous = entries[i - 1]!;
    if (entries[i]!.begin < previous.begin + numel(previous.shape) * ELEMENT_SIZE[previous.dtype]) {
      throw corrupt(fileName, `'${escapeForMessage(entries[i]!.key)}' overlaps '${escapeForMessage(previous.key)}' (data_offsets ranges must not overlap)`);
    }
  }
  const out: StateDict = new Map();
  for (const { key, dtype, shape, begin } of entries) {
    const count = numel(shape);
    out.set(key, { dtype, shape, data: decodeElements(bytes.subarray(dataStart + begin), count, dtype) });
  }
  return out;
}

/** Writes a state dict as .safetensors, each tensor in its recorded dtype, so PyTorch checkpoints can be converted. */
export function encodeSafetensors(stateDict: StateDict): Uint8Array {
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  header['__metadata__'] = { format: 'pt' };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of stateDict) {
    check(t.data.length === numel(t.shape), `tensor '${key}' has ${t.data.length} values for shape [${t.shape.join(', ')}]; fix the state dict before saving`);
    const blob = encodeElements(t);
    header[key] = { dtype: DTYPE_TO_CODE[t.dtype], shape: t.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  // Spaces pad the header so the data starts 8-byte aligned, as the reference writer does.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset).fill(0x20, 8 + json.length, 8 + headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  let at = 8 + headerLength;
  for (const blob of blobs) { out.set(blob, at); at += blob.length; }
  return out;
}
