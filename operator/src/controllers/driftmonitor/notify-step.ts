// Notifications of a finished run: the targets' secrets are read from the Secrets the spec
// names (and only those), then every target is sent to at once. A target that cannot be
// reached, or whose Secret cannot be read, becomes a failed result: it never stops the others
// or the rest of the reconcile. Secret values are never logged nor put into results.
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { ResolvedSecretKeyRef } from '../../api/v1alpha1/common.ts';
import type { DriftNotice, NotificationResult, NotifyTarget } from '../../notify/index.ts';
import { shouldNotify } from '../../notify/index.ts';
import { describeApiError, isNotFound } from '../../runtime/k8s-errors.ts';
import type { DriftMonitorContext } from './context.ts';
import type { ResolvedMonitorSpec } from './defaults.ts';

type TargetSpec = NonNullable<ResolvedMonitorSpec['notify']>[number];

class SecretProblem extends Error {}

async function secretValue(
  ctx: DriftMonitorContext,
  namespace: string,
  { name, key }: ResolvedSecretKeyRef,
): Promise<string> {
  let data: Record<string, string> | undefined;
  try {
    data = (await ctx.clients.core.readNamespacedSecret({ name, namespace })).data;
  } catch (err) {
    throw new SecretProblem(
      isNotFound(err) ? `Secret ${name} not found` : `cannot read Secret ${name}: ${describeApiError(err)}`,
    );
  }
  const encoded = data?.[key];
  if (encoded === undefined) throw new SecretProblem(`Secret ${name} has no key ${key}`);
  const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (!value) throw new SecretProblem(`Secret ${name} key ${key} is empty`);
  return value;
}

function kindOf(spec: TargetSpec): NotifyTarget['kind'] {
  return spec.telegram ? 'telegram' : spec.slack ? 'slack' : 'webhook';
}

/** A safe name for a target whose secret could not be read (so no notifier named it). */
function plainName(spec: TargetSpec): string {
  if (spec.telegram) return `telegram chat ${spec.telegram.chatId}`;
  if (spec.slack) return `slack webhook (Secret ${spec.slack.webhookSecretRef.name})`;
  try {
    const u = new URL(spec.webhook!.url);
    return `webhook ${u.origin}${u.pathname}`;
  } catch {
    return 'webhook';
  }
}

async function resolveTarget(
  ctx: DriftMonitorContext,
  namespace: string,
  spec: TargetSpec,
): Promise<NotifyTarget> {
  if (spec.telegram) {
    return {
      kind: 'telegram',
      botToken: await secretValue(ctx, namespace, spec.telegram.botTokenSecretRef),
      chatId: spec.telegram.chatId,
      ...(ctx.telegramApiBase ? { apiBase: ctx.telegramApiBase } : {}),
    };
  }
  if (spec.slack) {
    return { kind: 'slack', webhookUrl: await secretValue(ctx, namespace, spec.slack.webhookSecretRef) };
  }
  const w = spec.webhook!;
  return {
    kind: 'webhook',
    url: w.url,
    ...(w.hmacSecretRef ? { hmacSecret: await secretValue(ctx, namespace, w.hmacSecretRef) } : {}),
  };
}

/**
 * Sends the notice to every target that wants it; results in spec order (none: nothing sent).
 * Each failed target is also a Warning Event.
 */
export async function notifyStep(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  spec: ResolvedMonitorSpec,
  notice: DriftNotice,
): Promise<NotificationResult[]> {
  const namespace = monitor.metadata.namespace!;
  const wanted = (spec.notify ?? []).filter((t) => shouldNotify(notice, t.onNoDrift));
  const resolved = await Promise.all(
    wanted.map(async (spec): Promise<NotifyTarget | NotificationResult> => {
      try {
        return await resolveTarget(ctx, namespace, spec);
      } catch (err) {
        if (!(err instanceof SecretProblem)) throw err;
        return { kind: kindOf(spec), target: plainName(spec), ok: false, attempts: 0, error: err.message };
      }
    }),
  );
  const targets = resolved.filter((r): r is NotifyTarget => !('ok' in r));
  const sent = targets.length ? await ctx.notify(targets, notice) : [];
  let next = 0;
  const results = resolved.map((r) => ('ok' in r ? r : sent[next++]));
  for (const r of results.filter((x) => !x.ok)) {
    ctx.events.record(
      monitor,
      'Warning',
      'NotificationFailed',
      `${r.target}: ${r.error ?? 'failed'} (${r.attempts} attempts)`,
    );
  }
  return results;
}
