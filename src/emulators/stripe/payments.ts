/**
 * The payment engine: payment intents (create, confirm with the test cards' outcomes, cancel,
 * capture), their charges and refunds. The routes that expose them are in resources/
 * (payment-intents.ts, charges.ts, refunds.ts); billing.ts uses the same functions to pay
 * subscriptions' invoices and the hosted page to pay a session.
 */
import type Stripe from 'stripe';
import { behaviourOf, outcomeOf, AUTH_FAILED, DECLINES, type CardDecline, type PaymentOutcome, type ThreeDSResult } from './cards.ts';
import { cardError, invalidRequest, noSuch, type StripeApiError } from './errors.ts';
import { newId, randomToken } from './ids.ts';
import { settleInvoiceOf } from './invoice-settlement.ts';
import { newestFirst } from './lists.ts';
import { formatAmount } from './money.ts';
import { blank } from './objects.ts';
import type { Engine } from './engine.ts';
import type { RequestInfo } from './events.ts';
import type { StripeObject } from './store.ts';
import { automaticFor, mustFindParam } from './resources/shared.ts';

const clone = <T>(x: T): T => structuredClone(x);

export type CaptureMethod = 'automatic' | 'automatic_async' | 'manual';

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  customer: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  setup_future_usage?: string | null;
  /** Default 'automatic' (the hosted page's and subscriptions'); the API defaults to 'automatic_async'. */
  capture_method?: CaptureMethod;
  /**
   * `allowed_payment_method_types`. null: the payment methods enabled in the Dashboard
   * (`automatic_payment_methods`), the API's default; undefined: cards (the hosted page's and
   * subscriptions' intents).
   */
  allowed_payment_method_types?: string[] | null;
  excluded_payment_method_types?: string[] | null;
  automatic_payment_methods?: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null;
  payment_method?: string | null;
  receipt_email?: string | null;
  statement_descriptor?: string | null;
  statement_descriptor_suffix?: string | null;
  shipping?: StripeObject | null;
  transfer_group?: string | null;
  /**
   * Stored and returned only (default 'automatic'): the emulator does not act on 'manual' (Stripe
   * then lets only the secret key confirm, and again after each next action); confirmation works the same.
   */
  confirmation_method?: 'automatic' | 'manual';
  /** `payment_method_options[card]` beyond the defaults (request_three_d_secure 'automatic'). */
  card_options?: StripeObject;
  /** The payment method configuration used: `{ id, parent }` (null: none, as with an allowed list). */
  payment_method_configuration_details?: StripeObject | null;
  /** Set only when given, as Stripe returns them. */
  amount_details?: StripeObject;
  payment_details?: StripeObject;
}

/** A new payment intent, stored, with its `payment_intent.created` event. */
export function createPaymentIntent(engine: Engine, fields: NewPaymentIntent, request: RequestInfo): StripeObject {
  const pi = blank('payment_intent', { id: newId('payment_intent'), created: engine.clock.now() });
  Object.assign(pi, {
    amount: fields.amount,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description ?? null,
    metadata: { ...(fields.metadata ?? {}) },
    setup_future_usage: fields.setup_future_usage ?? null,
    capture_method: fields.capture_method ?? 'automatic',
    allowed_payment_method_types: fields.allowed_payment_method_types ?? null,
    excluded_payment_method_types: fields.excluded_payment_method_types ?? null,
    automatic_payment_methods: automaticFor(fields),
    // What can pay: the emulator's Dashboard has cards only, and an allowed list includes them.
    payment_method_types: ['card'],
    payment_method: fields.payment_method ?? null,
    receipt_email: fields.receipt_email ?? null,
    statement_descriptor: fields.statement_descriptor ?? null,
    statement_descriptor_suffix: fields.statement_descriptor_suffix ?? null,
    shipping: fields.shipping ?? null,
    transfer_group: fields.transfer_group ?? null,
    confirmation_method: fields.confirmation_method ?? 'automatic',
    payment_method_configuration_details: fields.payment_method_configuration_details ?? null,
    status: fields.payment_method ? 'requires_confirmation' : 'requires_payment_method',
  });
  if (fields.card_options) Object.assign(pi.payment_method_options.card, fields.card_options);
  if (fields.amount_details) pi.amount_details = { ...fields.amount_details, tip: {} };
  if (fields.payment_details) pi.payment_details = fields.payment_details;
  pi.client_secret = `${pi.id}_secret_${randomToken(25)}`;
  engine.store.insert(pi);
  engine.events.emit('payment_intent.created', pi, request);
  return pi;
}

