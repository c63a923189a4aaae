/**
 * The demo app over HTTP, against the embedded Stripe emulator: the admin API, sign-up, the
 * upgrade through Checkout (paid on the emulator's hosted page without a browser), health, bad
 * input, isolation between environments, and `canary demo-app`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { runCli } from '../cli/main.ts';
import { startStripeEmulator } from '../emulators/stripe/index.ts';
import { FAULTS } from './faults.ts';
import { PRO_LOOKUP_KEY } from './stripe.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';

const VERSION = 'v9.8.7-test';
let h: DemoHarness;
before(async () => {
  h = await startDemoHarness({ app: { version: VERSION } });
});
after(() => h?.close());

const email = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;
const raw = (path: string, init: RequestInit = {}) => fetch(`${h.app.url}${path}`, { redirect: 'manual', ...init });
const json = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any });
const setEmulatorFaults = async (body: unknown) => {
  const res = await fetch(`${h.emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
};
const clearEmulatorFaults = async () => {
  const res = await fetch(`${h.emulator.url}/_emulator/faults`, { method: 'DELETE' });
  assert.equal(res.status, 200);
};
const environmentIds = async () => ((await h.admin('GET', '/api/environments')).body.data as { id: string }[]).map((e) => e.id);

describe('admin API: environments', () => {
  it('creates an environment (id, created, labels), lists it, and deletes it with its data; deleting twice is fine', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await h.admin('POST', '/api/environments', { labels: { canary_run_id: 'run-123', spec: 'upgrade' } });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^env_[a-f0-9]{24}$/);
    assert.ok(created.body.created >= before - 1 && created.body.created <= Math.floor(Date.now() / 1000) + 1, `created ${created.body.created}`);
    assert.deepEqual(created.body.labels, { canary_run_id: 'run-123', spec: 'upgrade' });
    const env = created.body.id as string;

    const listed = await h.admin('GET', '/api/environments');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.data.find((e: { id: string }) => e.id === env),
      { id: env, created: created.body.created, labels: { canary_run_id: 'run-123', spec: 'upgrade' }, test_clock: null },
    );

    const { accountId } = await h.signup(env, email('deleted'));
    assert.ok(accountId);
    assert.equal((await h.admin('GET', `/api/environments/${env}/accounts/${accountId}`)).status, 200);

    const deleted = await h.admin('DELETE', `/api/environments/${env}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { id: env, deleted: true, existed: true });
    assert.ok(!(await environmentIds()).includes(env));
    assert.equal((await h.admin('GET', `/api/environments/${env}/accounts/${accountId}`)).status, 404, 'its accounts are gone');
    assert.equal((await h.admin('GET', `/api/environments/${env}/accounts`)).status, 404);
    assert.equal((await raw(`/e/${env}/a/${accountId}/billing`)).status, 404);
    assert.equal((await raw(`/e/${env}/signup`)).status, 404);

    const again = await h.admin('DELETE', `/api/environments/${env}`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { id: env, deleted: true, existed: false });
  });

  it('without the admin token every admin route is 401, with a wrong one 403, and nothing changes', async () => {
    const env = await h.environment({ canary_run_id: 'guarded' });
    const { accountId } = await h.signup(env.id, email('guarded'));
    const idsBefore = await environmentIds();
    const routes: [string, string, unknown?][] = [
      ['POST', '/api/environments', { labels: {} }],
      ['GET', '/api/environments'],
      ['DELETE', `/api/environments/${env.id}`],
      ['PATCH', `/api/environments/${env.id}`, { labels: { canary_outcome: 'failed' } }],
      ['GET', '/_demo/clock'],
      ['POST', '/_demo/clock', { advance_seconds: 86_400 }],
      ['GET', `/api/environments/${env.id}/accounts`],
      ['GET', `/api/environments/${env.id}/accounts/${accountId}`],
      ['GET', '/_demo/faults'],
      ['POST', '/_demo/faults', { fault: 'checkout-500' }],
      ['GET', '/api/webhooks'],
      ['GET', '/api/webhooks/events/evt_123'],
    ];
    const wrong = 'x'.repeat(h.adminToken.length);
    for (const [method, path, body] of routes) {
      const init = (authorization?: string): RequestInit => ({
        method,
        headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      for (const [authorization, status] of [
        [undefined, 401],
        ['', 401],
        [`Basic ${Buffer.from(`${h.adminToken}:`).toString('base64')}`, 401],
        ['Bearer ', 401],
        [`Bearer ${wrong}`, 403],
        [`Bearer ${h.adminToken.slice(0, -1)}`, 403],
        [`Bearer ${h.adminToken}x`, 403],
      ] as const) {
        const r = await json(await raw(path, init(authorization)));
        assert.equal(r.status, status, `${method} ${path} with ${JSON.stringify(authorization)}`);
        assert.match(r.body.error, status === 401 ? /Missing admin token/ : /Wrong admin token/);
        assert.ok(!JSON.stringify(r.body).includes(h.adminToken), 'the token is never echoed');
      }
    }
    // Authentication comes before the body is read: a malformed body without a token is still a 401.
    const malformed = await raw('/api/environments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(malformed.status, 401);

    assert.deepEqual(await environmentIds(), idsBefore, 'no environment was created or deleted');
    const labels = (await h.admin('GET', '/api/environments')).body.data.find((e: { id: string }) => e.id === env.id).labels;
    assert.deepEqual(labels, { canary_run_id: 'guarded' }, 'no label was changed');
    const clock = (await h.admin('GET', '/_demo/clock')).body.now;
    assert.ok(Math.abs(clock - Math.floor(Date.now() / 1000)) < 60, 'the clock was not moved');
    assert.equal((await h.admin('GET', '/_demo/faults')).body.fault, null, 'the fault was not set');
    assert.equal((await h.account(env.id, accountId!)).plan, 'free');
  });

  it('refuses malformed, oversized or invalid environment bodies with a 4xx that names the problem, creating nothing', async () => {
    const idsBefore = await environmentIds();
    const cases: [unknown, RegExp][] = [
      [{ labels: { canary_run_id: 42 } }, /Invalid environment at labels\.canary_run_id/],
      [{ labels: { 'bad label!': 'x' } }, /at labels\.bad label!: label names are 1–40 letters/],
      [{ labels: { ['k'.repeat(41)]: 'x' } }, /label names are 1–40 letters/],
      [{ labels: { environment: 'other' } }, /environment and account are set by the app/],
      [{ labels: { account: 'acct_someone_else' } }, /environment and account are set by the app/],
      [{ labels: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`l${i}`, 'v'])) }, /at most 40 labels/],
      [{ labels: { long: 'v'.repeat(501) } }, /Invalid environment at labels\.long/],
      [{ labels: {}, plan: 'pro' }, /Invalid environment/],
      [{ labels: 'canary' }, /Invalid environment at labels/],
      [[1, 2], /Invalid environment/],
    ];
    for (const [body, message] of cases) {
      const r = await h.admin('POST', '/api/environments', body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(r.body.error, message);
    }
    const headers = { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' };
    const malformed = await json(await raw('/api/environments', { method: 'POST', headers, body: '{"labels": {' }));
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error, /not valid JSON/);
    const oversized = await json(await raw('/api/environments', { method: 'POST', headers, body: JSON.stringify({ labels: { a: 'x'.repeat(70_000) } }) }));
    assert.equal(oversized.status, 413);
    const wrongType = await raw('/api/environments', { method: 'POST', headers: { ...headers, 'content-type': 'text/xml' }, body: '<labels/>' });
    assert.equal(wrongType.status, 415);
    assert.deepEqual(await environmentIds(), idsBefore);
  });

  it('PATCH merges labels (null removes one) and answers the environment; an unknown environment is a 404', async () => {
    const env = await h.environment({ canary_run_id: 'run-patch', spec: 'upgrade' });
    const marked = await h.admin('PATCH', `/api/environments/${env.id}`, { labels: { canary_outcome: 'failed', canary_failed_at: '1780000000' } });
    assert.equal(marked.status, 200);
    assert.deepEqual(marked.body, {
      id: env.id,
      created: env.created,
      labels: { canary_run_id: 'run-patch', spec: 'upgrade', canary_outcome: 'failed', canary_failed_at: '1780000000' },
      test_clock: null,
    });
    const changed = await h.admin('PATCH', `/api/environments/${env.id}`, { labels: { spec: null, canary_outcome: 'passed', absent: null } });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body.labels, { canary_run_id: 'run-patch', canary_outcome: 'passed', canary_failed_at: '1780000000' });
    const nothing = await h.admin('PATCH', `/api/environments/${env.id}`, { labels: {} });
    assert.deepEqual(nothing.body, changed.body, 'an empty patch changes nothing');
    const listed = (await h.admin('GET', '/api/environments')).body.data.find((e: { id: string }) => e.id === env.id);
    assert.deepEqual(listed, changed.body, 'the list shows the merged labels');

    // Accounts signed up afterwards carry the merged labels to Stripe.
    const { accountId } = await h.signup(env.id, email('patched'));
    const customer = (await h.stripe.customers.retrieve((await h.account(env.id, accountId!)).stripe_customer_id)) as Stripe.Customer;
    assert.deepEqual(customer.metadata, { ...changed.body.labels, environment: env.id, account: accountId });

    const unknown = await h.admin('PATCH', '/api/environments/env_000000000000000000000000', { labels: { a: 'b' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "No environment 'env_000000000000000000000000'.");
    await h.admin('DELETE', `/api/environments/${env.id}`);
    assert.equal((await h.admin('PATCH', `/api/environments/${env.id}`, { labels: { a: 'b' } })).status, 404, 'a deleted environment is gone');
  });

  it('PATCH refuses a bad body with a 400 that names the problem, changing nothing', async () => {
    const labels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v']));
    const env = await h.environment(labels);
    const cases: [unknown, RegExp][] = [
      [{}, /^Invalid environment labels at labels: required, an object of label names to strings \(null removes one\)$/],
      [{ labels: 'failed' }, /at labels: an object of label names to strings/],
      [{ labels: ['a'] }, /at labels: an object of label names to strings/],
      [{ labels: null }, /at labels: an object of label names to strings/],
      [{ labels: { canary_failed_at: 1780000000 } }, /at labels\.canary_failed_at: /],
      [{ labels: { ok: true } }, /at labels\.ok: /],
      [{ labels: { '': 'v' } }, /at labels\.: label names are 1–40 letters/],
      [{ labels: { ['k'.repeat(41)]: 'v' } }, /label names are 1–40 letters/],
      [{ labels: { 'a b': 'v' } }, /at labels\.a b: label names are 1–40 letters/],
      [{ labels: { environment: 'env_other' } }, /environment and account are set by the app/],
      [{ labels: { account: null } }, /environment and account are set by the app/],
      [{ labels: { long: 'v'.repeat(501) } }, /at labels\.long: label values are at most 500 characters/],
      [{ labels: { a: 'b' }, outcome: 'failed' }, /Invalid environment labels: Unrecognized key: "outcome"/],
      [[{ a: 'b' }], /Invalid environment labels: /],
      // 40 labels and 9 more: over what Stripe's 50 metadata keys leave beside environment and account.
      [
        { labels: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`m${i}`, 'v'])) },
        /^Invalid labels: the environment would have 49 labels; at most 48\.$/,
      ],
    ];
    for (const [body, message] of cases) {
      const r = await h.admin('PATCH', `/api/environments/${env.id}`, body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(r.body.error, message, JSON.stringify(body).slice(0, 80));
    }
    const headers = { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' };
    const malformed = await json(await raw(`/api/environments/${env.id}`, { method: 'PATCH', headers, body: '{"labels": {' }));
    assert.equal(malformed.status, 400);
    const unchanged = (await h.admin('GET', '/api/environments')).body.data.find((e: { id: string }) => e.id === env.id);
    assert.deepEqual(unchanged.labels, labels, 'nothing changed');

    // Up to 48 in all is fine, also when removing some makes room in the same patch.
    const eight = await h.admin('PATCH', `/api/environments/${env.id}`, { labels: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`m${i}`, 'v'])) });
    assert.equal(eight.status, 200);
    assert.equal(Object.keys(eight.body.labels).length, 48);
    const swapped = await h.admin('PATCH', `/api/environments/${env.id}`, { labels: { l0: null, l1: null, n0: 'v', n1: 'v' } });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    assert.equal(Object.keys(swapped.body.labels).length, 48);
  });
});

describe('admin API: webhooks', () => {
  it('GET /api/webhooks names the URL and the endpoint the app registered for it', async () => {
    const r = await h.admin('GET', '/api/webhooks');
    assert.equal(r.status, 200);
    assert.match(h.app.webhookEndpointId ?? '', /^we_/);
    assert.deepEqual(r.body, { url: `${h.app.url}/webhooks/stripe`, endpoint_id: h.app.webhookEndpointId });
    assert.equal(h.app.webhookUrl, r.body.url);
    const endpoint = await h.stripe.webhookEndpoints.retrieve(h.app.webhookEndpointId!);
    assert.equal(endpoint.url, h.app.webhookUrl);
  });

  it('GET /api/webhooks/events/:id reports each event of a paid upgrade acknowledged and processed; an unknown one is a 404', async () => {
    const env = await h.environment();
    const { accountId } = await h.subscribe(env.id, email('acknowledged'));
    const customer = (await h.waitForPlan(env.id, accountId, 'pro')).stripe_customer_id;
    const events = (await h.stripe.events.list({ type: 'customer.subscription.*', limit: 100 })).data.filter(
      (e) => (e.data.object as Stripe.Subscription).customer === customer,
    );
    assert.ok(events.length >= 2, `events: ${events.map((e) => e.type).join(', ')}`);
    for (const event of events) {
      // The plan can turn Pro before the last delivery is answered.
      const ack = await waitForAck(event.id);
      assert.deepEqual({ ...ack, acknowledged_at: typeof ack.acknowledged_at }, { id: event.id, type: event.type, acknowledged_at: 'number', processed: true });
    }
    const unknown = await h.admin('GET', '/api/webhooks/events/evt_000000000000000000000000');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /^No acknowledged event 'evt_000000000000000000000000'/);
  });
});

/** Bounded polling until the app reports `eventId` acknowledged; returns the report. */
async function waitForAck(eventId: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await h.admin('GET', `/api/webhooks/events/${eventId}`);
    if (r.status === 200) return r.body;
    if (Date.now() > deadline) throw new Error(`event ${eventId} not acknowledged after ${timeoutMs} ms: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('sign-up', () => {
  it("creates the account's Stripe customer with email, name and the environment's labels as metadata", async () => {
    const env = await h.environment({ canary_run_id: 'run-signup' });
    const address = email('Signup').replace('Signup', 'SignUp');
    const r = await h.signup(env.id, `  ${address}  `, 'Ada Lovelace');
    assert.equal(r.status, 303);
    assert.match(r.location!, new RegExp(`^/e/${env.id}/a/acct_[a-f0-9]{24}/billing$`));

    const listed = await h.admin('GET', `/api/environments/${env.id}/accounts?email=${encodeURIComponent(address.toUpperCase())}`);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data.length, 1);
    const acct = listed.body.data[0];
    assert.equal(acct.id, r.accountId);
    assert.equal(acct.email, address.toLowerCase());
    assert.equal(acct.name, 'Ada Lovelace');
    assert.equal(acct.plan, 'free');
    assert.equal(acct.environment, env.id);
    assert.match(acct.stripe_customer_id, /^cus_/);

    const customer = await h.stripe.customers.retrieve(acct.stripe_customer_id);
    assert.ok(!customer.deleted);
    assert.equal(customer.email, address.toLowerCase());
    assert.equal(customer.name, 'Ada Lovelace');
    assert.deepEqual(customer.metadata, { canary_run_id: 'run-signup', environment: env.id, account: acct.id });

    const billing = await raw(r.location!);
    assert.equal(billing.status, 200);
    const page = await billing.text();
    assert.match(page, /data-testid="current-plan">Free</);
    assert.match(page, new RegExp(`action="/e/${env.id}/a/${acct.id}/upgrade"`));
    assert.equal((await raw(`/e/${env.id}/signup`)).status, 200);
  });

  it('refuses an invalid email, a duplicate, an unknown environment and oversized or odd bodies, creating nothing', async () => {
    const env = await h.environment();
    const taken = email('taken');
    assert.equal((await h.signup(env.id, taken)).status, 303);
    const customersWith = async (address: string) => (await h.stripe.customers.list({ email: address, limit: 10 })).data.length;

    for (const bad of ['', 'not-an-email', 'a@b', 'two words@example.com', `${'x'.repeat(250)}@example.com`]) {
      const res = await raw(`/e/${env.id}/signup`, { method: 'POST', body: new URLSearchParams({ email: bad }) });
      assert.equal(res.status, 400, `email ${JSON.stringify(bad)}`);
      assert.match(await res.text(), /role="alert">Enter a valid email address\.</);
    }
    const duplicate = await raw(`/e/${env.id}/signup`, { method: 'POST', body: new URLSearchParams({ email: taken.toUpperCase() }) });
    assert.equal(duplicate.status, 409);
    assert.match(await duplicate.text(), /An account with this email already exists\./);
    assert.equal(await customersWith(taken), 1, 'the duplicate made no second Stripe customer');

    const arrayEmail = await raw(`/e/${env.id}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email[]=a@example.com&email[]=b@example.com',
    });
    assert.equal(arrayEmail.status, 400);
    const oversized = await raw(`/e/${env.id}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${'a'.repeat(70_000)}`,
    });
    assert.equal(oversized.status, 413);
    const unknownEnv = await raw('/e/env_000000000000000000000000/signup', { method: 'POST', body: new URLSearchParams({ email: email('lost') }) });
    assert.equal(unknownEnv.status, 404);
    assert.match(await unknownEnv.text(), /No environment &#39;env_000000000000000000000000&#39;/);

    const accounts = (await h.admin('GET', `/api/environments/${env.id}/accounts`)).body.data;
    assert.deepEqual(
      accounts.map((a: { email: string }) => a.email),
      [taken],
    );
  });

  it('two sign-ups with one email at the same moment make one account', async () => {
    const env = await h.environment();
    const address = email('race');
    const results = await Promise.all(Array.from({ length: 5 }, () => h.signup(env.id, address)));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 409, 409, 409, 409]);
    assert.equal((await h.admin('GET', `/api/environments/${env.id}/accounts`)).body.data.length, 1);
  });

  it('fields the browser adds (plan, customer) decide nothing', async () => {
    const env = await h.environment();
    const res = await raw(`/e/${env.id}/signup`, {
      method: 'POST',
      body: new URLSearchParams({ email: email('sneaky'), plan: 'pro', stripe_customer_id: 'cus_other' }),
    });
    assert.equal(res.status, 303);
    const acct = (await h.admin('GET', `/api/environments/${env.id}/accounts`)).body.data[0];
    assert.equal(acct.plan, 'free');
    assert.notEqual(acct.stripe_customer_id, 'cus_other');
  });

  it('when Stripe fails the sign-up is a 502 and leaves no half-made account; the next try works', async () => {
    const env = await h.environment();
    const address = email('stripe-down');
    await setEmulatorFaults({ api: [{ method: 'POST', path: '/v1/customers', status: 500 }] });
    try {
      const res = await raw(`/e/${env.id}/signup`, { method: 'POST', body: new URLSearchParams({ email: address }) });
      assert.equal(res.status, 502);
      assert.match(await res.text(), /We could not create your account/);
      assert.deepEqual((await h.admin('GET', `/api/environments/${env.id}/accounts`)).body.data, []);
    } finally {
      await clearEmulatorFaults();
    }
    assert.equal((await h.signup(env.id, address)).status, 303);
  });
});

