/** What a verified Stripe event changes in the app: the account's subscription, read back from Stripe. */
import Stripe from 'stripe';
import type { Db } from './db.ts';

/** Makes the account follow Stripe: whatever the order of events, the subscription is read back from Stripe. */
export async function handleEvent(db: Db, stripe: Stripe, event: Stripe.Event, options: { ignorePastDue?: () => boolean } = {}): Promise<void> {
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
      // ignore-past-due: the bad deploy that misses a failed renewal payment.
      status: sub.status === 'past_due' && options.ignorePastDue?.() ? 'active' : sub.status,
      price_id: sub.items.data[0]?.price.id ?? null,
      current_period_end: sub.items.data[0]?.current_period_end ?? null,
      // Set to cancel: at a date, or at the end of the period (Stripe may give either or both).
      cancel_at: sub.cancel_at ?? (sub.cancel_at_period_end ? (sub.items.data[0]?.current_period_end ?? null) : null),
    });
  });
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
