/**
 * Test helper: what every HistoryStore must do, run against SQLite and against PostgreSQL alike.
 * `fresh()` answers a store over an empty history; `again()` another connection to the same one.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import type { RunSummary } from '../../runner/summary-schema.ts';
import type { HistoryStore } from '../store.ts';
import { runSummary, UPGRADE_TITLE } from './runs.ts';

export interface ContractSetup {
  reportsDir: string;
  reportUrl?: string;
  fresh(): Promise<HistoryStore>;
  again(): Promise<HistoryStore>;
}

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

export function storeContract(setup: () => ContractSetup): void {
  it('appends a run and lists it with the facts of its summary, the report link and the summary itself', async () => {
    const s = setup();
    const store = await s.fresh();
    try {
      const summary = runSummary({
        outcome: 'failed',
        stage: 'webhook',
        startedAt: at(0),
        durationMs: 21_300,
        trigger: 'post-deploy',
        deployer: 'ada@example.com',
        commit: '0123456789abcdef',
      });
      await store.append(summary, path.join(s.reportsDir, summary.run_id));
      const [e, ...rest] = await store.list();
      assert.equal(rest.length, 0);
      const { summary: stored, ...fields } = e!;
      assert.deepEqual(fields, {
        run_id: summary.run_id,
        check: '@critical',
        outcome: 'failed',
        trigger: 'post-deploy',
        started_at: '2026-12-01T00:00:00.000Z',
        finished_at: '2026-12-01T00:00:21.300Z',
        duration_ms: 21_300,
        failing_stage: 'webhook',
        failing_test: UPGRADE_TITLE,
        deployer: 'ada@example.com',
        commit: '0123456789abcdef',
        stripe_target: 'stripe',
        app_target: 'deployed',
        app_url: 'https://app.example.com',
        app_version: 'v42',
        report_path: `${summary.run_id}/html/index.html`,
        report_url: s.reportUrl ? `${s.reportUrl}/${summary.run_id}/html/index.html` : null,
      });
      assert.deepEqual(stored, summary, 'the whole summary comes back as it went in');
    } finally {
      await store.close();
    }
  });

  it('appending the same run id again replaces its row (a merged run is recorded once)', async () => {
    const s = setup();
    const store = await s.fresh();
    try {
      const first = runSummary({ outcome: 'aborted', startedAt: at(1), durationMs: 5_000, runId: 'canary_20261201T010000Z_0000beef' });
      const merged = runSummary({ outcome: 'failed', stage: 'checkout-ui', startedAt: at(1), durationMs: 30_000, runId: first.run_id });
      await store.append(first, path.join(s.reportsDir, first.run_id));
      await store.append(merged, path.join(s.reportsDir, first.run_id));
      await store.append(merged, path.join(s.reportsDir, first.run_id));
      const rows = await store.list();
      assert.deepEqual(
        rows.map((e) => [e.run_id, e.outcome, e.failing_stage, e.duration_ms]),
        [[first.run_id, 'failed', 'checkout-ui', 30_000]],
      );
      assert.equal(rows[0]!.summary.outcome, 'failed');
    } finally {
      await store.close();
    }
  });

  it('lists newest first, the last N, one check, and since a time; another connection sees the same', async () => {
    const s = setup();
    const store = await s.fresh();
    try {
      const runs = [
        runSummary({ outcome: 'passed', startedAt: at(0), durationMs: 18_000 }),
        runSummary({ outcome: 'failed', stage: 'webhook', startedAt: at(6), durationMs: 24_000 }),
        runSummary({ outcome: 'passed', startedAt: at(7), durationMs: 40_000, grep: '@extended', trigger: 'manual' }),
        runSummary({ outcome: 'inconclusive', startedAt: at(12), durationMs: 9_000 }),
        runSummary({ outcome: 'flaky', startedAt: at(18), durationMs: 31_000 }),
      ];
      // Out of order: the store orders by start time, not by arrival.
      for (const r of [runs[3]!, runs[0]!, runs[4]!, runs[2]!, runs[1]!]) await store.append(r, path.join(s.reportsDir, r.run_id));
      const ids = (xs: { run_id: string }[]) => xs.map((x) => x.run_id);
      assert.deepEqual(ids(await store.list()), ids([...runs].reverse()));
      assert.deepEqual(ids(await store.list({ last: 2 })), ids([runs[4]!, runs[3]!]));
      assert.deepEqual(ids(await store.list({ check: '@extended' })), ids([runs[2]!]));
      assert.deepEqual(ids(await store.list({ check: '@critical', last: 3 })), ids([runs[4]!, runs[3]!, runs[1]!]));
      assert.deepEqual(ids(await store.list({ check: '@nothing' })), []);
      assert.deepEqual(ids(await store.list({ since: at(7) })), ids([runs[4]!, runs[3]!, runs[2]!]));
      assert.deepEqual(ids(await store.list({ since: at(6), check: '@critical', last: 1 })), ids([runs[4]!]));
      const other = await s.again();
      try {
        assert.deepEqual(ids(await other.list()), ids([...runs].reverse()));
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
    }
  });

  it('prune deletes the runs that started before the cut and answers how many; those at or after it stay, and appending goes on', async () => {
    const s = setup();
    const store = await s.fresh();
    const append = async (...runs: RunSummary[]) => {
      for (const r of runs) await store.append(r, path.join(s.reportsDir, r.run_id));
    };
    const ids = (xs: { run_id: string }[]) => xs.map((x) => x.run_id);
    try {
      assert.equal(await store.prune(at(100)), 0, 'an empty history has nothing to delete');
      const cut = at(6);
      const old = [
        runSummary({ outcome: 'passed', startedAt: at(0), durationMs: 18_000 }),
        runSummary({ outcome: 'failed', stage: 'webhook', startedAt: at(5), durationMs: 24_000, grep: '@extended' }),
        runSummary({ outcome: 'passed', startedAt: new Date(cut.getTime() - 1), durationMs: 20_000 }),
      ];
      const kept = [
        runSummary({ outcome: 'passed', startedAt: cut, durationMs: 19_000 }),
        runSummary({ outcome: 'flaky', startedAt: at(12), durationMs: 31_000 }),
      ];
      await append(kept[1]!, old[0]!, kept[0]!, old[2]!, old[1]!);
      assert.equal(await store.countBefore(cut), 3);
      assert.equal((await store.list()).length, 5, 'counting deletes nothing');
      assert.equal(await store.prune(cut), 3);
      assert.deepEqual(ids(await store.list()), ids([kept[1]!, kept[0]!]), 'a run that started at the cut stays');
      assert.equal(await store.countBefore(cut), 0);
      assert.equal(await store.prune(cut), 0, 'pruning again deletes nothing more');

      const later = runSummary({ outcome: 'failed', stage: 'checkout-ui', startedAt: at(13), durationMs: 22_000 });
      await append(later);
      const other = await s.again();
      try {
        assert.deepEqual(ids(await other.list()), ids([later, kept[1]!, kept[0]!]), 'another connection sees the same');
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
    }
  });

  it('keeps any text as it was given: quotes, markup, non-ASCII', async () => {
    const s = setup();
    const store = await s.fresh();
    try {
      const summary = runSummary({
        outcome: 'failed',
        stage: 'app-ui',
        startedAt: at(2),
        durationMs: 12_000,
        deployer: `O'Brien "<b>Zoë</b>" ; DROP TABLE canary_history; --`,
        commit: `9f2c'"<>&`,
      });
      await store.append(summary, path.join(s.reportsDir, summary.run_id));
      const [e] = await store.list();
      assert.equal(e!.deployer, summary.deployer);
      assert.deepEqual(e!.summary, summary);
    } finally {
      await store.close();
    }
  });
}
