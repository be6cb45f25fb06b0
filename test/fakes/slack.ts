// FAKE Slack incoming webhook for tests: a loopback HTTP server answering like
// hooks.slack.com does, so the notifier is tested against the real request and answer shapes.
// It is NOT Slack: one webhook path, payloads kept in memory, nothing posted anywhere.
//
// Wire format checked (https://api.slack.com/messaging/webhooks):
//   POST /services/<team>/<bot>/<secret>, Content-Type: application/json,
//   body {text?, blocks?} with a non-empty text or at least one block
//   -> 200 "ok" (text/html)
//   -> 400 "invalid_payload" (not JSON) / "no_text" (neither text nor blocks),
//      404 "no_service" (wrong path), 500 when told to fail, 429 "rate_limited" with Retry-After.
import type { ServerResponse } from 'node:http';
import { failureQueue, listenLoopback, readBody } from './loopback.ts';

export interface FakeSlackPayload {
  text?: string;
  blocks?: unknown[];
}

export type SlackFailure =
  | { mode: 'server-error' }
  | { mode: 'rate-limit'; retryAfter: number }
  | { mode: 'invalid-payload' }
  | { mode: 'hang' };

export interface FakeSlack {
  /** The incoming-webhook URL to configure (it embeds the fake's secret path). */
  webhookUrl: string;
  payloads: FakeSlackPayload[];
  requests: string[];
  failNext(n: number, failure: SlackFailure): void;
  stop(): Promise<void>;
}

function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const path = '/services/T0FAKE000/B0FAKE000/fakeSlackSecret0123456789';
  const payloads: FakeSlackPayload[] = [];
  const requests: string[] = [];
  const failures = failureQueue<SlackFailure>();
  const server = await listenLoopback((req, res) => {
    void (async () => {
      const url = (req.url ?? '/').split('?')[0];
      requests.push(`${req.method} ${url}`);
      if (url !== path) return plain(res, 404, 'no_service');
      if (req.method !== 'POST') return plain(res, 405, 'invalid_method');
      const raw = await readBody(req);
      const failure = failures.next();
      if (failure?.mode === 'hang') return;
      if (failure?.mode === 'server-error') return plain(res, 500, 'internal_error');
      if (failure?.mode === 'rate-limit')
        return plain(res, 429, 'rate_limited', { 'retry-after': String(failure.retryAfter) });
      if (failure?.mode === 'invalid-payload') return plain(res, 400, 'invalid_payload');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return plain(res, 400, 'invalid_payload');
      let body: FakeSlackPayload;
      try {
        body = JSON.parse(raw) as FakeSlackPayload;
      } catch {
        return plain(res, 400, 'invalid_payload');
      }
      if (typeof body !== 'object' || body === null) return plain(res, 400, 'invalid_payload');
      const hasText = typeof body.text === 'string' && body.text.trim() !== '';
      const hasBlocks = Array.isArray(body.blocks) && body.blocks.length > 0;
      if (!hasText && !hasBlocks) return plain(res, 400, 'no_text');
      if (body.blocks !== undefined && !Array.isArray(body.blocks)) return plain(res, 400, 'invalid_blocks');
      payloads.push(body);
      plain(res, 200, 'ok');
    })();
  });
  return {
    webhookUrl: `${server.baseUrl}${path}`,
    payloads,
    requests,
    failNext: failures.failNext,
    stop: server.stop,
  };
}