describe('upgrade', () => {
  it('creates the Checkout session server-side from the catalogue, whatever the browser sends, and one per attempt', async () => {
    const env = await h.environment({ canary_run_id: 'run-upgrade' });
    const { accountId } = await h.signup(env.id, email('upgrade'));
    const acct = await h.account(env.id, accountId!);
    const attempt = randomBytes(16).toString('hex');
    const u = await h.upgrade(env.id, accountId!, {
      attempt,
      price: 'price_cheap',
      amount: '1',
      unit_amount: '1',
      quantity: '9',
      plan: 'pro',
      mode: 'payment',
      customer: 'cus_other',
    });
    assert.equal(u.status, 303);
    assert.ok(u.location!.startsWith(`${h.emulator.url}/c/pay/cs_test_`), u.location!);
    assert.ok(u.sessionId);

    const session = await h.stripe.checkout.sessions.retrieve(u.sessionId!, { expand: ['line_items.data.price'] });
    assert.equal(session.url, u.location);
    assert.equal(session.mode, 'subscription');
    assert.equal(session.status, 'open');
    assert.equal(session.customer, acct.stripe_customer_id);
    assert.equal(session.client_reference_id, accountId);
    assert.deepEqual(session.metadata, { canary_run_id: 'run-upgrade', environment: env.id, account: accountId });
    assert.equal(session.amount_total, 4900);
    assert.equal(session.currency, 'usd');
    const items = session.line_items!.data;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.quantity, 1);
    const price = items[0]!.price!;
    assert.equal(price.lookup_key, PRO_LOOKUP_KEY);
    assert.equal(price.unit_amount, 4900);
    assert.equal(price.recurring?.interval, 'month');
    assert.equal(
      session.success_url?.replace('{CHECKOUT_SESSION_ID}', session.id),
      `${h.app.url}/e/${env.id}/a/${accountId}/billing/return?session_id=${session.id}`,
    );
    assert.equal(session.cancel_url, `${h.app.url}/e/${env.id}/a/${accountId}/billing?canceled=1`);

    // The same form submitted again (same attempt) gets the same session; a new click a new one.
    assert.equal((await h.upgrade(env.id, accountId!, { attempt })).sessionId, u.sessionId);
    const other = await h.upgrade(env.id, accountId!, { attempt: randomBytes(16).toString('hex') });
    assert.ok(other.sessionId && other.sessionId !== u.sessionId);
    const noAttempt = await h.upgrade(env.id, accountId!);
    assert.ok(noAttempt.sessionId && ![u.sessionId, other.sessionId].includes(noAttempt.sessionId));
    const sessions = await h.stripe.checkout.sessions.list({ customer: acct.stripe_customer_id, limit: 10 });
    assert.equal(sessions.data.length, 3);

    const canceled = await (await raw(`/e/${env.id}/a/${accountId}/billing?canceled=1`)).text();
    assert.match(canceled, /Upgrade canceled\. You are still on the Free plan\./);
  });

  it('paying on the hosted page makes the account Pro through the webhook, with the metadata on the subscription', async () => {
    const env = await h.environment({ canary_run_id: 'run-pay' });
    const { accountId, sessionId } = await h.subscribe(env.id, email('payer'));
    const acct = await h.waitForPlan(env.id, accountId, 'pro');

    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    assert.equal(session.status, 'complete');
    assert.equal(session.payment_status, 'paid');
    const sub = await h.stripe.subscriptions.retrieve(session.subscription as string);
    assert.equal(sub.status, 'active');
    assert.equal(sub.customer, acct.stripe_customer_id);
    assert.deepEqual(sub.metadata, { canary_run_id: 'run-pay', environment: env.id, account: accountId }, 'subscription_data.metadata');
    assert.equal(acct.subscriptions.length, 1);
    assert.equal(acct.subscriptions[0].id, sub.id);
    assert.equal(acct.subscriptions[0].price_id, sub.items.data[0]!.price.id);
    assert.equal(acct.renews_at, sub.items.data[0]!.current_period_end);

    const plan = await json(await raw(`/e/${env.id}/a/${accountId}/plan`));
    assert.equal(plan.body.plan, 'pro');
    assert.match(plan.body.renewal, /^Renews on \d{4}-\d{2}-\d{2}$/);
    const billing = await (await raw(`/e/${env.id}/a/${accountId}/billing`)).text();
    assert.match(billing, /data-testid="current-plan">Pro</);
    assert.doesNotMatch(billing, /Upgrade to Pro/);
    const returned = await (await raw(`/e/${env.id}/a/${accountId}/billing/return?session_id=${sessionId}`)).text();
    assert.match(returned, /You are on Pro\./);

    // Upgrading again goes back to billing and opens no new Checkout.
    const again = await h.upgrade(env.id, accountId);
    assert.equal(again.status, 303);
    assert.equal(again.location, `/e/${env.id}/a/${accountId}/billing`);
    assert.equal((await h.stripe.checkout.sessions.list({ customer: acct.stripe_customer_id, limit: 10 })).data.length, 1);
  });

  it('a declined card leaves the account on Free and the session open', async () => {
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('declined'));
    const u = await h.upgrade(env.id, accountId!);
    const paid = await h.pay(u.sessionId!, { cardNumber: '4000000000000002' });
    assert.equal(paid.status, 402);
    assert.equal(paid.body.status, 'card_error');
    assert.equal((await h.stripe.checkout.sessions.retrieve(u.sessionId!)).status, 'open');
    assert.equal((await h.account(env.id, accountId!)).plan, 'free');
  });

  it('unknown accounts and environments are 404s; a Stripe failure is a 502, and nothing changes', async () => {
    const env = await h.environment();
    const other = await h.environment();
    const { accountId } = await h.signup(env.id, email('upgrade-errors'));
    for (const path of [
      `/e/${env.id}/a/acct_000000000000000000000000/upgrade`,
      `/e/${other.id}/a/${accountId}/upgrade`,
      `/e/env_000000000000000000000000/a/${accountId}/upgrade`,
    ]) {
      const res = await raw(path, { method: 'POST', headers: { accept: 'application/json' } });
      assert.equal(res.status, 404, path);
      assert.match((await res.json()).error, /^No (account|environment) '/);
    }
    await setEmulatorFaults({
      api: [{ method: 'POST', path: '/v1/checkout/sessions', status: 400, type: 'invalid_request_error', message: 'Injected refusal' }],
    });
    try {
      const refused = await h.upgrade(env.id, accountId!);
      assert.equal(refused.status, 502, "Stripe's 400 is the app's upstream failure, not the browser's");
    } finally {
      await clearEmulatorFaults();
    }
    const customer = (await h.account(env.id, accountId!)).stripe_customer_id;
    assert.equal((await h.stripe.checkout.sessions.list({ customer, limit: 10 })).data.length, 0);
    assert.equal((await h.account(env.id, accountId!)).plan, 'free');
  });
});

