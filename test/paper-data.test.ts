import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAccuracyFile } from '../src/catalog/load-file.ts';
import { paperDeviceOf, paperNetConfigs, paperResults } from '../src/catalog/paper.ts';
import { paperData } from '../src/catalog/paper-node.ts';
import { parseResults } from '../src/analysis/results.ts';
import { paperData as sharedPaperData, readSharedJson, sharedMissing } from './support/shared.js';

test('the built-in paper data unpacks to exactly the published NetConfigs.json and both results files', { skip: sharedMissing }, () => {
  assert.deepEqual(paperNetConfigs(paperData()), readSharedJson(sharedPaperData('NetConfigs.json')));
  assert.deepEqual(paperResults(paperData(), 'raspi').results, readSharedJson(sharedPaperData('results_RaspPi.json')));
  assert.deepEqual(paperResults(paperData(), 'macbook').results, readSharedJson(sharedPaperData('results_MacBookPro.json')));
});

test('paper:raspi reads as a named device and --accuracy paper as the 1617 accuracies', () => {
  const raspi = parseResults(paperResults(paperData(), 'raspi'), 'paper:raspi');
  assert.equal(raspi.device?.name, 'Raspberry Pi 3B+ (paper)');
  assert.equal(raspi.measurements.length, 1617);
  assert.equal(raspi.problems.length, 0);
  assert.equal(raspi.measurements[687]!.latencyMs, 5.970425075954861);
  const accuracy = loadAccuracyFile('paper');
  assert.equal(accuracy.byIndex.size, 1617);
  assert.equal(accuracy.byIndex.get(611)!.accuracy, 0.8130999755859375);
  assert.equal(paperDeviceOf('results/x.json'), undefined);
  assert.throws(() => paperDeviceOf('paper:pi'), /unknown built-in results 'paper:pi': use paper:raspi or paper:macbook, or a file/);
});
