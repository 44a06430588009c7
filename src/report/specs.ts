import type { TopLevelSpec } from 'vega-lite';
import { CATALOG } from '../catalog/catalog.js';
import type { DevicePair } from '../analysis/crossdevice.js';
import { counted } from '../plural.js';

/** One network in the latency/accuracy chart. */
export interface PointRow {
  /** Catalog index, or file name of a measured ONNX file. */
  readonly index: number | string;
  /** Short space name ('mobilenetv2'), the colour key. */
  readonly space: string;
  readonly law?: string;
  readonly id?: number;
  readonly params: number | null;
  readonly flops: number | null;
  readonly latencyMs: number;
  readonly accuracy: number;
  readonly front: boolean;
  readonly selected: boolean;
  /** Asked to be circled (report --highlight). */
  readonly highlighted: boolean;
  /** Meets the report's constraints; the others are drawn grey. */
  readonly inBudget: boolean;
  /** Its label goes right of the point (near the left edge), not left of it, so it stays inside the chart. */
  readonly labelRight: boolean;
  /** Memory under the report's number format and memory part, KiB. */
  readonly memoryKiB: number | null;
  /** The interval of a predicted latency, ms. */
  readonly lowMs?: number;
  readonly highMs?: number;
}

/** One network on one device of an N-device view. */
export interface DeviceRow {
  readonly device: string;
  readonly index: number | string;
  readonly space: string;
  readonly latencyMs: number;
  readonly accuracy: number;
  readonly front: boolean;
}

/** One network under one number format in the memory/accuracy chart. */
export interface MemoryRow {
  readonly index: number | string;
  readonly space: string;
  readonly law?: string;
  readonly id?: number;
  readonly format: string;
  readonly memoryKiB: number;
  readonly weightsKiB: number;
  readonly activationsKiB: number;
  readonly accuracy: number;
  readonly front: boolean;
  readonly selected: boolean;
}

/** One network deployed in one precision on one device. */
export interface PrecisionRow {
  readonly index: number | string;
  readonly space: string;
  readonly precision: string;
  readonly latencyMs: number;
  /** Memory counted in the precision's number format. */
  readonly memoryKiB: number;
  readonly accuracy: number;
  readonly latencyFront: boolean;
  readonly memoryFront: boolean;
}

/** One network measured on two devices. */
export interface CompareRow {
  readonly index: number | string;
  readonly space: string;
  readonly accuracy: number;
  readonly latencyA: number;
  readonly latencyB: number;
  /** Which devices' fronts hold the network: one of membershipLabels(a, b). */
  readonly membership: string;
  /** Drawing order: front members on top of the rest. */
  readonly emphasis: number;
}

/** A front member of one device, measured on the other device (B) of a comparison. */
export interface TransferRow {
  readonly index: number | string;
  /** The device whose front the network is on. */
  readonly front: string;
  readonly latencyMs: number;
  readonly accuracy: number;
  /** Whether it is on the best-achievable envelope of its front's networks on B. */
  readonly envelope: boolean;
}

/** One network with measured and predicted latency. */
export interface PredictedRow {
  readonly index: number | string;
  readonly space: string;
  readonly measuredMs: number;
  readonly predictedMs: number;
}

/** Options every chart takes: interactive charts add zoom/pan and a clickable legend (the HTML report). */
export interface ChartOptions {
  readonly interactive: boolean;
}

/** The bounds of a constrained report, drawn as budget lines. */
export interface ChartBudget {
  readonly maxLatencyMs?: number;
  readonly maxMemoryBytes?: number;
  readonly minAccuracy?: number;
}

const BUDGET_COLOR = '#d62728';
const OUT_OF_BUDGET_COLOR = '#c8c8c8';