describe('health', () => {
  it('reports the database, Stripe and the version', async () => {
    const r = await json(await raw('/healthz'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok', version: VERSION, database: { ok: true }, stripe: { ok: true }, fault: null });
  });

  it('reports Stripe unreachable (503, with the error) while it is, and recovers', async () => {
    // Warm the app's catalogue first: health must not answer from a cache.
    await json(await raw('/healthz'));
    await setEmulatorFaults({ api: [{ method: 'GET', path: '/v1/prices', status: 500, message: 'Stripe is down (injected)' }] });
    try {
      const r = await json(await raw('/healthz'));
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'degraded');
      assert.deepEqual(r.body.database, { ok: true });
      assert.equal(r.body.stripe.ok, false);
      assert.match(r.body.stripe.error, /Stripe is down \(injected\)/);
      assert.match(r.body.stripe.request_id, /^req_/);
    } finally {
      await clearEmulatorFaults();
    }
    assert.equal((await raw('/healthz')).status, 200);
  });
});

describe('bad input', () => {
  it('unknown routes and methods are 404s (JSON under /api, HTML for pages)', async () => {
    const api = await json(await raw('/api/nope', { headers: { authorization: `Bearer ${h.adminToken}` } }));
    assert.equal(api.status, 404);
    assert.equal(api.body.error, 'No route for GET /api/nope');
    const page = await raw('/nope?x=1');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(await page.text(), /No route for GET \/nope</);
    assert.equal((await raw('/webhooks/stripe')).status, 404, 'GET on the webhook');
    const env = await h.environment();
    const { accountId } = await h.signup(env.id, email('routes'));
    assert.equal((await raw(`/e/${env.id}/a/${accountId}/plan`, { method: 'POST', body: new URLSearchParams({ plan: 'pro' }) })).status, 404);
    assert.equal((await raw(`/e/${env.id}/a/${accountId}/upgrade`)).status, 404, 'GET upgrade');
    assert.equal((await h.account(env.id, accountId!)).plan, 'free');
  });

  it('unknown accounts on pages and admin reads are 404s; a repeated query parameter is a 400', async () => {
    const env = await h.environment();
    for (const path of [`/e/${env.id}/a/acct_nope/billing`, `/e/${env.id}/a/acct_nope/plan`, `/e/${env.id}/a/acct_nope/billing/return`, '/e/env_nope/signup']) {
      assert.equal((await raw(path)).status, 404, path);
    }
    assert.equal((await h.admin('GET', `/api/environments/${env.id}/accounts/acct_nope`)).status, 404);
    assert.equal((await h.admin('GET', '/api/environments/env_nope/accounts')).status, 404);
    const repeated = await h.admin('GET', `/api/environments/${env.id}/accounts?email=a@example.com&email=b@example.com`);
    assert.equal(repeated.status, 400);
    assert.match(repeated.body.error, /email must be given once/);
  });

  it('a webhook without a signature is a 400', async () => {
    const res = await json(await raw('/webhooks/stripe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_1"}' }));
    assert.equal(res.status, 400);
    assert.match(res.body.error, /Missing Stripe-Signature/);
  });
});

