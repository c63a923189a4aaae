/**
 * The webhook handler: signature checks on the raw body, storing events by id before acting,
 * duplicates, any order of delivery, every event type the app handles, the acknowledgements the
 * admin API reports, real deliveries from the emulator with duplicates and reordering injected,
 * and the lifecycle of the endpoint the app registers (metadata, replacement, deletion on close).
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
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { startStripeEmulator, type RunningStripeEmulator } from '../emulators/stripe/index.ts';
import { waitFor } from '../emulators/stripe/testing/sdk.ts';
import { DemoAppConfigError, randomAdminToken, startDemoApp, type DemoAppOptions, type RunningDemoApp } from './index.ts';
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
/**
 * Delivers `event` as Stripe does: its JSON, signed afresh with the endpoint's secret. Each
 * attempt has its own signature (the app refuses one it has seen: a replay), so every attempt
 * gets its own timestamp: one second after the last, starting 4 minutes back, within the tolerance.
 */
let lastTimestamp = 0;
async function deliver(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  lastTimestamp = Math.max(now() - 240, lastTimestamp + 1);
  return post(payload, sign(payload, { timestamp: lastTimestamp }));
}
async function deliverAll(events: Stripe.Event[]) {
  for (const event of events) {
    const r = await deliver(event);
    assert.equal(r.status, 200, `${event.type} ${event.id}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, { received: true });
  }
}

const stored = (eventId: string) =>
  db.prepare('SELECT id, type, account_id FROM processed_events WHERE id = ?').get(eventId) as
    | { id: string; type: string; account_id: string | null }
    | undefined;
const storedCount = () => (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;

/** The events of `customer`, oldest first (the order Stripe created them). */
async function eventsOf(customer: string, { handledOnly = false } = {}, target = h): Promise<Stripe.Event[]> {
  const all: Stripe.Event[] = [];
  for await (const event of target.stripe.events.list({ limit: 100 })) all.push(event);
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
      ['a future timestamp (10 min ahead)', payload, sign(payload, { timestamp: now() + 600 }), /more than 300 s in the future/],
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
    const signed = sign(payload);
    const ok = await post(payload, signed, 'text/plain');
    assert.equal(ok.status, 200);
    // The very same signed request again is a replay (Stripe signs every attempt afresh): refused.
    const replay = await post(payload, signed);
    assert.equal(replay.status, 400);
    assert.match(replay.body.error, /already received \(a replay\)/);
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
      assert.deepEqual(
        acct.subscriptions.map((s: { id: string; status: string }) => [s.id, s.status]),
        [[subscription, 'active']],
      );
      assert.equal(stored(event.id)?.account_id, accountId);
    }
  });

  it('customer.subscription.deleted brings the account back to Free, and later-arriving older events do not undo it', async () => {
    const { env, accountId, customer, subscription } = await paidAccount('canceled');
    const paid = await eventsOf(customer, { handledOnly: true });
    const [sessionCompleted, ...rest] = [
      paid.find((e) => e.type === 'checkout.session.completed')!,
      ...paid.filter((e) => e.type !== 'checkout.session.completed'),
    ];
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
    assert.deepEqual(
      answers.map((a) => a.status),
      order.map(() => 200),
    );
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
    await setEmulatorFaults({
      api: [{ method: 'GET', path: '/v1/subscriptions/*', status: 404, type: 'invalid_request_error', message: 'No such subscription (injected)' }],
    });
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
    const sub = await h.stripe.subscriptions.create({
      customer,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
      payment_behavior: 'allow_incomplete',
    });
    assert.equal(sub.status, 'incomplete');
    const events = await eventsOf(customer, { handledOnly: true });
    const failed = events.find((e) => e.type === 'invoice.payment_failed');
    assert.ok(failed, `events: ${events.map((e) => e.type).join(', ')}`);
    await deliverAll([failed, ...events.filter((e) => e !== failed)]);
    const acct = await h.account(env.id, accountId!);
    assert.equal(acct.plan, 'free');
    assert.deepEqual(
      acct.subscriptions.map((s: { status: string }) => s.status),
      ['incomplete'],
    );
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
  const res = await fetch(`${target.emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}
async function clearEmulatorFaults(target = h) {
  assert.equal((await fetch(`${target.emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
}

/** What the admin API says about the acknowledgement of `eventId`. */
const acknowledgement = (eventId: string, target = h) => target.admin('GET', `/api/webhooks/events/${eventId}`);
/** Runs `body` with the app's fault set (for `times` strikes when given), clearing it afterwards. */
async function withAppFault(fault: string, body: () => Promise<void>, times?: number) {
  const set = await h.admin('POST', '/_demo/faults', { fault, ...(times === undefined ? {} : { times }) });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  try {
    await body();
  } finally {
    await h.setFault(null);
  }
}

describe('acknowledgements, as the admin API reports them', () => {
  it('GET /api/webhooks names the webhook URL; given a secret, the app registered no endpoint', async () => {
    const r = await h.admin('GET', '/api/webhooks');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { url: `${h.app.url}/webhooks/stripe`, endpoint_id: null });
    assert.equal(h.app.webhookUrl, `${h.app.url}/webhooks/stripe`);
    assert.equal(h.app.webhookEndpointId, null);
  });

  it('a verified event answered 2xx is acknowledged once, duplicates keep the first time; refused or failed deliveries are not', async () => {
    const { env, accountId, customer } = await paidAccount('ack');
    const events = await eventsOf(customer);
    const event = events.find((e) => e.type === 'customer.subscription.created')!;
    const unhandled = events.find((e) => e.type === 'payment_intent.succeeded')!;
    assert.ok(event && unhandled);

    const missing = await acknowledgement(event.id);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, new RegExp(`^No acknowledged event '${event.id}'`));

    const payload = JSON.stringify(event);
    assert.equal((await post(payload, sign(payload, { secret: 'whsec_forged_by_someone_else' }))).status, 400);
    assert.equal((await post(payload, null)).status, 400);
    await setEmulatorFaults({ api: [{ method: 'GET', path: '/v1/subscriptions/*', status: 500, message: 'Stripe hiccup (injected)' }] });
    try {
      assert.ok((await deliver(event)).status >= 500, 'Stripe could not be read, so the delivery failed');
    } finally {
      await clearEmulatorFaults();
    }
    assert.equal((await acknowledgement(event.id)).status, 404, 'refused and failed deliveries are not acknowledgements');

    const before = now();
    await deliverAll([event]);
    const first = await acknowledgement(event.id);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body).sort(), ['acknowledged_at', 'id', 'processed', 'type']);
    assert.equal(first.body.id, event.id);
    assert.equal(first.body.type, 'customer.subscription.created');
    assert.equal(first.body.processed, true);
    assert.ok(first.body.acknowledged_at >= before - 1 && first.body.acknowledged_at <= now() + 1, `acknowledged_at ${first.body.acknowledged_at}`);
    assert.equal((await h.account(env, accountId)).plan, 'pro');

    // The duplicate is acknowledged too; the record keeps the first acknowledgement.
    await deliverAll([event]);
    assert.deepEqual((await acknowledgement(event.id)).body, first.body);

    // An event the app does not act on is still acknowledged, and processed (nothing to do).
    await deliverAll([unhandled]);
    assert.deepEqual((await acknowledgement(unhandled.id)).body.processed, true);
    assert.equal((await acknowledgement('evt_never_sent')).status, 404);
  });

  it('under ignore-upgrade the delivery is acknowledged unprocessed; delivered again once fixed, it is processed', async () => {
    const { env, accountId, customer } = await paidAccount('ack-ignored');
    const event = (await eventsOf(customer)).find((e) => e.type === 'checkout.session.completed')!;
    await withAppFault('ignore-upgrade', async () => {
      await deliverAll([event]);
      const ack = await acknowledgement(event.id);
      assert.equal(ack.status, 200);
      assert.equal(ack.body.type, 'checkout.session.completed');
      assert.equal(ack.body.processed, false);
      assert.equal((await h.account(env, accountId)).plan, 'free');
      // A duplicate under the fault is acknowledged again, still unprocessed.
      await deliverAll([event]);
      assert.equal((await acknowledgement(event.id)).body.processed, false);
    });
    const acknowledgedAt = (await acknowledgement(event.id)).body.acknowledged_at;
    await deliverAll([event]);
    assert.deepEqual((await acknowledgement(event.id)).body, {
      id: event.id,
      type: 'checkout.session.completed',
      acknowledged_at: acknowledgedAt,
      processed: true,
    });
    assert.equal((await h.account(env, accountId)).plan, 'pro');
  });

  it('webhook-500 and webhook-wrong-secret answer non-2xx and record no acknowledgement', async () => {
    const { customer } = await paidAccount('ack-refused');
    const event = (await eventsOf(customer)).find((e) => e.type === 'invoice.paid')!;
    for (const [fault, status] of [
      ['webhook-500', 500],
      ['webhook-wrong-secret', 400],
    ] as const) {
      await withAppFault(
        fault,
        async () => {
          assert.equal((await deliver(event)).status, status, fault);
        },
        1,
      );
      assert.equal((await acknowledgement(event.id)).status, 404, fault);
    }
    await deliverAll([event]);
    assert.equal((await acknowledgement(event.id)).body.processed, true, 'the next, healthy delivery is acknowledged');
  });
});

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
    const deliveries = (await (await fetch(`${live.emulator.url}/_emulator/webhook-deliveries`)).json()).data as {
      event_id: string;
      status: number | null;
      duplicate: boolean;
    }[];
    for (const e of handled as Stripe.Event[]) {
      const mine = deliveries.filter((d) => d.event_id === e.id);
      assert.ok(
        mine.some((d) => d.duplicate),
        `${e.type} was duplicated`,
      );
      // Each attempt is acknowledged; its injected copy (the same signed bytes again) is refused as a replay.
      assert.ok(
        mine.every((d) => d.status === (d.duplicate ? 400 : 200)),
        `${e.type}: ${JSON.stringify(mine)}`,
      );
    }
    const acct = await live.account(env.id, accountId);
    assert.equal(acct.plan, 'pro');
    assert.equal(acct.subscriptions.length, 1);
    // What the admin API reports matches what Stripe saw acknowledged.
    for (const e of handled as Stripe.Event[]) {
      const ack = await acknowledgement(e.id, live);
      assert.equal(ack.status, 200, `${e.type}: ${JSON.stringify(ack.body)}`);
      assert.deepEqual([ack.body.id, ack.body.type, ack.body.processed], [e.id, e.type, true]);
    }
    assert.deepEqual((await live.admin('GET', '/api/webhooks')).body, { url: live.app.webhookUrl, endpoint_id: live.app.webhookEndpointId });
  });
});

describe('after cleanup: a deleted Stripe customer and a deleted environment', () => {
  let live: DemoHarness;
  let liveDb: Database.Database;
  const liveFile = path.join(tmp, 'cleanup.sqlite');
  before(async () => {
    live = await startDemoHarness({ app: { database: liveFile }, emulator: { webhookRetryDelaysMs: [50, 100, 200] } });
    liveDb = new Database(liveFile, { readonly: true });
  });
  after(async () => {
    liveDb?.close();
    await live?.close();
  });

  const rows = (sql: string, ...args: unknown[]) => liveDb.prepare(sql).all(...args) as Record<string, unknown>[];
  /** Every row of every table of the app's database, as text, for a search by id. */
  const everything = () =>
    (rows("SELECT name FROM sqlite_master WHERE type = 'table'") as { name: string }[])
      .flatMap(({ name }) => rows(`SELECT * FROM ${name}`).map((r) => `${name}: ${JSON.stringify(r)}`))
      .join('\n');

  /** A paid test in its own environment, its deliveries all acknowledged: the ids cleanup works with. */
  async function passedTest(tag: string) {
    const env = await live.environment({ canary_run_id: `run-${tag}` });
    const { accountId, sessionId } = await live.subscribe(env.id, email(tag));
    const customer = (await live.waitForPlan(env.id, accountId, 'pro')).stripe_customer_id as string;
    const subscription = (await live.stripe.checkout.sessions.retrieve(sessionId)).subscription as string;
    await waitFor(
      async () => (await eventsOf(customer, { handledOnly: true }, live)).every((e) => e.pending_webhooks === 0),
      'every delivery acknowledged',
      10_000,
    );
    return { env: env.id, accountId, sessionId, customer, subscription };
  }
  /** The deliveries of `type` about `customer`, once one of them was answered. */
  async function answered(customer: string, type: string) {
    const found = await waitFor(
      async () => {
        const event = (await eventsOf(customer, {}, live)).find((e) => e.type === type);
        if (!event) return false;
        const deliveries = (await (await fetch(`${live.emulator.url}/_emulator/webhook-deliveries?event=${event.id}`)).json()).data as {
          status: number | null;
          error: string | null;
        }[];
        return deliveries.some((d) => d.status !== null) && { event, deliveries };
      },
      `a delivery of ${type} answered`,
      10_000,
    );
    return found as Exclude<typeof found, false>;
  }

  it('customer deleted, then the environment: the cancellation is acknowledged, and nothing of the environment remains in the database', async () => {
    const t = await passedTest('cleanup-passed');
    const events = await eventsOf(t.customer, { handledOnly: true }, live);
    assert.ok(everything().includes(t.env) && everything().includes(t.customer), 'the test left its rows');

    await live.stripe.customers.del(t.customer);
    const { event, deliveries } = await answered(t.customer, 'customer.subscription.deleted');
    assert.deepEqual(
      deliveries.map((d) => [d.status, d.error]),
      [[200, null]],
    );
    assert.equal((await acknowledgement(event.id, live)).body.processed, true);
    assert.equal((await live.account(t.env, t.accountId)).plan, 'free', 'the cancellation reached the account');

    const deleted = await live.admin('DELETE', `/api/environments/${t.env}`);
    assert.deepEqual(deleted.body, { id: t.env, deleted: true, existed: true });
    const left = everything();
    for (const id of [t.env, t.accountId, t.customer, t.subscription, t.sessionId, event.id, ...events.map((e) => e.id)]) {
      assert.ok(!left.includes(id), `${id} is still in the database:\n${left}`);
    }
    assert.deepEqual((await live.admin('DELETE', `/api/environments/${t.env}`)).body, { id: t.env, deleted: true, existed: false });
  });

  it('environment deleted, then the customer: the late cancellation is acknowledged (2xx) and changes nothing', async () => {
    const t = await passedTest('cleanup-late');
    assert.equal((await live.admin('DELETE', `/api/environments/${t.env}`)).status, 200);
    await live.stripe.customers.del(t.customer);
    const { event, deliveries } = await answered(t.customer, 'customer.subscription.deleted');
    assert.deepEqual(
      deliveries.map((d) => [d.status, d.error]),
      [[200, null]],
    );
    const ack = await acknowledgement(event.id, live);
    assert.deepEqual([ack.status, ack.body.processed], [200, true]);
    // Kept by id only (so a duplicate is known), tied to no account.
    assert.deepEqual(rows('SELECT id, type, account_id FROM processed_events WHERE id = ?', event.id), [
      { id: event.id, type: 'customer.subscription.deleted', account_id: null },
    ]);
    const left = everything();
    for (const id of [t.env, t.accountId, t.customer, t.subscription, t.sessionId]) assert.ok(!left.includes(id), `${id} came back:\n${left}`);
    assert.equal((await live.admin('GET', `/api/environments/${t.env}/accounts/${t.accountId}`)).status, 404);
  });

  it("events of a customer or subscription Stripe no longer has are acknowledged when they are not the app's, retried when they are", async () => {
    const t = await passedTest('cleanup-gone');
    const sample = (await eventsOf(t.customer, { handledOnly: true }, live)).find((e) => e.type === 'customer.subscription.updated')!;
    const secret = 'whsec_cleanup_tests';
    // The harness registered its endpoint; a second app with a known secret takes hand-signed deliveries.
    const signed = await startDemoApp({
      port: 0,
      stripeSecretKey: 'sk_test_demo_app_tests',
      stripeApiUrl: live.emulator.url,
      adminToken: randomAdminToken(),
      webhookSecret: secret,
      database: liveFile,
    });
    try {
      const send = async (event: unknown) => {
        const payload = JSON.stringify(event);
        const res = await fetch(`${signed.url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': live.stripe.webhooks.generateTestHeaderString({ payload, secret }) },
          body: payload,
        });
        return { status: res.status, body: await res.json() };
      };
      const forged = (id: string, object: Record<string, unknown>, type = sample.type) => ({
        ...sample,
        id,
        type,
        data: { object: { ...sample.data.object, ...object } },
      });

      // customer.deleted (not among the app's events, but an endpoint with '*' gets it): nothing to do.
      await live.stripe.customers.del(t.customer);
      const customerDeleted = (await eventsOf(t.customer, {}, live)).find((e) => e.type === 'customer.deleted')!;
      assert.ok(customerDeleted);
      assert.deepEqual(await send(customerDeleted), { status: 200, body: { received: true } });

      // A subscription Stripe does not have, of a customer the app does not have.
      const gone = forged(`evt_gone_${randomBytes(6).toString('hex')}`, { id: 'sub_gone_000000000000', customer: 'cus_gone_000000000000' });
      assert.deepEqual(await send(gone), { status: 200, body: { received: true } });
      assert.deepEqual(rows('SELECT account_id FROM processed_events WHERE id = ?', gone.id), [{ account_id: null }]);

      // A subscription Stripe does not have, of one of the app's accounts: something is wrong, so
      // the delivery fails and Stripe retries it.
      const other = await passedTest('cleanup-gone-ours');
      const ours = forged(`evt_ours_${randomBytes(6).toString('hex')}`, { id: 'sub_gone_000000000001', customer: other.customer });
      const refused = await send(ours);
      assert.ok(refused.status >= 500, `got ${refused.status}`);
      assert.deepEqual(rows('SELECT id FROM processed_events WHERE id = ?', ours.id), [], 'not stored, so a retry is processed');
      assert.equal((await live.account(other.env, other.accountId)).plan, 'pro');
    } finally {
      await signed.close();
    }
  });
});