/** A dashed budget line across the chart at `value` on the x or y scale, labelled (a constant datum, so it works inside facets too). */
function budgetRule(channel: 'x' | 'y', value: number, label: string) {
  const position = { datum: value, type: 'quantitative' } as const;
  // One mark per chart (per facet cell), not one per data row.
  const once = [{ window: [{ op: 'row_number', as: 'budgetRow' }], groupby: [] }, { filter: 'datum.budgetRow === 1' }];
  return [
    {
      name: `budget-${channel}`,
      transform: once,
      mark: { type: 'rule', color: BUDGET_COLOR, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { [channel]: position },
    },
    {
      name: `budget-${channel}-label`,
      transform: once,
      mark:
        channel === 'x'
          ? { type: 'text', text: label, color: BUDGET_COLOR, align: 'right', baseline: 'top', dx: -4, y: 4, fontSize: 11 }
          : { type: 'text', text: label, color: BUDGET_COLOR, align: 'left', baseline: 'bottom', dy: -3, x: 4, fontSize: 11 },
      encoding: { [channel]: position },
    },
  ];
}

/** Space name without the 'random_net_' prefix, as legends show it. */
function spaceLabel(space: string): string {
  return space.replace(/^random_net_/, '');
}

/** The catalog's search spaces in catalog order: the colour domain of every chart, so colours agree across charts. */
export const SPACE_DOMAIN: readonly string[] = [...new Set(CATALOG.map((e) => spaceLabel(e.space)))];

const SPACE_RANGE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#b279a2'];

/** The colour group of the user's own ONNX files (measured with calibrate --onnx), beside the catalog's spaces. */
const FILE_GROUP = 'your ONNX files';
const FILE_COLOR = '#17becf';

/** The colour group of a network: its search space's label, or the files' group. */
export function networkGroup(p: { readonly space?: string }): string {
  return p.space === undefined ? FILE_GROUP : spaceLabel(p.space);
}

/** Front-membership categories of a two-device comparison, from least to most emphasised: neither, B only, A only, both. */
export function membershipLabels(a: string, b: string): readonly [string, string, string, string] {
  return ['on neither front', `on ${b}'s front only`, `on ${a}'s front only`, 'on both fronts'];
}

const MEMBERSHIP_RANGE = ['#cccccc', '#c9a800', '#e45756', '#222222'];

/** Colours of the device whose front a series shows: B's own front dark, A's front red (as the membership chart). */
const TRANSFER_RANGE = ['#222222', '#e45756'];

const FONT = 'Liberation Sans, DejaVu Sans, Helvetica, Arial, sans-serif';

const CONFIG = {
  font: FONT,
  view: { stroke: '#bbbbbb' },
  axis: { gridColor: '#e4e4e4', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320, titleLimit: 320 },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555555', anchor: 'start' },
} as const;

/** The Pareto front of the rows flagged `front`, as a step line ordered by the cost field. */
function frontLine(x: unknown, y: unknown, costField: string) {
  return {
    name: 'front',
    transform: [{ filter: 'datum.front' }],
    mark: { type: 'line', interpolate: 'step-after', color: '#333333', strokeWidth: 1.5 },
    encoding: { x, y, order: { field: costField, type: 'quantitative' } },
  } as const;
}

const SELECTED_STYLE = { filled: false, stroke: '#000000', strokeWidth: 2, size: 110 } as const;

/** Colour by search space; the files' group joins the domain (and legend) only when the rows hold files. */
const spaceColor = (rows: readonly { readonly space: string }[]) => {
  const files = rows.some((r) => r.space === FILE_GROUP);
  const catalog = !rows.every((r) => r.space === FILE_GROUP);
  return {
    field: 'space',
    type: 'nominal',
    title: files ? 'network' : 'search space',
    scale: {
      domain: [...(catalog ? SPACE_DOMAIN : []), ...(files ? [FILE_GROUP] : [])],
      range: [...(catalog ? SPACE_RANGE : []), ...(files ? [FILE_COLOR] : [])],
    },
  } as const;
};

/** Point area of the latency chart: small for the catalog's hundreds of networks, visible for a handful of files. */
const pointSize = (rows: readonly unknown[]) => (rows.length > 100 ? 16 : 60);

/** The accuracy axis: the catalog's accuracies are CIFAR-10's; a user's files were scored on their own data. */
const accuracyAxis = (field = 'accuracy', rows: readonly { readonly space: string }[] = []) =>
  ({
    field,
    type: 'quantitative',
    title: rows.some((r) => r.space === FILE_GROUP) ? 'Accuracy' : 'Accuracy on CIFAR-10',
    scale: { zero: false, padding: 16 },
    axis: { format: '.0%' },
  }) as const;

// Log scales fitted to the data (not widened to whole decades), with room for the marks at the ends.
const logAxis = (field: string, title: string) =>
  ({ field, type: 'quantitative', title, scale: { type: 'log', nice: false, padding: 24 } }) as const;

/** Index, space, law and id of catalog networks; the file name of a user's files. */
const identityTooltip = (rows: readonly { readonly space: string }[]) =>
  rows.every((r) => r.space === FILE_GROUP)
    ? [{ field: 'index', title: 'file' }]
    : [
        { field: 'index', title: rows.some((r) => r.space === FILE_GROUP) ? 'index or file' : 'index' },
        { field: 'space', title: 'space' },
        { field: 'law', title: 'law' },
        { field: 'id', title: 'id' },
      ];

/** The tooltip of a network in the latency chart: identity, size, memory, latency (with its interval when predicted). */
function pointTooltip(rows: readonly PointRow[], memoryPart: string) {
  return [
    ...identityTooltip(rows),
    { field: 'params', title: 'params', format: ',' },
    { field: 'flops', title: 'FLOPs', format: ',' },
    ...(rows.some((r) => r.memoryKiB !== null) ? [{ field: 'memoryKiB', title: `memory, ${memoryPart} (KiB)`, format: ',.1f' }] : []),
    { field: 'latencyMs', title: rows.some((r) => r.highMs !== undefined) ? 'predicted latency (ms)' : 'latency (ms)', format: '.4~r' },
    ...(rows.some((r) => r.highMs !== undefined)
      ? [
          { field: 'lowMs', title: '90% interval from (ms)', format: '.4~r' },
          { field: 'highMs', title: 'to (ms)', format: '.4~r' },
        ]
      : []),
    { field: 'accuracy', title: 'accuracy', format: '.2%' },
    { field: 'front', title: 'on front' },
    ...(rows.some((r) => !r.inBudget) ? [{ field: 'inBudget', title: 'within the budget' }] : []),
  ];
}

/** Text labels of the rows `filter` keeps, inside the chart: right of points near its left edge, left of the others. */
function indexLabels(name: string, x: unknown, y: unknown, filter: string, color = '#000000') {
  return {
    name,
    transform: [{ filter }],
    mark: {
      type: 'text',
      align: { expr: "datum.labelRight ? 'left' : 'right'" },
      dx: { expr: 'datum.labelRight ? 7 : -7' },
      dy: -9,
      fontSize: 11,
      fontWeight: 'bold',
      color,
    },
    encoding: { x, y, text: { field: 'index', type: 'nominal' } },
  };
}

/** Zoom/pan on the scales and a legend that toggles spaces, for the points layer of an interactive chart. */
function interactiveParams(options: ChartOptions, legendField = 'space') {
  if (!options.interactive) return {};
  return {
    params: [
      { name: 'zoom', select: 'interval', bind: 'scales' },
      { name: 'legendPick', select: { type: 'point', fields: [legendField] }, bind: 'legend' },
    ],
  };
}

function legendOpacity(options: ChartOptions, base: number) {
  return options.interactive ? { condition: { param: 'legendPick', value: base }, value: 0.05 } : { value: base };
}

/** Options of the latency chart: a constrained report's budget and the memory part its tooltips show. */
export interface LatencyChartOptions extends ChartOptions {
  readonly budget?: ChartBudget;
  /** The constraints in words, for the subtitle of a constrained chart. */
  readonly budgetText?: string;
  readonly memoryPart?: string;
}

/**
 * The paper's figure: accuracy against log latency, coloured by space, with the front as a step line and the selection
 * labelled; in a constrained report the budget lines are drawn and networks outside the budget are grey; networks
 * asked for with --highlight are circled in red.
 */
export function latencyAccuracySpec(rows: readonly PointRow[], device: string, options: LatencyChartOptions): TopLevelSpec {
  const front = rows.filter((r) => r.front).length;
  const selected = rows.filter((r) => r.selected).length;
  const outside = rows.filter((r) => !r.inBudget).length;
  const highlighted = rows.filter((r) => r.highlighted).length;
  const x = logAxis('latencyMs', `Latency [ms] on ${device}`);
  const y = accuracyAxis(undefined, rows);
  const tooltip = pointTooltip(rows, options.memoryPart ?? 'total');
  const budget = options.budget ?? {};
  const subtitle = [
    counted(rows.length, 'network'),
    ...(outside > 0 ? [`${rows.length - outside} within ${options.budgetText ?? 'the budget'} (red dashed lines; the others grey)`] : []),
    `${front} on the Pareto front (step line)`,
    `${counted(selected, 'selected network')} labelled`,
    ...(highlighted > 0 ? [`${highlighted} highlighted in red`] : []),
  ].join('; ');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Accuracy vs latency on ${device}`, subtitle },
    width: 640,
    height: 400,
    config: CONFIG,
    data: { values: rows as unknown as Record<string, unknown>[] },
    layer: [
      {
        name: 'points',
        mark: { type: 'circle', aria: false, size: pointSize(rows) },
        ...interactiveParams(options),
        encoding: {
          x,
          y,
          color: { ...spaceColor(rows), condition: { test: '!datum.inBudget', value: OUT_OF_BUDGET_COLOR } },
          opacity: legendOpacity(options, 0.65),
          tooltip,
        },
      },
      ...(budget.maxLatencyMs !== undefined ? budgetRule('x', budget.maxLatencyMs, `budget ${formatMs(budget.maxLatencyMs)}`) : []),
      ...(budget.minAccuracy !== undefined ? budgetRule('y', budget.minAccuracy, `accuracy >= ${(budget.minAccuracy * 100).toFixed(1)}%`) : []),
      frontLine(x, y, 'latencyMs'),
      {
        name: 'selection',
        transform: [{ filter: 'datum.selected' }],
        mark: { type: 'point', ...SELECTED_STYLE },
        encoding: { x, y, tooltip },
      },
      indexLabels('labels', x, y, 'datum.selected'),
      ...(highlighted > 0
        ? [
            {
              name: 'highlight',
              transform: [{ filter: 'datum.highlighted' }],
              mark: { type: 'point', filled: false, stroke: BUDGET_COLOR, strokeWidth: 2.5, size: 240 },
              encoding: { x, y, tooltip },
            },
            indexLabels('highlight-labels', x, y, 'datum.highlighted && !datum.selected', BUDGET_COLOR),
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** A latency for a budget label: '10 ms', '250 µs'. */
function formatMs(ms: number): string {
  return ms < 1 ? `${Number((ms * 1000).toPrecision(3))} µs` : ms < 1000 ? `${Number(ms.toPrecision(3))} ms` : `${Number((ms / 1000).toPrecision(3))} s`;
}

/**
 * Every device in one view: accuracy against latency per device (small multiples, each with its own latency scale
 * and its front), and the matrix of Spearman rank correlations of the devices' latencies.
 */
export function devicesSpec(rows: readonly DeviceRow[], devices: readonly string[], pairs: readonly DevicePair[], options: ChartOptions): TopLevelSpec {
  const x = logAxis('latencyMs', 'Latency [ms]');
  const y = accuracyAxis(undefined, rows);
  const rho = new Map(pairs.flatMap((p) => [[`${p.a}|${p.b}`, p.latencyRho], [`${p.b}|${p.a}`, p.latencyRho]]));
  const matrix = devices.flatMap((a) => devices.map((b) => ({ a, b, rho: a === b ? 1 : rho.get(`${a}|${b}`)! })));
  const columns = Math.min(devices.length, 3);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${devices.length} devices: accuracy vs latency, each with its Pareto front`,
      subtitle: 'Right: Spearman rank correlation of the latencies of the networks both devices measured (1 = same order)',
    },
    config: CONFIG,
    hconcat: [
      {
        data: { values: rows as unknown as Record<string, unknown>[] },
        facet: { field: 'device', type: 'nominal', sort: [...devices], title: null, header: { labelFontSize: 12, labelFontWeight: 'bold', labelLimit: 260 } },
        columns,
        resolve: { scale: { x: 'independent' }, axis: { x: 'independent' } },
        spec: {
          width: 240,
          height: 190,
          layer: [
            {
              name: 'points',
              mark: { type: 'circle', aria: false, size: 10 },
              ...interactiveParams(options),
              encoding: {
                x,
                y,
                color: spaceColor(rows),
                opacity: legendOpacity(options, 0.55),
                tooltip: [
                  { field: 'device', title: 'device' },
                  { field: 'index', title: 'index' },
                  { field: 'space', title: 'space' },
                  { field: 'latencyMs', title: 'latency (ms)', format: '.4~r' },
                  { field: 'accuracy', title: 'accuracy', format: '.2%' },
                ],
              },
            },
            frontLine(x, y, 'latencyMs'),
          ],
        },
      },
      {
        width: 40 * devices.length + 60,
        height: 40 * devices.length + 60,
        data: { values: matrix },
        encoding: {
          x: { field: 'b', type: 'nominal', sort: [...devices], title: null, axis: { labelAngle: -35, labelLimit: 240 } },
          y: { field: 'a', type: 'nominal', sort: [...devices], title: null, axis: { labelLimit: 240 } },
        },
        layer: [
          {
            mark: { type: 'rect' },
            encoding: {
              color: { field: 'rho', type: 'quantitative', title: 'Spearman rho', scale: { scheme: 'blues', domain: [Math.min(0.5, ...matrix.map((m) => m.rho)), 1] } },
              tooltip: [
                { field: 'a', title: 'device' },
                { field: 'b', title: 'and' },
                { field: 'rho', title: 'Spearman rho', format: '.3f' },
              ],
            },
          },
          {
            mark: { type: 'text', fontSize: 12 },
            encoding: {
              text: { field: 'rho', type: 'quantitative', format: '.3f' },
              color: { condition: { test: 'datum.rho > 0.9', value: '#ffffff' }, value: '#000000' },
            },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Accuracy against memory (log KiB), one panel per number format sharing the x scale, fronts as step lines. */
export function memoryAccuracySpec(
  rows: readonly MemoryRow[],
  formats: readonly string[],
  memoryPart: string,
  options: ChartOptions & { readonly budget?: ChartBudget },
): TopLevelSpec {
  const budget = options.budget ?? {};
  const x = logAxis('memoryKiB', `Memory [KiB] (${memoryPart === 'total' ? 'weights + peak activations' : memoryPart}, batch 1)`);
  const y = accuracyAxis(undefined, rows);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Accuracy vs memory per number format',
      subtitle: `${counted(rows.length / Math.max(formats.length, 1), 'network')} under ${formats.join(', ')}; Pareto front as step line, selection circled`,
    },
    config: CONFIG,
    data: { values: rows as unknown as Record<string, unknown>[] },
    facet: { column: { field: 'format', type: 'nominal', sort: [...formats], title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 300,
      height: 260,
      layer: [
        {
          name: 'points',
          mark: { type: 'circle', aria: false, size: pointSize(rows) * 0.75 },
          ...interactiveParams(options),
          encoding: {
            x,
            y,
            color: spaceColor(rows),
            opacity: legendOpacity(options, 0.6),
            tooltip: [
              ...identityTooltip(rows),
              { field: 'format', title: 'format' },
              { field: 'memoryKiB', title: 'memory (KiB)', format: ',.1f' },
              { field: 'weightsKiB', title: 'weights (KiB)', format: ',.1f' },
              { field: 'activationsKiB', title: 'peak activations (KiB)', format: ',.1f' },
              { field: 'accuracy', title: 'accuracy', format: '.2%' },
            ],
          },
        },
        ...(budget.maxMemoryBytes !== undefined ? budgetRule('x', budget.maxMemoryBytes / 1024, `budget ${Number((budget.maxMemoryBytes / 1024).toPrecision(4))} KiB`) : []),
        ...(budget.minAccuracy !== undefined ? budgetRule('y', budget.minAccuracy, `>= ${(budget.minAccuracy * 100).toFixed(1)}%`) : []),
        frontLine(x, y, 'memoryKiB'),
        {
          name: 'selection',
          transform: [{ filter: 'datum.selected' }],
          mark: { type: 'point', ...SELECTED_STYLE, size: 80 },
          encoding: { x, y },
        },
      ],
    },
  } as TopLevelSpec;
}

const PRECISION_RANGE = ['#4c78a8', '#54a24b', '#e45756', '#b279a2', '#f58518', '#9d755d'];

/** One device's networks in each deployed precision: accuracy against latency and against memory, one front per precision. */
export function precisionFrontsSpec(
  rows: readonly PrecisionRow[],
  precisions: readonly string[],
  device: string,
  memoryPart: string,
  options: ChartOptions,
): TopLevelSpec {
  const color = { field: 'precision', type: 'nominal', title: 'deployed in', scale: { domain: [...precisions], range: PRECISION_RANGE } } as const;
  const y = accuracyAxis(undefined, rows);
  const panel = (field: 'latencyMs' | 'memoryKiB', title: string, frontFlag: 'latencyFront' | 'memoryFront') => {
    const x = logAxis(field, title);
    const tooltip = [
      { field: 'index', title: 'index' },
      { field: 'space', title: 'space' },
      { field: 'precision', title: 'precision' },
      { field, title, format: '.4~r' },
      { field: 'accuracy', title: 'accuracy', format: '.2%' },
    ];
    return {
      width: 340,
      height: 300,
      layer: [
        { name: `${frontFlag}Points`, mark: { type: 'circle', aria: false, size: 12 }, ...interactiveParams(options, 'precision'), encoding: { x, y, color, opacity: legendOpacity(options, 0.3), tooltip } },
        {
          transform: [{ filter: `datum.${frontFlag}` }],
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
          encoding: { x, y, color, order: { field, type: 'quantitative' } },
        },
        { transform: [{ filter: `datum.${frontFlag}` }], mark: { type: 'circle', size: 36, opacity: 1 }, encoding: { x, y, color, tooltip } },
      ],
    };
  };
  const networks = new Set(rows.map((r) => r.index)).size;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Pareto fronts per deployed precision on ${device}`,
      subtitle: `${networks} networks timed in ${precisions.join(', ')}; memory counted in each precision's format; one step line per precision`,
    },
    config: CONFIG,
    data: { values: rows as unknown as Record<string, unknown>[] },
    hconcat: [
      panel('latencyMs', `Latency [ms] on ${device}`, 'latencyFront'),
      panel('memoryKiB', `Memory [KiB] (${memoryPart === 'total' ? 'weights + peak activations' : memoryPart}, batch 1)`, 'memoryFront'),
    ],
    resolve: { scale: { x: 'independent', y: 'shared' } },
  } as TopLevelSpec;
}

/**
 * Two devices side by side: latency on A against latency on B (log-log) coloured by front membership, and accuracy
 * against latency on B with B's own front and A's front members as measured on B.
 */
export function comparisonSpec(
  rows: readonly CompareRow[],
  transferRows: readonly TransferRow[],
  a: string,
  b: string,
  rho: number,
  options: ChartOptions,
): TopLevelSpec {
  const membershipColor = {
    field: 'membership',
    type: 'nominal',
    title: 'Pareto-optimal',
    scale: { domain: [...membershipLabels(a, b)].reverse(), range: [...MEMBERSHIP_RANGE].reverse() },
  } as const;
  const tooltip = [
    { field: 'index', title: 'index' },
    { field: 'space', title: 'space' },
    { field: 'latencyA', title: `latency on ${a} (ms)`, format: '.4~r' },
    { field: 'latencyB', title: `latency on ${b} (ms)`, format: '.4~r' },
    { field: 'accuracy', title: 'accuracy', format: '.2%' },
    { field: 'membership', title: 'front' },
  ];
  const xB = logAxis('latencyMs', `Latency [ms] on ${b}`);
  const y = accuracyAxis();
  const frontColor = { field: 'front', type: 'nominal', title: `front of, measured on ${b}`, scale: { domain: [b, a], range: TRANSFER_RANGE } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${a} vs ${b}`,
      subtitle: `${counted(rows.length, 'network')} measured on both; Spearman rho of latencies = ${rho.toFixed(3)}. Right: choosing on ${b} from ${a}'s front (red) against ${b}'s own front (black)`,
    },
    config: CONFIG,
    resolve: { scale: { color: 'independent' } },
    hconcat: [
      {
        width: 330,
        height: 330,
        data: { values: rows as unknown as Record<string, unknown>[] },
        layer: [
          {
            name: 'pairs',
            mark: { type: 'circle', aria: false, size: 16 },
            ...interactiveParams(options, 'membership'),
            encoding: {
              x: logAxis('latencyA', `Latency [ms] on ${a}`),
              y: logAxis('latencyB', `Latency [ms] on ${b}`),
              color: membershipColor,
              opacity: legendOpacity(options, 0.8),
              order: { field: 'emphasis', type: 'quantitative' },
              tooltip,
            },
          },
        ],
      },
      {
        width: 380,
        height: 330,
        data: { values: transferRows as unknown as Record<string, unknown>[] },
        layer: [
          {
            name: 'transfer',
            mark: { type: 'circle', aria: false, size: 28 },
            encoding: {
              x: xB,
              y,
              color: frontColor,
              tooltip: [
                { field: 'index', title: 'index' },
                { field: 'front', title: 'on the front of' },
                { field: 'latencyMs', title: `latency on ${b} (ms)`, format: '.4~r' },
                { field: 'accuracy', title: 'accuracy', format: '.2%' },
              ],
            },
          },
          {
            name: 'envelopes',
            transform: [{ filter: 'datum.envelope' }],
            mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
            encoding: { x: xB, y, color: frontColor, order: { field: 'latencyMs', type: 'quantitative' } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Predicted against measured latency (log-log) with the y = x diagonal. */
export function predictedLatencySpec(rows: readonly PredictedRow[], device: string, options: ChartOptions): TopLevelSpec {
  const values = rows.flatMap((r) => [r.measuredMs, r.predictedMs]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = logAxis('measuredMs', `Measured latency [ms] on ${device}`);
  const y = logAxis('predictedMs', 'Predicted latency [ms]');
  const errors = rows.map((r) => Math.abs(r.predictedMs / r.measuredMs - 1)).sort((p, q) => p - q);
  const median = errors[Math.floor(errors.length / 2)] ?? 0;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Predicted vs measured latency on ${device}`, subtitle: `${counted(rows.length, 'network')}; median relative error ${(median * 100).toFixed(1)}%` },
    width: 400,
    height: 400,
    config: CONFIG,
    layer: [
      {
        name: 'diagonal',
        data: { values: [{ measuredMs: lo, predictedMs: lo }, { measuredMs: hi, predictedMs: hi }] },
        mark: { type: 'line', color: '#888888', strokeDash: [4, 4] },
        encoding: { x, y },
      },
      {
        name: 'points',
        data: { values: rows as unknown as Record<string, unknown>[] },
        mark: { type: 'circle', aria: false, size: 16 },
        ...interactiveParams(options),
        encoding: {
          x,
          y,
          color: spaceColor(rows),
          opacity: legendOpacity(options, 0.65),
          tooltip: [
            { field: 'index', title: 'index' },
            { field: 'space', title: 'space' },
            { field: 'measuredMs', title: 'measured (ms)', format: '.4~r' },
            { field: 'predictedMs', title: 'predicted (ms)', format: '.4~r' },
          ],
        },
      },
    ],
  } as TopLevelSpec;
}

/** One network of a search's chart: the prior's, or a feasible candidate known, trained or predicted by the search. */
export interface SearchRow {
  readonly label: string;
  readonly group: string;
  readonly latencyMs: number | null;
  readonly weightsKiB: number;
  readonly accuracy: number;
}

/** The groups of a search chart, from background to foreground, with their colours. */
export const SEARCH_GROUPS = ['prior', 'predicted (best open candidates)', 'known (in the prior)', 'trained by the search'] as const;

const SEARCH_RANGE = ['#c8c8c8', '#9ecae9', '#54a24b', '#e45756'];

/**
 * Accuracy against log latency or log weight memory for a search: the prior in grey, the search's feasible networks
 * coloured by what is known of them, and the budget as a rule.
 */
export function searchAccuracySpec(rows: readonly SearchRow[], axis: 'latency' | 'weights', budget: number | undefined, subtitle: string): TopLevelSpec {
  const field = axis === 'latency' ? 'latencyMs' : 'weightsKiB';
  const x = logAxis(field, axis === 'latency' ? 'Latency [ms]' : 'Weight memory [KiB]');
  const values = rows.filter((r) => r[field] !== null && (r[field] as number) > 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Search: accuracy vs ${axis === 'latency' ? 'latency' : 'weight memory'}`, subtitle },
    config: CONFIG,
    width: 560,
    height: 340,
    layer: [
      {
        data: { values: values as unknown as Record<string, unknown>[] },
        mark: { type: 'point', filled: true, size: 22 },
        encoding: {
          x,
          y: accuracyAxis(),
          color: { field: 'group', type: 'nominal', title: null, scale: { domain: [...SEARCH_GROUPS], range: SEARCH_RANGE }, legend: { orient: 'bottom-right' } },
          order: { field: 'rank', type: 'quantitative' },
          size: { condition: { test: "datum.group !== 'prior'", value: 60 }, value: 14 },
          tooltip: [{ field: 'label' }, { field: 'group' }, { field: 'accuracy', format: '.2%' }, { field, format: '.4~r' }],
        },
        transform: [{ calculate: `indexof(${JSON.stringify(SEARCH_GROUPS)}, datum.group)`, as: 'rank' }],
      },
      ...(budget !== undefined
        ? [{ data: { values: [{ budget }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#333333' }, encoding: { x: { field: 'budget', type: 'quantitative' } } }]
        : []),
    ],
  } as TopLevelSpec;
}
