// The drift statistics against values scipy computed on the same samples
// (reference/drift_reference.py wrote reference/drift_scipy_values.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ksTwoSample, ksStatistic, roundHalfEven } from '../src/drift/ks.ts';
import { kolmogorovSf } from '../src/drift/kolmogorov.ts';
import { chiSquareSf, normalSf, logGamma } from '../src/drift/special.ts';
import {
  binnedShares,
  chiSquareTest,
  countCategories,
  countSortedValues,
  histogramCounts,
  histogramEdges,
  jensenShannonDistance,
  normalisedWasserstein,
  populationStabilityIndex,
  zTest,
} from '../src/drift/stats.ts';
import { SCIPY } from './reference/drift_scipy_values.ts';
import { integers, normalish, sorted, uniform } from './drift-samples.ts';

function close(actual: number, expected: number, rtol: number, what: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-300;
  assert.ok(ok, `${what}: got ${actual}, scipy says ${expected} (rtol ${rtol})`);
}

const KS_SAMPLES: Record<string, [Float64Array, Float64Array]> = {
  eq50: [normalish(11, 50, 0, 1), normalish(12, 50, 0.4, 1)],
  n60n45: [normalish(21, 60, 0, 1), normalish(22, 45, 0.3, 1.2)],
  ties: [integers(31, 100, 12), integers(32, 80, 13)],
  same: [normalish(41, 300, 5, 2), normalish(42, 250, 5, 2)],
  asympSmallN: [normalish(51, 100, 0, 1), normalish(52, 20000, 0.2, 1)],
  asympLarge: [normalish(61, 15000, 0, 1), normalish(62, 12000, 0.03, 1)],
  asympDrift: [normalish(71, 12000, 0, 1), normalish(72, 11000, 0.1, 1)],
};

describe('two-sample KS (scipy ks_2samp, method auto)', () => {
  for (const ref of SCIPY.ks) {
    test(ref.name, () => {
      const [a, b] = KS_SAMPLES[ref.name];
      const r = ksTwoSample(sorted(a), sorted(b));
      close(r.statistic, ref.statistic, 1e-12, 'statistic');
      close(r.pValue, ref.pValue, ref.name.startsWith('asymp') ? 1e-8 : 1e-10, 'p-value');
      assert.equal(r.method, Math.max(a.length, b.length) <= 10000 ? 'exact' : 'asymp');
    });
  }

  test('is symmetric in its samples and 0 for identical samples', () => {
    const [a, b] = KS_SAMPLES.n60n45.map(sorted);
    assert.deepEqual(ksTwoSample(a, b), ksTwoSample(b, a));
    const same = ksTwoSample(a, a);
    assert.equal(same.statistic, 0);
    assert.equal(same.pValue, 1);
  });

  test('statistic of fully separated samples is 1', () => {
    assert.equal(ksStatistic(Float64Array.of(1, 2, 3), Float64Array.of(4, 5)), 1);
  });

  test('rejects an empty sample', () => {
    assert.throws(() => ksTwoSample(new Float64Array(0), Float64Array.of(1)), /at least one value/);
  });

  test('rounds halves to even like numpy', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 99.5, 100.5, 3.2].map(roundHalfEven), [0, 2, 2, 100, 100, 3]);
  });
});

describe('kstwo.sf over every region of scipy kolmogn', () => {
  for (const ref of SCIPY.kstwo) {
    test(`n=${ref.n} x=${ref.x}`, () => {
      close(kolmogorovSf(ref.n, ref.x), ref.sf, 1e-8, `kstwo.sf(${ref.x}, ${ref.n})`);
    });
  }
});

describe('special functions', () => {
  test('chi-square survival', () => {
    for (const ref of SCIPY.chi2sf)
      close(chiSquareSf(ref.x, ref.dof), ref.sf, 1e-11, `chi2.sf(${ref.x}, ${ref.dof})`);
  });
  test('normal survival keeps tiny tails', () => {
    for (const ref of SCIPY.normsf) close(normalSf(ref.z), ref.sf, 1e-11, `norm.sf(${ref.z})`);
  });
  test('log-gamma at integers is log factorial', () => {
    assert.ok(Math.abs(logGamma(1)) < 1e-14, 'lgamma(1) is 0');
    close(logGamma(11), Math.log(3628800), 1e-14, 'lgamma(11)');
    close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14, 'lgamma(0.5)');
  });
});

