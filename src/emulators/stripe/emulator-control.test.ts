// The control API under /_emulator (clock, API faults, reset, bad bodies), idempotent replay of an
// injected 500, and the per-key rate limit.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import Stripe from 'stripe';
import { startTestEmulator, waitFor } from './testing/sdk.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';
import { startReceiver } from './testing/receiver.ts';
import type { StripeEmulatorOptions } from './index.ts';

const FAST: StripeEmulatorOptions = { webhookRetryDelaysMs: [20, 40, 80], webhookTimeoutMs: 10_000 };

async function emulator(t: TestContext, options: StripeEmulatorOptions = FAST): Promise<TestEmulator> {
  const emu = await startTestEmulator(options);
  t.after(() => emu.close());
  return emu;
}

async function control(
  emu: TestEmulator,
  method: string,
  path: string,
  body?: unknown,
  rawBody?: string,
): Promise<{ status: number; body: any; requestId: string | null }> {
  const res = await fetch(emu.emulator.url + path, {
    method,
    headers: body === undefined && rawBody === undefined ? {} : { 'content-type': 'application/json' },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, body: await res.json(), requestId: res.headers.get('request-id') };
}

const setFaults = (emu: TestEmulator, body: unknown) => control(emu, 'POST', '/_emulator/faults', body);

/** A one-time price and an open payment-mode Checkout session for it. */
async function openSession(stripe: Stripe): Promise<Stripe.Checkout.Session> {
  const product = await stripe.products.create({ name: 'Canary plan' });
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500 });
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'https://example.com/ok?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://example.com/cancel',
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Clock
// ---------------------------------------------------------------------------------------------

test('clock: GET answers {now}; POST {now} sets it and objects created afterwards carry it', async (t) => {
  const emu = await emulator(t);
  assert.deepEqual((await control(emu, 'GET', '/_emulator/health')).body, { ok: true });
  const first = await control(emu, 'GET', '/_emulator/clock');
  assert.equal(first.status, 200);
  assert.deepEqual(Object.keys(first.body), ['now']);
  assert.ok(Number.isInteger(first.body.now));
  assert.match(first.requestId ?? '', /^req_/);

  const target = 2_000_000_000; // 2033-05-18
  const set = await control(emu, 'POST', '/_emulator/clock', { now: target });
  assert.equal(set.status, 200);
  assert.ok(set.body.now >= target && set.body.now < target + 60, `now ${set.body.now}`);
  const read = await control(emu, 'GET', '/_emulator/clock');
  assert.ok(read.body.now >= target && read.body.now < target + 60);

  const customer = await emu.stripe.customers.create({ name: 'in the future' });
  assert.ok(customer.created >= target && customer.created < target + 60, `created ${customer.created}`);
  const product = await emu.stripe.products.create({ name: 'future product' });
  assert.ok(product.created >= target && product.created < target + 60);
  const events = await emu.stripe.events.list({ type: 'customer.created' });
  assert.ok(events.data[0]!.created >= target && events.data[0]!.created < target + 60);
  // created filters use the emulator's time too.
  const found = await emu.stripe.customers.list({ created: { gte: target } });
  assert.deepEqual(
    found.data.map((c) => c.id),
    [customer.id],
  );
});

test('clock: POST {advance_seconds} moves it forward and created follows', async (t) => {
  const emu = await emulator(t);
  const before = await emu.stripe.customers.create({ name: 'before' });
  const moved = await control(emu, 'POST', '/_emulator/clock', { advance_seconds: 30 * 86400 });
  assert.equal(moved.status, 200);
  assert.ok(moved.body.now >= before.created + 30 * 86400, `now ${moved.body.now} vs ${before.created}`);
  const after = await emu.stripe.customers.create({ name: 'after' });
  assert.ok(after.created >= before.created + 30 * 86400, `created ${after.created}`);
  assert.ok(after.created < moved.body.now + 60);
  // Newest first in lists follows created.
  const list = await emu.stripe.customers.list();
  assert.deepEqual(
    list.data.map((c) => c.id),
    [after.id, before.id],
  );
});

