// One call for tests and the demo: a control plane plus one node agent, stopped
// together (also when the process exits or is interrupted).
import type { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
import { startNodeAgent, type NodeAgent } from './node-agent.ts';
import type { ImageTable } from './images.ts';
import { requireAssets } from './assets.ts';

export { startControlPlane, type ControlPlane } from './control-plane.ts';
export { startNodeAgent, type NodeAgent } from './node-agent.ts';
export { hostCommandImage, nodeImage, personaImage, type ImageTable, type ImageCommand } from './images.ts';
export { assetPaths, requireAssets, type AssetPaths, type BinaryName } from './assets.ts';
export { waitFor } from './wait.ts';

/** The helm binary built by `npm run cluster:assets` (or TEST_ASSET_HELM / KUBEBUILDER_ASSETS); throws saying how to get it. */
export function helmPath(): string {
  return requireAssets(['helm']).helm;
}

export interface ClusterOptions extends ControlPlaneOptions {
  images?: ImageTable;
  nodeName?: string;
}

export interface Cluster {
  controlPlane: ControlPlane;
  nodeAgent: NodeAgent;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  /** Control-plane logs and every pod's output: print this when a test fails. */
  diagnostics(): string;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const controlPlane = await startControlPlane(opts);
  let nodeAgent: NodeAgent;
  try {
    nodeAgent = await startNodeAgent({
      kubeConfig: controlPlane.kubeConfig,
      images: opts.images,
      nodeName: opts.nodeName,
      log: opts.log,
    });
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    // Pods first, so their processes get SIGTERM while the API is still there.
    stopping ??= nodeAgent.stop().finally(() => controlPlane.stop());
    return stopping;
  };
  return {
    controlPlane,
    nodeAgent,
    kubeConfig: controlPlane.kubeConfig,
    kubeconfigPath: controlPlane.kubeconfigPath,
    diagnostics: () => `${controlPlane.logs()}\n===== pod output =====\n${nodeAgent.dumpOutputs()}`,
    stop,
  };
}
