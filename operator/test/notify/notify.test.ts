// Drift notifications against FAKE receivers (test/fakes: loopback servers speaking the
// Telegram Bot API, Slack incoming-webhook and signed-webhook wire formats): the request
// shapes, retries with backoff and server-given delays, no retries where a retry cannot help,
// timeouts, secrets kept out of errors, and one failing target never stopping the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../../test/support/postgres.ts';
import { startFakeTelegram, type FakeTelegram } from '../../../test/fakes/telegram.ts';
import { startFakeSlack, type FakeSlack } from '../../../test/fakes/slack.ts';
import { startFakeWebhook, type FakeWebhook } from '../../../test/fakes/webhook.ts';
import { sampleDriftDetails } from '../support/drift-details.ts';
import {
  noticeFromReport,
  notify,
  notifyAll,
  shouldNotify,
  signWebhookBody,
  verifyWebhookSignature,
  webhookBody,
  type DriftNotice,
  type NotifyOptions,
  type NotifyTarget,
} from '../../src/notify/index.ts';

const HMAC_KEY = 'webhook-hmac-key-0123456789';
let telegram: FakeTelegram;
let slack: FakeSlack;
let webhook: FakeWebhook;

before(async () => {
  telegram = await startFakeTelegram({ knownChats: ['-100123', '42'] });
  slack = await startFakeSlack();
  webhook = await startFakeWebhook({ secret: HMAC_KEY });
});

after(async () => {
  await telegram?.stop();
  await slack?.stop();
  await webhook?.stop();
});

const notice = (overrides: Partial<DriftNotice> = {}): DriftNotice => ({
  monitor: 'shop/customers-drift',
  model: { namespace: 'shop', name: 'customers', version: 3 },
  driftDetected: true,
  driftShare: 5 / 9,
  shareThreshold: 0.5,
  driftedColumns: ['income', 'monthly_spend', 'price_sensitivity', 'eco_score', 'preferred_channel'],
  columnCount: 9,
  fired: ['features', 'personaMix', 'novelty', 'perPersona'],
  personaMix: {
    drifted: true,
    moves: [
      { name: 'Budget Brian', change: 'grew', from: 0.184, to: 0.406 },
      { name: 'Sustainable Steve', change: 'shrank', from: 0.184, to: 0.068 },
    ],
  },
  novelty: { share: 0.434, maxShare: 0.05, drifted: true },
  personasMoved: [{ persona: 'Eco-Conscious Haley', features: ['monthly_spend'] }],
  reportId: 17,
  reportUrl: 'http://persona-operator.personas.svc:8080/reports/17',
  at: new Date('2026-03-31T12:00:00Z'),
  ...overrides,
});

const tg = (chatId = '-100123'): NotifyTarget => ({
  kind: 'telegram',
  botToken: telegram.token,
  chatId,
  apiBase: telegram.apiBase,
});
const sl = (): NotifyTarget => ({ kind: 'slack', webhookUrl: slack.webhookUrl });
/** null: an unsigned webhook. */
const wh = (hmacSecret: string | null = HMAC_KEY): NotifyTarget => ({
  kind: 'webhook',
  url: webhook.url,
  ...(hmacSecret ? { hmacSecret } : {}),
});

/** Retries without real waiting: the delays asked for are recorded instead. */
function fastRetries(extra: NotifyOptions = {}): NotifyOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
    timeoutMs: 2000,
    ...extra,
  };
}

