import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TrainSpecError, type TrainSpec } from '../src/train/spec.ts';
import { trainModel } from '../src/train/train.ts';
import { parseArtifact } from '../src/artifact/validate.ts';
import { createScorer } from '../src/scoring/scorer.ts';
import { InputError } from '../src/data/input-error.ts';
import { selectRows, tableRow, type Table } from '../src/data/table.ts';
import { generateSeedScenario } from '../src/synth/seed-scenario.ts';

const scenario = generateSeedScenario({ rowsPerMonth: 300, seed: 7 });
const january = scenario.months[0].table;

function spec(extra: Partial<TrainSpec> = {}): TrainSpec {
  return {
    features: scenario.features,
    mode: 'fit',
    k: { min: 4, max: 7 },
    nInit: 3,
    seed: 1,
    workers: 1,
    ...extra,
  };
}

describe('trainModel', () => {
  test('fit: picks k by silhouette, recovers the six personas with their names, and validates', async () => {
    const events: string[] = [];
    const artifact = await trainModel(january, spec({ personas: scenario.personas }), {
      onProgress: (e) => events.push(e.phase),
    });
    assert.deepEqual(parseArtifact(JSON.parse(JSON.stringify(artifact))), artifact);
    assert.equal(artifact.metrics.k, 6);
    assert.deepEqual(
      artifact.metrics.perK.map((m) => m.k),
      [4, 5, 6, 7],
    );
    const best = Math.max(...artifact.metrics.perK.map((m) => m.silhouette ?? -1));
    assert.equal(artifact.metrics.silhouette, best);
    assert.deepEqual(
      artifact.personas.map((p) => p.name),
      scenario.personas.map((p) => p.name),
    );
    assert.deepEqual(artifact.metrics.unmatchedPersonas, []);
    assert.equal(events.filter((e) => e === 'restart').length, 4 * 3);
    assert.equal(events.at(-1), 'done');
    // Clusters agree with the ground truth: each persona's rows land on the persona of that name.
    const scorer = createScorer(artifact);
    const truth = scenario.months[0].personaOf;
    let agree = 0;
    for (let i = 0; i < january.rowCount; i++) {
      if (scorer.predictOne(tableRow(january, i)).persona === scenario.personas[truth[i]].name) agree++;
    }
    assert.ok(agree / january.rowCount > 0.95, `agreement ${agree / january.rowCount}`);
  });

  test('the same seed gives the same model; provenance and reference sample are recorded', async () => {
    const a = await trainModel(january, spec({ referenceSampleSize: 50 }));
    const b = await trainModel(january, spec({ referenceSampleSize: 50 }));
    assert.deepEqual(
      a.personas.map((p) => p.scaled),
      b.personas.map((p) => p.scaled),
    );
    assert.deepEqual(a.reference, b.reference);
    assert.equal(a.reference.rows.length, 50);
    assert.deepEqual(
      a.reference.columns,
      scenario.features.map((f) => f.name),
    );
    assert.match(a.training.dataHash, /^[0-9a-f]{64}$/);
    assert.equal(a.training.dataHash, b.training.dataHash);
    assert.equal(a.training.rows, 300);
    assert.equal(a.training.libraries['ml-kmeans'], '7.0.1');
    // Every reference row is a real training row.
    const rows = new Set(
      Array.from({ length: january.rowCount }, (_, i) => JSON.stringify(tableRow(january, i))),
    );
    for (const r of a.reference.rows) assert.ok(rows.has(JSON.stringify(r)));
  });

  test('retraining keeps the previous names; extra clusters get generated names listed for review', async () => {
    const first = await trainModel(january, spec({ k: { min: 6, max: 6 }, personas: scenario.personas }));
    const feb = scenario.months[1].table;
    const second = await trainModel(feb, spec({ k: { min: 6, max: 6 }, previous: first }));
    assert.deepEqual(
      second.personas.map((p) => p.name),
      first.personas.map((p) => p.name),
    );
    const seven = await trainModel(feb, spec({ k: { min: 7, max: 7 }, previous: first }));
    assert.equal(seven.personas.length, 7);
    assert.deepEqual(
      seven.personas.slice(0, 6).map((p) => p.name),
      first.personas.map((p) => p.name),
    );
    assert.equal(seven.personas[6].generated, true);
    assert.deepEqual(seven.metrics.unmatchedPersonas, [seven.personas[6].name]);
  });

  test('a previous version with other features is not used for names', async () => {
    const ageIncome = scenario.features.slice(0, 2);
    const previous = await trainModel(january, spec({ features: ageIncome, k: { min: 2, max: 2 } }));
    const next = await trainModel(january, spec({ k: { min: 2, max: 2 }, previous }));
    assert.ok(next.personas.every((p) => p.generated === true));
    assert.equal(next.metrics.unmatchedPersonas.length, 2);
    assert.ok(!next.personas.some((p) => previous.personas.some((q) => q.name === p.name)));
  });

  test('fixed: the pre-defined centroids are the model, with metrics on the data', async () => {
    const artifact = await trainModel(january, spec({ mode: 'fixed', personas: scenario.personas }));
    parseArtifact(artifact);
    assert.equal(artifact.training.mode, 'fixed');
    assert.equal(artifact.metrics.k, 6);
    assert.equal(artifact.metrics.perK.length, 1);
    assert.ok(artifact.metrics.silhouette! > 0.3);
    assert.deepEqual(
      artifact.personas.map((p) => p.centroid),
      scenario.personas.map((p) => p.centroid),
    );
    // scaled = (raw - mean) / scale with the training data's encoding.
    const age = artifact.features[0];
    assert.ok(age.type === 'numeric');
    assert.ok(Math.abs(artifact.personas[0].scaled[0] - (35 - age.mean) / age.scale) < 1e-12);
  });

  test('bad specs and data are InputErrors with a clear message', async () => {
    const bad = async (s: TrainSpec, pattern: RegExp, table: Table = january) =>
      assert.rejects(trainModel(table, s), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.match((err as Error).message, pattern);
        return true;
      });
    const tiny = selectRows(january, [0, 1, 2]);
    await bad(spec({ k: { min: 2, max: 5 } }), /k = 5 is larger than the number of rows \(3\)/, tiny);
    await bad(spec({ k: { min: 5, max: 2 } }), /invalid k range 5..2/);
    await bad(spec({ nInit: 0 }), /nInit must be a positive integer/);
    await bad(spec({ mode: 'fixed' }), /mode "fixed" needs pre-defined personas/);
    await bad(spec({ features: [{ name: 'height', type: 'numeric' }] }), /column "height" not found/);
    await bad(
      spec({ features: [scenario.features[0], scenario.features[0]] }),
      /feature "age" is listed twice/,
    );
    await bad(
      spec({
        mode: 'fixed',
        personas: [{ name: 'X', centroid: { ...scenario.personas[0].centroid, preferred_channel: 'fax' } }],
      }),
      /persona 1 \("X"\), feature "preferred_channel": unknown category "fax"/,
    );
    assert.ok(new TrainSpecError('x') instanceof InputError);
  });
});
