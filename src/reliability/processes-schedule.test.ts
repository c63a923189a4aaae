/**
 * Reliability: a `canary schedule` copy SIGKILLed mid-run is replaced by its peer, and the
 * occurrence it was running is recorded in the history as aborted. Two real copies ("two
 * machines": each its own reports folder) share a real PostgreSQL (CANARY_COORDINATOR_URL, an 8 s
 * lease) and a fast cron, and run the real @critical suite against one Stripe emulator and demo
 * app. The copy that claimed an occurrence is killed (its process only, as the OOM killer would)
 * once its run has made its customer; its orphaned Playwright stops by itself; once its lease
 * lapses the peer takes the abandoned claim, records that run in the PostgreSQL history as aborted
 * (once, under the run's own id, naming the vanished copy and the occurrence), never runs that
 * occurrence again, and runs the next one to a pass. The history rows, both reports folders and
 * both outputs are searched for the secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startDemoHarness } from '../demo-app/testing/harness.ts';
import { killProcessesOfRun, processesOfRun } from '../runner/processes.ts';
import { runSummarySchema } from '../runner/summary-schema.ts';
import { canaryCli, explain, waitFor, type Finished } from '../runner/testing/canary-cli.ts';
import { startPostgres } from '../testing/postgres.ts';
import { assertNoLeaks, webhookSecretsIn } from './testing/secrets.ts';

/** Every 20 s: room for one run (about 20 s) and the lease (8 s) between occurrences, on a busy machine too. */
const CRON = '*/20 * * * * *';

interface Copy {
  child: ChildProcess;
  owner: string;
  out: () => string;
  finished: Promise<Finished>;
}

