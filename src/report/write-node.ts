import { basename, dirname, extname, join } from 'node:path';
import { rowLabel } from '../analysis/results.js';
import { check, field } from '../errors.js';
import { checkOutputFile, writeFileAtomic } from '../io/files-node.js';
import { counted } from '../plural.js';
import { reportHtml } from './html.js';
import { renderPng, renderSvg } from './render-node.js';
import { buildFigures, buildReportModel, type ReportInput, type ReportModel } from './report.js';
import { vegaBrowserSource } from './vega-node.js';

/** Refuses, before any work, a report path that is not an .html file or cannot be written. */
export function checkReportOutput(output: string): void {
  check(
    /\.html?$/i.test(output),
    `${field('output')} ${output}: the report is an HTML file, name it .html (its figures go beside it as <name>-latency.svg/.png)`,
  );
  checkOutputFile(output, 'output');
}

/**
 * Writes the interactive, self-contained HTML report of `input` to `output` and, with `figures`, every figure beside
 * it as <name>-<figure>.svg and .png; returns the report's model and the files written, the report first.
 */
export async function writeReport(input: ReportInput, output: string, options: { figures: boolean }): Promise<{ model: ReportModel; written: string[] }> {
  const model = buildReportModel(input);
  writeFileAtomic(output, reportHtml(model, buildFigures(model, { interactive: true }), await vegaBrowserSource()), 'output');
  const written = [output];
  if (options.figures) {
    const stem = join(dirname(output), basename(output, extname(output)));
    for (const figure of buildFigures(model, { interactive: false })) {
      const svg = await renderSvg(figure.spec);
      writeFileAtomic(`${stem}-${figure.name}.svg`, svg, 'output');
      writeFileAtomic(`${stem}-${figure.name}.png`, renderPng(svg), 'output');
      written.push(`${stem}-${figure.name}.svg`, `${stem}-${figure.name}.png`);
    }
  }
  return { model, written };
}

/** One line saying what a report found: the front's size on the device and the selection. */
export function describeReport(model: ReportModel): string {
  return `Front of ${counted(model.latency.front.length, 'network')} on ${model.input.device.name}; selection: ${model.latency.selection.map(rowLabel).join(', ')}`;
}
