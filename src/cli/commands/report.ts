import type { Command } from 'commander';
import { parseFormats } from '../../onnx/formats.js';
import { check } from '../../errors.js';
import { loadDevice } from '../../analysis/results-node.js';
import {
  addAnalysisOptions,
  addPrecisionFrontsOption,
  addSelectionOption,
  constraintsFromOptions,
  loadPrecisionDevices,
  deviceSource,
  selectionSize,
  type AnalysisOptions,
} from './analysis-common.js';
import { parseIndexList } from '../../calibrate/subsets.js';
import { DEFAULT_MEMORY_FORMATS } from '../../report/report.js';

interface ReportOptions extends AnalysisOptions {
  compare: string[];
  highlight?: string;
  compareAccuracy?: string;
  output: string;
  formats: string;
  select: string;
  static: boolean;
  precision?: string;
}

/** The networks --highlight names: .onnx file names as given, the rest catalog indices and ranges. */
function highlightList(text: string): (number | string)[] {
  const parts = text.split(',').map((p) => p.trim());
  const files = parts.filter((p) => /\.onnx$/i.test(p));
  const indices = parts.filter((p) => !files.includes(p));
  return [...(indices.length > 0 ? parseIndexList(indices.join(','), 'highlight') : []), ...files];
}

/** `iotnets report`: a self-contained interactive HTML report and static SVG/PNG figures for one device or several. */
export function register(program: Command): void {
  addPrecisionFrontsOption(addSelectionOption(addAnalysisOptions(program.command('report'))))
    .description('interactive HTML report (offline, self-contained) plus SVG and PNG figures: fronts, selection, memory, device comparisons')
    .option(
      '--compare <file>',
      'another device to compare against (results file or paper:raspi / paper:macbook); repeat it for an N-device view of every device',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--compare-accuracy <file>', 'accuracies for --compare (default: --accuracy, else acc in that file)')
    .option('--highlight <networks>', "catalog indices (or measured .onnx file names) to circle in red, e.g. the paper's own Raspberry Pi selection 687,611,450,405,306,349,64")
    .option('-o, --output <file.html>', 'the HTML report; figures go beside it as <name>-latency.svg/.png, ...', 'out/report.html')
    .option('--formats <list>', 'number formats of the memory chart, e.g. fp32,fp16,int8,e4m3', DEFAULT_MEMORY_FORMATS)
    .option('--no-static', 'write only the HTML report, no SVG/PNG figures')
    .action(async (o: ReportOptions) => {
      // The report's renderers (Vega, vega-lite, resvg) load only when a report is written.
      const { checkReportOutput, describeReport, writeReport } = await import('../../report/write-node.js');
      checkReportOutput(o.output);
      const constraints = constraintsFromOptions(o);
      const formats = parseFormats(o.formats);
      const highlight = o.highlight === undefined ? undefined : highlightList(o.highlight);
      const device = await loadDevice(deviceSource(o, true));
      const unknown = highlight?.find((h) => typeof h === 'string' && !device.points.some((p) => p.file === h));
      check(unknown === undefined, `--highlight ${unknown}: ${o.results} measured no file of that name; name one it lists`);
      const others = [];
      for (const results of o.compare) others.push(await loadDevice(deviceSource({ ...o, results, accuracy: o.compareAccuracy ?? o.accuracy }, false)));
      const compare = others[0];
      const precisions = o.precision === undefined ? [] : await loadPrecisionDevices(o, o.precision);
      const input = {
        device,
        ...(precisions.length > 0 ? { precisions } : {}),
        ...(compare ? { compare } : {}),
        ...(others.length >= 2 ? { devices: [device, ...others] } : {}),
        ...(highlight ? { highlight } : {}),
        formats,
        memoryPart: constraints.memoryPart,
        k: selectionSize(o),
        constraints,
        sources: [...new Set([...device.sources, ...others.flatMap((d) => d.sources), ...precisions.flatMap((p) => p.device.sources)])],
      };
      const { model, written } = await writeReport(input, o.output, { figures: o.static });
      console.log(describeReport(model));
      for (const file of written) console.log(`wrote ${file}`);
    });
}
