/** A dense row-major matrix: `rows` x `cols` numbers in `data`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Least-squares solution of A[:, columns] s = b by Householder QR (columns assumed linearly independent). */
function leastSquares(a: Matrix, columns: readonly number[], b: Float64Array): Float64Array {
  const m = a.rows;
  const p = columns.length;
  // Column-major copy of the chosen columns, reduced in place to R; rhs becomes Q^T b.
  const r = new Float64Array(m * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < m; i++) r[j * m + i] = a.data[i * a.cols + columns[j]!]!;
  const rhs = Float64Array.from(b);
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[k * m + i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[k * m + k]! > 0 ? -norm : norm;
    // Householder vector v = x - alpha e_k, stored over column k's entries k..m-1.
    r[k * m + k] = r[k * m + k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += r[k * m + i]! ** 2;
    const reflect = (col: Float64Array, offset: number) => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += r[k * m + i]! * col[offset + i]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) col[offset + i] = col[offset + i]! - f * r[k * m + i]!;
    };
    for (let j = k + 1; j < p; j++) reflect(r, j * m);
    reflect(rhs, 0);
    for (let i = k + 1; i < m; i++) r[k * m + i] = 0;
    r[k * m + k] = alpha;
  }
  const s = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    let sum = rhs[k]!;
    for (let j = k + 1; j < p; j++) sum -= r[j * m + k]! * s[j]!;
    const diag = r[k * m + k]!;
    s[k] = diag === 0 ? 0 : sum / diag;
  }
  return s;
}

/** A^T (b - A x). */
function negativeGradient(a: Matrix, b: Float64Array, x: Float64Array): Float64Array {
  const w = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    let residual = b[i]!;
    for (let j = 0; j < a.cols; j++) residual -= a.data[i * a.cols + j]! * x[j]!;
    for (let j = 0; j < a.cols; j++) w[j] = w[j]! + a.data[i * a.cols + j]! * residual;
  }
  return w;
}

/**
 * Non-negative least squares, min ||A x - b|| subject to x >= 0, by the Lawson–Hanson active-set method.
 * Columns should be scaled to comparable norms: the tolerance is relative to the largest gradient entry.
 */
export function nnls(a: Matrix, b: Float64Array): Float64Array {
  const n = a.cols;
  const x = new Float64Array(n);
  const passive = new Array<boolean>(n).fill(false);
  let w = negativeGradient(a, b, x);
  const tolerance = 1e-12 * Math.max(1, ...Array.from(w, Math.abs));
  for (let outer = 0; outer < 3 * n; outer++) {
    let t = -1;
    for (let j = 0; j < n; j++) if (!passive[j] && w[j]! > tolerance && (t < 0 || w[j]! > w[t]!)) t = j;
    if (t < 0) break;
    passive[t] = true;
    for (;;) {
      const columns = [...passive.keys()].filter((j) => passive[j]);
      const s = leastSquares(a, columns, b);
      if (s.every((v) => v > 0)) {
        x.fill(0);
        columns.forEach((j, k) => (x[j] = s[k]!));
        break;
      }
      // Step from x toward s until the first passive variable reaches zero, then drop every variable at zero.
      let step = 1;
      let blocking = -1;
      columns.forEach((j, k) => {
        if (s[k]! > 0) return;
        const candidate = x[j] === 0 ? 0 : x[j]! / (x[j]! - s[k]!);
        if (blocking < 0 || candidate < step) [step, blocking] = [candidate, j];
      });
      columns.forEach((j, k) => (x[j] = j === blocking ? 0 : x[j]! + step * (s[k]! - x[j]!)));
      for (const j of columns) if (x[j]! <= 0) [x[j], passive[j]] = [0, false];
      if (!passive.some(Boolean)) break;
    }
    w = negativeGradient(a, b, x);
  }
  return x;
}
