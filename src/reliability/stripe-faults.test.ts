/**
 * Reliability: Stripe's API misbehaving. With about 20% of API calls answering 500 (before
 * Stripe began), 10% answering 429, and some POSTs carried out but their answer lost on the
 * way back — on the harness's calls and the app's alike — the @critical suite still passes, and
 * afterwards Stripe holds exactly one customer and one subscription per test: every retry that
 * could repeat work carried an Idempotency-Key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { startDemoHarness } from '../demo-app/testing/harness.ts';
import { canaryCli, explain } from '../runner/testing/canary-cli.ts';
import { assertNoLeaks, webhookSecretsIn } from './testing/secrets.ts';

const REPEATS = 3;

test(`@critical passes ${REPEATS} times through 500s, 429s and lost answers, leaving one customer and one subscription per test`, async (t) => {
  const key = `sk_test_faults${Math.random().toString(36).slice(2, 12)}`;
  // The emulator keeps its state in a file, so the webhook secrets it gave out can be searched for.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-faults-'));
  const dataFile = path.join(dir, 'stripe.json');
  const h = await startDemoHarness({ app: { stripeSecretKey: key }, emulator: { dataFile } });
  const cli = canaryCli();
  t.after(async () => {
    cli.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const faults = (body: unknown) =>
    fetch(`${h.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // Rules are tried in order: after the first customer's lost answer, 20% of calls get the 500,
  // 12.5% of the rest (10% of all) the 429, then 20% of the remaining POSTs are carried out with
  // their answer lost.
  const injected = {
    api: [
      // The first customer's creation is carried out and its answer lost, every time: the case only
      // an Idempotency-Key saves from a second customer (the random rule below may add more).
      { method: 'POST', path: '/v1/customers', phase: 'lost', count: 1 },
      { path: '/v1/**', status: 500, rate: 0.2, phase: 'before' },
      { path: '/v1/**', status: 429, rate: 0.125 },
      { method: 'POST', path: '/v1/**', phase: 'lost', rate: 0.2 },
    ],
  };
  assert.equal((await faults(injected)).status, 200);

  const r = await cli.run(['--grep', '@critical', '--repeat-each', String(REPEATS), '--workers', '1'], {
    STRIPE_SECRET_KEY: key,
    STRIPE_API_URL: h.emulator.url,
    DEMO_APP_URL: h.app.url,
    DEMO_APP_ADMIN_TOKEN: h.adminToken,
  });
  const fired = ((await (await fetch(`${h.emulator.url}/_emulator/faults`)).json()) as { api: { status: number; phase?: string; fired: number }[] }).api;
  assert.equal((await faults({ api: [] })).status, 200);
  assert.equal(r.code, 0, explain(r));
  assert.equal(r.summary!.counts.passed, REPEATS, explain(r));
  // The suite passed through the faults, not around them.
  t.diagnostic(`faults fired: ${fired.map((f) => `${f.phase ?? f.status}: ${f.fired}`).join(', ')}`);
  const [firstLost, before500, limited] = fired;
  assert.equal(firstLost!.fired, 1, 'the first customer creation was carried out and its answer lost');
  // Over a hundred calls or more, each random rule fires (a miss is a chance below 1 in 10,000).
  assert.ok(before500!.fired > 0 && limited!.fired > 0, `the 500 and 429 rules fired: ${JSON.stringify(fired)}`);

  // Every object the run made carries its run id; count what was created, deleted or not.
  const runId = r.summary!.run_id;
  const created = { customer: new Set<string>(), subscription: new Set<string>() };
  const types: Record<string, number> = {};
  for await (const e of h.stripe.events.list({ limit: 100 })) {
    types[e.type] = (types[e.type] ?? 0) + 1;
    const obj = e.data.object as { id: string; metadata?: Record<string, string> };
    if (obj.metadata?.canary_run_id !== runId) continue;
    if (e.type === 'customer.created') created.customer.add(obj.id);
    if (e.type === 'customer.subscription.created') created.subscription.add(obj.id);
  }
  const tests = r.summary!.tests;
  assert.deepEqual(
    [...created.customer].sort(),
    tests.map((x) => x.stripe_ids.customer).sort(),
    `one customer per test, the one each test used (events: ${JSON.stringify(types)})`,
  );
  assert.equal(created.subscription.size, tests.length, 'one subscription per test');
  for (const x of tests) assert.equal(x.outcome, 'passed', `${x.title}: ${x.error ?? ''}`);
  const customers: Stripe.Customer[] = [];
  for await (const c of h.stripe.customers.list({ limit: 100 })) customers.push(c);
  assert.equal(customers.filter((c) => c.metadata?.canary_run_id === runId).length, 0, 'cleanup deleted every customer of the passed tests');
  await assertNoLeaks({
    secrets: { stripeKey: key, adminToken: h.adminToken, webhookSecrets: webhookSecretsIn(dataFile) },
    folders: [cli.reportsDir],
    outputs: [r],
  });
});