describe('notifyAll: one message to every target', () => {
  test('Telegram, Slack and the signed webhook each receive the real request shape', async () => {
    const results = await notifyAll([tg(), sl(), wh()], notice(), fastRetries());
    assert.deepEqual(
      results.map((r) => [r.kind, r.ok, r.attempts, r.error]),
      [
        ['telegram', true, 1, undefined],
        ['slack', true, 1, undefined],
        ['webhook', true, 1, undefined],
      ],
    );
    assert.equal(results[0].target, 'telegram chat -100123');
    assert.equal(results[1].target, 'slack webhook 127.0.0.1:' + new URL(slack.webhookUrl).port);
    assert.ok(!results[1].target.includes('fakeSlackSecret'), 'the Slack URL path is the secret');

    const msg = telegram.messages.at(-1)!;
    assert.equal(msg.chatId, '-100123');
    assert.equal(msg.parseMode, 'HTML');
    assert.equal(msg.disableWebPagePreview, true);
    assert.match(msg.text, /^<b>Drift detected by shop\/customers-drift<\/b>/);
    assert.match(msg.text, /Model shop\/customers version 3/);
    assert.match(msg.text, /Drift share 55\.6%: 5 of 9 columns drifted \(dataset drifts at 50%\)/);
    assert.match(
      msg.text,
      /Drifted columns: income, monthly_spend, price_sensitivity, eco_score, preferred_channel/,
    );
    assert.match(msg.text, /Fired: feature share, persona mix, novelty, per-persona drift/);
    assert.match(
      msg.text,
      /Persona mix drifted; grew: Budget Brian 18\.4% → 40\.6%; shrank: Sustainable Steve 18\.4% → 6\.8%/,
    );
    assert.match(msg.text, /Novelty: 43\.4% of rows are far from every persona \(fires above 5%\)/);
    assert.match(msg.text, /Personas that moved: Eco-Conscious Haley \(monthly_spend\)/);
    assert.match(msg.text, /<a href="http:\/\/persona-operator\.personas\.svc:8080\/reports\/17">/);
    assert.deepEqual(telegram.requests.at(-1), `POST /bot${telegram.token}/sendMessage`);

    const payload = slack.payloads.at(-1)!;
    assert.match(payload.text ?? '', /^Drift detected by shop\/customers-drift\n/);
    assert.match(payload.text ?? '', /Report: http:\/\/persona-operator\.personas\.svc:8080\/reports\/17$/);
    const block = payload.blocks?.[0] as { type: string; text: { type: string; text: string } };
    assert.equal(block.type, 'section');
    assert.equal(block.text.type, 'mrkdwn');
    assert.match(
      block.text.text,
      /<http:\/\/persona-operator\.personas\.svc:8080\/reports\/17\|Open the drift report>/,
    );

    const delivery = webhook.deliveries.at(-1)!;
    assert.equal(delivery.headers['x-persona-event'], 'drift.report');
    assert.match(delivery.headers['x-persona-delivery'] ?? '', /^[0-9a-f-]{36}$/);
    assert.match(delivery.headers['x-persona-signature'] ?? '', /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(
      { ...delivery.body, text: undefined },
      // Every field of the notice, as JSON (the date as an ISO string).
      { event: 'drift.report', ...notice(), at: '2026-03-31T12:00:00.000Z', text: undefined },
    );
  });

  test('names with HTML/mrkdwn characters are escaped (Telegram parses them, Slack shows them)', async () => {
    const odd = notice({ driftedColumns: ['a<b', 'x&y', 'p>q'] });
    const [t, s] = await notifyAll([tg(), sl()], odd, fastRetries());
    assert.ok(t.ok, t.error);
    assert.ok(s.ok, s.error);
    assert.match(telegram.messages.at(-1)!.text, /a&lt;b, x&amp;y, p&gt;q/);
    const block = slack.payloads.at(-1)!.blocks?.[0] as { text: { text: string } };
    assert.match(block.text.text, /a&lt;b, x&amp;y, p&gt;q/);
  });

  test('a very long column list still fits one Telegram message', async () => {
    const many = Array.from({ length: 400 }, (_, i) => `column_with_a_long_name_${i}`);
    const [t] = await notifyAll([tg()], notice({ driftedColumns: many, columnCount: 400 }), fastRetries());
    assert.ok(t.ok, t.error);
    assert.match(telegram.messages.at(-1)!.text, /and 380 more/);
  });

  test('a run without drift says so and has no column or persona list', async () => {
    const calm = notice({
      driftDetected: false,
      driftShare: 0,
      driftedColumns: [],
      fired: [],
      personaMix: { drifted: false, moves: [] },
      novelty: { share: 0.006, maxShare: 0.05, drifted: false },
      personasMoved: [],
    });
    const [t] = await notifyAll([tg()], calm);
    assert.ok(t.ok, t.error);
    const text = telegram.messages.at(-1)!.text;
    assert.match(text, /^<b>No drift found by shop\/customers-drift<\/b>/);
    assert.doesNotMatch(text, /Drifted columns|Fired|Persona mix|Novelty|Personas that moved/);
  });

  test('a report stored before the persona tests: the webhook says null for them', async () => {
    const old = notice();
    for (const k of ['fired', 'personaMix', 'novelty', 'personasMoved'] as const) delete old[k];
    const body = webhookBody(old);
    assert.deepEqual(
      [body.fired, body.personaMix, body.novelty, body.personasMoved],
      [null, null, null, null],
    );
    assert.doesNotMatch(body.text, /Fired|Persona/);
  });
});

describe('retries', () => {
  test('Telegram 429: waits parameters.retry_after, then succeeds', async () => {
    telegram.failNext(2, { mode: 'rate-limit', retryAfter: 3 });
    const opts = fastRetries();
    const r = await notify(tg(), notice(), opts);
    assert.ok(r.ok, r.error);
    assert.equal(r.attempts, 3);
    assert.deepEqual(opts.delays, [3000, 3000]);
  });

  test('Slack 429: waits Retry-After; a server-given delay is capped by maxDelayMs', async () => {
    slack.failNext(1, { mode: 'rate-limit', retryAfter: 2 });
    slack.failNext(1, { mode: 'rate-limit', retryAfter: 3600 });
    const opts = fastRetries({ maxDelayMs: 10_000 });
    const r = await notify(sl(), notice(), opts);
    assert.ok(r.ok, r.error);
    assert.equal(r.attempts, 3);
    assert.deepEqual(opts.delays, [2000, 10_000]);
  });

  test('webhook 503: exponential backoff with jitter; the retried delivery is signed and accepted', async () => {
    const before = webhook.deliveries.length;
    webhook.failNext(3, { mode: 'server-error' });
    const opts = fastRetries({ baseDelayMs: 100 });
    const r = await notify(wh(), notice(), opts);
    assert.ok(r.ok, r.error);
    assert.equal(r.attempts, 4);
    assert.equal(opts.delays.length, 3);
    opts.delays.forEach((d, i) => {
      const full = 100 * 2 ** i;
      assert.ok(d >= full / 2 && d <= full, `delay ${i}: ${d} in [${full / 2}, ${full}]`);
    });
    assert.equal(webhook.deliveries.length, before + 1);
  });

  test('gives up after maxAttempts with the last answer and the attempt count', async () => {
    telegram.failNext(3, { mode: 'server-error' });
    const r = await notify(tg(), notice(), fastRetries({ maxAttempts: 3 }));
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 3);
    assert.equal(r.status, 500);
    assert.equal(r.error, 'Telegram answered 500: Internal Server Error (gave up after 3 attempts)');
  });

  test('a receiver that never answers times out, and the retry goes through', async () => {
    slack.failNext(1, { mode: 'hang' });
    const opts = fastRetries({ timeoutMs: 300 });
    const r = await notify(sl(), notice(), opts);
    assert.ok(r.ok, r.error);
    assert.equal(r.attempts, 2);
    slack.failNext(2, { mode: 'hang' });
    const failed = await notify(sl(), notice(), fastRetries({ timeoutMs: 300, maxAttempts: 2 }));
    assert.equal(failed.ok, false);
    assert.equal(failed.error, 'no answer within 300 ms (gave up after 2 attempts)');
  });
});

