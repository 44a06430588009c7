import { check, IotnetsError } from '../errors.js';
import { OPS, type Op, type OpDef, type OpKind, type OpOf, type ParamSpec, type Shape } from './ops.js';
import { numel } from './tensor.js';

/** One operation call in a network graph. Node 0 is the input; nodes are in execution order. */
export interface Node {
  readonly id: number;
  readonly op: Op;
  readonly inputs: readonly number[];
  readonly shape: Shape;
  /** The nn.Module this call runs (its state_dict prefix), absent for function calls such as F.relu or torch.cat. */
  readonly module?: string;
}

/** A module of the original PyTorch network: its state_dict entries are `${name}.${suffix}`. */
export interface Module {
  readonly name: string;
  readonly op: Op;
  readonly params: readonly ParamSpec[];
}

/** A complete network: its operations, its modules, and the input it was built for. */
export interface Graph {
  readonly name: string;
  /** Per-sample input shape [3, H, W]: the network refuses any other size. */
  readonly inputShape: Shape;
  readonly numClasses: number;
  readonly nodes: readonly Node[];
  /** Modules in registration order; a module called twice (shared weights) appears once. */
  readonly modules: readonly Module[];
  readonly output: number;
}

/** A network's size as the builder counts it, op by op, with the OPS rules (per sample, batch 1). */
export interface GraphCounts {
  /** Elements of the PyTorch state_dict (weights, biases, BN statistics, num_batches_tracked): the paper's `params`. */
  readonly stateDictElements: number;
  readonly trainableParameters: number;
  /** Float elements stored with the model (everything in the state_dict but num_batches_tracked). */
  readonly weightElements: number;
  readonly macs: number;
  /** FLOPs under the paper's per-module counting rule: the paper's `flops`. */
  readonly flops: number;
  /** Largest sum of simultaneously live activations (input included), in elements. */
  readonly peakActivationElements: number;
}

type StateDictCounts = Pick<GraphCounts, 'stateDictElements' | 'trainableParameters' | 'weightElements'>;

/** `counts` with the state_dict entries of one more module: all their elements, the trainable ones, the float ones. */
export function addStateDictEntries(counts: { -readonly [K in keyof StateDictCounts]: number }, params: readonly ParamSpec[]): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const n = numel(p.shape);
    counts.stateDictElements += n;
    if (p.trainable) counts.trainableParameters += n;
    if (p.dtype === 'float32') counts.weightElements += n;
  }
}

/** For each node, the id of the last node that reads its value: the output's is `nodes.length` (live to the end), -1 for none. */
export function lastUses(nodes: readonly Node[], output: number): number[] {
  const lastUse = new Array<number>(nodes.length).fill(-1);
  for (const node of nodes) for (const i of node.inputs) lastUse[i] = node.id;
  lastUse[output] = nodes.length;
  return lastUse;
}

/**
 * Peak activation memory in elements: walks the nodes in order, each value live from its op to its last use
 * (`lastUse`, see lastUses), `elements[i]` the size of node i's value.
 */
export function peakLiveElements(nodes: readonly Node[], elements: readonly number[], lastUse: readonly number[]): number {
  let live = 0;
  let peak = 0;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    live += elements[node.id]!;
    if (live > peak) peak = live;
    const inputs = node.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      // An input used twice by this node (x + x) is freed once.
      if (lastUse[i] === node.id && inputs.indexOf(i) === k) live -= elements[i]!;
    }
  }
  return peak;
}

/** Per-node figures of a graph, by node id (batch 1). */
export interface NodeCosts {
  /** Elements of each node's output. */
  readonly elements: readonly number[];
  /** Multiply-accumulates of each node (OPS rule `macs`). */
  readonly macs: readonly number[];
}

/** What each graph's builder counted, by graph: a graph derived by hand (other nodes or modules) has no entry. */
const BUILT = new WeakMap<Graph, { readonly counts: GraphCounts; readonly nodes: NodeCosts }>();

