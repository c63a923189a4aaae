/**
 * The webhook handler: signature checks on the raw body, storing events by id before acting,
 * duplicates, any order of delivery, every event type the app handles, and real deliveries from
 * the emulator with duplicates and reordering injected.
 *
 * The first harness starts the app with a known webhook secret and registers no endpoint, so the
 * emulator delivers nothing: every delivery here is one the test signs and posts itself.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type Stripe from 'stripe';
import { waitFor } from '../emulators/stripe/testing/sdk.ts';
import { WEBHOOK_EVENTS } from './stripe.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const HANDLED = new Set<string>(WEBHOOK_EVENTS);
const tmp = mkdtempSync(path.join(tmpdir(), 'demo-app-webhooks-'));
const dbFile = path.join(tmp, 'app.sqlite');

let h: DemoHarness;
let db: Database.Database;
before(async () => {
  h = await startDemoHarness({ app: { webhookSecret: SECRET, database: dbFile } });
  db = new Database(dbFile, { readonly: true });
});
after(async () => {
  db?.close();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const email = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;
const now = () => Math.floor(Date.now() / 1000);
const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  h.stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? now() });

async function post(body: string | undefined, signature: string | null, contentType: string | null = 'application/json; charset=utf-8') {
  const res = await fetch(`${h.app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(signature !== null ? { 'stripe-signature': signature } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
/** Delivers `event` as Stripe does: its JSON, signed now with the endpoint's secret. */
async function deliver(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  return post(payload, sign(payload));
}
async function deliverAll(events: Stripe.Event[]) {
  for (const event of events) {
    const r = await deliver(event);
    assert.equal(r.status, 200, `${event.type} ${event.id}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, { received: true });
  }
}

const stored = (eventId: string) => db.prepare('SELECT id, type, account_id FROM processed_events WHERE id = ?').get(eventId) as { id: string; type: string; account_id: string | null } | undefined;
const storedCount = () => (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;

/** The events of `customer`, oldest first (the order Stripe created them). */
async function eventsOf(customer: string, { handledOnly = false } = {}): Promise<Stripe.Event[]> {
  const all: Stripe.Event[] = [];
  for await (const event of h.stripe.events.list({ limit: 100 })) all.push(event);
  return all
    .filter((e) => {
      const obj = e.data.object as { id?: string; customer?: string | null };
      return (obj.customer === customer || obj.id === customer) && (!handledOnly || HANDLED.has(e.type));
    })
    .reverse();
}

/** A new environment and account that has paid on the hosted page; the app has heard nothing yet. */
async function paidAccount(tag: string) {
  const env = await h.environment({ canary_run_id: `run-${tag}` });
  const { accountId, sessionId } = await h.subscribe(env.id, email(tag));
  const acct = await h.account(env.id, accountId);
  assert.equal(acct.plan, 'free', 'no delivery yet');
  const session = await h.stripe.checkout.sessions.retrieve(sessionId);
  return { env: env.id, accountId, customer: acct.stripe_customer_id as string, subscription: session.subscription as string };
}

describe('signature verification', () => {
  it('a missing, forged, stale or tampered signature, or a bad body, is a 400 and changes nothing', async () => {
    const { env, accountId, customer } = await paidAccount('signature');
    const event = (await eventsOf(customer, { handledOnly: true })).find((e) => e.type === 'customer.subscription.created')!;
    assert.ok(event);
    const payload = JSON.stringify(event);
    const before = storedCount();

    const cases: [string, string | undefined, string | null, RegExp][] = [
      ['no signature', payload, null, /Missing Stripe-Signature header/],
      ['an empty signature', payload, '', /Missing Stripe-Signature header/],
      ['another secret', payload, sign(payload, { secret: 'whsec_forged_by_someone_else' }), /No signatures found matching the expected signature/],
      ['a stale timestamp (10 min)', payload, sign(payload, { timestamp: now() - 600 }), /Timestamp outside the tolerance zone/],
      ['a tampered body', payload.replace('"status":"incomplete"', '"status":"active"').replace(event.id, 'evt_forged'), sign(payload), /No signatures found/],
      ['garbage', payload, 'hello', /Unable to extract timestamp and signatures from header/],
      ['a v0 signature only', payload, sign(payload).replace('v1=', 'v0='), /No signatures found with expected scheme/],
      ['no body', undefined, sign(''), /Missing request body|No signatures found|Unexpected end of JSON/],
      ['a signed body that is not JSON', 'not json', sign('not json'), /Webhook signature verification failed/],
    ];
    for (const [what, body, signature, message] of cases) {
      const r = await post(body, signature);
      assert.equal(r.status, 400, what);
      assert.match(r.body.error, message, what);
    }
    assert.equal(storedCount(), before, 'no event was stored');
    assert.equal(stored(event.id), undefined);
    assert.equal((await h.account(env, accountId)).plan, 'free');

    // The same event, correctly signed, is accepted (whatever the content type: the raw bytes count).
    const ok = await post(payload, sign(payload), 'text/plain');
    assert.equal(ok.status, 200);
    assert.deepEqual(stored(event.id), { id: event.id, type: 'customer.subscription.created', account_id: accountId });
    assert.equal((await h.account(env, accountId)).plan, 'pro', 'the plan follows Stripe, not the (older) payload');
  });

  it('large signed events are accepted; bodies over the webhook limit are a 413', async () => {
    const { customer } = await paidAccount('large');
    const event = (await eventsOf(customer)).find((e) => e.type === 'customer.created')!;
    const big = JSON.stringify({ ...event, id: `evt_big_${randomBytes(6).toString('hex')}`, padding: 'x'.repeat(200_000) });
    assert.equal((await post(big, sign(big))).status, 200, '200 KB is above the app-wide 64 KB limit but a real event can be that big');
    const huge = JSON.stringify({ ...event, padding: 'x'.repeat(600_000) });
    assert.equal((await post(huge, sign(huge))).status, 413);
  });
});

describe('events', () => {
  it('each handled event on its own makes the plan follow Stripe', async () => {
    for (const type of ['checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'invoice.paid']) {
      const { env, accountId, customer, subscription } = await paidAccount(type.replace(/\W/g, '-'));
      const event = (await eventsOf(customer)).find((e) => e.type === type);
      assert.ok(event, `the payment sent ${type}`);
      await deliverAll([event]);
      const acct = await h.account(env, accountId);
      assert.equal(acct.plan, 'pro', `after ${type} alone`);
      assert.deepEqual(acct.subscriptions.map((s: { id: string; status: string }) => [s.id, s.status]), [[subscription, 'active']]);
      assert.equal(stored(event.id)?.account_id, accountId);
    }
  });

  it('customer.subscription.deleted brings the account back to Free, and later-arriving older events do not undo it', async () => {
    const { env, accountId, customer, subscription } = await paidAccount('canceled');
    const paid = await eventsOf(customer, { handledOnly: true });
    const [sessionCompleted, ...rest] = [paid.find((e) => e.type === 'checkout.session.completed')!, ...paid.filter((e) => e.type !== 'checkout.session.completed')];
    await deliverAll([sessionCompleted]);
    assert.equal((await h.account(env, accountId)).plan, 'pro');

    await h.stripe.subscriptions.cancel(subscription);
    const deleted = (await eventsOf(customer)).find((e) => e.type === 'customer.subscription.deleted');
    assert.ok(deleted);
    await deliverAll([deleted]);
    assert.equal((await h.account(env, accountId)).plan, 'free');
    // The payment's other events arrive late (retries), after the cancellation.
    await deliverAll(rest);
    const acct = await h.account(env, accountId);
    assert.equal(acct.plan, 'free');
    assert.equal(acct.subscriptions[0].status, 'canceled');
  });

  it('every order of delivery ends in the same plan: reversed, shuffled, with duplicates', async () => {
    const reversed = await paidAccount('reversed');
    await deliverAll((await eventsOf(reversed.customer)).reverse());
    assert.equal((await h.account(reversed.env, reversed.accountId)).plan, 'pro');

    const shuffled = await paidAccount('shuffled');
    const events = await eventsOf(shuffled.customer, { handledOnly: true });
    assert.ok(events.length >= 4, `got ${events.map((e) => e.type).join(', ')}`);
    const order = [...events, ...events].sort(() => Math.random() - 0.5);
    // Concurrent as well as duplicated: a real endpoint gets overlapping deliveries.
    const answers = await Promise.all(order.map((e) => deliver(e)));
    assert.deepEqual(answers.map((a) => a.status), order.map(() => 200));
    assert.equal((await h.account(shuffled.env, shuffled.accountId)).plan, 'pro');
    for (const e of events) assert.deepEqual(stored(e.id), { id: e.id, type: e.type, account_id: shuffled.accountId });
    const ids = events.map((e) => e.id);
    const rows = db.prepare(`SELECT count(*) AS n FROM processed_events WHERE id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number };
    assert.equal(rows.n, events.length, 'each event stored once');

    // A cancellation, then the whole history in creation order: the last word is Stripe's.
    const late = await paidAccount('history');
    await h.stripe.subscriptions.cancel(late.subscription);
    await deliverAll(await eventsOf(late.customer));
    assert.equal((await h.account(late.env, late.accountId)).plan, 'free');
  });

  it('a duplicate is acknowledged and ignored, without acting again', async () => {
    const { env, accountId, customer } = await paidAccount('duplicate');
    const event = (await eventsOf(customer)).find((e) => e.type === 'invoice.paid')!;
    await deliverAll([event]);
    assert.equal((await h.account(env, accountId)).plan, 'pro');
    // Were the duplicate acted on, it would read the subscription from Stripe and fail here.
    await setEmulatorFaults({ api: [{ method: 'GET', path: '/v1/subscriptions/*', status: 404, type: 'invalid_request_error', message: 'No such subscription (injected)' }] });
    try {
      const again = await deliver(event);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, { received: true });
    } finally {
      await clearEmulatorFaults();
    }
    assert.equal((await h.account(env, accountId)).plan, 'pro');
  });

  it('when Stripe cannot be read the delivery fails (5xx, so Stripe retries) and is not stored; the retry succeeds', async () => {
    const { env, accountId, customer } = await paidAccount('retry');
    const event = (await eventsOf(customer)).find((e) => e.type === 'customer.subscription.updated')!;
    await setEmulatorFaults({ api: [{ method: 'GET', path: '/v1/subscriptions/*', status: 500, message: 'Stripe hiccup (injected)' }] });
    try {
      const failed = await deliver(event);
      assert.ok(failed.status >= 500, `got ${failed.status}`);
      assert.doesNotMatch(JSON.stringify(failed.body), /Stripe hiccup/, 'internal errors are not shown');
    } finally {
      await clearEmulatorFaults();
    }
    assert.equal(stored(event.id), undefined, 'not stored, so the retry is processed');
    assert.equal((await h.account(env, accountId)).plan, 'free');
    await deliverAll([event]);
    assert.equal((await h.account(env, accountId)).plan, 'pro');
  });

  it('invoice.payment_failed on a new subscription leaves the account on Free', async () => {
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('failing'));
    const customer = (await h.account(env.id, accountId!)).stripe_customer_id as string;
    const pm = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer });
    const price = (await h.stripe.prices.list({ lookup_keys: ['canary_pro_monthly'] })).data[0]!;
    const sub = await h.stripe.subscriptions.create({ customer, items: [{ price: price.id }], default_payment_method: pm.id, payment_behavior: 'allow_incomplete' });
    assert.equal(sub.status, 'incomplete');
    const events = await eventsOf(customer, { handledOnly: true });
    const failed = events.find((e) => e.type === 'invoice.payment_failed');
    assert.ok(failed, `events: ${events.map((e) => e.type).join(', ')}`);
    await deliverAll([failed, ...events.filter((e) => e !== failed)]);
    const acct = await h.account(env.id, accountId!);
    assert.equal(acct.plan, 'free');
    assert.deepEqual(acct.subscriptions.map((s: { status: string }) => s.status), ['incomplete']);
    assert.equal(stored(failed.id)?.account_id, accountId);
  });

  it("events the app does not handle, and other apps' customers, are acknowledged and change nothing", async () => {
    const { env, accountId, customer } = await paidAccount('unhandled');
    const unhandled = (await eventsOf(customer)).filter((e) => !HANDLED.has(e.type));
    assert.ok(unhandled.some((e) => e.type === 'payment_intent.succeeded'));
    await deliverAll(unhandled);
    assert.equal((await h.account(env, accountId)).plan, 'free');

    // A subscription of a customer that is not the app's (another app on the same Stripe account).
    const stranger = await h.stripe.customers.create({ email: email('stranger') });
    await h.stripe.paymentMethods.attach('pm_card_visa', { customer: stranger.id });
    const price = (await h.stripe.prices.list({ lookup_keys: ['canary_pro_monthly'] })).data[0]!;
    const pm = (await h.stripe.paymentMethods.list({ customer: stranger.id })).data[0]!;
    const sub = await h.stripe.subscriptions.create({ customer: stranger.id, items: [{ price: price.id }], default_payment_method: pm.id });
    assert.equal(sub.status, 'active');
    const theirs = await eventsOf(stranger.id, { handledOnly: true });
    assert.ok(theirs.length >= 3);
    await deliverAll(theirs);
    for (const e of theirs) assert.deepEqual(stored(e.id), { id: e.id, type: e.type, account_id: null });
    assert.equal((db.prepare('SELECT count(*) AS n FROM subscriptions WHERE id = ?').get(sub.id) as { n: number }).n, 0);
    assert.equal((await h.account(env, accountId)).plan, 'free');
  });
});

