/**
 * The numbers the dashboard shows, as pure functions over history entries. Only runs with a
 * verdict count: passed and flaky (it passed, on a retry) against failed. Inconclusive runs
 * (Checkout blocked the robot), aborted runs and runs where no test matched say nothing about the
 * checkout, so they are left out of the pass rate, the durations and the failure streak — as the
 * alert policy leaves them out of its streak.
 */
import type { RunOutcome } from '../runner/summary-schema.ts';
import type { HistoryEntry } from './entry.ts';

type Entry = Pick<HistoryEntry, 'outcome' | 'started_at' | 'duration_ms' | 'run_id'>;

export const WINDOWS = [
  { key: '24h', label: '24 h', ms: 24 * 3_600_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86_400_000 },
] as const;
export type WindowKey = (typeof WINDOWS)[number]['key'];

const PASSING: readonly RunOutcome[] = ['passed', 'flaky'];

export function hasVerdict(e: Pick<HistoryEntry, 'outcome'>): boolean {
  return e.outcome === 'passed' || e.outcome === 'flaky' || e.outcome === 'failed';
}

/** Nearest-rank percentile (the smallest value with at least p% of the values at or below it); null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface WindowStats {
  /** Every run started in the window, whatever its outcome. */
  runs: number;
  /** Runs with a verdict (passed, flaky, failed). */
  verdicts: number;
  passed: number;
  failed: number;
  /** (passed + flaky) / verdicts, 0–1; null without a verdict. */
  passRate: number | null;
  p50: number | null;
  p95: number | null;
}

export function windowStats(entries: Entry[], now: Date, ms: number): WindowStats {
  const from = now.getTime() - ms;
  const inWindow = entries.filter((e) => {
    const t = Date.parse(e.started_at);
    return t >= from && t <= now.getTime();
  });
  const judged = inWindow.filter(hasVerdict);
  const passed = judged.filter((e) => PASSING.includes(e.outcome)).length;
  const durations = judged.map((e) => e.duration_ms);
  return {
    runs: inWindow.length,
    verdicts: judged.length,
    passed,
    failed: judged.length - passed,
    passRate: judged.length ? passed / judged.length : null,
    p50: percentile(durations, 50),
    p95: percentile(durations, 95),
  };
}

export interface Streak {
  /** Failed runs in a row, newest back to the last pass. */
  failures: number;
  /** When the first of them started (ISO); null with no failure. */
  since: string | null;
  /** The newest passed or flaky run; null when none is known. */
  lastPass: Entry | null;
  /** True when every known run failed: the streak may have begun before the history shown. */
  atLeast: boolean;
}

/** The current failure streak of one check, from its entries in any order. */
export function failureStreak(entries: Entry[]): Streak {
  const newestFirst = [...entries].sort((a, b) => b.started_at.localeCompare(a.started_at) || b.run_id.localeCompare(a.run_id));
  let failures = 0;
  let since: string | null = null;
  for (const e of newestFirst) {
    if (!hasVerdict(e)) continue;
    if (e.outcome !== 'failed') return { failures, since, lastPass: e, atLeast: false };
    failures++;
    since = e.started_at;
  }
  return { failures, since, lastPass: null, atLeast: failures > 0 };
}
