/** An error caused by the user's input: the CLI prints its one-line message (problem and fix) without a stack. */
export class IotnetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IotnetsError';
  }
}

/** Throws an IotnetsError with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new IotnetsError(typeof message === 'function' ? message() : message);
}
