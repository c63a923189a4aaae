/**
 * The demo app after the upgrade, on a Stripe test clock: an environment's customers are created
 * on its clock; a renewal shows the new date; a renewal whose card fails shows the plan past due
 * (unless the ignore-past-due fault hides it); a plan canceled at period end shows when it ends,
 * then Free; "Manage billing" opens Stripe's customer portal for the account's customer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../emulators/stripe/testing/sdk.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';

let h: DemoHarness;
before(async () => {
  h = await startDemoHarness({ emulator: { webhookTimeoutMs: 10_000 } });
});
after(() => h?.close());

const email = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;
const HOUR = 3600;

/** An environment on a fresh test clock, and an account in it that paid for Pro through Checkout. */
async function proOnClock(tag: string) {
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const env = await h.environment({ canary_run_id: `run-${tag}` });
  const set = await h.admin('PUT', `/api/environments/${env.id}/test-clock`, { test_clock: clock.id });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const { accountId } = await h.subscribe(env.id, email(tag));
  const account = await h.waitForPlan(env.id, accountId, 'pro');
  const sub = await h.stripe.subscriptions.retrieve(account.subscriptions[0].id);
  return { clock, env, accountId, account, sub, periodEnd: sub.items.data[0]!.current_period_end };
}

async function billingPage(envId: string, accountId: string): Promise<string> {
  return (await fetch(`${h.app.url}/e/${envId}/a/${accountId}/billing`)).text();
}

/** Waits until the admin API shows the account as `check` wants it (the webhooks are asynchronous). */
const accountWhen = (envId: string, accountId: string, check: (a: any) => boolean, what: string) =>
  waitFor(
    async () => {
      const a = await h.account(envId, accountId);
      return check(a) ? a : undefined;
    },
    what,
    10_000,
  );

describe("an environment's test clock", () => {
  it('its customers are created on the clock; a bad id or an unknown environment is refused, naming it', async () => {
    const { clock, env, account } = await proOnClock('clock');
    const customer = await h.stripe.customers.retrieve(account.stripe_customer_id);
    assert.equal(!customer.deleted && customer.test_clock, clock.id);
    const listed = (await h.admin('GET', '/api/environments')).body.data.find((e: { id: string }) => e.id === env.id);
    assert.equal(listed.test_clock, clock.id);

    const bad = await h.admin('PUT', `/api/environments/${env.id}/test-clock`, { test_clock: 'cus_123' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /test_clock.*a Stripe test clock id \(clock_…\)/);
    const missing = await h.admin('PUT', '/api/environments/env_nope/test-clock', { test_clock: clock.id });
    assert.deepEqual([missing.status, missing.body.error], [404, "No environment 'env_nope'."]);
    const cleared = await h.admin('PUT', `/api/environments/${env.id}/test-clock`, { test_clock: null });
    assert.equal(cleared.body.test_clock, null);
  });
});

describe('renewals', () => {
  it('a month on, Pro renews and the billing page shows the new renewal date', async () => {
    const { clock, env, accountId, periodEnd } = await proOnClock('renew');
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 2 * HOUR });
    const renewed = await accountWhen(env.id, accountId, (a) => a.renews_at > periodEnd, 'the renewal reaches the app');
    assert.deepEqual([renewed.plan, renewed.status], ['pro', 'active']);
    const page = await billingPage(env.id, accountId);
    assert.match(page, new RegExp(`Renews on ${new Date(renewed.renews_at * 1000).toISOString().slice(0, 10)}`));
    assert.doesNotMatch(page, /Your last payment failed/);
  });

  it('a renewal whose card fails turns the plan past due: still Pro, no renewal date, an alert asking for a new card', async () => {
    const { clock, env, accountId, sub, periodEnd, account } = await proOnClock('past-due');
    const pm = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: account.stripe_customer_id });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: pm.id });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 2 * HOUR });
    const pastDue = await accountWhen(env.id, accountId, (a) => a.status === 'past_due', 'the failed renewal reaches the app');
    assert.equal(pastDue.plan, 'pro', 'past due keeps access while Stripe retries');
    const page = await billingPage(env.id, accountId);
    assert.match(page, /role="alert" id="past-due">Your last payment failed\. Update your card in Manage billing to keep Pro\./);
    assert.doesNotMatch(page, /Renews on/);
    assert.equal((await (await fetch(`${h.app.url}/e/${env.id}/a/${accountId}/plan`)).json()).renewal, '');
  });

  it('with the ignore-past-due fault the failed renewal is acknowledged but the account still reads as paid up', async () => {
    const { clock, env, accountId, sub, periodEnd, account } = await proOnClock('ignored');
    const pm = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: account.stripe_customer_id });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: pm.id });
    await h.setFault('ignore-past-due');
    try {
      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 2 * HOUR });
      // Every event about the subscription acknowledged: the app's last word on it.
      await waitFor(
        async () => {
          const failed = await h.stripe.events.list({ type: 'invoice.payment_failed', limit: 20 });
          const event = failed.data.find((e) => (e.data.object as { customer?: string }).customer === account.stripe_customer_id);
          return event && (await h.admin('GET', `/api/webhooks/events/${event.id}`)).status === 200;
        },
        'the app acknowledges invoice.payment_failed',
        10_000,
      );
      assert.equal((await h.stripe.subscriptions.retrieve(sub.id)).status, 'past_due', 'Stripe says past_due');
      const a = await accountWhen(env.id, accountId, (x) => x.renews_at > periodEnd, 'the renewed period reaches the app');
      assert.equal(a.status, 'active', 'the app missed it');
    } finally {
      await h.setFault(null);
    }
  });
});

describe('canceling', () => {
  it('set to cancel at period end, billing shows when it ends; past the end the account is Free', async () => {
    const { clock, env, accountId, sub, periodEnd } = await proOnClock('cancel');
    await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const canceling = await accountWhen(env.id, accountId, (a) => a.cancels_at !== null, 'the cancellation reaches the app');
    assert.equal(canceling.cancels_at, periodEnd);
    const page = await billingPage(env.id, accountId);
    assert.match(page, new RegExp(`Cancels on ${new Date(periodEnd * 1000).toISOString().slice(0, 10)}`));
    assert.doesNotMatch(page, /Renews on/);

    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 2 * HOUR });
    const free = await h.waitForPlan(env.id, accountId, 'free');
    assert.deepEqual([free.status, free.cancels_at], [null, null]);
    assert.equal((await h.stripe.subscriptions.retrieve(sub.id)).status, 'canceled');
  });

  it("Manage billing opens Stripe's customer portal for the account's customer, returning to billing", async () => {
    const { env, accountId, sub } = await proOnClock('portal');
    assert.match(await billingPage(env.id, accountId), /<button type="submit">Manage billing<\/button>/);
    const res = await fetch(`${h.app.url}/e/${env.id}/a/${accountId}/billing/portal`, { method: 'POST', redirect: 'manual' });
    await res.arrayBuffer();
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.match(location.pathname, /^\/p\/session\//);
    const portal = await fetch(location.href).then((r) => r.text());
    assert.match(portal, new RegExp(`data-subscription="${sub.id}"`), "the portal shows the account's subscription");
    const back = /<a[^>]*href="([^"]+)"[^>]*data-testid="return-link"|data-testid="return-link"[^>]*href="([^"]+)"/.exec(portal);
    assert.ok(back, 'the portal offers the way back');
    assert.equal(new URL((back[1] ?? back[2])!.replaceAll('&amp;', '&')).pathname, `/e/${env.id}/a/${accountId}/billing`);
  });
});
