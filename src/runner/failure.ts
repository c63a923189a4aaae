/**
 * Failures as data: a failing journey step (or fixture) attaches a `canary-failure` record to its
 * test, with the stage and the evidence; the summary reporter reads it back. Nothing downstream
 * parses an error message.
 */
import { CanaryError, type Evidence, type Stage } from '../errors.ts';
import { redact } from '../log/redact.ts';
import { failureRecordSchema, type FailureRecord } from './summary-schema.ts';

export const FAILURE_ATTACHMENT = 'canary-failure';
/** What the fixtures deleted or kept after a test (src/cleanup/after-test.ts's CleanupRecord). */
export const CLEANUP_ATTACHMENT = 'canary-cleanup';
/** Under a plain Playwright run: what the test's worker drove (summary.json's `target`), as JSON. */
export const TARGET_ANNOTATION = 'canary:target';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The first lines of an error message, without colour codes, redacted. */
export function errorText(message: string, lines = 12): string {
  return redact(message.replace(ANSI, '')).split('\n').slice(0, lines).join('\n').trimEnd();
}

/** A value made safe for JSON (no cycles, no functions, long strings cut) and redacted. */
export function plainEvidence(value: unknown): Evidence {
  const seen = new WeakSet<object>();
  const json = JSON.stringify(value ?? {}, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return v.length > 2_000 ? `${v.slice(0, 2_000)}…` : v;
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
  const parsed = JSON.parse(redact(json)) as unknown;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Evidence) : { value: parsed };
}

/** Playwright's `expect` errors carry what was expected and what was received. */
interface MatcherError {
  matcherResult?: { name?: string; expected?: unknown; actual?: unknown };
}

/**
 * What `err`, thrown in `where.step` (null: outside any step), says about the failure: a
 * CanaryError's own stage and evidence win over the step's stage; an `expect` failure gives what
 * was expected and received.
 */
export function failureRecord(err: unknown, where: { stage: Stage; step: string | null }): FailureRecord {
  const error = err instanceof Error ? err : new Error(String(err));
  let stage = where.stage;
  let evidence: Evidence = {};
  if (err instanceof CanaryError) {
    stage = err.stage;
    evidence = err.evidence;
  } else if ((err as MatcherError)?.matcherResult) {
    const m = (err as MatcherError).matcherResult!;
    evidence = { assertion: m.name ?? null, expected: m.expected ?? null, received: m.actual ?? null };
  }
  return failureRecordSchema.parse({
    stage,
    step: where.step,
    error_name: error.name,
    message: errorText(error.message),
    evidence: plainEvidence(evidence),
  });
}

/** The record in an attachment body, or null when it is not one (never throws: a report must be written). */
export function parseFailureRecord(body: Buffer | string | undefined): FailureRecord | null {
  if (!body) return null;
  try {
    const result = failureRecordSchema.safeParse(JSON.parse(body.toString()));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
