// The operator's CRDs on a test control plane, installed as users install them and waited on
// until the API server serves them.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '../../../test/cluster/index.ts';
import { waitFor } from '../../../test/cluster/index.ts';
import { allCrds } from '../../src/api/v1alpha1/crds.ts';

const crdDir = fileURLToPath(new URL('../../../crds/', import.meta.url));
const run = promisify(execFile);

/** Applies crds/ with kubectl and waits until every CRD is Established. */
export async function installCrds(cp: ControlPlane): Promise<void> {
  // kubectl, as users install them: client-node's typed API would drop the x-kubernetes-*
  // keys of a plain schema object when it re-serialises the CRD.
  await run('kubectl', ['--kubeconfig', cp.kubeconfigPath, 'apply', '--server-side', '-f', crdDir]);
  const ext = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const def of allCrds) {
    await waitFor(
      `${def.metadata.name} to become Established`,
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: def.metadata.name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { timeoutMs: 10_000, intervalMs: 100, diagnostics: cp.logs },
    );
  }
}
