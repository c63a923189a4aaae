/**
 * The billing engine shared by the API and the hosted Checkout page: card payment methods, and
 * subscriptions with their invoices. Payment intents and charges have their own modules
 * (resources/payment-intents.ts, resources/charges.ts); the methods here that pay through them
 * are kept for the hosted page and subscriptions. Every function checks what can fail before it
 * changes anything, so a failure leaves no half-made objects behind. Events are emitted in the
 * order Stripe emits them.
 */
import { createHash } from 'node:crypto';
import { StripeApiError, cardError, invalidRequest } from './errors.ts';
import { behaviourOf, cardBrand, GENERIC_DECLINE_CARD, type CardBehaviour, type PaymentOutcome, type ThreeDSResult } from './cards.ts';
import { newId, randomToken } from './ids.ts';
import { blank } from './objects.ts';
import { formatAmount } from './money.ts';
import { confirmPaymentIntent, createPaymentIntent, paymentOutcome, type NewPaymentIntent } from './payments.ts';
import type { Clock } from './clock.ts';
import type { Engine } from './engine.ts';
import type { EventLog, RequestInfo } from './events.ts';
import type { Store, StripeObject } from './store.ts';

export { AUTH_FAILED, type PaymentOutcome, type ThreeDSResult } from './cards.ts';
export { cardError } from './errors.ts';
export { formatAmount } from './money.ts';

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

