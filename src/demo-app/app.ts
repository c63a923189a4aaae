/**
 * The demo SaaS: environments (one per monitoring run), sign-up onto the Free plan, an upgrade
 * to Pro through hosted Stripe Checkout, and a webhook handler that makes the plan follow
 * Stripe. Integrated with Stripe the way production code is: server-side sessions, verified
 * webhooks, idempotency keys, a database.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import qs from 'qs';
import Stripe from 'stripe';
import { z } from 'zod';
import { MAX_UNIX_SECONDS, stampDateHeaders, type Clock } from './clock.ts';
import type { AccountRow, Db } from './db.ts';
import { FAULTS, parseFault, UnknownFault, type FaultName } from './faults.ts';
import { PRO_LOOKUP_KEY, WRONG_LOOKUP_KEY, ensurePrice } from './stripe.ts';
import { billingPage, errorPage, renewalText, returnPage, signupPage, type PlanView } from './views.ts';

export interface AppDeps {
  db: Db;
  /** The app's clock (also the database's): `created` times and every response's Date header. */
  clock: Clock;
  stripe: Stripe;
  webhookSecret: () => string;
  publicUrl: () => string;
  adminToken: string;
  version: string;
  fault: FaultName | null;
  /** How long `webhook-timeout` holds a delivery before giving up on it. */
  webhookHoldMs: number;
  /** How long `upgrade-hang` holds an upgrade before failing it. */
  upgradeHoldMs: number;
  /** The app's webhook URL and the endpoint it registered for it (null when it was given a secret). */
  webhookEndpoint: () => { url: string; id: string | null };
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const PRO = { productName: 'Pro', unitAmount: 4900, currency: 'usd', interval: 'month' as const };
const WRONG = { productName: 'Pro (legacy)', unitAmount: 9900, currency: 'usd', interval: 'month' as const };
const PAID_STATUSES = new Set(['active', 'trialing', 'past_due']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Labels go into Stripe metadata beside `environment` and `account`: Stripe allows 50 keys of at
// most 40 characters with values of at most 500, and the app's own keys must not be overwritten.
const RESERVED_LABELS = new Set(['environment', 'account']);
/** An environment's labels after a change: what Stripe's 50 metadata keys leave beside the app's own two. */
const MAX_LABELS = 50 - RESERVED_LABELS.size;
const labelName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'label names are 1–40 letters, digits, _ . -')
  .refine((k) => !RESERVED_LABELS.has(k), 'environment and account are set by the app');
const labelValue = z.string().max(500, 'label values are at most 500 characters');
const labelsSchema = z.record(labelName, labelValue).refine((labels) => Object.keys(labels).length <= 40, 'at most 40 labels');
const environmentBody = z.strictObject({ labels: labelsSchema.optional() });
/** PATCH: labels to merge in; `null` removes one. The total is checked once merged. */
const labelsPatchBody = z.strictObject({
  labels: z.record(labelName, labelValue.nullable(), {
    error: (issue) => `${issue.input === undefined ? 'required, ' : ''}an object of label names to strings (null removes one)`,
  }),
});
// One object with both fields optional, not a union: a union's error names no field.
const clockBody = z
  .strictObject({
    now: z.number().int().min(0).max(MAX_UNIX_SECONDS).optional(),
    advance_seconds: z.number().int().min(-MAX_UNIX_SECONDS).max(MAX_UNIX_SECONDS).optional(),
  })
  .refine((b) => (b.now === undefined) !== (b.advance_seconds === undefined), { error: 'send exactly one of now, advance_seconds' });
const faultBody = z.strictObject({
  fault: z.string().nullable(),
  /** Only the next N times the fault would strike (then it clears itself); absent: until cleared. */
  times: z.number().int().positive().max(1_000_000).optional(),
});
const signupForm = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'Enter a valid email address.')
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter a valid email address.'),
  name: z.string().trim().max(200, 'Your name can be at most 200 characters.').optional(),
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Stripe's default tolerance: a signature older than this is refused (the SDK checks), and so is one this far ahead. */
const WEBHOOK_TOLERANCE_S = 300;

