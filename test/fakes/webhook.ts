// FAKE webhook receiver for tests: a loopback HTTP server that checks drift webhooks the way a
// careful receiver would. It verifies the signature with its own HMAC code (not the
// notifier's), so a change to the signing scheme on one side fails the tests.
//
// Checked: POST /hooks/drift, Content-Type: application/json, a JSON body; with a key,
//   X-Persona-Timestamp (unix seconds, within 5 minutes) and
//   X-Persona-Signature = "sha256=" + hex HMAC-SHA256(key, timestamp + "." + raw body)
//   -> 204 accepted; 401 bad or missing signature; 400 not JSON; 404 other paths;
//      503 / 429 (Retry-After) / no answer when told to fail.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { failureQueue, listenLoopback, readBody } from './loopback.ts';

export interface FakeWebhookDelivery {
  headers: Record<string, string | undefined>;
  raw: string;
  body: Record<string, unknown>;
}

export type WebhookFailure =
  { mode: 'server-error' } | { mode: 'rate-limit'; retryAfter: number } | { mode: 'hang' };

export interface FakeWebhook {
  url: string;
  /** Accepted deliveries, in order. */
  deliveries: FakeWebhookDelivery[];
  /** Requests refused for their signature, with the reason. */
  rejected: string[];
  requests: number;
  failNext(n: number, failure: WebhookFailure): void;
  stop(): Promise<void>;
}

function signatureProblem(secret: string, req: IncomingMessage, raw: string): string | undefined {
  const ts = req.headers['x-persona-timestamp'];
  const sig = req.headers['x-persona-signature'];
  if (typeof ts !== 'string' || !/^\d+$/.test(ts)) return 'missing or malformed X-Persona-Timestamp';
  if (typeof sig !== 'string') return 'missing X-Persona-Signature';
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale timestamp';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'signature mismatch';
}

export async function startFakeWebhook(opts: { secret?: string } = {}): Promise<FakeWebhook> {
  const deliveries: FakeWebhookDelivery[] = [];
  const rejected: string[] = [];
  const failures = failureQueue<WebhookFailure>();
  let requests = 0;
  const server = await listenLoopback((req, res) => {
    void (async () => {
      requests++;
      if ((req.url ?? '').split('?')[0] !== '/hooks/drift') return res.writeHead(404).end('not found');
      if (req.method !== 'POST') return res.writeHead(405).end();
      const raw = await readBody(req);
      const failure = failures.next();
      if (failure?.mode === 'hang') return;
      if (failure?.mode === 'server-error') return res.writeHead(503).end('unavailable');
      if (failure?.mode === 'rate-limit')
        return res.writeHead(429, { 'retry-after': String(failure.retryAfter) }).end('slow down');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return res.writeHead(400).end('expected application/json');
      if (opts.secret) {
        const problem = signatureProblem(opts.secret, req, raw);
        if (problem) {
          rejected.push(problem);
          return res.writeHead(401).end(problem);
        }
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return res.writeHead(400).end('not JSON');
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      deliveries.push({ headers, raw, body });
      res.writeHead(204).end();
    })();
  });
  return {
    url: `${server.baseUrl}/hooks/drift`,
    deliveries,
    rejected,
    get requests() {
      return requests;
    },
    failNext: failures.failNext,
    stop: server.stop,
  };
}
