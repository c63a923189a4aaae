/**
 * The history shared by every machine: a table in the coordinator's PostgreSQL database
 * (CANARY_COORDINATOR_URL). The table is created when missing; its schema version is kept in
 * `canary_history_schema`, migrated under an advisory lock so machines starting at once do not
 * race. Every wait is bounded. The URL (it carries a password) is never printed.
 */
import pg from 'pg';
import type { RunSummary } from '../runner/summary-schema.ts';
import { entryOf, rowToEntry, type HistoryRow, type ReportLocation, type StoredEntry } from './entry.ts';
import { HistoryUnavailable, POSTGRES_WHERE, type HistoryQuery, type HistoryStore } from './history-store.ts';

const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;
/** The advisory lock the history's migrations take (any constant other users of the database do not use). */
const MIGRATION_LOCK = 4_206_318_762_001;

/** Migration N takes the schema from version N to N+1; only ever append. */
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS canary_history (
     run_id text PRIMARY KEY,
     check_name text NOT NULL,
     outcome text NOT NULL,
     run_trigger text NOT NULL,
     started_at timestamptz NOT NULL,
     finished_at timestamptz,
     duration_ms bigint NOT NULL,
     failing_stage text,
     failing_test text,
     deployer text,
     commit_sha text,
     stripe_target text NOT NULL,
     app_target text NOT NULL,
     app_url text NOT NULL,
     app_version text,
     report_path text NOT NULL,
     report_url text,
     summary jsonb NOT NULL,
     recorded_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX IF NOT EXISTS canary_history_started ON canary_history (started_at);
   CREATE INDEX IF NOT EXISTS canary_history_check_started ON canary_history (check_name, started_at);`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** PostgreSQL answers times as Dates and a bigint as a string. */
type Row = Omit<HistoryRow, 'started_at' | 'finished_at' | 'duration_ms'> & { started_at: Date; finished_at: Date | null; duration_ms: string };

/** The migrations not yet applied, inside the caller's transaction (the lock is held until it ends). */
async function migrateInTransaction(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await client.query('CREATE TABLE IF NOT EXISTS canary_history_schema (version integer NOT NULL)');
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM canary_history_schema');
  const from = rows[0]?.version ?? 0;
  for (let v = from; v < MIGRATIONS.length; v++) {
    await client.query(MIGRATIONS[v]!);
    await client.query('INSERT INTO canary_history_schema (version) VALUES ($1)', [v + 1]);
  }
}

async function migrate(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await migrateInTransaction(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

function fromRow(r: Row): StoredEntry {
  return rowToEntry({ ...r, started_at: r.started_at.toISOString(), finished_at: r.finished_at?.toISOString() ?? null, duration_ms: Number(r.duration_ms) });
}

const COLUMNS = [
  'run_id',
  'check_name',
  'outcome',
  'run_trigger',
  'started_at',
  'finished_at',
  'duration_ms',
  'failing_stage',
  'failing_test',
  'deployer',
  'commit_sha',
  'stripe_target',
  'app_target',
  'app_url',
  'app_version',
  'report_path',
  'report_url',
  'summary',
];

const INSERT = `INSERT INTO canary_history (${COLUMNS.join(', ')}, recorded_at)
  VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, now())`;
const UPSERT = `${INSERT}
  ON CONFLICT (run_id) DO UPDATE SET ${COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}, recorded_at = now()`;

/** The row's values in COLUMNS' order. */
function valuesOf(summary: RunSummary, reportDir: string, where: ReportLocation): unknown[] {
  const e = entryOf(summary, reportDir, where);
  return [
    e.run_id,
    e.check,
    e.outcome,
    e.trigger,
    e.started_at,
    e.finished_at,
    e.duration_ms,
    e.failing_stage,
    e.failing_test,
    e.deployer,
    e.commit,
    e.stripe_target,
    e.app_target,
    e.app_url,
    e.app_version,
    e.report_path,
    e.report_url,
    JSON.stringify(summary),
  ];
}

/**
 * Records `summary` unless its run id is already in the history, inside the caller's transaction
 * on `client` (the table is made ready first): what another process records about a run it did
 * not see end (a vanished schedule copy's run) never replaces the run's own result, while the
 * run's own `append`, should it finish after all, replaces that record. True when it was added.
 */
export async function appendIfAbsent(client: pg.ClientBase, summary: RunSummary, reportDir: string, where: ReportLocation): Promise<boolean> {
  await migrateInTransaction(client);
  const r = await client.query(`${INSERT} ON CONFLICT (run_id) DO NOTHING`, valuesOf(summary, reportDir, where));
  return r.rowCount === 1;
}

export async function openPostgresHistory(url: string, where: ReportLocation): Promise<HistoryStore> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'checkout-canary history',
  });
  // A connection dropped while idle: the next query fails and says so.
  client.on('error', () => {});
  const fail = (what: string, err: unknown) =>
    new HistoryUnavailable(`could not ${what} the run history in ${POSTGRES_WHERE}: ${(err as Error).message}`, { cause: err });
  try {
    await client.connect();
    await migrate(client);
  } catch (err) {
    await client.end().catch(() => {});
    throw fail('open', err);
  }
  return {
    where: POSTGRES_WHERE,
    async append(summary, reportDir) {
      try {
        await client.query(UPSERT, valuesOf(summary, reportDir, where));
      } catch (err) {
        throw fail('write', err);
      }
    },
    async list(q: HistoryQuery = {}) {
      try {
        const { rows } = await client.query<Row>(
          `SELECT * FROM canary_history
           WHERE ($1::text IS NULL OR check_name = $1) AND ($2::timestamptz IS NULL OR started_at >= $2)
           ORDER BY started_at DESC, run_id COLLATE "C" DESC LIMIT $3`,
          [q.check ?? null, q.since?.toISOString() ?? null, q.last ?? null],
        );
        return rows.map(fromRow);
      } catch (err) {
        throw fail('read', err);
      }
    },
    async countBefore(before) {
      try {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM canary_history WHERE started_at < $1', [before.toISOString()]);
        return Number(rows[0]!.n);
      } catch (err) {
        throw fail('read', err);
      }
    },
    async prune(before) {
      try {
        return (await client.query('DELETE FROM canary_history WHERE started_at < $1', [before.toISOString()])).rowCount ?? 0;
      } catch (err) {
        throw fail('write', err);
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}
