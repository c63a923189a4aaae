// Support for the emulator's API tests (api-*.test.ts): one emulator per suite, an SDK client
// whose every successful response body is checked against Stripe's example objects, and helpers
// for errors and the emulator's clock.
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startTestEmulator, type TestEmulator } from './sdk.ts';
import { assertShape } from './shape.ts';

export type StripeError = InstanceType<typeof Stripe.errors.StripeError>;

/** The SDK error a request fails with; the test fails if the request succeeds. */
export async function failure(request: Promise<unknown>): Promise<StripeError> {
  try {
    await request;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  assert.fail('expected the request to fail');
}

/** An invalid-request error with its status, param and code; a string message must match exactly. */
export function assertInvalid(err: StripeError, status: number, param: string | undefined, code?: string, message?: RegExp | string): void {
  assert.equal(err.type, 'StripeInvalidRequestError', err.message);
  assert.equal(err.statusCode, status, err.message);
  assert.equal(err.param, param, `param of: ${err.message}`);
  assert.equal(err.code, code, `code of: ${err.message}`);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The example object a response body is compared with: its `object`, or `deleted_<object>`. */
function fixtureFor(body: Record<string, unknown>): string {
  return body.deleted === true ? `deleted_${String(body.object)}` : String(body.object);
}

const ENVELOPES: Record<string, readonly string[]> = {
  list: ['data', 'has_more', 'object', 'url'],
  search_result: ['data', 'has_more', 'next_page', 'object', 'url'],
};

/** Checks one successful response body: an object, or each object of a list or search result. */
export function assertResponseShape(body: unknown): void {
  assert.ok(isPlain(body), 'a response body is a JSON object');
  const envelope = ENVELOPES[String(body.object)];
  if (envelope) {
    assert.deepEqual(Object.keys(body).sort(), [...envelope], `keys of a ${String(body.object)}`);
    for (const item of body.data as unknown[]) assertShape(item, fixtureFor(item as Record<string, unknown>));
    return;
  }
  assertShape(body, fixtureFor(body));
}

/** The SDK's own HTTP client, reporting every successful JSON body to `check`. */
function shapeCheckingClient(failures: string[]): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient();
  const client = Object.create(inner) as Stripe.HttpClient;
  client.makeRequest = async (...args: Parameters<Stripe.HttpClient['makeRequest']>) => {
    const res = await inner.makeRequest(...args);
    const toJSON = res.toJSON.bind(res);
    res.toJSON = async () => {
      const body = await toJSON();
      if (res.getStatusCode() < 300) {
        try {
          assertResponseShape(body);
        } catch (err) {
          failures.push(`${args[3]} ${args[2]}: ${(err as Error).message}`);
        }
      }
      return body;
    };
    return res;
  };
  return client;
}

export interface ApiEmulator {
  readonly t: TestEmulator;
  /** An SDK client whose every successful response is checked against Stripe's example objects. */
  readonly stripe: Stripe;
  /** Moves the emulator's clock (its control API, not part of Stripe's); answers the new time. */
  advanceClock(seconds: number): Promise<number>;
}

/**
 * Starts an emulator for the enclosing suite (or file) and closes it after; after each test,
 * fails it if any response it received did not match Stripe's example objects. `setup` runs once
 * the emulator is up (in the same hook, so before any test).
 */
export function useApiEmulator(setup?: (api: ApiEmulator) => void | Promise<void>): ApiEmulator {
  let t: TestEmulator | undefined;
  let stripe: Stripe | undefined;
  const failures: string[] = [];
  before(async () => {
    t = await startTestEmulator();
    stripe = t.client({ httpClient: shapeCheckingClient(failures) });
    await setup?.(api);
    // Setup's responses are checked too.
    const found = failures.splice(0);
    assert.deepEqual(found, [], 'every response matches the shape of Stripe’s example object');
  });
  afterEach(() => {
    const found = failures.splice(0);
    assert.deepEqual(found, [], 'every response matches the shape of Stripe’s example object');
  });
  after(() => t?.close());
  const api: ApiEmulator = {
    get t() {
      assert.ok(t, 'the emulator is started in before()');
      return t;
    },
    get stripe() {
      assert.ok(stripe, 'the emulator is started in before()');
      return stripe;
    },
    async advanceClock(seconds: number) {
      assert.ok(t);
      const res = await fetch(`${t.emulator.url}/_emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance_seconds: seconds }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { now: number }).now;
    },
  };
  return api;
}
