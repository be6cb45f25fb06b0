// The persona tests' statistics against scipy/numpy on the same samples
// (reference/drift_reference.py wrote reference/drift_scipy_values.ts): the persona-mix
// chi-square and Jensen-Shannon distance, each persona's share test, nearest-centroid
// distances and their quantiles, novelty, and a per-persona KS with its Bonferroni threshold.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifact } from '../src/artifact/types.ts';
import type { DriftColumn } from '../src/drift/column.ts';
import { assignPersonas, UNASSIGNED } from '../src/drift/personas/assign.ts';
import { personaMixDrift, PERSONA_CHANGE_ALPHA } from '../src/drift/personas/mix.ts';
import { noveltyDrift } from '../src/drift/personas/novelty.ts';
import { perPersonaDrift } from '../src/drift/personas/per-persona.ts';
import { quantileAt, quantileGrid, shareBelow } from '../src/drift/personas/quantiles.ts';
import { sortFloat64 } from '../src/drift/sort.ts';
import { SCIPY } from './reference/drift_scipy_values.ts';
import { normalish } from './drift-samples.ts';

function close(actual: number, expected: number, rtol: number, what: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-300;
  assert.ok(ok, `${what}: got ${actual}, scipy says ${expected} (rtol ${rtol})`);
}

const NAMES = ['Steve', 'Haley', 'Brian', 'Paula', 'Dana', 'Tom'];
const { personaMix: MIX, distances: DIST, perPersonaKs: KS } = SCIPY;

describe('persona mix', () => {
  test('up to 1000 reference rows: chi-square of homogeneity (scipy chi2_contingency)', () => {
    const r = personaMixDrift(NAMES, [...MIX.reference], [...MIX.current]);
    assert.equal(r.test, 'chisquare');
    close(r.statistic, MIX.chi2, 1e-12, 'chi2');
    close(r.pValue!, MIX.pValue, 1e-10, 'p-value');
    assert.equal(r.threshold, 0.05);
    assert.equal(r.drifted, true);
    assert.equal(r.referenceRows, 500);
    r.personas.forEach((p, i) => close(p.pValue, MIX.shareP[i], 1e-10, `${p.name} share p`));
  });

  test('the personas that moved: significant after Bonferroni over the personas, in a drifted mix', () => {
    const r = personaMixDrift(NAMES, [...MIX.reference], [...MIX.current]);
    const alpha = PERSONA_CHANGE_ALPHA / NAMES.length;
    assert.deepEqual(
      r.personas.map((p) => p.change),
      MIX.shareP.map((p, i) =>
        p >= alpha ? 'steady' : MIX.current[i] / 500 > MIX.reference[i] / 500 ? 'grew' : 'shrank',
      ),
    );
    assert.deepEqual(
      r.personas.filter((p) => p.change !== 'steady').map((p) => `${p.name} ${p.change}`),
      ['Steve shrank', 'Brian grew'],
    );
    assert.equal(r.personas[2].referenceShare, 0.2);
    assert.equal(r.personas[2].currentShare, 0.38);
  });

  test('above 1000 reference rows: Jensen-Shannon distance (scipy jensenshannon)', () => {
    const r = personaMixDrift(NAMES, [...MIX.bigReference], [...MIX.bigCurrent]);
    assert.equal(r.test, 'jensenshannon');
    close(r.statistic, MIX.js, 1e-12, 'JS distance');
    assert.equal(r.pValue, null);
    assert.equal(r.drifted, MIX.js >= 0.1);
  });

  test('two personas: the z-test; a steady mix names no persona', () => {
    const r = personaMixDrift(['a', 'b'], [300, 200], [290, 210]);
    assert.equal(r.test, 'z');
    assert.equal(r.drifted, false);
    assert.ok(r.personas.every((p) => p.change === 'steady'));
  });

  test('test and threshold can be overridden', () => {
    const r = personaMixDrift(NAMES, [...MIX.reference], [...MIX.current], { test: 'psi', threshold: 0.5 });
    assert.equal(r.test, 'psi');
    assert.equal(r.threshold, 0.5);
  });
});

/** A model over three numeric features with the identity encoding and the python script's centroids. */
function identityModel(): Pick<ModelArtifact, 'features' | 'personas'> {
  return {
    features: ['x', 'y', 'z'].map((name) => ({ name, type: 'numeric' as const, mean: 0, std: 1, scale: 1 })),
    personas: DIST.centroids.map((c, id) => ({
      id,
      name: `p${id}`,
      centroid: { x: c[0], y: c[1], z: c[2] },
      scaled: [...c],
    })),
  };
}

const columns = (seed: number, n: number, mean: number): DriftColumn[] =>
  ['x', 'y', 'z'].map((name, j) => ({
    name,
    type: 'numeric' as const,
    values: normalish(seed + j, n, mean, 1.5),
  }));

