/**
 * `canary check freshness`: has the canary itself run? For a second, independent scheduler (a CI
 * cron) pointed at the shared history: it fails when the history holds no verdict (passed, flaky,
 * failed, inconclusive) of the check within the window — "the canary itself has not run since …"
 * — so a scheduler that stopped entirely is noticed by someone.
 */
import { formatDuration } from '../config/duration.ts';
import { formatDurationMs } from '../history/dashboard.ts';
import type { HistoryStore } from '../history/history-store.ts';
import type { CheckVerdict } from './check.ts';

/** The outcomes that say something about the app; aborted runs and runs with no test do not. */
const VERDICTS = new Set(['passed', 'flaky', 'failed', 'inconclusive']);

export interface FreshnessOptions {
  maxAgeMs: number;
  /** The check that must have run: a suite (`@critical`) or an API check (`webhooks`). */
  check: string;
}

export async function checkFreshness(store: HistoryStore, o: FreshnessOptions, now = new Date()): Promise<CheckVerdict> {
  const entries = await store.list({ check: o.check, last: 100 });
  const last = entries.find((e) => VERDICTS.has(e.outcome));
  const ageMs = last ? now.getTime() - Date.parse(last.started_at) : null;
  const evidence = {
    check: o.check,
    max_age_ms: o.maxAgeMs,
    history: store.where,
    last: last ? { run_id: last.run_id, started_at: last.started_at, outcome: last.outcome } : null,
  };
  if (last && ageMs !== null && ageMs <= o.maxAgeMs) {
    return {
      outcome: 'passed',
      title: `freshness: ${o.check} gave a verdict ${formatDurationMs(Math.max(0, ageMs))} ago (${last.run_id}, ${last.outcome}), within ${formatDuration(o.maxAgeMs)}`,
      stage: null,
      error: null,
      evidence: null,
    };
  }
  return {
    outcome: 'failed',
    title: `freshness: ${o.check} gives a verdict at least every ${formatDuration(o.maxAgeMs)}`,
    stage: 'monitor',
    error: `The canary itself has not run ${o.check} since ${last ? `${last.started_at} (${last.run_id}, ${last.outcome})` : 'the history began'}: no verdict within ${formatDuration(o.maxAgeMs)} in ${store.where}.`,
    evidence,
  };
}