describe('failures that a retry cannot fix are not retried', () => {
  test('Telegram 400 (chat not found), 401 (wrong token)', async () => {
    const r = await notify(tg('999'), notice(), fastRetries());
    assert.deepEqual([r.ok, r.attempts, r.status], [false, 1, 400]);
    assert.equal(r.error, 'Telegram answered 400: Bad Request: chat not found');
    const wrong = await notify(
      { kind: 'telegram', botToken: '999:wrong-token-value', chatId: '42', apiBase: telegram.apiBase },
      notice(),
      fastRetries(),
    );
    assert.deepEqual(
      [wrong.ok, wrong.attempts, wrong.error],
      [false, 1, 'Telegram answered 401: Unauthorized'],
    );
  });

  test('Slack invalid_payload and no_service', async () => {
    slack.failNext(1, { mode: 'invalid-payload' });
    const r = await notify(sl(), notice(), fastRetries());
    assert.deepEqual([r.ok, r.attempts, r.error], [false, 1, 'Slack answered 400: invalid_payload']);
    const gone = await notify(
      { kind: 'slack', webhookUrl: slack.webhookUrl.replace('fakeSlackSecret', 'revoked') },
      notice(),
      fastRetries(),
    );
    assert.deepEqual([gone.ok, gone.attempts, gone.error], [false, 1, 'Slack answered 404: no_service']);
  });

  test('webhook signed with the wrong key: 401, refused by the receiver', async () => {
    const r = await notify(wh('not-the-key-at-all'), notice(), fastRetries());
    assert.deepEqual([r.ok, r.attempts, r.error], [false, 1, 'webhook answered 401: signature mismatch']);
    const unsigned = await notify(wh(null), notice(), fastRetries());
    assert.equal(unsigned.error, 'webhook answered 401: missing or malformed X-Persona-Timestamp');
    assert.deepEqual(webhook.rejected.slice(-2), [
      'signature mismatch',
      'missing or malformed X-Persona-Timestamp',
    ]);
  });

  test('bad target configuration is reported without any request', async () => {
    const results = await notifyAll(
      [
        { kind: 'telegram', botToken: '', chatId: '42' },
        { kind: 'slack', webhookUrl: 'not a url' },
        { kind: 'webhook', url: 'ftp://example.invalid/x' },
      ],
      notice(),
    );
    assert.deepEqual(
      results.map((r) => [r.ok, r.attempts, r.error]),
      [
        [false, 0, 'the bot token is empty'],
        [false, 0, 'the Slack webhook URL is not a valid URL'],
        [false, 0, 'url must be http(s)'],
      ],
    );
  });
});

