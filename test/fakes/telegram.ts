// FAKE Telegram Bot API for tests: a loopback HTTP server answering `sendMessage` the way
// api.telegram.org does, so the notifier is tested against the real request and answer
// shapes. It is NOT Telegram: one bot token, messages kept in memory, nothing delivered.
//
// Wire format checked (https://core.telegram.org/bots/api#sendmessage):
//   POST /bot<token>/sendMessage, Content-Type: application/json,
//   body {chat_id (integer or string), text (1..4096 chars), parse_mode?, disable_web_page_preview?}
//   -> 200 {ok: true, result: {message_id, date, chat: {id, type}, text}}
//   -> {ok: false, error_code, description, parameters?: {retry_after}} with the HTTP status of
//      error_code: 401 wrong token, 404 unknown method, 400 bad request (empty text, chat not
//      found, entities HTML parse mode cannot parse), 429 when told to rate-limit.
import type { ServerResponse } from 'node:http';
import { failureQueue, listenLoopback, readBody } from './loopback.ts';

export interface FakeTelegramMessage {
  chatId: string;
  text: string;
  parseMode?: string;
  disableWebPagePreview?: boolean;
}

/** How the next requests fail: 500, 429 with parameters.retry_after, or no answer at all. */
export type TelegramFailure =
  { mode: 'server-error' } | { mode: 'rate-limit'; retryAfter: number } | { mode: 'hang' };

export interface FakeTelegram {
  /** Pass as the notifier's apiBase. */
  apiBase: string;
  token: string;
  /** Messages accepted, in order. */
  messages: FakeTelegramMessage[];
  /** Every request as "METHOD path" (the token included: the fake is allowed to see it). */
  requests: string[];
  /** The next `n` sendMessage requests fail this way, then it answers normally again. */
  failNext(n: number, failure: TelegramFailure): void;
  stop(): Promise<void>;
}

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
]);

/** Telegram's HTML parse mode: known tags, balanced, and no bare "<" or "&". */
function htmlProblem(text: string): string | undefined {
  const stack: string[] = [];
  const re = /<(\/?)([a-z]+)([^>]*)>|&(?:lt|gt|amp|quot|#\d+);|[<&]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '<' || m[0] === '&') return `Unsupported start tag or entity at byte offset ${m.index}`;
    if (!m[2]) continue;
    const tag = m[2];
    if (!ALLOWED_TAGS.has(tag)) return `Unsupported start tag "${tag}" at byte offset ${m.index}`;
    if (m[1]) {
      if (stack.pop() !== tag) return `Unexpected end tag at byte offset ${m.index}`;
    } else {
      if (tag === 'a' && !/^\s+href="[^"]+"$/.test(m[3])) return `Bad a tag at byte offset ${m.index}`;
      stack.push(tag);
    }
  }
  return stack.length ? `Can't find end tag corresponding to start tag "${stack.at(-1)}"` : undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const refuse = (res: ServerResponse, code: number, description: string, parameters?: object): void =>
  reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

export async function startFakeTelegram(
  opts: { token?: string; knownChats?: string[] } = {},
): Promise<FakeTelegram> {
  const token = opts.token ?? '123456:FAKE-bot-token_abcdefghijklmnop';
  const messages: FakeTelegramMessage[] = [];
  const requests: string[] = [];
  const failures = failureQueue<TelegramFailure>();
  let nextId = 1;

  const server = await listenLoopback((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      requests.push(`${req.method} ${path}`);
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
      if (!m) return refuse(res, 404, 'Not Found');
      if (m[1] !== token) return refuse(res, 401, 'Unauthorized');
      if (m[2] !== 'sendMessage') return refuse(res, 404, 'Not Found');
      if (req.method !== 'POST') return refuse(res, 400, 'Bad Request: this fake takes POST only');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return refuse(res, 400, 'Bad Request: expected a JSON body (Content-Type: application/json)');
      const raw = await readBody(req);
      const failure = failures.next();
      if (failure?.mode === 'hang') return; // never answers; stop() closes the socket
      if (failure?.mode === 'server-error') return refuse(res, 500, 'Internal Server Error');
      if (failure?.mode === 'rate-limit')
        return refuse(res, 429, `Too Many Requests: retry after ${failure.retryAfter}`, {
          retry_after: failure.retryAfter,
        });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return refuse(res, 400, 'Bad Request: invalid JSON');
      }
      const chat = body.chat_id;
      if (typeof chat !== 'string' && typeof chat !== 'number')
        return refuse(res, 400, 'Bad Request: chat_id is empty');
      if (opts.knownChats && !opts.knownChats.includes(String(chat)))
        return refuse(res, 400, 'Bad Request: chat not found');
      if (typeof body.text !== 'string' || body.text.trim() === '')
        return refuse(res, 400, 'Bad Request: message text is empty');
      if (body.text.length > 4096) return refuse(res, 400, 'Bad Request: message is too long');
      const parseMode = body.parse_mode;
      if (
        parseMode !== undefined &&
        parseMode !== 'HTML' &&
        parseMode !== 'MarkdownV2' &&
        parseMode !== 'Markdown'
      )
        return refuse(res, 400, 'Bad Request: unsupported parse_mode');
      if (parseMode === 'HTML') {
        const problem = htmlProblem(body.text);
        if (problem) return refuse(res, 400, `Bad Request: can't parse entities: ${problem}`);
      }
      messages.push({
        chatId: String(chat),
        text: body.text,
        ...(typeof parseMode === 'string' ? { parseMode } : {}),
        ...(typeof body.disable_web_page_preview === 'boolean'
          ? { disableWebPagePreview: body.disable_web_page_preview }
          : {}),
      });
      reply(res, 200, {
        ok: true,
        result: {
          message_id: nextId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private' },
          text: body.text,
        },
      });
    })();
  });
  return {
    apiBase: server.baseUrl,
    token,
    messages,
    requests,
    failNext: failures.failNext,
    stop: server.stop,
  };
}