describe('isolation between environments', () => {
  it('runs in parallel with the same email each get their own account, customer and plan', async () => {
    const address = email('shared');
    const [a, b] = await Promise.all([h.environment({ canary_run_id: 'run-a' }), h.environment({ canary_run_id: 'run-b' })]);
    const [paidA, signedB] = await Promise.all([h.subscribe(a.id, address), h.signup(b.id, address)]);
    assert.equal(signedB.status, 303);
    await h.waitForPlan(a.id, paidA.accountId, 'pro');

    const listA = (await h.admin('GET', `/api/environments/${a.id}/accounts`)).body.data;
    const listB = (await h.admin('GET', `/api/environments/${b.id}/accounts`)).body.data;
    assert.deepEqual(
      listA.map((x: { id: string }) => x.id),
      [paidA.accountId],
    );
    assert.deepEqual(
      listB.map((x: { id: string }) => x.id),
      [signedB.accountId],
    );
    assert.notEqual(listA[0].stripe_customer_id, listB[0].stripe_customer_id);
    assert.equal(listB[0].plan, 'free', "A's payment does not upgrade B");
    assert.equal(((await h.stripe.customers.retrieve(listB[0].stripe_customer_id)) as Stripe.Customer).metadata.canary_run_id, 'run-b');

    // A's account is not reachable through B, on pages or the admin API.
    assert.equal((await raw(`/e/${b.id}/a/${paidA.accountId}/billing`)).status, 404);
    assert.equal((await raw(`/e/${b.id}/a/${paidA.accountId}/upgrade`, { method: 'POST' })).status, 404);
    assert.equal((await h.admin('GET', `/api/environments/${b.id}/accounts/${paidA.accountId}`)).status, 404);

    // Deleting A leaves B alone, and B can still upgrade.
    assert.equal((await h.admin('DELETE', `/api/environments/${a.id}`)).status, 200);
    const paidB = await h.upgrade(b.id, signedB.accountId!);
    assert.equal((await h.pay(paidB.sessionId!)).body.status, 'complete');
    await h.waitForPlan(b.id, signedB.accountId!, 'pro');
  });
});

