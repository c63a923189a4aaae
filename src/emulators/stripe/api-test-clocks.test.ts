// Test clocks through the official SDK: create, retrieve, list and delete; customers on a clock's
// time; advancing renews their subscriptions (paid, or failed with a card that declines later
// charges), ends trials into their first invoice and ends subscriptions set to cancel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { waitFor } from './testing/sdk.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
const api = useApiEmulator((a) => {
  stripe = a.stripe;
});

const DAY = 86400;
/** 2026-01-15T00:00:00Z: a frozen time far from the emulator's own. */
const JAN_15 = Date.UTC(2026, 0, 15) / 1000;
const FEB_15 = Date.UTC(2026, 1, 15) / 1000;
const MAR_15 = Date.UTC(2026, 2, 15) / 1000;

async function monthly(amount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Clock plan ${amount}` });
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval: 'month' } });
}

/** A clock at `frozen` and a customer on it paying with `card` (a test payment method). */
async function clockCustomer(card = 'pm_card_visa', frozen = JAN_15): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer }> {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen, name: 'renewals' });
  const customer = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { clock, customer };
}

/** Advances and waits (bounded) until the clock is ready again, as a Stripe integration must. */
async function advance(clock: Stripe.TestHelpers.TestClock, to: number): Promise<Stripe.TestHelpers.TestClock> {
  const started = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
  assert.equal(started.status, 'advancing');
  assert.equal(started.status_details.advancing?.target_frozen_time, to);
  const ready = await waitFor(async () => {
    const now = await stripe.testHelpers.testClocks.retrieve(clock.id);
    return now.status === 'ready' ? now : undefined;
  }, `test clock ${clock.id} ready at ${to}`);
  return ready!;
}

async function eventsOf(type: string, objectId: string): Promise<Stripe.Event[]> {
  const list = await stripe.events.list({ type, limit: 100 });
  return list.data.filter((e) => (e.data.object as { id?: string }).id === objectId);
}

describe('test clocks', () => {
  it('create, retrieve, list and delete; customers on a clock are listed by it and deleted with it', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_15, name: 'Monthly renewal' });
    assert.match(clock.id, /^clock_/);
    assert.equal(clock.object, 'test_helpers.test_clock');
    assert.equal(clock.frozen_time, JAN_15);
    assert.equal(clock.status, 'ready');
    assert.equal(clock.name, 'Monthly renewal');
    assert.equal(clock.deletes_after - clock.created, 7 * DAY);
    assert.deepEqual(await stripe.testHelpers.testClocks.retrieve(clock.id), clock);
    const listed = await stripe.testHelpers.testClocks.list({ limit: 100 });
    assert.ok(listed.data.some((c) => c.id === clock.id));
    assert.equal((await eventsOf('test_helpers.test_clock.created', clock.id)).length, 1);

    // The customer lives on the clock's time; lists leave it out unless asked for by clock.
    const customer = await stripe.customers.create({ email: 'frozen@example.com', test_clock: clock.id });
    assert.equal(customer.test_clock, clock.id);
    assert.equal(customer.created, JAN_15);
    assert.deepEqual(
      (await stripe.customers.list({ test_clock: clock.id })).data.map((c) => c.id),
      [customer.id],
    );
    assert.ok(!(await stripe.customers.list({ limit: 100 })).data.some((c) => c.id === customer.id));
    const price = await monthly(900);
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: (await stripe.customers.listPaymentMethods(customer.id)).data[0]!.id,
    });
    assert.equal(sub.start_date, JAN_15);
    assert.equal(sub.test_clock, clock.id);
    assert.equal(sub.items.data[0]!.current_period_start, JAN_15);
    assert.equal(sub.items.data[0]!.current_period_end, FEB_15);

    const deleted = await stripe.testHelpers.testClocks.del(clock.id);
    assert.deepEqual(deleted, { id: clock.id, object: 'test_helpers.test_clock', deleted: true });
    assertInvalid(await failure(stripe.testHelpers.testClocks.retrieve(clock.id)), 404, 'id', 'resource_missing');
    assert.equal((await stripe.customers.retrieve(customer.id)).deleted, true);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'canceled');
  });

  it('advancing a month and a day renews: a second invoice paid, a new period, events on the clock’s time', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['invoice.paid', 'customer.subscription.updated']);
    const { clock, customer } = await clockCustomer();
    const price = await monthly(2500);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(sub.status, 'active');

    const ready = await advance(clock, FEB_15 + DAY);
    assert.equal(ready.frozen_time, FEB_15 + DAY);
    assert.deepEqual(ready.status_details, {});
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(renewed.status, 'active');
    assert.equal(renewed.items.data[0]!.current_period_start, FEB_15);
    assert.equal(renewed.items.data[0]!.current_period_end, MAR_15);

    const invoices = await stripe.invoices.list({ subscription: sub.id });
    assert.equal(invoices.data.length, 2);
    const cycle = invoices.data.find((i) => i.billing_reason === 'subscription_cycle')!;
    assert.equal(cycle.status, 'paid');
    assert.equal(cycle.amount_paid, 2500);
    assert.equal(cycle.created, FEB_15);
    assert.equal(cycle.period_start, JAN_15);
    assert.equal(cycle.period_end, FEB_15);
    assert.equal(cycle.test_clock, clock.id);
    assert.equal(renewed.latest_invoice, cycle.id);
    assert.equal(cycle.lines.data[0]!.period.start, FEB_15);

    const paid = await inbox.event('invoice.paid', cycle.id);
    assert.equal(paid.created, FEB_15);
    const updated = (await waitFor(
      () => inbox.events().find((e) => e.type === 'customer.subscription.updated' && e.created === FEB_15),
      'the renewal’s customer.subscription.updated',
    ))!;
    assert.equal((updated.data.previous_attributes as Stripe.Subscription).items.data[0]!.current_period_end, FEB_15);
    for (const type of ['test_helpers.test_clock.advancing', 'test_helpers.test_clock.ready']) {
      assert.equal((await eventsOf(type, clock.id)).length, 1, type);
    }

    // Not past two intervals of the shortest subscription (monthly): March 16 + 2 months is too far.
    const tooFar = await failure(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_15 + DAY + 70 * DAY }));
    assertInvalid(tooFar, 400, 'frozen_time', undefined, /two intervals of its shortest subscription/);
  });

  it('a renewal charged to a card that declines later charges (0341): invoice.payment_failed, the subscription past_due', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['invoice.payment_failed', 'customer.subscription.updated']);
    const { clock, customer } = await clockCustomer();
    const price = await monthly(3000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(sub.status, 'active');
    // The customer's card changes to one that attaches but fails every charge.
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await advance(clock, FEB_15 + DAY);
    const after = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    assert.equal(after.status, 'past_due');
    const invoice = after.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.billing_reason, 'subscription_cycle');
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.attempt_count, 1);
    const failed = await inbox.event('invoice.payment_failed', invoice.id);
    assert.equal(failed.created, FEB_15);
    await waitFor(
      () => inbox.events().find((e) => e.type === 'customer.subscription.updated' && (e.data.object as Stripe.Subscription).status === 'past_due'),
      'a customer.subscription.updated to past_due',
    );
  });

  it('a trial that ends into its first invoice, with trial_will_end three days before', async () => {
    const { clock, customer } = await clockCustomer();
    const price = await monthly(1200);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
    assert.equal(sub.status, 'trialing');
    assert.equal(sub.trial_end, JAN_15 + 14 * DAY);
    await advance(clock, JAN_15 + 12 * DAY);
    const willEnd = await eventsOf('customer.subscription.trial_will_end', sub.id);
    assert.equal(willEnd.length, 1);
    assert.equal(willEnd[0]!.created, JAN_15 + 11 * DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'trialing');

    await advance(clock, JAN_15 + 15 * DAY);
    const active = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    assert.equal(active.status, 'active');
    assert.equal(active.items.data[0]!.current_period_start, JAN_15 + 14 * DAY);
    const invoice = active.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.billing_reason, 'subscription_cycle');
    assert.equal(invoice.amount_paid, 1200);
    assert.equal(invoice.status, 'paid');
  });

  it('cancel_at_period_end: canceled at the period end by advancing, with customer.subscription.deleted', async () => {
    const { clock, customer } = await clockCustomer();
    const price = await monthly(1900);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], cancel_at_period_end: true });
    assert.equal(sub.cancel_at, FEB_15);
    await advance(clock, FEB_15 + DAY);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.ended_at, FEB_15);
    assert.equal((await stripe.invoices.list({ subscription: sub.id })).data.length, 1, 'no renewal invoice');
    const deleted = await eventsOf('customer.subscription.deleted', sub.id);
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0]!.created, FEB_15);
  });

  it('pause_collection: renewals are not charged — voided, marked uncollectible or left a draft — and collection resumes at resumes_at', async () => {
    const price = await monthly(2500);
    const expected = { void: 'void', mark_uncollectible: 'uncollectible', keep_as_draft: 'draft' } as const;
    for (const [behavior, status] of Object.entries(expected) as [keyof typeof expected, string][]) {
      const { clock, customer } = await clockCustomer();
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      await stripe.subscriptions.update(sub.id, { pause_collection: { behavior } });
      await advance(clock, FEB_15 + 2 * 3600);
      const renewed = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
      const invoice = renewed.latest_invoice as Stripe.Invoice;
      assert.deepEqual(
        [renewed.status, renewed.items.data[0]!.current_period_start, invoice.billing_reason, invoice.status, invoice.amount_paid],
        ['active', FEB_15, 'subscription_cycle', status, 0],
        `${behavior}: the period renews, its invoice ${status}, nothing paid`,
      );
      const charged = (await stripe.paymentIntents.list({ customer: customer.id, limit: 10 })).data;
      assert.equal(charged.length, 1, `${behavior}: only the first invoice was charged`);
      if (behavior === 'void') assert.equal((await eventsOf('invoice.voided', invoice.id)).length, 1);
      if (behavior === 'mark_uncollectible') assert.equal((await eventsOf('invoice.marked_uncollectible', invoice.id)).length, 1);
      if (behavior === 'keep_as_draft') assert.equal(invoice.auto_advance, false);
    }

    // Paused until a time before the next renewal: that renewal is charged as usual, and the pause is gone.
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void', resumes_at: FEB_15 - DAY } });
    await advance(clock, FEB_15 + 2 * 3600);
    const resumed = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    assert.equal(resumed.pause_collection, null);
    const lifted = (await eventsOf('customer.subscription.updated', sub.id)).filter(
      (e) =>
        (e.data.object as Stripe.Subscription).pause_collection === null &&
        (e.data.previous_attributes as Partial<Stripe.Subscription> | undefined)?.pause_collection,
    );
    assert.deepEqual(
      lifted.map((e) => e.created),
      [FEB_15 - DAY],
      'lifted at resumes_at, by itself',
    );
    assert.deepEqual([(resumed.latest_invoice as Stripe.Invoice).status, (resumed.latest_invoice as Stripe.Invoice).amount_paid], ['paid', 2500]);
  });

  it('errors: frozen_time missing or not after the current, an unknown clock, a customer on an unknown clock', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_15 });
    const backwards = await failure(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_15 - DAY }));
    assertInvalid(backwards, 400, 'frozen_time', undefined, /must be after the test clock's current frozen_time/);
    assertInvalid(await failure(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_15 })), 400, 'frozen_time');
    // Without subscriptions, at most two years.
    assertInvalid(await failure(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_15 + 800 * DAY })), 400, 'frozen_time');
    assertInvalid(await failure(stripe.testHelpers.testClocks.create({} as Stripe.TestHelpers.TestClockCreateParams)), 400, 'frozen_time', 'parameter_missing');
    const unknown = await failure(stripe.testHelpers.testClocks.advance('clock_unknown', { frozen_time: JAN_15 }));
    assertInvalid(unknown, 404, 'id', 'resource_missing', "No such test_clock: 'clock_unknown'");
    assertInvalid(await failure(stripe.testHelpers.testClocks.del('clock_unknown')), 404, 'id', 'resource_missing');
    assertInvalid(await failure(stripe.customers.create({ test_clock: 'clock_unknown' })), 400, 'test_clock', 'resource_missing');
    assert.ok(api.t);
  });
});
