// Lists and expansion through the SDK: limit, has_more, cursors, newest first, created ranges,
// the SDK's auto-pagination; expand[] on objects and lists, includable fields, and Stripe's refusals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';

describe('pagination', () => {
  let stripe: Stripe;
  /** The 25 customers, oldest first. */
  const made: Stripe.Customer[] = [];
  let secondBatchStart = 0;

  useApiEmulator(async (api) => {
    stripe = api.stripe;
    for (let i = 0; i < 25; i++) {
      if (i === 10) secondBatchStart = await api.advanceClock(100);
      made.push(await stripe.customers.create({ email: `page${i}@example.com`, metadata: { i: String(i) } }));
    }
    for (const c of made) assertShape(c, 'customer');
  });

  const newestFirst = () => made.map((c) => c.id).reverse();

  it('pages newest first with limit, has_more and starting_after', async () => {
    const expected = newestFirst();
    const first = await stripe.customers.list({ limit: 10 });
    assert.equal(first.object, 'list');
    assert.equal(first.url, '/v1/customers');
    assert.equal(first.has_more, true);
    assert.deepEqual(
      first.data.map((c) => c.id),
      expected.slice(0, 10),
    );
    for (const c of first.data) assertShape(c, 'customer');

    const second = await stripe.customers.list({ limit: 10, starting_after: first.data.at(-1)!.id });
    assert.equal(second.has_more, true);
    assert.deepEqual(
      second.data.map((c) => c.id),
      expected.slice(10, 20),
    );
    const third = await stripe.customers.list({ limit: 10, starting_after: second.data.at(-1)!.id });
    assert.equal(third.has_more, false);
    assert.deepEqual(
      third.data.map((c) => c.id),
      expected.slice(20),
    );
    for (const c of third.data) assertShape(c, 'customer');

    const byDefault = await stripe.customers.list();
    assert.equal(byDefault.data.length, 10, 'the default limit is 10');
    const all = await stripe.customers.list({ limit: 100 });
    assert.equal(all.has_more, false);
    assert.deepEqual(
      all.data.map((c) => c.id),
      expected,
    );
  });

  it('pages backwards with ending_before', async () => {
    const expected = newestFirst();
    const page = await stripe.customers.list({ limit: 5, ending_before: expected[10] });
    assert.deepEqual(
      page.data.map((c) => c.id),
      expected.slice(5, 10),
      'the five just before the cursor, still newest first',
    );
    assert.equal(page.has_more, true);
    for (const c of page.data) assertShape(c, 'customer');
    const top = await stripe.customers.list({ limit: 10, ending_before: expected[3] });
    assert.deepEqual(
      top.data.map((c) => c.id),
      expected.slice(0, 3),
    );
    assert.equal(top.has_more, false);
  });

  it('filters by created ranges', async () => {
    const gte = await stripe.customers.list({ limit: 100, created: { gte: secondBatchStart } });
    assert.deepEqual(
      gte.data.map((c) => c.id),
      newestFirst().slice(0, 15),
    );
    const lt = await stripe.customers.list({ limit: 100, created: { lt: secondBatchStart } });
    assert.deepEqual(
      lt.data.map((c) => c.id),
      newestFirst().slice(15),
    );
    for (const c of [...gte.data, ...lt.data]) assertShape(c, 'customer');
    const exact = await stripe.customers.list({ limit: 100, created: made[0]!.created });
    assert.ok(exact.data.some((c) => c.id === made[0]!.id));
    assert.ok(exact.data.every((c) => c.created === made[0]!.created));
    const none = await stripe.customers.list({ created: { gt: secondBatchStart + 10_000 } });
    assert.deepEqual(none.data, []);
    assert.equal(none.has_more, false);
    const paged = await stripe.customers.list({ limit: 4, created: { gte: secondBatchStart } });
    const rest = await stripe.customers.list({ limit: 100, created: { gte: secondBatchStart }, starting_after: paged.data.at(-1)!.id });
    assert.equal(paged.data.length + rest.data.length, 15);
  });

  it('created[lt] with limit 100 and starting_after pages the older customers only, each once', async () => {
    const older = newestFirst().slice(15);
    const all = await stripe.customers.list({ created: { lt: secondBatchStart }, limit: 100 });
    assert.deepEqual(
      all.data.map((c) => c.id),
      older,
    );
    assert.equal(all.has_more, false);
    const pages: Stripe.ApiList<Stripe.Customer>[] = [];
    for (let cursor: string | undefined; pages.length === 0 || pages.at(-1)!.has_more; cursor = pages.at(-1)!.data.at(-1)!.id) {
      assert.ok(pages.length < 10, 'the pages end');
      pages.push(await stripe.customers.list({ created: { lt: secondBatchStart }, limit: 4, ...(cursor ? { starting_after: cursor } : {}) }));
    }
    assert.deepEqual(
      pages.map((p) => [p.data.length, p.has_more]),
      [
        [4, true],
        [4, true],
        [2, false],
      ],
    );
    assert.deepEqual(
      pages.flatMap((p) => p.data.map((c) => c.id)),
      older,
    );
    assert.ok(pages.every((p) => p.data.every((c) => c.created < secondBatchStart)));
    const auto = await stripe.customers.list({ created: { lt: secondBatchStart }, limit: 3 }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(
      auto.map((c) => c.id),
      older,
    );
    const none = await stripe.customers.list({ created: { lt: made[0]!.created }, limit: 100 });
    assert.deepEqual(none.data, []);
    assert.equal(none.has_more, false);
  });

  it('auto-pagination returns every customer exactly once', async () => {
    const seen: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 3 })) {
      assertShape(customer, 'customer');
      seen.push(customer.id);
    }
    assert.deepEqual(seen, newestFirst());
    const array = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(
      array.map((c) => c.id),
      newestFirst(),
    );
    const backwards = await stripe.customers.list({ limit: 4, ending_before: made[0]!.id }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(new Set(backwards.map((c) => c.id)), new Set(newestFirst().slice(0, 24)));
    assert.equal(backwards.length, 24);
  });

  it('refuses unknown cursors and both cursors at once', async () => {
    const unknown = await failure(stripe.customers.list({ starting_after: 'cus_unknown' }));
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.code, 'resource_missing');
    assert.equal(unknown.param, 'starting_after');
    assert.equal(unknown.message, "No such customer: 'cus_unknown'");
    const both = await failure(stripe.customers.list({ starting_after: made[1]!.id, ending_before: made[0]!.id }));
    assert.equal(both.statusCode, 400);
    assert.match(both.message, /ending_before, starting_after/);
  });
});

