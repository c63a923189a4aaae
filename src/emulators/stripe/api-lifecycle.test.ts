// The emulator's resources driven through the official SDK, as an integration would drive
// api.stripe.com: customers, the catalogue, Checkout sessions (without the hosted page),
// payment methods, subscriptions with their invoices, payment intents and charges, deletion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { failure, useApiEmulator, type StripeError } from './testing/api-kit.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';

function assertInvalidRequest(err: StripeError, param: string | undefined, message?: RegExp | string, code?: string): void {
  assert.equal(err.type, 'StripeInvalidRequestError', err.message);
  assert.equal(err.statusCode, 400, err.message);
  assert.equal(err.rawType, 'invalid_request_error');
  assert.equal(err.param, param, `param of: ${err.message}`);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  if (code !== undefined) assert.equal(err.code, code);
  assert.match(err.requestId ?? '', /^req_/);
}

let t: TestEmulator;
let stripe: Stripe;
const api = useApiEmulator((started) => {
  t = started.t;
  stripe = started.stripe;
});

async function recurringPrice(unitAmount = 1500, lookupKey?: string): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Plan ${unitAmount}` });
  assertShape(product, 'product');
  const price = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: unitAmount,
    recurring: { interval: 'month' },
    ...(lookupKey ? { lookup_key: lookupKey } : {}),
  });
  assertShape(price, 'price');
  return price;
}

async function oneTimePrice(unitAmount = 2500): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Thing ${unitAmount}` });
  assertShape(product, 'product');
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: unitAmount });
  assertShape(price, 'price');
  return price;
}

/** A customer with `pm` attached and set as the invoice default. */
async function payingCustomer(pm = 'pm_card_visa', email = 'payer@example.com'): Promise<{ customer: Stripe.Customer; pm: Stripe.PaymentMethod }> {
  const customer = await stripe.customers.create({ email });
  assertShape(customer, 'customer');
  const attached = await stripe.paymentMethods.attach(pm, { customer: customer.id });
  assertShape(attached, 'payment_method');
  const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: attached.id } });
  assertShape(updated, 'customer');
  return { customer: updated, pm: attached };
}

describe('customers', () => {
  it('creates, retrieves and updates a customer, merging metadata and unsetting keys with an empty string', async () => {
    const created = await stripe.customers.create({
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      phone: '+15555550100',
      description: 'first',
      metadata: { a: '1', b: '2' },
    });
    assertShape(created, 'customer');
    assert.match(created.id, /^cus_/);
    assert.equal(created.object, 'customer');
    assert.equal(created.livemode, false);
    assert.equal(created.email, 'jenny@example.com');
    assert.equal(created.name, 'Jenny Rosen');
    assert.deepEqual(created.metadata, { a: '1', b: '2' });
    assert.equal(created.invoice_settings.default_payment_method, null);
    assert.match(created.lastResponse.requestId, /^req_/);

    const retrieved = await stripe.customers.retrieve(created.id);
    assertShape(retrieved, 'customer');
    const { lastResponse: _a, ...createdBody } = created;
    const { lastResponse: _b, ...retrievedBody } = retrieved as Stripe.Response<Stripe.Customer>;
    assert.deepEqual(retrievedBody, createdBody);

    const merged = await stripe.customers.update(created.id, { email: 'jenny.rosen@example.com', metadata: { b: '', c: '3' } });
    assertShape(merged, 'customer');
    assert.deepEqual(merged.metadata, { a: '1', c: '3' });
    assert.equal(merged.email, 'jenny.rosen@example.com');
    assert.equal(merged.name, 'Jenny Rosen', 'fields not sent are kept');

    const unsetDescription = await stripe.customers.update(created.id, { description: '' });
    assertShape(unsetDescription, 'customer');
    assert.equal(unsetDescription.description, null);

    const cleared = await stripe.customers.update(created.id, { metadata: '' });
    assertShape(cleared, 'customer');
    assert.deepEqual(cleared.metadata, {});
    const again = (await stripe.customers.retrieve(created.id)) as Stripe.Customer;
    assertShape(again, 'customer');
    assert.deepEqual(again.metadata, {});
    assert.equal(again.email, 'jenny.rosen@example.com');
  });

  it('lists customers newest first and filters by exact email', async () => {
    const one = await stripe.customers.create({ email: 'list-one@example.com' });
    const two = await stripe.customers.create({ email: 'list-two@example.com' });
    assertShape(one, 'customer');
    assertShape(two, 'customer');
    const list = await stripe.customers.list({ limit: 2 });
    assert.equal(list.object, 'list');
    assert.equal(list.url, '/v1/customers');
    assert.deepEqual(
      list.data.map((c) => c.id),
      [two.id, one.id],
    );
    for (const c of list.data) assertShape(c, 'customer');

    const byEmail = await stripe.customers.list({ email: 'list-one@example.com' });
    assert.deepEqual(
      byEmail.data.map((c) => c.id),
      [one.id],
    );
    assert.equal(byEmail.has_more, false);
    assertShape(byEmail.data[0], 'customer');
  });

  it('deletes a customer: the answer and later retrieves are the deleted stub, updates and deletes are 404', async () => {
    const customer = await stripe.customers.create({ email: 'gone@example.com' });
    assertShape(customer, 'customer');
    const deleted = await stripe.customers.del(customer.id);
    assertShape(deleted, 'deleted_customer');
    const { lastResponse: _l, ...body } = deleted;
    assert.deepEqual(body, { id: customer.id, object: 'customer', deleted: true });

    const later = await stripe.customers.retrieve(customer.id);
    assertShape(later, 'deleted_customer');
    assert.equal(later.deleted, true);
    assert.equal(later.id, customer.id);

    const list = await stripe.customers.list({ email: 'gone@example.com' });
    assert.deepEqual(list.data, [], 'a deleted customer is not listed');

    const update = await failure(stripe.customers.update(customer.id, { name: 'x' }));
    assert.equal(update.statusCode, 404);
    assert.equal(update.code, 'resource_missing');
    assert.equal(update.param, 'id');
    const again = await failure(stripe.customers.del(customer.id));
    assert.equal(again.type, 'StripeInvalidRequestError');
    assert.equal(again.statusCode, 404);
    assert.equal(again.code, 'resource_missing');
    assert.equal(again.param, 'id');
    assert.equal(again.message, `No such customer: '${customer.id}'`);
  });

  it('a deleted customer is no longer a list cursor (as on Stripe): listing again from the start finds the rest', async () => {
    const email = 'prune-cursor@example.com';
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await stripe.customers.create({ email }));
    const page = await stripe.customers.list({ email, limit: 2 });
    assert.deepEqual(
      page.data.map((c) => c.id),
      [made[2]!.id, made[1]!.id],
    );
    assert.equal(page.has_more, true);
    for (const c of page.data) await stripe.customers.del(c.id);
    const stale = await failure(stripe.customers.list({ email, limit: 2, starting_after: page.data.at(-1)!.id }));
    assertInvalidRequest(stale, 'starting_after', `No such customer: '${made[1]!.id}'`, 'resource_missing');
    const rest = await stripe.customers.list({ email, limit: 2 });
    assert.deepEqual(
      rest.data.map((c) => c.id),
      [made[0]!.id],
    );
    assert.equal(rest.has_more, false);
  });
});

