// Events through the SDK: the type recorded for each state change, data.object as it was at
// the time, previous_attributes on updates, list filters, and the order of the events that a
// subscription's creation records.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { useApiEmulator } from './testing/api-kit.ts';
import { waitFor } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';

let stripe: Stripe;
const api = useApiEmulator((a) => {
  stripe = a.stripe;
});
const advanceClock = (seconds: number) => api.advanceClock(seconds);

/** An event checked against Stripe's example event (payment errors inside by name). */
const assertEventShape = (event: unknown) => assertShape(event, 'event');

/** Every event recorded, oldest first, each checked against Stripe's example event. */
async function allEvents(params: Stripe.EventListParams = {}): Promise<Stripe.Event[]> {
  const events = await stripe.events.list({ limit: 100, ...params }).autoPagingToArray({ limit: 10000 });
  for (const e of events) assertEventShape(e);
  return events.reverse();
}

const objectId = (e: Stripe.Event): string => (e.data.object as { id: string }).id;

describe('events', () => {
  it('customer.created and customer.updated carry the object as it was then, with the old values of what changed', async () => {
    const customer = await stripe.customers.create({ email: 'old@example.com', metadata: { keep: 'k', change: 'before' } });
    assertShape(customer, 'customer');
    const updated = await stripe.customers.update(customer.id, { email: 'new@example.com', metadata: { change: 'after', added: 'x' } });
    assertShape(updated, 'customer');
    await stripe.customers.update(customer.id, { name: 'Later Name' });

    const events = (await allEvents()).filter((e) => objectId(e) === customer.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.created', 'customer.updated', 'customer.updated'],
    );
    const [created, firstUpdate, secondUpdate] = events as [Stripe.Event, Stripe.Event, Stripe.Event];

    assert.match(created.id, /^evt_/);
    assert.equal(created.object, 'event');
    assert.equal(created.api_version, '2026-10-28.endive');
    assert.equal(created.livemode, false);
    const createdObject = created.data.object as Stripe.Customer;
    assert.equal(createdObject.email, 'old@example.com', 'a snapshot: later updates do not change it');
    assert.equal(createdObject.name, null);
    assert.ok(!('previous_attributes' in created.data), 'only *.updated events carry previous_attributes');
    assert.match(created.request?.id ?? '', /^req_/);
    assert.equal(created.request?.id, customer.lastResponse.requestId);

    const firstObject = firstUpdate.data.object as Stripe.Customer;
    assert.equal(firstObject.email, 'new@example.com');
    assert.equal(firstObject.name, null, 'the second update is not in the first event');
    assert.deepEqual(firstUpdate.data.previous_attributes, {
      email: 'old@example.com',
      metadata: { change: 'before', added: null },
    });
    assert.equal(firstUpdate.request?.id, updated.lastResponse.requestId);
    assert.deepEqual(secondUpdate.data.previous_attributes, { name: null });
    assert.equal((secondUpdate.data.object as Stripe.Customer).name, 'Later Name');

    const one = await stripe.events.retrieve(firstUpdate.id);
    assertEventShape(one);
    assert.deepEqual(one.data, firstUpdate.data);
  });

  it('product.updated and price.updated carry the old values', async () => {
    const product = await stripe.products.create({ name: 'Old name', metadata: { k: 'v' } });
    const renamed = await stripe.products.update(product.id, { name: 'New name', metadata: { k: '' } });
    assertShape(renamed, 'product');
    assert.equal(renamed.name, 'New name');
    assert.deepEqual(renamed.metadata, {});
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100, nickname: 'first' });
    const renamedPrice = await stripe.prices.update(price.id, { nickname: 'second', active: false });
    assertShape(renamedPrice, 'price');

    const productEvent = (await allEvents({ type: 'product.updated' })).find((e) => objectId(e) === product.id);
    assert.ok(productEvent);
    assert.equal((productEvent.data.object as Stripe.Product).name, 'New name');
    const prev = productEvent.data.previous_attributes as Record<string, unknown>;
    assert.equal(prev.name, 'Old name');
    assert.deepEqual(prev.metadata, { k: 'v' });
    const priceEvent = (await allEvents({ type: 'price.updated' })).find((e) => objectId(e) === price.id);
    assert.ok(priceEvent);
    assert.deepEqual(priceEvent.data.previous_attributes, { nickname: 'first', active: true });
  });

  it('an update that changes nothing records no event', async () => {
    const customer = await stripe.customers.create({ email: 'same@example.com' });
    assertShape(customer, 'customer');
    const same = await stripe.customers.update(customer.id, { email: 'same@example.com' });
    assertShape(same, 'customer');
    const events = (await allEvents()).filter((e) => objectId(e) === customer.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.created'],
    );
  });

  it('filters by type (with a wildcard), by several types and by created', async () => {
    const product = await stripe.products.create({ name: 'Evented' });
    assertShape(product, 'product');
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 });
    assertShape(price, 'price');
    const later = await advanceClock(3600);
    const laterProduct = await stripe.products.create({ name: 'Evented later' });
    assertShape(laterProduct, 'product');

    const productCreated = await stripe.events.list({ type: 'product.created', limit: 100 });
    assert.ok(productCreated.data.length >= 2);
    for (const e of productCreated.data) {
      assertEventShape(e);
      assert.equal(e.type, 'product.created');
    }
    assert.deepEqual(productCreated.data.slice(0, 2).map(objectId), [laterProduct.id, product.id], 'newest first');

    const wildcard = await stripe.events.list({ type: 'price.*', limit: 100 });
    assert.ok(wildcard.data.some((e) => objectId(e) === price.id));
    assert.ok(wildcard.data.every((e) => e.type.startsWith('price.')));

    const several = await stripe.events.list({ types: ['product.created', 'price.created'], limit: 100 });
    assert.deepEqual(new Set(several.data.map((e) => e.type)), new Set(['product.created', 'price.created']));
    assert.ok(several.data.some((e) => objectId(e) === price.id));
    for (const e of several.data) assertEventShape(e);

    const recent = await stripe.events.list({ created: { gte: later }, limit: 100 });
    assert.deepEqual(recent.data.map(objectId), [laterProduct.id]);
    assertEventShape(recent.data[0]);
    const older = await stripe.events.list({ created: { lt: later }, type: 'product.created', limit: 100 });
    assert.ok(older.data.some((e) => objectId(e) === product.id));
    assert.ok(!older.data.some((e) => objectId(e) === laterProduct.id));
  });

  it('a session that passes expires_at expires by itself, with its event', async () => {
    const product = await stripe.products.create({ name: 'Expiring' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://shop.example/ok',
    });
    assertShape(session, 'checkout.session');
    await advanceClock(25 * 3600);
    // Nobody asks about the session itself: it expires on the emulator’s clock, with its event.
    const event = await waitFor(async () => {
      const list = await stripe.events.list({ type: 'checkout.session.expired' });
      return list.data.find((e) => objectId(e) === session.id);
    }, 'checkout.session.expired for the session');
    assert.ok(event);
    assertEventShape(event);
    const object = event.data.object as Stripe.Checkout.Session;
    assert.equal(object.status, 'expired');
    assert.equal(object.url, null);
    assert.ok(!('previous_attributes' in event.data), 'only *.updated events carry previous_attributes');
    const retrieved = await stripe.checkout.sessions.retrieve(session.id);
    assertShape(retrieved, 'checkout.session');
    assert.equal(retrieved.status, 'expired');
  });

  it('records a subscription’s creation as Stripe does, in order', async () => {
    const product = await stripe.products.create({ name: 'Ordered' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1200, recurring: { interval: 'month' } });
    const customer = await stripe.customers.create({
      email: 'order@example.com',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    assertShape(customer, 'customer');
    assert.match(customer.invoice_settings.default_payment_method as string, /^pm_/);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] }, { idempotencyKey: 'order-of-events' });
    assertShape(sub, 'subscription');
    assert.equal(sub.status, 'active');

    const events = (await allEvents()).filter((e) => e.request?.id === sub.lastResponse.requestId);
    const types = events.map((e) => e.type);
    assert.deepEqual(types, [
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    for (const e of events) {
      assert.equal(e.request?.idempotency_key, 'order-of-events');
      assert.equal('previous_attributes' in e.data, e.type.endsWith('.updated'), `previous_attributes on ${e.type}`);
    }
    const byType = new Map(events.map((e) => [e.type, e]));
    const subCreated = byType.get('customer.subscription.created')!.data.object as Stripe.Subscription;
    assert.equal(subCreated.id, sub.id);
    assert.equal(subCreated.status, 'incomplete', 'created before its invoice is paid');
    const invCreated = byType.get('invoice.created')!.data.object as Stripe.Invoice;
    assert.equal(invCreated.status, 'draft');
    assert.equal(invCreated.amount_due, 2400);
    assert.equal((byType.get('invoice.finalized')!.data.object as Stripe.Invoice).status, 'open');
    const paid = byType.get('invoice.paid')!.data.object as Stripe.Invoice;
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 2400);
    assert.equal((byType.get('payment_intent.created')!.data.object as Stripe.PaymentIntent).status, 'requires_payment_method');
    const succeeded = byType.get('payment_intent.succeeded')!.data.object as Stripe.PaymentIntent;
    assert.equal(succeeded.status, 'succeeded');
    assert.equal(succeeded.amount, 2400);
    const charge = byType.get('charge.succeeded')!.data.object as Stripe.Charge;
    assert.equal(charge.payment_intent, succeeded.id);
    const subUpdated = byType.get('customer.subscription.updated')!;
    assert.equal((subUpdated.data.object as Stripe.Subscription).status, 'active');
    assert.equal((subUpdated.data.previous_attributes as { status?: string }).status, 'incomplete');
  });

  it('records a failed first payment as invoice.payment_failed and payment_intent.payment_failed', async () => {
    const product = await stripe.products.create({ name: 'Failing' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 700, recurring: { interval: 'month' } });
    const customer = await stripe.customers.create({ email: 'failing@example.com' });
    const pm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    assertShape(pm, 'payment_method');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id });
    assertShape(sub, 'subscription');
    assert.equal(sub.status, 'incomplete');
    assert.equal(sub.default_payment_method, pm.id);

    const events = (await allEvents()).filter((e) => e.request?.id === sub.lastResponse.requestId);
    const types = events.map((e) => e.type);
    assert.deepEqual(types, [
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.payment_failed',
    ]);
    for (const e of events) assert.equal('previous_attributes' in e.data, false, `previous_attributes on ${e.type}`);
    const failed = events.find((e) => e.type === 'payment_intent.payment_failed')!.data.object as Stripe.PaymentIntent;
    assert.equal(failed.last_payment_error?.code, 'card_declined');
    assert.equal(failed.last_payment_error?.decline_code, 'generic_decline');
    const attached = (await allEvents({ type: 'payment_method.attached' })).find((e) => objectId(e) === pm.id);
    assert.ok(attached, 'payment_method.attached');
    assert.equal((attached.data.object as Stripe.PaymentMethod).customer, customer.id);
  });

  it('records subscription updates and cancellation', async () => {
    const product = await stripe.products.create({ name: 'Cancelled' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 900, recurring: { interval: 'month' } });
    const customer = await stripe.customers.create({
      email: 'cancel@example.com',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], metadata: { a: '1' } });
    const updated = await stripe.subscriptions.update(sub.id, { metadata: { a: '2' } });
    assertShape(updated, 'subscription');
    const canceled = await stripe.subscriptions.cancel(sub.id);
    assertShape(canceled, 'subscription');

    const events = (await allEvents()).filter((e) => objectId(e) === sub.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.updated', 'customer.subscription.deleted'],
    );
    const metaUpdate = events[2]!;
    assert.deepEqual(metaUpdate.data.previous_attributes, { metadata: { a: '1' } });
    assert.deepEqual((metaUpdate.data.object as Stripe.Subscription).metadata, { a: '2' });
    const deleted = events[3]!;
    assert.equal((deleted.data.object as Stripe.Subscription).status, 'canceled');
    assert.ok(!('previous_attributes' in deleted.data));
  });
});
