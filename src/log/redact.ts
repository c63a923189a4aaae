/**
 * Secrets that must never reach output, reports or alerts: Stripe keys, webhook secrets,
 * Slack tokens. Everything printed goes through `redact`.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9_]+/g, '$1_$2_[REDACTED]'],
  [/\bwhsec_[A-Za-z0-9_]+/g, 'whsec_[REDACTED]'],
  [/\bxox[abpre]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
];

const extra = new Set<string>();

/** Registers a configured secret value, whatever its format (an admin token, a key with unusual characters). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) extra.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of extra) out = out.split(secret).join('[REDACTED]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
