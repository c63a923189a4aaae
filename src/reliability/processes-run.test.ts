/**
 * Reliability: `canary run` killed with SIGKILL mid-run leaves nothing a later prune cannot find.
 * Killed once Stripe holds the run's paying subscription (the app ignores the upgrade, so the run
 * waits for it: a window in which to kill), in the two worst ways it can die:
 *
 * - only the `canary` process (`kill -9 PID`, the OOM killer). Its Playwright child, workers and
 *   browser run in process groups of their own and outlive it; they must notice (the lifeline
 *   closes) and stop by themselves within the stop's grace period, the summary saying aborted,
 *   stopped `lost` — not run the journey on to its end as orphans, unbounded and unrecorded;
 * - the whole machine at once (every process of the run frozen, then killed): the embedded demo
 *   app dies with it and leaves its webhook endpoint in Stripe.
 *
 * Then the clocks move past the retention, `canary prune` runs, and the emulator's customers,
 * subscriptions and webhook endpoints and the app's environments are listed: nothing of the run.
 * Every output, report (traces unzipped) and the history are searched for the secrets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { killProcessesOfRun, processesOfRun } from '../runner/processes.ts';
import { runSummarySchema } from '../runner/summary-schema.ts';
import { canaryCli, explain, portClosed, waitFor, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';
import { advanceClocks, counts, crash, describeProcesses, leftBy } from './testing/processes.ts';
import { assertNoLeaks, webhookSecretsIn } from './testing/secrets.ts';

const RETENTION_PLUS_A_DAY = 8 * 86_400;

interface Killed {
  runId: string;
  reportDir: string;
  finished: Finished;
}

describe('canary run killed with SIGKILL mid-run', () => {
  /** A harness (its emulator keeping state in a file, so the webhook secrets it gave out can be read), a CLI and teardown. */
  async function setUp(t: { after(fn: () => unknown): void }) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-kill-'));
    const dataFile = path.join(dir, 'stripe.json');
    const key = `sk_test_kill${Math.random().toString(36).slice(2, 12)}`;
    const h = await startDemoHarness({ app: { stripeSecretKey: key }, emulator: { dataFile } });
    const cli = canaryCli();
    const runIds: string[] = [];
    t.after(async () => {
      for (const id of runIds) killProcessesOfRun(id);
      cli.close();
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { h, cli, key, dataFile, runIds };
  }

  /**
   * Starts `canary run` and waits (bounded) until Stripe holds the run's subscription, then calls
   * `kill` with the `canary` process and the run id.
   */
  async function runAndKill(
    h: DemoHarness,
    cli: CanaryCli,
    env: NodeJS.ProcessEnv,
    runIds: string[],
    kill: (child: ChildProcess, runId: string) => void | Promise<void>,
  ): Promise<Killed> {
    const known = cli.runDirs();
    let child: ChildProcess | undefined;
    const finished = cli.run(['--grep', '@critical'], env, (c) => (child = c));
    const reportDir = await waitFor('the run folder', () => cli.newRunDir(known) ?? undefined, 60_000);
    const runId = path.basename(reportDir);
    runIds.push(runId);
    await waitFor(
      `Stripe holding the subscription of ${runId}`,
      async () => ((await h.stripe.subscriptions.list({ limit: 100 })).data.some((s) => s.metadata.canary_run_id === runId) ? true : undefined),
      90_000,
    );
    await kill(child!, runId);
    return { runId, reportDir, finished: await finished };
  }

  /** Both clocks past the retention, then `canary prune`; nothing of the run is left. */
  async function pruneAndList(h: DemoHarness, cli: CanaryCli, env: NodeJS.ProcessEnv, runId: string, o: { app: boolean }): Promise<Finished> {
    await advanceClocks(h, RETENTION_PLUS_A_DAY, o);
    const pruned = await cli.command(['prune', '--json'], env);
    assert.equal(pruned.code, 0, explain(pruned));
    const left = await leftBy(h, runId, o);
    assert.deepEqual(counts(left), { customers: 0, liveSubscriptions: 0, webhookEndpoints: 0, environments: 0 }, `left after prune: ${JSON.stringify(left)}`);
    return pruned;
  }

  it('only the canary process killed: its orphaned Playwright and browser stop by themselves, and prune finds everything it left', async (t) => {
    const { h, cli, key, dataFile, runIds } = await setUp(t);
    await h.setFault('ignore-upgrade');
    const env = { STRIPE_SECRET_KEY: key, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken };
    let orphans: number[] = [];
    let killedPid = 0;
    const killed = await runAndKill(h, cli, env, runIds, (child, runId) => {
      killedPid = child.pid!;
      process.kill(killedPid, 'SIGKILL');
      orphans = processesOfRun(runId);
    });
    await h.setFault(null);
    assert.equal(killed.finished.signal, 'SIGKILL', explain(killed.finished));
    t.diagnostic(`after the SIGKILL, ${orphans.length} processes of the run outlived canary: ${orphans.join(', ')}`);
    assert.ok(orphans.length > 0, 'Playwright, its worker and the browser outlive canary (their own process groups)');
    // They stop by themselves: Playwright's grace period (10 s) and then its own kill, with room to spare.
    await waitFor(
      'the orphaned Playwright, worker and browser gone (nobody kills them but themselves)',
      () => (processesOfRun(killed.runId).length === 0 ? true : undefined),
      45_000,
    );

    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(killed.reportDir, 'summary.json'), 'utf8')));
    assert.deepEqual(
      [summary.outcome, summary.stopped?.reason, summary.tests.map((x) => x.outcome)],
      ['aborted', 'lost', ['aborted']],
      JSON.stringify(summary, null, 1),
    );
    assert.match(summary.errors.join('\n'), new RegExp(`^the canary process that started this run \\(pid ${killedPid}\\) went away before it finished`, 'm'));

    const before = await leftBy(h, killed.runId);
    t.diagnostic(`left by the killed run: ${JSON.stringify(counts(before))}`);
    // An orphan left to run would have ended the test as failed and marked its customer so.
    assert.equal(before.customers[0]?.metadata.canary_outcome, undefined, 'the journey was stopped, not run on to its end');
    assert.deepEqual(
      counts(before),
      { customers: 1, liveSubscriptions: 1, webhookEndpoints: 0, environments: 1 },
      'the interrupted test left its customer, its paying subscription and its environment as they were, for prune',
    );
    const pruned = await pruneAndList(h, cli, env, killed.runId, { app: true });
    await assertNoLeaks({
      secrets: { stripeKey: key, adminToken: h.adminToken, webhookSecrets: webhookSecretsIn(dataFile) },
      folders: [cli.reportsDir],
      outputs: [killed.finished, pruned],
    });
  });

  it('the machine crashes (every process of the run killed at once): prune finds the customer, the subscription and the embedded app’s webhook endpoint', async (t) => {
    const { h, cli, key, dataFile, runIds } = await setUp(t);
    // The demo app is the run's own (embedded): it registers its webhook endpoint with the run's id, and dies with it.
    const env = { STRIPE_SECRET_KEY: key, STRIPE_API_URL: h.emulator.url, DEMO_APP_FAULT: 'ignore-upgrade' };
    let appUrl = '';
    const killed = await runAndKill(h, cli, env, runIds, async (child, runId) => {
      appUrl = runSummarySchema.parse(JSON.parse(readFileSync(path.join(cli.reportsDir, runId, 'summary.json'), 'utf8'))).target.app_url;
      t.diagnostic(`crashed ${await crash(child.pid!, runId)} processes at once`);
    });
    assert.equal(killed.finished.signal, 'SIGKILL', explain(killed.finished));
    const survivors = processesOfRun(killed.runId);
    assert.deepEqual(survivors, [], `nothing of the run survives a crash: ${describeProcesses(survivors)}`);
    assert.ok(await portClosed(appUrl), 'the embedded app died with the machine');
    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(killed.reportDir, 'summary.json'), 'utf8')));
    assert.equal(summary.outcome, 'running', 'nothing was left to finish the summary: it says what the reporter last knew');

    const before = await leftBy(h, killed.runId, { app: false });
    t.diagnostic(`left by the crashed run: ${JSON.stringify(counts(before))}`);
    assert.deepEqual(counts(before), { customers: 1, liveSubscriptions: 1, webhookEndpoints: 1, environments: 0 });
    const pruned = await pruneAndList(h, cli, { STRIPE_SECRET_KEY: key, STRIPE_API_URL: h.emulator.url }, killed.runId, { app: false });
    await assertNoLeaks({
      secrets: { stripeKey: key, adminToken: h.adminToken, webhookSecrets: webhookSecretsIn(dataFile) },
      folders: [cli.reportsDir],
      outputs: [killed.finished, pruned],
    });
  });
});
