// A small seeded PRNG so training, sampling and synthetic data are reproducible from one integer
// seed. xoshiro128** (Blackman & Vigna): 32-bit state words keep it fast in JS without BigInt.

export interface Rng {
  /** Uniform in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A 32-bit unsigned integer, e.g. to seed a derived generator. */
  uint32(): number;
}

/** splitmix32: spreads a possibly small or sequential seed over the whole state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = null;

  function uint32(): number {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  }
  function next(): number {
    return uint32() / 4294967296;
  }
  return {
    next,
    uint32,
    int: (n: number) => Math.floor(next() * n),
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Derives an independent seed for sub-task `index` of a run seeded with `seed` (e.g. restart i of k). */
export function deriveSeed(seed: number, ...index: number[]): number {
  let h = seed >>> 0;
  for (const i of index) h = splitmix32((h ^ Math.imul(i + 1, 0x27d4eb2d)) >>> 0)();
  return h;
}

/**
 * Indices of a uniform sample of `size` out of `n` without replacement, in increasing order
 * (a partial Fisher-Yates shuffle; all of 0..n-1 when size >= n).
 */
export function sampleIndices(n: number, size: number, rng: Rng): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, size).sort();
}
