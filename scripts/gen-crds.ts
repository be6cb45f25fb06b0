// Writes crds/*.yaml from the API types (`npm run gen:crds`), or with --check fails when
// the committed files differ from what the types generate.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCrds, crdFileName, renderCrd } from '@persona-operator/operator/api/v1alpha1/crds';

const dir = fileURLToPath(new URL('../crds/', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const def of allCrds) {
  const path = dir + crdFileName(def);
  const text = renderCrd(def);
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // a missing file is as stale as a different one
    }
    if (current !== text) {
      console.error(`crds/${crdFileName(def)} is out of date: run npm run gen:crds`);
      stale++;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote crds/${crdFileName(def)}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
