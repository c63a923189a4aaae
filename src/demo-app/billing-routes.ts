/** An account's billing: its plan, the upgrade to Pro through hosted Checkout, and the return from it. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { accountOf, accountPath, environmentOf, planOf } from './accounts.ts';
import type { AppContext } from './context.ts';
import { html, HttpError } from './http.ts';
import { ensurePrice, PRO_LOOKUP_KEY, WRONG_LOOKUP_KEY } from './stripe.ts';
import { billingPage, renewalText, returnPage } from './views.ts';

const PRO = { productName: 'Pro', unitAmount: 4900, currency: 'usd', interval: 'month' as const };
const WRONG = { productName: 'Pro (legacy)', unitAmount: 9900, currency: 'usd', interval: 'month' as const };

export function registerBillingRoutes(app: FastifyInstance, { deps, faults, holds }: AppContext): void {
  const { db, stripe } = deps;
  let proPrice: Stripe.Price | undefined;
  const catalogue = async (): Promise<Stripe.Price> => (proPrice ??= await ensurePrice(stripe, PRO_LOOKUP_KEY, PRO));

  app.get('/e/:env/a/:account/billing', async (req, reply) => {
    const acct = accountOf(db, req);
    const canceled = (req.query as { canceled?: string }).canceled === '1';
    const notice = canceled && planOf(db, acct).plan === 'free' ? 'Upgrade canceled. You are still on the Free plan.' : undefined;
    return html(reply, billingPage(accountPath(acct), acct.email, planOf(db, acct), randomBytes(16).toString('hex'), notice));
  });
  app.get('/e/:env/a/:account/plan', async (req) => {
    const p = planOf(db, accountOf(db, req));
    return { plan: p.plan, renews_at: p.renewsAt, renewal: renewalText(p) };
  });
  app.get('/e/:env/a/:account/billing/return', async (req, reply) => {
    const acct = accountOf(db, req);
    return html(reply, returnPage(accountPath(acct), planOf(db, acct)));
  });

  // "Manage billing": Stripe's customer portal for the account's customer, back to billing after.
  app.post('/e/:env/a/:account/billing/portal', async (req, reply) => {
    const acct = accountOf(db, req);
    if (!acct.stripe_customer_id) throw new HttpError(409, 'Your account is still being set up. Please try again in a moment.');
    const session = await stripe.billingPortal.sessions.create({
      customer: acct.stripe_customer_id,
      return_url: `${deps.publicUrl()}${accountPath(acct)}/billing`,
    });
    return reply.redirect(session.url, 303);
  });

  app.post('/e/:env/a/:account/upgrade', async (req, reply) => {
    const acct = accountOf(db, req);
    const env = environmentOf(db, req);
    const base = accountPath(acct);
    if (planOf(db, acct).plan === 'pro') return reply.redirect(`${base}/billing`, 303);
    if (!acct.stripe_customer_id) throw new HttpError(409, 'Your account is still being set up. Please try again in a moment.');
    if (faults.strikes('checkout-500')) throw new Error('checkout-500 fault: the upgrade handler crashed');
    if (faults.strikes('upgrade-hang')) {
      await holds.hold(deps.upgradeHoldMs);
      if (holds.closing) reply.header('connection', 'close');
      throw new Error('upgrade-hang fault: the upgrade handler hung');
    }
    const attempt = String((req.body as { attempt?: unknown } | undefined)?.attempt ?? '');
    // The price comes from the catalogue, never from the browser.
    const price = faults.strikes('wrong-price') ? await ensurePrice(stripe, WRONG_LOOKUP_KEY, WRONG) : await catalogue();
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
        ...(faults.strikes('drop-metadata') ? {} : { subscription_data: { metadata } }),
        success_url: `${origin}${base}/billing/return?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${origin}${base}/billing?canceled=1`,
      },
      // One session per click: a resubmitted form (same attempt) gets the same session back.
      { idempotencyKey: `demo-app-checkout-${acct.id}-${/^[a-f0-9]{16,64}$/.test(attempt) ? attempt : randomBytes(12).toString('hex')}` },
    );
    db.recordCheckoutSession(session.id, acct.id, price.id);
    return reply.redirect(session.url!, 303);
  });
}
