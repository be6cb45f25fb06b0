// What the notifiers send and what they report back. Secrets (bot token, Slack webhook URL,
// HMAC key) come in as values, read by the operator from Kubernetes Secrets; they never appear
// in a NotificationResult, a log line or an error message.
import type { DriftTestGroup } from '@persona-operator/core/drift/index';

/** A persona whose share of the rows changed in a drifted persona mix. */
export interface PersonaMove {
  name: string;
  change: 'grew' | 'shrank';
  /** Its share of the reference rows and of the current rows. */
  from: number;
  to: number;
}

/** One drift run, as the notifiers describe it. */
export interface DriftNotice {
  /** The DriftMonitor, "<namespace>/<name>". */
  monitor: string;
  model: { namespace: string; name: string; version: number };
  driftDetected: boolean;
  driftShare: number;
  /** The share at or above which the dataset counts as drifted. */
  shareThreshold?: number;
  /** Names of the columns that drifted. */
  driftedColumns: string[];
  /** How many columns were tested. */
  columnCount: number;
  /** The tests that found drift (absent for a report stored before the persona tests). */
  fired?: DriftTestGroup[];
  personaMix?: { drifted: boolean; moves: PersonaMove[] };
  novelty?: { share: number; maxShare: number; drifted: boolean };
  /** The personas that moved in some feature, with those features. */
  personasMoved?: { persona: string; features: string[] }[];
  reportId?: number;
  /** Link to the HTML report (the operator's /reports/{id}). */
  reportUrl?: string;
  /** When the run finished. */
  at: Date;
}

export interface TelegramTarget {
  kind: 'telegram';
  botToken: string;
  chatId: string;
  /** Bot API base URL (a proxy, or a fake in tests); default https://api.telegram.org. */
  apiBase?: string;
}

export interface SlackTarget {
  kind: 'slack';
  /** The incoming-webhook URL; it is itself the secret. */
  webhookUrl: string;
}

export interface WebhookTarget {
  kind: 'webhook';
  url: string;
  /** Key of the X-Persona-Signature HMAC; unsigned when absent. */
  hmacSecret?: string;
}

export type NotifyTarget = TelegramTarget | SlackTarget | WebhookTarget;

export interface NotificationResult {
  kind: NotifyTarget['kind'];
  /** Which target, safe to show: "telegram chat 42", "slack webhook hooks.slack.com", a webhook URL without query. */
  target: string;
  ok: boolean;
  /** HTTP requests made (1 when the first one succeeded). */
  attempts: number;
  /** Why it failed, without secrets. */
  error?: string;
  /** The last HTTP status seen, if any. */
  status?: number;
}

export interface NotifyOptions {
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Requests per target including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay, doubled per retry with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts, also for a server's retry-after (default 30 s). */
  maxDelayMs?: number;
  /** Injected in tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}