describe('secrets and isolation', () => {
  test('the bot token never appears in an error, even when the transport echoes the URL', async () => {
    const echoing: typeof fetch = async (input) => {
      throw new TypeError(`request to ${String(input)} failed`, {
        cause: { message: `cannot reach ${String(input)}` },
      });
    };
    const r = await notify(tg(), notice(), fastRetries({ fetch: echoing, maxAttempts: 2 }));
    assert.equal(r.ok, false);
    assert.ok(!r.error?.includes(telegram.token), r.error);
    assert.match(
      r.error ?? '',
      /network error: cannot reach http:\/\/127\.0\.0\.1:\d+\/bot\*\*\*\/sendMessage/,
    );
    const s = await notify(sl(), notice(), fastRetries({ fetch: echoing, maxAttempts: 1 }));
    assert.ok(!s.error?.includes('fakeSlackSecret'), s.error);
  });

  test('an unreachable receiver is a network error; the other targets still get through', async () => {
    const port = await freePort();
    const down: NotifyTarget = { kind: 'webhook', url: `http://127.0.0.1:${port}/hooks/drift` };
    const results = await notifyAll([down, tg(), sl()], notice(), fastRetries({ maxAttempts: 2 }));
    assert.equal(results[0].ok, false);
    assert.match(results[0].error ?? '', /^network error: .*ECONNREFUSED.*\(gave up after 2 attempts\)$/);
    assert.equal(results[0].target, `webhook http://127.0.0.1:${port}/hooks/drift`);
    assert.deepEqual(
      results.slice(1).map((r) => r.ok),
      [true, true],
    );
  });
});