describe('expansion', () => {
  let stripe: Stripe;
  let customer: Stripe.Customer;
  let pm: Stripe.PaymentMethod;
  let sub: Stripe.Subscription;
  let session: Stripe.Checkout.Session;

  useApiEmulator(async (api) => {
    stripe = api.stripe;
    const product = await stripe.products.create({ name: 'Expandable' });
    const monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2000, recurring: { interval: 'month' } });
    customer = await stripe.customers.create({ email: 'expand@example.com', name: 'Expand Me' });
    pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm.id });
    session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: monthly.id, quantity: 2 }],
      success_url: 'https://shop.example/ok',
    });
    for (const [obj, name] of [
      [product, 'product'],
      [monthly, 'price'],
      [customer, 'customer'],
      [pm, 'payment_method'],
      [sub, 'subscription'],
      [session, 'checkout.session'],
    ] as const) {
      assertShape(obj, name);
    }
    assert.equal(sub.status, 'active');
  });

  it('expands the customer of a checkout session', async () => {
    const s = await stripe.checkout.sessions.retrieve(session.id, { expand: ['customer'] });
    assertShape(s, 'checkout.session');
    const c = s.customer as Stripe.Customer;
    assert.equal(c.object, 'customer');
    assert.equal(c.id, customer.id);
    assert.equal(c.email, 'expand@example.com');
    const plain = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(plain.customer, customer.id, 'without expand the id stays');
  });

  it('expands the latest invoice and its customer, and the customer and payment method of a subscription', async () => {
    const s = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice', 'latest_invoice.customer'] });
    assertShape(s, 'subscription');
    const invoice = s.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.object, 'invoice');
    assert.equal(invoice.status, 'paid');
    assert.equal((invoice.customer as Stripe.Customer).email, 'expand@example.com');
    assert.equal(s.customer, customer.id, 'only what was asked for is expanded');

    const both = await stripe.subscriptions.retrieve(sub.id, { expand: ['customer', 'default_payment_method'] });
    assertShape(both, 'subscription');
    assert.equal((both.customer as Stripe.Customer).id, customer.id);
    const dpm = both.default_payment_method as Stripe.PaymentMethod;
    assert.equal(dpm.object, 'payment_method');
    assert.equal(dpm.id, pm.id);
    assert.equal(dpm.card?.last4, '4242');
  });

  it('expands through lists with data.', async () => {
    const subs = await stripe.subscriptions.list({ expand: ['data.customer', 'data.latest_invoice'] });
    assert.equal(subs.data.length, 1);
    for (const s of subs.data) {
      assertShape(s, 'subscription');
      assert.equal((s.customer as Stripe.Customer).id, customer.id);
      assert.equal((s.latest_invoice as Stripe.Invoice).object, 'invoice');
    }
    const sessions = await stripe.checkout.sessions.list({ expand: ['data.customer', 'data.line_items'] });
    for (const s of sessions.data) {
      assertShape(s, 'checkout.session');
      assert.equal((s.customer as Stripe.Customer).id, customer.id);
      assert.equal(s.line_items?.data[0]?.quantity, 2);
    }
    const auto = await stripe.subscriptions.list({ limit: 1, expand: ['data.customer'] }).autoPagingToArray({ limit: 10 });
    assert.equal((auto[0]!.customer as Stripe.Customer).object, 'customer');
  });

  it('includes line_items on a session only when asked', async () => {
    const plain = await stripe.checkout.sessions.retrieve(session.id);
    assertShape(plain, 'checkout.session');
    assert.ok(!('line_items' in plain));
    const s = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'line_items.data.price.product'] });
    assertShape(s, 'checkout.session');
    const items = s.line_items!;
    assert.equal(items.object, 'list');
    assert.equal(items.url, `/v1/checkout/sessions/${session.id}/line_items`);
    assert.equal(items.data.length, 1);
    assertShape(items.data[0], 'item');
    assert.equal(items.data[0]!.quantity, 2);
    assert.equal(items.data[0]!.amount_total, 4000);
    assert.equal((items.data[0]!.price!.product as Stripe.Product).name, 'Expandable');
  });

  it('reaches the payment intent through latest_invoice.payments', async () => {
    const s = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice.payments'] });
    assertShape(s, 'subscription');
    const invoice = s.latest_invoice as Stripe.Invoice;
    assert.ok(!('payment_intent' in invoice), 'no payment_intent on invoices under 2026-10-28.endive');
    const payments = invoice.payments!;
    assert.equal(payments.object, 'list');
    assert.equal(payments.url, `/v1/invoices/${invoice.id}/payments`);
    const payment = payments.data[0]!;
    assertShape(payment, 'invoice_payment');
    assert.equal(payment.status, 'paid');
    assert.equal(payment.payment.type, 'payment_intent');
    const piId = payment.payment.payment_intent as string;
    assert.match(piId, /^pi_/);
    const pi = await stripe.paymentIntents.retrieve(piId, { expand: ['latest_charge', 'payment_method', 'customer'] });
    assertShape(pi, 'payment_intent');
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.amount, invoice.amount_paid);
    assert.equal((pi.latest_charge as Stripe.Charge).status, 'succeeded');
    assert.equal((pi.payment_method as Stripe.PaymentMethod).id, pm.id);
    assert.equal((pi.customer as Stripe.Customer).id, customer.id);

    // Four levels are the most Stripe expands, `data` included.
    const inv = await stripe.invoices.retrieve(invoice.id!, { expand: ['payments.data.payment.payment_intent'] });
    assertShape(inv, 'invoice');
    const expandedPi = inv.payments!.data[0]!.payment.payment_intent as Stripe.PaymentIntent;
    assert.equal(expandedPi.object, 'payment_intent');
    assert.equal(expandedPi.id, piId);
  });

  it('refuses latest_invoice.payment_intent as current Stripe does', async () => {
    const err = await failure(stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice.payment_intent'] }));
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.statusCode, 400);
    assert.equal(err.message, 'This property cannot be expanded (latest_invoice.payment_intent).');
    assert.match(err.requestId ?? '', /^req_/);
  });

  it('refuses properties that cannot be expanded', async () => {
    for (const [path, named] of [
      ['status', 'status'],
      ['metadata', 'metadata'],
      ['nonexistent', 'nonexistent'],
      ['customer.email', 'customer.email'],
      ['latest_invoice.payments.data.payment', 'latest_invoice.payments.data.payment'],
    ] as const) {
      const err = await failure(stripe.subscriptions.retrieve(sub.id, { expand: [path] }));
      assert.equal(err.type, 'StripeInvalidRequestError', path);
      assert.equal(err.statusCode, 400, path);
      assert.equal(err.message, `This property cannot be expanded (${named}).`, path);
    }
    const onList = await failure(stripe.customers.list({ expand: ['data.email'] }));
    assert.equal(onList.message, 'This property cannot be expanded (data.email).');
    const bareData = await failure(stripe.customers.list({ expand: ['data'] }));
    assert.equal(bareData.message, 'This property cannot be expanded (data).');
  });

  it('refuses more than four levels, counting data, and changes nothing', async () => {
    const paths = ['latest_invoice.payments.data.payment.payment_intent', 'latest_invoice.customer.invoice_settings.default_payment_method.customer'];
    for (const path of paths) {
      const err = await failure(stripe.subscriptions.retrieve(sub.id, { expand: [path] }));
      assert.equal(err.type, 'StripeInvalidRequestError');
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'property_expansion_max_depth');
      assert.equal(err.message, `You cannot expand more than 4 levels of a property. Property: ${path}`);
    }
    const onList = await failure(stripe.subscriptions.list({ expand: ['data.items.data.price.product'] }));
    assert.equal(onList.code, 'property_expansion_max_depth');
    const fourOnList = await stripe.subscriptions.list({ expand: ['data.items.data.price'] });
    assertShape(fourOnList.data[0], 'subscription');

    const before = await stripe.customers.list({ limit: 100 });
    const refused = await failure(stripe.customers.create({ email: 'deep@example.com', expand: ['a.b.c.d.e'] } as Stripe.CustomerCreateParams));
    assert.equal(refused.code, 'property_expansion_max_depth');
    const afterList = await stripe.customers.list({ limit: 100 });
    assert.equal(afterList.data.length, before.data.length, 'a refused expand creates nothing');
  });

  it('refuses an unexpandable path on a create and keeps nothing of it', async () => {
    const email = 'unexpandable-create@example.com';
    const err = await failure(stripe.customers.create({ email, expand: ['metadata'] }, { idempotencyKey: 'unexpandable-create' }));
    assert.equal(err.statusCode, 400);
    assert.equal(err.message, 'This property cannot be expanded (metadata).');
    const listed = await stripe.customers.list({ email });
    assert.deepEqual(listed.data, [], 'a refused request creates nothing');
  });

  it('expands on create and update responses', async () => {
    const created = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: (sub.items.data[0]!.price as Stripe.Price).id, quantity: 1 }],
      success_url: 'https://shop.example/ok',
      expand: ['customer', 'line_items'],
    });
    assertShape(created, 'checkout.session');
    assert.equal((created.customer as Stripe.Customer).id, customer.id);
    assert.equal(created.line_items?.data.length, 1);
    const updated = await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: pm.id },
      expand: ['invoice_settings.default_payment_method'],
    });
    assertShape(updated, 'customer');
    const dpm = updated.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    assert.equal(dpm.object, 'payment_method');
    assert.equal(dpm.id, pm.id);
    const stored = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.equal(stored.invoice_settings.default_payment_method, pm.id, 'expansion changes only the response');
  });
});

