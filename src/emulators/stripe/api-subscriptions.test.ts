// Subscriptions through the official SDK: trials, default_incomplete paid through its payment
// intent, plan changes with prorations, cancel_at_period_end, pause_collection, discounts, and
// Stripe's errors, with the customer.subscription.updated webhooks and their previous_attributes.
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

async function monthly(amount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Plan ${amount}` });
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval: 'month' } });
}

async function customerWithCard(): Promise<Stripe.Customer> {
  const customer = await stripe.customers.create({ email: 'subscriber@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  return stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
}

const DAY = 86400;

describe('subscriptions', () => {
  it('a trial: trialing, a $0 invoice paid at once, trial_start/trial_end and the item period up to the trial end', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['customer.subscription.created', 'customer.subscription.trial_will_end']);
    const price = await monthly(1500);
    const customer = await stripe.customers.create({ email: 'trial@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    assert.equal(sub.status, 'trialing');
    assert.ok(sub.trial_start !== null && sub.trial_end !== null);
    assert.equal(sub.trial_end - sub.trial_start, 14 * DAY);
    assert.equal(sub.items.data[0]!.current_period_end, sub.trial_end);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.total, 0);
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.billing_reason, 'subscription_create');
    assert.match(invoice.lines.data[0]!.description ?? '', /^Trial period for Plan 1500/);
    await inbox.event('customer.subscription.created', sub.id);

    // A trial of 3 days or less is about to end: trial_will_end goes out at once.
    const short = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: (await api.advanceClock(0)) + 2 * DAY });
    await inbox.event('customer.subscription.trial_will_end', short.id);

    // trial_end=now ends it: active, a full invoice charged to the card.
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const ended = await stripe.subscriptions.update(sub.id, { trial_end: 'now', default_payment_method: card.id, expand: ['latest_invoice'] });
    assert.equal(ended.status, 'active');
    assert.equal((ended.latest_invoice as Stripe.Invoice).amount_paid, 1500);
  });

  it('default_incomplete: incomplete with an open invoice; confirming its payment intent makes it active', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['customer.subscription.updated']);
    const price = await monthly(2000);
    const customer = await stripe.customers.create({ email: 'incomplete@example.com' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
      expand: ['latest_invoice.payments'],
    });
    assert.equal(sub.status, 'incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.amount_due, 2000);
    const piId = invoice.payments!.data[0]!.payment.payment_intent as string;
    const pi = await stripe.paymentIntents.retrieve(piId);
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.amount, 2000);

    const paid = await stripe.paymentIntents.confirm(piId, { payment_method: 'pm_card_visa' });
    assert.equal(paid.status, 'succeeded');
    assert.equal((await stripe.invoices.retrieve(invoice.id)).status, 'paid');
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
    const updated = await inbox.event('customer.subscription.updated', sub.id);
    assert.deepEqual(updated.data.previous_attributes, { status: 'incomplete' });
  });

  it('a plan change mid-period: proration invoice items for the unused and remaining time; always_invoice invoices them', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['customer.subscription.updated']);
    const basic = await monthly(1000);
    const pro = await monthly(3000);
    const customer = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    assert.equal(sub.status, 'active');
    const item = sub.items.data[0]!;
    const { current_period_start: start, current_period_end: end } = item;
    await api.advanceClock(10 * DAY);
    const when = start + 10 * DAY;
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }], proration_date: when });
    assert.equal(changed.items.data[0]!.price.id, pro.id);
    assert.equal(changed.items.data[0]!.id, item.id, 'the item keeps its id');
    const fraction = (end - when) / (end - start);
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    const amounts = pending.data.map((ii) => ii.amount).sort((a, b) => a - b);
    assert.deepEqual(amounts, [-Math.round(1000 * fraction), Math.round(3000 * fraction)]);
    assert.ok(pending.data.every((ii) => ii.proration && ii.invoice === null));
    // The first update is the payment's (incomplete → active); the plan change's carries the old items.
    const event = await waitFor(
      () => inbox.events().find((e) => e.type === 'customer.subscription.updated' && (e.data.previous_attributes as { items?: unknown })?.items),
      'the plan change’s customer.subscription.updated',
    );
    const prev = event!.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> };
    assert.equal(prev.items.data[0]!.price.id, basic.id, 'previous_attributes carries the old items');

    // Back to basic, invoiced now: a credit larger than the charge goes to the customer's balance.
    const back = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: basic.id }],
      proration_behavior: 'always_invoice',
      proration_date: when,
      expand: ['latest_invoice'],
    });
    const invoice = back.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.billing_reason, 'subscription_update');
    assert.equal(invoice.total, Math.round(1000 * fraction) - Math.round(3000 * fraction));
    assert.equal(invoice.status, 'paid');
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance, invoice.total);

    // proration_behavior=none changes the price and makes nothing.
    const before = (await stripe.invoiceItems.list({ customer: customer.id })).data.length;
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }], proration_behavior: 'none' });
    assert.equal((await stripe.invoiceItems.list({ customer: customer.id })).data.length, before);
  });

  it('cancel_at_period_end and pause_collection, set and cleared, each with previous_attributes', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['customer.subscription.updated']);
    const customer = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await monthly(900)).id }] });
    const canceling = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    assert.equal(canceling.cancel_at_period_end, true);
    assert.equal(canceling.cancel_at, sub.items.data[0]!.current_period_end);
    assert.equal(canceling.status, 'active');
    const resumesAt = (await api.advanceClock(0)) + 7 * DAY;
    const paused = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void', resumes_at: resumesAt } });
    assert.deepEqual(paused.pause_collection, { behavior: 'void', resumes_at: resumesAt });
    const cleared = await stripe.subscriptions.update(sub.id, { pause_collection: '', cancel_at_period_end: false });
    assert.equal(cleared.pause_collection, null);
    assert.equal(cleared.cancel_at, null);

    await waitForEvents(inbox, sub.id, 4);
    const prevs = inbox
      .events()
      .filter((e) => e.type === 'customer.subscription.updated' && (e.data.object as Stripe.Subscription).id === sub.id)
      .map((e) => e.data.previous_attributes);
    assert.deepEqual(prevs, [
      { status: 'incomplete' },
      { cancel_at_period_end: false, cancel_at: null },
      { pause_collection: null },
      { pause_collection: { behavior: 'void', resumes_at: resumesAt }, cancel_at_period_end: true, cancel_at: sub.items.data[0]!.current_period_end },
    ]);
  });

  it('a coupon (and a promotion code) discount the first invoice', async () => {
    const customer = await customerWithCard();
    const price = await monthly(2000);
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'forever' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ coupon: coupon.id }],
      expand: ['latest_invoice'],
    });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(sub.discounts.length, 1);
    assert.equal(invoice.subtotal, 2000);
    assert.equal(invoice.total, 1500);
    assert.equal(invoice.amount_paid, 1500);
    assert.deepEqual(invoice.total_discount_amounts, [{ amount: 500, discount: sub.discounts[0] }]);
    assert.equal(invoice.lines.data[0]!.discount_amounts![0]!.amount, 500);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);

    const off = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const code = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: off.id }, code: 'FIVEOFF' });
    const withCode = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ promotion_code: code.id }],
      expand: ['latest_invoice'],
    });
    assert.equal((withCode.latest_invoice as Stripe.Invoice).total, 1500);
    assert.deepEqual(withCode.discounts, [], 'a once coupon is used up by the first invoice');
    assert.equal((await stripe.promotionCodes.retrieve(code.id)).times_redeemed, 1);
  });

  it('send_invoice: active at once with an open invoice due in days_until_due', async () => {
    const customer = await stripe.customers.create({ email: 'invoice@example.com' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(5000)).id }],
      collection_method: 'send_invoice',
      days_until_due: 30,
      metadata: { plan: 'team' },
      description: 'Team plan',
      expand: ['latest_invoice'],
    });
    assert.equal(sub.status, 'active');
    assert.equal(sub.days_until_due, 30);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.collection_method, 'send_invoice');
    assert.equal(invoice.due_date, invoice.created + 30 * DAY);
  });

  it('answers Stripe errors for bad combinations and unknown ids, and changes nothing', async () => {
    const price = await monthly(1000);
    const customer = await customerWithCard();
    const now = await api.advanceClock(0);
    const base = { customer: customer.id, items: [{ price: price.id }] };
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, trial_end: now - 60 })), 400, 'trial_end');
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, days_until_due: 10 })), 400, 'days_until_due');
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, items: [{ price: 'price_missing' }] })), 400, 'items[0][price]', 'resource_missing');
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, discounts: [{ coupon: 'NOPE' }] })), 400, 'discounts[0][coupon]', 'resource_missing');
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, default_tax_rates: ['txr_missing'] })), 400, 'default_tax_rates[0]', 'resource_missing');
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, cancel_at_period_end: true, cancel_at: now + DAY })), 400, 'cancel_at');
    assert.equal((await stripe.subscriptions.list({ customer: customer.id })).data.length, 0, 'nothing was created');

    const sub = await stripe.subscriptions.create(base);
    assertInvalid(
      await failure(stripe.subscriptions.update(sub.id, { items: [{ id: 'si_missing', price: price.id }] })),
      400,
      'items[0][id]',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void', resumes_at: now - 10 } })),
      400,
      'pause_collection[resumes_at]',
    );
    assertInvalid(
      await failure(stripe.subscriptions.update(sub.id, { proration_date: now - 90 * DAY, items: [{ id: sub.items.data[0]!.id, quantity: 2 }] })),
      400,
      'proration_date',
    );
  });
});

/** Waits (bounded) until `count` customer.subscription.updated webhooks about `id` arrived. */
async function waitForEvents(inbox: Awaited<ReturnType<typeof webhookInbox>>, id: string, count: number): Promise<void> {
  await waitFor(
    () => inbox.events().filter((e) => e.type === 'customer.subscription.updated' && (e.data.object as { id: string }).id === id).length >= count || undefined,
    `${count} customer.subscription.updated webhooks about ${id}`,
  );
}

describe('subscription billing settings', () => {
  /** 15 Jan 2026, 12:34:56 UTC: a test clock's time, so anchors and periods are known. */
  const JAN_15 = Date.UTC(2026, 0, 15, 12, 34, 56) / 1000;

  async function clockCustomer(): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer; card: string }> {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_15 });
    const customer = await stripe.customers.create({ email: 'settings@example.com', test_clock: clock.id });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    return { clock, customer, card: pm.id };
  }

  async function advance(clock: Stripe.TestHelpers.TestClock, to: number): Promise<void> {
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
    await waitFor(async () => ((await stripe.testHelpers.testClocks.retrieve(clock.id)).status === 'ready' ? true : undefined), `clock ${clock.id} ready`);
  }

  it('billing_cycle_anchor_config: anchored on the day of the month at the time of creation, the first period prorated', async () => {
    const { customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(3100)).id }],
      billing_cycle_anchor_config: { day_of_month: 31 },
      expand: ['latest_invoice'],
    });
    const JAN_31 = Date.UTC(2026, 0, 31, 12, 34, 56) / 1000;
    assert.equal(sub.billing_cycle_anchor, JAN_31);
    assert.deepEqual(sub.billing_cycle_anchor_config, { day_of_month: 31, hour: null, minute: null, month: null, second: null });
    assert.equal(sub.items.data[0]!.current_period_end, JAN_31);
    // 16 days to the anchor, of the 31 from 15 Jan to 15 Feb: 3100 × 16/31.
    assert.equal((sub.latest_invoice as Stripe.Invoice).amount_paid, 1600);

    // Past this month's day (and at a given hour): next month's, the last day when shorter.
    const feb = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(1000)).id }],
      billing_cycle_anchor_config: { day_of_month: 10, hour: 0, minute: 0, second: 0 },
      proration_behavior: 'none',
    });
    assert.equal(feb.billing_cycle_anchor, Date.UTC(2026, 1, 10) / 1000);

    const both = await failure(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: (await monthly(1000)).id }],
        billing_cycle_anchor: JAN_31,
        billing_cycle_anchor_config: { day_of_month: 1 },
      }),
    );
    assertInvalid(both, 400, 'billing_cycle_anchor_config', undefined, /only specify one/);
    const product = await stripe.products.create({ name: 'Weekly' });
    const weekly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100, recurring: { interval: 'week' } });
    const notMonthly = await failure(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: weekly.id }], billing_cycle_anchor_config: { day_of_month: 1 } }),
    );
    assertInvalid(notMonthly, 400, 'billing_cycle_anchor_config', undefined, /monthly and yearly/);
  });

  it('billing_mode, billing_thresholds: kept as given, flexible by default; thresholds removed with an empty value', async () => {
    const customer = await customerWithCard();
    const price = await monthly(1000);
    const plain = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(plain.billing_mode.type, 'flexible');
    const classic = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      billing_mode: { type: 'classic' },
      billing_thresholds: { amount_gte: 50000, reset_billing_cycle_anchor: true },
    });
    assert.deepEqual(classic.billing_mode, { type: 'classic', flexible: null });
    assert.deepEqual(classic.billing_thresholds, { amount_gte: 50000, reset_billing_cycle_anchor: true });
    const updated = await stripe.subscriptions.update(classic.id, { billing_thresholds: { amount_gte: 10000 } });
    assert.deepEqual(updated.billing_thresholds, { amount_gte: 10000, reset_billing_cycle_anchor: null });
    assert.equal((await stripe.subscriptions.update(classic.id, { billing_thresholds: '' })).billing_thresholds, null);

    const mixed = await failure(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        billing_mode: { type: 'classic', flexible: { proration_discounts: 'itemized' } },
      }),
    );
    assertInvalid(mixed, 400, 'billing_mode[flexible]');
    const noAmount = await failure(stripe.subscriptions.update(classic.id, { billing_thresholds: { reset_billing_cycle_anchor: true } }));
    assertInvalid(noAmount, 400, 'billing_thresholds[amount_gte]', 'parameter_missing');
  });

  it('default_source: a card of the customer’s pays the subscription when the customer has no default; another customer’s is refused', async () => {
    const price = await monthly(1200);
    const customer = await stripe.customers.create({ email: 'source@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_source: card.id, expand: ['latest_invoice'] });
    assert.equal(sub.default_source, card.id);
    assert.equal(sub.status, 'active');
    assert.equal((sub.latest_invoice as Stripe.Invoice).amount_paid, 1200);
    assert.equal((await stripe.subscriptions.update(sub.id, { default_source: '' })).default_source, null);

    const other = await customerWithCard();
    const foreign = await failure(stripe.subscriptions.update(sub.id, { default_source: other.invoice_settings.default_payment_method as string }));
    assertInvalid(foreign, 400, 'default_source', 'resource_missing', /No such source/);
  });

  it('pending_invoice_item_interval: what is pending is invoiced on its own at the interval, before the renewal', async () => {
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(1000)).id }],
      pending_invoice_item_interval: { interval: 'week' },
    });
    assert.deepEqual(sub.pending_invoice_item_interval, { interval: 'week', interval_count: 1 });
    assert.equal(sub.next_pending_invoice_item_invoice, JAN_15 + 7 * DAY);
    // A one-time item waits for the next invoice: the interval's, a week on, not the renewal a month on.
    const product = await stripe.products.create({ name: 'Setup fee' });
    const fee = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 700 });
    await stripe.subscriptions.update(sub.id, { add_invoice_items: [{ price: fee.id }], proration_behavior: 'none' });
    await advance(clock, JAN_15 + 8 * DAY);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const pending = invoices.data.find((i) => i.billing_reason === 'automatic_pending_invoice_item_invoice');
    assert.ok(pending, invoices.data.map((i) => i.billing_reason).join(', '));
    assert.deepEqual([pending.amount_paid, pending.status], [700, 'paid']);
    const after = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(after.next_pending_invoice_item_invoice, JAN_15 + 14 * DAY);
    assert.equal(after.status, 'active');

    const tooLong = await failure(stripe.subscriptions.update(sub.id, { pending_invoice_item_interval: { interval: 'month', interval_count: 13 } }));
    assertInvalid(tooLong, 400, 'pending_invoice_item_interval[interval_count]');
    assert.equal((await stripe.subscriptions.update(sub.id, { pending_invoice_item_interval: '' })).next_pending_invoice_item_invoice, null);
  });

  it('billing_cycle_anchor[type]=now: a new period from now, invoiced at once with a credit for the unused time', async () => {
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await monthly(3100)).id }] });
    const JAN_25 = JAN_15 + 10 * DAY;
    await advance(clock, JAN_25);
    const unchanged = await stripe.subscriptions.update(sub.id, { billing_cycle_anchor: { type: 'unchanged' } });
    assert.equal(unchanged.billing_cycle_anchor, JAN_15);
    const reset = await stripe.subscriptions.update(sub.id, { billing_cycle_anchor: { type: 'now' }, expand: ['latest_invoice'] });
    assert.equal(reset.billing_cycle_anchor, JAN_25);
    assert.equal(reset.items.data[0]!.current_period_start, JAN_25);
    assert.equal(reset.items.data[0]!.current_period_end, Date.UTC(2026, 1, 25, 12, 34, 56) / 1000);
    const invoice = reset.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.billing_reason, 'subscription_update');
    // The full new period (3100) less the 21 unused days of the 31-day one (2100).
    assert.deepEqual(
      invoice.lines.data.map((l) => l.amount).sort((a, b) => a - b),
      [-2100, 3100],
    );
    assert.deepEqual([invoice.total, invoice.status], [1000, 'paid']);

    const trial = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await monthly(500)).id }], trial_period_days: 7 });
    const inTrial = await failure(stripe.subscriptions.update(trial.id, { billing_cycle_anchor: { type: 'now' } }));
    assertInvalid(inTrial, 400, 'billing_cycle_anchor[type]', undefined, /trial_end=now/);
  });

  it('refuses Connect-only parameters, prebilling and Accounts v2 customers with a reason, and makes nothing', async () => {
    const customer = await customerWithCard();
    const price = await monthly(900);
    const base = { customer: customer.id, items: [{ price: price.id }] };
    const before = (await stripe.subscriptions.list({ customer: customer.id })).data.length;
    assertInvalid(
      await failure(stripe.subscriptions.create({ ...base, application_fee_percent: 10 })),
      400,
      'application_fee_percent',
      undefined,
      /on behalf of/,
    );
    assertInvalid(await failure(stripe.subscriptions.create({ ...base, on_behalf_of: 'acct_1' })), 400, 'on_behalf_of', 'resource_missing');
    assertInvalid(
      await failure(stripe.subscriptions.create({ ...base, transfer_data: { destination: 'acct_1' } })),
      400,
      'transfer_data[destination]',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.subscriptions.create({ ...base, billing_schedules: [{ bill_until: { type: 'timestamp', timestamp: 1 } }] })),
      400,
      'billing_schedules',
      undefined,
      /prebilling/,
    );
    const account = await failure(stripe.subscriptions.create({ customer_account: 'acct_1', items: [{ price: price.id }] }));
    assertInvalid(account, 400, 'customer_account', undefined, /Accounts v2/);
    assert.equal((await stripe.subscriptions.list({ customer: customer.id })).data.length, before);
  });
});
