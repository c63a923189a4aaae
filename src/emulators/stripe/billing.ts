/**
 * The billing engine shared by the API and the hosted Checkout page: card payment methods, and
 * the doors to subscriptions (subscriptions.ts) and payments (payments.ts). Payment intents and charges have their own modules
 * (resources/payment-intents.ts, resources/charges.ts); the methods here that pay through them
 * are kept for the hosted page and subscriptions. Every function checks what can fail before it
 * changes anything, so a failure leaves no half-made objects behind. Events are emitted in the
 * order Stripe emits them.
 */
import { createHash } from 'node:crypto';
import { cardError, invalidRequest } from './errors.ts';
import { behaviourOf, cardBrand, GENERIC_DECLINE_CARD, type CardBehaviour, type PaymentOutcome, type ThreeDSResult } from './cards.ts';
import { cancelSubscription, createSubscription, payInvoice, type NewSubscription, type NewSubscriptionResult } from './subscriptions.ts';
import { newId, randomToken } from './ids.ts';
import { blank } from './objects.ts';
import { confirmPaymentIntent, createPaymentIntent, paymentOutcome, type NewPaymentIntent } from './payments.ts';
import type { Clock } from './clock.ts';
import type { Engine } from './engine.ts';
import type { EventLog, RequestInfo } from './events.ts';
import type { Store, StripeObject } from './store.ts';

export { AUTH_FAILED, type PaymentOutcome, type ThreeDSResult } from './cards.ts';
export { cardError } from './errors.ts';
export { formatAmount } from './money.ts';
export { addInterval, planFromPrice } from './subscriptions.ts';

export interface CardDetails {
  number: string;
  exp_month: number;
  exp_year: number;
}

export interface BillingDetails {
  name?: string | null;
  email?: string | null;
  country?: string | null;
  postal_code?: string | null;
}

const clone = <T>(x: T): T => structuredClone(x);

export class Billing {
  private readonly engine: Engine;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {
    this.engine = { store, clock, events };
  }

  /** The card number behind a payment method, kept beside the state (never in API objects). */
  private cardNumberOf(pm: StripeObject): string {
    return this.store.cardNumbers.get(pm.id) ?? '4242424242424242';
  }

  behaviourOf(pm: StripeObject): CardBehaviour {
    return behaviourOf(this.cardNumberOf(pm));
  }

  /**
   * A card payment method, unattached. Throws the card error for a number that is not a card.
   * With `issuerDeclines` the card is what was entered (brand, last4…) but its issuer declines
   * it as the generic decline test card is declined (the hosted page's `decline` fault).
   */
  createCardPaymentMethod(card: CardDetails, billing: BillingDetails = {}, options: { issuerDeclines?: boolean } = {}): StripeObject {
    const number = card.number.replace(/\D/g, '');
    const behaviour = behaviourOf(number);
    if (behaviour.kind === 'invalid') throw cardError(behaviour.decline, 'number');
    const brand = cardBrand(number);
    const pm = blank('payment_method', { id: newId('payment_method'), created: this.clock.now() });
    pm.type = 'card';
    pm.billing_details = {
      address: { city: null, country: billing.country ?? null, line1: null, line2: null, postal_code: billing.postal_code ?? null, state: null },
      email: billing.email ?? null,
      name: billing.name ?? null,
      phone: null,
      tax_id: null,
    };
    Object.assign(pm.card, {
      brand,
      display_brand: brand,
      country: 'US',
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      last4: number.slice(-4),
      funding: number === '4000056655665556' ? 'debit' : 'credit',
      fingerprint: createHash('sha256').update(number).digest('base64url').slice(0, 16),
    });
    if (pm.card.networks) pm.card.networks = { available: [brand], preferred: null };
    if (pm.card.checks) pm.card.checks = { address_line1_check: null, address_postal_code_check: billing.postal_code ? 'pass' : null, cvc_check: 'pass' };
    if (pm.card.three_d_secure_usage) pm.card.three_d_secure_usage = { supported: true };
    this.store.insert(pm);
    // The number kept here decides only how charges end; the card's own details stay as entered.
    this.store.cardNumbers.set(pm.id, options.issuerDeclines ? GENERIC_DECLINE_CARD : number);
    return pm;
  }