describe('products and prices', () => {
  it('creates recurring and one-time prices', async () => {
    const product = await stripe.products.create({ name: 'Canary Pro', description: 'The plan', metadata: { tier: 'pro' } });
    assertShape(product, 'product');
    assert.match(product.id, /^prod_/);
    assert.equal(product.name, 'Canary Pro');
    assert.equal(product.active, true);

    const monthly = await stripe.prices.create({ product: product.id, currency: 'USD', unit_amount: 4900, recurring: { interval: 'month' } });
    assertShape(monthly, 'price');
    assert.match(monthly.id, /^price_/);
    assert.equal(monthly.type, 'recurring');
    assert.equal(monthly.currency, 'usd');
    assert.equal(monthly.unit_amount, 4900);
    assert.equal(String(monthly.unit_amount_decimal), '4900', 'the SDK reads unit_amount_decimal as a Decimal');
    assert.equal(monthly.product, product.id);
    assert.equal(monthly.recurring?.interval, 'month');
    assert.equal(monthly.recurring?.interval_count, 1);
    assert.equal(monthly.recurring?.usage_type, 'licensed');

    const once = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 999 });
    assertShape(once, 'price');
    assert.equal(once.type, 'one_time');
    assert.equal(once.recurring, null);

    const retrieved = await stripe.prices.retrieve(monthly.id, { expand: ['product'] });
    assertShape(retrieved, 'price');
    assert.equal((retrieved.product as Stripe.Product).name, 'Canary Pro');

    const recurringOnly = await stripe.prices.list({ product: product.id, type: 'recurring' });
    assert.deepEqual(
      recurringOnly.data.map((p) => p.id),
      [monthly.id],
    );
    for (const p of recurringOnly.data) assertShape(p, 'price');
  });

  it('finds prices by lookup key, keeps lookup keys unique, and moves one with transfer_lookup_key', async () => {
    const first = await recurringPrice(1000, 'canary_basic');
    const other = await recurringPrice(2000, 'canary_other');
    const byKey = await stripe.prices.list({ lookup_keys: ['canary_basic', 'canary_other', 'nobody'] });
    assert.deepEqual(new Set(byKey.data.map((p) => p.id)), new Set([first.id, other.id]));
    for (const p of byKey.data) assertShape(p, 'price');

    const product = await stripe.products.create({ name: 'Basic v2' });
    assertShape(product, 'product');
    const clash = await failure(
      stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1100, recurring: { interval: 'month' }, lookup_key: 'canary_basic' }),
    );
    assertInvalidRequest(clash, 'lookup_key', /lookup key/);
    const still = await stripe.prices.list({ lookup_keys: ['canary_basic'] });
    assert.deepEqual(
      still.data.map((p) => p.id),
      [first.id],
      'the refused price was not created',
    );

    const moved = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1100,
      recurring: { interval: 'month' },
      lookup_key: 'canary_basic',
      transfer_lookup_key: true,
    });
    assertShape(moved, 'price');
    assert.equal(moved.lookup_key, 'canary_basic');
    const old = await stripe.prices.retrieve(first.id);
    assertShape(old, 'price');
    assert.equal(old.lookup_key, null);
    const now = await stripe.prices.list({ lookup_keys: ['canary_basic'] });
    assert.deepEqual(
      now.data.map((p) => p.id),
      [moved.id],
    );
  });
});

