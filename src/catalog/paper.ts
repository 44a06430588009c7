import { check } from '../errors.js';
import { CATALOG } from './catalog.js';

/** The paper's two measured devices: the key names them on the command line (`paper:raspi`). */
export const PAPER_DEVICES = {
  raspi: { name: 'Raspberry Pi 3B+ (paper)', file: 'results_RaspPi.json' },
  macbook: { name: 'MacBook Pro (paper)', file: 'results_MacBookPro.json' },
} as const;

/** A key of PAPER_DEVICES. */
export type PaperDevice = keyof typeof PAPER_DEVICES;

/** The paper's published data packed by column in catalog order (data/paper/paper-data.json). */
export interface PackedPaperData {
  readonly runid: readonly string[];
  readonly params: readonly number[];
  readonly flops: readonly number[];
  readonly acc: readonly number[];
  readonly devices: Readonly<Record<PaperDevice, { readonly t_avg: readonly number[]; readonly t_std: readonly number[] }>>;
}

/** The accuracy argument naming the built-in NetConfigs.json. */
export const PAPER_ACCURACY = 'paper';

const RESULTS_PREFIX = 'paper:';

/** The results argument naming a built-in paper device (`paper:raspi`). */
export function paperResultsReference(device: PaperDevice): string {
  return `${RESULTS_PREFIX}${device}`;
}

/** The paper device a results argument names, undefined for a file path; an unknown `paper:` name is an error listing the known ones. */
export function paperDeviceOf(reference: string): PaperDevice | undefined {
  if (!reference.startsWith(RESULTS_PREFIX)) return undefined;
  const key = reference.slice(RESULTS_PREFIX.length);
  check(key in PAPER_DEVICES, `unknown built-in results '${reference}': use ${Object.keys(PAPER_DEVICES).map((k) => RESULTS_PREFIX + k).join(' or ')}, or a file`);
  return key as PaperDevice;
}

/** NetConfigs.json as the paper published it: one {spacename, law, id, runid, params, flops, acc} per catalog network. */
export function paperNetConfigs(data: PackedPaperData): Record<string, unknown>[] {
  check(data.acc.length === CATALOG.length, `the built-in paper data holds ${data.acc.length} networks, the catalog ${CATALOG.length}; regenerate it with scripts/gen-paper-data.ts`);
  return CATALOG.map((e, i) => ({
    acc: data.acc[i],
    flops: data.flops[i],
    id: e.id,
    law: e.law,
    params: data.params[i],
    runid: data.runid[i],
    spacename: e.space,
  }));
}

/**
 * The paper's published params and FLOPs of catalog network `index`. They equal what its graph counts (a test checks
 * all 1617), so a results file can be checked against them without building 1617 graphs on every command.
 */
export function paperGraphFacts(data: PackedPaperData): (index: number) => { stateDictElements: number; flops: number } {
  return (index) => ({ stateDictElements: data.params[index]!, flops: data.flops[index]! });
}

/** A paper device's results file as published, wrapped as `{device, results}` so the device has its name. */
export function paperResults(data: PackedPaperData, device: PaperDevice): { device: { name: string; source: string }; results: Record<string, unknown>[] } {
  const { t_avg, t_std } = data.devices[device];
  return {
    device: { name: PAPER_DEVICES[device].name, source: `IBM/iotnets ${PAPER_DEVICES[device].file}` },
    results: paperNetConfigs(data).map((e, i) => ({ ...e, t_avg: t_avg[i], t_std: t_std[i] })),
  };
}
