// Secrets must not leak through error messages: a failed fetch can echo its URL (Telegram's
// carries the bot token, a Slack webhook URL is a credential as a whole).

/** Replaces every occurrence of each secret (raw and URL-encoded) with "***". */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out;
}

/** A URL safe to show: scheme, host and path; no credentials, query or fragment. */
export function safeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
