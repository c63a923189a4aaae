/**
 * Reliability: the emulator answers a seeded fuzz run of random form bodies and query strings —
 * nested brackets, huge values, odd encodings, unknown parameters — on every route it serves
 * (the API, the hosted page, the control API) with 2xx or 4xx: never a 5xx, never a dropped
 * connection. The seed is printed; `FUZZ_SEED=<n>` replays a run, `FUZZ_REQUESTS`
 * changes its size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEmulator } from '../emulators/stripe/testing/sdk.ts';
import { billingObjects } from '../emulators/stripe/resources/billing-objects.ts';
import { catalog } from '../emulators/stripe/resources/catalog.ts';
import { checkoutSessions } from '../emulators/stripe/resources/checkout-sessions.ts';
import { customers } from '../emulators/stripe/resources/customers.ts';
import { webhookEndpoints } from '../emulators/stripe/resources/webhook-endpoints.ts';
import { mulberry32 } from '../emulators/stripe/random.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4000);
const KEY = 'sk_test_fuzz_reliability';

interface Target {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  params: string[];
}

const API: Target[] = [customers, catalog, checkoutSessions, billingObjects, webhookEndpoints].flatMap((m) =>
  m.routes.map((r) => ({ method: r.method, url: r.url, params: [...Object.keys(r.params), 'expand'] })),
);
// The hosted page and the control API. Control routes that change the emulator's behaviour on
// purpose (faults, reset, clock) only get bodies they must refuse: form bodies, not JSON.
const OTHERS: Target[] = [
  { method: 'GET', url: '/c/pay/:id', params: ['locale', 'redirect'] },
  { method: 'POST', url: '/c/pay/:id/confirm', params: ['card_number', 'exp', 'cvc', 'name', 'email'] },
  { method: 'GET', url: '/c/3ds/:id', params: ['return'] },
  { method: 'GET', url: '/c/3ds/:id/challenge', params: ['result'] },
  { method: 'GET', url: '/_emulator/clock', params: [] },
  { method: 'POST', url: '/_emulator/clock', params: ['now', 'advance_seconds'] },
  { method: 'POST', url: '/_emulator/faults', params: ['api', 'checkout_page', 'webhooks'] },
  { method: 'GET', url: '/_emulator/webhook-deliveries', params: ['event', 'endpoint', 'limit'] },
];

function fuzzer(random: () => number, ids: string[]) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chars = 'abcXYZ019_-.~ !*()[]{}<>"\'\\/?#&=+%;:,@$^|`';
  const word = (n = 1 + Math.floor(random() * 12)) => Array.from({ length: n }, () => pick(chars.split(''))).join('');
  const enc = (s: string) => encodeURIComponent(s);
  /** A value as it appears in the encoded body: valid, empty, huge, broken percent-encoding, control bytes, unicode. */
  const value = (): string =>
    pick([
      () => enc(word()),
      () => '',
      () => String(Math.floor(random() * 1e12) - 5e11),
      () => pick(['true', 'false', 'null', 'NaN', '1e400', '-0', '0x10', '1.5']),
      () => 'x'.repeat(pick([1000, 20_000, 200_000])),
      () => pick(['%', '%Z', '%ZZ', '%C0%AF', '%FF%FE', '%00', '%E2%82', '%F0%9F%98%80', '%u0041']),
      () => enc(pick(['ünïcödé', '日本語', '😀', '\u0000', '\r\n', '\uFEFF'])),
      // A lone surrogate cannot be URI-encoded; its CESU-8 bytes are what a broken client sends.
      () => '%ED%A0%80',
      () => enc(pick(ids)),
      () => enc(`${pick(ids)}${word(3)}`),
    ])();
  /** A key: a known parameter or an unknown one, with 0 to 12 levels of brackets (some broken). */
  const key = (known: string[]): string => {
    const base = known.length && random() < 0.7 ? pick(known) : word();
    const depth = pick([0, 0, 0, 1, 2, 3, 6, 12]);
    let k = enc(base);
    for (let i = 0; i < depth; i++) k += pick(['[]', `[${enc(word(3))}]`, `[${Math.floor(random() * 300)}]`, '[', ']', '%5B%5D', '[[x]]']);
    return k;
  };
  const form = (known: string[]): string =>
    Array.from({ length: pick([0, 1, 2, 3, 5, 10, 40]) }, () => (random() < 0.05 ? enc(word()) : `${key(known)}=${value()}`)).join(
      pick(['&', '&', '&', ';', '&&']),
    );
  const pathId = (): string =>
    pick([
      () => pick(ids),
      () => enc(word()),
      () => 'x'.repeat(pick([64, 3000])),
      () => pick(['%2F', '%00', '..', '%2e%2e', '%ZZ', '%C0%AF', '%F0%9F%98%80']),
    ])();
  return { pick, form, pathId, word };
}

