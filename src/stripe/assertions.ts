/**
 * What the monitor checks in Stripe after a journey, through the official SDK. Every failure
 * is a CanaryError naming its stage, with the ids and Stripe request ids as evidence.
 */
import Stripe from 'stripe';
import { StripeApiFailure, StripeStateMismatch, TargetMisconfigured } from '../errors.ts';
import { NotAStripeAnswer } from './answers.ts';

/**
 * Runs a Stripe call; an SDK error becomes a StripeApiFailure that keeps its request id, or, when
 * Stripe refuses the key itself (401, 403), a configuration failure that says so.
 */
export async function stripeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const wrong = (err as { raw?: { exception?: unknown } })?.raw?.exception;
    if (wrong instanceof NotAStripeAnswer) {
      throw new StripeApiFailure(
        `Stripe's API ${wrong.message}, while ${what}: check STRIPE_API_URL (or what stands between the harness and Stripe).`,
        { type: 'NotAStripeAnswer', route: wrong.route, status: wrong.status, answer: wrong.answer, while: what },
        err,
      );
    }
    if (err instanceof Stripe.errors.StripeError) {
      const facts = [err.statusCode && `HTTP ${err.statusCode}`, err.rawType, err.code, err.requestId && `request ${err.requestId}`].filter(Boolean).join(', ');
      const evidence = { type: err.type, code: err.code ?? null, status: err.statusCode ?? null, request_id: err.requestId ?? null, while: what };
      if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
        throw new TargetMisconfigured(
          `Stripe refused STRIPE_SECRET_KEY while ${what}: ${err.message} (${facts}); check the key and its permissions.`,
          { ...evidence, variable: 'STRIPE_SECRET_KEY' },
          err,
        );
      }
      throw new StripeApiFailure(`Stripe API error while ${what}: ${err.message} (${facts})`, evidence, err);
    }
    throw err;
  }
}

/** The one customer with `email` (listed by email, which reads its own writes; search lags them by up to a minute); null when none has it. */
/** The customer with `email`; one on a test clock is found only with its clock (Stripe lists those only then). */
export async function customerByEmail(stripe: Stripe, email: string, testClock?: string | null): Promise<Stripe.Customer | null> {
  const list = await stripeCall('listing customers by email', () => stripe.customers.list({ email, limit: 10, ...(testClock && { test_clock: testClock }) }));
  if (list.data.length > 1) {
    throw new StripeStateMismatch(`Expected one Stripe customer with the test's email ${email}, found ${list.data.length}.`, {
      email,
      customers: list.data.map((c) => c.id),
    });
  }
  return list.data[0] ?? null;
}

/**
 * The test's customer, found by its unique email, with the run's labels on it: the app's labels
 * are checked where the app says it labels customers (`appLabels`); otherwise the harness labels
 * the customer itself, so that cleanup and prune find it.
 */
export async function runCustomer(
  stripe: Stripe,
  email: string,
  labels: Record<string, string>,
  appLabels: boolean,
  testClock?: string | null,
): Promise<{ customer: Stripe.Customer; labelledBy: 'app' | 'harness' }> {
  const customer = await customerByEmail(stripe, email, testClock);
  if (!customer) {
    throw new StripeStateMismatch(`No Stripe customer has the test's email ${email}: neither the app nor Checkout made one with it.`, { email });
  }
  if (appLabels) {
    verifyLabels(customer, labels);
    return { customer, labelledBy: 'app' };
  }
  const theirs = customer.metadata?.canary_run_id;
  if (theirs && theirs !== labels.canary_run_id) verifyLabels(customer, labels);
  if (theirs === labels.canary_run_id) return { customer, labelledBy: 'app' };
  const labelled = await stripeCall(`labelling customer ${customer.id} with the run's labels`, () =>
    stripe.customers.update(customer.id, { metadata: labels }),
  );
  return { customer: labelled, labelledBy: 'harness' };
}

/** Fails when `object` does not carry every label (the run's metadata, by which cleanup finds it). */
export function verifyLabels(object: { id: string; object: string; metadata: Stripe.Metadata | null }, labels: Record<string, string>): void {
  const missing = Object.entries(labels).filter(([k, v]) => object.metadata?.[k] !== v);
  if (missing.length > 0) {
    throw new StripeStateMismatch(`The ${object.object} ${object.id} lacks the run's metadata ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}.`, {
      [object.object]: object.id,
      metadata: object.metadata ?? {},
      expected: labels,
    });
  }
}

export interface PaidUpgrade {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  paymentMethod: Stripe.PaymentMethod;
  session: Stripe.Checkout.Session;
}

