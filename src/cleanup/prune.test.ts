/**
 * `canary prune` through the real command, against the Stripe emulator and the demo app: it
 * removes what the harness labelled once it is older than the retention — as Stripe and the app
 * tell time — and nothing else; a dry run deletes nothing; --max stops; a prune killed halfway
 * is finished by running it again; 429s are waited out; a live key is refused before any request.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type Stripe from 'stripe';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { assertLiveKeysRefused, canaryCli, explain, waitFor, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';
import type { PruneReport } from './prune.ts';

const DAY = 86_400;
let cli: CanaryCli;
before(() => {
  cli = canaryCli();
});
after(() => cli?.close());

/** The report a `canary prune --json` printed. */
function report(r: Finished): PruneReport {
  assert.ok(r.stdout.trim(), `prune printed its report\n${explain(r)}`);
  return JSON.parse(r.stdout) as PruneReport;
}

describe('canary prune', () => {
  let h: DemoHarness;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    const key = `sk_test_prune${Math.random().toString(36).slice(2, 10)}`;
    h = await startDemoHarness({ app: { stripeSecretKey: key } });
    env = { STRIPE_SECRET_KEY: key, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken };
  });
  afterEach(() => h?.close());

  const prune = (args: string[], extra: NodeJS.ProcessEnv = {}, started?: (c: ChildProcess) => void) =>
    cli.command(['prune', ...args], { ...env, ...extra }, started);
  /** Moves both clocks (Stripe's and the app's) forward. */
  async function advance(seconds: number): Promise<void> {
    const res = await fetch(`${h.emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: seconds }),
    });
    assert.equal(res.status, 200);
    assert.equal((await h.admin('POST', '/_demo/clock', { advance_seconds: seconds })).status, 200);
  }
  const labelled = (n: number, runId = 'canary_20260101T000000Z_aaaaaaaa') =>
    Promise.all(Array.from({ length: n }, (_, i) => h.stripe.customers.create({ email: `old${i}@example.com`, metadata: { canary_run_id: runId } })));
  const exists = async (id: string) => !((await h.stripe.customers.retrieve(id)) as Stripe.Customer | Stripe.DeletedCustomer).deleted;

  it('removes what the harness labelled once older than the retention, as Stripe and the app tell time, and nothing else', async () => {
    const [mine] = await labelled(1);
    const marked = await h.stripe.customers.create({
      email: 'failed@example.com',
      metadata: { canary_run_id: 'canary_x', canary_outcome: 'failed', canary_failed_at: '1' },
    });
    const plain = await h.stripe.customers.create({ email: 'real-customer@example.com' });
    const otherTool = await h.stripe.customers.create({
      email: 'other@example.com',
      metadata: { run_id: 'canary_looks_similar', created_by: 'another-monitor' },
    });
    const leftEndpoint = await h.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/killed-run/webhooks/stripe',
      enabled_events: ['*'],
      metadata: { canary_run_id: 'canary_killed' },
    });
    const otherEndpoint = await h.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/staging', enabled_events: ['*'] });
    const oldEnv = await h.environment({ canary_run_id: 'canary_x' });
    const userEnv = await h.environment({ team: 'sales-demo' });
    // A renewal spec's test clock (named after its run; its customer is listed only through it), and a clock of the team's own.
    const now = Math.floor(Date.now() / 1000);
    const runClock = await h.stripe.testHelpers.testClocks.create({ frozen_time: now, name: 'checkout-canary canary_x' });
    const onClock = await h.stripe.customers.create({ email: 'clock@example.com', test_clock: runClock.id, metadata: { canary_run_id: 'canary_x' } });
    const teamClock = await h.stripe.testHelpers.testClocks.create({ frozen_time: now, name: 'billing team: annual plans' });

    const early = report(await prune(['--json']));
    assert.deepEqual(
      [early.found, early.deleted],
      [
        { customer: 0, webhook_endpoint: 0, test_clock: 0, environment: 0 },
        { customer: 0, webhook_endpoint: 0, test_clock: 0, environment: 0 },
      ],
      'nothing is old enough yet',
    );

    await advance(8 * DAY);
    const fresh = await h.stripe.customers.create({ email: 'fresh@example.com', metadata: { canary_run_id: 'canary_fresh' } });
    const freshEnv = await h.environment({ canary_run_id: 'canary_fresh' });

    const dry = await prune(['--dry-run']);
    assert.equal(dry.code, 0, explain(dry));
    assert.match(dry.stdout, /dry run: nothing deleted/);
    for (const id of [mine!.id, marked.id, leftEndpoint.id, oldEnv.id, runClock.id])
      assert.match(dry.stdout, new RegExp(`would delete \\w+ ${id} `), `the dry run lists ${id}`);
    assert.ok(await exists(mine!.id), 'a dry run deletes nothing');

    const r = await prune(['--json']);
    assert.equal(r.code, 0, explain(r));
    const done = report(r);
    assert.deepEqual(
      [done.found, done.deleted, done.failed],
      [
        { customer: 2, webhook_endpoint: 1, test_clock: 1, environment: 1 },
        { customer: 2, webhook_endpoint: 1, test_clock: 1, environment: 1 },
        { customer: 0, webhook_endpoint: 0, test_clock: 0, environment: 0 },
      ],
    );
    const clocks = (await h.stripe.testHelpers.testClocks.list({ limit: 100 })).data.map((c) => c.id);
    assert.deepEqual([clocks.includes(runClock.id), clocks.includes(teamClock.id)], [false, true], "only the run's test clock goes");
    assert.equal(await exists(onClock.id), false, 'its customer went with it');
    assert.equal(await exists(mine!.id), false);
    assert.equal(await exists(marked.id), false);
    for (const survivor of [plain, otherTool, fresh]) assert.ok(await exists(survivor.id), `${survivor.email} survives`);
    const endpoints = (await h.stripe.webhookEndpoints.list({ limit: 100 })).data.map((e) => e.id);
    assert.ok(
      !endpoints.includes(leftEndpoint.id) && endpoints.includes(otherEndpoint.id) && endpoints.includes(h.app.webhookEndpointId!),
      'only the left-over endpoint goes',
    );
    const envs = ((await h.admin('GET', '/api/environments')).body.data as { id: string }[]).map((e) => e.id);
    assert.ok(!envs.includes(oldEnv.id) && envs.includes(userEnv.id) && envs.includes(freshEnv.id), 'only the old labelled environment goes');
  });

  it('--max N stops after N deletions; running it again finishes the job', async () => {
    await labelled(7);
    await advance(8 * DAY);
    const first = report(await prune(['--json', '--max', '3']));
    assert.deepEqual([first.found.customer, first.deleted.customer, first.stopped], [7, 3, 'max']);
    const second = report(await prune(['--json']));
    assert.deepEqual([second.found.customer, second.deleted.customer, second.stopped], [4, 4, null]);
  });

  it('a prune killed halfway and run again finishes the job', async () => {
    const customers = await labelled(40);
    await advance(8 * DAY);
    let child: ChildProcess | undefined;
    let progress = '';
    // Paced at 10 requests/s so there is time to kill it while it deletes.
    const killed = prune([], { CANARY_STRIPE_RATE: '10', CANARY_LOG_LEVEL: 'info' }, (c) => {
      child = c;
      c.stderr!.on('data', (d: Buffer) => (progress += d.toString()));
    });
    await waitFor('a progress line with some deletions', () => (/deleted [1-9]\d*/.test(progress) ? true : undefined));
    process.kill(-child!.pid!, 'SIGKILL');
    const r = await killed;
    assert.equal(r.signal, 'SIGKILL');
    const left = (await Promise.all(customers.map((c) => exists(c.id)))).filter(Boolean).length;
    assert.ok(left > 0 && left < 40, `killed halfway: ${left} of 40 left`);
    const again = report(await prune(['--json']));
    assert.deepEqual([again.deleted.customer, again.failed.customer], [left, 0]);
    assert.equal((await Promise.all(customers.map((c) => exists(c.id)))).filter(Boolean).length, 0, 'the second run finished the job');
  });

  it('prints a progress line with found, deleted, failed and the rate while it works', async () => {
    await labelled(12);
    await advance(8 * DAY);
    const r = await prune([], { CANARY_STRIPE_RATE: '8', CANARY_LOG_LEVEL: 'info' });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stderr, /^prune: found 12, deleted \d+, failed 0, [\d.]+ requests\/s, 0 rate-limited \(429\) retried$/m);
    assert.match(r.stdout, /customers: found 12, deleted 12, failed 0/);
  });
});

describe('canary prune against a rate-limited Stripe', () => {
  let h: DemoHarness;
  before(async () => {
    h = await startDemoHarness({ emulator: { rateLimit: 5 } });
  });
  after(() => h?.close());

  it('waits out 429s and retries them: every customer is deleted, none reported failed', async () => {
    // Seeded with several keys: the limit is per key.
    const seed = (i: number) =>
      h.stripe.customers.create({ email: `r${i}@example.com`, metadata: { canary_run_id: 'canary_rated' } }, { apiKey: `sk_test_seed${i % 8}` });
    for (let batch = 0; batch < 4; batch++) await Promise.all(Array.from({ length: 6 }, (_, i) => seed(batch * 6 + i)));
    await fetch(`${h.emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 8 * DAY }),
    });
    const r = await cli.command(['prune', '--json'], { STRIPE_SECRET_KEY: 'sk_test_pruner', STRIPE_API_URL: h.emulator.url, CANARY_STRIPE_RATE: '20' });
    assert.equal(r.code, 0, explain(r));
    const done = report(r);
    assert.deepEqual([done.deleted.customer, done.failed.customer, done.errors], [24, 0, []]);
    assert.ok(done.rate_limited > 0, `the emulator's limit of 5/s was met (${done.rate_limited} 429s) and waited out`);
  });
});

it('canary prune refuses a live key with exit 2 before making any request', async () => {
  await assertLiveKeysRefused(cli, ['prune'], (url) => ({ STRIPE_API_URL: url, DEMO_APP_URL: url, DEMO_APP_ADMIN_TOKEN: 'admin-token-for-the-live-key-test' }));
});
