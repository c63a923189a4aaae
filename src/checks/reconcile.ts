/**
 * `canary check reconcile`: does the app agree with Stripe about who pays? For the subscriptions
 * created in the window — of the app's customers (labelled `canary_run_id`), or of every customer
 * on a test account with `allCustomers` — Stripe's status is set against the app's own record,
 * read through the adapter's `readPlan`: a customer Stripe has paying (active, trialing, past_due)
 * whom the app has on its free plan, or one whose subscriptions all ended whom the app still has
 * paying, is a disagreement, named with its account, its subscriptions and both states. Lists are
 * paged in full; every call goes through the throttle prune uses.
 */
import type Stripe from 'stripe';
import type { AppAdapter, AppApiContext } from '../app/define-app.ts';
import { serverNow } from '../cleanup/prune.ts';
import { formatDuration } from '../config/duration.ts';
import { AppApiError } from '../errors.ts';
import { stripeCall } from '../stripe/assertions.ts';
import type { Throttle } from '../stripe/throttle.ts';
import type { CheckVerdict } from './check.ts';

export interface ReconcileOptions {
  windowMs: number;
  allCustomers: boolean;
}

export interface ReconcileDeps {
  stripe: Stripe;
  throttle: Throttle;
  app: AppAdapter;
  ctx: AppApiContext;
}

const PAYING = new Set(['active', 'trialing', 'past_due']);
const ENDED = new Set(['canceled', 'incomplete_expired', 'unpaid']);

export interface Disagreement {
  account: string;
  customer: string;
  subscriptions: string[];
  /** Stripe's statuses, e.g. "active". */
  stripe: string;
  /** What the app's record says, e.g. "free", or "no account". */
  app: string;
}

export async function checkReconcile(o: ReconcileOptions, d: ReconcileDeps): Promise<CheckVerdict> {
  const readPlan = d.app.readPlan!;
  const title = `reconcile: the app's plans agree with Stripe for the subscriptions of the last ${formatDuration(o.windowMs)} (${o.allCustomers ? 'every customer' : "the app's labelled customers"})`;
  const subscriptions: Stripe.Subscription[] = [];
  let now = Date.now();
  let startingAfter: string | undefined;
  for (;;) {
    const page = await d.throttle.run(() =>
      stripeCall('listing subscriptions', () =>
        d.stripe.subscriptions.list({
          status: 'all',
          limit: 100,
          expand: ['data.customer'],
          ...(startingAfter && { starting_after: startingAfter }),
        }),
      ),
    );
    if (!startingAfter) now = serverNow(page.lastResponse?.headers);
    const since = Math.floor((now - o.windowMs) / 1000);
    subscriptions.push(...page.data.filter((s) => s.created >= since));
    if (!page.has_more || page.data.length === 0 || page.data.at(-1)!.created < since) break;
    startingAfter = page.data.at(-1)!.id;
  }
  // One account a customer: paying if any of its subscriptions pays.
  const byCustomer = new Map<string, { customer: Stripe.Customer; subs: Stripe.Subscription[] }>();
  for (const s of subscriptions) {
    const c = s.customer as Stripe.Customer | Stripe.DeletedCustomer | string;
    if (typeof c === 'string' || c.deleted) continue;
    if (!o.allCustomers && !c.metadata?.canary_run_id) continue;
    const entry = byCustomer.get(c.id) ?? { customer: c, subs: [] };
    entry.subs.push(s);
    byCustomer.set(c.id, entry);
  }
  const disagreements: Disagreement[] = [];
  let compared = 0;
  for (const { customer, subs } of byCustomer.values()) {
    const paying = subs.some((s) => PAYING.has(s.status));
    const ended = subs.every((s) => ENDED.has(s.status));
    if (!paying && !ended) continue; // a payment in progress (incomplete): nothing to agree on yet
    if (!customer.email) continue;
    const plan = await d.throttle.run(async () => {
      try {
        return await readPlan(d.ctx, { email: customer.email!, tenant: null, customer: { id: customer.id, metadata: customer.metadata ?? {} } });
      } catch (err) {
        throw new AppApiError(`The app adapter's readPlan failed for ${customer.email}: ${(err as Error)?.message ?? String(err)}`, {
          adapter_call: 'readPlan',
          error: (err as Error)?.message ?? String(err),
        });
      }
    });
    compared++;
    const appPaid = plan?.paid ?? false;
    if (paying === appPaid) continue;
    disagreements.push({
      account: customer.email,
      customer: customer.id,
      subscriptions: subs.map((s) => s.id),
      stripe: [...new Set(subs.map((s) => s.status))].join('/'),
      app: plan ? `${plan.plan} (${plan.paid ? 'paid' : 'not paid'})` : 'no account',
    });
  }
  if (disagreements.length === 0) {
    return {
      outcome: 'passed',
      title: `reconcile: ${compared} account(s) with subscriptions in the last ${formatDuration(o.windowMs)}; the app agrees with Stripe on each`,
      stage: null,
      error: null,
      evidence: null,
    };
  }
  return {
    outcome: 'failed',
    title,
    stage: 'app-not-updated',
    error: `The app disagrees with Stripe on ${disagreements.length} of ${compared} account(s): ${disagreements
      .slice(0, 5)
      .map((x) => `${x.account}: ${x.subscriptions.join(', ')} ${x.stripe} in Stripe, ${x.app} in the app`)
      .join('; ')}${disagreements.length > 5 ? '; …' : ''}.`,
    evidence: { disagreements, compared, window_ms: o.windowMs },
    ids: { customer: disagreements[0]!.customer, subscription: disagreements[0]!.subscriptions[0]! },
  };
}