test('clock: a Checkout session expires (status expired, checkout.session.expired sent) when the clock passes expires_at', async (t) => {
  const emu = await emulator(t);
  // A webhook receiver sees the expiry without any API request after the clock moved.
  const hook = await startReceiver(t);
  await emu.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['checkout.session.expired'] });

  const session = await openSession(emu.stripe);
  assert.equal(session.status, 'open');
  assert.ok(session.url);
  assert.equal(session.expires_at - session.created, 24 * 3600);
  const other = await openSession(emu.stripe);

  // Not yet: one second short of expires_at.
  const now = (await control(emu, 'GET', '/_emulator/clock')).body.now as number;
  await control(emu, 'POST', '/_emulator/clock', { now: session.expires_at - 3600 });
  assert.equal((await emu.stripe.checkout.sessions.retrieve(session.id)).status, 'open');
  assert.equal((await emu.stripe.events.list({ type: 'checkout.session.expired' })).data.length, 0);
  assert.ok(now < session.expires_at);

  const moved = await control(emu, 'POST', '/_emulator/clock', { advance_seconds: 2 * 3600 });
  assert.ok(moved.body.now > session.expires_at);
  await waitFor(() => hook.received.length === 2, 'both expiries delivered');
  const received = hook.received.map((r) => JSON.parse(r.body) as { type: string; data: { object: { id: string; status: string } } });
  assert.deepEqual(
    received.map((e) => e.type),
    ['checkout.session.expired', 'checkout.session.expired'],
  );
  assert.deepEqual(received.map((e) => e.data.object.id).sort(), [session.id, other.id].sort());
  assert.ok(received.every((e) => e.data.object.status === 'expired'));

  const expired = await emu.stripe.checkout.sessions.retrieve(session.id);
  assert.equal(expired.status, 'expired');
  assert.equal(expired.url, null);
  const events = await emu.stripe.events.list({ type: 'checkout.session.expired' });
  assert.equal(events.data.length, 2);
  const event = events.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === session.id)!;
  assertShape(event, 'event');
  assert.equal((event.data.object as Stripe.Checkout.Session).status, 'expired');
  await assert.rejects(
    emu.stripe.checkout.sessions.expire(session.id),
    (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 400 && /expired/.test(err.message),
  );
});

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** A Date header as unix seconds, after checking it is RFC 7231's IMF-fixdate. */
function seconds(date: string | null | undefined): number {
  assert.match(date ?? '', IMF_FIXDATE);
  return Date.parse(date!) / 1000;
}