test(`the emulator answers ${REQUESTS} seeded random requests on every route with 2xx/4xx, never 5xx or a dropped connection (seed ${SEED})`, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const base = emu.emulator.url;
  const stripe = emu.client({}, KEY);
  // Real objects, so some ids in paths and bodies resolve and handlers go past the lookup.
  const customer = await stripe.customers.create({ email: 'fuzz@example.com' });
  const product = await stripe.products.create({ name: 'Fuzz Pro' });
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://127.0.0.1:9/ok',
    cancel_url: 'http://127.0.0.1:9/cancel',
  });
  const ids = [customer.id, product.id, price.id, session.id, 'pm_card_visa', 'cus_missing', 'usd', 'canary_pro_monthly'];

  const random = mulberry32(SEED);
  const f = fuzzer(random, ids);
  const targets = [...API, ...OTHERS];
  const failures: string[] = [];
  const seen = new Set<string>();
  let sent = 0;
  const statuses = new Map<number, number>();

  async function one(): Promise<void> {
    const target = f.pick(targets);
    const path = target.url.replace(/:\w+/g, () => f.pathId());
    const query = target.method === 'GET' || target.method === 'DELETE' || random() < 0.2 ? f.form(target.params) : '';
    const body = target.method === 'POST' ? f.form(target.params) : undefined;
    const headers: Record<string, string> = {
      'content-type': f.pick([
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/x-www-form-urlencoded; charset=latin1',
      ]),
    };
    if (!target.url.startsWith('/_emulator') && random() < 0.95) headers.authorization = `Bearer ${KEY}`;
    if (random() < 0.1) headers['idempotency-key'] = f.word(8);
    if (random() < 0.05) headers['stripe-version'] = f.pick(['2020-08-27', 'garbage', '']);
    const url = `${base}${path}${query ? `?${query}` : ''}`;
    const what = `${target.method} ${target.url} (${url.length} chars${body ? `, body ${body.length} chars` : ''})`;
    seen.add(`${target.method} ${target.url}`);
    try {
      const res = await fetch(url, { method: target.method, headers, body, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${what} answered ${res.status}: ${text.slice(0, 200)}\n    ${url.slice(0, 300)} ${body?.slice(0, 300) ?? ''}`);
    } catch (err) {
      failures.push(`${what} dropped: ${(err as Error).message} ${(err as Error & { cause?: Error }).cause?.message ?? ''}\n    ${url.slice(0, 300)}`);
    }
    sent++;
  }

  // A few at once, as the harness and an app would send them.
  const concurrency = 16;
  const progress = setInterval(() => t.diagnostic(`fuzz: ${sent}/${REQUESTS} sent, ${failures.length} failures`), 5000);
  try {
    for (let i = 0; i < REQUESTS; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, REQUESTS - i) }, one));
  } finally {
    clearInterval(progress);
  }
  t.diagnostic(`seed ${SEED}: ${sent} requests over ${seen.size} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${sent} requests got a 5xx or a dropped connection (replay with FUZZ_SEED=${SEED})`);
  assert.equal(seen.size, targets.length, 'every route was fuzzed');
  // The fuzz sent only refusable bodies to the control API: it must not have changed the emulator's behaviour.
  const faults = (await (await fetch(`${base}/_emulator/faults`)).json()) as { api: unknown[]; checkout_page: string };
  assert.deepEqual({ api: faults.api, checkout_page: faults.checkout_page }, { api: [], checkout_page: 'none' });
  // And the emulator still serves a normal request afterwards.
  assert.equal((await stripe.customers.retrieve(customer.id)).id, customer.id);
});