/** What charging `pm` now would do, from the card number behind it. */
export function paymentOutcome(engine: Engine, pm: StripeObject, threeDS?: ThreeDSResult): PaymentOutcome {
  return outcomeOf(behaviourOf(engine.store.cardNumbers.get(pm.id) ?? '4242424242424242'), threeDS);
}

function lastPaymentError(decline: CardDecline, pm: StripeObject, chargeId: string | null): StripeObject {
  const err = cardError(decline).toJSON().error;
  return { ...err, charge: chargeId ?? undefined, payment_method: clone(pm) };
}

/**
 * Confirms `pi` with a card: creates the charge (succeeded or failed) and moves the intent on,
 * emitting charge.* and payment_intent.* in Stripe's order. A card that needs 3D Secure leaves
 * the intent `requires_action`, unless the payment is off-session (nobody there to
 * authenticate): then it is declined with `authentication_required`. With capture_method=manual
 * a successful payment is only authorized: the intent waits in `requires_capture`.
 */
export function confirmPaymentIntent(
  engine: Engine,
  pi: StripeObject,
  pm: StripeObject,
  request: RequestInfo,
  threeDS?: ThreeDSResult,
  options: { offSession?: boolean } = {},
): PaymentOutcome {
  const outcome = confirmCharge(engine, pi, pm, request, threeDS, options);
  // The intent of an invoice pays the invoice, however it was confirmed.
  settleInvoiceOf(engine, pi, outcome, request);
  return outcome;
}

function confirmCharge(
  engine: Engine,
  pi: StripeObject,
  pm: StripeObject,
  request: RequestInfo,
  threeDS: ThreeDSResult | undefined,
  options: { offSession?: boolean },
): PaymentOutcome {
  let outcome = paymentOutcome(engine, pm, threeDS);
  if (outcome.status === 'requires_action' && options.offSession) outcome = { status: 'declined', decline: DECLINES.authenticationRequired };
  const { events } = engine;
  pi.payment_method = pm.id;
  if (outcome.status === 'requires_action') {
    pi.status = 'requires_action';
    pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: '' } };
    events.emit('payment_intent.requires_action', pi, request);
    return outcome;
  }
  if (outcome.status === 'declined' && outcome.decline === AUTH_FAILED) {
    // A failed 3D Secure challenge never reaches the card network: no charge is made.
    pi.status = 'requires_payment_method';
    pi.next_action = null;
    pi.last_payment_error = lastPaymentError(outcome.decline, pm, null);
    events.emit('payment_intent.payment_failed', pi, request);
    return outcome;
  }
  const charge = createCharge(engine, pi, pm, outcome);
  pi.latest_charge = charge.id;
  pi.next_action = null;
  if (outcome.status === 'succeeded') {
    pi.last_payment_error = null;
    events.emit('charge.succeeded', charge, request);
    if (capturesManually(pi)) {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      events.emit('payment_intent.amount_capturable_updated', pi, request);
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      events.emit('payment_intent.succeeded', pi, request);
    }
  } else {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = lastPaymentError(outcome.decline, pm, charge.id);
    events.emit('charge.failed', charge, request);
    events.emit('payment_intent.payment_failed', pi, request);
  }
  return outcome;
}

/** Whether a card payment is only authorized: `payment_method_options[card][capture_method]` overrides the intent's. */
export function capturesManually(pi: StripeObject): boolean {
  return (pi.payment_method_options?.card?.capture_method ?? pi.capture_method) === 'manual';
}

/** The intent's setup_future_usage for a card: `payment_method_options[card][setup_future_usage]` overrides it ('none' clears it). */
export function cardSetupFutureUsage(pi: StripeObject): string | null {
  const own = pi.payment_method_options?.card?.setup_future_usage;
  if (own === 'none') return null;
  return own ?? pi.setup_future_usage ?? null;
}

export const unexpectedState = (message: string, param?: string): StripeApiError => invalidRequest(message, param, 'payment_intent_unexpected_state');