describe('checkout sessions', () => {
  it('creates a subscription-mode session for a customer', async () => {
    const price = await recurringPrice(4900);
    const customer = await stripe.customers.create({ email: 'checkout@example.com' });
    assertShape(customer, 'customer');
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 2 }],
      success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://shop.example/cancel',
      client_reference_id: 'user_42',
      metadata: { order: 'A-1' },
      subscription_data: { metadata: { plan: 'pro' } },
    });
    assertShape(session, 'checkout.session');
    assert.match(session.id, /^cs_test_/);
    assert.equal(session.object, 'checkout.session');
    assert.equal(session.mode, 'subscription');
    assert.equal(session.status, 'open');
    assert.equal(session.payment_status, 'unpaid');
    assert.equal(session.customer, customer.id);
    assert.equal(session.customer_email, null);
    assert.equal(session.client_reference_id, 'user_42');
    assert.deepEqual(session.metadata, { order: 'A-1' });
    assert.equal(session.success_url, `https://shop.example/success?session_id=${session.id}`);
    assert.equal(session.cancel_url, 'https://shop.example/cancel');
    assert.ok(session.url?.startsWith(`${t.emulator.url}/c/pay/${session.id}`), `url: ${session.url}`);
    assert.equal(session.expires_at, session.created + 24 * 3600);
    assert.equal(session.amount_subtotal, 9800);
    assert.equal(session.amount_total, 9800);
    assert.equal(session.currency, 'usd');
    assert.equal(session.subscription, null);
    assert.equal(session.payment_intent, null);

    const retrieved = await stripe.checkout.sessions.retrieve(session.id);
    assertShape(retrieved, 'checkout.session');
    const { lastResponse: _a, ...a } = session;
    const { lastResponse: _b, ...b } = retrieved;
    assert.deepEqual(b, a);
  });

  it('creates a payment-mode session with customer_email, lists its line items in order and totals them', async () => {
    const shirt = await oneTimePrice(2000);
    const mug = await oneTimePrice(750);
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer_email: 'buyer@example.com',
      line_items: [
        { price: shirt.id, quantity: 1 },
        { price: mug.id, quantity: 3 },
      ],
      success_url: 'https://shop.example/thanks',
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    });
    assertShape(session, 'checkout.session');
    assert.equal(session.mode, 'payment');
    assert.equal(session.customer, null);
    assert.equal(session.customer_email, 'buyer@example.com');
    assert.equal(session.amount_total, 2000 + 3 * 750);
    assert.equal(session.cancel_url, null);
    assert.ok(Math.abs(session.expires_at - (session.created + 3600)) <= 5);

    const items = await stripe.checkout.sessions.listLineItems(session.id);
    assert.equal(items.object, 'list');
    assert.equal(items.url, `/v1/checkout/sessions/${session.id}/line_items`);
    assert.deepEqual(
      items.data.map((li) => [li.price?.id, li.quantity, li.amount_total]),
      [
        [shirt.id, 1, 2000],
        [mug.id, 3, 2250],
      ],
    );
    assert.equal(items.data[0]!.description, 'Thing 2000');
    for (const li of items.data) {
      assertShape(li, 'item');
      assert.match(li.id, /^li_/);
    }
    const page = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1 });
    assert.equal(page.data.length, 1);
    assert.equal(page.has_more, true);
    const ids = items.data.map((li) => li.id);
    const next = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1, starting_after: ids[0] });
    assert.deepEqual(
      next.data.map((li) => li.id),
      [ids[1]],
    );
    assert.equal(next.has_more, false);
    const previous = await stripe.checkout.sessions.listLineItems(session.id, { ending_before: ids[1] });
    assert.deepEqual(
      previous.data.map((li) => li.id),
      [ids[0]],
    );
    assert.equal(previous.has_more, false);
    const all = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1 }).autoPagingToArray({ limit: 100 });
    assert.deepEqual(
      all.map((li) => li.id),
      ids,
    );
    const backwards = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1, ending_before: ids[1] }).autoPagingToArray({ limit: 100 });
    assert.deepEqual(
      backwards.map((li) => li.id),
      [ids[0]],
    );
    const unknown = await failure(stripe.checkout.sessions.listLineItems(session.id, { starting_after: 'li_unknown' }));
    assertInvalidRequest(unknown, 'starting_after', /li_unknown/, 'resource_missing');
  });

  it('lists sessions with filters and expires an open session once', async () => {
    const price = await oneTimePrice(500);
    const customer = await stripe.customers.create({ email: 'sessions@example.com' });
    assertShape(customer, 'customer');
    const make = async () => {
      const s = await stripe.checkout.sessions.create({
        mode: 'payment',
        customer: customer.id,
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: 'https://shop.example/ok',
      });
      assertShape(s, 'checkout.session');
      return s;
    };
    const first = await make();
    const second = await make();

    const mine = await stripe.checkout.sessions.list({ customer: customer.id });
    assert.deepEqual(
      mine.data.map((s) => s.id),
      [second.id, first.id],
    );
    for (const s of mine.data) assertShape(s, 'checkout.session');

    const expired = await stripe.checkout.sessions.expire(first.id);
    assertShape(expired, 'checkout.session');
    assert.equal(expired.status, 'expired');
    assert.equal(expired.url, null);

    const open = await stripe.checkout.sessions.list({ customer: customer.id, status: 'open' });
    assert.deepEqual(
      open.data.map((s) => s.id),
      [second.id],
    );
    const gone = await stripe.checkout.sessions.list({ customer: customer.id, status: 'expired' });
    assert.deepEqual(
      gone.data.map((s) => s.id),
      [first.id],
    );
    assertShape(gone.data[0], 'checkout.session');

    const twice = await failure(stripe.checkout.sessions.expire(first.id));
    assertInvalidRequest(twice, undefined, 'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of `expired`.');
    assert.equal(twice.statusCode, 400);

    const events = await stripe.events.list({ type: 'checkout.session.expired' });
    const event = events.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === first.id);
    assert.ok(event, 'checkout.session.expired was recorded');
    assertShape(event, 'event');
    assert.equal(events.data.filter((e) => (e.data.object as Stripe.Checkout.Session).id === first.id).length, 1);
  });

  it('expiring a complete session is refused with Stripe’s error and changes nothing', async () => {
    const price = await recurringPrice(4900);
    const customer = await stripe.customers.create({ email: 'complete@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://shop.example/ok',
    });
    // Paid on the hosted page, as a browser submits it.
    const paid = await fetch(`${t.emulator.url}/c/pay/${session.id}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'complete@example.com',
        cardNumber: '4242424242424242',
        cardExpiry: '12 / 34',
        cardCvc: '123',
        billingName: 'A B',
        billingPostalCode: '94107',
      }),
    });
    assert.equal(paid.status, 200, await paid.clone().text());
    assert.equal(((await paid.json()) as { status: string }).status, 'complete');

    const refused = await failure(stripe.checkout.sessions.expire(session.id));
    assertInvalidRequest(
      refused,
      undefined,
      'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of `complete`.',
    );
    const after = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(after.status, 'complete');
    assert.equal(after.payment_status, 'paid');
    const expiredEvents = await stripe.events.list({ type: 'checkout.session.expired', limit: 100 });
    assert.ok(!expiredEvents.data.some((e) => (e.data.object as Stripe.Checkout.Session).id === session.id), 'no checkout.session.expired');
  });

  it('refuses invalid sessions with Stripe’s errors and creates nothing', async () => {
    const recurring = await recurringPrice(1200);
    const once = await oneTimePrice(1200);
    const base = { success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/no' };
    const before = (await stripe.checkout.sessions.list({ limit: 100 })).data.length;

    assertInvalidRequest(await failure(stripe.checkout.sessions.create({ ...base, mode: 'payment' })), 'line_items', /line_items/);
    assertInvalidRequest(
      await failure(stripe.checkout.sessions.create({ ...base, mode: 'payment', line_items: [{ price: recurring.id, quantity: 1 }] })),
      'line_items',
      /recurring price/,
    );
    assertInvalidRequest(
      await failure(stripe.checkout.sessions.create({ ...base, mode: 'subscription', line_items: [{ price: once.id, quantity: 1 }] })),
      'line_items',
      /recurring price/,
    );
    const customer = await stripe.customers.create({ email: 'both@example.com' });
    assertShape(customer, 'customer');
    const both = await failure(
      stripe.checkout.sessions.create({
        ...base,
        mode: 'payment',
        customer: customer.id,
        customer_email: 'both@example.com',
        line_items: [{ price: once.id, quantity: 1 }],
      }),
    );
    assert.equal(both.statusCode, 400);
    assert.match(both.message, /customer, customer_email/);

    const unknown = await failure(
      stripe.checkout.sessions.create({ ...base, mode: 'payment', customer: 'cus_doesnotexist', line_items: [{ price: once.id, quantity: 1 }] }),
    );
    assertInvalidRequest(unknown, 'customer', "No such customer: 'cus_doesnotexist'", 'resource_missing');

    const now = Math.floor(Date.now() / 1000);
    for (const expires_at of [now + 60, now + 25 * 3600]) {
      const err = await failure(stripe.checkout.sessions.create({ ...base, mode: 'payment', expires_at, line_items: [{ price: once.id, quantity: 1 }] }));
      assertInvalidRequest(err, 'expires_at', /expires_at/);
    }
    const subData = await failure(
      stripe.checkout.sessions.create({ ...base, mode: 'payment', subscription_data: { metadata: { a: 'b' } }, line_items: [{ price: once.id, quantity: 1 }] }),
    );
    assertInvalidRequest(subData, 'subscription_data', /subscription_data/);
    const noQuantity = await failure(stripe.checkout.sessions.create({ ...base, mode: 'payment', line_items: [{ price: once.id }] }));
    assertInvalidRequest(noQuantity, 'line_items[0][quantity]', /[Qq]uantity/, 'parameter_missing');
    const unknownPrice = await failure(stripe.checkout.sessions.create({ ...base, mode: 'payment', line_items: [{ price: 'price_nope', quantity: 1 }] }));
    assertInvalidRequest(unknownPrice, 'line_items[0][price]', "No such price: 'price_nope'", 'resource_missing');

    const after = (await stripe.checkout.sessions.list({ limit: 100 })).data.length;
    assert.equal(after, before, 'no refused session was stored');
  });
});

describe('payment methods, subscriptions, invoices, payment intents and charges', () => {
  it('attaches pm_card_visa, sets it as default and lists it by customer', async () => {
    const { customer, pm } = await payingCustomer('pm_card_visa', 'visa@example.com');
    assert.match(pm.id, /^pm_/);
    assert.notEqual(pm.id, 'pm_card_visa', 'a test token makes a new payment method');
    assert.equal(pm.customer, customer.id);
    assert.equal(pm.type, 'card');
    assert.equal(pm.card?.brand, 'visa');
    assert.equal(pm.card?.last4, '4242');
    assert.equal(customer.invoice_settings.default_payment_method, pm.id);

    const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    assert.deepEqual(
      listed.data.map((x) => x.id),
      [pm.id],
    );
    assertShape(listed.data[0], 'payment_method');
    const viaCustomer = await stripe.customers.listPaymentMethods(customer.id);
    assert.deepEqual(
      viaCustomer.data.map((x) => x.id),
      [pm.id],
    );
    const retrieved = await stripe.paymentMethods.retrieve(pm.id);
    assertShape(retrieved, 'payment_method');
    assert.equal(retrieved.customer, customer.id);
  });

  it('creates an active subscription with a paid invoice, a succeeded payment intent and charge', async () => {
    const price = await recurringPrice(1500);
    const { customer, pm } = await payingCustomer('pm_card_visa', 'subscriber@example.com');
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 3 }],
      metadata: { plan: 'pro' },
      expand: ['latest_invoice.payments'],
    });
    assertShape(sub, 'subscription');
    assert.match(sub.id, /^sub_/);
    assert.equal(sub.status, 'active');
    assert.equal(sub.customer, customer.id);
    assert.deepEqual(sub.metadata, { plan: 'pro' });
    assert.equal(sub.items.data.length, 1);
    const item = sub.items.data[0]!;
    assert.equal(item.price.id, price.id);
    assert.equal(item.quantity, 3);
    assert.equal(item.subscription, sub.id);
    assert.ok(item.current_period_end > item.current_period_start);

    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(typeof invoice, 'object');
    assert.match(invoice.id!, /^in_/);
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.customer, customer.id);
    assert.equal(invoice.billing_reason, 'subscription_create');
    assert.equal(invoice.amount_due, 4500);
    assert.equal(invoice.amount_paid, 4500);
    assert.equal(invoice.amount_remaining, 0);
    assert.equal(invoice.total, 4500);
    assert.equal(invoice.currency, 'usd');
    assert.equal(invoice.parent?.subscription_details?.subscription, sub.id);
    assert.equal(invoice.lines.data.length, 1);
    assert.equal(invoice.lines.data[0]!.amount, 4500);
    assert.equal(invoice.lines.data[0]!.quantity, 3);
    assert.ok(!('payment_intent' in invoice), 'invoices have no payment_intent under this API version');

    const payments = invoice.payments!;
    assert.equal(payments.object, 'list');
    assert.equal(payments.data.length, 1);
    const payment = payments.data[0]!;
    assertShape(payment, 'invoice_payment');
    assert.equal(payment.status, 'paid');
    assert.equal(payment.amount_paid, 4500);
    assert.equal(payment.invoice, invoice.id);
    assert.equal(payment.payment.type, 'payment_intent');
    const piId = payment.payment.payment_intent as string;
    assert.match(piId, /^pi_/);

    const pi = await stripe.paymentIntents.retrieve(piId);
    assertShape(pi, 'payment_intent');
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.amount, 4500);
    assert.equal(pi.amount_received, 4500);
    assert.equal(pi.currency, 'usd');
    assert.equal(pi.customer, customer.id);
    assert.equal(pi.payment_method, pm.id);
    assert.equal(pi.last_payment_error, null);
    assert.match(pi.latest_charge as string, /^ch_/);

    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    assertShape(charge, 'charge');
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.paid, true);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount, 4500);
    assert.equal(charge.payment_intent, pi.id);
    assert.equal(charge.payment_method, pm.id);
    assert.equal(charge.customer, customer.id);
    assert.equal(charge.payment_method_details?.card?.last4, '4242');

    // The same objects through retrieve and list.
    const invoiceAgain = await stripe.invoices.retrieve(invoice.id!);
    assertShape(invoiceAgain, 'invoice');
    assert.equal(invoiceAgain.status, 'paid');
    assert.ok(!('payments' in invoiceAgain), 'payments is only there when expanded');
    const byCustomer = await stripe.invoices.list({ customer: customer.id });
    assert.deepEqual(
      byCustomer.data.map((i) => i.id),
      [invoice.id],
    );
    for (const i of byCustomer.data) assertShape(i, 'invoice');
    const bySub = await stripe.invoices.list({ subscription: sub.id, status: 'paid' });
    assert.deepEqual(
      bySub.data.map((i) => i.id),
      [invoice.id],
    );
    const lines = await stripe.invoices.listLineItems(invoice.id!);
    assert.equal(lines.data.length, 1);
    assert.equal(lines.url, `/v1/invoices/${invoice.id}/lines`);
    assertShape(lines.data[0], 'line_item');
    assert.equal(lines.data[0]!.amount, 4500);
    const noLines = await stripe.invoices.listLineItems(invoice.id!, { starting_after: lines.data[0]!.id });
    assert.deepEqual(noLines.data, []);
    assert.equal(noLines.has_more, false);
    const unknownLine = await failure(stripe.invoices.listLineItems(invoice.id!, { starting_after: 'il_unknown' }));
    assertInvalidRequest(unknownLine, 'starting_after', /il_unknown/, 'resource_missing');
    const pis = await stripe.paymentIntents.list({ customer: customer.id });
    assert.deepEqual(
      pis.data.map((x) => x.id),
      [pi.id],
    );
    for (const x of pis.data) assertShape(x, 'payment_intent');
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    assert.deepEqual(
      charges.data.map((x) => x.id),
      [charge.id],
    );
    assertShape(charges.data[0], 'charge');
  });

  it('leaves the subscription incomplete when the card attaches but fails when charged', async () => {
    const price = await recurringPrice(2200);
    const { customer, pm } = await payingCustomer('pm_card_chargeCustomerFail', 'fails@example.com');
    assert.equal(pm.customer, customer.id, 'pm_card_chargeCustomerFail attaches');
    assert.equal(pm.card?.last4, '0341');

    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice.payments'] });
    assertShape(sub, 'subscription');
    assert.equal(sub.status, 'incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.amount_due, 2200);
    assert.equal(invoice.amount_paid, 0);
    assert.equal(invoice.amount_remaining, 2200);
    assert.equal(invoice.attempted, true);
    const payment = invoice.payments!.data[0]!;
    assertShape(payment, 'invoice_payment');
    assert.equal(payment.status, 'open');

    const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
    assertShape(pi, 'payment_intent');
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.last_payment_error?.type, 'card_error');
    assert.equal(pi.last_payment_error?.code, 'card_declined');
    assert.equal(pi.last_payment_error?.decline_code, 'generic_decline');
    assert.equal(pi.last_payment_error?.payment_method?.id, pm.id);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    assertShape(charge, 'charge');
    assert.equal(charge.status, 'failed');
    assert.equal(charge.paid, false);
    assert.equal(charge.failure_code, 'card_declined');
    assert.equal(pi.last_payment_error?.charge, charge.id);

    const incomplete = await stripe.subscriptions.list({ customer: customer.id, status: 'incomplete' });
    assert.deepEqual(
      incomplete.data.map((s) => s.id),
      [sub.id],
    );
    const open = await stripe.invoices.list({ customer: customer.id, status: 'open' });
    assert.deepEqual(
      open.data.map((i) => i.id),
      [invoice.id],
    );
  });

  it('refuses with a 402 card error and creates nothing when payment_behavior is error_if_incomplete', async () => {
    const price = await recurringPrice(3300);
    const { customer } = await payingCustomer('pm_card_chargeCustomerFail', 'strict@example.com');
    const err = await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' }));
    assert.equal(err.type, 'StripeCardError');
    assert.equal(err.statusCode, 402);
    assert.equal(err.rawType, 'card_error');
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    assert.match(err.message, /declined/);
    assert.match(err.requestId ?? '', /^req_/);
    const subs = await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    assert.deepEqual(subs.data, []);
    const invoices = await stripe.invoices.list({ customer: customer.id });
    assert.deepEqual(invoices.data, []);
  });

  it('refuses to attach a card that always declines, with a 402 card error', async () => {
    const customer = await stripe.customers.create({ email: 'declined@example.com' });
    assertShape(customer, 'customer');
    const err = await failure(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }));
    assert.equal(err.type, 'StripeCardError');
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    const pms = await stripe.paymentMethods.list({ customer: customer.id });
    assert.deepEqual(pms.data, []);
  });

  it('lists subscriptions by customer, status and price, updates metadata and cancels', async () => {
    const basic = await recurringPrice(1000);
    const pro = await recurringPrice(3000);
    const { customer } = await payingCustomer('pm_card_visa', 'many@example.com');
    const a = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const b = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: pro.id }], metadata: { keep: 'yes', drop: 'me' } });
    assertShape(a, 'subscription');
    assertShape(b, 'subscription');

    const all = await stripe.subscriptions.list({ customer: customer.id });
    assert.deepEqual(
      all.data.map((s) => s.id),
      [b.id, a.id],
    );
    for (const s of all.data) assertShape(s, 'subscription');
    const byPrice = await stripe.subscriptions.list({ customer: customer.id, price: pro.id });
    assert.deepEqual(
      byPrice.data.map((s) => s.id),
      [b.id],
    );
    const active = await stripe.subscriptions.list({ customer: customer.id, status: 'active' });
    assert.equal(active.data.length, 2);

    const updated = await stripe.subscriptions.update(b.id, { metadata: { drop: '', added: '1' } });
    assertShape(updated, 'subscription');
    assert.deepEqual(updated.metadata, { keep: 'yes', added: '1' });

    const canceled = await stripe.subscriptions.cancel(a.id);
    assertShape(canceled, 'subscription');
    assert.equal(canceled.status, 'canceled');
    assert.equal(typeof canceled.canceled_at, 'number');
    assert.equal(typeof canceled.ended_at, 'number');
    assert.equal(canceled.cancellation_details?.reason, 'cancellation_requested');

    const retrieved = await stripe.subscriptions.retrieve(a.id);
    assertShape(retrieved, 'subscription');
    assert.equal(retrieved.status, 'canceled');
    const defaultList = await stripe.subscriptions.list({ customer: customer.id });
    assert.deepEqual(
      defaultList.data.map((s) => s.id),
      [b.id],
      'canceled subscriptions are left out by default',
    );
    const canceledList = await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' });
    assert.deepEqual(
      canceledList.data.map((s) => s.id),
      [a.id],
    );
    const everything = await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    assert.deepEqual(
      everything.data.map((s) => s.id),
      [b.id, a.id],
    );

    const deletedEvents = await stripe.events.list({ type: 'customer.subscription.deleted' });
    const event = deletedEvents.data.find((e) => (e.data.object as Stripe.Subscription).id === a.id);
    assert.ok(event, 'customer.subscription.deleted was recorded');
    assertShape(event, 'event');
    assert.equal((event.data.object as Stripe.Subscription).status, 'canceled');

    // Stripe answers as if a canceled subscription were gone.
    const again = await failure(stripe.subscriptions.cancel(a.id));
    assert.equal(again.type, 'StripeInvalidRequestError');
    assert.equal(again.statusCode, 404);
    assert.equal(again.code, 'resource_missing');
    assert.equal(again.param, 'id');
    assert.equal(again.message, `No such subscription: '${a.id}'`);
  });

  it('deleting a customer cancels its active subscriptions, with customer.subscription.deleted events', async () => {
    const price = await recurringPrice(800);
    const { customer } = await payingCustomer('pm_card_visa', 'leaving@example.com');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assertShape(sub, 'subscription');
    assert.equal(sub.status, 'active');

    const deleted = await stripe.customers.del(customer.id);
    assertShape(deleted, 'deleted_customer');
    assert.equal(deleted.deleted, true);

    // At once, not at the period's end.
    const after = await stripe.subscriptions.retrieve(sub.id);
    assertShape(after, 'subscription');
    assert.equal(after.status, 'canceled');
    assert.equal(after.cancel_at_period_end, false);
    assert.ok(after.canceled_at !== null && after.ended_at !== null && after.ended_at < after.items.data[0]!.current_period_end);
    const stub = await stripe.customers.retrieve(customer.id);
    assertShape(stub, 'deleted_customer');
    assert.equal(stub.deleted, true);

    const subEvents = await stripe.events.list({ type: 'customer.subscription.deleted' });
    const subEvent = subEvents.data.find((e) => (e.data.object as Stripe.Subscription).id === sub.id);
    assert.ok(subEvent, 'customer.subscription.deleted for the customer’s subscription');
    assertShape(subEvent, 'event');
    assert.equal((subEvent.data.object as Stripe.Subscription).status, 'canceled');
    const customerEvents = await stripe.events.list({ type: 'customer.deleted' });
    const customerEvent = customerEvents.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id);
    assert.ok(customerEvent, 'customer.deleted was recorded');
    assertShape(customerEvent, 'event');
    assert.ok(subEvent.created <= customerEvent.created);
    const order = (await stripe.events.list({ limit: 100 })).data.map((e) => e.id);
    assert.ok(order.indexOf(subEvent.id) > order.indexOf(customerEvent.id), 'the subscription is canceled before the customer is deleted');
  });
});

describe('more subscription and payment method cases', () => {
  it('detaching the default payment method unsets it on the customer', async () => {
    const { customer, pm } = await payingCustomer('pm_card_mastercard', 'detach@example.com');
    assert.equal(pm.card?.brand, 'mastercard');
    const detached = await stripe.paymentMethods.detach(pm.id);
    assertShape(detached, 'payment_method');
    assert.equal(detached.customer, null);
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assertShape(after, 'customer');
    assert.equal(after.invoice_settings.default_payment_method, null);
    const listed = await stripe.paymentMethods.list({ customer: customer.id });
    assert.deepEqual(listed.data, []);
    const events = await stripe.events.list({ types: ['payment_method.detached', 'customer.updated'], limit: 100 });
    for (const e of events.data) assertShape(e, 'event');
    assert.ok(events.data.some((e) => e.type === 'payment_method.detached' && (e.data.object as Stripe.PaymentMethod).id === pm.id));
    const unset = events.data.find(
      (e) => e.type === 'customer.updated' && (e.data.object as Stripe.Customer).id === customer.id && e.request?.id === detached.lastResponse.requestId,
    );
    assert.ok(unset, 'customer.updated for the unset default');
    assert.deepEqual(unset.data.previous_attributes, { invoice_settings: { default_payment_method: pm.id } });

    const again = await failure(stripe.paymentMethods.detach(pm.id));
    assert.equal(again.statusCode, 400);
    const price = await recurringPrice(600);
    const noPm = await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }));
    assert.equal(noPm.statusCode, 400);
    assert.match(noPm.message, /no attached payment source or default payment method/);
  });

  it('payment_behavior default_incomplete leaves the first invoice unpaid without charging', async () => {
    const price = await recurringPrice(1800);
    const customer = await stripe.customers.create({ email: 'incomplete@example.com' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
      expand: ['latest_invoice.payments'],
    });
    assertShape(sub, 'subscription');
    assert.equal(sub.status, 'incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.attempted, false);
    const payment = invoice.payments!.data[0]!;
    assertShape(payment, 'invoice_payment');
    const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
    assertShape(pi, 'payment_intent');
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.amount, 1800);
    assert.equal(pi.latest_charge, null);
    assert.match(pi.client_secret ?? '', new RegExp(`^${pi.id}_secret_`));
    const charges = await stripe.charges.list({ customer: customer.id });
    assert.deepEqual(charges.data, []);
  });

  it('a subscription can be set to cancel at period end and back', async () => {
    const price = await recurringPrice(1400);
    const { customer } = await payingCustomer('pm_card_visa', 'period-end@example.com');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const ending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    assertShape(ending, 'subscription');
    assert.equal(ending.cancel_at_period_end, true);
    assert.equal(ending.cancel_at, ending.items.data[0]!.current_period_end);
    assert.equal(ending.status, 'active');
    const resumed = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    assert.equal(resumed.cancel_at_period_end, false);
    assert.equal(resumed.cancel_at, null);
    const events = await stripe.events.list({ type: 'customer.subscription.updated', limit: 100 });
    const first = events.data.find((e) => e.request?.id === ending.lastResponse.requestId);
    assert.ok(first);
    assertShape(first, 'event');
    assert.deepEqual(first.data.previous_attributes, { cancel_at: null, cancel_at_period_end: false });
  });

  it('cancels with cancellation_details and changes the default payment method of a subscription', async () => {
    const price = await recurringPrice(1700);
    const { customer, pm } = await payingCustomer('pm_card_visa', 'switcher@example.com');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(sub.default_payment_method, null);
    const second = await stripe.paymentMethods.attach('pm_card_amex', { customer: customer.id });
    assertShape(second, 'payment_method');
    assert.equal(second.card?.brand, 'amex');
    const switched = await stripe.subscriptions.update(sub.id, { default_payment_method: second.id });
    assertShape(switched, 'subscription');
    assert.equal(switched.default_payment_method, second.id);
    const stranger = await stripe.customers.create({ email: 'stranger@example.com', payment_method: 'pm_card_visa' });
    const theirs = await stripe.paymentMethods.list({ customer: stranger.id });
    const refused = await failure(stripe.subscriptions.update(sub.id, { default_payment_method: theirs.data[0]!.id }));
    assertInvalidRequest(refused, 'default_payment_method', /must be attached to the customer/);
    const unset = await stripe.subscriptions.update(sub.id, { default_payment_method: '' });
    assert.equal(unset.default_payment_method, null);
    assert.notEqual(pm.id, second.id);

    const canceled = await stripe.subscriptions.cancel(sub.id, {
      cancellation_details: { comment: 'Moving to another tool', feedback: 'switched_service' },
      invoice_now: false,
      prorate: false,
    });
    assertShape(canceled, 'subscription');
    assert.equal(canceled.status, 'canceled');
    assert.deepEqual(canceled.cancellation_details, { comment: 'Moving to another tool', feedback: 'switched_service', reason: 'cancellation_requested' });
    const badFeedback = await failure(
      stripe.subscriptions.cancel(sub.id, { cancellation_details: { feedback: 'bored' as Stripe.SubscriptionCancelParams.CancellationDetails.Feedback } }),
    );
    assert.equal(badFeedback.statusCode, 400);
    assert.equal(badFeedback.param, 'cancellation_details[feedback]');
  });

  it('lists sessions by customer_details[email]', async () => {
    const price = await oneTimePrice(300);
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer_email: 'details@example.com',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://shop.example/ok',
    });
    assertShape(session, 'checkout.session');
    assert.equal(session.customer_details, null, 'filled in only when the customer completes the page');
    const none = await stripe.checkout.sessions.list({ customer_details: { email: 'details@example.com' } });
    assert.deepEqual(none.data, []);
  });

  it('updates a price and moves a lookup key with transfer_lookup_key', async () => {
    const a = await recurringPrice(100, 'moving_key');
    const b = await recurringPrice(200);
    const refused = await failure(stripe.prices.update(b.id, { lookup_key: 'moving_key' }));
    assertInvalidRequest(refused, 'lookup_key', /lookup key/);
    const moved = await stripe.prices.update(b.id, { lookup_key: 'moving_key', transfer_lookup_key: true, nickname: 'B', metadata: { x: '1' } });
    assertShape(moved, 'price');
    assert.equal(moved.lookup_key, 'moving_key');
    assert.equal(moved.nickname, 'B');
    const old = await stripe.prices.retrieve(a.id);
    assert.equal(old.lookup_key, null);
    const events = await stripe.events.list({ type: 'price.updated', limit: 100 });
    const oldEvent = events.data.find((e) => (e.data.object as Stripe.Price).id === a.id && e.request?.id === moved.lastResponse.requestId);
    assert.ok(oldEvent, 'the price that lost its lookup key records price.updated');
    assert.deepEqual(oldEvent.data.previous_attributes, { lookup_key: 'moving_key' });
    const unset = await stripe.prices.update(b.id, { lookup_key: '' });
    assert.equal(unset.lookup_key, null);
    const archived = await stripe.prices.update(b.id, { active: false });
    assert.equal(archived.active, false);
    const active = await stripe.prices.list({ active: true, limit: 100 });
    assert.ok(!active.data.some((p) => p.id === b.id));
  });
});

describe('webhook endpoints', () => {
  it('creates (showing the secret once), retrieves, lists, updates and deletes an endpoint', async () => {
    const created = await stripe.webhookEndpoints.create({ url: 'https://hooks.example/stripe', enabled_events: ['charge.refunded'], description: 'canary' });
    assertShape(created, 'webhook_endpoint');
    assert.match(created.id, /^we_/);
    assert.match(created.secret ?? '', /^whsec_/);
    assert.equal(created.status, 'enabled');
    assert.deepEqual(created.enabled_events, ['charge.refunded']);
    const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
    assertShape(retrieved, 'webhook_endpoint');
    assert.ok(!('secret' in retrieved), 'the secret is shown on create only');
    const listed = await stripe.webhookEndpoints.list();
    assert.ok(listed.data.some((w) => w.id === created.id));
    for (const w of listed.data) assertShape(w, 'webhook_endpoint');
    const updated = await stripe.webhookEndpoints.update(created.id, { disabled: true, enabled_events: ['charge.refunded', 'charge.captured'] });
    assertShape(updated, 'webhook_endpoint');
    assert.equal(updated.status, 'disabled');
    assert.deepEqual(updated.enabled_events, ['charge.refunded', 'charge.captured']);
    const bad = await failure(stripe.webhookEndpoints.create({ url: 'ftp://hooks.example', enabled_events: ['*'] }));
    assertInvalidRequest(bad, 'url', /Invalid URL/, 'url_invalid');
    const deleted = await stripe.webhookEndpoints.del(created.id);
    assertShape(deleted, 'deleted_webhook_endpoint');
    assert.deepEqual({ id: deleted.id, object: deleted.object, deleted: deleted.deleted }, { id: created.id, object: 'webhook_endpoint', deleted: true });
    const gone = await failure(stripe.webhookEndpoints.retrieve(created.id));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'resource_missing');
  });

  it('connect: false is an endpoint for the account’s own events; a connect: true endpoint is sent none of them (no connected account sends any)', async () => {
    const own = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/own', enabled_events: ['customer.created'], connect: false });
    assertShape(own, 'webhook_endpoint');
    const connect = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/connect', enabled_events: ['*'], connect: true });
    assertShape(connect, 'webhook_endpoint');
    assert.ok(!('connect' in connect), 'Stripe returns no connect field on the endpoint');
    await stripe.customers.create({ email: 'connect-endpoint@example.com' });
    const event = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data[0]!;
    const deliveries = (await (await fetch(`${api.t.emulator.url}/_emulator/webhook-deliveries?event=${event.id}`)).json()).data as { endpoint_id: string }[];
    assert.ok(
      deliveries.some((d) => d.endpoint_id === own.id),
      'the own endpoint is sent the event',
    );
    assert.ok(!deliveries.some((d) => d.endpoint_id === connect.id), 'the Connect endpoint is not');
    await stripe.webhookEndpoints.del(own.id);
    await stripe.webhookEndpoints.del(connect.id);
  });

  it('lists every endpoint with its metadata and created, newest first', async () => {
    const now = await api.advanceClock(0);
    const first = await stripe.webhookEndpoints.create({
      url: 'https://hooks.example/first',
      enabled_events: ['checkout.session.completed'],
      metadata: { canary_run_id: 'canary_20260101T000000Z_aaaa' },
    });
    const second = await stripe.webhookEndpoints.create({ url: 'https://hooks.example/second', enabled_events: ['*'] });
    const updated = await stripe.webhookEndpoints.update(second.id, { metadata: { canary_run_id: 'canary_20260101T000000Z_bbbb', owner: 'qa' } });
    assert.deepEqual(updated.metadata, { canary_run_id: 'canary_20260101T000000Z_bbbb', owner: 'qa' });
    const listed = await stripe.webhookEndpoints.list({ limit: 100 });
    for (const w of listed.data) assertShape(w, 'webhook_endpoint');
    const mine = listed.data.filter((w) => w.id === first.id || w.id === second.id);
    assert.deepEqual(
      mine.map((w) => [w.id, w.metadata]),
      [
        [second.id, { canary_run_id: 'canary_20260101T000000Z_bbbb', owner: 'qa' }],
        [first.id, { canary_run_id: 'canary_20260101T000000Z_aaaa' }],
      ],
    );
    for (const w of mine) {
      assert.ok(Number.isInteger(w.created) && w.created >= now && w.created <= now + 60, `created ${w.created}`);
      assert.equal(w.created, w.id === first.id ? first.created : second.created);
    }
    await stripe.webhookEndpoints.del(first.id);
    await stripe.webhookEndpoints.del(second.id);
  });
});

describe('Accounts v2 customers', () => {
  it('a promotion code for a customer_account is refused with what to pass instead', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' });
    const err = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, customer_account: 'acct_1' }));
    assertInvalidRequest(err, 'customer_account', /pass customer/);
    assert.deepEqual((await stripe.promotionCodes.list({ coupon: coupon.id })).data, []);
  });
});
