/**
 * Reliability: webhooks as Stripe really delivers them. With the first two attempts of every
 * delivery failing, the @critical suite passes on Stripe's retries; with every delivery duplicated
 * and events reordered, it passes and each upgrade is applied once (the journey checks the app
 * holds exactly Stripe's one subscription); with the app's handler broken for good
 * (`webhook-500`), the run fails at the webhook stage, bounded well under a minute.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { canaryCli, explain, onlyTest, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';
import { assertNoLeaks, webhookSecretsIn } from './testing/secrets.ts';

interface Delivery {
  event_id: string;
  url: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duplicate: boolean;
}

describe('webhook faults', () => {
  const key = `sk_test_hooks${Math.random().toString(36).slice(2, 12)}`;
  let h: DemoHarness;
  let cli: CanaryCli;
  let env: NodeJS.ProcessEnv;
  // The emulator keeps its state in a file, so the webhook secrets it gave out can be searched for.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-hooks-'));
  const dataFile = path.join(dir, 'stripe.json');
  const runs: Finished[] = [];
  before(async () => {
    // Retries as Stripe spaces them, compressed: a first retry after 250 ms, then 1 s, 4 s.
    h = await startDemoHarness({ app: { stripeSecretKey: key }, emulator: { webhookRetryDelaysMs: [250, 1000, 4000], dataFile } });
    cli = canaryCli();
    env = { STRIPE_SECRET_KEY: key, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken };
  });
  after(async () => {
    cli?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (args: string[]) => {
    const r = await cli.run(args, env);
    runs.push(r);
    return r;
  };
  const faults = async (body: unknown) => {
    const res = await fetch(`${h.emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const deliveriesOf = async (sessionId: string): Promise<Delivery[]> => {
    const all = ((await (await fetch(`${h.emulator.url}/_emulator/webhook-deliveries`)).json()) as { data: Delivery[] }).data;
    const completed = (await h.stripe.events.list({ type: 'checkout.session.completed', limit: 100 })).data.find(
      (e) => (e.data.object as { id: string }).id === sessionId,
    );
    assert.ok(completed, `checkout.session.completed for ${sessionId}`);
    return all.filter((d) => d.event_id === completed.id && d.url === h.app.webhookUrl);
  };

  it('the first two attempts of every delivery fail: the suite passes on the retries', async (t) => {
    await faults({ webhooks: { fail_first: 2 } });
    t.after(() => faults({ webhooks: { fail_first: 0 } }));
    const r = await run(['--grep', '@critical']);
    const test = onlyTest(r, 0);
    const attempts = await deliveriesOf(test.stripe_ids.checkout_session!);
    assert.deepEqual(
      attempts.filter((d) => !d.duplicate).map((d) => [d.attempt, d.status ?? d.error]),
      [
        [1, 'failed on purpose (fail_first)'],
        [2, 'failed on purpose (fail_first)'],
        [3, 200],
      ],
      explain(r),
    );
  });

  it('every delivery duplicated and events reordered: the suite passes and the upgrade is applied once', async (t) => {
    await faults({ webhooks: { duplicate_rate: 1, reorder: true } });
    t.after(() => faults({ webhooks: { duplicate_rate: 0, reorder: false } }));
    const r = await run(['--grep', '@critical', '--repeat-each', '2']);
    assert.equal(r.code, 0, explain(r));
    for (const test of r.summary!.tests) {
      const attempts = await deliveriesOf(test.stripe_ids.checkout_session!);
      assert.ok(
        attempts.some((d) => d.duplicate),
        `the completion event was duplicated: ${JSON.stringify(attempts)}`,
      );
    }
  });

  it('webhook-500 for good: the run fails at the webhook stage, within its bound', async (t) => {
    // The app is deployed (shared): its fault is set through its admin API.
    await h.setFault('webhook-500');
    t.after(() => h.setFault(null));
    const r = await run(['--grep', '@critical']);
    const test = onlyTest(r, 1);
    t.diagnostic(`the failed run took ${r.summary!.duration_ms} ms (wall, this machine)`);
    assert.equal(test.stage, 'webhook', explain(r));
    // The wait for the acknowledgement is bounded (the fulfilment timeout), far under a minute;
    // what the run actually took is printed, not asserted (a shared machine is noisy).
    assert.ok(Number(test.evidence!.timeout_ms) <= 60_000, `bounded wait: ${test.evidence!.timeout_ms} ms`);
    assert.deepEqual([...new Set((test.evidence!.endpoints as { answers: number[] }[]).flatMap((e) => e.answers))], [500]);
  });

  it('no secret in any run’s output, report, trace or the history', async () => {
    assert.equal(runs.length, 3);
    await assertNoLeaks({
      secrets: { stripeKey: key, adminToken: h.adminToken, webhookSecrets: webhookSecretsIn(dataFile) },
      folders: [cli.reportsDir],
      outputs: runs,
    });
  });
});
