import { protocolLabel, type Protocol } from './protocols.js';
import type { SessionSettings } from './session.js';

/** The machine and software a measurement was taken on, and how; carried by every result. */
export interface DeviceRecord {
  /** What titles call the device: the user's --device-name, or a short name derived for a browser. */
  readonly name?: string;
  readonly cpuModel: string;
  /** Logical cores the OS reports. */
  readonly cores: number;
  readonly cpuMHz: number;
  readonly memoryBytes: number;
  /** OS type and kernel release, e.g. `Linux 6.1.0-18-amd64`. */
  readonly os: string;
  readonly platform: string;
  readonly arch: string;
  readonly hostname: string;
  readonly node: string;
  readonly onnxruntime: string;
  readonly threads: number;
  readonly graphOptimization: SessionSettings['optimization'];
  readonly protocol: Protocol;
  /** ISO time the record was taken. */
  readonly recordedAt: string;
}

/**
 * The parts of a device record that must agree for two measurements to belong in one results file: the hardware,
 * OS, runtime and how it was driven. Clock speed, memory, host name, Node version and time may differ.
 */
const STABLE_FIELDS = ['cpuModel', 'cores', 'platform', 'arch', 'threads', 'onnxruntime', 'graphOptimization', 'protocol'] as const;

const stableText = (d: DeviceRecord, field: (typeof STABLE_FIELDS)[number]) =>
  field === 'protocol' ? protocolLabel(d.protocol) : String(d[field]);

/** The stable fields on which two device records differ, as `field: a vs b` (empty when they agree). */
export function deviceDifferences(a: DeviceRecord, b: DeviceRecord): string[] {
  return STABLE_FIELDS.filter((f) => stableText(a, f) !== stableText(b, f)).map(
    (f) => `${f}: ${stableText(a, f)} vs ${stableText(b, f)}`,
  );
}

/** One line naming the device: `Intel(R) Xeon(R) ... (2 cores, Linux x64), ORT 1.30.0, 2 threads, paper`. */
export function deviceLabel(d: DeviceRecord): string {
  return `${d.name ? `${d.name}: ` : ''}${d.cpuModel} (${d.cores} cores, ${d.platform} ${d.arch}), ONNX Runtime ${d.onnxruntime}, ${d.threads} thread${d.threads === 1 ? '' : 's'}, optimization ${d.graphOptimization}, protocol ${protocolLabel(d.protocol)}`;
}