  attach(pm: StripeObject, customer: StripeObject, request: RequestInfo): void {
    if (pm.customer === customer.id) return;
    if (pm.customer) {
      throw invalidRequest(`The payment method you provided has already been attached to a customer.`, 'payment_method', 'payment_method_unexpected_state');
    }
    const behaviour = this.behaviourOf(pm);
    if (behaviour.kind === 'declines') {
      // Attaching verifies the card with the issuer, so a card that always declines fails here.
      throw cardError(behaviour.decline);
    }
    pm.customer = customer.id;
    this.events.emit('payment_method.attached', pm, request);
  }

  detach(pm: StripeObject, request: RequestInfo): void {
    if (!pm.customer) {
      throw invalidRequest(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
        'payment_method',
        'payment_method_unexpected_state',
      );
    }
    const customer = this.store.find('customer', pm.customer);
    pm.customer = null;
    // Only *.updated events carry previous_attributes.
    this.events.emit('payment_method.detached', pm, request);
    // A detached payment method stops being the customer's default for invoices.
    if (customer && customer.invoice_settings?.default_payment_method === pm.id) {
      const before = clone(customer);
      customer.invoice_settings.default_payment_method = null;
      this.events.emit('customer.updated', customer, request, before);
    }
  }

  /** What charging `pm` now would do; `threeDS` is the result of a challenge already shown. */
  outcome(pm: StripeObject, threeDS?: ThreeDSResult): PaymentOutcome {
    return paymentOutcome(this.engine, pm, threeDS);
  }

  /** A new payment intent (see resources/payment-intents.ts). */
  createPaymentIntent(fields: NewPaymentIntent, request: RequestInfo): StripeObject {
    return createPaymentIntent(this.engine, fields, request);
  }

  /** Confirms a payment intent with a card (see resources/payment-intents.ts). Returns the outcome. */
  confirm(pi: StripeObject, pm: StripeObject, request: RequestInfo, threeDS?: ThreeDSResult): PaymentOutcome {
    return confirmPaymentIntent(this.engine, pi, pm, request, threeDS);
  }

  /**
   * Creates a subscription and its first invoice, and pays it as told (see subscriptions.ts). For
   * the hosted page, whose subscriptions always have a first invoice to pay; a subscription whose
   * first invoice is paid at once (a trial) has no payment intent: use subscriptions.ts directly.
   */
  createSubscription(args: NewSubscription, request: RequestInfo): NewSubscriptionResult & { paymentIntent: StripeObject } {
    const result = createSubscription(this.engine, args, request);
    if (!result.paymentIntent)
      throw new Error(`billing: subscription ${result.subscription.id} has nothing to pay; call subscriptions.createSubscription for trials`);
    return { ...result, paymentIntent: result.paymentIntent };
  }

  /** Pays a subscription's open invoice with `pm` (see subscriptions.ts). */
  payInvoice(invoice: StripeObject, pm: StripeObject, request: RequestInfo, threeDS?: ThreeDSResult): PaymentOutcome {
    return payInvoice(this.engine, invoice, pm, request, threeDS);
  }

  /** A new customer, numbered for invoices, with its `customer.created` event. */
  createCustomer(fields: { email?: string | null; name?: string | null; address?: StripeObject | null }, request: RequestInfo): StripeObject {
    const customer = this.newCustomer();
    Object.assign(customer, { email: fields.email ?? null, name: fields.name ?? null, address: fields.address ? clone(fields.address) : null });
    this.store.insert(customer);
    this.events.emit('customer.created', customer, request);
    return customer;
  }

  /** A blank customer with its invoice numbering set up, not yet stored. */
  newCustomer(): StripeObject {
    const customer = blank('customer', { id: newId('customer'), created: this.clock.now() });
    customer.invoice_prefix = randomToken(8).toUpperCase();
    customer.next_invoice_sequence = 1;
    return customer;
  }

  /** Cancels at once, as DELETE /v1/subscriptions/:id and customer deletion do. */
  cancelSubscription(
    sub: StripeObject,
    request: RequestInfo,
    details: { comment?: string | null; feedback?: string | null } = {},
    reason: 'cancellation_requested' = 'cancellation_requested',
  ): void {
    cancelSubscription(this.engine, sub, request, details, reason);
  }
}
