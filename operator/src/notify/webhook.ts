// Generic webhook: POST the URL with the run's summary as JSON. When a key is configured the
// request is signed so the receiver can check it came from us and is fresh:
//
//   X-Persona-Timestamp: <unix time in seconds when this attempt was sent>
//   X-Persona-Signature: sha256=<lower-case hex HMAC-SHA256(key, "<timestamp>.<raw body>")>
//
// The receiver recomputes the HMAC over the timestamp header, a "." and the raw body bytes as
// received (before any JSON parsing), compares in constant time, and rejects timestamps too
// far from its clock (5 minutes is usual) so a captured request cannot be replayed later.
// X-Persona-Delivery is the same for every retry of one notification, for de-duplication.
// Success is any 2xx; 408, 429 and 5xx are retried (honouring Retry-After), others are not.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { deliver, excerpt, type AttemptOutcome, type DeliveryResult, type HttpAnswer } from './deliver.ts';
import { plainText } from './message.ts';
import type { DriftNotice, NotifyOptions, WebhookTarget } from './types.ts';

export const SIGNATURE_HEADER = 'x-persona-signature';
export const TIMESTAMP_HEADER = 'x-persona-timestamp';
export const DELIVERY_HEADER = 'x-persona-delivery';
export const EVENT_HEADER = 'x-persona-event';
export const DRIFT_EVENT = 'drift.report';

/** The JSON body of a drift webhook. */
export interface WebhookBody {
  event: typeof DRIFT_EVENT;
  monitor: string;
  model: { namespace: string; name: string; version: number };
  driftDetected: boolean;
  driftShare: number;
  shareThreshold: number | null;
  driftedColumns: string[];
  columnCount: number;
  /** The tests that found drift; null for a report stored before the persona tests. */
  fired: DriftNotice['fired'] | null;
  personaMix: DriftNotice['personaMix'] | null;
  novelty: DriftNotice['novelty'] | null;
  personasMoved: DriftNotice['personasMoved'] | null;
  reportId: number | null;
  reportUrl: string | null;
  at: string;
  /** The same text the chat notifiers send. */
  text: string;
}

export function webhookBody(notice: DriftNotice): WebhookBody {
  return {
    event: DRIFT_EVENT,
    monitor: notice.monitor,
    model: notice.model,
    driftDetected: notice.driftDetected,
    driftShare: notice.driftShare,
    shareThreshold: notice.shareThreshold ?? null,
    driftedColumns: notice.driftedColumns,
    columnCount: notice.columnCount,
    fired: notice.fired ?? null,
    personaMix: notice.personaMix ?? null,
    novelty: notice.novelty ?? null,
    personasMoved: notice.personasMoved ?? null,
    reportId: notice.reportId ?? null,
    reportUrl: notice.reportUrl ?? null,
    at: notice.at.toISOString(),
    text: plainText(notice),
  };
}

/** "sha256=<hex>" over "<timestamp>.<body>". */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side of the scheme above: true when signed with `secret` and fresh enough. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  opts: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = (opts.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function interpret(answer: HttpAnswer): AttemptOutcome {
  if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
  const error = `webhook answered ${answer.status}${answer.text ? `: ${excerpt(answer.text)}` : ''}`;
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) return { kind: 'retry', error };
  return { kind: 'fail', error };
}

export function sendWebhook(
  target: WebhookTarget,
  notice: DriftNotice,
  opts: NotifyOptions = {},
): Promise<DeliveryResult> {
  const delivery = randomUUID();
  const now = opts.now ?? (() => new Date());
  return deliver(
    {
      url: target.url,
      headers: (body) => {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'persona-operator',
          [EVENT_HEADER]: DRIFT_EVENT,
          [DELIVERY_HEADER]: delivery,
        };
        if (target.hmacSecret) {
          const timestamp = String(Math.floor(now().getTime() / 1000));
          headers[TIMESTAMP_HEADER] = timestamp;
          headers[SIGNATURE_HEADER] = signWebhookBody(target.hmacSecret, timestamp, body);
        }
        return headers;
      },
      body: JSON.stringify(webhookBody(notice)),
      interpret,
      secrets: [target.hmacSecret],
    },
    opts,
  );
}
