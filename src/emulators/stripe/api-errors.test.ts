// Stripe's error answers and idempotency, as the official SDK surfaces them: the error class
// (`err.type`), status, code, param, message and request id; Idempotency-Key replay and refusal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { failure, useApiEmulator, type StripeError } from './testing/api-kit.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';

interface Expected {
  type: string;
  statusCode: number;
  code?: string;
  param?: string;
  message: string | RegExp;
}

function assertError(err: StripeError, expected: Expected): void {
  assert.equal(err.type, expected.type, err.message);
  assert.equal(err.statusCode, expected.statusCode, err.message);
  assert.equal(err.code, expected.code, `code of: ${err.message}`);
  assert.equal(err.param, expected.param, `param of: ${err.message}`);
  if (typeof expected.message === 'string') assert.equal(err.message, expected.message);
  else assert.match(err.message, expected.message);
  assert.match(err.requestId ?? '', /^req_[A-Za-z0-9]+$/);
  assert.equal(err.headers?.['request-id'], err.requestId);
  if (err.code) assert.equal(err.doc_url, `https://stripe.com/docs/error-codes/${err.code.replaceAll('_', '-')}`);
}

let t: TestEmulator;
let stripe: Stripe;
useApiEmulator((api) => {
  t = api.t;
  stripe = api.stripe;
});

async function product(): Promise<Stripe.Product> {
  const p = await stripe.products.create({ name: 'Errors' });
  assertShape(p, 'product');
  return p;
}

