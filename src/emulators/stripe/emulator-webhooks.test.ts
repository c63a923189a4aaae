// Webhooks end to end: endpoints registered through the SDK, events delivered to a local
// node:http receiver, verified with the SDK's constructEvent, retries, timeouts, pending_webhooks,
// and the webhook delivery faults of the control API.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startTestEmulator, waitFor } from './testing/sdk.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';
import { startReceiver } from './testing/receiver.ts';
import type { Behaviour, Received } from './testing/receiver.ts';
import type { DeliveryRecord } from './webhooks.ts';
import type { StripeEmulatorOptions } from './index.ts';

// Retries come quickly; an endpoint has ample time to answer, so a loaded machine's slow answer is
// never taken for a timeout (and retried: a second delivery). The timeout test sets its own.
const FAST: StripeEmulatorOptions = { webhookRetryDelaysMs: [20, 40, 80], webhookTimeoutMs: 10_000 };

async function emulator(t: TestContext, options: StripeEmulatorOptions = FAST): Promise<TestEmulator> {
  const emu = await startTestEmulator(options);
  t.after(() => emu.close());
  return emu;
}

interface Delivery extends Received {
  event: { id: string; type: string; data: { object: { id: string } } };
}

interface Receiver {
  url: string;
  received: Delivery[];
  types(): string[];
}

/** A local webhook receiver on a free port, whose deliveries carry the parsed event. */
async function receiver(t: TestContext, behaviour: Behaviour = () => 200): Promise<Receiver> {
  const received: Delivery[] = [];
  const { url } = await startReceiver(t, (n, req) => {
    received.push({ ...req, event: JSON.parse(req.body) });
    return behaviour(n, req);
  });
  return { url, received, types: () => received.map((d) => d.event.type) };
}

/** A promise the test resolves later: lets a receiver hold its answer until the test has looked. */
function gate(): { promise: Promise<number>; open(status: number): void } {
  let open!: (status: number) => void;
  const promise = new Promise<number>((resolve) => (open = resolve));
  return { promise, open };
}

