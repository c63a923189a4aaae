/**
 * The demo app's faults: each is one real way a deploy breaks the upgrade, reproduced on demand
 * (DEMO_APP_FAULT at start, or POST /_demo/faults), and seen from Stripe's side the way the canary
 * sees it (delivery attempts, pending_webhooks, the session's price).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { waitFor } from '../emulators/stripe/testing/sdk.ts';
import { FAULTS, UnknownFault, parseFault } from './faults.ts';
import { DemoAppConfigError, randomAdminToken, startDemoApp } from './index.ts';
import { PRO_LOOKUP_KEY, WEBHOOK_EVENTS, WRONG_LOOKUP_KEY } from './stripe.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';
import type { DeliveryRecord } from '../emulators/stripe/webhooks.ts';

const VALID = Object.keys(FAULTS).join(', ');
const RETRY_DELAYS_MS = [50, 100];
const ATTEMPTS = 1 + RETRY_DELAYS_MS.length;
const HANDLED = new Set<string>(WEBHOOK_EVENTS);
const UPGRADE_HOLD_MS = 500;

let h: DemoHarness;
before(async () => {
  h = await startDemoHarness({
    app: { webhookHoldMs: 2000, upgradeHoldMs: UPGRADE_HOLD_MS },
    emulator: { webhookTimeoutMs: 400, webhookRetryDelaysMs: RETRY_DELAYS_MS },
  });
});
after(() => h?.close());

const email = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;

type Delivery = DeliveryRecord;
const deliveriesOf = async (eventId: string): Promise<Delivery[]> =>
  ((await (await fetch(`${h.emulator.url}/_emulator/webhook-deliveries?event=${eventId}`)).json()).data as Delivery[]).filter((d) => !d.duplicate);

/** The handled events of `customer` once each one's delivery is over: acknowledged, or every attempt made. */
interface Settled {
  event: Stripe.Event;
  deliveries: Delivery[];
}
async function settledEvents(customer: string): Promise<Settled[]> {
  return waitFor<Settled[] | false>(
    async () => {
      const events = (await h.stripe.events.list({ limit: 100 })).data.filter(
        (e) => HANDLED.has(e.type) && (e.data.object as { customer?: string }).customer === customer,
      );
      if (events.length < 4) return false;
      const result: Settled[] = [];
      for (const event of events) {
        const deliveries = await deliveriesOf(event.id);
        const over = deliveries.some((d) => d.status !== null && d.status >= 200 && d.status < 300) || deliveries.length >= ATTEMPTS;
        if (!over) return false;
        result.push({ event: await h.stripe.events.retrieve(event.id), deliveries });
      }
      return result;
    },
    `every delivery to the app of ${customer}'s events settled`,
    15_000,
    25,
  ) as Promise<Settled[]>;
}

/** What the app's admin API says about its acknowledgement of `eventId` (404: none). */
const acknowledgement = (eventId: string) => h.admin('GET', `/api/webhooks/events/${eventId}`);

/** Runs `body` with the app's fault set to `fault`, clearing it afterwards whatever happens. */
async function withFault(fault: string, body: () => Promise<void>) {
  await h.setFault(fault);
  try {
    await body();
  } finally {
    await h.setFault(null);
  }
}

