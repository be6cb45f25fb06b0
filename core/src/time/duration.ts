// The one duration grammar of the product: a non-negative number and a unit, such as 500ms,
// 1.5s, 15m, 24h or 7d. The CRDs' duration fields and the CLI flags both accept exactly this.

/** The grammar as a JSON-schema pattern, for the CRD fields that hold a duration. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?)(ms|s|m|h|d)$';

const DURATION = new RegExp(DURATION_PATTERN);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h" -> 86 400 000 (milliseconds, rounded). `field` names the input in the error. */
export function parseDuration(value: string, field: string): number {
  const m = DURATION.exec(value);
  if (!m) {
    throw new Error(
      `${field}: expected a duration such as 500ms, 90s, 15m, 24h or 7d, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[3]]);
}
