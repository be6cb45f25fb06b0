// Slack incoming webhook: POST the webhook URL with a JSON body {text, blocks}. Slack answers
// 200 "ok", or 400/403/404 with a plain-text reason (invalid_payload, no_service, ...), or 429
// with Retry-After. https://api.slack.com/messaging/webhooks
import { deliver, excerpt, type AttemptOutcome, type DeliveryResult, type HttpAnswer } from './deliver.ts';
import { messageParts, plainText } from './message.ts';
import type { DriftNotice, NotifyOptions, SlackTarget } from './types.ts';

// Slack's mrkdwn needs only these three escaped.
const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Slack payload: plain `text` (notifications, fallback) and a section block in mrkdwn. */
export function slackPayload(notice: DriftNotice): { text: string; blocks: unknown[] } {
  const { headline, lines } = messageParts(notice);
  const body = [`*${escapeMrkdwn(headline)}*`, ...lines.map(escapeMrkdwn)];
  if (notice.reportUrl) body.push(`<${notice.reportUrl}|Open the drift report>`);
  return {
    text: plainText(notice),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: body.join('\n') } }],
  };
}

function interpret(answer: HttpAnswer): AttemptOutcome {
  if (answer.status === 200 && answer.text.trim() === 'ok') return { kind: 'ok' };
  const error = `Slack answered ${answer.status}: ${excerpt(answer.text) || '(empty body)'}`;
  if (answer.status === 429 || answer.status >= 500) return { kind: 'retry', error };
  return { kind: 'fail', error };
}

export function sendSlack(
  target: SlackTarget,
  notice: DriftNotice,
  opts: NotifyOptions = {},
): Promise<DeliveryResult> {
  return deliver(
    {
      url: target.webhookUrl,
      headers: () => ({ 'content-type': 'application/json' }),
      body: JSON.stringify(slackPayload(notice)),
      interpret,
      secrets: [target.webhookUrl, new URL(target.webhookUrl).pathname],
    },
    opts,
  );
}