describe('fault names', () => {
  it('parseFault accepts the nine faults and none, and refuses anything else listing the valid ones', () => {
    assert.deepEqual(Object.keys(FAULTS), [
      'webhook-500',
      'webhook-timeout',
      'webhook-wrong-secret',
      'ignore-upgrade',
      'wrong-price',
      'checkout-500',
      'upgrade-hang',
      'drop-metadata',
      'ignore-past-due',
    ]);
    for (const name of Object.keys(FAULTS)) assert.equal(parseFault(name), name);
    for (const none of [undefined, null, '', 'none']) assert.equal(parseFault(none), null);
    for (const bad of ['WEBHOOK-500', 'webhook_500', ' webhook-500', 'toString', '__proto__', 'constructor']) {
      assert.throws(
        () => parseFault(bad),
        (err: unknown) => err instanceof UnknownFault && err.message === `DEMO_APP_FAULT '${bad}' is not a fault; valid faults: ${VALID} (or none)`,
      );
    }
  });

  it('an unknown DEMO_APP_FAULT, a live key or a short admin token stop the app at start', async () => {
    const options = { port: 0, stripeSecretKey: 'sk_test_x', stripeApiUrl: h.emulator.url, adminToken: randomAdminToken() };
    await assert.rejects(
      startDemoApp({ ...options, fault: 'webhook-404' }),
      (err: Error) => err instanceof UnknownFault && err.message.includes(`valid faults: ${VALID}`),
    );
    await assert.rejects(
      startDemoApp({ ...options, stripeSecretKey: 'sk_live_x' }),
      (err: Error) => err instanceof DemoAppConfigError && /test-mode key/.test(err.message),
    );
    await assert.rejects(
      startDemoApp({ ...options, adminToken: 'short' }),
      (err: Error) => err instanceof DemoAppConfigError && /DEMO_APP_ADMIN_TOKEN/.test(err.message),
    );
    for (const [option, value] of [
      ['upgradeHoldMs', -1],
      ['upgradeHoldMs', 1.5],
      ['webhookHoldMs', 2 ** 31],
      ['webhookHoldMs', Number.NaN],
    ] as const) {
      await assert.rejects(
        startDemoApp({ ...options, [option]: value }),
        (err: Error) =>
          err instanceof DemoAppConfigError && err.message.startsWith(`${option} must be a whole number of milliseconds from 0 to 2147483647, not ${value}`),
      );
    }
  });

  it('closing the app answers the deliveries webhook-timeout holds instead of waiting for them', { timeout: 20_000 }, async () => {
    // Held for an hour: were close to wait for the holds, this test would time out.
    const held = await startDemoHarness({
      app: { fault: 'webhook-timeout', webhookHoldMs: 60 * 60_000 },
      emulator: { webhookTimeoutMs: 200, webhookRetryDelaysMs: [] },
    });
    let closed = false;
    try {
      const mine = fetch(`${held.app.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
        (r) => r.status,
      );
      const env = await held.environment();
      await held.subscribe(env.id, email('held'));
      // Stripe gave up on a delivery the app still holds (and mine was sent before it).
      await waitFor(
        async () => ((await (await fetch(`${held.emulator.url}/_emulator/webhook-deliveries`)).json()).data as Delivery[]).some((d) => d.error === 'timeout'),
        'a delivery timed out',
      );
      await held.close();
      closed = true;
      assert.equal(await mine, 500, 'the held delivery is answered (as failed) when the app closes');
    } finally {
      if (!closed) await held.close();
    }
  });

  it('closing the app answers the upgrades upgrade-hang holds instead of waiting for them', { timeout: 20_000 }, async (t) => {
    // Held for an hour: were close to wait for the hold, this test would time out.
    const held = await startDemoHarness({ app: { upgradeHoldMs: 60 * 60_000 } });
    t.after(() => held.close()); // closing twice is fine
    const env = await held.environment();
    const { accountId } = await held.signup(env.id, email('hang-close'));
    assert.deepEqual((await held.admin('POST', '/_demo/faults', { fault: 'upgrade-hang', times: 1 })).body, { fault: 'upgrade-hang', remaining: 1 });
    let answered = false;
    const upgrade = held.upgrade(env.id, accountId!).finally(() => (answered = true));
    // The fault clears itself when it strikes, just before the upgrade starts hanging.
    await waitFor(async () => (await held.admin('GET', '/_demo/faults')).body.fault === null, 'the upgrade reached the fault');
    assert.equal(answered, false, 'the upgrade is held');
    const began = Date.now();
    await held.close();
    assert.ok(Date.now() - began < 5000, `close took ${Date.now() - began} ms`);
    assert.equal((await upgrade).status, 500, 'the held upgrade is answered (as failed) when the app closes');
  });

  it('a fault given at start is active from the first request', async (t) => {
    const started = await startDemoHarness({ app: { fault: 'checkout-500' } });
    t.after(() => started.close());
    assert.deepEqual((await started.admin('GET', '/_demo/faults')).body, { fault: 'checkout-500', remaining: null, faults: FAULTS });
    assert.equal((await (await fetch(`${started.app.url}/healthz`)).json()).fault, 'checkout-500');
    const env = await started.environment();
    const { accountId } = await started.signup(env.id, email('at-start'));
    assert.equal((await started.upgrade(env.id, accountId!)).status, 500);
  });
});

describe('the fault admin API', () => {
  it('shows, sets and clears the fault; refuses unknown names and bad bodies, changing nothing', async () => {
    assert.deepEqual((await h.admin('GET', '/_demo/faults')).body, { fault: null, remaining: null, faults: FAULTS });
    assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: 'wrong-price' })).body, { fault: 'wrong-price', remaining: null });
    try {
      for (const [body, message] of [
        [{ fault: 'webhook-404' }, new RegExp(`fault 'webhook-404' is not a fault; valid faults: ${VALID}`)],
        [{ fault: 500 }, /Invalid fault body .* at fault/],
        [{}, /Invalid fault body .* at fault/],
        [{ fault: null, extra: 1 }, /Invalid fault body/],
        ['webhook-500', /Invalid fault body/],
        [{ fault: 'webhook-500', times: 0 }, /Invalid fault body .* at times/],
        [{ fault: 'webhook-500', times: 1.5 }, /Invalid fault body .* at times/],
        [{ fault: null, times: 2 }, /times only goes with a fault/],
      ] as const) {
        const r = await h.admin('POST', '/_demo/faults', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.body.error, message);
      }
      assert.equal((await h.admin('GET', '/_demo/faults')).body.fault, 'wrong-price', 'a refused change leaves the fault as it was');
      assert.equal((await (await fetch(`${h.app.url}/healthz`)).json()).fault, 'wrong-price');
      assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: 'none' })).body, { fault: null, remaining: null });
      assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: 'ignore-upgrade' })).body, { fault: 'ignore-upgrade', remaining: null });
      assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: null })).body, { fault: null, remaining: null });
    } finally {
      await h.setFault(null);
    }
  });
});

describe('faults, as the canary sees them', () => {
  it('webhook-500: every delivery is answered 500, the events stay pending and the plan stays Free', async () => {
    await withFault('webhook-500', async () => {
      const env = await h.environment();
      const { accountId } = await h.subscribe(env.id, email('w500'));
      const customer = (await h.account(env.id, accountId)).stripe_customer_id;
      for (const { event, deliveries } of await settledEvents(customer)) {
        assert.deepEqual(
          deliveries.map((d) => [d.attempt, d.status]),
          [
            [1, 500],
            [2, 500],
            [3, 500],
          ],
          event.type,
        );
        assert.equal(event.pending_webhooks, 1, `${event.type} never acknowledged`);
        assert.equal((await acknowledgement(event.id)).status, 404, `the app reports ${event.type} unacknowledged`);
      }
      assert.equal((await h.account(env.id, accountId)).plan, 'free');
    });
  });

  it('webhook-timeout: no delivery is answered in time, the events stay pending and the plan stays Free', async () => {
    await withFault('webhook-timeout', async () => {
      const env = await h.environment();
      const { accountId } = await h.subscribe(env.id, email('wtimeout'));
      const customer = (await h.account(env.id, accountId)).stripe_customer_id;
      for (const { event, deliveries } of await settledEvents(customer)) {
        assert.deepEqual(
          deliveries.map((d) => [d.attempt, d.status, d.error]),
          [
            [1, null, 'timeout'],
            [2, null, 'timeout'],
            [3, null, 'timeout'],
          ],
          event.type,
        );
        assert.equal(event.pending_webhooks, 1);
        assert.equal((await acknowledgement(event.id)).status, 404, `the app reports ${event.type} unacknowledged`);
      }
      assert.equal((await h.account(env.id, accountId)).plan, 'free');
    });
  });

  it('webhook-wrong-secret: every delivery fails verification (400) and the plan stays Free', async () => {
    await withFault('webhook-wrong-secret', async () => {
      const env = await h.environment();
      const { accountId } = await h.subscribe(env.id, email('wsecret'));
      const customer = (await h.account(env.id, accountId)).stripe_customer_id;
      for (const { event, deliveries } of await settledEvents(customer)) {
        assert.deepEqual(
          deliveries.map((d) => d.status),
          [400, 400, 400],
          event.type,
        );
        assert.equal(event.pending_webhooks, 1);
        assert.equal((await acknowledgement(event.id)).status, 404, `the app reports ${event.type} unacknowledged`);
      }
      assert.equal((await h.account(env.id, accountId)).plan, 'free');
    });
  });

  it('ignore-upgrade: every delivery is acknowledged but the plan never changes', async () => {
    await withFault('ignore-upgrade', async () => {
      const env = await h.environment();
      const { accountId } = await h.subscribe(env.id, email('ignore'));
      const customer = (await h.account(env.id, accountId)).stripe_customer_id;
      const settled = await settledEvents(customer);
      for (const { event, deliveries } of settled) {
        const answered = deliveries.filter((d) => d.status !== null).map((d) => d.status);
        assert.deepEqual(answered, [200], `${event.type}: ${JSON.stringify(deliveries)}`);
      }
      await waitFor(
        async () => (await Promise.all(settled.map(({ event }) => h.stripe.events.retrieve(event.id)))).every((e) => e.pending_webhooks === 0),
        'all acknowledged',
      );
      const acct = await h.account(env.id, accountId);
      assert.equal(acct.plan, 'free');
      assert.deepEqual(acct.subscriptions, []);
      for (const { event } of settled) {
        const ack = await acknowledgement(event.id);
        assert.equal(ack.status, 200, `${event.type}: ${JSON.stringify(ack.body)}`);
        assert.deepEqual([ack.body.type, ack.body.processed], [event.type, false], 'acknowledged, but the plan was not changed');
      }
    });
  });

  it('wrong-price: the upgrade opens Checkout for another price than the catalogue', async () => {
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('wprice'));
    await withFault('wrong-price', async () => {
      const u = await h.upgrade(env.id, accountId!);
      assert.equal(u.status, 303);
      const session = await h.stripe.checkout.sessions.retrieve(u.sessionId!, { expand: ['line_items.data.price'] });
      const price = session.line_items!.data[0]!.price!;
      assert.equal(price.lookup_key, WRONG_LOOKUP_KEY);
      assert.notEqual(price.unit_amount, 4900);
      assert.notEqual(session.amount_total, 4900);
    });
    const fixed = await h.upgrade(env.id, accountId!);
    const session = await h.stripe.checkout.sessions.retrieve(fixed.sessionId!, { expand: ['line_items.data.price'] });
    assert.equal(session.line_items!.data[0]!.price!.lookup_key, PRO_LOOKUP_KEY);
    assert.equal(session.amount_total, 4900);
  });

  it('checkout-500: the upgrade fails on the server and opens no Checkout', async () => {
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('c500'));
    const customer = (await h.account(env.id, accountId!)).stripe_customer_id;
    await withFault('checkout-500', async () => {
      const res = await fetch(`${h.app.url}/e/${env.id}/a/${accountId}/upgrade`, { method: 'POST', redirect: 'manual' });
      assert.equal(res.status, 500);
      const page = await res.text();
      assert.match(page, /Something went wrong on our side/);
      assert.doesNotMatch(page, /checkout-500 fault/, 'the internal error is not shown');
      assert.equal((await h.stripe.checkout.sessions.list({ customer, limit: 10 })).data.length, 0);
    });
    assert.equal((await h.upgrade(env.id, accountId!)).status, 303, 'cleared, the upgrade works again');
  });

  it('with no fault set, the whole upgrade works and every delivery is acknowledged at once', async () => {
    assert.equal((await h.admin('GET', '/_demo/faults')).body.fault, null);
    const env = await h.environment();
    const { accountId, sessionId } = await h.subscribe(env.id, email('healthy'));
    await h.waitForPlan(env.id, accountId, 'pro');
    const customer = (await h.account(env.id, accountId)).stripe_customer_id;
    for (const { event, deliveries } of await settledEvents(customer)) {
      const answered = deliveries.filter((d) => d.status !== null).map((d) => d.status);
      assert.deepEqual(answered, [200], `${event.type}: ${JSON.stringify(deliveries)}`);
      assert.deepEqual((await acknowledgement(event.id)).body.processed, true, event.type);
    }
    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    assert.equal(session.amount_total, 4900);
  });

  it('upgrade-hang: the upgrade answers nothing until upgradeHoldMs has passed, then fails, and opens no Checkout', async () => {
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('hang'));
    const customer = (await h.account(env.id, accountId!)).stripe_customer_id;
    assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: 'upgrade-hang', times: 1 })).body, { fault: 'upgrade-hang', remaining: 1 });
    try {
      const began = Date.now();
      const res = await fetch(`${h.app.url}/e/${env.id}/a/${accountId}/upgrade`, { method: 'POST', redirect: 'manual' });
      const took = Date.now() - began;
      assert.ok(took >= UPGRADE_HOLD_MS - 50, `answered after ${took} ms, before the hold of ${UPGRADE_HOLD_MS} ms`);
      assert.equal(res.status, 500);
      const page = await res.text();
      assert.match(page, /Something went wrong on our side/);
      assert.doesNotMatch(page, /upgrade-hang fault/, 'the internal error is not shown');
      assert.equal((await h.stripe.checkout.sessions.list({ customer, limit: 10 })).data.length, 0);
    } finally {
      await h.setFault(null);
    }
    assert.equal((await h.upgrade(env.id, accountId!)).status, 303, 'after its one strike the upgrade works again');
  });

  it('drop-metadata: Checkout creates the subscription without the metadata; the session keeps its own; the plan still follows', async () => {
    const env = await h.environment({ canary_run_id: 'run-drop' });
    let paid: { accountId: string; sessionId: string } | undefined;
    await withFault('drop-metadata', async () => {
      paid = await h.subscribe(env.id, email('drop'));
    });
    const { accountId, sessionId } = paid!;
    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    assert.deepEqual(session.metadata, { canary_run_id: 'run-drop', environment: env.id, account: accountId });
    const sub = await h.stripe.subscriptions.retrieve(session.subscription as string);
    assert.deepEqual(sub.metadata, {}, 'the subscription is unlabelled');
    await h.waitForPlan(env.id, accountId, 'pro');

    // Cleared, the next upgrade labels its subscription again.
    const fixed = await h.subscribe(env.id, email('drop-fixed'));
    const fixedSession = await h.stripe.checkout.sessions.retrieve(fixed.sessionId);
    const fixedSub = await h.stripe.subscriptions.retrieve(fixedSession.subscription as string);
    assert.deepEqual(fixedSub.metadata, { canary_run_id: 'run-drop', environment: env.id, account: fixed.accountId });
  });

  it('a fault set for a number of times strikes that often, then clears itself', async () => {
    assert.deepEqual((await h.admin('POST', '/_demo/faults', { fault: 'checkout-500', times: 2 })).body, { fault: 'checkout-500', remaining: 2 });
    try {
      const env = await h.environment();
      const { accountId } = await h.signup(env.id, email('times'));
      assert.equal((await h.upgrade(env.id, accountId!)).status, 500, 'first strike');
      assert.equal((await h.admin('GET', '/_demo/faults')).body.remaining, 1);
      assert.equal((await h.upgrade(env.id, accountId!)).status, 500, 'second strike');
      assert.deepEqual((await h.admin('GET', '/_demo/faults')).body, { fault: null, remaining: null, faults: FAULTS }, 'cleared after its last strike');
      assert.equal((await h.upgrade(env.id, accountId!)).status, 303, 'the third upgrade works again');
    } finally {
      await h.setFault(null);
    }
  });
});
