// Telegram Bot API sendMessage: POST {apiBase}/bot<token>/sendMessage with a JSON body
// {chat_id, text, parse_mode, disable_web_page_preview}. The answer is {ok: true, result} or
// {ok: false, error_code, description, parameters?: {retry_after}}.
// https://core.telegram.org/bots/api#sendmessage
import { deliver, excerpt, type AttemptOutcome, type DeliveryResult, type HttpAnswer } from './deliver.ts';
import { messageParts } from './message.ts';
import type { DriftNotice, NotifyOptions, TelegramTarget } from './types.ts';

export const TELEGRAM_API_BASE = 'https://api.telegram.org';
/** Telegram refuses longer texts. */
const MAX_TEXT = 4096;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The message in Telegram's HTML parse mode: bold headline, a link to the report. */
export function telegramText(notice: DriftNotice): string {
  const { headline, lines } = messageParts(notice);
  const parts = [`<b>${escapeHtml(headline)}</b>`, ...lines.map(escapeHtml)];
  if (notice.reportUrl) parts.push(`<a href="${escapeHtml(notice.reportUrl)}">Open the drift report</a>`);
  const text = parts.join('\n');
  // Cutting inside a tag or entity would make Telegram refuse the message: cut the column list.
  return text.length <= MAX_TEXT ? text : `${parts[0]}\n${escapeHtml(lines.slice(0, 2).join('\n'))}`;
}

interface TelegramAnswer {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

function interpret(answer: HttpAnswer): AttemptOutcome {
  let body: TelegramAnswer | undefined;
  try {
    body = JSON.parse(answer.text) as TelegramAnswer;
  } catch {
    body = undefined;
  }
  if (answer.status === 200 && body?.ok === true) return { kind: 'ok' };
  const code = body?.error_code ?? answer.status;
  const error = `Telegram answered ${code}: ${body?.description ?? excerpt(answer.text)}`;
  if (answer.status === 429 || code === 429) {
    const after = body?.parameters?.retry_after;
    return { kind: 'retry', error, ...(typeof after === 'number' ? { retryAfterMs: after * 1000 } : {}) };
  }
  if (answer.status >= 500) return { kind: 'retry', error };
  return { kind: 'fail', error };
}

export function sendTelegram(
  target: TelegramTarget,
  notice: DriftNotice,
  opts: NotifyOptions = {},
): Promise<DeliveryResult> {
  const base = (target.apiBase ?? TELEGRAM_API_BASE).replace(/\/+$/, '');
  const body = JSON.stringify({
    chat_id: target.chatId,
    text: telegramText(notice),
    parse_mode: 'HTML',
    disable_web_page_preview: true,
  });
  return deliver(
    {
      url: `${base}/bot${target.botToken}/sendMessage`,
      headers: () => ({ 'content-type': 'application/json' }),
      body,
      interpret,
      secrets: [target.botToken],
    },
    opts,
  );
}