/**
 * What the SDK's signature check leaves open: a timestamp in the future (it only refuses old
 * ones), and the same signed request sent again within the tolerance. Stripe signs every
 * delivery attempt afresh, retries included, so a signature seen before is a replay. Memory only:
 * signatures are forgotten once the tolerance has refused them anyway.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly toleranceS: number,
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Why the (already verified) header must be refused, or null; remembers it. */
  check(header: string): string | null {
    const now = this.nowS();
    const t = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
    if (t > now + this.toleranceS) return `Timestamp ${t} is more than ${this.toleranceS} s in the future`;
    const signatures = [...header.matchAll(/(?:^|,)v1=([0-9a-f]+)/g)].map((m) => m[1]!).sort();
    const key = `${t}:${signatures.join(',')}`;
    if (this.seen.has(key)) return 'this signed request was already received (a replay): Stripe signs each delivery afresh';
    // Oldest first (insertion order): stop at the first still within the tolerance.
    for (const [k, expires] of this.seen) {
      if (expires >= now) break;
      this.seen.delete(k);
    }
    this.seen.set(key, t + this.toleranceS);
    return null;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { db, stripe, clock } = deps;
  let fault = deps.fault;
  /** How many more times the fault strikes before it clears itself; null: until cleared. */
  let remaining: number | null = null;
  /** Whether `name` is the fault in force, counting the strike when it is limited. */
  const strikes = (name: FaultName): boolean => {
    if (fault !== name) return false;
    if (remaining !== null && --remaining === 0) {
      fault = null;
      remaining = null;
    }
    return true;
  };
  let proPrice: Stripe.Price | undefined;
  const held = new Set<() => void>();
  let closing = false;
  /** Holds a request (a fault's hang) for `ms`, or until the app closes. */
  const hold = (ms: number): Promise<void> =>
    closing
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const release = () => {
            clearTimeout(timer);
            held.delete(release);
            resolve();
          };
          const timer = setTimeout(release, ms);
          held.add(release);
        });

  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // HTTP that node cannot parse is answered on the socket, outside any response: dated here.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, label] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout']
            : [400, 'Bad Request'];
      const body = JSON.stringify({ error: `${label}: the request is not valid HTTP.` });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${label}\r\nDate: ${clock.httpDate()}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  });
  stampDateHeaders(app.server, clock);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, qs.parse(body as string, { depth: 1, parameterLimit: 50 }));
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    // A Stripe error carries Stripe's status code (400 for an idempotency conflict, 401 for a bad
    // key…): that is Stripe refusing the app, not the browser sending something wrong.
    const fromStripe = error instanceof Stripe.errors.StripeError;
    const status = error instanceof HttpError ? error.status : fromStripe ? 502 : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    const message =
      error instanceof HttpError || status < 500
        ? error.message
        : fromStripe
          ? 'Our payment provider could not complete the request. Please try again.'
          : 'Something went wrong on our side. Please try again.';
    if (wantsJson(req)) return reply.code(status).send({ error: message });
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage(status, message));
  });
  app.setNotFoundHandler((req, reply) => {
    const message = `No route for ${req.method} ${req.url.split('?')[0]}`;
    if (wantsJson(req)) return reply.code(404).send({ error: message });
    return reply.code(404).type('text/html; charset=utf-8').send(errorPage(404, message));
  });
  // Requests being answered, so that close can let them finish (a response closes when it is sent
  // or its connection drops).
  const inFlight = new Set<ServerResponse>();
  app.addHook('onRequest', async (_req, reply) => {
    const res = reply.raw;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  // Closing: answer the requests a fault is holding (`webhook-timeout`, `upgrade-hang`), let the
  // requests in flight finish (for a few seconds at most), then drop every connection. Without
  // that, server.close() waits for keep-alive connections and for connections a client opened but
  // sent nothing on yet, which only their client ends (up to Fastify's 72 s keep-alive).
  app.addHook('preClose', async () => {
    closing = true;
    for (const release of held) release();
    const deadline = Date.now() + 5000;
    while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    app.server.closeAllConnections();
  });

  const catalogue = async (): Promise<Stripe.Price> => (proPrice ??= await ensurePrice(stripe, PRO_LOOKUP_KEY, PRO));

  // ---- admin API (bearer token) -------------------------------------------------------------
  const admin = async (req: FastifyRequest) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token) throw new HttpError(401, 'Missing admin token: send Authorization: Bearer <DEMO_APP_ADMIN_TOKEN>.');
    if (!sameSecret(token, deps.adminToken)) throw new HttpError(403, 'Wrong admin token.');
  };
  const parseJson = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
    const r = schema.safeParse(body ?? {});
    if (!r.success) {
      const first = r.error.issues[0]!;
      // A bad record key is reported as "Invalid key in record"; its own issue says what is wrong.
      const issue = first.code === 'invalid_key' ? { path: first.path, message: first.issues[0]?.message ?? first.message } : first;
      throw new HttpError(400, `Invalid ${what}${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`);
    }
    return r.data;
  };

  app.post('/api/environments', { onRequest: admin }, async (req, reply) => {
    const body = parseJson(environmentBody, req.body, 'environment');
    return reply.code(201).send(db.createEnvironment(id('env'), body.labels ?? {}));
  });
  app.get('/api/environments', { onRequest: admin }, async () => ({ data: db.environments() }));
  app.patch('/api/environments/:env', { onRequest: admin }, async (req) => {
    const envId = (req.params as { env: string }).env;
    const body = parseJson(labelsPatchBody, req.body, 'environment labels');
    const env = db.updateLabels(envId, (current) => {
      const merged = { ...current };
      for (const [key, value] of Object.entries(body.labels)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      const count = Object.keys(merged).length;
      if (count > MAX_LABELS) throw new HttpError(400, `Invalid labels: the environment would have ${count} labels; at most ${MAX_LABELS}.`);
      return merged;
    });
    if (!env) throw new HttpError(404, `No environment '${envId}'.`);
    return env;
  });
  app.delete('/api/environments/:env', { onRequest: admin }, async (req) => {
    const envId = (req.params as { env: string }).env;
    const existed = db.deleteEnvironment(envId);
    return { id: envId, deleted: true, existed };
  });
  app.get('/api/environments/:env/accounts', { onRequest: admin }, async (req) => {
    const env = environment(req);
    const raw = (req.query as { email?: unknown }).email;
    if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'Invalid query: email must be given once.');
    const email = raw?.trim().toLowerCase();
    return {
      data: db
        .accounts(env.id)
        .filter((a) => !email || a.email === email)
        .map(accountView),
    };
  });
  app.get('/api/environments/:env/accounts/:account', { onRequest: admin }, async (req) => accountView(account(req)));
  app.get('/api/webhooks', { onRequest: admin }, async () => {
    const endpoint = deps.webhookEndpoint();
    return { url: endpoint.url, endpoint_id: endpoint.id };
  });
  // Which events the webhook handler acknowledged (answered 2xx after verifying them): on real
  // Stripe a monitor cannot see one endpoint's deliveries, so it asks the app.
  app.get('/api/webhooks/events/:id', { onRequest: admin }, async (req) => {
    const eventId = (req.params as { id: string }).id;
    const ack = db.acknowledgedEvent(eventId);
    if (!ack) throw new HttpError(404, `No acknowledged event '${eventId}': the webhook handler has not answered 2xx to a verified delivery of it.`);
    return ack;
  });
  app.get('/_demo/clock', { onRequest: admin }, async () => ({ now: clock.now() }));
  app.post('/_demo/clock', { onRequest: admin }, async (req) => {
    const body = parseJson(clockBody, req.body, 'clock body (send {"now": unixSeconds} or {"advance_seconds": n})');
    if (body.now !== undefined) {
      clock.set(body.now);
    } else {
      const target = clock.now() + body.advance_seconds!;
      if (target < 0 || target > MAX_UNIX_SECONDS) {
        throw new HttpError(400, `Invalid clock body at advance_seconds: the clock would move to ${target}, outside 0..${MAX_UNIX_SECONDS}.`);
      }
      clock.advance(body.advance_seconds!);
    }
    return { now: clock.now() };
  });
  app.get('/_demo/faults', { onRequest: admin }, async () => ({ fault, remaining, faults: FAULTS }));
  app.post('/_demo/faults', { onRequest: admin }, async (req) => {
    const body = parseJson(faultBody, req.body, 'fault body (send {"fault": name, "times"?: N} or {"fault": null})');
    let next: FaultName | null;
    try {
      next = parseFault(body.fault, 'fault');
    } catch (err) {
      if (err instanceof UnknownFault) throw new HttpError(400, err.message);
      throw err;
    }
    if (next === null && body.times !== undefined) throw new HttpError(400, 'Invalid fault body: times only goes with a fault.');
    fault = next;
    remaining = body.times ?? null;
    return { fault, remaining };
  });

  // ---- health -----------------------------------------------------------------------------
  app.get('/healthz', async (_req, reply) => {
    const database = check(() => db.ping());
    // A live call each time (not the cached catalogue): health must see Stripe go away.
    const stripeCheck = await stripe.prices.list({ lookup_keys: [PRO_LOOKUP_KEY], limit: 1 }, { maxNetworkRetries: 0, timeout: 5000 }).then(
      () => ({ ok: true as const }),
      (err: Error & { requestId?: string }) => ({ ok: false as const, error: err.message, request_id: err.requestId }),
    );
    const ok = database.ok && stripeCheck.ok;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: deps.version, database, stripe: stripeCheck, fault });
  });

  // ---- the product's pages ------------------------------------------------------------------
  function environment(req: FastifyRequest) {
    const envId = (req.params as { env: string }).env;
    const env = db.environment(envId);
    if (!env) throw new HttpError(404, `No environment '${envId}'.`);
    return env;
  }
  function account(req: FastifyRequest): AccountRow {
    const env = environment(req);
    const accountId = (req.params as { account: string }).account;
    const acct = db.account(env.id, accountId);
    if (!acct) throw new HttpError(404, `No account '${accountId}' in environment '${env.id}'.`);
    return acct;
  }
  function plan(acct: AccountRow): PlanView {
    const paid = db.subscriptions(acct.id).find((s) => PAID_STATUSES.has(s.status));
    return paid ? { plan: 'pro', renewsAt: paid.current_period_end } : { plan: 'free', renewsAt: null };
  }
  function accountView(acct: AccountRow) {
    const p = plan(acct);
    return {
      id: acct.id,
      environment: acct.environment_id,
      email: acct.email,
      name: acct.name,
      created: acct.created,
      stripe_customer_id: acct.stripe_customer_id,
      plan: p.plan,
      renews_at: p.renewsAt,
      subscriptions: db.subscriptions(acct.id),
    };
  }
  const base = (acct: AccountRow) => `/e/${acct.environment_id}/a/${acct.id}`;
  const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);

  app.get('/', async (_req, reply) => html(reply, billingLanding()));
  app.get('/e/:env/signup', async (req, reply) => html(reply, signupPage(environment(req).id)));
  app.post('/e/:env/signup', async (req, reply) => {
    const env = environment(req);
    const form = signupForm.safeParse(req.body ?? {});
    const raw = (req.body ?? {}) as { email?: string; name?: string };
    if (!form.success) return html(reply, signupPage(env.id, form.error.issues[0]!.message, raw), 400);
    if (db.accountByEmail(env.id, form.data.email)) {
      return html(reply, signupPage(env.id, 'An account with this email already exists.', raw), 409);
    }
    let acct: AccountRow;
    try {
      acct = db.createAccount({ id: id('acct'), environment_id: env.id, email: form.data.email, name: form.data.name || null });
    } catch (err) {
      // Two sign-ups with one email at the same moment: the database's unique key decides.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        return html(reply, signupPage(env.id, 'An account with this email already exists.', raw), 409);
      }
      throw err;
    }
    try {
      const customer = await stripe.customers.create(
        {
          email: acct.email,
          name: acct.name ?? undefined,
          metadata: { ...env.labels, environment: env.id, account: acct.id },
        },
        { idempotencyKey: `demo-app-customer-${acct.id}` },
      );
      db.setCustomer(acct.id, customer.id);
    } catch (err) {
      // Nothing half-done: without its Stripe customer the account is not created.
      db.deleteAccount(acct.id);
      throw new HttpError(502, `We could not create your account (${(err as Error).message}). Please try again.`);
    }
    return reply.redirect(`${base(acct)}/billing`, 303);
  });

  app.get('/e/:env/a/:account/billing', async (req, reply) => {
    const acct = account(req);
    const canceled = (req.query as { canceled?: string }).canceled === '1';
    const notice = canceled && plan(acct).plan === 'free' ? 'Upgrade canceled. You are still on the Free plan.' : undefined;
    return html(reply, billingPage(base(acct), acct.email, plan(acct), randomBytes(16).toString('hex'), notice));
  });
  app.get('/e/:env/a/:account/plan', async (req) => {
    const p = plan(account(req));
    return { plan: p.plan, renews_at: p.renewsAt, renewal: renewalText(p) };
  });
  app.get('/e/:env/a/:account/billing/return', async (req, reply) => {
    const acct = account(req);
    return html(reply, returnPage(base(acct), plan(acct)));
  });

  app.post('/e/:env/a/:account/upgrade', async (req, reply) => {
    const acct = account(req);
    const env = environment(req);
    if (plan(acct).plan === 'pro') return reply.redirect(`${base(acct)}/billing`, 303);
    if (!acct.stripe_customer_id) throw new HttpError(409, 'Your account is still being set up. Please try again in a moment.');
    if (strikes('checkout-500')) throw new Error('checkout-500 fault: the upgrade handler crashed');
    if (strikes('upgrade-hang')) {
      await hold(deps.upgradeHoldMs);
      if (closing) reply.header('connection', 'close');
      throw new Error('upgrade-hang fault: the upgrade handler hung');
    }
    const attempt = String((req.body as { attempt?: unknown } | undefined)?.attempt ?? '');
    // The price comes from the catalogue, never from the browser.
    const price = strikes('wrong-price') ? await ensurePrice(stripe, WRONG_LOOKUP_KEY, WRONG) : await catalogue();
    const metadata = { ...env.labels, environment: env.id, account: acct.id };
    const origin = deps.publicUrl();
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        customer: acct.stripe_customer_id,
        client_reference_id: acct.id,
        line_items: [{ price: price.id, quantity: 1 }],
        metadata,
        // drop-metadata: the subscription Checkout creates is left unlabelled.
        ...(strikes('drop-metadata') ? {} : { subscription_data: { metadata } }),
        success_url: `${origin}${base(acct)}/billing/return?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${origin}${base(acct)}/billing?canceled=1`,
      },
      // One session per click: a resubmitted form (same attempt) gets the same session back.
      { idempotencyKey: `demo-app-checkout-${acct.id}-${/^[a-f0-9]{16,64}$/.test(attempt) ? attempt : randomBytes(12).toString('hex')}` },
    );
    db.recordCheckoutSession(session.id, acct.id, price.id);
    return reply.redirect(session.url!, 303);
  });

  // ---- webhooks ---------------------------------------------------------------------------
  const replays = new ReplayGuard(WEBHOOK_TOLERANCE_S);
  await app.register(async (scope) => {
    // The signature is over the raw body: keep it as bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/webhooks/stripe', async (req, reply) => {
      if (strikes('webhook-500')) return reply.code(500).send({ error: 'webhook-500 fault: handler crashed' });
      if (strikes('webhook-timeout')) {
        await hold(deps.webhookHoldMs);
        if (closing) reply.header('connection', 'close');
        return reply.code(500).send({ error: 'webhook-timeout fault: handler hung' });
      }
      const signature = req.headers['stripe-signature'];
      if (typeof signature !== 'string' || !signature) return reply.code(400).send({ error: 'Missing Stripe-Signature header.' });
      if (!Buffer.isBuffer(req.body)) return reply.code(400).send({ error: 'Missing request body.' });
      const secret = strikes('webhook-wrong-secret') ? 'whsec_deployed_with_the_wrong_secret' : deps.webhookSecret();
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(req.body, signature, secret, WEBHOOK_TOLERANCE_S);
      } catch (err) {
        return reply.code(400).send({ error: `Webhook signature verification failed: ${(err as Error).message}` });
      }
      const refused = replays.check(signature);
      if (refused) return reply.code(400).send({ error: `Webhook signature verification failed: ${refused}` });
      // From here on the delivery is acknowledged (2xx), and recorded as such for the admin API.
      if (strikes('ignore-upgrade')) {
        db.acknowledgeEvent(event, false);
        return { received: true };
      }
      await handleEvent(event);
      db.acknowledgeEvent(event, true);
      return { received: true };
    });
  });

  /** Makes the account follow Stripe: whatever the order of events, the subscription is read back from Stripe. */
  async function handleEvent(event: Stripe.Event): Promise<void> {
    // A duplicate is acknowledged without acting (nor calling Stripe); two copies arriving at once
    // are settled by processEvent, which stores the id and applies the change in one transaction.
    if (db.eventProcessed(event.id)) return;
    const subscriptionId = subscriptionOf(event);
    if (!subscriptionId) {
      db.processEvent(event, null, () => undefined);
      return;
    }
    let sub: Stripe.Subscription;
    try {
      sub = await stripe.subscriptions.retrieve(subscriptionId);
    } catch (err) {
      // A subscription Stripe no longer has (its test data deleted) is nothing to follow, unless
      // it is one of the app's accounts': then the delivery fails and Stripe retries.
      const customerId = customerOf(event);
      if (!isMissing(err) || (customerId && db.accountByCustomer(customerId))) throw err;
      db.processEvent(event, null, () => undefined);
      return;
    }
    const customerId = typeof sub.customer === 'string' ? sub.customer : sub.customer.id;
    const acct = db.accountByCustomer(customerId);
    db.processEvent(event, acct?.id ?? null, () => {
      // Another app's customer in the same Stripe account, or an account deleted since (its
      // environment cleaned up, its customer deleted on Stripe): acknowledged, nothing to change.
      if (!acct) return;
      db.upsertSubscription({
        id: sub.id,
        account_id: acct.id,
        status: sub.status,
        price_id: sub.items.data[0]?.price.id ?? null,
        current_period_end: sub.items.data[0]?.current_period_end ?? null,
      });
    });
  }

  return app;
}