/**
 * Exactly one subscription, active, on `price`, quantity 1; its latest invoice paid for the
 * price's amount; a card ending `last4` as default payment method; the checkout session
 * complete and paid.
 */
export async function verifyPaidUpgrade(
  stripe: Stripe,
  customer: Stripe.Customer,
  price: Stripe.Price,
  last4: string,
  sessionId: string | null = null,
): Promise<PaidUpgrade> {
  const subs = await stripeCall("listing the customer's subscriptions", () =>
    stripe.subscriptions.list({ customer: customer.id, status: 'all', expand: ['data.latest_invoice', 'data.default_payment_method'] }),
  );
  const evidence = { customer: customer.id, subscriptions: subs.data.map((s) => `${s.id} (${s.status})`) };
  if (subs.data.length !== 1) throw new StripeStateMismatch(`Expected exactly one subscription for ${customer.id}, found ${subs.data.length}.`, evidence);
  const subscription = subs.data[0]!;
  if (subscription.status !== 'active') throw new StripeStateMismatch(`Subscription ${subscription.id} is ${subscription.status}, not active.`, evidence);
  const item = subscription.items.data[0]!;
  if (subscription.items.data.length !== 1 || item.price.id !== price.id || item.quantity !== 1) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id} is on ${subscription.items.data.map((i) => `${i.price.id} (${i.price.unit_amount} ${i.price.currency}) × ${i.quantity}`).join(', ')}; expected the paid plan's price ${price.id} (${price.unit_amount} ${price.currency}) × 1.`,
      { ...evidence, price: item.price.id, expectedPrice: price.id },
    );
  }
  const invoice = subscription.latest_invoice as Stripe.Invoice;
  if (invoice.status !== 'paid' || invoice.amount_paid !== price.unit_amount) {
    throw new StripeStateMismatch(`Invoice ${invoice.id} is ${invoice.status} with ${invoice.amount_paid} paid; expected paid ${price.unit_amount}.`, {
      ...evidence,
      invoice: invoice.id,
    });
  }
  const paymentMethod = subscription.default_payment_method as Stripe.PaymentMethod | null;
  if (paymentMethod?.type !== 'card' || paymentMethod.card?.last4 !== last4) {
    throw new StripeStateMismatch(
      `Subscription ${subscription.id}'s default payment method is ${paymentMethod ? `${paymentMethod.type} ending ${paymentMethod.card?.last4}` : 'missing'}; expected a card ending ${last4}.`,
      evidence,
    );
  }
  // The session the browser paid on, when known; else the customer's session that made the subscription.
  const sessions = sessionId
    ? { data: [await stripeCall('retrieving the checkout session', () => stripe.checkout.sessions.retrieve(sessionId))] }
    : await stripeCall("listing the customer's checkout sessions", () => stripe.checkout.sessions.list({ customer: customer.id, limit: 10 }));
  const session = sessions.data.find((s) => s.subscription === subscription.id);
  if (session?.status !== 'complete' || session.payment_status !== 'paid') {
    throw new StripeStateMismatch(`No complete and paid checkout session created subscription ${subscription.id}.`, {
      ...evidence,
      sessions: sessions.data.map((s) => `${s.id} (${s.status}/${s.payment_status})`),
    });
  }
  return { customer, subscription, invoice, paymentMethod, session };
}

/** The card error Stripe recorded for the customer's newest failed payment, if any. */
export interface CardError {
  payment_intent: string;
  code: string | null;
  decline_code: string | null;
  message: string | null;
}

export async function lastCardError(stripe: Stripe, customerId: string): Promise<CardError | null> {
  const intents = await stripeCall("listing the customer's payment intents", () => stripe.paymentIntents.list({ customer: customerId, limit: 10 }));
  const failed = intents.data.find((pi) => pi.last_payment_error);
  if (!failed) return null;
  const e = failed.last_payment_error!;
  return { payment_intent: failed.id, code: e.code ?? null, decline_code: e.decline_code ?? null, message: e.message ?? null };
}

/** Fails when the customer has a subscription that gives access (active, trialing or past_due). */
export async function verifyNoPaidSubscription(stripe: Stripe, customerId: string): Promise<Stripe.Subscription[]> {
  const subs = await stripeCall("listing the customer's subscriptions", () => stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 20 }));
  const paying = subs.data.filter((s) => s.status === 'active' || s.status === 'trialing' || s.status === 'past_due');
  if (paying.length > 0) {
    throw new StripeStateMismatch(`Customer ${customerId} has ${paying.map((s) => `${s.id} (${s.status})`).join(', ')} although the card was refused.`, {
      customer: customerId,
      subscriptions: subs.data.map((s) => `${s.id} (${s.status})`),
    });
  }
  return subs.data;
}