/** The counts the builder of `graph` made as it built it; undefined for a graph not made by a GraphBuilder. */
export function builtCounts(graph: Graph): GraphCounts | undefined {
  return BUILT.get(graph)?.counts;
}

/** The per-node figures the builder of `graph` recorded as it added each op; undefined for a graph not made by a GraphBuilder. */
export function builtNodeCosts(graph: Graph): NodeCosts | undefined {
  return BUILT.get(graph)?.nodes;
}

/** A value flowing through the graph while it is being built. */
export interface Value {
  readonly id: number;
  readonly shape: Shape;
}

export interface ConvOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  groups?: number;
  /** PyTorch's default is true: pass false where the original did. */
  bias?: boolean;
}

export interface PoolOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/** Kernel, stride and padding pairs of small sizes, shared: a network holds thousands of them and they are never mutated. */
const SQUARE_PAIRS: readonly (readonly [number, number])[] = Array.from({ length: 16 }, (_, v) => [v, v] as const);

const pair = (v: number | readonly [number, number]): readonly [number, number] => (typeof v === 'number' ? (SQUARE_PAIRS[v] ?? [v, v]) : v);

/**
 * The ops without per-call attributes (or with fixed ones), one object each, shared by every node that runs them: a
 * network holds one per conv (BatchNorm, ReLU), and nothing mutates a node's op.
 */
const BATCH_NORM: Op = { kind: 'batchnorm', eps: 1e-5 };
const RELU: Op = { kind: 'relu' };
const SIGMOID: Op = { kind: 'sigmoid' };
const ADD: Op = { kind: 'add' };
const MUL: Op = { kind: 'mul' };
const CONCAT: Op = { kind: 'concat' };
const FLATTEN: Op = { kind: 'flatten' };

/** Input lists of one-input nodes, by input id, shared by the nodes of every network built (none mutates its inputs). */
const SINGLE_INPUTS: (readonly number[])[] = [];

function singleInput(id: number): readonly number[] {
  return (SINGLE_INPUTS[id] ??= [id]);
}

function sameOp(a: Op, b: Op): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Bounds on a network's size, checked as it is built so that absurd arguments (a width, a depth or a class count in
 * the millions) are one line before anything large is allocated: 2^28 parameters (1 GiB of float32 weights), 2^28
 * elements in any one activation, 100,000 operations. The largest catalog network is far below each.
 */
const GRAPH_LIMITS = { parameters: 2 ** 28, activationElements: 2 ** 28, nodes: 100_000 } as const;

/**
 * The op being added, as error messages name it (`network module (kind)`). One per builder, updated per call: the
 * text is formatted only when a message quotes it, not for each of the thousands of ops a search builds.
 */
class OpSite {
  module: string | undefined = undefined;
  kind: OpKind = 'input';

  constructor(private readonly network: string) {}

  toString(): string {
    return `${this.network}${this.module ? ` ${this.module}` : ''} (${this.kind})`;
  }
}

