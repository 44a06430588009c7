import { check } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import { build, getModel, sample, type Args, type Ranges } from '../zoo/index.js';
import { catalogEntry, catalogIndexOf } from './catalog.js';

/** Names one network: a catalog index, a search-space member (named law or custom ranges), or a named model. */
export type NetworkRef =
  | { readonly index: number }
  | { readonly space: string; readonly law: string | Ranges; readonly id: number }
  | { readonly model: string; readonly args?: Args };

/** Who a network is: catalog index (when the paper trained it), space/law/id or model name, and its arguments. */
export interface NetworkIdentity {
  readonly index?: number;
  readonly space?: string;
  readonly law?: string | Ranges;
  readonly id?: number;
  readonly model?: string;
  /** An imported ONNX file: its name and the SHA-256 of its bytes. */
  readonly file?: string;
  readonly sha256?: string;
  /** An imported file that takes [N,H,W,C] images (the graph takes [N,C,H,W]: the file's leading transpose is dropped). */
  readonly inputLayout?: 'NHWC';
  readonly args: Args;
}

/** A network resolved to its identity, arguments and graph. */
export interface ResolvedNetwork extends NetworkIdentity {
  readonly graph: Graph;
}

/** Samples and builds the network `ref` names. */
export function resolveNetwork(ref: NetworkRef, numClasses = 10): ResolvedNetwork {
  if ('index' in ref) {
    const { space, law, id, index } = catalogEntry(ref.index);
    return { ...resolveNetwork({ space, law, id }, numClasses), index };
  }
  if ('space' in ref) {
    check(Number.isInteger(ref.id) && ref.id >= 0 && ref.id <= 0xffffffff, `network id ${ref.id} is outside 0..4294967295`);
    const args = sample(ref.space, ref.law, ref.id);
    const graph = build(ref.space, { numClasses, args });
    const index = typeof ref.law === 'string' && numClasses === 10 ? catalogIndexOf(ref.space, ref.law, ref.id) : undefined;
    return { ...(index !== undefined ? { index } : {}), space: ref.space, law: ref.law, id: ref.id, args, graph };
  }
  const args = { ...getModel(ref.model).defaultArgs, ...ref.args };
  return { model: ref.model, args, graph: build(ref.model, { numClasses, args: ref.args ?? {} }) };
}

/** A short human-readable name: `#687 random_net_mobilenetv2/s6/10`, `ResNet18`, `SynthWide(f=2)`. */
export function networkLabel(n: NetworkIdentity): string {
  if (n.file !== undefined) return n.file;
  if (n.model !== undefined) {
    const args = Object.entries(n.args).map(([k, v]) => `${k}=${String(v)}`);
    return args.length ? `${n.model}(${args.join(',')})` : n.model;
  }
  const law = typeof n.law === 'string' ? n.law : 'custom';
  return `${n.index !== undefined ? `#${n.index} ` : ''}${n.space}/${law}/${n.id}`;
}

/** The machine-readable description of a network printed by `info --json` and `catalog --json`. */
export interface NetworkRecord extends NetworkIdentity {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly stateDictElements: number;
  readonly trainableParameters: number;
  readonly macs: number;
  readonly flops: number;
  readonly weightBytes: number;
  readonly peakActivationBytes: number;
}

/** Identity, arguments and derived figures of a resolved network (batch 1, float32). */
export function networkRecord(n: ResolvedNetwork, s: GraphSummary = summarize(n.graph)): NetworkRecord {
  const { graph, ...identity } = n;
  return {
    ...identity,
    inputShape: [1, ...graph.inputShape],
    numClasses: graph.numClasses,
    stateDictElements: s.stateDictElements,
    trainableParameters: s.trainableParameters,
    macs: s.macs,
    flops: s.flops,
    weightBytes: s.weightBytes,
    peakActivationBytes: s.peakActivationBytes,
  };
}