/** An emulator of its own and the SDK on it, closed after the test. */
async function ownEmulator(t: TestContext): Promise<{ emulator: RunningStripeEmulator; stripe: Stripe }> {
  const emulator = await startStripeEmulator({ port: 0 });
  t.after(() => emulator.close());
  const u = new URL(emulator.url);
  return {
    emulator,
    stripe: new Stripe('sk_test_endpoint_tests', { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false }),
  };
}

/** Starts the demo app on `stripeApiUrl`; it is closed after the test (closing twice is fine). */
async function app(t: TestContext, stripeApiUrl: string, options: Partial<DemoAppOptions> = {}): Promise<RunningDemoApp> {
  const started = await startDemoApp({ port: 0, stripeSecretKey: 'sk_test_endpoint_tests', stripeApiUrl, adminToken: randomAdminToken(), ...options });
  t.after(() => started.close());
  return started;
}

/** A proxy in front of `target` that can be told to stop answering (a Stripe that hangs). */
async function hangingProxy(t: TestContext, target: string): Promise<{ url: string; hang(): void }> {
  let hanging = false;
  const server = http.createServer((req, res) => {
    if (hanging) return; // never answers
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hang: () => (hanging = true) };
}

const endpointExists = async (stripe: Stripe, id: string) =>
  stripe.webhookEndpoints.retrieve(id).then(
    () => true,
    (err: Error & { statusCode?: number }) => (err.statusCode === 404 ? false : Promise.reject(err)),
  );

describe('the webhook endpoint the app registers', () => {
  it('is registered with webhookMetadata, replaces only an earlier endpoint of its own URL, and close deletes only it', async (t) => {
    const { emulator, stripe } = await ownEmulator(t);
    // A public URL known before start; nothing the app registers for is sent there in this test.
    const publicUrl = `http://127.0.0.1:9/canary-${randomBytes(4).toString('hex')}`;
    const webhookUrl = `${publicUrl}/webhooks/stripe`;
    const enabled_events = ['checkout.session.completed'] as Stripe.WebhookEndpointCreateParams.EnabledEvent[];
    const earlier = await stripe.webhookEndpoints.create({ url: webhookUrl, enabled_events, metadata: { canary_run_id: 'canary_earlier' } });
    const others = await Promise.all(
      [`${webhookUrl}/other`, `${publicUrl}-2/webhooks/stripe`, 'https://example.com/webhooks/stripe'].map((url) =>
        stripe.webhookEndpoints.create({ url, enabled_events }),
      ),
    );

    const started = await app(t, emulator.url, { publicUrl, webhookMetadata: { canary_run_id: 'canary_run_1', spec: 'upgrade' } });
    assert.equal(started.webhookUrl, webhookUrl);
    assert.ok(started.webhookEndpointId);
    const endpoint = await stripe.webhookEndpoints.retrieve(started.webhookEndpointId);
    assert.equal(endpoint.url, webhookUrl);
    assert.deepEqual(endpoint.metadata, { canary_run_id: 'canary_run_1', spec: 'upgrade' });
    assert.equal(await endpointExists(stripe, earlier.id), false, 'the earlier endpoint of the same URL was replaced');
    for (const other of others) assert.equal(await endpointExists(stripe, other.id), true, `${other.url} is not touched`);

    const adminToken = randomAdminToken();
    const second = await app(t, emulator.url, { adminToken });
    const described = await fetch(`${second.url}/api/webhooks`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.deepEqual(await described.json(), { url: `${second.url}/webhooks/stripe`, endpoint_id: second.webhookEndpointId });
    assert.equal(await endpointExists(stripe, started.webhookEndpointId), true, "another app's start does not touch it");

    await started.close();
    assert.equal(await endpointExists(stripe, started.webhookEndpointId), false, 'close deleted the endpoint the app registered');
    for (const other of [...others, { id: second.webhookEndpointId! }]) assert.equal(await endpointExists(stripe, other.id), true);
    await started.close();
  });

  it('close counts an endpoint already deleted as done, and does not fail when Stripe refuses the deletion', async (t) => {
    const { emulator, stripe } = await ownEmulator(t);
    const gone = await app(t, emulator.url);
    await stripe.webhookEndpoints.del(gone.webhookEndpointId!);
    await gone.close();

    const refused = await app(t, emulator.url);
    const fault = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: [{ method: 'DELETE', path: '/v1/webhook_endpoints/*', status: 500, message: 'Stripe is down (injected)' }] }),
    });
    assert.equal(fault.status, 200);
    await refused.close();
    assert.equal((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
    const left = await stripe.webhookEndpoints.retrieve(refused.webhookEndpointId!);
    assert.equal(left.url, refused.webhookUrl, 'left over, to be found by its metadata later');

    // Given a secret, the app registered nothing and deletes nothing.
    const count = (await stripe.webhookEndpoints.list()).data.length;
    const withSecret = await app(t, emulator.url, { webhookSecret: `whsec_${randomBytes(8).toString('hex')}` });
    assert.equal(withSecret.webhookEndpointId, null);
    await withSecret.close();
    assert.equal((await stripe.webhookEndpoints.list()).data.length, count);
  });

  it('close waits for a Stripe that does not answer for about 5 s at most', { timeout: 30_000 }, async (t) => {
    const { emulator, stripe } = await ownEmulator(t);
    const proxy = await hangingProxy(t, emulator.url);
    const started = await app(t, proxy.url);
    proxy.hang();
    const began = Date.now();
    await started.close();
    const took = Date.now() - began;
    assert.ok(took < 7000, `close took ${took} ms`);
    assert.equal(await endpointExists(stripe, started.webhookEndpointId!), true, 'Stripe never got the deletion');
  });

  it('refuses webhookMetadata Stripe would refuse, naming the key, before registering anything', async (t) => {
    const { emulator, stripe } = await ownEmulator(t);
    const options = { port: 0, stripeSecretKey: 'sk_test_endpoint_tests', stripeApiUrl: emulator.url, adminToken: randomAdminToken() };
    for (const [metadata, message] of [
      [{ ['k'.repeat(41)]: 'v' }, /webhookMetadata key 'k{41}' is not a Stripe metadata key/],
      [{ 'a[b]': 'v' }, /webhookMetadata key 'a\[b\]'/],
      [{ '': 'v' }, /webhookMetadata key ''/],
      [{ run: 'v'.repeat(501) }, /webhookMetadata 'run' must be a string of at most 500 characters/],
      [{ run: 42 }, /webhookMetadata 'run' must be a string/],
      [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), /webhookMetadata has 51 keys; Stripe allows at most 50/],
    ] as [Record<string, string>, RegExp][]) {
      await assert.rejects(
        startDemoApp({ ...options, webhookMetadata: metadata }),
        (err: Error) => err instanceof DemoAppConfigError && message.test(err.message),
      );
    }
    assert.deepEqual((await stripe.webhookEndpoints.list()).data, []);
  });
});
