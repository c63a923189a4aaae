// State that survives a restart (dataFile), a corrupt data file, and many concurrent writers.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { startStripeEmulator } from './index.ts';
import { startTestEmulator, waitFor } from './testing/sdk.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';
import { startReceiver } from './testing/receiver.ts';

async function tmpDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'canary-emulator-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts an emulator on dataFile; closing twice is harmless, so tests may close early. */
async function start(t: TestContext, dataFile: string): Promise<TestEmulator> {
  const emu = await startTestEmulator({ dataFile, webhookRetryDelaysMs: [20, 40, 80], webhookTimeoutMs: 10_000 });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await emu.close();
  };
  t.after(close);
  return { ...emu, close };
}

async function clockNow(emu: TestEmulator): Promise<number> {
  const res = await fetch(`${emu.emulator.url}/_emulator/clock`);
  return ((await res.json()) as { now: number }).now;
}

test('persistence: objects, lists, deleted stubs, idempotency keys, secrets and the clock survive a restart', async (t) => {
  const dataFile = path.join(await tmpDir(t), 'nested', 'state.json');
  const first = await start(t, dataFile);
  const s1 = first.stripe;

  const advanced = await fetch(`${first.emulator.url}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: 7 * 86400 }),
  });
  assert.equal(advanced.status, 200);
  const movedTo = ((await advanced.json()) as { now: number }).now;

  const customer = await s1.customers.create({ email: 'keep@example.com', metadata: { plan: 'pro' } }, { idempotencyKey: 'persist-cus' });
  const older = await s1.customers.create({ name: 'older' });
  const doomed = await s1.customers.create({ name: 'to delete' });
  const deleted = await s1.customers.del(doomed.id);
  assert.equal(deleted.deleted, true);
  const product = await s1.products.create({ name: 'Persisted product' });
  const price = await s1.prices.create({ product: product.id, currency: 'eur', unit_amount: 990, recurring: { interval: 'month' } });
  const session = await s1.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 2 }],
    success_url: 'https://example.com/ok',
    customer: customer.id,
  });
  const endpoint = await s1.webhookEndpoints.create({ url: 'http://127.0.0.1:9/never', enabled_events: ['product.updated'] });
  const customersBefore = await s1.customers.list();
  const eventsBefore = await s1.events.list({ limit: 100 });
  assert.ok(customer.created >= movedTo, 'created on the moved clock');
  await first.close();

  // The file is there and is the emulator's format.
  const snapshot = JSON.parse(await readFile(dataFile, 'utf8')) as { format: string };
  assert.equal(snapshot.format, 'checkout-canary-stripe-emulator/1');

  const second = await start(t, dataFile);
  const s2 = second.stripe;

  const c = await s2.customers.retrieve(customer.id);
  assert.ok(!c.deleted);
  assertShape(c, 'customer');
  assert.deepEqual(JSON.parse(JSON.stringify(c)), JSON.parse(JSON.stringify(customer)));
  assert.equal((await s2.products.retrieve(product.id)).name, 'Persisted product');
  const p = await s2.prices.retrieve(price.id);
  assert.equal(p.unit_amount, 990);
  assert.equal(p.recurring?.interval, 'month');
  const sess = await s2.checkout.sessions.retrieve(session.id);
  assert.equal(sess.status, 'open');
  assert.equal(sess.customer, customer.id);
  const items = await s2.checkout.sessions.listLineItems(session.id);
  assert.deepEqual(
    items.data.map((li) => [li.price?.id, li.quantity]),
    [[price.id, 2]],
  );
  const we = await s2.webhookEndpoints.retrieve(endpoint.id);
  assertShape(we, 'webhook_endpoint');
  assert.equal(we.url, endpoint.url);
  assert.ok(!('secret' in we));

  // Lists intact, in the same order.
  const customersAfter = await s2.customers.list();
  assert.deepEqual(
    customersAfter.data.map((x) => x.id),
    customersBefore.data.map((x) => x.id),
  );
  assert.deepEqual(
    customersAfter.data.map((x) => x.id),
    [older.id, customer.id],
  );
  const eventsAfter = await s2.events.list({ limit: 100 });
  assert.deepEqual(
    eventsAfter.data.map((e) => e.id),
    eventsBefore.data.map((e) => e.id),
  );

  // The deleted customer still answers its stub.
  const stub = await s2.customers.retrieve(doomed.id);
  assert.deepEqual({ ...stub, lastResponse: undefined }, { id: doomed.id, object: 'customer', deleted: true, lastResponse: undefined });
  assertShape({ id: stub.id, object: stub.object, deleted: stub.deleted }, 'deleted_customer');

  // Idempotency keys still replay (the same customer, not a new one).
  const replay = await s2.customers.create({ email: 'keep@example.com', metadata: { plan: 'pro' } }, { idempotencyKey: 'persist-cus' });
  assert.equal(replay.id, customer.id);
  assert.equal(replay.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal((await s2.customers.list()).data.length, 2);

  // The clock offset is kept.
  const now = await clockNow(second);
  assert.ok(now >= movedTo, `clock ${now} kept the offset (moved to ${movedTo})`);
  const later = await s2.customers.create({ name: 'after restart' });
  assert.ok(later.created >= movedTo);

  // Changes after the restart are persisted too.
  await s2.products.update(product.id, { name: 'Renamed after restart' });
  await second.close();
  const third = await start(t, dataFile);
  assert.equal((await third.stripe.products.retrieve(product.id)).name, 'Renamed after restart');
  assert.equal((await third.stripe.customers.list()).data.length, 3);
});

test('persistence: webhook secrets survive a restart and sign deliveries', async (t) => {
  const dataFile = path.join(await tmpDir(t), 'state.json');
  const { url, received } = await startReceiver(t);

  const first = await start(t, dataFile);
  const endpoint = await first.stripe.webhookEndpoints.create({ url, enabled_events: ['customer.created'] });
  await first.close();

  const second = await start(t, dataFile);
  const customer = await second.stripe.customers.create({ name: 'signed after restart' });
  await waitFor(() => received.length === 1, 'delivery after restart');
  const event = second.stripe.webhooks.constructEvent(received[0]!.body, String(received[0]!.headers['stripe-signature']), endpoint.secret!);
  assert.equal(event.type, 'customer.created');
  assert.equal((event.data.object as Stripe.Customer).id, customer.id);
});

test('persistence: a corrupt or foreign data file makes startStripeEmulator reject, naming the file', async (t) => {
  const dir = await tmpDir(t);
  const cases: [string, string][] = [
    ['corrupt.json', '{"format": "checkout-canary-stripe-emulator/1", "objects": ['],
    ['foreign.json', '{"hello": "world"}'],
    ['empty.json', ''],
    ['null.json', 'null'],
    ['missing-parts.json', '{"format": "checkout-canary-stripe-emulator/1"}'],
    [
      'wrong-parts.json',
      '{"format": "checkout-canary-stripe-emulator/1", "clockOffsetMs": 0, "objects": [1], "deleted": [], "secrets": [], "cardNumbers": [], "sessionItems": [], "sessionOptions": [], "idempotency": []}',
    ],
  ];
  for (const [name, content] of cases) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    await assert.rejects(startStripeEmulator({ port: 0, dataFile: file }), (err: unknown) => {
      assert.ok(err instanceof Error, `${name}: ${String(err)}`);
      assert.ok(err.message.includes(file), `${name}: message names the file: ${err.message}`);
      return true;
    });
    // The file is left as it was, for the user to look at.
    assert.equal(await readFile(file, 'utf8'), content);
  }
  // A missing file is fine: it starts empty and creates the file on the first change.
  const fresh = path.join(dir, 'missing', 'state.json');
  const emu = await start(t, fresh);
  await emu.stripe.customers.create({ name: 'first' });
  const saved = JSON.parse(await readFile(fresh, 'utf8')) as { objects: { object: string }[] };
  assert.ok(saved.objects.some((o) => o.object === 'customer'));
});

test('persistence: idempotency keys are kept 24 hours, then forgotten', async (t) => {
  const dataFile = path.join(await tmpDir(t), 'state.json');
  const first = await start(t, dataFile);
  const fresh = await first.stripe.customers.create({ name: 'fresh key' }, { idempotencyKey: 'fresh' });
  const stale = await first.stripe.customers.create({ name: 'stale key' }, { idempotencyKey: 'stale' });
  await first.close();
  // Age one record to 25 hours.
  const snapshot = JSON.parse(await readFile(dataFile, 'utf8')) as { idempotency: [string, { createdAt: number }][] };
  const record = snapshot.idempotency.find(([key]) => key.endsWith('\u0000stale'));
  assert.ok(record, 'the stale key is in the file');
  record[1].createdAt = Date.now() - 25 * 3600 * 1000;
  await writeFile(dataFile, JSON.stringify(snapshot));

  const second = await start(t, dataFile);
  const replay = await second.stripe.customers.create({ name: 'fresh key' }, { idempotencyKey: 'fresh' });
  assert.equal(replay.id, fresh.id);
  const recreated = await second.stripe.customers.create({ name: 'stale key' }, { idempotencyKey: 'stale' });
  assert.notEqual(recreated.id, stale.id);
  assert.equal((await second.stripe.customers.list()).data.length, 3);
});

test('persistence: a failed write answers an api_error, and writing resumes once the disk is usable again', async (t) => {
  const dir = await tmpDir(t);
  // The data file's directory is blocked by a regular file of that name: every write fails.
  const blocker = path.join(dir, 'sub');
  await writeFile(blocker, 'not a directory');
  const dataFile = path.join(blocker, 'state.json');
  const emu = await start(t, dataFile);
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => emu.stripe.customers.create({ name: `unsaved ${i}` })));
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    const err = (r as PromiseRejectedResult).reason as unknown;
    assert.ok(err instanceof Stripe.errors.StripeAPIError, `got ${String(err)}`);
    assert.equal(err.statusCode, 500);
  }
  // The disk is fixed: the next change is written, with everything before it.
  await rm(blocker);
  const saved = await emu.stripe.customers.create({ name: 'saved' });
  const onDisk = JSON.parse(await readFile(dataFile, 'utf8')) as { objects: { id: string; name?: string }[] };
  assert.ok(
    onDisk.objects.some((o) => o.id === saved.id),
    'the change after the fix is on disk',
  );
  assert.equal(onDisk.objects.filter((o) => o.name?.startsWith('unsaved')).length, 10);
});

test('concurrency: 200 concurrent customer creates all succeed with distinct ids and the list count matches', async (t) => {
  const dataFile = path.join(await tmpDir(t), 'state.json');
  const emu = await start(t, dataFile);
  const created = await Promise.all(
    Array.from({ length: 200 }, (_, i) => emu.stripe.customers.create({ name: `concurrent ${i}`, metadata: { i: String(i) } })),
  );
  const ids = new Set(created.map((c) => c.id));
  assert.equal(ids.size, 200);
  assert.deepEqual(new Set(created.map((c) => c.name)), new Set(Array.from({ length: 200 }, (_, i) => `concurrent ${i}`)));
  const listed = await emu.stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  assert.equal(listed.length, 200);
  assert.deepEqual(new Set(listed.map((c) => c.id)), ids);
  const events = await emu.stripe.events.list({ type: 'customer.created', limit: 100 }).autoPagingToArray({ limit: 1000 });
  assert.equal(events.length, 200);
  // Every answered create was on disk before it was answered (read before close() flushes).
  const onDisk = JSON.parse(await readFile(dataFile, 'utf8')) as { objects: { id: string }[] };
  const savedIds = new Set(onDisk.objects.map((o) => o.id));
  for (const id of ids) assert.ok(savedIds.has(id), `${id} on disk`);
  await emu.close();
  const again = await start(t, dataFile);
  const reloaded = await again.stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  assert.deepEqual(new Set(reloaded.map((c) => c.id)), ids);
});