export const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
export const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
/** Statuses in which what is to be paid (amount, currency, payment method …) may still change. */
export const UPDATABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/**
 * Cancels `pi`. An authorized payment (`requires_capture`) is released: its charge is refunded in
 * full, as Stripe refunds the uncaptured amount.
 */
export function cancelPaymentIntent(engine: Engine, pi: StripeObject, reason: string | null, request: RequestInfo): void {
  if (!CANCELABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
    );
  }
  if (pi.status === 'requires_capture') {
    const charge = engine.store.find('charge', pi.latest_charge);
    if (charge) createRefund(engine, charge, { amount: charge.amount - charge.amount_refunded }, request);
    pi.amount_capturable = 0;
  }
  Object.assign(pi, { status: 'canceled', canceled_at: engine.clock.now(), cancellation_reason: reason, next_action: null });
  engine.events.emit('payment_intent.canceled', pi, request);
}

/** Captures `amount` of an authorized payment; the rest of the authorization is released (refunded). */
export function capturePaymentIntent(engine: Engine, pi: StripeObject, amount: number | undefined, request: RequestInfo): void {
  checkCapture(pi, amount);
  const captured = amount ?? (pi.amount_capturable as number);
  const charge = engine.store.find('charge', pi.latest_charge)!;
  Object.assign(charge, { captured: true, amount_captured: captured, balance_transaction: newId('balance_transaction') });
  Object.assign(pi, { status: 'succeeded', amount_received: captured, amount_capturable: 0 });
  engine.events.emit('charge.captured', charge, request);
  if (captured < charge.amount) createRefund(engine, charge, { amount: charge.amount - captured }, request);
  engine.events.emit('payment_intent.succeeded', pi, request);
}

/** Checks that an authorized payment can be captured for `amount` (default: all of it). */
export function checkCapture(pi: StripeObject, amount: number | undefined): void {
  if (pi.status !== 'requires_capture') {
    throw unexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
    );
  }
  const capturable = pi.amount_capturable as number;
  if (amount !== undefined && amount > capturable) {
    throw invalidRequest(
      `The amount to capture (${formatAmount(amount, pi.currency)}) is greater than the amount capturable (${formatAmount(capturable, pi.currency)}).`,
      'amount_to_capture',
      'amount_too_large',
    );
  }
}

/**
 * The charge of one attempt to pay `pi` with `pm`: succeeded (captured unless the intent
 * captures manually) or failed with the decline. Stored, with no event: the caller emits
 * charge.* in Stripe's order.
 */
export function createCharge(engine: Engine, pi: StripeObject, pm: StripeObject, outcome: PaymentOutcome): StripeObject {
  const ok = outcome.status === 'succeeded';
  const capture = ok && !capturesManually(pi);
  const decline = outcome.status === 'declined' ? outcome.decline : null;
  const ch = blank('charge', { id: newId('charge'), created: engine.clock.now() });
  Object.assign(ch, {
    amount: pi.amount,
    amount_captured: capture ? pi.amount : 0,
    // With automatic_async capture (the API's default) the balance transaction comes later.
    balance_transaction: capture && pi.capture_method !== 'automatic_async' ? newId('balance_transaction') : null,
    billing_details: clone(pm.billing_details),
    captured: capture,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    metadata: { ...pi.metadata },
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: ok ? 'approved_by_network' : 'declined_by_network',
      reason: decline?.decline_code ?? null,
      seller_message: ok ? 'Payment complete.' : 'The bank did not return any further details with this decline.',
      type: ok ? 'authorized' : 'issuer_declined',
    },
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    receipt_email: pi.receipt_email ?? null,
    shipping: pi.shipping ? clone(pi.shipping) : null,
    transfer_group: pi.transfer_group ?? null,
    statement_descriptor: pi.statement_descriptor ?? null,
    statement_descriptor_suffix: pi.statement_descriptor_suffix ?? null,
    status: ok ? 'succeeded' : 'failed',
  });
  const card = ch.payment_method_details?.card;
  if (card) {
    Object.assign(card, {
      amount_authorized: ok ? pi.amount : 0,
      brand: pm.card.brand,
      country: pm.card.country,
      exp_month: pm.card.exp_month,
      exp_year: pm.card.exp_year,
      fingerprint: pm.card.fingerprint,
      funding: pm.card.funding,
      last4: pm.card.last4,
      network: pm.card.brand,
    });
    ch.payment_method_details.type = 'card';
  }
  ch.refunds.url = `/v1/charges/${ch.id}/refunds`;
  engine.store.insert(ch);
  return ch;
}

