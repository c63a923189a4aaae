/**
 * The PostgreSQL history (CANARY_COORDINATOR_URL): the same contract as SQLite's, against a real
 * server started for the test (src/testing/postgres.ts; it fails, not skips, where PostgreSQL is
 * not installed), plus its table made once by machines opening it at once, and an unreachable
 * server costing a run one warning line that does not show the URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPostgres, type StartedPostgres } from '../testing/postgres.ts';
import { appendIfAbsent, POSTGRES_SCHEMA_VERSION } from './postgres.ts';
import { recordRun } from './record.ts';
import { openHistory } from './store.ts';
import { runSummary } from './testing/runs.ts';
import { storeContract } from './testing/store-contract.ts';

let server: StartedPostgres;
let reportsDir: string;
const REPORT_URL = 'https://reports.example.com/canary';
const config = () => ({ CANARY_REPORTS_DIR: reportsDir, CANARY_REPORT_URL: REPORT_URL, CANARY_COORDINATOR_URL: server.url });

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

before(async () => {
  server = await startPostgres();
  reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-history-pg-'));
});
after(async () => {
  await server?.stop();
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
});

describe('the PostgreSQL history store', () => {
  it('machines opening the history at once create its table once, at the current schema version', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => openHistory(config())));
    await Promise.all(stores.map((s) => s.close()));
    assert.deepEqual(await sql('SELECT version FROM canary_history_schema ORDER BY version'), [{ version: POSTGRES_SCHEMA_VERSION }]);
    const tables = await sql<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'canary_history%' ORDER BY 1");
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ['canary_history', 'canary_history_schema'],
    );
  });

  storeContract(() => ({
    reportsDir,
    reportUrl: REPORT_URL,
    fresh: async () => {
      const store = await openHistory(config());
      await sql('TRUNCATE canary_history');
      return store;
    },
    again: () => openHistory(config()),
  }));

  it("a run recorded in PostgreSQL is drawn on this machine's dashboard with the others", async () => {
    const warnings: string[] = [];
    const s = runSummary({ outcome: 'failed', stage: 'webhook', startedAt: new Date(), durationMs: 26_000 });
    const recorded = await recordRun(s, path.join(reportsDir, s.run_id), config(), (l) => warnings.push(l));
    assert.deepEqual(warnings, []);
    assert.equal(recorded.dashboard, path.join(reportsDir, 'index.html'));
    const html = readFileSync(recorded.dashboard!, 'utf8');
    assert.match(html, /from PostgreSQL \(CANARY_COORDINATOR_URL\)/);
    assert.ok(html.includes(`data-run-id="${s.run_id}" data-duration-ms="26000"`));
    assert.ok(html.includes(`href="${REPORT_URL}/${s.run_id}/html/index.html"`), 'links to the published report, which any machine can open');
  });

  it("appendIfAbsent, in the caller's transaction, adds a run once and never replaces a recorded one; the run's own append replaces it", async () => {
    await sql('DROP TABLE IF EXISTS canary_history, canary_history_schema');
    const where = { reportsDir, reportUrl: REPORT_URL };
    const aborted = runSummary({ outcome: 'aborted', startedAt: '2026-12-02T12:00:00.000Z', durationMs: 9_000, trigger: 'schedule' });
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const inTransaction = async (work: () => Promise<boolean>, commit = true) => {
        await client.query('BEGIN');
        const added = await work();
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        return added;
      };
      // The history's table does not exist yet: it is made in the same transaction, and goes if it rolls back.
      assert.equal(await inTransaction(() => appendIfAbsent(client, aborted, path.join(reportsDir, aborted.run_id), where), false), true);
      assert.deepEqual(await sql("SELECT table_name FROM information_schema.tables WHERE table_name = 'canary_history'"), []);
      assert.equal(await inTransaction(() => appendIfAbsent(client, aborted, path.join(reportsDir, aborted.run_id), where)), true);
      assert.equal(await inTransaction(() => appendIfAbsent(client, aborted, path.join(reportsDir, aborted.run_id), where)), false, 'only once');
      const passed = { ...aborted, outcome: 'passed' as const, stopped: null, errors: [] };
      const store = await openHistory(config());
      try {
        await store.append(passed, path.join(reportsDir, passed.run_id));
        assert.equal(await inTransaction(() => appendIfAbsent(client, aborted, path.join(reportsDir, aborted.run_id), where)), false);
        assert.deepEqual(
          (await store.list()).map((e) => [e.run_id, e.outcome]),
          [[aborted.run_id, 'passed']],
          "the run's own result stays",
        );
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
    }
  });

  it('stores no URL of the coordinator, and an unreachable one costs the run one warning line without it', async () => {
    const rows = await sql<{ row: string }>('SELECT row_to_json(h)::text AS row FROM canary_history h');
    assert.ok(rows.length > 0);
    const port = new URL(server.url).port;
    for (const { row } of rows) assert.ok(!row.includes(`:${port}`) && !row.includes('postgres://'), row.slice(0, 200));

    const secretUrl = 'postgres://canary:s3cret-Passw0rd@127.0.0.1:9/canary';
    const warnings: string[] = [];
    const s = runSummary({ outcome: 'passed', startedAt: '2026-12-01T00:00:00.000Z', durationMs: 20_000 });
    const recorded = await recordRun(s, path.join(reportsDir, s.run_id), { ...config(), CANARY_COORDINATOR_URL: secretUrl }, (l) => warnings.push(l));
    assert.deepEqual(recorded, { dashboard: null });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^history: run \S+ not recorded: could not open the run history in PostgreSQL \(CANARY_COORDINATOR_URL\): /);
    assert.ok(!warnings[0]!.includes('s3cret') && !warnings[0]!.includes('postgres://'), warnings[0]);
  });
});