test("clock: every response carries a Date header from the emulator's clock; eight days on, the SDK sees it eight days on", async (t) => {
  const emu = await emulator(t);
  const first = await emu.stripe.customers.list();
  // The SDK keeps the headers on the result's non-enumerable lastResponse.
  const before = seconds(first.lastResponse.headers.date);
  assert.ok(Math.abs(before - Date.now() / 1000) <= 5, `Date ${first.lastResponse.headers.date}`);

  const moved = await fetch(`${emu.emulator.url}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: 691_200 }),
  });
  const now = ((await moved.json()) as { now: number }).now;
  assert.ok(Math.abs(seconds(moved.headers.get('date')) - now) <= 1, 'the control API answer is dated by the moved clock');

  const later = await emu.stripe.customers.list();
  const after = seconds(later.lastResponse.headers.date);
  assert.ok(after - before >= 691_200 && after - before <= 691_200 + 10, `Date moved by ${after - before} s`);
  assert.ok(Math.abs(after - now) <= 2);
  const customer = await emu.stripe.customers.create({ name: 'dated' });
  assert.ok(Math.abs(seconds(customer.lastResponse.headers.date) - customer.created) <= 1, 'Date and created agree');
  const refused = await emu.stripe.customers.retrieve('cus_missing').catch((err: InstanceType<typeof Stripe.errors.StripeError>) => err);
  assert.ok(refused instanceof Stripe.errors.StripeInvalidRequestError);
  assert.ok(Math.abs(seconds(refused.headers?.date) - now) <= 2, 'errors are dated too');

  const session = await openSession(emu.stripe);
  const key = { authorization: 'Bearer sk_test_canary_tests' };
  const requests: [string, string, RequestInit?][] = [
    ['hosted page', `/c/pay/${session.id}`],
    ['hosted page of no session (404)', '/c/pay/cs_test_missing'],
    [
      'page confirmation refused (400)',
      `/c/pay/${session.id}/confirm`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cardNumber": 4242}' },
    ],
    ['control health', '/_emulator/health'],
    ['control faults', '/_emulator/faults'],
    ['control bad body (400)', '/_emulator/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"now": "soon"}' }],
    ['no API key (401)', '/v1/customers'],
    ['unknown URL (404)', '/v1/nothing', { headers: key }],
    ['bad percent-encoding (400)', '/v1/customers/%E0%A4%A', { headers: key }],
    ['JSON body on the API (400)', '/v1/customers', { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: '{}' }],
  ];
  for (const [what, path, init] of requests) {
    const res = await fetch(emu.emulator.url + path, { redirect: 'manual', ...init });
    await res.arrayBuffer();
    assert.ok(Math.abs(seconds(res.headers.get('date')) - now) <= 5, `${what} (${res.status}): Date ${res.headers.get('date')}, clock ${now}`);
  }
  // HTTP node cannot parse is answered on the socket, dated all the same.
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(emu.emulator.port, emu.emulator.host, () => socket.write('NOT HTTP\r\n\r\n'));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer to malformed HTTP within 5 s')));
  });
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(Math.abs(seconds(/\r\nDate: ([^\r]+)\r\n/.exec(answer)?.[1]) - now) <= 5, answer);
});

// ---------------------------------------------------------------------------------------------
// 4. API faults
// ---------------------------------------------------------------------------------------------

test('api faults: two injected 500s on POST /v1/customers, then success; other routes unaffected', async (t) => {
  const emu = await emulator(t);
  const set = await setFaults(emu, { api: [{ method: 'POST', path: '/v1/customers', status: 500, rate: 1, count: 2 }] });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body.api, [{ method: 'POST', path: '/v1/customers', status: 500, rate: 1, count: 2, remaining: 2, fired: 0 }]);

  // Other methods and paths are not affected.
  assert.equal((await emu.stripe.customers.list()).data.length, 0);
  await emu.stripe.products.create({ name: 'not affected' });

  for (let i = 0; i < 2; i++) {
    await assert.rejects(emu.stripe.customers.create({ name: `attempt ${i}` }), (err: unknown) => {
      assert.ok(err instanceof Stripe.errors.StripeAPIError, `got ${String(err)}`);
      assert.equal(err.type, 'StripeAPIError');
      assert.equal(err.statusCode, 500);
      assert.match(err.requestId ?? '', /^req_/);
      const raw = err.raw as Record<string, unknown>;
      assert.equal(raw.type, 'api_error');
      assert.equal(typeof raw.message, 'string');
      return true;
    });
  }
  const third = await emu.stripe.customers.create({ name: 'third time lucky' });
  assertShape(third, 'customer');
  assert.deepEqual(
    (await emu.stripe.customers.list()).data.map((c) => c.id),
    [third.id],
  );
  assert.equal((await control(emu, 'GET', '/_emulator/faults')).body.api[0].remaining, 0);
  assert.equal((await control(emu, 'GET', '/_emulator/faults')).body.api[0].fired, 2, 'both fired');
});

test("api faults: the injected error is in Stripe's error shape (raw fetch), with custom type and code", async (t) => {
  const emu = await emulator(t);
  await setFaults(emu, {
    api: [
      { method: 'POST', path: '/v1/customers', status: 500, count: 1 },
      { method: 'GET', path: '/v1/customers/*', status: 402, type: 'card_error', code: 'card_declined', message: 'Your card has been declined.', count: 1 },
      { method: '*', path: '/v1/products', status: 429, count: 1 },
    ],
  });
  const res = await fetch(`${emu.emulator.url}/v1/customers`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_shape', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
  });
  assert.equal(res.status, 500);
  assert.match(res.headers.get('request-id') ?? '', /^req_/);
  // Spent: count 1. (A trailing slash is the same route, and the same rule.)
  await setFaults(emu, {
    api: [
      { method: 'POST', path: '/v1/customers', status: 500, count: 1 },
      { method: 'GET', path: '/v1/customers/*', status: 402, type: 'card_error', code: 'card_declined', message: 'Your card has been declined.', count: 1 },
      { method: '*', path: '/v1/products', status: 429, count: 1 },
    ],
  });
  const slash = await fetch(`${emu.emulator.url}/v1/customers/`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_shape', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
  });
  assert.equal(slash.status, 500);
  const body = (await res.json()) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.type, 'api_error');
  assert.match(String(body.error.message), /POST \/v1\/customers/);

  const customer = await emu.stripe.customers.create({ name: 'y' });
  await assert.rejects(emu.stripe.customers.retrieve(customer.id), (err: unknown) => {
    assert.ok(err instanceof Stripe.errors.StripeCardError, `got ${String(err)}`);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.message, 'Your card has been declined.');
    return true;
  });
  assert.equal((await emu.stripe.customers.retrieve(customer.id)).id, customer.id);
  await assert.rejects(emu.stripe.products.list(), (err: unknown) => err instanceof Stripe.errors.StripeRateLimitError);
  assert.equal((await emu.stripe.products.list()).data.length, 0);
});

test('api faults: rate 0.5 in a bounded loop makes some requests pass and some fail', async (t) => {
  const emu = await emulator(t);
  await setFaults(emu, { api: [{ method: 'POST', path: '/v1/customers', status: 503, rate: 0.5 }] });
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < 60; i++) {
    try {
      await emu.stripe.customers.create({ name: `flaky ${i}` });
      passed++;
    } catch (err) {
      assert.ok(err instanceof Stripe.errors.StripeAPIError, `got ${String(err)}`);
      assert.equal(err.statusCode, 503);
      failed++;
    }
  }
  assert.equal(passed + failed, 60);
  assert.ok(passed > 0 && failed > 0, `passed ${passed}, failed ${failed}`);
  // Exactly the passing creates exist.
  const all = await emu.stripe.customers.list({ limit: 100 });
  assert.equal(all.data.length, passed);
  assert.equal((await setFaults(emu, {})).body.api[0].remaining, null);
});

test('api faults: DELETE /_emulator/faults clears them', async (t) => {
  const emu = await emulator(t);
  await setFaults(emu, { api: [{ path: '/v1/customers', status: 500 }], webhooks: { duplicate_rate: 0.5, reorder: true } });
  const listed = await control(emu, 'GET', '/_emulator/faults');
  assert.equal(listed.body.api.length, 1);
  assert.equal(listed.body.api[0].method, '*');
  assert.deepEqual(listed.body.webhooks, { duplicate_rate: 0.5, reorder: true, drop_rate: 0, fail_first: 0 });
  await assert.rejects(emu.stripe.customers.list(), Stripe.errors.StripeAPIError);
  const cleared = await control(emu, 'DELETE', '/_emulator/faults');
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.body, { api: [], checkout_page: 'none', webhooks: { duplicate_rate: 0, reorder: false, drop_rate: 0, fail_first: 0 } });
  assert.equal((await emu.stripe.customers.list()).data.length, 0);
});

test('checkout page faults: a CAPTCHA instead of the form, or no answer at all; cleared, the form is back', async (t) => {
  const emu = await emulator(t);
  const session = await openSession(emu.stripe);
  const page = () => fetch(session.url!);
  assert.match(await (await page()).text(), /id="cardNumber"/);

  assert.equal((await setFaults(emu, { checkout_page: 'captcha' })).body.checkout_page, 'captcha');
  const challenged = await (await page()).text();
  assert.match(challenged, /<iframe title="[^"]*hCaptcha[^"]*"/);
  assert.doesNotMatch(challenged, /id="cardNumber"/, 'no form behind the CAPTCHA');

  await setFaults(emu, { checkout_page: 'captcha_on_submit' });
  assert.match(await (await page()).text(), /id="cardNumber"/, 'the form shows; the challenge comes on submit');
  const confirmed = await fetch(`${emu.emulator.url}/c/pay/${session.id}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.deepEqual([confirmed.status, await confirmed.json()], [200, { status: 'captcha' }]);
  assert.equal((await emu.stripe.checkout.sessions.retrieve(session.id)).status, 'open', 'nothing was charged');

  await setFaults(emu, { checkout_page: 'unreachable' });
  await assert.rejects(page(), (err: Error) => err instanceof TypeError && /fetch failed/.test(err.message), 'the connection closes with no answer');
  assert.equal((await emu.stripe.checkout.sessions.retrieve(session.id)).status, 'open', 'the API still answers');

  assert.equal((await control(emu, 'DELETE', '/_emulator/faults')).body.checkout_page, 'none');
  assert.match(await (await page()).text(), /id="cardNumber"/);
});

test('checkout page decline: 4242 is declined on the hosted page as 4000 0000 0000 0002 is; cleared, the same session pays', async (t) => {
  const emu = await emulator(t);
  const session = await openSession(emu.stripe);
  const form = {
    email: 'buyer@example.com',
    cardNumber: '4242 4242 4242 4242',
    cardExpiry: '12 / 34',
    cardCvc: '123',
    billingName: 'Jo Buyer',
    billingCountry: 'US',
    billingPostalCode: '94107',
  };
  const confirm = async () => {
    const res = await fetch(`${emu.emulator.url}/c/pay/${session.id}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form),
    });
    return { status: res.status, body: await res.json() };
  };

  assert.equal((await setFaults(emu, { checkout_page: 'decline' })).body.checkout_page, 'decline');
  assert.deepEqual((await control(emu, 'GET', '/_emulator/faults')).body.checkout_page, 'decline');
  assert.match(await (await fetch(session.url!)).text(), /id="cardNumber"/, 'the page shows as usual');
  const declined = await confirm();
  assert.equal(declined.status, 402);
  assert.deepEqual(declined.body, { status: 'card_error', message: 'Your card has been declined.', code: 'card_declined', decline_code: 'generic_decline' });

  const [pi] = (await emu.stripe.paymentIntents.list()).data;
  assert.ok(pi);
  assertShape(pi, 'payment_intent');
  assert.equal(pi.status, 'requires_payment_method');
  assert.deepEqual(
    [pi.last_payment_error?.type, pi.last_payment_error?.code, pi.last_payment_error?.decline_code, pi.last_payment_error?.message],
    ['card_error', 'card_declined', 'generic_decline', 'Your card was declined.'],
  );
  assert.equal(pi.last_payment_error?.payment_method?.card?.last4, '4242', 'the card is the one entered');
  const charge = await emu.stripe.charges.retrieve(pi.latest_charge as string);
  assert.deepEqual(
    [charge.status, charge.failure_code, charge.outcome?.reason, charge.payment_method_details?.card?.last4],
    ['failed', 'card_declined', 'generic_decline', '4242'],
  );
  const types: string[] = (await emu.stripe.events.list({ limit: 100 })).data.map((e) => e.type);
  for (const type of ['payment_intent.payment_failed', 'charge.failed']) assert.ok(types.includes(type), `missing ${type} in ${types.join(', ')}`);
  assert.ok(!types.includes('charge.succeeded') && !types.includes('checkout.session.completed'), types.join(', '));
  assert.equal((await emu.stripe.checkout.sessions.retrieve(session.id)).status, 'open');

  await control(emu, 'DELETE', '/_emulator/faults');
  const paid = await confirm();
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal(paid.body.status, 'complete');
  assert.equal((await emu.stripe.checkout.sessions.retrieve(session.id)).payment_status, 'paid');
});

test('control: bad bodies answer 400 naming the field, and change nothing', async (t) => {
  const emu = await emulator(t);
  await setFaults(emu, { webhooks: { drop_rate: 0.25 } });
  const clockBefore = (await control(emu, 'GET', '/_emulator/clock')).body.now as number;
  const cases: [string, string, unknown, string][] = [
    ['clock: string advance', '/_emulator/clock', { advance_seconds: 'x' }, 'advance_seconds'],
    ['clock: fractional advance', '/_emulator/clock', { advance_seconds: 1.5 }, 'advance_seconds'],
    ['clock: negative now', '/_emulator/clock', { now: -1 }, 'now'],
    ['clock: string now', '/_emulator/clock', { now: '2030-01-01' }, 'now'],
    ['clock: absurd now', '/_emulator/clock', { now: 1e15 }, 'now'],
    ['clock: absurd advance', '/_emulator/clock', { advance_seconds: 9_007_199_254_740_991 }, 'advance_seconds'],
    ['clock: unknown field', '/_emulator/clock', { advance: 5 }, 'advance'],
    ['clock: empty', '/_emulator/clock', {}, 'now, advance_seconds'],
    ['clock: both', '/_emulator/clock', { now: 2_000_000_000, advance_seconds: 5 }, 'now, advance_seconds'],
    ['faults: unknown checkout page fault', '/_emulator/faults', { checkout_page: 'slow' }, 'checkout_page'],
    ['faults: missing path', '/_emulator/faults', { api: [{ method: 'POST', status: 500 }] }, 'api[0][path]'],
    ['faults: status 200', '/_emulator/faults', { api: [{ path: '/v1/customers', status: 200 }] }, 'api[0][status]'],
    ['faults: bad method', '/_emulator/faults', { api: [{ method: 'PUT', path: '/v1/customers', status: 500 }] }, 'api[0][method]'],
    ['faults: rate > 1', '/_emulator/faults', { api: [{ path: '/v1/customers', status: 500, rate: 2 }] }, 'api[0][rate]'],
    ['faults: count 0', '/_emulator/faults', { api: [{ path: '/v1/customers', status: 500, count: 0 }] }, 'api[0][count]'],
    ['faults: relative path', '/_emulator/faults', { api: [{ path: 'v1/customers', status: 500 }] }, 'api[0][path]'],
    ['faults: api not an array', '/_emulator/faults', { api: { path: '/v1/customers' } }, 'api'],
    ['faults: drop_rate 2', '/_emulator/faults', { webhooks: { drop_rate: 2 } }, 'webhooks[drop_rate]'],
    ['faults: reorder string', '/_emulator/faults', { webhooks: { reorder: 'yes' } }, 'webhooks[reorder]'],
    ['faults: unknown webhook fault', '/_emulator/faults', { webhooks: { delay_ms: 5 } }, 'webhooks[delay_ms]'],
    ['faults: unknown top-level', '/_emulator/faults', { bogus: 1 }, 'bogus'],
  ];
  for (const [label, path, body, field] of cases) {
    const a = await control(emu, 'POST', path, body);
    assert.equal(a.status, 400, `${label}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.error.type, 'invalid_request_error', label);
    assert.ok(String(a.body.error.message).includes(field), `${label}: message names ${field}: ${a.body.error.message}`);
    // A single field is also the error's param.
    if (!field.includes(',')) assert.equal(a.body.error.param, field, `${label}: param`);
  }
  for (const [path, raw] of [
    ['/_emulator/clock', '{"now":'],
    ['/_emulator/faults', 'not json'],
  ]) {
    const a = await control(emu, 'POST', path!, undefined, raw);
    assert.equal(a.status, 400);
    assert.equal(a.body.error.type, 'invalid_request_error');
    assert.match(a.body.error.message, /JSON/);
  }
  // Nothing changed: the partial valid part of a bad body was not applied either.
  const partial = await setFaults(emu, { api: [{ path: '/v1/customers', status: 500 }], webhooks: { drop_rate: 5 } });
  assert.equal(partial.status, 400);
  const faults = await control(emu, 'GET', '/_emulator/faults');
  assert.deepEqual(faults.body, { api: [], checkout_page: 'none', webhooks: { duplicate_rate: 0, reorder: false, drop_rate: 0.25, fail_first: 0 } });
  const clockAfter = (await control(emu, 'GET', '/_emulator/clock')).body.now as number;
  assert.ok(clockAfter >= clockBefore && clockAfter < clockBefore + 60, `clock unchanged: ${clockBefore} -> ${clockAfter}`);
  // The emulator keeps working.
  assert.equal((await emu.stripe.customers.create({ name: 'fine' })).name, 'fine');
});

test('control: POST /_emulator/reset empties state, clock, faults and the delivery log', async (t) => {
  const emu = await emulator(t);
  const customer = await emu.stripe.customers.create({ name: 'to be reset' }, { idempotencyKey: 'reset-key' });
  await emu.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/unreachable', enabled_events: ['*'] });
  await emu.stripe.customers.create({ name: 'with event' });
  await openSession(emu.stripe);
  await control(emu, 'POST', '/_emulator/clock', { advance_seconds: 10 * 86400 });
  await setFaults(emu, { api: [{ method: 'GET', path: '/v1/products', status: 500, count: 5 }], webhooks: { reorder: true } });
  await waitFor(
    async () => ((await fetch(`${emu.emulator.url}/_emulator/webhook-deliveries`).then((r) => r.json())) as { data: unknown[] }).data.length > 0,
    'a delivery attempt logged',
  );

  const reset = await control(emu, 'POST', '/_emulator/reset');
  assert.equal(reset.status, 200);
  assert.deepEqual(reset.body, { reset: true });

  assert.equal((await emu.stripe.customers.list()).data.length, 0);
  assert.equal((await emu.stripe.products.list()).data.length, 0);
  assert.equal((await emu.stripe.prices.list()).data.length, 0);
  assert.equal((await emu.stripe.checkout.sessions.list()).data.length, 0);
  assert.equal((await emu.stripe.webhookEndpoints.list()).data.length, 0);
  assert.equal((await emu.stripe.events.list()).data.length, 0);
  await assert.rejects(
    emu.stripe.customers.retrieve(customer.id),
    (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404,
  );
  assert.deepEqual((await control(emu, 'GET', '/_emulator/faults')).body, {
    api: [],
    checkout_page: 'none',
    webhooks: { duplicate_rate: 0, reorder: false, drop_rate: 0, fail_first: 0 },
  });
  assert.deepEqual((await control(emu, 'GET', '/_emulator/webhook-deliveries')).body.data, []);
  const clock = (await control(emu, 'GET', '/_emulator/clock')).body.now as number;
  assert.ok(clock < customer.created + 86400, `clock back to wall time: ${clock} vs ${customer.created}`);
  // Idempotency keys are forgotten: the same key creates a new customer.
  const again = await emu.stripe.customers.create({ name: 'to be reset' }, { idempotencyKey: 'reset-key' });
  assert.notEqual(again.id, customer.id);
});

test('api faults: `**` matches one or more path segments; `*` exactly one', async (t) => {
  const emu = await emulator(t);
  const customer = await emu.stripe.customers.create({ name: 'wide' });
  await setFaults(emu, { api: [{ method: 'GET', path: '/v1/**', status: 503 }] });
  for (const p of ['/v1/customers', `/v1/customers/${customer.id}`, '/v1/invoices/in_x/lines']) {
    const r = await fetch(`${emu.emulator.url}${p}`, { headers: { authorization: 'Bearer sk_test_wide' } });
    assert.equal(r.status, 503, p);
  }
  await setFaults(emu, { api: [{ method: 'GET', path: '/v1/*', status: 503 }] });
  assert.equal((await fetch(`${emu.emulator.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_wide' } })).status, 503);
  assert.equal((await emu.stripe.customers.retrieve(customer.id)).id, customer.id, '`*` is one segment only');
});

test('api fault phases: `before` and 429 save nothing (a retry with the key is carried out); `lost` does the work, drops the answer, and the key replays it', async (t) => {
  const emu = await emulator(t);
  const send = (key: string, name: string) =>
    fetch(`${emu.emulator.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_phase', 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
      body: `name=${name}`,
    });
  for (const [fault, key] of [
    [{ method: 'POST', path: '/v1/customers', status: 500, phase: 'before', count: 1 }, 'key-before'],
    [{ method: 'POST', path: '/v1/customers', status: 429, count: 1 }, 'key-429'],
  ] as const) {
    await setFaults(emu, { api: [fault] });
    assert.equal((await send(key, key)).status, fault.status);
    const retry = await send(key, key);
    assert.equal(retry.status, 200, `${key}: the retry is carried out`);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
  }
  const client = emu.client({}, 'sk_test_phase');
  assert.equal((await client.customers.list()).data.length, 2);

  await setFaults(emu, { api: [{ method: 'POST', path: '/v1/customers', phase: 'lost', count: 1 }] });
  await assert.rejects(send('key-lost', 'lost'), 'no answer: the connection is dropped');
  const created = (await client.customers.list()).data.filter((c) => c.name === 'lost');
  assert.equal(created.length, 1, 'the work was done');
  const replay = await send('key-lost', 'lost');
  assert.equal(replay.status, 200);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(((await replay.json()) as { id: string }).id, created[0]!.id);

  // The SDK retries a dropped connection with its own key: one customer, not two.
  await setFaults(emu, { api: [{ method: 'POST', path: '/v1/customers', phase: 'lost', count: 1 }] });
  const viaSdk = await emu.client({ maxNetworkRetries: 2 }, 'sk_test_phase').customers.create({ name: 'sdk-lost' });
  const sdkCreated = (await client.customers.list()).data.filter((c) => c.name === 'sdk-lost');
  assert.deepEqual(
    sdkCreated.map((c) => c.id),
    [viaSdk.id],
  );
});

// ---------------------------------------------------------------------------------------------
// 5. Idempotent replay of an injected 500
// ---------------------------------------------------------------------------------------------

test('idempotency: the same key replays an injected 500 (status and body); a new key succeeds', async (t) => {
  const emu = await emulator(t);
  await setFaults(emu, { api: [{ method: 'POST', path: '/v1/customers', status: 500, count: 1 }] });
  const send = (key: string, body = 'name=Idem&metadata[k]=v') =>
    fetch(`${emu.emulator.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_idem', 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
      body,
    });
  const first = await send('key-500');
  assert.equal(first.status, 500);
  const firstBody = await first.text();
  assert.equal(JSON.parse(firstBody).error.type, 'api_error');

  // The fault is spent, yet the same key answers the same 500.
  const replay = await send('key-500');
  assert.equal(replay.status, 500);
  assert.equal(await replay.text(), firstBody);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.match(replay.headers.get('request-id') ?? '', /^req_/);

  // Through the SDK too (same key, same parameters).
  await assert.rejects(
    emu.client({}, 'sk_test_idem').customers.create({ name: 'Idem', metadata: { k: 'v' } }, { idempotencyKey: 'key-500' }),
    (err: unknown) => err instanceof Stripe.errors.StripeAPIError && err.statusCode === 500 && err.message === JSON.parse(firstBody).error.message,
  );
  // Same key, other parameters: idempotency_error.
  await assert.rejects(
    emu.client({}, 'sk_test_idem').customers.create({ name: 'Other' }, { idempotencyKey: 'key-500' }),
    (err: unknown) => err instanceof Stripe.errors.StripeIdempotencyError && err.statusCode === 400,
  );
  // Keys are per API key: another key's same Idempotency-Key is a fresh request.
  const otherKey = await emu.client({}, 'sk_test_other').customers.create({ name: 'Idem', metadata: { k: 'v' } }, { idempotencyKey: 'key-500' });
  assert.equal(otherKey.name, 'Idem');
  // A new key succeeds, and replays its success.
  const ok = await send('key-ok');
  assert.equal(ok.status, 200);
  const okBody = await ok.text();
  const okReplay = await send('key-ok');
  assert.equal(await okReplay.text(), okBody);
  const customers = await emu.client({}, 'sk_test_idem').customers.list();
  assert.equal(customers.data.length, 2); // otherKey's and key-ok's
});

// ---------------------------------------------------------------------------------------------
// 6. Rate limit
// ---------------------------------------------------------------------------------------------

test('rate limit: concurrent requests over the limit get 429 StripeRateLimitError; /_emulator is not limited', async (t) => {
  const emu = await emulator(t, { ...FAST, rateLimit: 5 });
  const stripe = emu.client({ maxNetworkRetries: 0 });
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => stripe.customers.create({ name: `burst ${i}` })));
  const ok = results.filter((r): r is PromiseFulfilledResult<Stripe.Response<Stripe.Customer>> => r.status === 'fulfilled');
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.ok(ok.length >= 1, 'some succeed');
  assert.ok(failed.length >= 1, 'some are limited');
  assert.ok(ok.length <= 10, `at most two windows' worth succeed: ${ok.length}`);
  for (const f of failed) {
    const err = f.reason as unknown;
    assert.ok(err instanceof Stripe.errors.StripeRateLimitError, `got ${String(err)}`);
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'rate_limit');
    assert.match(err.requestId ?? '', /^req_/);
  }
  assert.equal(new Set(ok.map((r) => r.value.id)).size, ok.length);

  // Control API: never limited.
  const control = await Promise.all(Array.from({ length: 30 }, () => fetch(`${emu.emulator.url}/_emulator/clock`).then((r) => r.status)));
  assert.deepEqual(new Set(control), new Set([200]));
  const faults = await Promise.all(Array.from({ length: 10 }, () => fetch(`${emu.emulator.url}/_emulator/faults`).then((r) => r.status)));
  assert.deepEqual(new Set(faults), new Set([200]));

  // The limit is per API key: a fresh key is not limited by the burst above.
  const other = await emu.client({ maxNetworkRetries: 0 }, 'sk_test_another_key').customers.list();
  assert.equal(other.object, 'list');
  assert.equal(other.data.length, ok.length);
});

test("rate limit: N per key in a fixed 1 s window that starts at the window's first request; refused requests count but do not extend it", async (t) => {
  const emu = await emulator(t, { ...FAST, rateLimit: 3 });
  const get = async (key = 'sk_test_window_key') => {
    const res = await fetch(`${emu.emulator.url}/v1/customers`, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    return { status: res.status, remaining: res.headers.get('x-ratelimit-remaining'), retryAfter: res.headers.get('retry-after') };
  };
  const started = Date.now();
  assert.deepEqual(await get(), { status: 200, remaining: '2', retryAfter: null });
  assert.deepEqual(await get(), { status: 200, remaining: '1', retryAfter: null });
  assert.deepEqual(await get(), { status: 200, remaining: '0', retryAfter: null });
  assert.deepEqual(await get(), { status: 429, remaining: null, retryAfter: '1' });
  assert.equal((await get('sk_test_other_window_key')).status, 200, 'another key has its own window');
  const unauthenticated = await fetch(`${emu.emulator.url}/v1/customers`, { headers: { authorization: 'Bearer not_a_key' } });
  assert.equal(unauthenticated.status, 401, 'authentication comes first; such requests are not counted');

  // Asking again and again (each a 429) does not push the window on: it ends 1 s after its first request.
  const reopened = await waitFor(async () => (await get()).status === 200 && Date.now(), 'the next window', 5000, 25);
  const waited = (reopened as number) - started;
  assert.ok(waited >= 990 && waited < 4000, `the window reopened ${waited} ms after its first request`);
  // The new window starts with that request, with the whole budget.
  assert.deepEqual(await get(), { status: 200, remaining: '1', retryAfter: null });
  assert.deepEqual(await get(), { status: 200, remaining: '0', retryAfter: null });
  assert.equal((await get()).status, 429);
});
