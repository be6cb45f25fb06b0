// Builds the local control-plane binaries (kube-apiserver, kube-controller-manager,
// kube-scheduler, etcd, helm) from the Go module proxy into the per-version cache,
// skipping whatever is already there or provided through KUBEBUILDER_ASSETS.
import { assetPaths, ensureAssets } from '../test/cluster/assets.ts';

try {
  await ensureAssets((line) => console.log(`cluster:assets: ${line}`));
  for (const [name, path] of Object.entries(assetPaths())) console.log(`  ${name.padEnd(24)} ${path}`);
} catch (err) {
  console.error(`cluster:assets: ${(err as Error).message}`);
  process.exitCode = 1;
}