describe('chi-square and z tests (Evidently definitions)', () => {
  test('chi-square of current counts against reference proportions', () => {
    const ref = integers(81, 400, 4);
    const cur = integers(82, 300, 5).map((v) => v % 4);
    const r = chiSquareTest(countSortedValues(sorted(ref), sorted(cur)));
    close(r.statistic, SCIPY.chisquare.statistic, 1e-12, 'statistic');
    close(r.pValue, SCIPY.chisquare.pValue, 1e-10, 'p-value');
  });

  test('chi-square: a value the reference never had gives p = 0', () => {
    const r = chiSquareTest(countCategories(['a', 'b', 'a'], ['a', 'c']));
    assert.equal(r.statistic, Infinity);
    assert.equal(r.pValue, 0);
  });

  test('z-test on two proportions', () => {
    const ref = integers(91, 500, 2);
    const cur = Float64Array.from(uniform(92, 400), (u) => (u < 0.58 ? 0 : 1));
    const r = zTest(countSortedValues(sorted(ref), sorted(cur)));
    close(r.statistic, SCIPY.z.statistic, 1e-12, 'z');
    close(r.pValue, SCIPY.z.pValue, 1e-10, 'p-value');
  });

  test('z-test of one shared value is p = 1', () => {
    assert.deepEqual(zTest(countCategories(['x', 'x'], ['x'])), { statistic: 0, pValue: 1 });
  });
});

describe('distances', () => {
  test('Wasserstein over the reference population std', () => {
    const d = normalisedWasserstein(
      sorted(normalish(101, 3000, 10, 2)),
      sorted(normalish(102, 2500, 10.5, 2.5)),
    );
    close(d, SCIPY.wasserstein, 1e-10, 'normalised Wasserstein');
  });

  test('Wasserstein with a constant reference uses the 0.001 floor', () => {
    const cur = normalish(102, 2500, 10.5, 2.5).subarray(0, 40);
    close(
      normalisedWasserstein(new Float64Array(50).fill(3), sorted(cur)),
      SCIPY.wassersteinConst,
      1e-10,
      'floor',
    );
  });

  const hRef = sorted(normalish(111, 2000, 0, 1));
  const hCur = sorted(normalish(112, 1500, 0.25, 1.1));
  const hist = { a: hRef, b: hCur, referenceUnique: 2000 };
  const hCounts = countSortedValues(hRef, hCur);

  test('Jensen-Shannon over 30 histogram bins', () => {
    const s = binnedShares(hCounts, hist, false);
    assert.equal(s.reference.length, 30);
    close(jensenShannonDistance(s.reference, s.current), SCIPY.jsHistogram, 1e-12, 'JS');
  });

  test('PSI over 30 histogram bins with empty bins filled', () => {
    const s = binnedShares(hCounts, hist, true);
    close(populationStabilityIndex(s.reference, s.current), SCIPY.psiHistogram, 1e-12, 'PSI');
  });

  const vRef = sorted(integers(121, 2000, 4));
  const vCur = sorted(integers(122, 1500, 5));
  const vNum = { a: vRef, b: vCur, referenceUnique: 4 };
  const vCounts = countSortedValues(vRef, vCur);

  test('Jensen-Shannon over distinct values (<= 20 in the reference)', () => {
    const s = binnedShares(vCounts, vNum, false);
    assert.equal(s.reference.length, 5);
    close(jensenShannonDistance(s.reference, s.current), SCIPY.jsValues, 1e-12, 'JS');
  });

  test('PSI over distinct values fills the share of a value new in current', () => {
    const s = binnedShares(vCounts, vNum, true);
    assert.ok(s.reference.every((v) => v > 0));
    close(populationStabilityIndex(s.reference, s.current), SCIPY.psiValues, 1e-12, 'PSI');
  });

  test('histogram edges and counts follow numpy (last bin closed, constant data widened)', () => {
    const a = Float64Array.of(0, 1, 2, 3, 4);
    const edges = histogramEdges(a, Float64Array.of(), 4);
    assert.deepEqual(Array.from(edges), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(histogramCounts(a, edges)), [1, 1, 1, 2]);
    assert.deepEqual(Array.from(histogramEdges(Float64Array.of(7, 7), Float64Array.of(7), 2)), [6.5, 7, 7.5]);
  });
});
