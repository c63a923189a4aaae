/**
 * A Stripe API URL that answers something other than a Stripe object — a proxy's `{}` to
 * everything, an HTML page with 200, an array — fails the call as Stripe's API answering wrongly
 * (stage stripe-api), naming the route, the status and what came back; a Stripe object and an
 * error answer pass through as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { StripeApiFailure } from '../errors.ts';
import { stripeCall } from './assertions.ts';
import { createStripeClient } from './client.ts';

describe('answers that are not Stripe objects', () => {
  let server: Server;
  let stripe: Stripe;
  const answers: Record<string, { status: number; type: string; body: string }> = {
    '/v1/prices': { status: 200, type: 'application/json', body: '{}' },
    '/v1/customers': { status: 200, type: 'text/html', body: '<html><body>Sign in to the proxy</body></html>' },
    '/v1/products': { status: 200, type: 'application/json', body: '[1,2,3]' },
    '/v1/balance': { status: 200, type: 'application/json', body: '{"object":"balance","available":[],"pending":[],"livemode":false}' },
    '/v1/invoices': {
      status: 404,
      type: 'application/json',
      body: '{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such invoice"}}',
    },
  };

  before(async () => {
    server = createServer((req, res) => {
      const route = (req.url ?? '').split('?')[0]!;
      const a = Object.entries(answers).find(([prefix]) => route.startsWith(prefix))?.[1] ?? answers['/v1/prices']!;
      res.writeHead(a.status, { 'content-type': a.type, 'request-id': 'req_test' });
      res.end(a.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stripe = createStripeClient({ secretKey: 'sk_test_answers', apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxNetworkRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failure(what: string, call: () => Promise<unknown>): Promise<StripeApiFailure> {
    const err = await stripeCall(what, call).then(
      () => assert.fail(`${what} should fail`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StripeApiFailure, `a StripeApiFailure, not ${String(err)}`);
    return err;
  }

  it('`{}` names the route, the status and the answer, at stage stripe-api', async () => {
    const err = await failure('finding the price', () => stripe.prices.list({ lookup_keys: ['pro'] }));
    assert.equal(err.stage, 'stripe-api');
    assert.equal(
      err.message,
      "Stripe's API answered GET /v1/prices with {} (HTTP 200), which is not a Stripe object, while finding the price: check STRIPE_API_URL (or what stands between the harness and Stripe).",
    );
    assert.deepEqual(err.evidence, { type: 'NotAStripeAnswer', route: 'GET /v1/prices', status: 200, answer: '{}', while: 'finding the price' });
  });

  it('an HTML page with 200 and a JSON array are named too', async () => {
    const html = await failure('creating the customer', () => stripe.customers.create({ email: 'a@example.com' }));
    assert.equal(html.stage, 'stripe-api');
    assert.match(html.message, /answered POST \/v1\/customers with .*not a Stripe object/);
    const array = await failure('listing products', () => stripe.products.list());
    assert.deepEqual([array.evidence?.route, array.evidence?.answer], ['GET /v1/products', '[1,2,3]']);
  });

  it('a Stripe object passes; an error answer stays the SDK error it was', async () => {
    const balance = await stripeCall('reading the balance', () => stripe.balance.retrieve());
    assert.equal(balance.object, 'balance');
    const missing = await failure('reading the invoice', () => stripe.invoices.retrieve('in_missing'));
    assert.deepEqual([missing.evidence?.type, missing.evidence?.code, missing.evidence?.status], ['StripeInvalidRequestError', 'resource_missing', 404]);
  });
});
