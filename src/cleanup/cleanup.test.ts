/**
 * Cleanup through the real `canary run` and `canary prune`, against one Stripe emulator and one
 * demo app: a passed run leaves nothing carrying its run id; a failed run's resources are kept,
 * marked and listed with `kept_until`, and pruned once the clocks pass the retention, not
 * before; a flaky test keeps only its failed attempt's; cleanup failures are reported, and fail
 * the run only with --strict-cleanup.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { canaryCli, explain, onlyTest, type CanaryCli } from '../runner/testing/canary-cli.ts';

const DAY = 86_400;

describe('cleanup after canary run, and canary prune', () => {
  const KEY = `sk_test_cleanup${Math.random().toString(36).slice(2, 10)}`;
  let h: DemoHarness;
  let cli: CanaryCli;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    cli = canaryCli();
    h = await startDemoHarness({ app: { stripeSecretKey: KEY }, emulator: { webhookRetryDelaysMs: [100, 200], webhookTimeoutMs: 1000 } });
    env = {
      STRIPE_SECRET_KEY: KEY,
      STRIPE_API_URL: h.emulator.url,
      DEMO_APP_URL: h.app.url,
      DEMO_APP_ADMIN_TOKEN: h.adminToken,
      CANARY_FULFILMENT_TIMEOUT_MS: '4000',
    };
  });
  after(async () => {
    cli?.close();
    await h?.close();
  });

  /** Everything in Stripe and the app that carries `runId`. */
  async function leftBy(runId: string) {
    const customers: Stripe.Customer[] = [];
    for await (const c of h.stripe.customers.list({ limit: 100 })) if (c.metadata.canary_run_id === runId) customers.push(c);
    const subscriptions: Stripe.Subscription[] = [];
    for await (const s of h.stripe.subscriptions.list({ status: 'all', limit: 100 })) if (s.metadata.canary_run_id === runId) subscriptions.push(s);
    const environments = ((await h.admin('GET', '/api/environments')).body.data as { id: string; labels: Record<string, string> }[]).filter(
      (e) => e.labels.canary_run_id === runId,
    );
    return { customers, live: subscriptions.filter((s) => s.status !== 'canceled'), environments };
  }
  const emulatorFaults = (body: unknown) =>
    fetch(`${h.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('a passed run deletes its customer (ending its subscription) and its environment, and lists what it deleted', async () => {
    const r = await cli.run(['--grep', '@critical'], env);
    const t = onlyTest(r, 0);
    const left = await leftBy(r.summary!.run_id);
    assert.deepEqual([left.customers.length, left.live.length, left.environments.length], [0, 0, 0], 'nothing carries the run id');
    assert.deepEqual(t.cleanup.deleted.map((d) => `${d.type} ${d.action}`).sort(), [
      'customer deleted',
      'environment deleted',
      'subscription canceled with its customer',
    ]);
    assert.deepEqual([t.cleanup.kept, t.cleanup.kept_until, t.cleanup.errors, r.summary!.cleanup], [[], null, [], { deleted: 3, kept: 0, errors: [] }]);
  });

  it('a failed run keeps its resources, marked, until the retention; prune leaves them before and removes them after', async () => {
    assert.equal((await h.admin('POST', '/_demo/faults', { fault: 'webhook-500' })).status, 200);
    const r = await cli.run(['--grep', '@critical'], env).finally(() => h.setFault(null));
    const t = onlyTest(r, 1);
    const runId = r.summary!.run_id;
    assert.deepEqual(t.cleanup.kept.map((k) => k.type).sort(), ['checkout_session', 'customer', 'environment', 'invoice', 'subscription']);
    assert.deepEqual(t.cleanup.deleted, []);
    const left = await leftBy(runId);
    assert.equal(left.customers.length, 1);
    const customer = left.customers[0]!;
    assert.equal(customer.metadata.canary_outcome, 'failed');
    assert.ok(Math.abs(Number(customer.metadata.canary_failed_at) - Date.now() / 1000) < 600, 'canary_failed_at is unix seconds of the failure');
    assert.equal(left.live.length, 1, 'the subscription is kept for debugging');
    assert.deepEqual(
      [left.environments[0]?.labels.canary_outcome, left.environments[0]?.labels.canary_failed_at],
      ['failed', customer.metadata.canary_failed_at],
    );
    assert.equal(
      Date.parse(t.cleanup.kept_until!),
      Math.min(customer.created, (left.environments[0] as unknown as { created: number }).created) * 1000 + 7 * DAY * 1000,
      'kept until created + 7 days',
    );

    const prune = () => cli.command(['prune', '--json'], env);
    const before = await prune();
    assert.equal(before.code, 0, explain(before));
    assert.equal((await leftBy(runId)).customers.length, 1, 'kept within the retention');

    await fetch(`${h.emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 8 * DAY }),
    });
    assert.equal((await h.admin('POST', '/_demo/clock', { advance_seconds: 8 * DAY })).status, 200);
    const pruned = await prune();
    assert.equal(pruned.code, 0, explain(pruned));
    const gone = await leftBy(runId);
    assert.deepEqual([gone.customers.length, gone.live.length, gone.environments.length], [0, 0, 0], 'pruned once past the retention');
  });

  it("a flaky test keeps and marks its failed attempt's resources and deletes its passing attempt's", async () => {
    assert.equal((await h.admin('POST', '/_demo/faults', { fault: 'checkout-500', times: 1 })).status, 200);
    const r = await cli.run(['--grep', '@critical', '--retries', '1'], env);
    const t = onlyTest(r, 0);
    assert.equal(t.outcome, 'flaky');
    const kept = t.cleanup.kept.map((k) => k.type).sort();
    assert.deepEqual(kept, ['customer', 'environment'], 'the failed attempt got as far as its customer');
    assert.deepEqual(t.cleanup.deleted.map((d) => d.type).sort(), ['customer', 'environment', 'subscription']);
    const left = await leftBy(r.summary!.run_id);
    assert.deepEqual([left.customers.length, left.environments.length], [1, 1]);
    assert.equal(left.customers[0]!.id, t.cleanup.kept.find((k) => k.type === 'customer')!.id);
    assert.equal(left.customers[0]!.metadata.canary_outcome, 'failed');
  });

  it('a cleanup failure never fails a passed run; it is reported, and --strict-cleanup makes it exit 1', async (c) => {
    assert.equal((await emulatorFaults({ api: [{ method: 'DELETE', path: '/v1/customers/*', status: 500 }] })).status, 200);
    c.after(() => fetch(`${h.emulator.url}/_emulator/faults`, { method: 'DELETE' }));
    const r = await cli.run(['--grep', '@critical'], env);
    const t = onlyTest(r, 0);
    assert.equal(t.outcome, 'passed');
    assert.equal(r.summary!.cleanup.errors.length, 1, explain(r));
    assert.match(r.summary!.cleanup.errors[0]!, /deleting customer cus_\w+/);
    assert.match(r.stdout, /CLEANUP FAILED: .*deleting customer cus_/);
    const strict = await cli.run(['--grep', '@critical', '--strict-cleanup'], env);
    assert.equal(strict.code, 1, explain(strict));
    assert.equal(strict.summary!.outcome, 'passed', 'the run itself passed; only the exit code says cleanup failed');
  });
});