describe('errors', () => {
  it('a missing required parameter is a 400 naming it', async () => {
    const p = await product();
    const noCurrency = await failure(stripe.prices.create({ product: p.id, unit_amount: 100 } as unknown as Stripe.PriceCreateParams));
    assertError(noCurrency, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_missing',
      param: 'currency',
      message: 'Missing required param: currency.',
    });
    const noCustomer = await failure(stripe.subscriptions.create({ items: [{ price: 'price_x' }] } as unknown as Stripe.SubscriptionCreateParams));
    assertError(noCustomer, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_missing',
      param: 'customer',
      message: 'Missing required param: customer.',
    });
    const noUrl = await failure(stripe.webhookEndpoints.create({ enabled_events: ['*'] } as unknown as Stripe.WebhookEndpointCreateParams));
    assertError(noUrl, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_missing',
      param: 'url',
      message: 'Missing required param: url.',
    });
  });

  it('an unknown parameter is a 400 naming it, nested ones in bracket notation', async () => {
    const top = await failure(stripe.customers.create({ email: 'x@example.com', x: 'y' } as Stripe.CustomerCreateParams));
    assertError(top, { type: 'StripeInvalidRequestError', statusCode: 400, code: 'parameter_unknown', param: 'x', message: 'Received unknown parameter: x' });

    const p = await product();
    const price = await stripe.prices.create({ product: p.id, currency: 'usd', unit_amount: 100 });
    assertShape(price, 'price');
    const nested = await failure(
      stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'https://shop.example/ok',
        line_items: [{ price: price.id, quantity: 1, foo: 'bar' } as Stripe.Checkout.SessionCreateParams.LineItem],
      }),
    );
    assertError(nested, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'line_items[0][foo]',
      message: 'Received unknown parameter: line_items[0][foo]',
    });
    const list = await failure(stripe.customers.list({ colour: 'red' } as Stripe.CustomerListParams));
    assertError(list, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
  });

  it('a value of the wrong type or out of range is a 400', async () => {
    const notInt = await failure(stripe.customers.list({ limit: 'abc' as unknown as number }));
    assertError(notInt, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_invalid_integer',
      param: 'limit',
      message: 'Invalid integer: abc',
    });
    const tooMany = await failure(stripe.customers.list({ limit: 101 }));
    assertError(tooMany, { type: 'StripeInvalidRequestError', statusCode: 400, param: 'limit', message: 'This value must be less than or equal to 100.' });
    const tooFew = await failure(stripe.customers.list({ limit: 0 }));
    assertError(tooFew, { type: 'StripeInvalidRequestError', statusCode: 400, param: 'limit', message: 'This value must be greater than or equal to 1.' });
    const notBool = await failure(stripe.products.list({ active: 'maybe' as unknown as boolean }));
    assertError(notBool, { type: 'StripeInvalidRequestError', statusCode: 400, param: 'active', message: 'Invalid boolean: maybe' });
    const badEnum = await failure(stripe.subscriptions.list({ status: 'sleeping' as Stripe.SubscriptionListParams.Status }));
    assertError(badEnum, { type: 'StripeInvalidRequestError', statusCode: 400, param: 'status', message: /^Invalid status: must be one of/ });
    const badEmail = await failure(stripe.customers.create({ email: 'not-an-email' }));
    assertError(badEmail, {
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'email_invalid',
      param: 'email',
      message: 'Invalid email address: not-an-email',
    });
  });

  it('an unknown id is a 404 resource_missing with param id', async () => {
    const missing = await failure(stripe.customers.retrieve('cus_doesnotexist'));
    assertError(missing, {
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_doesnotexist'",
    });
    const p = await product();
    const otherType = await failure(stripe.customers.retrieve(p.id));
    assertError(otherType, {
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: `No such customer: '${p.id}'`,
    });
    for (const [request, what, id] of [
      [stripe.subscriptions.retrieve('sub_nope'), 'subscription', 'sub_nope'],
      [stripe.checkout.sessions.retrieve('cs_test_nope'), 'checkout.session', 'cs_test_nope'],
      [stripe.invoices.retrieve('in_nope'), 'invoice', 'in_nope'],
      [stripe.paymentIntents.retrieve('pi_nope'), 'payment_intent', 'pi_nope'],
      [stripe.charges.retrieve('ch_nope'), 'charge', 'ch_nope'],
      [stripe.prices.retrieve('price_nope'), 'price', 'price_nope'],
      [stripe.events.retrieve('evt_nope'), 'event', 'evt_nope'],
    ] as const) {
      const err = await failure(request);
      assertError(err, { type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id', message: `No such ${what}: '${id}'` });
    }
  });

  it('an unknown URL is a 404 naming the request', async () => {
    const err = await failure(stripe.rawRequest('GET', '/v1/nothing_here', {}));
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.statusCode, 404);
    assert.match(err.message, /^Unrecognized request URL \(GET: \/v1\/nothing_here\)/);
    assert.match(err.requestId ?? '', /^req_/);
  });

  it('a declined card is a 402 StripeCardError with code and decline_code', async () => {
    const customer = await stripe.customers.create({ email: 'cards@example.com' });
    assertShape(customer, 'customer');
    const funds = await failure(stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: customer.id }));
    assertError(funds, { type: 'StripeCardError', statusCode: 402, code: 'card_declined', message: 'Your card has insufficient funds.' });
    assert.equal(funds.rawType, 'card_error');
    assert.equal(funds.decline_code, 'insufficient_funds');
    const expired = await failure(stripe.paymentMethods.attach('pm_card_chargeDeclinedExpiredCard', { customer: customer.id }));
    assertError(expired, { type: 'StripeCardError', statusCode: 402, code: 'expired_card', message: 'Your card has expired.' });
    const onCreate = await failure(stripe.customers.create({ email: 'declined-on-create@example.com', payment_method: 'pm_card_chargeDeclinedStolenCard' }));
    assertError(onCreate, { type: 'StripeCardError', statusCode: 402, code: 'card_declined', message: 'Your card was declined.' });
    assert.equal(onCreate.decline_code, 'stolen_card');
    const customers = await stripe.customers.list({ email: 'declined-on-create@example.com' });
    assert.deepEqual(customers.data, [], 'a customer refused for its card is not created');
  });

  it('a live or malformed key is a 401 StripeAuthenticationError', async () => {
    const live = await failure(t.client({}, 'sk_live_1234567890abcdef').customers.list());
    assert.equal(live.type, 'StripeAuthenticationError');
    assert.equal(live.statusCode, 401);
    assert.equal(live.rawType, 'authentication_error');
    assert.ok(!live.message.includes('1234567890ab'), 'the key is redacted');
    const restricted = await t.client({}, 'rk_test_canary_restricted').customers.list({ limit: 1 });
    assert.equal(restricted.object, 'list', 'restricted test keys are test mode too');
    const bad = await failure(t.client({}, 'not_a_key').customers.list());
    assert.equal(bad.type, 'StripeAuthenticationError');
    assert.equal(bad.statusCode, 401);
  });
});