describe('canary demo-app', () => {
  /** Runs `canary demo-app` in-process; once it listens, `whileRunning` runs and then the command is stopped. */
  async function cli(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (url: string) => Promise<void>) {
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    let running: Promise<void> | undefined;
    const code = await runCli(['demo-app', ...args], {
      stdout: (l) => {
        out.push(l);
        const url = /Demo app listening on (\S+)/.exec(l)?.[1];
        if (url && !running) running = (async () => await whileRunning?.(url))().finally(() => stop.abort('SIGTERM'));
      },
      stderr: (l) => err.push(l),
      env,
      signal: stop.signal,
    });
    await running; // rethrows what failed while the app ran
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const token = 'cli-admin-token-0123456789';
  const base = { STRIPE_SECRET_KEY: 'sk_test_cli', DEMO_APP_ADMIN_TOKEN: token, DEMO_APP_PORT: '0', DEMO_APP_DATABASE: ':memory:', CANARY_LOG_LEVEL: 'info' };

  it('exits 2 naming what is missing or wrong: the key, the admin token, a live key, an unknown fault', { timeout: 30_000 }, async () => {
    const { STRIPE_SECRET_KEY: _k, ...noKey } = base;
    const { DEMO_APP_ADMIN_TOKEN: _t, ...noToken } = base;
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], noKey, /STRIPE_SECRET_KEY is required/],
      [[], noToken, /DEMO_APP_ADMIN_TOKEN is required/],
      [[], { ...base, DEMO_APP_ADMIN_TOKEN: 'short' }, /DEMO_APP_ADMIN_TOKEN must be at least 12 characters/],
      [[], { ...base, STRIPE_SECRET_KEY: 'sk_live_abcdef' }, /STRIPE_SECRET_KEY is a live-mode key/],
      [[], { ...base, STRIPE_SECRET_KEY: 'rk_live_abcdef' }, /STRIPE_SECRET_KEY is a live-mode key/],
      [[], { ...base, STRIPE_SECRET_KEY: 'pk_test_abc' }, /STRIPE_SECRET_KEY must be a Stripe secret or restricted key/],
      [
        [],
        { ...base, DEMO_APP_FAULT: 'webhook-501' },
        new RegExp(`DEMO_APP_FAULT must be one of ${Object.keys(FAULTS).join(', ')} or none \\(got 'webhook-501'\\)`),
      ],
      [['--fault', 'nope'], base, new RegExp(`--fault must be one of ${Object.keys(FAULTS).join(', ')}, none \\(got 'nope'\\)`)],
      [['--port', 'x'], base, /--port must be a port number/],
    ];
    for (const [args, env, message] of cases) {
      const r = await cli(args, env, async () => assert.fail('the app must not start'));
      assert.equal(r.code, 2, `${JSON.stringify(env)} ${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /sk_live_abcdef|rk_live_abcdef/, 'the key is not printed');
      assert.equal(r.out, '');
    }
  });

  it('starts against the emulator, registers its webhook endpoint, serves until stopped, and exits 0', { timeout: 30_000 }, async () => {
    const emulator = await startStripeEmulator({ port: 0 });
    try {
      const u = new URL(emulator.url);
      const stripe = new Stripe('sk_test_cli', { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0 });
      const r = await cli(['--fault', 'wrong-price'], { ...base, STRIPE_API_URL: emulator.url, DEMO_APP_VERSION: 'cli-1' }, async (url) => {
        const health = await (await fetch(`${url}/healthz`)).json();
        assert.deepEqual(health, { status: 'ok', version: 'cli-1', database: { ok: true }, stripe: { ok: true }, fault: 'wrong-price' });
        const endpoints = await stripe.webhookEndpoints.list();
        assert.deepEqual(
          endpoints.data.map((e) => e.url),
          [`${url}/webhooks/stripe`],
        );
        const created = await fetch(`${url}/api/environments`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        assert.equal(created.status, 201);
      });
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.err, new RegExp(token), 'the admin token is never logged');
      const prices = await stripe.prices.list({ lookup_keys: [PRO_LOOKUP_KEY] });
      assert.equal(prices.data[0]?.unit_amount, 4900, 'the catalogue exists at start');
      assert.deepEqual((await stripe.webhookEndpoints.list()).data, [], 'stopped, the app deleted the endpoint it registered');
    } finally {
      await emulator.close();
    }
  });
});
