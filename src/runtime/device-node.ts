import { arch, availableParallelism, cpus, hostname, platform, release, totalmem, type as osType } from 'node:os';
import type { DeviceRecord } from './device.js';
import { engineVersion, type Engine } from './engine.js';
import type { Protocol } from './protocols.js';
import type { SessionSettings } from './session.js';

/** Default session settings in Node: every logical core, full graph optimisation. */
export function defaultSessionSettings(): SessionSettings {
  return { threads: availableParallelism(), optimization: 'all' };
}

/** The device record of this machine for measurements on `engine` with `settings` and `protocol`. */
export function currentDevice(engine: Engine, settings: SessionSettings, protocol: Protocol): DeviceRecord {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    cpuMHz: cpu[0]?.speed ?? 0,
    memoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    platform: platform(),
    arch: arch(),
    hostname: hostname(),
    node: process.version,
    onnxruntime: engineVersion(engine),
    threads: settings.threads,
    graphOptimization: settings.optimization,
    protocol,
    recordedAt: new Date().toISOString(),
  };
}