async function deliveries(emu: TestEmulator, query: { event?: string; endpoint?: string } = {}): Promise<DeliveryRecord[]> {
  const qs = new URLSearchParams(query as Record<string, string>).toString();
  const res = await fetch(`${emu.emulator.url}/_emulator/webhook-deliveries${qs ? `?${qs}` : ''}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { object: string; data: DeliveryRecord[] };
  assert.equal(body.object, 'list');
  return body.data;
}

async function control(emu: TestEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(emu.emulator.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The one event of that type about that object. */
async function eventFor(emu: TestEmulator, type: string, objectId: string): Promise<Stripe.Event> {
  const list = await emu.stripe.events.list({ type, limit: 100 });
  const matches = list.data.filter((e) => (e.data.object as { id?: string }).id === objectId);
  assert.equal(matches.length, 1, `one ${type} event for ${objectId}`);
  return matches[0]!;
}

function verify(emu: TestEmulator, d: Delivery, secret: string): Stripe.Event {
  const header = d.headers['stripe-signature'];
  assert.equal(typeof header, 'string');
  assert.match(header as string, /^t=\d+,v1=[0-9a-f]{64}$/);
  return emu.stripe.webhooks.constructEvent(d.body, header as string, secret);
}

test('webhook endpoints: the secret is returned on create only; retrieve, list, update and delete', async (t) => {
  const emu = await emulator(t);
  const created = await emu.stripe.webhookEndpoints.create({
    url: 'https://example.com/hooks',
    enabled_events: ['customer.created', 'checkout.session.completed'],
    description: 'main',
    metadata: { team: 'payments' },
  });
  assertShape(created, 'webhook_endpoint');
  assert.match(created.id, /^we_/);
  assert.match(created.secret ?? '', /^whsec_[A-Za-z0-9]{16,}$/);
  assert.equal(created.status, 'enabled');
  assert.equal(created.url, 'https://example.com/hooks');
  assert.deepEqual(created.enabled_events, ['customer.created', 'checkout.session.completed']);
  assert.deepEqual(created.metadata, { team: 'payments' });

  const retrieved = await emu.stripe.webhookEndpoints.retrieve(created.id);
  assertShape(retrieved, 'webhook_endpoint');
  assert.ok(!('secret' in retrieved), 'retrieve must not show the secret');
  const listed = await emu.stripe.webhookEndpoints.list();
  assert.deepEqual(
    listed.data.map((we) => we.id),
    [created.id],
  );
  assert.ok(!('secret' in listed.data[0]!), 'list must not show the secret');

  const updated = await emu.stripe.webhookEndpoints.update(created.id, {
    url: 'https://example.com/v2/hooks',
    enabled_events: ['*'],
    description: 'renamed',
    metadata: { team: '', owner: 'ops' },
  });
  assertShape(updated, 'webhook_endpoint');
  assert.ok(!('secret' in updated), 'update must not show the secret');
  assert.equal(updated.url, 'https://example.com/v2/hooks');
  assert.deepEqual(updated.enabled_events, ['*']);
  assert.equal(updated.description, 'renamed');
  assert.deepEqual(updated.metadata, { owner: 'ops' });
  const disabled = await emu.stripe.webhookEndpoints.update(created.id, { disabled: true });
  assert.equal(disabled.status, 'disabled');
  const reenabled = await emu.stripe.webhookEndpoints.update(created.id, { disabled: false });
  assert.equal(reenabled.status, 'enabled');

  await assert.rejects(
    emu.stripe.webhookEndpoints.create({ url: 'ftp://example.com/x', enabled_events: ['*'] }),
    (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.param === 'url',
  );
  await assert.rejects(
    emu.stripe.webhookEndpoints.create({ url: 'https://example.com/x', enabled_events: ['Not An Event' as '*'] }),
    (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.param === 'enabled_events',
  );

  const deleted = await emu.stripe.webhookEndpoints.del(created.id);
  assertShape(deleted, 'deleted_webhook_endpoint');
  assert.deepEqual({ ...deleted, lastResponse: undefined }, { id: created.id, object: 'webhook_endpoint', deleted: true, lastResponse: undefined });
  await assert.rejects(emu.stripe.webhookEndpoints.retrieve(created.id), (err: unknown) => {
    assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    return true;
  });
  assert.equal((await emu.stripe.webhookEndpoints.list()).data.length, 0);
});

test('webhooks: enabled types are delivered signed so constructEvent accepts them; other types are not; * gets everything', async (t) => {
  const emu = await emulator(t);
  const only = await receiver(t);
  const all = await receiver(t);
  const onlyWe = await emu.stripe.webhookEndpoints.create({ url: only.url, enabled_events: ['customer.created'] });
  const allWe = await emu.stripe.webhookEndpoints.create({ url: all.url, enabled_events: ['*'] });

  const customer = await emu.stripe.customers.create({ email: 'hook@example.com' });
  await emu.stripe.customers.update(customer.id, { name: 'Renamed' });
  const product = await emu.stripe.products.create({ name: 'Plan' });

  const created = await eventFor(emu, 'customer.created', customer.id);
  const updated = await eventFor(emu, 'customer.updated', customer.id);
  const productEvent = await eventFor(emu, 'product.created', product.id);
  assertShape(created, 'event');
  assertShape(updated, 'event');
  assert.deepEqual(updated.data.previous_attributes, { name: null });

  // Every event is acknowledged by everything it was sent to; then nothing more can arrive.
  for (const e of [created, updated, productEvent]) {
    await waitFor(async () => (await emu.stripe.events.retrieve(e.id)).pending_webhooks === 0, `${e.type} acknowledged`);
  }
  assert.deepEqual(only.types(), ['customer.created']);
  assert.deepEqual([...all.types()].sort(), ['customer.created', 'customer.updated', 'product.created']);

  const fromOnly = verify(emu, only.received[0]!, onlyWe.secret!);
  assertShape(fromOnly, 'event');
  assert.equal(fromOnly.id, created.id);
  assert.equal(fromOnly.type, 'customer.created');
  assert.equal((fromOnly.data.object as Stripe.Customer).id, customer.id);
  assert.equal((fromOnly.data.object as Stripe.Customer).email, 'hook@example.com');
  assert.equal(only.received[0]!.headers['content-type'], 'application/json; charset=utf-8');
  for (const d of all.received) {
    const e = verify(emu, d, allWe.secret!);
    assert.ok([created.id, updated.id, productEvent.id].includes(e.id));
  }
  // Signed per endpoint: one endpoint's secret does not verify the other's deliveries.
  assert.throws(() => verify(emu, all.received[0]!, onlyWe.secret!), Stripe.errors.StripeSignatureVerificationError);

  // The delivery log agrees: updated and product events went only to the * endpoint.
  assert.deepEqual(
    (await deliveries(emu, { event: updated.id })).map((r) => r.endpoint_id),
    [allWe.id],
  );
  assert.deepEqual(
    (await deliveries(emu, { event: productEvent.id })).map((r) => r.endpoint_id),
    [allWe.id],
  );
  assert.deepEqual((await deliveries(emu, { event: created.id })).map((r) => r.endpoint_id).sort(), [onlyWe.id, allWe.id].sort());
  assert.deepEqual(
    (await deliveries(emu, { endpoint: onlyWe.id })).map((r) => r.event_id),
    [created.id],
  );
});

test('webhooks: 500, 500, then 200 is retried; pending_webhooks goes from 1 to 0 once acknowledged', async (t) => {
  const emu = await emulator(t);
  const third = gate();
  const hook = await receiver(t, (n) => (n < 2 ? 500 : third.promise));
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
  const before = Math.floor(Date.now() / 1000);
  const customer = await emu.stripe.customers.create({ name: 'retry me' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  assert.equal(event.pending_webhooks, 1);

  // The third attempt has arrived but is not answered yet: still pending.
  await waitFor(() => hook.received.length === 3, 'three attempts');
  assert.equal((await emu.stripe.events.retrieve(event.id)).pending_webhooks, 1);
  third.open(200);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'pending_webhooks back to 0');

  for (const d of hook.received) assert.equal(verify(emu, d, we.secret!).id, event.id);
  const log = await deliveries(emu, { event: event.id });
  assert.deepEqual(
    log.map((r) => [r.event_id, r.endpoint_id, r.url, r.attempt, r.status, r.error, r.duplicate]),
    [
      [event.id, we.id, hook.url, 1, 500, null, false],
      [event.id, we.id, hook.url, 2, 500, null, false],
      [event.id, we.id, hook.url, 3, 200, null, false],
    ],
  );
  const after = Math.floor(Date.now() / 1000);
  for (const r of log) assert.ok(r.time >= before && r.time <= after, `time ${r.time} within [${before}, ${after}]`);
  // Filtering by endpoint gives the same records.
  assert.deepEqual(await deliveries(emu, { endpoint: we.id }), log);
  assert.deepEqual(await deliveries(emu, { endpoint: 'we_other' }), []);
});

test('webhooks: an endpoint that always fails leaves pending_webhooks at 1 after the last attempt', async (t) => {
  const emu = await emulator(t);
  const hook = await receiver(t, () => 500);
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
  const customer = await emu.stripe.customers.create({ name: 'always failing' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  // 1 attempt + 3 retries ([20, 40, 80] ms).
  const log = await waitFor<DeliveryRecord[] | null>(async () => {
    const records = await deliveries(emu, { event: event.id });
    return records.length === 4 ? records : null;
  }, 'four attempts').then((r) => r!);
  assert.deepEqual(
    log.map((r) => [r.endpoint_id, r.attempt, r.status]),
    [
      [we.id, 1, 500],
      [we.id, 2, 500],
      [we.id, 3, 500],
      [we.id, 4, 500],
    ],
  );
  assert.equal(hook.received.length, 4);
  const after = await emu.stripe.events.retrieve(event.id);
  assert.equal(after.pending_webhooks, 1);
  // delivery_success filters on it.
  const failing = await emu.stripe.events.list({ delivery_success: false });
  assert.ok(failing.data.some((e) => e.id === event.id));
});

test('webhooks: /_emulator/webhook-deliveries/retry resends waiting events to the endpoints still waiting, once fixed', async (t) => {
  const emu = await emulator(t);
  let failing = true;
  const broken = await receiver(t, () => (failing ? 500 : 200));
  const healthy = await receiver(t);
  const weBroken = await emu.stripe.webhookEndpoints.create({ url: broken.url, enabled_events: ['*'] });
  await emu.stripe.webhookEndpoints.create({ url: healthy.url, enabled_events: ['*'] });
  const customer = await emu.stripe.customers.create({ name: 'fixed later' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  await waitFor(async () => (await deliveries(emu, { event: event.id, endpoint: weBroken.id })).length === 4, 'the broken endpoint tried four times');
  assert.equal((await emu.stripe.events.retrieve(event.id)).pending_webhooks, 1);

  failing = false;
  const retried = await control(emu, 'POST', '/_emulator/webhook-deliveries/retry', {});
  assert.equal(retried.status, 200);
  assert.deepEqual(retried.body.data, [{ event: event.id, endpoints: [weBroken.id] }]);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'acknowledged after the retry');
  assert.equal(verify(emu, broken.received.at(-1)!, weBroken.secret!).id, event.id);
  assert.equal(healthy.received.filter((d) => d.event.id === event.id).length, 1, 'the endpoint that had acknowledged gets nothing again');
  assert.deepEqual((await control(emu, 'POST', '/_emulator/webhook-deliveries/retry', {})).body.data, [], 'nothing waits any more');

  const bad = await control(emu, 'POST', '/_emulator/webhook-deliveries/retry', { event: 'evt_nope' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /event.*evt_nope/);
  const wrong = await control(emu, 'POST', '/_emulator/webhook-deliveries/retry', { events: [] });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.error.message, /retry body.* at events: Unrecognized key/);
});

test('webhooks: an endpoint that never answers within the timeout is recorded as timeout', async (t) => {
  const emu = await emulator(t, { ...FAST, webhookTimeoutMs: 300 });
  const hook = await receiver(t, () => 'hang');
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
  const customer = await emu.stripe.customers.create({ name: 'slow endpoint' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  const first = await waitFor(async () => (await deliveries(emu, { event: event.id }))[0], 'first attempt recorded');
  assert.equal(first.endpoint_id, we.id);
  assert.equal(first.attempt, 1);
  assert.equal(first.status, null);
  assert.equal(first.error, 'timeout');
  assert.ok(hook.received.length >= 1, 'the request did reach the endpoint');
  assert.equal((await emu.stripe.events.retrieve(event.id)).pending_webhooks, 1);
});

test('webhooks: with two endpoints pending_webhooks counts both until each acknowledges', async (t) => {
  const emu = await emulator(t);
  const gateA = gate();
  const gateB = gate();
  const a = await receiver(t, () => gateA.promise);
  const b = await receiver(t, () => gateB.promise);
  const weA = await emu.stripe.webhookEndpoints.create({ url: a.url, enabled_events: ['customer.created'] });
  const weB = await emu.stripe.webhookEndpoints.create({ url: b.url, enabled_events: ['*'] });
  const customer = await emu.stripe.customers.create({ name: 'two endpoints' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  assert.equal(event.pending_webhooks, 2);

  await waitFor(() => a.received.length === 1 && b.received.length === 1, 'both endpoints reached');
  assert.equal((await emu.stripe.events.retrieve(event.id)).pending_webhooks, 2);
  gateA.open(200);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 1, 'one acknowledged');
  gateB.open(204);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'both acknowledged');
  assert.equal(verify(emu, a.received[0]!, weA.secret!).id, event.id);
  assert.equal(verify(emu, b.received[0]!, weB.secret!).id, event.id);
});

test('webhooks: a disabled endpoint gets nothing, and counts for nothing; a deleted one neither', async (t) => {
  const emu = await emulator(t);
  const off = await receiver(t);
  const gone = await receiver(t);
  const on = await receiver(t);
  const offWe = await emu.stripe.webhookEndpoints.create({ url: off.url, enabled_events: ['*'] });
  const goneWe = await emu.stripe.webhookEndpoints.create({ url: gone.url, enabled_events: ['*'] });
  const onWe = await emu.stripe.webhookEndpoints.create({ url: on.url, enabled_events: ['*'] });
  assert.equal((await emu.stripe.webhookEndpoints.update(offWe.id, { disabled: true })).status, 'disabled');
  await emu.stripe.webhookEndpoints.del(goneWe.id);

  const customer = await emu.stripe.customers.create({ name: 'only for the enabled one' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  assert.equal(event.pending_webhooks, 1);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'acknowledged by the enabled endpoint');
  assert.deepEqual(on.types(), ['customer.created']);
  assert.equal(verify(emu, on.received[0]!, onWe.secret!).id, event.id);
  assert.equal(off.received.length, 0);
  assert.equal(gone.received.length, 0);
  assert.deepEqual(
    (await deliveries(emu, { event: event.id })).map((r) => r.endpoint_id),
    [onWe.id],
  );
});

// ---------------------------------------------------------------------------------------------
// Webhook faults (POST /_emulator/faults {webhooks: …})
// ---------------------------------------------------------------------------------------------

test('webhook faults: duplicate_rate 1 makes the receiver see the same event id twice, acknowledged once', async (t) => {
  const emu = await emulator(t);
  const hook = await receiver(t);
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
  const set = await control(emu, 'POST', '/_emulator/faults', { webhooks: { duplicate_rate: 1 } });
  assert.equal(set.status, 200);
  assert.equal(set.body.webhooks.duplicate_rate, 1);

  const customer = await emu.stripe.customers.create({ name: 'dup' });
  const event = await eventFor(emu, 'customer.created', customer.id);
  await waitFor(() => hook.received.length === 2, 'original and duplicate received');
  assert.deepEqual(
    hook.received.map((d) => verify(emu, d, we.secret!).id),
    [event.id, event.id],
  );
  assert.equal(hook.received[0]!.body, hook.received[1]!.body);
  const log = await waitFor<DeliveryRecord[] | null>(async () => {
    const records = await deliveries(emu, { event: event.id });
    return records.length === 2 ? records : null;
  }, 'both recorded').then((r) => r!);
  assert.deepEqual(log.map((r) => [r.attempt, r.status, r.duplicate]).sort(), [
    [1, 200, false],
    [1, 200, true],
  ]);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'acknowledged');
});

test('webhook faults: drop_rate 1 delivers nothing, the log shows dropped, the event stays pending; DELETE clears it', async (t) => {
  const emu = await emulator(t);
  const hook = await receiver(t);
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
  assert.equal((await control(emu, 'POST', '/_emulator/faults', { webhooks: { drop_rate: 1 } })).status, 200);

  const dropped = await emu.stripe.customers.create({ name: 'dropped' });
  const event = await eventFor(emu, 'customer.created', dropped.id);
  const log = await waitFor<DeliveryRecord[] | null>(async () => {
    const records = await deliveries(emu, { event: event.id });
    return records.length === 4 ? records : null;
  }, 'all four attempts dropped').then((r) => r!);
  assert.deepEqual(
    log.map((r) => [r.endpoint_id, r.attempt, r.status, r.error]),
    [
      [we.id, 1, null, 'dropped'],
      [we.id, 2, null, 'dropped'],
      [we.id, 3, null, 'dropped'],
      [we.id, 4, null, 'dropped'],
    ],
  );
  assert.equal(hook.received.length, 0);
  assert.equal((await emu.stripe.events.retrieve(event.id)).pending_webhooks, 1);

  const cleared = await control(emu, 'DELETE', '/_emulator/faults');
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.body, { api: [], checkout_page: 'none', webhooks: { duplicate_rate: 0, reorder: false, drop_rate: 0, fail_first: 0 } });
  const delivered = await emu.stripe.customers.create({ name: 'delivered' });
  const next = await eventFor(emu, 'customer.created', delivered.id);
  await waitFor(async () => (await emu.stripe.events.retrieve(next.id)).pending_webhooks === 0, 'delivered after clearing');
  assert.deepEqual(
    hook.received.map((d) => d.event.id),
    [next.id],
  );
});

test('webhook faults: reorder sends the events of one request out of creation order', async (t) => {
  const emu = await emulator(t);
  const hook = await receiver(t);
  const we = await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
  assert.equal((await control(emu, 'POST', '/_emulator/faults', { webhooks: { reorder: true } })).body.webhooks.reorder, true);
  // One request, several events: customer.created, then payment_method.attached.
  const customer = await emu.stripe.customers.create({ name: 'reordered', payment_method: 'pm_card_visa' });
  const events = (await emu.stripe.events.list({ limit: 100 })).data.reverse(); // oldest first
  assert.ok(events.length >= 2, `several events: ${events.map((e) => e.type).join(', ')}`);
  assert.equal(events[0]!.type, 'customer.created');
  assert.equal((events[0]!.data.object as Stripe.Customer).id, customer.id);
  const created = events.map((e) => e.id);

  await waitFor(() => hook.received.length === created.length, 'every event delivered');
  for (const d of hook.received) verify(emu, d, we.secret!);
  assert.deepEqual(hook.received.map((d) => d.event.id).sort(), [...created].sort());
  // Attempts are logged in the order they started: never the creation order.
  const started = (await deliveries(emu, { endpoint: we.id })).map((r) => r.event_id);
  assert.deepEqual([...started].sort(), [...created].sort());
  assert.notDeepEqual(started, created);
});

test('webhooks: a create answered with an expansion error changes nothing and sends nothing', async (t) => {
  const emu = await emulator(t);
  const hook = await receiver(t);
  await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(
      emu.stripe.customers.create({ name: 'not expandable', expand: ['name'] }, { idempotencyKey: 'expand-key' }),
      (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.param === 'expand' && /cannot be expanded/.test(err.message),
    );
  }
  assert.equal((await emu.stripe.customers.list()).data.length, 0);
  assert.equal((await emu.stripe.events.list()).data.length, 0);
  // The key was not spent, and the next change is delivered alone.
  const customer = await emu.stripe.customers.create(
    { name: 'expandable', expand: ['invoice_settings.default_payment_method'] },
    { idempotencyKey: 'expand-key' },
  );
  const event = await eventFor(emu, 'customer.created', customer.id);
  await waitFor(async () => (await emu.stripe.events.retrieve(event.id)).pending_webhooks === 0, 'delivered');
  assert.deepEqual(
    hook.received.map((d) => d.event.id),
    [event.id],
  );
  assert.equal((await emu.stripe.customers.list()).data.length, 1);
});