async function setEmulatorFaults(body: unknown, target = h) {
  const res = await fetch(`${target.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}
async function clearEmulatorFaults(target = h) {
  assert.equal((await fetch(`${target.emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
}

describe('real deliveries from Stripe', () => {
  it('with every delivery duplicated and reordered, the account becomes Pro and every event is acknowledged', async (t) => {
    const live = await startDemoHarness({ emulator: { webhookRetryDelaysMs: [50, 100, 200] } });
    t.after(() => live.close());
    assert.ok(live.app.webhookEndpointId, 'the app registered its endpoint');
    const endpoint = await live.stripe.webhookEndpoints.retrieve(live.app.webhookEndpointId!);
    assert.equal(endpoint.url, `${live.app.url}/webhooks/stripe`);
    assert.deepEqual([...endpoint.enabled_events].sort(), [...WEBHOOK_EVENTS].sort());

    await setEmulatorFaults({ webhooks: { duplicate_rate: 1, reorder: true } }, live);
    const env = await live.environment();
    const { accountId } = await live.subscribe(env.id, email('live'));
    await live.waitForPlan(env.id, accountId, 'pro');

    const customer = (await live.account(env.id, accountId)).stripe_customer_id;
    const handled = await waitFor(
      async () => {
        const list = (await live.stripe.events.list({ limit: 100 })).data.filter(
          (e) => HANDLED.has(e.type) && (e.data.object as { customer?: string }).customer === customer,
        );
        return list.length >= 4 && list.every((e) => e.pending_webhooks === 0) && list;
      },
      'every handled event acknowledged (pending_webhooks 0)',
      10_000,
    );
    const deliveries = (await (await fetch(`${live.emulator.url}/_emulator/webhook-deliveries`)).json()).data as { event_id: string; status: number | null; duplicate: boolean }[];
    for (const e of handled as Stripe.Event[]) {
      const mine = deliveries.filter((d) => d.event_id === e.id);
      assert.ok(mine.some((d) => d.duplicate), `${e.type} was duplicated`);
      assert.ok(mine.every((d) => d.status === 200), `${e.type}: ${JSON.stringify(mine)}`);
    }
    const acct = await live.account(env.id, accountId);
    assert.equal(acct.plan, 'pro');
    assert.equal(acct.subscriptions.length, 1);
  });
});
