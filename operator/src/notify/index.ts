// Drift notifications: Telegram, Slack and signed webhooks, each with retries and a timeout,
// sent in parallel. notifyAll never throws and one failing target never holds up the others:
// the operator turns the per-target results into status and Events.
import type { DeliveryResult } from './deliver.ts';
import { safeUrl } from '@persona-operator/core/redact';
import { sendSlack } from './slack.ts';
import { sendTelegram } from './telegram.ts';
import type { DriftNotice, NotificationResult, NotifyOptions, NotifyTarget } from './types.ts';
import { sendWebhook } from './webhook.ts';

export type * from './types.ts';
export { noticeFromReport, plainText, shouldNotify } from './message.ts';
export { movesText, personasMovedText } from './personas.ts';
export { redact } from '@persona-operator/core/redact';
export { TELEGRAM_API_BASE, telegramText } from './telegram.ts';
export { slackPayload } from './slack.ts';
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
  webhookBody,
  type WebhookBody,
} from './webhook.ts';

/** How a target is named in results and Events: never a secret. */
export function describeTarget(target: NotifyTarget): string {
  switch (target.kind) {
    case 'telegram':
      return `telegram chat ${target.chatId}`;
    case 'slack': {
      // The whole webhook URL is the credential: only its host is shown.
      try {
        return `slack webhook ${new URL(target.webhookUrl).host}`;
      } catch {
        return 'slack webhook';
      }
    }
    case 'webhook':
      return `webhook ${safeUrl(target.url)}`;
  }
}

/** A configuration problem found before sending, or undefined. */
function checkTarget(target: NotifyTarget): string | undefined {
  const httpUrl = (value: string, what: string): string | undefined => {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      return `${what} is not a valid URL`;
    }
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : `${what} must be http(s)`;
  };
  switch (target.kind) {
    case 'telegram':
      if (!target.botToken) return 'the bot token is empty';
      if (/[\s/?#]/.test(target.botToken)) return 'the bot token contains characters a token cannot have';
      if (!target.chatId) return 'chatId is empty';
      return target.apiBase === undefined ? undefined : httpUrl(target.apiBase, 'apiBase');
    case 'slack':
      return target.webhookUrl
        ? httpUrl(target.webhookUrl, 'the Slack webhook URL')
        : 'the Slack webhook URL is empty';
    case 'webhook':
      return httpUrl(target.url, 'url');
  }
}

function send(target: NotifyTarget, notice: DriftNotice, opts: NotifyOptions): Promise<DeliveryResult> {
  switch (target.kind) {
    case 'telegram':
      return sendTelegram(target, notice, opts);
    case 'slack':
      return sendSlack(target, notice, opts);
    case 'webhook':
      return sendWebhook(target, notice, opts);
  }
}

/** Sends to one target; the result says whether it worked and why not. */
export async function notify(
  target: NotifyTarget,
  notice: DriftNotice,
  opts: NotifyOptions = {},
): Promise<NotificationResult> {
  const base = { kind: target.kind, target: describeTarget(target) };
  const problem = checkTarget(target);
  if (problem) return { ...base, ok: false, attempts: 0, error: problem };
  try {
    return { ...base, ...(await send(target, notice, opts)) };
  } catch (err) {
    // deliver() returns its failures; this only guards the promise that nothing escapes.
    return { ...base, ok: false, attempts: 0, error: `internal error: ${(err as Error).name}` };
  }
}

/** Sends to every target at once; results in the order of `targets`. */
export function notifyAll(
  targets: readonly NotifyTarget[],
  notice: DriftNotice,
  opts: NotifyOptions = {},
): Promise<NotificationResult[]> {
  return Promise.all(targets.map((t) => notify(t, notice, opts)));
}
