import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { IotnetsError } from '../errors.js';
import { readFileBytes, readTextFile } from '../io/files-node.js';
import { importOnnx, type ImportedModel, type ImportOptions } from './import.js';

/** An imported ONNX file: the model, the file's name and the SHA-256 of its bytes (what results key it by). */
export interface OnnxFile extends ImportedModel {
  readonly path: string;
  readonly file: string;
  readonly sha256: string;
}

/** The SHA-256 of a file's bytes in hex, which results key an ONNX file by. */
export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Reads and imports one ONNX file; any problem is one line naming the file. */
export function loadOnnxFile(path: string, options: ImportOptions = {}): OnnxFile {
  const bytes = readFileBytes(path);
  const model = importOnnx(bytes, basename(path), options);
  return { ...model, path, file: basename(path), sha256: sha256Hex(bytes) };
}

/** Whether a network argument names an ONNX file rather than a zoo model. */
export function isOnnxPath(name: string): boolean {
  return extname(name).toLowerCase() === '.onnx';
}

/**
 * The ONNX files that `sources` name, in order and without repeats: files as given, directories by their *.onnx
 * files (sorted), and list files (any other extension) by their lines, each a path relative to the list.
 */
export function expandOnnxSources(sources: readonly string[]): string[] {
  const files: string[] = [];
  for (const source of sources) {
    let stat;
    try {
      stat = statSync(source);
    } catch {
      throw new IotnetsError(`${source}: no such file or directory; pass .onnx files, a directory of them, or a list file`);
    }
    if (stat.isDirectory()) {
      const found = readdirSync(source).filter(isOnnxPath).sort();
      if (found.length === 0) throw new IotnetsError(`${source} holds no .onnx files; pass a directory of ONNX models`);
      files.push(...found.map((f) => join(source, f)));
    } else if (isOnnxPath(source)) {
      files.push(source);
    } else {
      const lines = readTextFile(source).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      if (lines.length === 0) throw new IotnetsError(`${source} lists no ONNX files; write one path per line`);
      const notOnnx = lines.find((l) => !isOnnxPath(l));
      if (notOnnx !== undefined) throw new IotnetsError(`${source} lists ${notOnnx}, which is not an .onnx file; list one ONNX path per line`);
      files.push(...lines.map((l) => resolve(dirname(source), l)));
    }
  }
  return [...new Set(files)];
}