/**
 * Records a network the way its PyTorch forward() runs: each call names the nn.Module it uses
 * (so parameters carry state_dict keys), or none for functional calls.
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  /** Modules in registration order, and their names: a name added twice is a module called again. */
  private readonly modules: Module[] = [];
  private readonly moduleNames = new Set<string>();
  /** Output elements of each node, by id. */
  private readonly elements: number[] = [];
  /** Multiply-accumulates of each node, by id. */
  private readonly macs: number[] = [];
  /** The last node reading each node's value so far, by id (see lastUses). */
  private readonly lastUse: number[] = [];
  private readonly counts = { stateDictElements: 0, trainableParameters: 0, weightElements: 0, macs: 0, flops: 0 };
  private readonly site: OpSite;
  /** The input shapes of a one-input call, refilled per call (the shape rules read them, none keeps the array). */
  private readonly oneShape: Shape[] = [[]];
  /** The network input. */
  readonly input: Value;

  constructor(
    readonly name: string,
    readonly inputShape: Shape,
    readonly numClasses: number,
  ) {
    check(Number.isInteger(numClasses) && numClasses >= 1, () => `${name}: numClasses must be a positive integer, got ${numClasses}`);
    this.site = new OpSite(name);
    const input: Node = { id: 0, op: { kind: 'input' }, inputs: [], shape: inputShape };
    this.nodes.push(input);
    this.elements.push(numel(inputShape));
    this.macs.push(0);
    this.lastUse.push(-1);
    this.input = input;
  }

  /** Adds one call of `op` on `inputs`, run by module `module` if given. */
  call(op: Op, inputs: readonly Value[], module?: string): Value {
    if (inputs.length === 1) return this.callOne(op, inputs[0]!, module);
    const shapes = new Array<Shape>(inputs.length);
    const ids = new Array<number>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      shapes[i] = inputs[i]!.shape;
      ids[i] = inputs[i]!.id;
    }
    return this.append(op, shapes, ids, module);
  }

  /** `call` with one input, the common case (every one-input method), without building arrays of inputs. */
  private callOne(op: Op, x: Value, module: string | undefined): Value {
    const shapes = this.oneShape;
    shapes[0] = x.shape;
    return this.append(op, shapes, singleInput(x.id), module);
  }

  private append(op: Op, shapes: readonly Shape[], ids: readonly number[], module: string | undefined): Value {
    const site = this.site;
    site.module = module;
    site.kind = op.kind;
    const def = OPS[op.kind] as OpDef<OpKind>;
    const shape = def.inferShape(op as never, shapes, site);
    if (this.nodes.length >= GRAPH_LIMITS.nodes) {
      throw new IotnetsError(`${this.name}: more than ${GRAPH_LIMITS.nodes} operations; choose smaller model arguments`);
    }
    const elements = numel(shape);
    if (elements > GRAPH_LIMITS.activationElements) {
      throw new IotnetsError(
        `${site}: an activation of ${elements} elements per sample, over ${GRAPH_LIMITS.activationElements}; choose smaller model arguments or input`,
      );
    }
    if (module !== undefined) this.register(module, op, shapes[0]!);
    const macs = def.macs(op as never, shapes, shape);
    this.counts.macs += macs;
    this.counts.flops += def.paperFlops(op as never, shapes, shape, module !== undefined);
    this.elements.push(elements);
    this.macs.push(macs);
    const id = this.nodes.length;
    this.lastUse.push(-1);
    for (let k = 0; k < ids.length; k++) this.lastUse[ids[k]!] = id;
    const node: Node = module !== undefined ? { id, op, inputs: ids, shape, module } : { id, op, inputs: ids, shape };
    this.nodes.push(node);
    return node;
  }

  /** Registers a module the constructor creates but forward() never calls: its entries are in the state_dict all the same. */
  declare(module: string, op: Op, inputShape: Shape): void {
    this.site.module = module;
    this.site.kind = op.kind;
    this.register(module, op, inputShape);
  }

  private register(name: string, op: Op, inputShape: Shape): void {
    const shapes = this.oneShape;
    shapes[0] = inputShape;
    const params = (OPS[op.kind] as OpDef<OpKind>).params(op as never, shapes);
    const names = this.moduleNames;
    const registered = names.size;
    if (names.add(name).size === registered) {
      const existing = this.modules.find((m) => m.name === name)!;
      // A module called again (e.g. GoogLeNet's one MaxPool2d, run on 480 and on 832 channels) shares its weights:
      // it must be the same layer with the same parameter shapes; parameter-free modules may see any input width.
      if (!sameOp(existing.op, op) || JSON.stringify(params) !== JSON.stringify(existing.params)) {
        throw new Error(`${this.site}: module ${name} reused with a different configuration`);
      }
      return;
    }
    addStateDictEntries(this.counts, params);
    if (this.counts.stateDictElements > GRAPH_LIMITS.parameters) {
      throw new IotnetsError(
        `${this.name}: more than ${GRAPH_LIMITS.parameters} parameters (over 1 GiB of float32 weights) by ${this.site}; choose smaller model arguments or fewer classes`,
      );
    }
    this.modules.push({ name, op, params });
  }

  /** nn.Conv2d. */
  conv(module: string, x: Value, outChannels: number, kernel: number | readonly [number, number], o: ConvOptions = {}): Value {
    const op: OpOf<'conv2d'> = {
      kind: 'conv2d',
      outChannels,
      kernel: pair(kernel),
      stride: pair(o.stride ?? 1),
      padding: pair(o.padding ?? 0),
      groups: o.groups ?? 1,
      bias: o.bias ?? true,
    };
    return this.callOne(op, x, module);
  }

  /** nn.BatchNorm1d / nn.BatchNorm2d (chosen by the input's rank), eps 1e-5. */
  bn(module: string, x: Value): Value {
    return this.callOne(BATCH_NORM, x, module);
  }

  /** nn.Linear. */
  linear(module: string, x: Value, outFeatures: number, o: { bias?: boolean } = {}): Value {
    return this.callOne({ kind: 'linear', outFeatures, bias: o.bias ?? true }, x, module);
  }

  /** ReLU: F.relu when `module` is omitted, an nn.ReLU module (counted by the paper's FLOPs) when named. */
  relu(x: Value, module?: string): Value {
    return this.callOne(RELU, x, module);
  }

  /** torch.sigmoid / F.sigmoid. */
  sigmoid(x: Value): Value {
    return this.callOne(SIGMOID, x, undefined);
  }

  /** Max pooling: F.max_pool2d when `module` is omitted, nn.MaxPool2d when named. Stride defaults to the kernel, as in PyTorch. */
  maxPool(x: Value, kernel: number | readonly [number, number], o: PoolOptions = {}, module?: string): Value {
    return this.callOne({ kind: 'maxpool', kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.padding ?? 0) }, x, module);
  }

  /** Average pooling (count_include_pad): F.avg_pool2d when `module` is omitted, nn.AvgPool2d when named. */
  avgPool(x: Value, kernel: number | readonly [number, number], o: PoolOptions = {}, module?: string): Value {
    return this.callOne({ kind: 'avgpool', kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.padding ?? 0) }, x, module);
  }

  /** Elementwise `a + b` of equal shapes. */
  add(a: Value, b: Value): Value {
    return this.call(ADD, [a, b]);
  }

  /** Elementwise `a * gate`, with gate [C,1,1] broadcast over the map (squeeze-and-excitation). */
  mul(a: Value, gate: Value): Value {
    return this.call(MUL, [a, gate]);
  }

  /** torch.cat along channels. */
  concat(values: readonly Value[]): Value {
    return this.call(CONCAT, values);
  }

  /** x[:, start:end] along channels. */
  slice(x: Value, start: number, end: number): Value {
    return this.callOne({ kind: 'slice', start, end }, x, undefined);
  }

  /** x.view(N, -1). */
  flatten(x: Value): Value {
    return this.callOne(FLATTEN, x, undefined);
  }

  /** Finishes the graph with `output` as the logits, which must be [numClasses]. */
  build(output: Value): Graph {
    if (output.shape.length !== 1 || output.shape[0] !== this.numClasses) {
      throw new IotnetsError(`${this.name}: output is [${output.shape.join(',')}], expected [${this.numClasses}] logits`);
    }
    const graph: Graph = {
      name: this.name,
      inputShape: this.inputShape,
      numClasses: this.numClasses,
      nodes: this.nodes,
      modules: this.modules,
      output: output.id,
    };
    this.lastUse[output.id] = this.nodes.length;
    const c = this.counts;
    // Written out, not spread: V8 adds a property after a spread on a slow path (about 1 µs each, per network built).
    const counts: GraphCounts = {
      stateDictElements: c.stateDictElements,
      trainableParameters: c.trainableParameters,
      weightElements: c.weightElements,
      macs: c.macs,
      flops: c.flops,
      peakActivationElements: peakLiveElements(this.nodes, this.elements, this.lastUse),
    };
    BUILT.set(graph, { counts, nodes: { elements: this.elements, macs: this.macs } });
    return graph;
  }
}
