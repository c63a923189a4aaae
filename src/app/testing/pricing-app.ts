/**
 * Test helper: a SaaS shaped unlike the demo app, to drive through an adapter written in a test.
 * Its own sign-up form ("Work email", "Full name", "Get started"), a pricing page with a
 * "Subscribe" button for its Team plan, Checkout opened with `customer_email` (no customer of its
 * own, no metadata on anything it makes in Stripe), a welcome page that polls its own API until
 * the webhook has moved the account to Team — and no admin API, no tenants. Its webhook handler
 * can be made to answer 500 (`fault`). One process, in memory; `close()` deletes its webhook
 * endpoint.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export const PRICING_APP_LOOKUP_KEY = 'pricing_app_team_monthly';

interface User {
  email: string;
  name: string;
  plan: 'starter' | 'team';
}

export interface PricingApp {
  url: string;
  webhookUrl: string;
  /** `webhook-500`: the webhook handler answers 500 to everything; null: healthy. */
  fault: 'webhook-500' | null;
  /** Every event the handler received and verified, by id. */
  received: Set<string>;
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} — Pricing App</title></head><body><main>${body}</main></body></html>`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startPricingApp(o: { stripeSecretKey: string; stripeApiUrl: string }): Promise<PricingApp> {
  const api = new URL(o.stripeApiUrl);
  const stripe = new Stripe(o.stripeSecretKey, { host: api.hostname, port: Number(api.port), protocol: 'http', maxNetworkRetries: 2 });
  const users = new Map<string, User>();
  const sessions = new Map<string, string>();
  let price = (await stripe.prices.list({ lookup_keys: [PRICING_APP_LOOKUP_KEY], active: true, limit: 1 })).data[0];
  if (!price) {
    const product = await stripe.products.create({ name: 'Team' });
    price = await stripe.prices.create({
      product: product.id,
      unit_amount: 2900,
      currency: 'usd',
      recurring: { interval: 'month' },
      lookup_key: PRICING_APP_LOOKUP_KEY,
    });
  }
  let webhookSecret = '';
  const app: PricingApp = { url: '', webhookUrl: '', fault: null, received: new Set(), close: async () => {} };

  const userOf = (req: IncomingMessage) => {
    const sid = /(?:^|;\s*)sid=([a-f0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
    const email = sid ? sessions.get(sid) : undefined;
    return email ? users.get(email) : undefined;
  };
  const send = (res: ServerResponse, status: number, type: string, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(text);
  };
  const html = (res: ServerResponse, text: string) => send(res, 200, 'text/html; charset=utf-8', text);
  const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}) => send(res, 303, 'text/plain', '', { location: to, ...headers });

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', app.url);
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /') return redirect(res, '/register');
      if (route === 'GET /register') {
        return html(
          res,
          page(
            'Create your workspace',
            `<h1>Create your workspace</h1><form method="post" action="/register"><label for="work-email">Work email</label><input id="work-email" name="email" type="email" required><label for="full-name">Full name</label><input id="full-name" name="name" required><button type="submit">Get started</button></form>`,
          ),
        );
      }
      if (route === 'POST /register') {
        const form = new URLSearchParams((await body(req)).toString());
        const email = (form.get('email') ?? '').trim().toLowerCase();
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) return send(res, 400, 'text/html', page('Error', '<p role="alert">Enter your work email.</p>'));
        users.set(email, { email, name: form.get('name') ?? '', plan: 'starter' });
        const sid = randomBytes(16).toString('hex');
        sessions.set(sid, email);
        return redirect(res, '/pricing', { 'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      }
      const user = userOf(req);
      if (route === 'GET /pricing') {
        if (!user) return redirect(res, '/register');
        return html(
          res,
          page(
            'Pricing',
            `<h1>Pricing</h1><p>Your plan: <strong data-testid="plan">${user.plan === 'team' ? 'Team' : 'Starter'}</strong></p><section aria-labelledby="team"><h2 id="team">Team</h2><p>$29.00 / month</p><form method="post" action="/subscribe"><button type="submit">Subscribe</button></form></section>`,
          ),
        );
      }
      if (route === 'POST /subscribe') {
        if (!user) return redirect(res, '/register');
        const session = await stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: [{ price: price.id, quantity: 1 }],
          customer_email: user.email,
          success_url: `${app.url}/welcome?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${app.url}/pricing`,
        });
        return redirect(res, session.url!);
      }
      if (route === 'GET /welcome') {
        if (!user) return redirect(res, '/register');
        return html(
          res,
          page(
            'Welcome',
            `<h1>Welcome, ${escapeHtml(user.name)}</h1><p role="status" id="plan-status">Finishing your subscription…</p><script>
              const poll = async () => {
                const me = await (await fetch('/me')).json();
                if (me.plan === 'team') document.getElementById('plan-status').textContent = "You're on the Team plan";
                else setTimeout(poll, 300);
              };
              poll();
            </script>`,
          ),
        );
      }
      if (route === 'GET /me') {
        if (!user) return send(res, 401, 'application/json', '{"error":"not signed in"}');
        return send(res, 200, 'application/json', JSON.stringify({ email: user.email, plan: user.plan }));
      }
      if (route === 'POST /stripe/webhook') {
        const raw = await body(req);
        if (app.fault === 'webhook-500') return send(res, 500, 'application/json', '{"error":"the handler is broken"}');
        let event: Stripe.Event;
        try {
          event = stripe.webhooks.constructEvent(raw, String(req.headers['stripe-signature'] ?? ''), webhookSecret);
        } catch {
          return send(res, 400, 'application/json', '{"error":"bad signature"}');
        }
        app.received.add(event.id);
        if (event.type === 'checkout.session.completed') {
          const s = event.data.object as Stripe.Checkout.Session;
          const who = users.get((s.customer_details?.email ?? s.customer_email ?? '').toLowerCase());
          if (who) who.plan = 'team';
        }
        return send(res, 200, 'application/json', '{"received":true}');
      }
      return send(res, 404, 'text/html', page('Not found', '<p role="alert">Not found</p>'));
    } catch (err) {
      return send(res, 500, 'text/plain', `error: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.webhookUrl = `${app.url}/stripe/webhook`;
  const endpoint = await stripe.webhookEndpoints.create({
    url: app.webhookUrl,
    enabled_events: ['checkout.session.completed', 'customer.subscription.updated', 'customer.subscription.deleted'],
  });
  webhookSecret = endpoint.secret!;
  app.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stripe.webhookEndpoints.del(endpoint.id).catch(() => {});
  };
  return app;
}
