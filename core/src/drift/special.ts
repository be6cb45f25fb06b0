// Special functions the drift tests need (log-gamma, regularised incomplete gamma, normal
// tail). They follow Cephes, the library scipy's p-values come from, so our p-values agree
// with scipy's to ~1e-12 rather than merely "closely".

const MACHEP = 1.1102230246251565e-16;
const MAXLOG = 709.782712893384;
const BIG = 4.503599627370496e15;
const BIGINV = 2.22044604925031308085e-16;
const LOG_SQRT_2PI = 0.9189385332046728;

// Stirling-series coefficients B_{2j}/(2j(2j-1)), highest order first.
export const STIRLING = [
  -3617 / 122400,
  1 / 156,
  -691 / 360360,
  1 / 1188,
  -1 / 1680,
  1 / 1260,
  -1 / 360,
  1 / 12,
] as const;

function polyval(coeffs: readonly number[], x: number): number {
  let acc = 0;
  for (const c of coeffs) acc = acc * x + c;
  return acc;
}

/** log Γ(x) for x > 0. Shifts small arguments up so the Stirling series is accurate to ~1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  let shift = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
    // Keep the running product finite; fold it into the log every so often.
    if (prod > 1e280) {
      shift += Math.log(prod);
      prod = 1;
    }
  }
  shift += Math.log(prod);
  const r = 1 / x;
  return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + r * polyval(STIRLING, r * r) - shift;
}

/** Lower regularised incomplete gamma P(a, x) (Cephes igam). */
export function gammaP(a: number, x: number): number {
  if (x <= 0 || a <= 0) return 0;
  if (x > 1 && x > a) return 1 - gammaQ(a, x);
  let ax = a * Math.log(x) - x - logGamma(a);
  if (ax < -MAXLOG) return 0;
  ax = Math.exp(ax);
  let r = a;
  let c = 1;
  let ans = 1;
  do {
    r += 1;
    c *= x / r;
    ans += c;
  } while (c / ans > MACHEP);
  return (ans * ax) / a;
}

/** Upper regularised incomplete gamma Q(a, x) = 1 - P(a, x) (Cephes igamc, continued fraction). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) return NaN;
  if (x === Infinity) return 0;
  if (x < 1 || x < a) return 1 - gammaP(a, x);
  let ax = a * Math.log(x) - x - logGamma(a);
  if (ax < -MAXLOG) return 0;
  ax = Math.exp(ax);
  let y = 1 - a;
  let z = x + y + 1;
  let c = 0;
  let pkm2 = 1;
  let qkm2 = x;
  let pkm1 = x + 1;
  let qkm1 = z * x;
  let ans = pkm1 / qkm1;
  let t: number;
  do {
    c += 1;
    y += 1;
    z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc;
    const qk = qkm1 * z - qkm2 * yc;
    if (qk !== 0) {
      const r = pk / qk;
      t = Math.abs((ans - r) / r);
      ans = r;
    } else {
      t = 1;
    }
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    if (Math.abs(pk) > BIG) {
      pkm2 *= BIGINV;
      pkm1 *= BIGINV;
      qkm2 *= BIGINV;
      qkm1 *= BIGINV;
    }
  } while (t > MACHEP);
  return ans * ax;
}

/** Survival function of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareSf(x: number, dof: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammaQ(dof / 2, x / 2);
}

/**
 * Upper tail of the standard normal, P(Z > z). Computed as erfc(z/√2)/2 = Q(1/2, z²/2)/2 for
 * z >= 0, so tiny tails keep their precision instead of rounding to 0 through 1 - Φ(z).
 */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 1 - normalSf(-z);
  return 0.5 * gammaQ(0.5, (z * z) / 2);
}
