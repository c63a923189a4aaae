/**
 * The API assertions of the billing lifecycle after the upgrade: a Stripe test clock moved to a
 * renewal (paid, or failed into `past_due`), a plan set to cancel at the end of its period, and
 * the subscription ended. Each throws StripeStateMismatch naming what Stripe shows instead.
 */
import type Stripe from 'stripe';
import { StripeStateMismatch } from '../errors.ts';
import { lastCardError, stripeCall, type CardError } from './assertions.ts';

/** The name a run gives its test clocks: prune finds a kept run's clocks by it (a clock has no metadata). */
export const TEST_CLOCK_NAME_PREFIX = 'checkout-canary ';

export const testClockName = (runId: string) => `${TEST_CLOCK_NAME_PREFIX}${runId}`.slice(0, 300);

/** The run id in a test clock's name, or null when the harness did not make it. */
export function runIdOfTestClock(name: string | null | undefined): string | null {
  return name?.startsWith(TEST_CLOCK_NAME_PREFIX) ? name.slice(TEST_CLOCK_NAME_PREFIX.length) || null : null;
}

/** The UTC day of a Stripe timestamp, as apps show a renewal date (YYYY-MM-DD). */
export const utcDay = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/**
 * Moves the clock to `frozenTime` and waits (bounded) until Stripe has advanced every object on
 * it: real Stripe advances in the background (`advancing`, then `ready`).
 */
export async function advanceTestClock(
  stripe: Stripe,
  clockId: string,
  frozenTime: number,
  options: { timeoutMs: number; pollMs?: number; progress?: (line: string) => void; progressEveryMs?: number },
): Promise<Stripe.TestHelpers.TestClock> {
  let clock = await stripeCall('advancing the test clock', () => stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime }));
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let told = started;
  while (clock.status !== 'ready') {
    // A long wait says so, about every 10 s (real Stripe may take a while to advance a clock).
    if (options.progress && Date.now() - told >= (options.progressEveryMs ?? 10_000)) {
      told = Date.now();
      options.progress(
        `test clock ${clockId} still ${clock.status} to ${new Date(frozenTime * 1000).toISOString()}: ${Math.round((told - started) / 1000)} s of ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    if (clock.status === 'internal_failure') {
      throw new StripeStateMismatch(`Stripe failed to advance test clock ${clockId} (internal_failure).`, { test_clock: clockId, frozen_time: frozenTime });
    }
    if (Date.now() >= deadline) {
      throw new StripeStateMismatch(`Test clock ${clockId} was still ${clock.status} ${options.timeoutMs} ms after it was asked to advance.`, {
        test_clock: clockId,
        status: clock.status,
        frozen_time: frozenTime,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    clock = await stripeCall('reading the test clock', () => stripe.testHelpers.testClocks.retrieve(clockId));
  }
  return clock;
}

/** The subscription with its latest invoice, and its (single) item's period. */
async function subscriptionNow(
  stripe: Stripe,
  id: string,
): Promise<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice | null; end: number; start: number }> {
  const subscription = await stripeCall('retrieving the subscription', () => stripe.subscriptions.retrieve(id, { expand: ['latest_invoice'] }));
  const item = subscription.items.data[0];
  return {
    subscription,
    invoice: (subscription.latest_invoice as Stripe.Invoice | null) ?? null,
    start: item?.current_period_start ?? 0,
    end: item?.current_period_end ?? 0,
  };
}

function evidenceOf(subscription: Stripe.Subscription, invoice: Stripe.Invoice | null): Record<string, unknown> {
  const item = subscription.items.data[0];
  return {
    subscription: subscription.id,
    status: subscription.status,
    current_period_start: item?.current_period_start ?? null,
    current_period_end: item?.current_period_end ?? null,
    latest_invoice: invoice && { id: invoice.id, billing_reason: invoice.billing_reason, status: invoice.status, amount_paid: invoice.amount_paid },
  };
}

/** The latest invoice is the renewal of the period that ended at `previousEnd`. */
function checkRenewalInvoice(subscription: Stripe.Subscription, invoice: Stripe.Invoice | null, start: number, previousEnd: number): Stripe.Invoice {
  if (start !== previousEnd) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} did not renew: its period starts ${new Date(start * 1000).toISOString()}, not at the end of the previous one (${new Date(previousEnd * 1000).toISOString()}).`,
      evidenceOf(subscription, invoice),
    );
  }
  if (invoice?.billing_reason !== 'subscription_cycle') {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id}'s latest invoice ${invoice?.id ?? '(none)'} is ${invoice ? `a ${invoice.billing_reason} invoice` : 'missing'}, not the renewal (subscription_cycle).`,
      evidenceOf(subscription, invoice),
    );
  }
  return invoice;
}

