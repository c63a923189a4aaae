import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { retryingRateLimits } from './rate-limits.ts';

/** A Stripe stand-in answering 429 `limited` times, then the customer; it records each request's Idempotency-Key. */
async function limitedServer(limited: number, t: { after(fn: () => void): void }) {
  const keys: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    keys.push(req.headers['idempotency-key'] as string | undefined);
    res.setHeader('content-type', 'application/json');
    if (keys.length <= limited) {
      res.statusCode = 429;
      if (keys.length === 1) res.setHeader('retry-after', '2');
      return res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' } }));
    }
    res.end(JSON.stringify({ id: 'cus_limited', object: 'customer' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, keys };
}

function client(port: number, retries: number, waits: number[]): Stripe {
  const sleep = async (ms: number) => void waits.push(ms);
  return new Stripe('sk_test_ratelimits', {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 2,
    telemetry: false,
    httpClient: retryingRateLimits(Stripe.createNodeHttpClient(), { retries, sleep }),
  });
}

test('a 429 is sent again after a backoff (Retry-After first), with the same Idempotency-Key, until it passes', async (t) => {
  const { port, keys } = await limitedServer(3, t);
  const waits: number[] = [];
  const customer = await client(port, 4, waits).customers.create({ email: 'busy@example.com' });
  assert.equal(customer.id, 'cus_limited');
  assert.equal(keys.length, 4);
  assert.ok(keys[0], 'the SDK gave the POST a key');
  assert.deepEqual(new Set(keys).size, 1, 'every attempt carried the same key');
  assert.equal(waits[0], 2000, 'Retry-After: 2 is honoured');
  assert.ok(waits[1]! >= 500 && waits[1]! <= 1000 && waits[2]! >= 1000 && waits[2]! <= 2000, `exponential backoff with jitter: ${waits}`);
});

test('past its retries the 429 reaches the caller as the SDK reports it', async (t) => {
  const { port, keys } = await limitedServer(10, t);
  const waits: number[] = [];
  await assert.rejects(
    client(port, 2, waits).customers.create({ email: 'busy@example.com' }),
    (err: unknown) => err instanceof Stripe.errors.StripeRateLimitError,
  );
  assert.equal(keys.length, 3, 'the first try and two retries');
  assert.equal(waits.length, 2);
});