describe('nearest-persona assignment and the distance distribution', () => {
  const points = columns(300, 600, 0);
  const a = assignPersonas(identityModel(), points);

  test('distances and labels are scipy cdist(...).min / argmin', () => {
    DIST.first.forEach((d, i) => close(a.distances[i], d, 1e-12, `distance ${i}`));
    const counts = [0, 0, 0, 0];
    for (const l of a.labels) counts[l]++;
    assert.deepEqual(counts, DIST.labelCounts);
    assert.equal(a.assignedRows, 600);
    assert.deepEqual(a.issues, []);
  });

  test('the quantile grid is numpy.quantile at 0, 0.001, ..., 1; read back as numpy.interp', () => {
    const grid = quantileGrid(sortFloat64(Float64Array.from(a.distances)));
    assert.equal(grid.length, 1001);
    for (const { i, q } of DIST.grid) close(grid[i], q, 1e-12, `quantile ${i / 1000}`);
    for (const { p, q } of DIST.interp) close(quantileAt(grid, p), q, 1e-12, `quantile at ${p}`);
    assert.equal(shareBelow(grid, grid[0] - 1), 0);
    assert.equal(shareBelow(grid, grid[1000]), 1);
    close(shareBelow(grid, quantileAt(grid, 0.9905)), 0.9905, 1e-9, 'shareBelow inverts quantileAt');
  });

  test('novelty counts the rows beyond the 99th percentile', () => {
    const grid = quantileGrid(sortFloat64(Float64Array.from(a.distances)));
    const r = noveltyDrift(grid, a.distances, { percentile: 0.99, maxShare: 0.05 });
    assert.equal(r.rowsBeyond, DIST.beyond99);
    assert.equal(r.assignedRows, 600);
    close(r.share, DIST.beyond99 / 600, 1e-15, 'share');
    close(r.expectedShare, 0.01, 1e-12, 'expected share');
    assert.equal(r.drifted, false);
    const total = (xs: number[]) => xs.reduce((s, v) => s + v, 0);
    close(total(r.distribution.reference), 1, 1e-9, 'reference histogram');
    close(total(r.distribution.current), 1, 1e-12, 'current histogram');
  });

  test('a row with a missing value is counted and left out; an unknown category is placed', () => {
    const model: Pick<ModelArtifact, 'features' | 'personas'> = {
      features: [
        { name: 'age', type: 'numeric', mean: 40, std: 10, scale: 10 },
        { name: 'channel', type: 'categorical', categories: ['store', 'web'] },
      ],
      personas: [
        { id: 0, name: 'young', centroid: { age: 30, channel: 'web' }, scaled: [-1, 0, 1] },
        { id: 1, name: 'old', centroid: { age: 60, channel: 'store' }, scaled: [2, 1, 0] },
      ],
    };
    const r = assignPersonas(model, [
      { name: 'channel', type: 'categorical', values: ['web', 'store', null, 'fax', 'web'] },
      { name: 'age', type: 'numeric', values: Float64Array.of(30, 61, 40, 30, NaN) },
    ]);
    assert.deepEqual([...r.labels], [0, 1, UNASSIGNED, 0, UNASSIGNED]);
    assert.equal(r.distances[0], 0);
    close(r.distances[3], 1, 1e-15, 'unknown category: one-hot all zero');
    assert.equal(r.assignedRows, 3);
    assert.deepEqual(r.issues, [
      { column: 'age', missing: 1, unknownCategories: 0, unknownExamples: [] },
      { column: 'channel', missing: 1, unknownCategories: 1, unknownExamples: ['fax'] },
    ]);
  });
});

describe('per-persona drift', () => {
  const model = identityModel();
  const reference = { columns: columns(300, 600, 0) };
  const current = { columns: columns(400, 500, 0.2) };
  const refLabels = assignPersonas(model, reference.columns).labels;
  const curLabels = assignPersonas(model, current.columns).labels;
  const names = model.personas.map((p) => p.name);

  test("each persona's rows are tested apart (scipy ks_2samp), the false-alarm rate split over the tests", () => {
    const r = perPersonaDrift(names, reference, refLabels, current, curLabels, {
      perPersona: { minRows: 30 },
    });
    const p0 = r.personas[0];
    assert.equal(p0.tested, true);
    assert.equal(p0.referenceRows, KS.n);
    assert.equal(p0.currentRows, KS.m);
    const x = p0.columns[0];
    assert.equal(x.test, 'ks');
    close(x.statistic, KS.statistic, 1e-12, 'KS D');
    close(x.pValue!, KS.pValue, 1e-10, 'KS p');
    assert.equal(r.tests, r.personasTested * 3);
    assert.equal(r.falseAlarmRate, 0.01);
    assert.equal(x.threshold, 0.01 / r.tests);
    assert.equal(
      r.personasTested,
      r.personas.filter((p) => p.referenceRows >= 30 && p.currentRows >= 30).length,
    );
  });

  test('a persona below minRows on either side is listed, not tested', () => {
    const r = perPersonaDrift(names, reference, refLabels, current, curLabels, {
      perPersona: { minRows: 10_000 },
    });
    assert.equal(r.personasTested, 0);
    assert.ok(r.personas.every((p) => !p.tested && p.columns.length === 0 && !p.drifted));
  });

  test('a persona moved when any of its features drifted', () => {
    // The reference rows again, with y moved for persona 0's rows only.
    const y = Float64Array.from(reference.columns[1].values as Float64Array, (v, i) =>
      refLabels[i] === 0 ? v + 3 : v,
    );
    const moved = {
      columns: [
        reference.columns[0],
        { name: 'y', type: 'numeric' as const, values: y },
        reference.columns[2],
      ],
    };
    const r = perPersonaDrift(names, reference, refLabels, moved, refLabels);
    assert.deepEqual(
      r.personas.map((p) => [p.name, p.drifted, p.columns.filter((c) => c.drifted).map((c) => c.name)]),
      [
        ['p0', true, ['y']],
        ['p1', false, []],
        ['p2', false, []],
        ['p3', false, []],
      ],
    );
  });
});
