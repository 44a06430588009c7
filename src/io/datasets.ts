import { extname } from 'node:path';
import { check, field } from '../errors.js';
import { readFileBytes } from './files-node.js';

/** Labelled or unlabelled network inputs, `count` samples of one shape back to back. */
export interface Dataset {
  readonly data: Float32Array;
  readonly count: number;
  /** One class per sample, when the dataset is labelled. */
  readonly labels?: Uint8Array;
  /** Where the samples came from, e.g. "test_batch.bin (10000 CIFAR-10 images)". */
  readonly label: string;
}

/**
 * Per-channel mean and standard deviation the paper's CIFAR-10 models were trained with (the transforms.Normalize of
 * kuangliu/pytorch-cifar, where its networks come from): pixels are scaled to [0, 1], then (x - mean) / std.
 */
const CIFAR_MEAN = [0.4914, 0.4822, 0.4465] as const;
const CIFAR_STD = [0.2023, 0.1994, 0.201] as const;

/** One CIFAR-10 binary record: a label byte, then 1024 red, 1024 green and 1024 blue pixel bytes. */
const CIFAR_PIXELS = 3 * 32 * 32;
const CIFAR_RECORD = 1 + CIFAR_PIXELS;

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function checkLabels(labels: Uint8Array, numClasses: number, file: string): void {
  const bad = labels.findIndex((l) => l >= numClasses);
  check(bad < 0, () => `${file}: sample ${bad} has label ${labels[bad]}, outside 0..${numClasses - 1}; pass a dataset of ${numClasses} classes or ${field('numClasses')} ${labels[bad]! + 1}`);
}

/** Parses the CIFAR-10 binary batch format (test_batch.bin), normalised with CIFAR_MEAN/CIFAR_STD. */
export function parseCifarBatch(bytes: Uint8Array, file: string, numClasses: number): Dataset {
  check(
    bytes.length > 0 && bytes.length % CIFAR_RECORD === 0,
    `${file}: ${bytes.length} bytes is not a whole number of CIFAR-10 records (${CIFAR_RECORD} bytes: 1 label + 3072 pixels); pass an unmodified test_batch.bin`,
  );
  const count = bytes.length / CIFAR_RECORD;
  const data = new Float32Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    const record = s * CIFAR_RECORD;
    labels[s] = bytes[record]!;
    for (let i = 0; i < CIFAR_PIXELS; i++) {
      const channel = Math.floor(i / 1024);
      data[s * CIFAR_PIXELS + i] = (bytes[record + 1 + i]! / 255 - CIFAR_MEAN[channel]!) / CIFAR_STD[channel]!;
    }
  }
  checkLabels(labels, numClasses, file);
  return { data, count, labels, label: `${file} (${count} CIFAR-10 images)` };
}

/** Parses raw float32 little-endian inputs of `sampleShape`, and optional one-byte labels. */
export function parseRawInputs(
  bytes: Uint8Array,
  file: string,
  sampleShape: readonly number[],
  labels?: { readonly bytes: Uint8Array; readonly file: string; readonly numClasses: number },
): Dataset {
  const sampleBytes = 4 * sampleShape.reduce((a, b) => a * b, 1);
  check(
    bytes.length > 0 && bytes.length % sampleBytes === 0,
    `${file}: ${bytes.length} bytes is not a whole number of float32 inputs of shape [${sampleShape.join(',')}] (${sampleBytes} bytes each); pass inputs of the network's input shape`,
  );
  const count = bytes.length / sampleBytes;
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (!labels) return { data, count, label: `${file} (${count} inputs)` };
  check(
    labels.bytes.length === count,
    `${labels.file}: ${labels.bytes.length} labels for the ${count} inputs of ${file}; pass one label byte per input`,
  );
  checkLabels(labels.bytes, labels.numClasses, labels.file);
  return { data, count, labels: labels.bytes, label: `${file} (${count} inputs, labels ${labels.file})` };
}

/**
 * Reads a dataset: a CIFAR-10 binary batch (`.bin`) or raw float32 inputs (any other name) with `labelsFile` (one
 * byte per sample) beside them; `sampleShape` is the network's input shape.
 */
export function loadDataset(file: string, sampleShape: readonly number[], numClasses: number, labelsFile?: string): Dataset {
  if (extname(file).toLowerCase() === '.bin') {
    check(labelsFile === undefined, `${file} is a CIFAR-10 batch with its own labels; drop ${field('labelsFile')}`);
    check(sameShape(sampleShape, [3, 32, 32]), `${file} holds 32x32 CIFAR-10 images, the network takes [${sampleShape.join(',')}]; pass inputs of its shape as float32`);
    return parseCifarBatch(readFileBytes(file), file, numClasses);
  }
  const labels = labelsFile === undefined ? undefined : { bytes: readFileBytes(labelsFile), file: labelsFile, numClasses };
  return parseRawInputs(readFileBytes(file), file, sampleShape, labels);
}
