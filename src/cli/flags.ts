import { PROTOCOL_SETTINGS } from '../runtime/protocols.js';

/** Library fields whose flag is not `--` and the field's kebab-case name. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  ...Object.fromEntries(PROTOCOL_SETTINGS.map((s) => [s.key, `--${s.option}`])),
  command: '--trainer',
  inputShape: '--input-size',
  labelsFile: '--labels',
  numClasses: '--classes',
  output: '-o',
  precisions: '--precision',
  timeoutMs: '--trainer-timeout',
};

/** The flag that sets library field `key`: `out` -> `--out`, `targetRelativeCi` -> `--target-ci`. */
export function flagOf(key: string): string {
  return FLAG_OF_FIELD[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A library message in CLI terms: each field it names (`key` in backticks, see errors.ts's field) becomes its flag. */
export function withFlags(message: string): string {
  return message.replace(/`([a-z][A-Za-z]*)`/g, (_, key: string) => flagOf(key));
}
