import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { parseFormats } from '../src/onnx/formats.js';
import { reportHtml } from '../src/report/html.js';
import { loadDevice } from '../src/analysis/results-node.js';
import { vegaBrowserSource } from '../src/report/vega-node.js';
import { memoryBytes, type MemorySized } from '../src/analysis/objectives.js';
import { FP32 } from '../src/onnx/formats.js';
import { buildFigures, buildReportModel } from '../src/report/report.js';
import { chromiumMissing, launchChromium } from './support/chromium.js';
import { paperData, REPO_ROOT, sharedMissing } from './support/shared.js';

const ARTEFACTS = join(REPO_ROOT, 'out', 'test-artefacts');
const skip = sharedMissing || chromiumMissing;

test('the HTML report renders every chart offline in headless Chromium, with tooltips and no console errors', { skip, timeout: 120_000 }, async () => {
  const warn = () => {};
  const device = await loadDevice({ results: paperData('results_RaspPi.json'), memory: true, warn });
  const compare = await loadDevice({ results: paperData('results_MacBookPro.json'), warn });
  const formats = parseFormats('fp32,fp16,int8');
  const model = buildReportModel({ device, compare, formats, memoryPart: 'total', k: 7, sources: ['results_RaspPi.json', 'results_MacBookPro.json'] });
  await mkdir(ARTEFACTS, { recursive: true });
  const htmlPath = join(ARTEFACTS, 'report.html');
  await writeFile(htmlPath, reportHtml(model, buildFigures(model, { interactive: true }), await vegaBrowserSource()));

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('body[data-rendered]', { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-rendered'), 'true');

    const count = (selector: string) => page.locator(selector).count();
    // One symbol per network, per format in the memory facets; the selection and front as the analysis computed them.
    assert.equal(await count('#chart-latency g.points_marks > path'), 1617);
    assert.equal(await count('#chart-latency g.selection_marks > path'), 7);
    assert.equal(await count('#chart-latency g.labels_marks > text'), 7);
    assert.deepEqual(
      (await page.locator('#chart-latency g.labels_marks > text').allTextContents()).map(Number).sort((a, b) => a - b),
      model.latency.selection.map((p) => p.index!).sort((a, b) => a - b),
    );
    assert.equal(await count('#chart-latency g.front_marks > path'), 1);
    assert.equal(await count('#chart-memory g.points_marks > path'), 3 * 1617);
    assert.equal(await count('#chart-compare g.pairs_marks > path'), 1617);
    const fronts = model.comparison!;
    assert.equal(await count('#chart-compare g.transfer_marks > path'), fronts.frontA.length + fronts.frontB.length);

    // Hovering a selected network shows its identity and figures.
    const box = (await page.locator('#chart-latency g.selection_marks > path').nth(2).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#tooltip', { state: 'visible', timeout: 5_000 });
    const tip = Object.fromEntries(
      (await page.locator('#tooltip tr').allInnerTexts()).map((row) => row.split('\t').map((cell) => cell.trim()) as [string, string]),
    );
    assert.deepEqual(Object.keys(tip), ['index', 'space', 'law', 'id', 'params', 'FLOPs', 'memory, total, fp32 (KiB)', 'latency (ms)', 'accuracy', 'on front']);
    const hovered = model.latency.selection.find((p) => p.index === Number(tip.index));
    assert.ok(hovered, `tooltip index ${tip.index} is one of the selection`);
    assert.deepEqual(Object.values(tip), [
      String(hovered.index),
      hovered.space!.replace('random_net_', ''),
      hovered.law,
      String(hovered.id),
      hovered.params!.toLocaleString('en-US'),
      hovered.flops!.toLocaleString('en-US'),
      (memoryBytes(hovered as MemorySized, FP32, 'total') / 1024).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      String(Number(hovered.latencyMs.toPrecision(4))),
      `${(hovered.accuracy * 100).toFixed(2)}%`,
      'true',
    ]);

    await page.screenshot({ path: join(ARTEFACTS, 'report-browser.png'), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [], 'the report must work offline');
  } finally {
    await browser.close();
  }
});
