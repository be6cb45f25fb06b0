// The committed crds/*.yaml are exactly what the API types generate, and the CRDs carry
// the names, columns and subresources the published contract promises.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { allCrds, crdFileName, personaModelCrd, renderCrd } from '../../src/api/v1alpha1/crds.ts';

const crdDirs = ['crds/', 'charts/persona-operator/crds/'];
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('generated CRDs', () => {
  for (const dir of crdDirs) {
    for (const def of allCrds) {
      test(`${dir}${crdFileName(def)} matches the generator (npm run gen:crds)`, () => {
        assert.equal(readFileSync(repoRoot + dir + crdFileName(def), 'utf8'), renderCrd(def));
      });
    }

    test(`${dir} holds no CRD the generator does not know`, () => {
      const expected = allCrds.map(crdFileName).sort();
      assert.deepEqual(
        readdirSync(repoRoot + dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort(),
        expected,
      );
    });
  }

  test('the YAML parses back to the same object', () => {
    for (const def of allCrds) assert.deepEqual(load(renderCrd(def)), JSON.parse(JSON.stringify(def)));
  });

  test('PersonaModel has the contract names, category, status subresource and printer columns', () => {
    const { names, versions, group } = personaModelCrd.spec;
    assert.equal(group, 'personas.dtc.dev');
    assert.deepEqual(names.shortNames, ['pm']);
    assert.deepEqual(names.categories, ['personas']);
    assert.equal(versions[0].name, 'v1alpha1');
    assert.deepEqual(versions[0].subresources, { status: {} });
    assert.deepEqual(
      versions[0].additionalPrinterColumns.map((c) => c.name),
      ['Phase', 'Serving', 'Latest', 'Silhouette', 'Ready', 'Trigger', 'Data', 'Age'],
    );
    // The silhouette as people read it; what triggered the training and its data with -o wide.
    const columns = Object.fromEntries(versions[0].additionalPrinterColumns.map((c) => [c.name, c]));
    assert.equal(columns.Silhouette.jsonPath, '.status.lastTraining.metrics.silhouetteRounded');
    assert.equal(columns.Trigger.priority, 1);
    assert.equal(columns.Data.priority, 1);
  });
});