/** What can still be refunded: the amount less what was refunded (or released uncaptured). */
export function unrefundedAmount(charge: StripeObject): number {
  return charge.amount - charge.amount_refunded;
}

export type Refund = Stripe.Refund;

/** How many refunds a charge shows in its embedded `refunds` list, as Stripe documents. */
const EMBEDDED_REFUNDS = 10;

/** A refund as Stripe's example object has it, for a card charge. */
function newRefund(id: string, created: number, charge: StripeObject): Refund {
  return {
    amount: 0,
    balance_transaction: newId('balance_transaction'),
    charge: charge.id,
    created,
    currency: charge.currency,
    destination_details: { card: { type: 'refund' }, type: 'card' },
    id,
    metadata: {},
    object: 'refund',
    payment_intent: charge.payment_intent,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    // Card refunds in test mode succeed at once.
    status: 'succeeded',
    transfer_reversal: null,
    customer: charge.customer,
    customer_account: null,
    payment_method: charge.payment_method,
  };
}

/** Puts the charge's newest refunds (as they are now) in its embedded `refunds` list. */
export function syncChargeRefunds(engine: Engine, charge: StripeObject): void {
  const all = newestFirst(engine.store.all('refund').filter((r) => r.charge === charge.id));
  charge.refunds = {
    object: 'list',
    data: structuredClone(all.slice(0, EMBEDDED_REFUNDS)),
    has_more: all.length > EMBEDDED_REFUNDS,
    url: `/v1/charges/${charge.id}/refunds`,
  };
}

/**
 * Refunds `amount` of `charge` (checked by the caller): records the refund, updates the charge
 * and emits refund.created and charge.refunded. Also used to release the uncaptured part of an
 * authorization (a canceled or partly captured payment intent).
 */
export function createRefund(
  engine: Engine,
  charge: StripeObject,
  fields: { amount: number; reason?: Stripe.Refund.Reason | null; metadata?: Record<string, string> },
  request: RequestInfo,
): Refund {
  const refund = newRefund(newId('refund'), engine.clock.now(), charge);
  refund.amount = fields.amount;
  refund.reason = fields.reason ?? null;
  refund.metadata = { ...(fields.metadata ?? {}) };
  engine.store.insert(refund);
  charge.amount_refunded += fields.amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  syncChargeRefunds(engine, charge);
  engine.events.emit('refund.created', refund, request);
  engine.events.emit('charge.refunded', charge, request);
  return refund;
}

/** The charge a refund request names, checked as Stripe checks it before refunding anything. */
export function chargeToRefund(engine: Engine, p: { charge?: string; payment_intent?: string }): StripeObject {
  let charge: StripeObject | undefined;
  if (p.charge !== undefined) {
    // Stripe answers an unknown charge here as a 404 naming `id`, not `charge`.
    charge = engine.store.find('charge', p.charge);
    if (!charge) throw noSuch('charge', p.charge);
  }
  if (p.payment_intent !== undefined) {
    const pi = mustFindParam(engine, 'payment_intent', p.payment_intent, 'payment_intent', 'payment_intent');
    const latest = pi.latest_charge ? engine.store.find('charge', pi.latest_charge) : undefined;
    if (latest?.status !== 'succeeded' || !latest.captured) {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
    }
    if (charge && charge.id !== latest.id) throw invalidRequest(`Charge ${charge.id} does not belong to PaymentIntent ${pi.id}.`, 'charge');
    charge = latest;
  }
  if (!charge) {
    throw invalidRequest('Missing required param: charge or payment_intent. Name the charge, or the payment intent, to refund.', 'charge', 'parameter_missing');
  }
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${charge.id} did not succeed, so there is nothing to refund.`, 'charge');
  }
  if (!charge.captured) {
    throw invalidRequest(
      `Charge ${charge.id} has not been captured. Cancel its PaymentIntent (${charge.payment_intent}) to release the authorization instead.`,
      'charge',
    );
  }
  return charge;
}
