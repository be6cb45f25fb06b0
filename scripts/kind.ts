// `npm run kind -- up|down`: a kind cluster from kind-config.yaml on images built here.
// `up` builds what is missing (`npm run kind:assets`), starts dockerd when none answers,
// creates the cluster and prints its KUBECONFIG; `down` deletes it and stops only what `up`
// started.
import { ensureKindBinaries } from '../test/cluster/assets.ts';
import { ensureKindAssets } from '../test/kind/assets.ts';
import { clusterName, createCluster, deleteCluster } from '../test/kind/cluster.ts';
import { formatDuration } from '../test/cluster/assets.ts';

const usage = `usage: npm run kind -- up | down

up    builds the kind assets when missing, starts dockerd when no Docker daemon answers
      (root only), creates the cluster named in kind-config.yaml and prints KUBECONFIG=
down  deletes that cluster and its Docker network, and stops dockerd if \`up\` started it`;

const log = (line: string): void => console.log(`kind: ${line}`);

async function main(command: string | undefined): Promise<void> {
  if (command === 'up') {
    const assets = await ensureKindAssets(log);
    const started = Date.now();
    const cluster = await createCluster(assets.binaries.kind, assets.nodeImage, log);
    log(`cluster ${cluster.name} up in ${formatDuration(Date.now() - started)}`);
    console.log(`KUBECONFIG=${cluster.kubeconfig}`);
  } else if (command === 'down') {
    const { kind } = await ensureKindBinaries(log);
    await deleteCluster(kind, clusterName(), log);
  } else {
    console.error(usage);
    process.exitCode = 2;
  }
}

try {
  await main(process.argv[2]);
} catch (err) {
  console.error(`kind: ${(err as Error).message}`);
  process.exitCode = 1;
}
