// DriftMonitor helpers of the e2e tests: apply, patch, read, wait for and run a monitor now,
// and read its Events, all through the API as kubectl would.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../operator/src/api/v1alpha1/common.ts';
import type { DriftMonitor, DriftMonitorSpec } from '../../operator/src/api/v1alpha1/driftmonitor.ts';
import { waitFor } from '../cluster/wait.ts';
import { eventsOf, januaryQuery, type E2e, type EventSeen } from './support.ts';

export const MODEL = 'customers';
/** Once a year: runs in these tests come from the run-now annotation, not the clock. */
export const RARELY = '0 0 1 1 *';

const PLURAL = 'driftmonitors';

export function monitor(name: string, spec: Partial<DriftMonitorSpec> & { query?: string }): DriftMonitor {
  const { query, ...rest } = spec;
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'DriftMonitor',
    metadata: { name },
    spec: {
      modelRef: { name: MODEL },
      current: {
        postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: query ?? januaryQuery('2025-02') },
      },
      schedule: RARELY,
      ...rest,
    },
  };
}

export async function applyMonitor(e: E2e, m: DriftMonitor): Promise<void> {
  await e.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: e.namespace,
      plural: PLURAL,
      name: m.metadata.name!,
      body: { ...m, metadata: { ...m.metadata, namespace: e.namespace } },
      fieldManager: 'e2e-test',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
}

export async function patchMonitor(e: E2e, name: string, patch: object): Promise<void> {
  await e.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: e.namespace, plural: PLURAL, name, body: patch },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export async function getMonitor(e: E2e, name: string): Promise<DriftMonitor> {
  return (await e.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: e.namespace,
    plural: PLURAL,
    name,
  })) as DriftMonitor;
}

export function describeMonitor(m: DriftMonitor): string {
  const s = m.status ?? {};
  const conds = (s.conditions ?? [])
    .map((c) => `${c.type}=${c.status}(${c.reason}: ${c.message})`)
    .join('; ');
  return `run=${s.lastRunResult}/${s.lastJobName} at ${s.lastRunTime} next=${s.nextRunTime} report=${s.lastReport?.id}/${s.lastReport?.driftDetected} ${conds}`;
}

export async function waitForMonitor(
  e: E2e,
  name: string,
  what: string,
  check: (m: DriftMonitor) => boolean,
  timeoutMs = 120_000,
): Promise<DriftMonitor> {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const m = await getMonitor(e, name);
      if (check(m)) return m;
      throw new Error(describeMonitor(m));
    },
    { timeoutMs, intervalMs: 200, diagnostics: e.diagnostics },
  );
}

/** Sets a new run-now token and waits until that run has finished. */
export async function runNow(
  e: E2e,
  name: string,
  token: string,
  timeoutMs = 120_000,
): Promise<DriftMonitor> {
  await patchMonitor(e, name, { metadata: { annotations: { 'personas.dtc.dev/run-now': token } } });
  return waitForMonitor(
    e,
    name,
    `run ${token} finished`,
    (m) =>
      m.status?.runNowToken === token &&
      (m.status.lastRunResult === 'Succeeded' || m.status.lastRunResult === 'Failed'),
    timeoutMs,
  );
}

export const monitorEvents = (e: E2e, name: string, until?: (events: EventSeen[]) => boolean) =>
  eventsOf(e, name, 'DriftMonitor', until);

export const cond = (m: DriftMonitor, type: string) => m.status?.conditions?.find((c) => c.type === type);
