/** Durations as the CLI, the variables and the config file write them: `90s`, `10m`, `7d`, `250ms`. */

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_MESSAGE = 'must be a duration such as 90s, 10m, 7d (units ms, s, m, h, d)';

/** `90s`, `10m`, `7d` (or `250ms`) in milliseconds; throws with the message a flag or variable shows. */
export function parseDuration(raw: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!m || Number(m[1]) === 0) throw new Error(DURATION_MESSAGE);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

/** Milliseconds as the CLI writes durations: the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
