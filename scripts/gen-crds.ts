// Writes the CRDs from the API types (`npm run gen:crds`) into crds/ and into the Helm chart's
// crds/ folder (Helm installs CRDs only from inside the chart), or with --check fails when a
// committed file differs from what the types generate.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCrds, crdFileName, renderCrd } from '@persona-operator/operator/api/v1alpha1/crds';

const targets = ['crds/', 'charts/persona-operator/crds/'];
const root = fileURLToPath(new URL('../', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const target of targets) {
  if (!check) mkdirSync(root + target, { recursive: true });
  for (const def of allCrds) {
    const rel = target + crdFileName(def);
    const text = renderCrd(def);
    if (check) {
      let current = '';
      try {
        current = readFileSync(root + rel, 'utf8');
      } catch {
        // a missing file is as stale as a different one
      }
      if (current !== text) {
        console.error(`${rel} is out of date: run npm run gen:crds`);
        stale++;
      }
    } else {
      writeFileSync(root + rel, text);
      console.log(`wrote ${rel}`);
    }
  }
}
process.exit(stale > 0 ? 1 : 0);
