/**
 * zod's issues as the lines a user reads: the path in the file, what is wrong, and what was
 * given — `app.priceLookupKey: expected a string, got number`, `alerts.alertAfterr: unknown key
 * "alertAfterr" — did you mean "alertAfter"?`.
 */
import type { z } from 'zod';

/** What a value is, as a message names it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return typeof value;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/** Edit distance, for "did you mean": small strings only. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest of `known` to `key`, when it is close enough to be a typo. */
export function closest(key: string, known: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** The keys the object schema at `path` accepts (optional and piped schemas unwrapped). */
function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = () => {
    for (;;) {
      const def = (s as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } })?._zod?.def;
      if (def?.type === 'optional' || def?.type === 'nullable' || def?.type === 'default') s = def.innerType;
      else if (def?.type === 'pipe') s = def.in;
      else return;
    }
  };
  unwrap();
  for (const k of path) {
    const shape = (s as { shape?: Record<string, unknown> })?.shape;
    if (!shape || typeof k !== 'string') return [];
    s = shape[k];
    unwrap();
  }
  return Object.keys((s as { shape?: Record<string, unknown> })?.shape ?? {});
}

const show = (value: unknown) => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

const dotted = (path: PropertyKey[]) => path.map(String).join('.');

/** The lines for one issue (an unknown-keys issue gives one line per key). */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType, secretsElsewhere: Record<string, string> = {}): string[] {
  const where = dotted(issue.path);
  const given = valueAt(input, issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const full = where ? `${where}.${key}` : key;
      const secret = secretsElsewhere[full];
      if (secret) return `${full}: keep secrets out of the file: set ${secret} in the environment or .env`;
      const suggestion = closest(key, keysAt(schema, issue.path));
      return `${full}: unknown key "${key}"${suggestion ? ` — did you mean "${suggestion}"?` : ` (known keys: ${keysAt(schema, issue.path).join(', ')})`}`;
    });
  }
  const prefix = where ? `${where}: ` : '';
  if (issue.code === 'invalid_type') {
    if (given === undefined) return [`${prefix}missing: ${issue.message.startsWith('Invalid input') ? `expected ${article(issue.expected)}` : issue.message}`];
    return [
      `${prefix}expected ${article(issue.expected)}, got ${kindOf(given)}${typeof given === 'function' || typeof given === 'object' ? '' : ` (${show(given)})`}`,
    ];
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return [`${prefix}${message}${given === undefined ? '' : ` (got ${show(given)})`}`];
}
