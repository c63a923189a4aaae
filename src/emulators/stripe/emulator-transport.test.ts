// The emulator's HTTP layer as the official SDK (and, where the SDK cannot, raw fetch) sees it:
// authentication, Request-Id, form bodies, and malformed requests that must never answer 500.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import Stripe from 'stripe';
import { startTestEmulator } from './testing/sdk.ts';
import type { TestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';

const FORM = 'application/x-www-form-urlencoded';
const KEY = 'sk_test_transportKey123456789';

async function emulator(t: TestContext): Promise<TestEmulator> {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  return emu;
}

interface Answer {
  status: number;
  requestId: string | null;
  headers: Headers;
  body: any;
  text: string;
}

/** A raw request to the emulator; the body is parsed as JSON when it is JSON. */
async function raw(emu: TestEmulator, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(emu.emulator.url + path, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, requestId: res.headers.get('request-id'), headers: res.headers, body, text };
}

const post = (emu: TestEmulator, path: string, body: string, headers: Record<string, string> = {}) =>
  raw(emu, path, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': FORM, ...headers }, body });

/** Stripe's error shape: `{error: {type, message, …}}` with nothing else at the top level. */
function assertStripeError(a: Answer, status: number, type: string): Record<string, unknown> {
  assert.equal(a.status, status, `status of ${a.text.slice(0, 300)}`);
  assert.ok(a.body && typeof a.body === 'object', `JSON error body, got ${a.text.slice(0, 200)}`);
  assert.deepEqual(Object.keys(a.body), ['error']);
  assert.equal(a.body.error.type, type);
  assert.equal(typeof a.body.error.message, 'string');
  assert.ok(a.body.error.message.length > 0);
  assert.match(a.requestId ?? '', /^req_[A-Za-z0-9]+$/);
  return a.body.error;
}

// ---------------------------------------------------------------------------------------------
// 1. Authentication
// ---------------------------------------------------------------------------------------------

test('auth: Bearer sk_test_ and rk_test_ keys work through the SDK', async (t) => {
  const emu = await emulator(t);
  for (const key of ['sk_test_abc123', 'rk_test_restricted_456']) {
    const client = emu.client({}, key);
    const customer = await client.customers.create({ name: `key ${key}` });
    assertShape(customer, 'customer');
    assert.equal(customer.name, `key ${key}`);
    const again = await client.customers.retrieve(customer.id);
    assert.equal(again.id, customer.id);
  }
});

test('auth: Basic auth with the key as user works', async (t) => {
  const emu = await emulator(t);
  const basic = `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`;
  const created = await raw(emu, '/v1/customers', { method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: 'name=Basic' });
  assert.equal(created.status, 200, created.text);
  assertShape(created.body, 'customer');
  assert.equal(created.body.name, 'Basic');
  const listed = await raw(emu, '/v1/customers', { headers: { authorization: basic } });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.data.map((c: { id: string }) => c.id),
    [created.body.id],
  );
});

test('auth: missing header, garbage, live and malformed keys answer 401 authentication_error without echoing the key', async (t) => {
  const emu = await emulator(t);
  const secretPart = 'VerySecretValue9876543210';
  const cases: [string, Record<string, string>, string | null][] = [
    ['missing header', {}, null],
    ['garbage bearer', { authorization: `Bearer garbage_${secretPart}` }, `garbage_${secretPart}`],
    ['sk_live_', { authorization: `Bearer sk_live_${secretPart}` }, `sk_live_${secretPart}`],
    ['rk_live_', { authorization: `Bearer rk_live_${secretPart}` }, `rk_live_${secretPart}`],
    ['unknown scheme', { authorization: `Token sk_test_${secretPart}` }, `sk_test_${secretPart}`],
    ['bad characters', { authorization: `Bearer sk_test_${secretPart}!$` }, `sk_test_${secretPart}`],
    ['empty bearer', { authorization: 'Bearer' }, null],
    ['basic with garbage', { authorization: `Basic ${Buffer.from(`nope_${secretPart}:`).toString('base64')}` }, `nope_${secretPart}`],
  ];
  for (const [label, headers, key] of cases) {
    const a = await raw(emu, '/v1/customers', { headers });
    const error = assertStripeError(a, 401, 'authentication_error');
    if (key !== null) {
      assert.ok(!String(error.message).includes(key), `${label}: message echoes the key: ${error.message}`);
      assert.ok(!String(error.message).includes(secretPart), `${label}: message echoes the secret part: ${error.message}`);
    }
    assert.ok(!a.text.includes(secretPart), `${label}: body echoes the secret part`);
  }
});

test('auth: the SDK raises StripeAuthenticationError for a garbage and for a live key', async (t) => {
  const emu = await emulator(t);
  for (const key of ['garbage_key_0123456789', 'sk_live_0123456789abcdefghij']) {
    await assert.rejects(emu.client({}, key).customers.create({ name: 'x' }), (err: unknown) => {
      assert.ok(err instanceof Stripe.errors.StripeAuthenticationError, `got ${String(err)}`);
      assert.equal(err.type, 'StripeAuthenticationError');
      assert.equal(err.statusCode, 401);
      assert.equal(err.raw && (err.raw as { type?: string }).type, 'authentication_error');
      assert.match(err.requestId ?? '', /^req_/);
      assert.ok(!err.message.includes(key), `message echoes the key: ${err.message}`);
      return true;
    });
  }
  // Nothing was created by the rejected calls.
  const list = await emu.stripe.customers.list();
  assert.equal(list.data.length, 0);
});

// ---------------------------------------------------------------------------------------------
// 2. Transport
// ---------------------------------------------------------------------------------------------

test('transport: every response carries Request-Id, and errors expose it as err.requestId', async (t) => {
  const emu = await emulator(t);
  const created = await emu.stripe.customers.create({ email: 'rid@example.com' });
  assert.match(created.lastResponse.requestId, /^req_[A-Za-z0-9]{14}$/);
  const list = await emu.stripe.customers.list();
  assert.match(list.lastResponse.requestId, /^req_/);
  assert.notEqual(list.lastResponse.requestId, created.lastResponse.requestId);

  await assert.rejects(emu.stripe.customers.retrieve('cus_doesNotExist'), (err: unknown) => {
    assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.match(err.requestId ?? '', /^req_[A-Za-z0-9]+$/);
    assert.equal(err.headers?.['request-id'], err.requestId);
    return true;
  });
  // Raw answers too: success, 401, 404, control API.
  for (const [path, init] of [
    ['/v1/customers', { headers: { authorization: `Bearer ${KEY}` } }],
    ['/v1/customers', {}],
    ['/v1/unknown', { headers: { authorization: `Bearer ${KEY}` } }],
    ['/_emulator/clock', {}],
  ] as [string, RequestInit][]) {
    const a = await raw(emu, path, init);
    assert.match(a.requestId ?? '', /^req_[A-Za-z0-9]+$/, `${path} ${a.status}`);
  }
});

test('transport: a Stripe-Version header is accepted and answered', async (t) => {
  const emu = await emulator(t);
  const pinned = emu.client({ apiVersion: '2024-06-20' as Stripe.LatestApiVersion });
  const c = await pinned.customers.create({ name: 'versioned' });
  assert.equal(c.name, 'versioned');
  const a = await raw(emu, '/v1/customers', { headers: { authorization: `Bearer ${KEY}`, 'stripe-version': '2025-01-27.acacia' } });
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('stripe-version'), '2025-01-27.acacia');
});