describe('helpers', () => {
  test('shouldNotify: always on drift, without drift only with onNoDrift', () => {
    assert.equal(shouldNotify({ driftDetected: true }, false), true);
    assert.equal(shouldNotify({ driftDetected: true }, undefined), true);
    assert.equal(shouldNotify({ driftDetected: false }, false), false);
    assert.equal(shouldNotify({ driftDetected: false }, undefined), false);
    assert.equal(shouldNotify({ driftDetected: false }, true), true);
  });

  test('noticeFromReport: a stored report becomes a notice with the link', () => {
    const n = noticeFromReport(
      {
        id: 5,
        monitor: 'shop/m',
        model: { namespace: 'shop', name: 'customers', version: 2 },
        driftDetected: true,
        share: 0.5,
        columns: [
          { name: 'age', drifted: false },
          { name: 'income', drifted: true },
        ],
        summary: { shareThreshold: 0.5 },
        createdAt: new Date('2026-01-01T00:00:00Z'),
      },
      'http://op/reports/5',
    );
    assert.deepEqual(n, {
      monitor: 'shop/m',
      model: { namespace: 'shop', name: 'customers', version: 2 },
      driftDetected: true,
      driftShare: 0.5,
      shareThreshold: 0.5,
      driftedColumns: ['income'],
      columnCount: 2,
      reportId: 5,
      reportUrl: 'http://op/reports/5',
      at: new Date('2026-01-01T00:00:00Z'),
    });

    test('noticeFromReport: the persona tests name who grew and shrank, novelty and who moved', () => {
      const n = noticeFromReport({
        id: 6,
        monitor: 'shop/m',
        model: { namespace: 'shop', name: 'customers', version: 2 },
        driftDetected: true,
        share: 0,
        columns: [{ name: 'age', drifted: false }],
        details: sampleDriftDetails(),
        createdAt: new Date('2026-01-01T00:00:00Z'),
      });
      assert.deepEqual(n.fired, ['personaMix', 'perPersona']);
      assert.deepEqual(n.personaMix, {
        drifted: true,
        moves: [
          { name: 'Budget Brian', change: 'grew', from: 0.184, to: 0.406 },
          { name: 'Sustainable Steve', change: 'shrank', from: 0.184, to: 0.068 },
        ],
      });
      assert.deepEqual(n.novelty, { share: 0.012, maxShare: 0.05, drifted: false });
      assert.deepEqual(n.personasMoved, [{ persona: 'Eco-Conscious Haley', features: ['monthly_spend'] }]);
    });
  });

  test('webhook signatures: the documented scheme, verified; tampering, staleness and wrong keys refused', () => {
    const body = '{"event":"drift.report"}';
    const now = new Date('2026-03-31T12:00:00Z');
    const ts = String(now.getTime() / 1000);
    const sig = signWebhookBody('k3y-value', ts, body);
    // From Python: hmac.new(b'k3y-value', b'1774958400.' + body, hashlib.sha256).hexdigest()
    assert.equal(sig, 'sha256=191d737ded46f7b3d0fdf57f151fad028e1ffe116b8ad17c6c9d688cf36717de');
    const ok = { timestamp: ts, signature: sig };
    assert.equal(verifyWebhookSignature('k3y-value', ok, body, { now }), true);
    assert.equal(verifyWebhookSignature('k3y-value', ok, body.replace('drift', 'drifT'), { now }), false);
    assert.equal(verifyWebhookSignature('other-key', ok, body, { now }), false);
    const later = new Date(now.getTime() + 301_000);
    assert.equal(verifyWebhookSignature('k3y-value', ok, body, { now: later }), false);
    assert.equal(
      verifyWebhookSignature('k3y-value', { timestamp: ts, signature: undefined }, body, { now }),
      false,
    );
  });
});
