// `npm run cluster -- up`: a local control plane and node agent in the foreground,
// for kubectl, helm and the demo. Ctrl-C stops everything and removes its files.
import { parseArgs } from 'node:util';
import { startCluster } from '../test/cluster/index.ts';

const usage = `usage: npm run cluster -- up [--node-name NAME] [--verbose]

Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the node
agent on random local ports, prints the kubeconfig, and runs until Ctrl-C.
Build the binaries first with \`npm run cluster:assets\`.`;

async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'node-name': { type: 'string' }, verbose: { type: 'boolean', default: false } },
  });
  const log = (line: string): void => console.log(`cluster: ${line}`);
  const cluster = await startCluster({
    nodeName: values['node-name'],
    log: values.verbose ? log : (line) => (/ready after|registered/.test(line) ? log(line) : undefined),
  });
  console.log(`cluster: up in ${(cluster.controlPlane.startupMs / 1000).toFixed(1)} s`);
  console.log(`cluster: API server ${cluster.controlPlane.server}`);
  console.log(`cluster: kubeconfig ${cluster.kubeconfigPath}`);
  const { kind, note } = cluster.nodeAgent.podNetwork;
  console.log(
    kind === 'anyip'
      ? 'cluster: pod IPs from 198.18.0.0/15'
      : `cluster: pod IPs are 127.0.x.y, so Services get no endpoints (${note})`,
  );
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
  console.log('cluster: press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  console.log('cluster: stopping');
  await cluster.stop();
  console.log('cluster: stopped, files removed');
  return 0;
}

const [sub, ...rest] = process.argv.slice(2);
try {
  if (sub === 'up') process.exitCode = await up(rest);
  else {
    console.error(sub ? `unknown subcommand ${JSON.stringify(sub)}\n${usage}` : usage);
    process.exitCode = 2;
  }
} catch (err) {
  console.error(`cluster: ${(err as Error).message}`);
  process.exitCode = 1;
}
