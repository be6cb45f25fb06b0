// Builds the local control-plane binaries (kube-apiserver, kube-controller-manager,
// kube-scheduler, etcd, helm) from the Go module proxy into the per-version cache,
// skipping whatever is already there or provided through KUBEBUILDER_ASSETS.
// `-- --kwok` also builds kwok, the node simulator `bench:scale` runs on.
import { assetPaths, ensureAssets, ensureKwok } from '../test/cluster/assets.ts';

const log = (line: string) => console.log(`cluster:assets: ${line}`);
try {
  await ensureAssets(log);
  const paths: Record<string, string> = { ...assetPaths() };
  if (process.argv.includes('--kwok')) paths.kwok = await ensureKwok(log);
  for (const [name, path] of Object.entries(paths)) console.log(`  ${name.padEnd(24)} ${path}`);
} catch (err) {
  console.error(`cluster:assets: ${(err as Error).message}`);
  process.exitCode = 1;
}