function subscriptionOf(event: Stripe.Event): string | null {
  const obj = event.data.object as unknown as Record<string, any>;
  switch (event.type) {
    case 'checkout.session.completed':
      return obj.mode === 'subscription' ? (typeof obj.subscription === 'string' ? obj.subscription : (obj.subscription?.id ?? null)) : null;
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return obj.id;
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return obj.parent?.subscription_details?.subscription ?? null;
    default:
      return null;
  }
}

/** The customer an event's object names (a subscription, session or invoice), when it names one. */
function customerOf(event: Stripe.Event): string | null {
  const customer = (event.data.object as unknown as { customer?: unknown }).customer;
  if (typeof customer === 'string') return customer;
  return customer && typeof customer === 'object' && typeof (customer as { id?: unknown }).id === 'string' ? (customer as { id: string }).id : null;
}

function isMissing(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeError && err.statusCode === 404 && err.code === 'resource_missing';
}

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url.startsWith('/_demo/') || req.url.startsWith('/webhooks/') || /json/.test(req.headers.accept ?? '');
}

function check(fn: () => void): { ok: true } | { ok: false; error: string } {
  try {
    fn();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function billingLanding(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Canary SaaS</title></head><body><main><h1>Canary SaaS</h1><p>A demo product with a Free and a Pro plan. Create an environment through the admin API, then sign up at /e/&lt;environment&gt;/signup.</p></main></body></html>`;
}
