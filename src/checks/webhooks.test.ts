/**
 * `canary check webhooks` against the demo app on the Stripe emulator, as the command runs: healthy
 * it passes while another app's dead endpoint on the same account leaves its events pending; with
 * the demo app's `webhook-500` fault and a subscription made through the API for a labelled
 * customer it fails (exit 1) naming the stuck event once it is older than --max-age (the
 * emulator's clock moved on, not waited for), alerts in Slack as the check `webhooks`, and
 * recovers once the endpoint is fixed and Stripe's retries get through — without touching the
 * browser suite's alert streak. On real Stripe, with no per-endpoint deliveries, the adapter's
 * eventProcessed is the verdict; missing and disabled endpoints fail; bad input exits 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { emptyState } from '../notify/policy.ts';
import { checkKey } from '../notify/policy.ts';
import { readState, writeState } from '../notify/state.ts';
import { createThrottle } from '../stripe/throttle.ts';
import { freePort } from '../testing/free-port.ts';
import { startChecksHarness, type ChecksHarness } from './testing/checks-harness.ts';
import { checkWebhooks } from './webhooks.ts';

describe('canary check webhooks', () => {
  let c: ChecksHarness;
  let env: string;
  let deadEndpoint: string;

  before(async () => {
    c = await startChecksHarness(`sk_test_checks${Math.random().toString(36).slice(2, 10)}`);
    env = (await c.h.environment()).id;
    // Another app on the same Stripe account whose endpoint is down: its events stay pending for ever.
    const dead = await c.h.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${await freePort()}/hooks`, enabled_events: ['*'] });
    deadEndpoint = dead.id;
  });
  after(() => c?.close());

  it("healthy, it passes although another app's dead endpoint leaves the events pending", async () => {
    const { subscription } = await c.labelledSubscription(env, 'healthy@example.com');
    await c.advanceStripeClock(60);
    const pending = (await c.h.stripe.events.list({ limit: 100 })).data.filter((e) => e.pending_webhooks > 0);
    assert.ok(pending.length > 0, 'the dead endpoint leaves events pending');
    const r = await c.check(['webhooks', '--max-age', '30s']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.summary.check, 'webhooks');
    assert.equal(r.summary.outcome, 'passed');
    assert.match(r.summary.tests[0]!.title, /event\(s\) in the last 1h; none older than 30s waits for the app's endpoint/);
    assert.ok(subscription.id);
  });

  it('with webhook-500 it fails naming the stuck event, alerts as its own check, and recovers once fixed', async () => {
    // The browser suite is failing and alerted on the same target: the check must not touch that streak.
    const firstRun = await c.check(['webhooks', '--max-age', '30s']);
    const criticalKey = checkKey({ ...firstRun.summary, check: '@critical', grep: '@critical' });
    const critical = { ...emptyState(criticalKey), failures: 3, first_failed_at: '2026-12-01T00:00:00.000Z', alert: { channel: 'C0CHECKS01', ts: '1.000001' } };
    writeState(c.env.CANARY_STATE_DIR!, critical);

    await c.h.setFault('webhook-500');
    const { subscription } = await c.labelledSubscription(env, 'stuck@example.com');
    const created = (await c.h.stripe.events.list({ type: 'customer.subscription.created', limit: 10 })).data.find(
      (e) => (e.data.object as { id: string }).id === subscription.id,
    )!;
    // Not yet older than --max-age: not judged.
    const young = await c.check(['webhooks', '--max-age', '30s']);
    assert.equal(young.code, 0, young.out);

    await c.advanceStripeClock(40);
    const failed = await c.check(['webhooks', '--max-age', '30s']);
    assert.equal(failed.code, 1, failed.out + failed.err);
    const t = failed.summary.tests[0]!;
    assert.equal(failed.summary.outcome, 'failed');
    assert.equal(t.stage, 'webhook');
    assert.match(
      t.error!,
      new RegExp(
        `still wait for the app's endpoint \\(${c.h.app.webhookUrl.replace(/[.?]/g, '\\$&')}\\): .*${created.id} \\(customer\\.subscription\\.created, \\d+ s old\\)`,
      ),
    );
    const stuck = t.evidence!.stuck_events as { id: string; type: string; age_s: number }[];
    assert.ok(
      stuck.some((e) => e.id === created.id && e.age_s >= 30),
      JSON.stringify(stuck),
    );
    const answers = t.evidence!.endpoints as { app: boolean; url: string; answers: (number | string)[] }[];
    assert.ok(answers.find((e) => e.app)?.answers.includes(500), JSON.stringify(answers));
    assert.ok(
      answers.some((e) => !e.app),
      "the other endpoints' answers are shown, unmarked",
    );
    assert.equal(t.stripe_ids.event, stuck[0]!.id);
    assert.match(failed.out, /FAILED/);

    let messages = await c.messages();
    assert.equal(messages.length, 1, JSON.stringify(messages));
    assert.match(messages[0]!.text, /checkout-canary webhooks FAILED/);
    assert.match(JSON.stringify(messages[0]!.blocks), new RegExp(created.id));

    // Fixed: Stripe's retries (here, the emulator's) get through.
    await c.h.setFault(null);
    const retried = await fetch(`${c.h.emulator.url}/_emulator/webhook-deliveries/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(retried.status, 200);
    await waitForAcknowledged(
      c,
      stuck.map((e) => e.id),
    );
    const recovered = await c.check(['webhooks', '--max-age', '30s']);
    assert.equal(recovered.code, 0, recovered.summary.tests[0]?.error ?? '');
    assert.equal(recovered.summary.outcome, 'passed');
    messages = await c.messages();
    const recovery = messages.find((m) => /recovered/.test(m.text));
    assert.ok(recovery, JSON.stringify(messages.map((m) => m.text)));
    assert.match(recovery.text, /checkout-canary webhooks recovered/);
    assert.equal(recovery.thread_ts, messages[0]!.ts, 'in the alert thread');
    assert.deepEqual(readState(c.env.CANARY_STATE_DIR!, criticalKey), critical, "the browser suite's streak is untouched");
    assert.ok(!messages.some((m) => m.thread_ts === '1.000001'), "nothing posted in the browser suite's thread");
    // The dashboard shows the check as a check of its own, with its runs.
    const dashboard = readFileSync(path.join(c.env.CANARY_REPORTS_DIR!, 'index.html'), 'utf8');
    assert.match(dashboard, /<section class="check" data-check="webhooks">/);
    for (const run of [failed, recovered]) assert.ok(dashboard.includes(`data-run-id="${run.summary.run_id}"`), run.summary.run_id);
  });

  it("on real Stripe (no deliveries to look at) the adapter's eventProcessed is the verdict; pending_webhooks alone is said to count every endpoint", async () => {
    await c.h.setFault(null);
    await c.labelledSubscription(env, 'real-stripe@example.com');
    await c.advanceStripeClock(60);
    const app = { url: c.h.app.url, webhookUrl: '/webhooks/stripe' };
    const deps = { stripe: c.h.stripe, throttle: createThrottle({ ratePerSecond: 50, concurrency: 4 }) };
    const o = { maxAgeMs: 30_000, windowMs: 3_600_000 };
    // The dead endpoint keeps pending_webhooks above 0 on every event.
    const byCount = await checkWebhooks(app, o, deps);
    assert.equal(byCount.outcome, 'failed');
    assert.match(String(byCount.evidence!.verdict_from), /pending_webhooks, which counts every endpoint/);
    const processed = new Set<string>();
    for await (const e of c.h.stripe.events.list({ limit: 100 })) processed.add(e.id);
    const byApp = await checkWebhooks(app, o, { ...deps, eventProcessed: async (id) => processed.has(id) });
    assert.equal(byApp.outcome, 'passed', byApp.error ?? '');
    const notByApp = await checkWebhooks(app, o, { ...deps, eventProcessed: async () => false });
    assert.equal(notByApp.outcome, 'failed');
    assert.equal(notByApp.evidence!.app_processed, false);
  });

  it('a disabled or missing app endpoint fails; an endpoint flag that is not a URL exits 2', async () => {
    const endpoints = await c.h.stripe.webhookEndpoints.list({ limit: 100 });
    const mine = endpoints.data.find((e) => e.url === c.h.app.webhookUrl)!;
    await c.h.stripe.webhookEndpoints.update(mine.id, { disabled: true });
    try {
      const r = await c.check(['webhooks']);
      assert.equal(r.code, 1);
      assert.match(r.summary.tests[0]!.error!, new RegExp(`${mine.id} .* is disabled`));
    } finally {
      await c.h.stripe.webhookEndpoints.update(mine.id, { disabled: false });
    }
    const elsewhere = await c.check(['webhooks', '--endpoint', 'https://app.example.com/stripe/hooks']);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.summary.tests[0]!.error!, /No webhook endpoint of the account is for https:\/\/app\.example\.com\/stripe\/hooks/);
    assert.ok((elsewhere.summary.tests[0]!.evidence!.endpoints as { id: string }[]).some((e) => e.id === deadEndpoint));

    const out: string[] = [];
    const { runCli } = await import('../cli/main.ts');
    const code = await runCli(['check', 'webhooks', '--endpoint', 'not a url'], {
      stdout: (l) => out.push(l),
      stderr: (l) => out.push(l),
      cwd: c.work,
      env: c.env,
      signal: new AbortController().signal,
    });
    assert.equal(code, 2);
    assert.match(out.join('\n'), /--endpoint/);
  });
});

/** Waits (bounded) until the app's endpoint has answered 2xx to each of the events. */
async function waitForAcknowledged(c: ChecksHarness, eventIds: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const waiting: string[] = [];
    for (const id of eventIds) {
      const res = await fetch(`${c.h.emulator.url}/_emulator/webhook-deliveries?event=${id}`);
      const { data } = (await res.json()) as { data: { url: string; status: number | null }[] };
      if (!data.some((d) => d.url === c.h.app.webhookUrl && d.status !== null && d.status < 300)) waiting.push(id);
    }
    if (waiting.length === 0) return;
    if (Date.now() > deadline) assert.fail(`the app's endpoint never acknowledged ${waiting.join(', ')} after the retry`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
