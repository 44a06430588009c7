import { check, IotnetsError } from '../errors.js';

/** How one stored number is encoded: an IEEE-754-like float (sign, exponent, mantissa) or a plain integer. */
export interface NumberFormat {
  /** Canonical name: a registry name (fp32, fp16, bf16, int8) or `e{E}m{M}` for a custom float. */
  readonly name: string;
  readonly bits: number;
  readonly exponent?: number;
  readonly mantissa?: number;
}

/** A custom float as the paper's reduced-precision search describes it. */
export interface FloatLayout {
  readonly exponent: number;
  readonly mantissa: number;
}

function float(name: string, exponent: number, mantissa: number): NumberFormat {
  return { name, bits: 1 + exponent + mantissa, exponent, mantissa };
}

/** The named formats, in the order reports list them. */
const NUMBER_FORMATS: readonly NumberFormat[] = [
  float('fp32', 8, 23),
  float('fp16', 5, 10),
  float('bf16', 8, 7),
  { name: 'int8', bits: 8 },
];

/** The format memory is counted in unless another is asked for. */
export const FP32: NumberFormat = NUMBER_FORMATS[0]!;

const ALIASES: Readonly<Record<string, string>> = { float32: 'fp32', float16: 'fp16', half: 'fp16', bfloat16: 'bf16' };

const BY_NAME = new Map(NUMBER_FORMATS.map((f) => [f.name, f]));

const MAX_EXPONENT_BITS = 15;
const MAX_MANTISSA_BITS = 112;

/** A float layout as a format, named by the registry when it is one of the named floats (e8m23 is fp32). */
export function floatFormat({ exponent, mantissa }: FloatLayout): NumberFormat {
  check(
    Number.isInteger(exponent) && exponent >= 1 && exponent <= MAX_EXPONENT_BITS,
    `exponent bits must be a whole number in 1..${MAX_EXPONENT_BITS}, got ${exponent}`,
  );
  check(
    Number.isInteger(mantissa) && mantissa >= 0 && mantissa <= MAX_MANTISSA_BITS,
    `mantissa bits must be a whole number in 0..${MAX_MANTISSA_BITS}, got ${mantissa}`,
  );
  const named = NUMBER_FORMATS.find((f) => f.exponent === exponent && f.mantissa === mantissa);
  return named ?? float(`e${exponent}m${mantissa}`, exponent, mantissa);
}

/** Parses 'fp32', 'fp16', 'bf16', 'int8' (or an alias such as 'half'), 'e5m10', or {exponent, mantissa}. */
export function parseFormat(spec: string | FloatLayout): NumberFormat {
  if (typeof spec !== 'string') return floatFormat(spec);
  const key = spec.trim().toLowerCase();
  const named = BY_NAME.get(ALIASES[key] ?? key);
  if (named) return named;
  const custom = /^e(\d+)m(\d+)$/.exec(key);
  if (custom) return floatFormat({ exponent: Number(custom[1]), mantissa: Number(custom[2]) });
  throw new IotnetsError(
    `unknown number format '${spec}': use ${NUMBER_FORMATS.map((f) => f.name).join(', ')} or a custom float eXmY (e.g. e5m10)`,
  );
}

/** Parses a comma-separated list of formats, e.g. 'fp32,fp16,e4m3'. */
export function parseFormats(list: string): NumberFormat[] {
  const formats = list.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => parseFormat(s));
  check(formats.length > 0, `no number format given: use e.g. fp32,fp16,int8`);
  return formats;
}

/** Bytes needed to store `elements` numbers packed at the format's bit width. */
export function storageBytes(elements: number, format: NumberFormat): number {
  return Math.ceil((elements * format.bits) / 8);
}

/** Exponent bias, smallest normal exponent and largest finite value of an IEEE-754-like float layout. */
function floatLimits({ exponent, mantissa }: FloatLayout): { emin: number; max: number } {
  const bias = 2 ** (exponent - 1) - 1;
  const emin = 1 - bias;
  // IEEE-like: the all-ones exponent is reserved for infinities and NaN, so the largest normal exponent is one below.
  const emax = 2 ** exponent - 2 - bias;
  const max = emax >= emin ? 2 ** emax * (2 - 2 ** -mantissa) : (2 ** mantissa - 1) * 2 ** (emin - mantissa);
  return { emin, max };
}

/** The largest finite value of a float format. */
export function largestFinite(format: FloatLayout): number {
  return floatLimits(format).max;
}

/** `v` rounded to the nearest integer, ties to the even one (as IEEE-754 and ONNX QuantizeLinear round). */
export function roundHalfToEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The exponent e with 2^e <= a < 2^(e+1), for a finite a > 0. */
export function binaryExponent(a: number): number {
  const e = Math.floor(Math.log2(a));
  // log2 may be off by one next to powers of two.
  if (2 ** e > a) return e - 1;
  return 2 ** (e + 1) <= a ? e + 1 : e;
}

/**
 * The nearest value of the float layout to `x`: ties to even, gradual underflow through subnormals, and saturation
 * at the largest finite value instead of overflow to infinity (so are ±Infinity); NaN stays NaN, zeros keep their sign.
 */
export function roundToFloat(x: number, format: FloatLayout): number {
  if (Number.isNaN(x) || x === 0) return x;
  const { emin, max } = floatLimits(format);
  const a = Math.abs(x);
  if (a >= max) return Math.sign(x) * max;
  const e = binaryExponent(a);
  const quantum = 2 ** (Math.max(e, emin) - format.mantissa);
  return Math.sign(x) * Math.min(roundHalfToEven(a / quantum) * quantum, max);
}

/** A copy of `values` with every element rounded to the float layout (see roundToFloat). */
export function roundAllToFloat(values: Float32Array, format: FloatLayout): Float32Array {
  return values.map((v) => roundToFloat(v, format));
}
