// Search through the SDK: customers.search and subscriptions.search with Stripe's query
// language, page/next_page pagination, the SDK's search auto-pagination, and query errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';

let stripe: Stripe;
const c: Record<string, Stripe.Customer> = {};
let later = 0;

useApiEmulator(async (api) => {
  stripe = api.stripe;
  c.jenny = await stripe.customers.create({
    email: 'Jenny.Rosen@Example.com',
    name: 'Jenny Rosen',
    phone: '+15555550100',
    metadata: { tier: 'gold', order: '42' },
  });
  c.pat = await stripe.customers.create({ email: 'pat@example.org', name: "Pat O'Brien", metadata: { tier: 'silver' } });
  c.sam = await stripe.customers.create({ email: 'sam@example.net', name: 'Sam Rosenberg' });
  later = await api.advanceClock(600);
  c.lee = await stripe.customers.create({ email: 'lee@example.com', name: 'Lee Late', metadata: { tier: 'gold' } });
  c.kim = await stripe.customers.create({ email: 'kim@example.com', name: 'Kim Later' });
  for (const x of Object.values(c)) assertShape(x, 'customer');
});

async function ids(query: string): Promise<string[]> {
  const result = await stripe.customers.search({ query, limit: 100 });
  assert.equal(result.object, 'search_result');
  assert.equal(result.url, '/v1/customers/search');
  for (const x of result.data) assertShape(x, 'customer');
  return result.data.map((x) => x.id);
}

describe('customers.search', () => {
  it('matches an email exactly, ignoring case', async () => {
    assert.deepEqual(await ids("email:'jenny.rosen@example.com'"), [c.jenny!.id]);
    assert.deepEqual(await ids('email:"JENNY.ROSEN@EXAMPLE.COM"'), [c.jenny!.id]);
    assert.deepEqual(await ids("email:'jenny.rosen'"), [], 'exact, not a prefix');
    assert.deepEqual(await ids("name:'Pat O\\'Brien'"), [c.pat!.id]);
    assert.deepEqual(await ids("phone:'+15555550100'"), [c.jenny!.id]);
  });

  it('matches metadata, created ranges, AND, OR, negation and substrings', async () => {
    assert.deepEqual(await ids("metadata['tier']:'gold'"), [c.lee!.id, c.jenny!.id]);
    assert.deepEqual(await ids('metadata["order"]:"42"'), [c.jenny!.id]);
    assert.deepEqual(await ids(`created>=${later}`), [c.kim!.id, c.lee!.id]);
    assert.deepEqual(await ids(`created<${later}`), [c.sam!.id, c.pat!.id, c.jenny!.id]);
    assert.deepEqual(await ids(`metadata['tier']:'gold' AND created<${later}`), [c.jenny!.id]);
    assert.deepEqual(await ids(`metadata['tier']:'gold' created>=${later}`), [c.lee!.id], 'a space means AND');
    assert.deepEqual(await ids("email:'pat@example.org' OR email:'sam@example.net'"), [c.sam!.id, c.pat!.id]);
    assert.deepEqual(await ids("-metadata['tier']:'gold' -metadata['tier']:'silver'"), [c.kim!.id, c.sam!.id]);
    assert.deepEqual(await ids("-metadata['tier']:null"), [c.lee!.id, c.pat!.id, c.jenny!.id], 'the key is present');
    assert.deepEqual(await ids("name~'rosen'"), [c.sam!.id, c.jenny!.id]);
    assert.deepEqual(await ids("email~'example.com'"), [c.kim!.id, c.lee!.id, c.jenny!.id]);
  });

  it('pages with page/next_page, and the SDK auto-paginates search', async () => {
    const first = await stripe.customers.search({ query: "email~'example'", limit: 2 });
    assert.equal(first.object, 'search_result');
    assert.equal(first.data.length, 2);
    assert.equal(first.has_more, true);
    assert.equal(typeof first.next_page, 'string');
    const second = await stripe.customers.search({ query: "email~'example'", limit: 2, page: first.next_page! });
    const third = await stripe.customers.search({ query: "email~'example'", limit: 2, page: second.next_page! });
    assert.equal(third.has_more, false);
    assert.equal(third.next_page, null);
    const paged = [...first.data, ...second.data, ...third.data];
    for (const x of paged) assertShape(x, 'customer');
    const everyone = [c.kim!.id, c.lee!.id, c.sam!.id, c.pat!.id, c.jenny!.id];
    assert.deepEqual(
      paged.map((x) => x.id),
      everyone,
    );

    const seen: string[] = [];
    for await (const x of stripe.customers.search({ query: "email~'example'", limit: 2 })) {
      assertShape(x, 'customer');
      seen.push(x.id);
    }
    assert.deepEqual(seen, everyone);
    const array = await stripe.customers.search({ query: "email~'example'", limit: 1 }).autoPagingToArray({ limit: 100 });
    assert.deepEqual(
      array.map((x) => x.id),
      everyone,
    );
  });

  it('refuses a query it cannot parse with a 400 saying where', async () => {
    const unterminated = await failure(stripe.customers.search({ query: "email:'jenny@example.com" }));
    assert.equal(unterminated.type, 'StripeInvalidRequestError');
    assert.equal(unterminated.statusCode, 400);
    assert.equal(unterminated.param, 'query');
    assert.match(unterminated.message, /position 6/);
    const mixed = await failure(stripe.customers.search({ query: "email:'a@b.co' AND name:'x' OR name:'y'" }));
    assert.match(mixed.message, /position 28.*AND and OR/);
    const unquoted = await failure(stripe.customers.search({ query: 'email:jenny' }));
    assert.match(unquoted.message, /position 6/);
    const field = await failure(stripe.customers.search({ query: "colour:'red'" }));
    assert.equal(field.statusCode, 400);
    assert.match(field.message, /colour/);
    const short = await failure(stripe.customers.search({ query: "name~'ab'" }));
    assert.match(short.message, /at least 3 characters/);
    const missing = await failure(stripe.customers.search({} as Stripe.CustomerSearchParams));
    assert.equal(missing.param, 'query');
    assert.equal(missing.code, 'parameter_missing');
  });
});

