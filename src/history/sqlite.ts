/**
 * The history on one machine: a SQLite file (better-sqlite3) in WAL mode with a busy timeout, so
 * runs finishing at once on the same machine wait for each other instead of failing. The schema's
 * version is SQLite's `user_version`; each migration runs once, in a write transaction.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunSummary } from '../runner/summary-schema.ts';
import { entryOf, rowToEntry, type HistoryRow, type ReportLocation } from './entry.ts';
import { HistoryUnavailable, type HistoryQuery, type HistoryStore } from './history-store.ts';

/** How long a writer waits for another to finish before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

/** Migration N takes the schema from version N to N+1; only ever append. */
const MIGRATIONS = [
  `CREATE TABLE canary_history (
     run_id TEXT PRIMARY KEY,
     check_name TEXT NOT NULL,
     outcome TEXT NOT NULL,
     run_trigger TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     duration_ms INTEGER NOT NULL,
     failing_stage TEXT,
     failing_test TEXT,
     deployer TEXT,
     commit_sha TEXT,
     stripe_target TEXT NOT NULL,
     app_target TEXT NOT NULL,
     app_url TEXT NOT NULL,
     app_version TEXT,
     report_path TEXT NOT NULL,
     report_url TEXT,
     summary TEXT NOT NULL,
     recorded_at TEXT NOT NULL
   );
   CREATE INDEX canary_history_started ON canary_history (started_at);
   CREATE INDEX canary_history_check_started ON canary_history (check_name, started_at);`,
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** SQLite keeps the summary as JSON text. */
type Row = Omit<HistoryRow, 'summary'> & { summary: string };

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (from < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

export function openSqliteHistory(file: string, where: ReportLocation): HistoryStore {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const upsert = db.prepare(`
    INSERT INTO canary_history (run_id, check_name, outcome, run_trigger, started_at, finished_at, duration_ms, failing_stage, failing_test,
      deployer, commit_sha, stripe_target, app_target, app_url, app_version, report_path, report_url, summary, recorded_at)
    VALUES (@run_id, @check, @outcome, @trigger, @started_at, @finished_at, @duration_ms, @failing_stage, @failing_test,
      @deployer, @commit, @stripe_target, @app_target, @app_url, @app_version, @report_path, @report_url, @summary, @recorded_at)
    ON CONFLICT (run_id) DO UPDATE SET check_name = excluded.check_name, outcome = excluded.outcome, run_trigger = excluded.run_trigger,
      started_at = excluded.started_at, finished_at = excluded.finished_at, duration_ms = excluded.duration_ms,
      failing_stage = excluded.failing_stage, failing_test = excluded.failing_test, deployer = excluded.deployer, commit_sha = excluded.commit_sha,
      stripe_target = excluded.stripe_target, app_target = excluded.app_target, app_url = excluded.app_url, app_version = excluded.app_version,
      report_path = excluded.report_path, report_url = excluded.report_url, summary = excluded.summary, recorded_at = excluded.recorded_at`);
  // Times are kept as ISO 8601 UTC text with milliseconds (entryOf), so text order is time order.
  const countBefore = db.prepare('SELECT count(*) AS n FROM canary_history WHERE started_at < @before');
  const pruneBefore = db.prepare('DELETE FROM canary_history WHERE started_at < @before');
  const fail = (what: string, err: unknown) =>
    new HistoryUnavailable(`could not ${what} the run history in ${file}: ${(err as Error).message}`, { cause: err });
  return {
    where: file,
    async append(summary, reportDir) {
      const e = entryOf(summary, reportDir, where);
      try {
        upsert.run({ ...e, summary: JSON.stringify(summary), recorded_at: new Date().toISOString() });
      } catch (err) {
        throw fail('write', err);
      }
    },
    async list(q: HistoryQuery = {}) {
      const clauses: string[] = [];
      const params: Record<string, unknown> = { last: q.last ?? -1 };
      if (q.check !== undefined) {
        clauses.push('check_name = @check');
        params.check = q.check;
      }
      if (q.since) {
        clauses.push('started_at >= @since');
        params.since = q.since.toISOString();
      }
      try {
        const rows = db
          .prepare(`SELECT * FROM canary_history ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC LIMIT @last`)
          .all(params) as Row[];
        return rows.map((r) => rowToEntry({ ...r, summary: JSON.parse(r.summary) as RunSummary }));
      } catch (err) {
        throw fail('read', err);
      }
    },
    async countBefore(before) {
      try {
        return (countBefore.get({ before: before.toISOString() }) as { n: number }).n;
      } catch (err) {
        throw fail('read', err);
      }
    },
    async prune(before) {
      try {
        return pruneBefore.run({ before: before.toISOString() }).changes;
      } catch (err) {
        throw fail('write', err);
      }
    },
    async close() {
      db.close();
    },
  };
}