describe('subscription and invoice filters', () => {
  let stripe: Stripe;
  let customer: Stripe.Customer;
  let price: Stripe.Price;
  let other: Stripe.Price;
  /** Charged automatically, with automatic tax; sent as an invoice; on a test clock. */
  let charged: Stripe.Subscription;
  let sent: Stripe.Subscription;
  let clocked: Stripe.Subscription;
  let clock: Stripe.TestHelpers.TestClock;

  useApiEmulator(async (api) => {
    stripe = api.stripe;
    customer = await stripe.customers.create({ email: 'filters@example.com', payment_method: 'pm_card_visa' });
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]!;
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    const product = await stripe.products.create({ name: 'Filtered' });
    price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } });
    other = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2000, recurring: { interval: 'year' } });
    charged = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], automatic_tax: { enabled: true } });
    sent = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: other.id }], collection_method: 'send_invoice', days_until_due: 10 });
    const now = await api.advanceClock(0);
    clock = await stripe.testHelpers.testClocks.create({ frozen_time: now });
    const onClock = await stripe.customers.create({ email: 'clocked@example.com', test_clock: clock.id, payment_method: 'pm_card_visa' });
    const clockPm = (await stripe.paymentMethods.list({ customer: onClock.id })).data[0]!;
    clocked = await stripe.subscriptions.create({ customer: onClock.id, items: [{ price: price.id }], default_payment_method: clockPm.id });
  });

  const ids = (list: { data: { id: string }[] }) => list.data.map((x) => x.id).sort();

  it('lists subscriptions by collection method, plan, automatic tax and period ranges', async () => {
    assert.deepEqual(ids(await stripe.subscriptions.list({ collection_method: 'send_invoice' })), [sent.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ collection_method: 'charge_automatically' })), [charged.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ plan: other.id })), [sent.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ automatic_tax: { enabled: true } })), [charged.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ automatic_tax: { enabled: false } })), [sent.id]);
    // The monthly one ends its period within 40 days, the yearly one later.
    const monthEnd = charged.items.data[0]!.current_period_end;
    assert.deepEqual(ids(await stripe.subscriptions.list({ current_period_end: { lte: monthEnd } })), [charged.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ current_period_end: { gt: monthEnd } })), [sent.id]);
    assert.deepEqual(ids(await stripe.subscriptions.list({ current_period_start: { gt: sent.items.data[0]!.current_period_start + 100_000 } })), []);
    // No subscription belongs to an Accounts v2 customer: none is listed for one.
    assert.deepEqual(ids(await stripe.subscriptions.list({ customer_account: 'acct_1' })), []);
  });

  it('lists a test clock’s subscriptions only by its clock (or customer), and refuses an unknown clock', async () => {
    assert.deepEqual(ids(await stripe.subscriptions.list({ test_clock: clock.id })), [clocked.id]);
    assert.ok(!(await stripe.subscriptions.list({ limit: 100 })).data.some((s) => s.id === clocked.id));
    assert.deepEqual(ids(await stripe.subscriptions.list({ customer: clocked.customer as string })), [clocked.id]);
    const unknown = await failure(stripe.subscriptions.list({ test_clock: 'clock_missing' }));
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.param, 'test_clock');
  });

  it('lists invoices by collection method and due date range', async () => {
    const sentInvoice = sent.latest_invoice as string;
    assert.deepEqual(ids(await stripe.invoices.list({ customer: customer.id, collection_method: 'send_invoice' })), [sentInvoice]);
    assert.deepEqual(ids(await stripe.invoices.list({ customer: customer.id, collection_method: 'charge_automatically' })), [charged.latest_invoice as string]);
    const due = (await stripe.invoices.retrieve(sentInvoice)).due_date!;
    assert.deepEqual(ids(await stripe.invoices.list({ customer: customer.id, due_date: { gte: due, lte: due } })), [sentInvoice]);
    assert.deepEqual(ids(await stripe.invoices.list({ customer: customer.id, due_date: { gt: due } })), []);
    assert.deepEqual(ids(await stripe.invoices.list({ customer_account: 'acct_1' })), []);
  });
});
