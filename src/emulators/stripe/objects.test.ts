import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { blank, deletedStub, OBJECT_KINDS } from './objects.ts';
import type { ObjectKind, StripeObject } from './objects.ts';
import { assertShape, fixture, manifestPath } from './testing/shape.ts';

// Each kind's fixture resource has the same name as the kind.
function fixtureNameFor(kind: ObjectKind): string {
  return kind;
}

/** Runs fn, expecting assertShape to fail, and returns the failure message. */
function shapeFailure(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AssertionError, `expected an AssertionError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('assertShape accepted a wrongly shaped object');
}

describe('blank()', () => {
  for (const kind of OBJECT_KINDS) {
    it(`${kind} matches the shape of Stripe's example object`, () => {
      assertShape(blank(kind, { id: 'x_1', created: 1 }), fixtureNameFor(kind));
    });
  }

  it('sets id, object, livemode and metadata', () => {
    for (const kind of OBJECT_KINDS) {
      const obj = blank(kind, { id: 'x_1', created: 1 });
      assert.equal(obj.id, 'x_1');
      assert.equal(obj.object, kind);
      if ('livemode' in obj) assert.equal(obj.livemode, false, kind); // checkout line items have none
      if ('metadata' in obj) assert.deepEqual(obj.metadata, {}, kind);
    }
  });

  it('sets created only on kinds that have it', () => {
    for (const kind of OBJECT_KINDS) {
      const obj = blank(kind, { id: 'x_1', created: 42 });
      if (kind === 'item' || kind === 'line_item') assert.ok(!('created' in obj), kind);
      else assert.equal(obj.created, 42, kind);
    }
    const before = Math.floor(Date.now() / 1000);
    const now = blank('customer', { id: 'cus_1' }).created as number;
    assert.ok(now >= before && now <= before + 2);
  });

  it('never shares nested objects between calls', () => {
    for (const kind of OBJECT_KINDS) {
      const a = blank(kind, { id: 'x_1', created: 1 });
      const b = blank(kind, { id: 'x_1', created: 1 });
      assert.deepEqual(a, b, kind);
      const shared: string[] = [];
      const walk = (x: unknown, y: unknown, path: string) => {
        if (x === null || typeof x !== 'object') return;
        if (x === y) shared.push(path);
        for (const k of Object.keys(x)) walk((x as StripeObject)[k], (y as StripeObject)[k], `${path}.${k}`);
      };
      walk(a, b, kind);
      assert.deepEqual(shared, [], `shared between calls: ${shared.join(', ')}`);
    }
    const c1 = blank('customer', { id: 'cus_1' });
    c1.invoice_settings.footer = 'changed';
    c1.metadata.k = 'v';
    const c2 = blank('customer', { id: 'cus_1' });
    assert.equal(c2.invoice_settings.footer, null);
    assert.deepEqual(c2.metadata, {});
  });

  it('uses the defaults of a new test-mode object', () => {
    assert.equal(blank('customer', { id: 'cus_1' }).tax_exempt, 'none');
    const price = blank('price', { id: 'price_1' });
    assert.equal(price.billing_scheme, 'per_unit');
    assert.equal(price.tax_behavior, 'unspecified');
    assert.equal(price.recurring, null);
    assert.equal(blank('subscription', { id: 'sub_1' }).collection_method, 'charge_automatically');
    assert.equal(blank('invoice', { id: 'in_1' }).collection_method, 'charge_automatically');
    const pi = blank('payment_intent', { id: 'pi_1' });
    assert.equal(pi.capture_method, 'automatic');
    assert.deepEqual(pi.payment_method_types, ['card']);
    assert.match(pi.client_secret, /^pi_1_secret_\w+$/);
    const sub = blank('subscription', { id: 'sub_1' });
    assert.deepEqual(sub.items, { object: 'list', data: [], has_more: false, url: '/v1/subscription_items?subscription=sub_1' });
    const session = blank('checkout.session', { id: 'cs_test_1', created: 1000 });
    assert.equal(session.expires_at, 1000 + 86400);
    assert.equal(session.status, 'open');
    assert.equal(session.payment_status, 'unpaid');
  });

  it('deletedStub() matches the deleted fixtures', () => {
    assert.deepEqual(deletedStub('customer', 'cus_1'), { id: 'cus_1', object: 'customer', deleted: true });
    assertShape(deletedStub('customer', 'cus_1'), 'deleted_customer');
    assertShape(deletedStub('webhook_endpoint', 'we_1'), 'deleted_webhook_endpoint');
  });
});

