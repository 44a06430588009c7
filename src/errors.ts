/** An error caused by the user's input: the CLI prints its one-line message (problem and fix) without a stack. */
export class IotnetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IotnetsError';
  }
}

/**
 * How a library message names an option field (`out`, `warmup`, `targetRelativeCi`): the field's key in backticks,
 * so that an API or browser user reads the field they set, and the CLI shows the flag that sets it instead.
 */
export function field(key: string): string {
  return `\`${key}\``;
}

/** Throws an IotnetsError with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new IotnetsError(typeof message === 'function' ? message() : message);
}

/** Longest stretch of input text a message quotes. */
const QUOTED_CHARS = 80;

/**
 * Text taken from a file or a request, made safe to print in a one-line message: control characters (newlines,
 * terminal escape sequences), invisible and direction-changing characters and lone surrogates shown as \xNN / \uNNNN
 * escapes, cut to `max` characters.
 */
export function escapeForMessage(text: string, max = QUOTED_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.replace(/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|\p{Cs}/gu, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