describe('idempotency', () => {
  it('the same key with the same parameters replays the first response and creates one object', async () => {
    const params = { email: 'idem@example.com', metadata: { a: '1', b: '2' } };
    const first = await stripe.customers.create(params, { idempotencyKey: 'idem-same' });
    assertShape(first, 'customer');
    const second = await stripe.customers.create({ metadata: { b: '2', a: '1' }, email: 'idem@example.com' }, { idempotencyKey: 'idem-same' });
    assertShape(second, 'customer');
    assert.equal(second.id, first.id);
    const { lastResponse: _a, ...a } = first;
    const { lastResponse: _b, ...b } = second;
    assert.deepEqual(b, a);
    assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
    assert.notEqual(second.lastResponse.requestId, first.lastResponse.requestId);

    const listed = await stripe.customers.list({ email: 'idem@example.com' });
    assert.deepEqual(
      listed.data.map((c) => c.id),
      [first.id],
    );
    const events = await stripe.events.list({ type: 'customer.created', limit: 100 });
    assert.equal(events.data.filter((e) => (e.data.object as Stripe.Customer).id === first.id).length, 1);
  });

  it('the same key with different parameters is a 400 StripeIdempotencyError', async () => {
    const first = await stripe.customers.create({ email: 'idem-diff@example.com' }, { idempotencyKey: 'idem-diff' });
    assertShape(first, 'customer');
    const err = await failure(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'idem-diff' }));
    assertError(err, {
      type: 'StripeIdempotencyError',
      statusCode: 400,
      message: /^Keys for idempotent requests can only be used with the same parameters they were first used with/,
    });
    assert.equal(err.rawType, 'idempotency_error');
    const elsewhere = await failure(stripe.products.create({ name: 'x' }, { idempotencyKey: 'idem-diff' }));
    assert.equal(elsewhere.type, 'StripeIdempotencyError', 'a key is bound to its endpoint too');
    const none = await stripe.customers.list({ email: 'other@example.com' });
    assert.deepEqual(none.data, []);
  });

  it('a request that fails validation keeps nothing: the key then works with valid parameters', async () => {
    const refused = await failure(
      stripe.customers.create({ email: 'idem-valid@example.com', bogus: '1' } as Stripe.CustomerCreateParams, { idempotencyKey: 'idem-validation' }),
    );
    assert.equal(refused.code, 'parameter_unknown');
    const missing = await failure(
      stripe.subscriptions.create({ customer: 'cus_nope', items: [{ price: 'price_nope' }] }, { idempotencyKey: 'idem-validation-2' }),
    );
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.code, 'resource_missing');

    const created = await stripe.customers.create({ email: 'idem-valid@example.com' }, { idempotencyKey: 'idem-validation' });
    assertShape(created, 'customer');
    assert.equal(created.lastResponse.headers['idempotent-replayed'], undefined);
    const replayed = await stripe.customers.create({ email: 'idem-valid@example.com' }, { idempotencyKey: 'idem-validation' });
    assert.equal(replayed.id, created.id);
    const product = await stripe.products.create({ name: 'After a refused request' }, { idempotencyKey: 'idem-validation-2' });
    assertShape(product, 'product');
  });

  it('a card error is replayed too', async () => {
    const customer = await stripe.customers.create({ email: 'idem-card@example.com' });
    const first = await failure(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'idem-card' }));
    assert.equal(first.type, 'StripeCardError');
    const second = await failure(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'idem-card' }));
    assert.equal(second.type, 'StripeCardError');
    assert.equal(second.statusCode, 402);
    assert.equal(second.message, first.message);
    assert.equal(second.headers?.['idempotent-replayed'], 'true');
  });

  it('GET and DELETE ignore idempotency keys', async () => {
    const a = await stripe.customers.create({ email: 'get-a@example.com' });
    const b = await stripe.customers.create({ email: 'get-b@example.com' });
    const one = await stripe.customers.list({ limit: 1 }, { idempotencyKey: 'idem-get' });
    const two = await stripe.customers.list({ limit: 2 }, { idempotencyKey: 'idem-get' });
    assert.equal(one.data.length, 1);
    assert.equal(two.data.length, 2);
    for (const c of [...one.data, ...two.data]) assertShape(c, 'customer');

    const delA = await stripe.customers.del(a.id, {}, { idempotencyKey: 'idem-delete' });
    const delB = await stripe.customers.del(b.id, {}, { idempotencyKey: 'idem-delete' });
    assertShape(delA, 'deleted_customer');
    assertShape(delB, 'deleted_customer');
    assert.equal(delA.id, a.id);
    assert.equal(delB.id, b.id);
    // And the key was not consumed by them: a POST can still use it.
    const c = await stripe.customers.create({ email: 'get-c@example.com' }, { idempotencyKey: 'idem-delete' });
    assertShape(c, 'customer');
  });

  it('refuses a key longer than 255 characters', async () => {
    const err = await failure(stripe.customers.create({ email: 'long@example.com' }, { idempotencyKey: 'k'.repeat(256) }));
    assert.equal(err.statusCode, 400);
    assert.equal(err.type, 'StripeInvalidRequestError');
    const ok = await stripe.customers.create({ email: 'long@example.com' }, { idempotencyKey: 'k'.repeat(255) });
    assertShape(ok, 'customer');
  });
});