describe('assertShape()', () => {
  it('reads the committed shapes manifest', () => {
    assert.match(manifestPath(), /stripe-shapes\.json$/);
    assert.equal(fixture('customer').object, 'customer');
    assert.throws(
      () => fixture('no_such_resource'),
      (err: Error) => err.message.includes('no_such_resource') && err.message.includes(manifestPath()),
    );
  });

  it('fails on a missing key', () => {
    const customer = blank('customer', { id: 'cus_1' });
    delete customer.email;
    delete customer.invoice_settings.footer;
    const msg = shapeFailure(() => assertShape(customer, 'customer'));
    assert.match(msg, /missing: email, invoice_settings\.footer/);
    assert.doesNotMatch(msg, /unexpected/);
  });

  it('fails on an extra key', () => {
    const customer = { ...blank('customer', { id: 'cus_1' }), foo: 1 };
    assert.match(
      shapeFailure(() => assertShape(customer, 'customer')),
      /unexpected: foo$/,
    );
  });

  it('fails on a misnamed nested key', () => {
    const sub = blank('subscription', { id: 'sub_1' });
    sub.invoice_settings.footr = sub.invoice_settings.footer;
    delete sub.invoice_settings.footer;
    const msg = shapeFailure(() => assertShape(sub, 'subscription'));
    assert.match(msg, /missing: invoice_settings\.footer; unexpected: invoice_settings\.footr/);
  });

  it('fails on a wrong key inside list data', () => {
    const sub = blank('subscription', { id: 'sub_1' });
    const item = blank('subscription_item', { id: 'si_1' });
    item.quantity_ = item.quantity;
    delete item.quantity;
    sub.items.data.push(item);
    const msg = shapeFailure(() => assertShape(sub, 'subscription'));
    assert.match(msg, /missing: items\.data\[0\]\.quantity; unexpected: items\.data\[0\]\.quantity_/);

    const invoice = blank('invoice', { id: 'in_1' });
    invoice.lines.data.push({ ...blank('line_item', { id: 'il_1' }), bogus: true });
    assert.match(
      shapeFailure(() => assertShape(invoice, 'invoice')),
      /unexpected: lines\.data\[0\]\.bogus/,
    );

    // A list's own keys are checked too.
    const charge = blank('charge', { id: 'ch_1' });
    charge.refunds.total_count = 0;
    assert.match(
      shapeFailure(() => assertShape(charge, 'charge')),
      /unexpected: refunds\.total_count/,
    );
  });

  it('accepts well-formed list data', () => {
    const sub = blank('subscription', { id: 'sub_1' });
    const item = blank('subscription_item', { id: 'si_1' });
    item.price = {
      ...blank('price', { id: 'price_1' }),
      recurring: { interval: 'month', interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    };
    item.plan = blank('plan', { id: 'price_1' });
    sub.items.data.push(item);
    assertShape(sub, 'subscription');
  });

  it('checks expanded objects against their own resource', () => {
    const sub = blank('subscription', { id: 'sub_1' });
    sub.customer = blank('customer', { id: 'cus_1' });
    sub.latest_invoice = blank('invoice', { id: 'in_1' });
    assertShape(sub, 'subscription');
    delete sub.customer.balance;
    sub.latest_invoice.lines.data.push({ ...blank('line_item', { id: 'il_1' }), oops: 1 });
    assert.match(
      shapeFailure(() => assertShape(sub, 'subscription')),
      /missing: customer\.balance; unexpected: latest_invoice\.lines\.data\[0\]\.oops/,
    );

    // A deleted customer expanded in place is checked against deleted_customer.
    sub.customer = deletedStub('customer', 'cus_1');
    sub.latest_invoice = 'in_1';
    assertShape(sub, 'subscription');
  });

  it('checks event.data.object against the resource it holds', () => {
    const event = blank('event', { id: 'evt_1' });
    event.type = 'checkout.session.completed';
    event.data.object = blank('checkout.session', { id: 'cs_test_1' });
    assertShape(event, 'event');
    event.data.object = blank('plan', { id: 'plan_1' });
    assertShape(event, 'event');
    delete event.data.object.usage_type;
    assert.match(
      shapeFailure(() => assertShape(event, 'event')),
      /missing: data\.object\.usage_type/,
    );
  });

  it('treats metadata and maps the fixture shows as {} as free-form', () => {
    const charge = blank('charge', { id: 'ch_1' });
    charge.metadata = { order: '42' };
    charge.fraud_details = { user_report: 'safe' };
    assertShape(charge, 'charge');
  });

  it('allows keys Stripe returns only in some cases', () => {
    assertShape({ ...blank('webhook_endpoint', { id: 'we_1' }), secret: 'whsec_x' }, 'webhook_endpoint');
    const event = blank('event', { id: 'evt_1' });
    event.data = { object: blank('customer', { id: 'cus_1' }), previous_attributes: { email: null } };
    assertShape(event, 'event');
    const session = blank('checkout.session', { id: 'cs_test_1' });
    session.line_items = { object: 'list', data: [blank('item', { id: 'li_1' })], has_more: false, url: '/v1/checkout/sessions/cs_test_1/line_items' };
    assertShape(session, 'checkout.session');
    session.line_items.data[0].extra = 1;
    assert.match(
      shapeFailure(() => assertShape(session, 'checkout.session')),
      /unexpected: line_items\.data\[0\]\.extra/,
    );
  });

  it('rejects non-objects', () => {
    assert.throws(() => assertShape(null, 'customer'), AssertionError);
    assert.throws(() => assertShape([], 'customer'), AssertionError);
  });
});
