// Deterministic samples shared with reference/drift_reference.py (same minstd LCG and the
// same arithmetic, so both sides see bit-identical doubles).
const M = 2147483647;
const A = 48271;
const SQRT3 = Math.sqrt(3);

export function uniform(seed: number, n: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * A) % M;
    out.push(s / M);
  }
  return out;
}

/** Irwin-Hall(4) scaled to the given mean and standard deviation. */
export function normalish(seed: number, n: number, mean: number, sd: number): Float64Array {
  const u = uniform(seed, 4 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = (u[4 * i] + u[4 * i + 1] + u[4 * i + 2] + u[4 * i + 3] - 2) * SQRT3 * sd + mean;
  return out;
}

export function integers(seed: number, n: number, k: number): Float64Array {
  return Float64Array.from(uniform(seed, n), (x) => Math.floor(x * k));
}

export function sorted(values: Float64Array): Float64Array {
  return values.slice().sort();
}
