/**
 * Node's `process.hrtime.bigint()` for the browser bundle, which substitutes it wherever the shared runtime code
 * (runtime/timing.ts) reads the clock: the browser's monotonic clock is performance.now(), in ms.
 */
export const browserHrtimeBigint = (): bigint => BigInt(Math.round(performance.now() * 1e6));