/** Adds `count` intervals to a unix time, by calendar for months and years (31 Jan + 1 month = 28/29 Feb). */
export function addInterval(unix: number, interval: string, count: number): number {
  const d = new Date(unix * 1000);
  switch (interval) {
    case 'day':
      return unix + 86400 * count;
    case 'week':
      return unix + 7 * 86400 * count;
    case 'month':
    case 'year': {
      const months = interval === 'year' ? 12 * count : count;
      const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
      return Math.floor(target.getTime() / 1000);
    }
    default:
      throw new Error(`unknown interval ${interval}`);
  }
}

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
   * Creates a subscription and its first invoice, and pays it with `pm` unless told not to.
   * `paymentBehavior` follows Stripe: allow_incomplete (default) leaves an unpaid subscription
   * `incomplete`; error_if_incomplete refuses with the card error and creates nothing;
   * default_incomplete does not try to pay.
   */
  createSubscription(
    args: {
      customer: StripeObject;
      items: { price: StripeObject; quantity: number; metadata?: Record<string, string> }[];
      metadata?: Record<string, string>;
      paymentMethod: StripeObject | null;
      paymentBehavior?: 'allow_incomplete' | 'error_if_incomplete' | 'default_incomplete';
      setDefaultPaymentMethod?: boolean;
      description?: string | null;
      threeDS?: ThreeDSResult;
    },
    request: RequestInfo,
  ): { subscription: StripeObject; invoice: StripeObject; paymentIntent: StripeObject; outcome: PaymentOutcome | null } {
    const behavior = args.paymentBehavior ?? 'allow_incomplete';
    const pm = args.paymentMethod;
    if (!pm && behavior !== 'default_incomplete') {
      throw invalidRequest(
        'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
        undefined,
        'resource_missing',
      );
    }
    const currency = args.items[0]!.price.currency;
    if (args.items.some((i) => i.price.currency !== currency)) {
      throw invalidRequest('All prices on a subscription must have the same currency.', 'items');
    }
    if (args.items.some((i) => i.price.type !== 'recurring')) {
      throw invalidRequest('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', 'items');
    }
    const predicted = pm && behavior !== 'default_incomplete' ? this.outcome(pm, args.threeDS) : null;
    if (behavior === 'error_if_incomplete' && predicted && predicted.status !== 'succeeded') {
      if (predicted.status === 'declined') throw cardError(predicted.decline);
      throw new StripeApiError(402, {
        type: 'card_error',
        code: 'subscription_payment_intent_invalid_parameter',
        message: 'Payment for this subscription requires additional user action before it can be completed successfully.',
      });
    }

    const now = this.clock.now();
    const customer = args.customer;
    const sub = blank('subscription', { id: newId('subscription'), created: now });
    sub.items.data = args.items.map((item) => {
      const si = blank('subscription_item', { id: newId('subscription_item'), created: now });
      Object.assign(si, {
        price: clone(item.price),
        plan: planFromPrice(item.price),
        quantity: item.quantity,
        subscription: sub.id,
        metadata: { ...(item.metadata ?? {}) },
        current_period_start: now,
        current_period_end: addInterval(now, item.price.recurring.interval, item.price.recurring.interval_count),
      });
      return si;
    });
    sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
    Object.assign(sub, {
      billing_cycle_anchor: now,
      currency,
      customer: customer.id,
      default_payment_method: args.setDefaultPaymentMethod && pm ? pm.id : null,
      description: args.description ?? null,
      metadata: { ...(args.metadata ?? {}) },
      start_date: now,
      status: 'incomplete',
    });
    this.store.insert(sub);
    this.events.emit('customer.subscription.created', sub, request);

    const invoice = this.createInvoice(customer, sub, now, request);
    sub.latest_invoice = invoice.id;
    const pi = this.createPaymentIntent({ amount: invoice.amount_due, currency, customer: customer.id, description: 'Subscription creation' }, request);
    const payment = blank('invoice_payment', { id: newId('invoice_payment'), created: now });
    Object.assign(payment, {
      amount_paid: null,
      amount_requested: invoice.amount_due,
      currency,
      invoice: invoice.id,
      is_default: true,
      payment: { type: 'payment_intent', payment_intent: pi.id },
      status: 'open',
    });
    this.store.insert(payment);

    if (!pm || behavior === 'default_incomplete') {
      return { subscription: sub, invoice, paymentIntent: pi, outcome: null };
    }
    const outcome = this.confirm(pi, pm, request, args.threeDS);
    this.settleInvoice(invoice, payment, sub, outcome, request);
    return { subscription: sub, invoice, paymentIntent: pi, outcome };
  }

  private createInvoice(customer: StripeObject, sub: StripeObject, now: number, request: RequestInfo): StripeObject {
    const invoice = blank('invoice', { id: newId('invoice'), created: now });
    const lines = sub.items.data.map((si: StripeObject) => {
      const line = blank('line_item', { id: newId('line_item') });
      const amount = si.price.unit_amount * si.quantity;
      Object.assign(line, {
        amount,
        currency: sub.currency,
        description: `${si.quantity} × ${this.store.get(si.price.product)?.name ?? 'Product'} (at ${formatAmount(si.price.unit_amount, sub.currency)} / ${si.price.recurring.interval})`,
        invoice: invoice.id,
        metadata: { ...sub.metadata },
        period: { end: si.current_period_end, start: si.current_period_start },
        quantity: si.quantity,
        subtotal: amount,
        subscription: sub.id,
        parent: {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: sub.id,
            subscription_item: si.id,
          },
          type: 'subscription_item_details',
        },
        pricing: { type: 'price_details', unit_amount_decimal: si.price.unit_amount_decimal },
      });
      return line;
    });
    const total = lines.reduce((n: number, l: StripeObject) => n + l.amount, 0);
    const sequence = customer.next_invoice_sequence ?? 1;
    customer.next_invoice_sequence = sequence + 1;
    Object.assign(invoice, {
      account_country: 'US',
      account_name: 'checkout-canary emulator',
      amount_due: total,
      amount_remaining: total,
      auto_advance: true,
      billing_reason: 'subscription_create',
      currency: sub.currency,
      customer: customer.id,
      customer_address: customer.address ? clone(customer.address) : null,
      customer_email: customer.email,
      customer_name: customer.name,
      customer_phone: customer.phone,
      customer_shipping: null,
      description: null,
      number: `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`,
      parent: {
        quote_details: null,
        subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
        type: 'subscription_details',
      },
      period_end: now,
      period_start: now,
      starting_balance: 0,
      ending_balance: 0,
      status: 'draft',
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total,
    });
    invoice.lines.data = lines;
    invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
    invoice.hosted_invoice_url = null;
    this.store.insert(invoice);
    this.events.emit('invoice.created', invoice, request);
    invoice.status = 'open';
    invoice.effective_at = now;
    invoice.status_transitions.finalized_at = now;
    this.events.emit('invoice.finalized', invoice, request);
    return invoice;
  }

  private settleInvoice(invoice: StripeObject, payment: StripeObject, sub: StripeObject, outcome: PaymentOutcome, request: RequestInfo): void {
    const now = this.clock.now();
    invoice.attempt_count += 1;
    invoice.attempted = true;
    if (outcome.status === 'succeeded') {
      invoice.amount_paid = invoice.amount_due;
      invoice.amount_remaining = 0;
      invoice.status = 'paid';
      invoice.status_transitions.paid_at = now;
      invoice.default_payment_method = null;
      payment.status = 'paid';
      payment.amount_paid = invoice.amount_due;
      payment.status_transitions.paid_at = now;
      this.events.emit('invoice.paid', invoice, request);
      this.events.emit('invoice.payment_succeeded', invoice, request);
      const subBefore = clone(sub);
      sub.status = 'active';
      this.events.emit('customer.subscription.updated', sub, request, subBefore);
    } else if (outcome.status === 'declined') {
      invoice.next_payment_attempt = null;
      this.events.emit('invoice.payment_failed', invoice, request);
    } else {
      this.events.emit('invoice.payment_action_required', invoice, request);
    }
  }

  /**
   * Pays a subscription's open invoice with `pm`: another attempt after a decline, or the answer
   * to a 3D Secure challenge. The invoice's payment intent is reused, as Stripe does.
   */
  payInvoice(invoice: StripeObject, pm: StripeObject, request: RequestInfo, threeDS?: ThreeDSResult): PaymentOutcome {
    if (invoice.status === 'paid') return { status: 'succeeded' };
    const payment = this.store.all('invoice_payment').find((p) => p.invoice === invoice.id && p.is_default);
    const pi = payment && this.store.get(payment.payment.payment_intent);
    const sub = this.store.get(invoice.parent?.subscription_details?.subscription);
    if (!payment || !pi || !sub) throw new Error(`billing: invoice ${invoice.id} has no payment intent or subscription`);
    const outcome = this.confirm(pi, pm, request, threeDS);
    this.settleInvoice(invoice, payment, sub, outcome, request);
    if (outcome.status === 'succeeded' && sub.default_payment_method !== pm.id) {
      const before = clone(sub);
      sub.default_payment_method = pm.id;
      this.events.emit('customer.subscription.updated', sub, request, before);
    }
    return outcome;
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
    const now = this.clock.now();
    Object.assign(sub, { status: 'canceled', canceled_at: now, ended_at: now });
    sub.cancellation_details = { comment: details.comment ?? null, feedback: details.feedback ?? null, reason };
    this.events.emit('customer.subscription.deleted', sub, request);
  }
}

export function planFromPrice(price: StripeObject): StripeObject {
  const plan = blank('plan', { id: price.id, created: price.created });
  Object.assign(plan, {
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    currency: price.currency,
    interval: price.recurring.interval,
    interval_count: price.recurring.interval_count,
    metadata: { ...price.metadata },
    nickname: price.nickname,
    product: price.product,
    trial_period_days: price.recurring.trial_period_days ?? null,
    usage_type: price.recurring.usage_type,
  });
  return plan;
}
