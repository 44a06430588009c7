import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser build of the Vega runtime, to inline into self-contained HTML. */
export async function vegaBrowserSource(): Promise<string> {
  const moduleFile = fileURLToPath(import.meta.resolve('vega'));
  return readFile(join(dirname(moduleFile), 'vega.min.js'), 'utf8');
}