test('a schedule copy killed mid-run is replaced by its peer, and its occurrence is recorded once in the history as aborted', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-schedule-'));
  const dataFile = path.join(dir, 'stripe.json');
  const key = `sk_test_sched${Math.random().toString(36).slice(2, 12)}`;
  const server = await startPostgres();
  const h = await startDemoHarness({ app: { stripeSecretKey: key }, emulator: { dataFile } }).catch(async (err) => {
    await server.stop();
    throw err;
  });
  const db = new pg.Pool({ connectionString: server.url, max: 2, connectionTimeoutMillis: 10_000 });
  // Two machines: each copy its own reports folder.
  const clis = [canaryCli({ boundMs: 300_000 }), canaryCli({ boundMs: 300_000 })];
  const runIds: string[] = [];
  t.after(async () => {
    for (const id of runIds) killProcessesOfRun(id);
    for (const cli of clis) cli.close();
    await db.end();
    await h.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = {
    STRIPE_SECRET_KEY: key,
    STRIPE_API_URL: h.emulator.url,
    DEMO_APP_URL: h.app.url,
    DEMO_APP_ADMIN_TOKEN: h.adminToken,
    CANARY_COORDINATOR_URL: server.url,
    CANARY_COORDINATOR_LEASE: '8s',
  };
  const copies: Copy[] = clis.map((cli) => {
    let child: ChildProcess | undefined;
    let out = '';
    const finished = cli.command(['schedule', '--cron', CRON, '--prune-cron', '0 0 1 1 *', '--grace', '5s'], env, (c) => {
      child = c;
      c.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    });
    return { child: child!, owner: `${os.hostname()} pid ${child!.pid}`, out: () => out, finished };
  });
  const tails = () => copies.map((c) => `\n--- ${c.owner}\n${c.out().slice(-3000)}`).join('');

  // The copy that claimed an occurrence, once its run has begun (the run's id noted on the claim).
  const claim = await waitFor(
    'a copy running an occurrence',
    async () =>
      (
        await db
          .query<{ key: string; occurrence: Date; owner: string; run_id: string }>(
            `select key, occurrence, owner, run_id from canary_schedule_claims where task = 'canary-run' and run_id is not null and completed_at is null`,
          )
          .catch(() => ({ rows: [] }))
      ).rows[0],
    90_000,
  ).catch((err: Error) => assert.fail(err.message + tails()));
  const runId = claim.run_id;
  runIds.push(runId);
  const killed = copies.find((c) => c.owner === claim.owner);
  const peer = copies.find((c) => c !== killed)!;
  assert.ok(killed, `the claim's owner ${claim.owner} is one of the copies${tails()}`);
  const occurrence = claim.occurrence.toISOString();
  t.diagnostic(`${killed.owner} runs ${runId} for the occurrence at ${occurrence}`);

  // Mid-run: Stripe holds the run's customer.
  await waitFor(
    `the customer of ${runId}`,
    async () => ((await h.stripe.customers.list({ limit: 100 })).data.some((c) => c.metadata.canary_run_id === runId) ? true : undefined),
    90_000,
  ).catch((err: Error) => assert.fail(err.message + tails()));
  process.kill(killed.child.pid!, 'SIGKILL');
  const killedAt = Date.now();
  const killedRun = await killed.finished;
  assert.equal(killedRun.signal, 'SIGKILL', explain(killedRun));
  await waitFor(
    'the killed copy’s Playwright and browser gone (they stop by themselves)',
    () => (processesOfRun(runId).length === 0 ? true : undefined),
    45_000,
  );

  // The peer takes the abandoned claim once the lease lapses: the run in the history, aborted.
  const row = await waitFor(
    `${runId} in the history`,
    async () =>
      (
        await db
          .query<{ outcome: string; run_trigger: string; check_name: string; summary: unknown }>(
            'select outcome, run_trigger, check_name, summary from canary_history where run_id = $1',
            [runId],
          )
          .catch(() => ({ rows: [] }))
      ).rows[0],
    90_000,
  ).catch((err: Error) => assert.fail(err.message + tails()));
  t.diagnostic(`recorded as ${row.outcome} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  assert.deepEqual([row.outcome, row.run_trigger, row.check_name], ['aborted', 'schedule', '@critical']);
  const summary = runSummarySchema.parse(row.summary);
  assert.deepEqual([summary.stopped?.reason, summary.tests, summary.counts.failed], ['lost', [], 0]);
  assert.equal(summary.errors.length, 1);
  assert.ok(summary.errors[0]!.includes(`"${killed.owner}" vanished while running occurrence canary-run@${occurrence}`), summary.errors[0]);
  const recordedBy = peer
    .out()
    .split('\n')
    .filter((l) => l.includes(`recorded in the history as aborted (${runId})`));
  assert.equal(recordedBy.length, 1, `the peer recorded it once${tails()}`);

  // The peer runs the next occurrence, to a pass.
  const next = await waitFor(
    'a run by the peer, passed, in the history',
    async () =>
      (
        await db.query<{ run_id: string; occurrence: Date }>(
          `select h.run_id, c.occurrence from canary_history h join canary_schedule_claims c using (run_id)
            where c.owner = $1 and h.outcome = 'passed' order by c.occurrence limit 1`,
          [peer.owner],
        )
      ).rows[0],
    150_000,
  ).catch((err: Error) => assert.fail(err.message + tails()));
  t.diagnostic(`the peer ran ${next.run_id} for the occurrence at ${next.occurrence.toISOString()}`);
  assert.ok(next.occurrence > claim.occurrence);
  peer.child.kill('SIGTERM');
  const peerRun = await peer.finished;
  assert.equal(peerRun.code, 0, explain(peerRun));

  // The killed occurrence: never run again, its claim flagged as taken care of, once.
  const claims = (
    await db.query<{ key: string; owner: string; completed: boolean; abandoned: boolean }>(
      `select key, owner, completed_at is not null as completed, abandoned_at is not null as abandoned from canary_schedule_claims where task = 'canary-run' order by occurrence`,
    )
  ).rows;
  assert.deepEqual(
    claims.filter((c) => c.key === claim.key),
    [{ key: claim.key, owner: killed.owner, completed: false, abandoned: true }],
  );
  assert.deepEqual(
    claims.filter((c) => c.abandoned).map((c) => c.key),
    [claim.key],
    'only the killed copy’s claim was abandoned',
  );
  assert.equal((await db.query('select 1 from canary_history where run_id = $1', [runId])).rowCount, 1);
  // What the killed copy's own reports say: its Playwright child finished the summary when it noticed.
  const own = runSummarySchema.parse(JSON.parse(readFileSync(path.join(clis[copies.indexOf(killed)]!.reportsDir, runId, 'summary.json'), 'utf8')));
  assert.deepEqual([own.outcome, own.stopped?.reason], ['aborted', 'lost']);

  await assertNoLeaks({
    secrets: { stripeKey: key, adminToken: h.adminToken, webhookSecrets: webhookSecretsIn(dataFile) },
    folders: clis.map((c) => c.reportsDir),
    outputs: [killedRun, peerRun],
    postgresUrl: server.url,
  });
});