test('transport: form bodies with bracket notation via fetch (metadata[k]=v, expand[]=…, nested objects)', async (t) => {
  const emu = await emulator(t);
  const a = await post(
    emu,
    '/v1/customers',
    'name=Form%20Body&email=form%40example.com&metadata[order]=42&metadata[plan]=pro%2Bplus&address[city]=Berlin&preferred_locales[]=de&preferred_locales[]=en&expand[]=invoice_settings.default_payment_method',
  );
  assert.equal(a.status, 200, a.text);
  assertShape(a.body, 'customer');
  assert.equal(a.body.name, 'Form Body');
  assert.equal(a.body.email, 'form@example.com');
  assert.deepEqual(a.body.metadata, { order: '42', plan: 'pro+plus' });
  assert.equal(a.body.address.city, 'Berlin');
  assert.deepEqual(a.body.preferred_locales, ['de', 'en']);
  // The SDK sees the same object.
  const sdk = await emu.stripe.customers.retrieve(a.body.id);
  assert.ok(!sdk.deleted);
  assert.deepEqual(sdk.metadata, { order: '42', plan: 'pro+plus' });
  // Query strings use the same notation: expand[]= on a GET, limit as a string.
  const q = await raw(emu, `/v1/customers/${a.body.id}?expand[]=invoice_settings.default_payment_method`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(q.status, 200, q.text);
  assert.equal(q.body.id, a.body.id);
  const bad = await raw(emu, '/v1/customers?limit=abc', { headers: { authorization: `Bearer ${KEY}` } });
  const err = assertStripeError(bad, 400, 'invalid_request_error');
  assert.equal(err.param, 'limit');
});

test('transport: unknown routes and wrong methods answer 404 "Unrecognized request URL" in Stripe\'s shape', async (t) => {
  const emu = await emulator(t);
  const auth = { authorization: `Bearer ${KEY}` };
  for (const [method, path] of [
    ['GET', '/v1/nope'],
    ['GET', '/v1/customers/cus_1/nope'],
    ['PUT', '/v1/customers'],
    ['PATCH', '/v1/customers'],
    ['DELETE', '/v1/customers'],
    ['POST', '/v1/events'],
    ['GET', '/v2/customers'],
    ['GET', '/'],
  ] as const) {
    const a = await raw(emu, path, { method, headers: auth });
    const err = assertStripeError(a, 404, 'invalid_request_error');
    assert.match(String(err.message), /^Unrecognized request URL \(/);
    assert.ok(String(err.message).includes(`${method}: ${path}`), String(err.message));
  }
  // The SDK maps it to StripeInvalidRequestError.
  await assert.rejects(
    emu.stripe.rawRequest('GET', '/v1/definitely_not_a_resource'),
    (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404 && /Unrecognized request URL/.test(err.message),
  );
});

test("transport: malformed requests answer 4xx in Stripe's shape, never 500, and the emulator keeps serving", async (t) => {
  const emu = await emulator(t);
  const auth = { authorization: `Bearer ${KEY}` };
  const cases: [string, string, RequestInit, number][] = [
    ['invalid percent-encoding in the path', '/v1/customers/%E0%A4%A', { headers: auth }, 400],
    ['lone % in the path', '/v1/customers/%', { headers: auth }, 400],
    ['very long path segment', `/v1/customers/${'x'.repeat(1000)}`, { headers: auth }, 404],
    [
      'invalid percent-encoding in the body',
      '/v1/customers',
      { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'name=%E0%A4%A&metadata[%ZZ]=%' },
      200,
    ],
    ['JSON body to /v1', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"json"}' }, 400],
    ['broken JSON body to /v1', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":' }, 400],
    ['unsupported content type', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': 'text/xml' }, body: '<customer/>' }, 400],
    [
      'multipart body',
      '/v1/customers',
      { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n\r\n--x--' },
      400,
    ],
    ['no content type', '/v1/customers', { method: 'POST', headers: auth, body: 'name=x' }, 400],
    ['huge body (> 1 MB)', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: `name=${'a'.repeat(1024 * 1024 + 10)}` }, 400],
    ['deeply nested brackets', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: `metadata${'[a]'.repeat(5000)}=c` }, 400],
    ['metadata[a][b]=c', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'metadata[a][b]=c' }, 400],
    ['array where a string is expected', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'email[]=a%40b.co' }, 400],
    [
      'indexed array where a string is expected',
      '/v1/customers',
      { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'name[0]=a&name[1]=b' },
      400,
    ],
    ['object where a string is expected', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'name[first]=a' }, 400],
    ['repeated scalar', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'email=a%40b.co&email=c%40d.co' }, 400],
    ['string where an array is expected', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'expand=foo' }, 400],
    ['huge array index', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'preferred_locales[99999999]=en' }, 400],
    ['unknown parameter', '/v1/customers', { method: 'POST', headers: { ...auth, 'content-type': FORM }, body: 'foo=bar' }, 400],
    ['bad query string', '/v1/customers?limit[]=1&limit[]=2&starting_after[x]=y', { headers: auth }, 400],
    ['invalid percent-encoding in the query', '/v1/customers?email=%E0%A4%A&%=%', { headers: auth }, 400],
    [
      'idempotency key too long',
      '/v1/customers',
      { method: 'POST', headers: { ...auth, 'content-type': FORM, 'idempotency-key': 'k'.repeat(256) }, body: 'name=x' },
      400,
    ],
  ];
  for (const [label, path, init, status] of cases) {
    const a = await raw(emu, path, init);
    assert.ok(a.status < 500, `${label}: answered ${a.status} ${a.text.slice(0, 300)}`);
    assert.equal(a.status, status, `${label}: ${a.text.slice(0, 300)}`);
    if (status >= 400) assertStripeError(a, status, 'invalid_request_error');
    else assert.match(a.requestId ?? '', /^req_/, label);
  }
  // Prototype keys are dropped by the parser: nothing is polluted, nothing leaks into the object.
  const proto = await post(emu, '/v1/customers', '__proto__[polluted]=1&constructor[prototype][polluted2]=2&metadata[__proto__][x]=z&name=proto');
  assert.ok(proto.status === 200 || proto.status === 400, `prototype keys: ${proto.status} ${proto.text}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted2, undefined);
  if (proto.status === 200) {
    assert.deepEqual(proto.body.metadata, {});
    assert.ok(!proto.text.includes('polluted'));
  }

  const after = await emu.stripe.customers.create({ name: 'still works' });
  assert.equal(after.name, 'still works');
});

/** Sends raw bytes on a fresh TCP connection and returns everything the server writes back. */
function rawSocket(emu: TestEmulator, data: string): Promise<string> {
  const { hostname, port } = new URL(emu.emulator.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(data));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

test("transport: unparseable HTTP (garbage request line, oversized headers) is answered in Stripe's shape", async (t) => {
  const emu = await emulator(t);
  const cases: [string, string, number][] = [
    ['garbage request line', 'GARBAGE\r\n\r\n', 400],
    ['invalid header', `GET /v1/customers HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n`, 400],
    ['headers over 16 KB', `GET /v1/customers?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
  ];
  for (const [label, data, status] of cases) {
    const answer = await rawSocket(emu, data);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${label}: ${answer.slice(0, 200)}`);
    assert.match(head, /\r\nRequest-Id: req_[A-Za-z0-9]+/i, label);
    const parsed = JSON.parse(body) as { error: { type: string; message: string } };
    assert.deepEqual(Object.keys(parsed), ['error']);
    assert.equal(parsed.error.type, 'invalid_request_error');
  }
  const after = await emu.stripe.customers.create({ name: 'after raw garbage' });
  assert.equal(after.name, 'after raw garbage');
});

test('transport: 10k random garbage bodies never get a 5xx and never stop the emulator', async (t) => {
  const emu = await emulator(t);
  // A small deterministic PRNG, so a failure can be reproduced.
  let seed = 0x2f6b1d3a;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pieces = [
    'metadata',
    'expand',
    'name',
    'email',
    'address',
    'line_items',
    'preferred_locales',
    '[',
    ']',
    '[]',
    '=',
    '&',
    '%',
    '%2',
    '%ZZ',
    '%00',
    '%E0%A4',
    '+',
    '__proto__',
    'constructor',
    'prototype',
    '0',
    '99999',
    'a',
    '.',
    'invoice_settings',
    'default_payment_method',
    '\u00e9',
    '\uD83D\uDCA9',
    '\u0000',
    ';',
    '"',
    "'",
    '\\',
    'true',
    '-1',
  ];
  const paths = [
    '/v1/customers',
    '/v1/products',
    '/v1/prices',
    '/v1/webhook_endpoints',
    '/v1/checkout/sessions',
    '/v1/customers/cus_x',
    '/v1/customers?',
    '/v1/events?',
  ];
  const garbage = () => {
    const n = 1 + Math.floor(rand() * 12);
    let s = '';
    for (let i = 0; i < n; i++) {
      s += rand() < 0.7 ? pieces[Math.floor(rand() * pieces.length)] : String.fromCharCode(Math.floor(rand() * 256));
    }
    return s;
  };
  // node:http with keep-alive: ten times cheaper per request than fetch, so 10k stay fast.
  const base = new URL(emu.emulator.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  t.after(() => agent.destroy());
  const send = (method: string, path: string, body: string | undefined) =>
    new Promise<{ status: number; text: string; requestId: string | null }>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
      if (body !== undefined) headers['content-type'] = FORM;
      const req = http.request({ host: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            requestId: (res.headers['request-id'] as string | undefined) ?? null,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  // Raw bytes are kept in bodies; in URLs only what HTTP allows on the request line is sent raw.
  const forUrl = (s: string) => s.replace(/[^\x21-\x7e]|#/gu, (ch) => encodeURIComponent(ch));
  const statuses = new Map<number, number>();
  const TOTAL = 10_000;
  const BATCH = 100;
  for (let i = 0; i < TOTAL; i += BATCH) {
    const answers = await Promise.all(
      Array.from({ length: BATCH }, async () => {
        const path = paths[Math.floor(rand() * paths.length)]!;
        const body = garbage();
        const isGet = path.endsWith('?');
        const url = isGet ? path + forUrl(body) : path;
        const a = await send(isGet ? 'GET' : 'POST', url, isGet ? undefined : body);
        return { ...a, body, url };
      }),
    );
    for (const a of answers) {
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      assert.ok(a.status >= 200 && a.status < 500, `${JSON.stringify(a.url)} ${JSON.stringify(a.body)} answered ${a.status}: ${a.text.slice(0, 300)}`);
      assert.match(a.requestId ?? '', /^req_/);
      if (a.status >= 400) assert.match(a.text, /^\{"error":\{"type":"invalid_request_error"/, a.text.slice(0, 200));
    }
  }
  assert.equal(
    [...statuses.values()].reduce((x, y) => x + y, 0),
    TOTAL,
  );
  assert.ok((statuses.get(400) ?? 0) > 0, `some garbage is rejected: ${JSON.stringify([...statuses])}`);
  const after = await emu.stripe.customers.create({ name: 'after garbage' });
  assert.equal((await emu.stripe.customers.retrieve(after.id)).id, after.id);
});
