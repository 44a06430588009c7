import { IotnetsError } from '../errors.js';

const LATENCY_UNITS_MS: Readonly<Record<string, number>> = { s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

const MEMORY_UNITS_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

function parseQuantity(text: string, units: Readonly<Record<string, number>>, bareUnit: number | undefined, what: string, example: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([a-zµ]*)\s*$/i.exec(text);
  const unit = m?.[3]?.toLowerCase() ?? '';
  const scale = unit === '' ? bareUnit : units[unit];
  if (!m || scale === undefined) {
    throw new IotnetsError(`cannot read ${what} '${text}': write a number with a unit, e.g. ${example}`);
  }
  const value = Number(`${m[1]}e${m[2] ?? 0}`) * scale;
  if (!Number.isFinite(value)) throw new IotnetsError(`cannot read ${what} '${text}': it is too large to be a finite number; write e.g. ${example}`);
  return value;
}

/** Milliseconds from a latency such as '10ms', '0.5s' or '250us'; a unit is required. */
export function parseLatencyMs(text: string): number {
  return parseQuantity(text, LATENCY_UNITS_MS, undefined, 'latency', "'10ms', '0.5s' or '250us'");
}

/** Bytes from a size such as '64KiB', '2MB', '1.5MiB' or a plain byte count. */
export function parseMemoryBytes(text: string): number {
  return parseQuantity(text, MEMORY_UNITS_BYTES, 1, 'memory size', "'64KiB', '2MB', '1.5MiB' or 65536");
}

const MEMORY_UNIT_NAMES: Readonly<Record<string, string>> = { b: 'B', kb: 'kB', mb: 'MB', gb: 'GB', kib: 'KiB', mib: 'MiB', gib: 'GiB' };

/** The unit a size was written in ('64KiB' -> 'KiB', '65536' -> 'B'), to answer in the user's unit. */
export function memoryUnitOf(text: string): string {
  const unit = /([a-z]*)\s*$/i.exec(text)?.[1]?.toLowerCase() ?? '';
  return MEMORY_UNIT_NAMES[unit] ?? 'B';
}

/** Bytes in a given unit: formatBytesIn(83148, 'KiB') is '81.2 KiB'; bytes stay whole. */
export function formatBytesIn(bytes: number, unit = 'B'): string {
  const scale = MEMORY_UNITS_BYTES[unit.toLowerCase()] ?? 1;
  return scale === 1 ? `${bytes} B` : `${Number((bytes / scale).toPrecision(4))} ${unit}`;
}

/** A latency in the unit that reads best: '250 µs', '12.3 ms', '1.67 s'. */
export function formatLatency(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}
