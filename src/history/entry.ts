/**
 * One run as the history keeps it: a row of the facts people sort and filter by, taken from
 * summary.json alone, with the whole summary beside them. Field names are stable: they are
 * `canary history --json`'s output.
 */
import path from 'node:path';
import type { RunOutcome, RunSummary } from '../runner/summary-schema.ts';

export interface HistoryEntry {
  run_id: string;
  /** The suite the run ran: its `--grep`, e.g. `@critical` (the alert calls it "checkout-canary @critical"). */
  check: string;
  outcome: RunOutcome;
  trigger: RunSummary['trigger'];
  /** ISO 8601, UTC, with milliseconds. */
  started_at: string;
  finished_at: string | null;
  duration_ms: number;
  /** Where the run failed (or was inconclusive): the run's own stage, else its first failing test's. */
  failing_stage: string | null;
  failing_test: string | null;
  deployer: string | null;
  commit: string | null;
  stripe_target: RunSummary['target']['stripe'];
  app_target: RunSummary['target']['app'];
  app_url: string;
  app_version: string | null;
  /** The run's HTML report relative to the reports folder, e.g. `<run-id>/html/index.html`. */
  report_path: string;
  /** The same under CANARY_REPORT_URL, when reports are published. */
  report_url: string | null;
}

export interface StoredEntry extends HistoryEntry {
  summary: RunSummary;
}

/**
 * A history row as both stores' tables name its columns, once each driver has turned its own types
 * into these (SQLite keeps times as text and the summary as JSON text; PostgreSQL answers Dates and
 * a bigint as a string).
 */
export interface HistoryRow {
  run_id: string;
  check_name: string;
  outcome: string;
  run_trigger: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number;
  failing_stage: string | null;
  failing_test: string | null;
  deployer: string | null;
  commit_sha: string | null;
  stripe_target: string;
  app_target: string;
  app_url: string;
  app_version: string | null;
  report_path: string;
  report_url: string | null;
  summary: RunSummary;
}

export function rowToEntry(r: HistoryRow): StoredEntry {
  return {
    run_id: r.run_id,
    check: r.check_name,
    outcome: r.outcome as StoredEntry['outcome'],
    trigger: r.run_trigger as StoredEntry['trigger'],
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    failing_stage: r.failing_stage,
    failing_test: r.failing_test,
    deployer: r.deployer,
    commit: r.commit_sha,
    stripe_target: r.stripe_target as StoredEntry['stripe_target'],
    app_target: r.app_target as StoredEntry['app_target'],
    app_url: r.app_url,
    app_version: r.app_version,
    report_path: r.report_path,
    report_url: r.report_url,
    summary: r.summary,
  };
}

/** Where the entry's links point: the reports folder, and where it is published. */
export interface ReportLocation {
  reportsDir: string;
  reportUrl?: string;
}

/** What the alert shows as "checkout-canary @critical" is check `@critical`; a run with no grep ran everything. */
export function checkOf(s: Pick<RunSummary, 'grep' | 'check'>): string {
  return s.check ?? s.grep ?? 'all';
}

/** A check as a user may type it: `@critical`, or the alert's `checkout-canary @critical`. */
export function normaliseCheck(name: string): string {
  return name.trim().replace(/^checkout-canary\s+/, '');
}

const iso = (t: string) => new Date(t).toISOString();

function failingOf(s: RunSummary): { stage: string | null; test: string | null } {
  const t = s.tests.find((x) => x.outcome === 'failed') ?? s.tests.find((x) => x.outcome === 'inconclusive');
  if (s.stage) return { stage: s.stage, test: t?.title ?? null };
  if (t) return { stage: t.stage, test: t.title };
  // A failure with no failing test: an error outside the tests (a spec that did not load).
  return { stage: s.outcome === 'failed' && s.errors.length > 0 ? 'outside-step' : null, test: null };
}

export function entryOf(s: RunSummary, reportDir: string, where: ReportLocation): StoredEntry {
  const rel = path.relative(where.reportsDir, reportDir).split(path.sep).join('/') || '.';
  const reportPath = `${rel}/html/index.html`;
  const failing = failingOf(s);
  return {
    run_id: s.run_id,
    check: checkOf(s),
    outcome: s.outcome,
    trigger: s.trigger,
    started_at: iso(s.started_at),
    finished_at: s.finished_at ? iso(s.finished_at) : null,
    duration_ms: s.duration_ms,
    failing_stage: failing.stage,
    failing_test: failing.test,
    deployer: s.deployer,
    commit: s.commit,
    stripe_target: s.target.stripe,
    app_target: s.target.app,
    app_url: s.target.app_url,
    app_version: s.target.app_version ?? null,
    report_path: reportPath,
    report_url: where.reportUrl && !rel.startsWith('..') ? `${where.reportUrl.replace(/\/$/, '')}/${reportPath}` : null,
    summary: s,
  };
}

/** The entry without its summary: what `canary history --json` prints. */
export function publicEntry({ summary: _summary, ...entry }: StoredEntry): HistoryEntry {
  return entry;
}
