// The DriftMonitor side of the demo: a run started with the run-now annotation, its report and
// its notifications.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../operator/src/api/v1alpha1/common.ts';
import type { DriftMonitor } from '../../operator/src/api/v1alpha1/driftmonitor.ts';
import type { E2e } from '../../test/e2e/support.ts';
import type { FakeTelegram } from '../../test/fakes/telegram.ts';
import type { FakeWebhook } from '../../test/fakes/webhook.ts';
import { follow } from './follow.ts';
import { DemoError, detail, fixed, pad, say } from './output.ts';

const MONITORS = 'driftmonitors';
export const RUN_NOW = 'personas.dtc.dev/run-now';

export async function getMonitor(e: E2e, name: string): Promise<DriftMonitor> {
  return (await e.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: e.namespace,
    plural: MONITORS,
    name,
  })) as DriftMonitor;
}

export async function patchMonitor(e: E2e, name: string, patch: object): Promise<void> {
  await e.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: e.namespace, plural: MONITORS, name, body: patch },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Sets a new run-now token and follows that run until it has finished. */
export async function runNow(e: E2e, name: string, token: string, timeoutMs: number): Promise<DriftMonitor> {
  say(`kubectl annotate dm ${name} ${RUN_NOW}=${token}`);
  await patchMonitor(e, name, { metadata: { annotations: { [RUN_NOW]: token } } });
  return follow({
    what: `drift run ${token}`,
    read: () => getMonitor(e, name),
    facts: (m) => {
      const s = m.status ?? {};
      if (s.runNowToken !== token) return {};
      return { run: s.lastJobName && `drift Job ${s.lastJobName}: ${s.lastRunResult}` };
    },
    done: (m) =>
      m.status?.runNowToken === token &&
      (m.status.lastRunResult === 'Succeeded' || m.status.lastRunResult === 'Failed'),
    timeoutMs,
  });
}

export function printReport(m: DriftMonitor): void {
  const s = m.status!;
  const r = s.lastReport;
  if (s.lastRunResult !== 'Succeeded' || !r) {
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    throw new DemoError(`the drift run failed: ${ready?.reason}: ${ready?.message}`);
  }
  const cols = r.columns ?? [];
  const drifted = cols.filter((c) => c.drifted);
  say(
    `${r.driftDetected ? 'DRIFT DETECTED' : 'no drift'}: ${drifted.length} of ${cols.length} columns drifted, share ${r.driftShare.toFixed(2)} (drift at >= 0.5), against version ${r.version}`,
  );
  for (const c of cols) {
    const stat =
      c.pValue !== undefined ? `p = ${c.pValue.toPrecision(3)}` : `statistic ${fixed(c.statistic)}`;
    detail(
      `${c.drifted ? '✗' : '·'} ${pad(c.name, 18)} ${pad(c.test, 14)} ${pad(stat, 18)} threshold ${c.threshold ?? '?'}`,
    );
  }
  if (r.personaMix) {
    say(`persona mix ${r.personaMix.result}${r.personaMix.moved ? `: ${r.personaMix.moved}` : ''}`);
  }
  if (r.novelty) detail(`novelty: ${(r.novelty.share * 100).toFixed(1)}% of rows far from every persona`);
  for (const moved of r.perPersona?.moved ?? []) detail(`moved: ${moved}`);
  say(`report ${r.id}: ${r.url ?? '(no URL)'}`);
}

export function printNotifications(m: DriftMonitor, telegram: FakeTelegram, webhook: FakeWebhook): void {
  for (const n of m.status?.notifications ?? [])
    say(
      `notification ${n.kind} → ${n.target}: ${n.delivered ? 'delivered' : `NOT delivered (${n.error})`} after ${n.attempts} attempt(s)`,
    );
  if ((m.status?.notifications ?? []).length === 0) say('no notifications for this run');
  say(
    `FAKE Telegram received ${telegram.messages.length} message(s) so far; FAKE webhook ${webhook.deliveries.length} signed deliveries (${webhook.rejected.length} rejected)`,
  );
}

/** Server-side applies the monitor and waits until the operator has scheduled it. */
export async function applyMonitor(e: E2e, monitor: DriftMonitor, timeoutMs: number): Promise<void> {
  const name = monitor.metadata.name!;
  await e.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: e.namespace,
      plural: MONITORS,
      name,
      body: monitor,
      fieldManager: 'persona-demo',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
  await follow({
    what: `${name} to be scheduled`,
    read: () => getMonitor(e, name),
    facts: (m) => ({ next: m.status?.nextRunTime && `scheduled, next run ${m.status.nextRunTime}` }),
    done: (m) => m.status?.nextRunTime !== undefined,
    timeoutMs,
  });
}