describe('subscriptions.search', () => {
  it('finds subscriptions by status and metadata', async () => {
    const product = await stripe.products.create({ name: 'Searchable' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500, recurring: { interval: 'month' } });
    const payer = await stripe.customers.create({
      email: 'payer@example.io',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const failing = await stripe.customers.create({ email: 'failing@example.io' });
    const failingPm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: failing.id });
    const pro = await stripe.subscriptions.create({ customer: payer.id, items: [{ price: price.id }], metadata: { plan: 'pro' } });
    const basic = await stripe.subscriptions.create({ customer: payer.id, items: [{ price: price.id }], metadata: { plan: 'basic' } });
    const stuck = await stripe.subscriptions.create({
      customer: failing.id,
      items: [{ price: price.id }],
      metadata: { plan: 'pro' },
      default_payment_method: failingPm.id,
    });
    for (const s of [pro, basic, stuck]) assertShape(s, 'subscription');
    assert.equal(stuck.status, 'incomplete');

    const search = async (query: string) => {
      const result = await stripe.subscriptions.search({ query });
      assert.equal(result.object, 'search_result');
      assert.equal(result.url, '/v1/subscriptions/search');
      for (const s of result.data) assertShape(s, 'subscription');
      return result.data.map((s) => s.id);
    };
    assert.deepEqual(await search("status:'active'"), [basic.id, pro.id]);
    assert.deepEqual(await search("status:'incomplete'"), [stuck.id]);
    assert.deepEqual(await search("metadata['plan']:'pro'"), [stuck.id, pro.id]);
    assert.deepEqual(await search("status:'active' AND metadata['plan']:'pro'"), [pro.id]);
    await stripe.subscriptions.cancel(basic.id);
    assert.deepEqual(await search("status:'canceled'"), [basic.id]);
    const expanded = await stripe.subscriptions.search({ query: "status:'active'", expand: ['data.customer'] });
    assert.equal(expanded.data.length, 1);
    assertShape(expanded.data[0], 'subscription');
    assert.equal((expanded.data[0]!.customer as Stripe.Customer).email, 'payer@example.io');
    const bad = await failure(stripe.subscriptions.search({ query: "email:'x@example.com'" }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.message, /email/);
  });
});
