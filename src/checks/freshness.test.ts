/**
 * `canary check freshness` as the command runs, on the SQLite history and on a shared PostgreSQL
 * one: with no verdict in the history it fails (exit 1) and alerts, stage `monitor`; after a run
 * it passes (and says recovered); once the window has passed with none it fails again naming the
 * last verdict; aborted runs are no verdict; API checks are asked for by name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { recordRun } from '../history/record.ts';
import { runSummary } from '../history/testing/runs.ts';
import { startPostgres, type StartedPostgres } from '../testing/postgres.ts';
import { startChecksHarness, type ChecksHarness } from './testing/checks-harness.ts';

const HOUR = 3_600_000;

describe('canary check freshness', () => {
  let c: ChecksHarness;
  let pg: StartedPostgres;

  before(async () => {
    [c, pg] = await Promise.all([startChecksHarness(`sk_test_fresh${Math.random().toString(36).slice(2, 10)}`), startPostgres()]);
  });
  after(async () => {
    await Promise.all([c?.close(), pg?.stop()]);
  });

  /** A browser run of @critical that started `hoursAgo` before now, in the history `config` names. */
  async function browserRun(hoursAgo: number, outcome: 'passed' | 'aborted', extra: NodeJS.ProcessEnv = {}) {
    const summary = runSummary({ outcome, startedAt: new Date(Date.now() - hoursAgo * HOUR), durationMs: 20_000, grep: '@critical' });
    const warnings: string[] = [];
    const config = { CANARY_REPORTS_DIR: c.env.CANARY_REPORTS_DIR!, CANARY_REPORT_URL: undefined, CANARY_COORDINATOR_URL: undefined, ...extra };
    await recordRun(summary, path.join(config.CANARY_REPORTS_DIR, summary.run_id), config, (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    return summary;
  }

  it('fails and alerts with no verdict; passes after a run; fails again once the window passed with none', async () => {
    const none = await c.check(['freshness', '--max-age', '7h']);
    assert.equal(none.code, 1, none.out + none.err);
    assert.equal(none.summary.check, 'freshness');
    const t = none.summary.tests[0]!;
    assert.equal(t.stage, 'monitor');
    assert.match(t.error!, /The canary itself has not run @critical since the history began: no verdict within 7h in .*history\.sqlite/);
    let messages = await c.messages();
    assert.equal(messages.length, 1);
    assert.match(messages[0]!.text, /checkout-canary freshness FAILED/);
    assert.match(JSON.stringify(messages[0]!.blocks), /No verdict of @critical within 7\.0 h/);

    const last = await browserRun(3, 'passed');
    const fresh = await c.check(['freshness', '--max-age', '7h']);
    assert.equal(fresh.code, 0, fresh.out + fresh.err);
    assert.match(fresh.summary.tests[0]!.title, new RegExp(`freshness: @critical gave a verdict 3 h 0 min ago \\(${last.run_id}, passed\\), within 7h`));
    messages = await c.messages();
    assert.match(messages.at(-1)!.text, /checkout-canary freshness recovered/);

    // A run stopped before its verdict says nothing about the app: it does not count.
    await browserRun(1, 'aborted');
    const stale = await c.check(['freshness', '--max-age', '2h']);
    assert.equal(stale.code, 1);
    assert.match(
      stale.summary.tests[0]!.error!,
      new RegExp(`has not run @critical since ${last.started_at.replace(/\./g, '\\.')} \\(${last.run_id}, passed\\)`),
    );
    assert.deepEqual(stale.summary.tests[0]!.evidence!.last, { run_id: last.run_id, started_at: last.started_at, outcome: 'passed' });
  });

  it('an API check is asked for by name: passes right after `canary check webhooks` ran', async () => {
    const before = await c.check(['freshness', '--check', 'webhooks', '--max-age', '10m']);
    assert.equal(before.code, 1);
    const webhooks = await c.check(['webhooks']);
    assert.equal(webhooks.code, 0, webhooks.out);
    const after = await c.check(['freshness', '--check', 'webhooks', '--max-age', '10m']);
    assert.equal(after.code, 0, after.out);
    assert.match(after.summary.tests[0]!.title, new RegExp(`\\(${webhooks.summary.run_id}, passed\\)`));
  });

  it("reads the shared PostgreSQL history a second scheduler's copies write", async () => {
    const shared = { CANARY_COORDINATOR_URL: pg.url };
    const none = await c.check(['freshness'], shared);
    assert.equal(none.code, 1);
    assert.match(none.summary.tests[0]!.error!, /in PostgreSQL \(CANARY_COORDINATOR_URL\)/);
    assert.ok(!none.summary.tests[0]!.error!.includes(new URL(pg.url).password || '\u0000'), 'no password in the finding');
    await browserRun(2, 'passed', shared);
    const fresh = await c.check(['freshness'], shared);
    assert.equal(fresh.code, 0, fresh.out);
  });
});