/** Renewed and paid: active, a new period from the old period's end, its subscription_cycle invoice paid for the price. */
export async function verifyRenewed(
  stripe: Stripe,
  subscriptionId: string,
  previousEnd: number,
  price: Stripe.Price,
): Promise<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice; periodEnd: number }> {
  const { subscription, invoice: latest, start, end } = await subscriptionNow(stripe, subscriptionId);
  const invoice = checkRenewalInvoice(subscription, latest, start, previousEnd);
  // Paid in full, whatever the amount comes to (quantity, tax, a coupon): the price is checked on the item.
  const item = subscription.items.data[0];
  if (subscription.status !== 'active' || invoice.status !== 'paid' || invoice.amount_remaining !== 0 || item?.price.id !== price.id) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} is ${subscription.status} on ${item?.price.id ?? 'no price'}, and its renewal invoice ${invoice.id} is ${invoice.status} with ${invoice.amount_paid} of ${invoice.amount_due} paid; expected active on ${price.id}, the invoice paid in full.`,
      evidenceOf(subscription, invoice),
    );
  }
  return { subscription, invoice, periodEnd: end };
}

/**
 * The renewal's payment failed: the subscription is past_due, its subscription_cycle invoice is
 * open (attempted, unpaid), and Stripe recorded the card's error.
 */
export async function verifyRenewalFailed(
  stripe: Stripe,
  subscriptionId: string,
  previousEnd: number,
  expected: { code: string },
): Promise<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice; error: CardError }> {
  const { subscription, invoice: latest, start } = await subscriptionNow(stripe, subscriptionId);
  const invoice = checkRenewalInvoice(subscription, latest, start, previousEnd);
  if (subscription.status !== 'past_due' || invoice.status !== 'open' || invoice.amount_paid !== 0 || invoice.attempt_count < 1) {
    throw new StripeStateMismatch(
      `After the renewal's payment failed, subscription ${subscription.id} is ${subscription.status} and invoice ${invoice.id} is ${invoice.status} (${invoice.attempt_count} attempts, ${invoice.amount_paid} paid); expected past_due, and the invoice open after at least one attempt.`,
      evidenceOf(subscription, invoice),
    );
  }
  const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
  const error = await lastCardError(stripe, customer);
  if (error?.code !== expected.code) {
    throw new StripeStateMismatch(
      `Stripe recorded ${error ? `${error.code} on ${error.payment_intent}` : 'no card error'} for the failed renewal of ${subscription.id}; expected ${expected.code}.`,
      { ...evidenceOf(subscription, invoice), card_error: error },
    );
  }
  return { subscription, invoice, error };
}

/** Set to cancel at the end of its period: still active, `cancel_at` (or cancel_at_period_end) at the period's end. Answers that time. */
export async function verifySetToCancel(stripe: Stripe, subscriptionId: string): Promise<{ subscription: Stripe.Subscription; endsAt: number }> {
  const { subscription, invoice, end } = await subscriptionNow(stripe, subscriptionId);
  const endsAt = subscription.cancel_at ?? (subscription.cancel_at_period_end ? end : null);
  if (subscription.status !== 'active' || endsAt !== end) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} is ${subscription.status}${endsAt ? ` ending ${new Date(endsAt * 1000).toISOString()}` : ' and not set to cancel'}; expected active until the end of its period (${new Date(end * 1000).toISOString()}), then canceled.`,
      { ...evidenceOf(subscription, invoice), cancel_at: subscription.cancel_at, cancel_at_period_end: subscription.cancel_at_period_end },
    );
  }
  return { subscription, endsAt };
}

/** Ended: canceled, at `endsAt`, with no renewal invoice after it. */
export async function verifyEnded(stripe: Stripe, subscriptionId: string, endsAt: number): Promise<Stripe.Subscription> {
  const { subscription, invoice } = await subscriptionNow(stripe, subscriptionId);
  if (subscription.status !== 'canceled' || subscription.ended_at !== endsAt) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} is ${subscription.status}${subscription.ended_at ? ` (ended ${new Date(subscription.ended_at * 1000).toISOString()})` : ''}; expected canceled at ${new Date(endsAt * 1000).toISOString()}.`,
      { ...evidenceOf(subscription, invoice), ended_at: subscription.ended_at },
    );
  }
  if (invoice?.billing_reason === 'subscription_cycle' && invoice.created >= endsAt) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} was canceled but Stripe still made renewal invoice ${invoice.id}.`,
      evidenceOf(subscription, invoice),
    );
  }
  return subscription;
}
