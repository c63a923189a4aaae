/**
 * The subscription engine: create (trials, discounts, collection methods, payment behaviours),
 * update (plan changes with prorations, trials, pause and cancellation settings) and cancel, with
 * the invoices they make. The routes are in resources/billing-objects.ts; the hosted page creates
 * subscriptions through Billing, which calls here. Everything that can fail is checked before
 * anything changes, so a refused request leaves nothing behind.
 */
import { StripeApiError, cardError, invalidRequest } from './errors.ts';
import { newId } from './ids.ts';
import { markPaid } from './invoice-settlement.ts';
import { formatAmount } from './money.ts';
import { blank } from './objects.ts';
import { confirmPaymentIntent, createPaymentIntent, paymentOutcome } from './payments.ts';
import type { PaymentOutcome, ThreeDSResult } from './cards.ts';
import type { Engine } from './engine.ts';
import type { RequestInfo } from './events.ts';
import type { StripeObject } from './store.ts';

const clone = <T>(x: T): T => structuredClone(x);
const DAY = 86400;

export type PaymentBehavior = 'allow_incomplete' | 'error_if_incomplete' | 'default_incomplete';
export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** Adds `count` intervals to a unix time, by calendar for months and years (31 Jan + 1 month = 28/29 Feb). */
export function addInterval(unix: number, interval: string, count: number): number {
  const d = new Date(unix * 1000);
  switch (interval) {
    case 'day':
      return unix + DAY * count;
    case 'week':
      return unix + 7 * DAY * count;
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

/** A coupon (and the promotion code that brought it), checked and ready to apply. */
export interface DiscountSource {
  coupon: StripeObject;
  promotionCode: StripeObject | null;
}

export interface NewSubscription {
  customer: StripeObject;
  /** `taxRates`: the item's own tax rates (objects, resources/tax-rates.ts), which replace the default ones. */
  items: { price: StripeObject; quantity: number; metadata?: Record<string, string>; taxRates?: StripeObject[] }[];
  metadata?: Record<string, string>;
  paymentMethod: StripeObject | null;
  paymentBehavior?: PaymentBehavior;
  setDefaultPaymentMethod?: boolean;
  description?: string | null;
  threeDS?: ThreeDSResult;
  /** The end of a trial (unix), or none. */
  trialEnd?: number | null;
  trialSettings?: StripeObject;
  cancelAtPeriodEnd?: boolean;
  /** A time, or Stripe's names for the period's end. */
  cancelAt?: number | 'max_period_end' | 'min_period_end' | 'max_billed_until' | null;
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  daysUntilDue?: number | null;
  discounts?: DiscountSource[];
  /** A future anchor: the first period runs to it, prorated unless proration_behavior is none. */
  billingCycleAnchor?: number;
  backdateStartDate?: number;
  prorationBehavior?: ProrationBehavior;
  offSession?: boolean;
  paymentSettings?: StripeObject;
  automaticTax?: boolean;
  currency?: string;
  /** One-time prices added to the first invoice. */
  addInvoiceItems?: AddedItem[];
  invoiceSettings?: StripeObject;
  /** The tax rates of every line without its own. */
  defaultTaxRates?: StripeObject[];
  /** A card of the customer's (a source: the emulator keeps sources as card payment methods). */
  defaultSource?: StripeObject | null;
  /** The fixed values the anchor was computed from (`billing_cycle_anchor` is then set too). */
  billingCycleAnchorConfig?: StripeObject;
  billingMode?: StripeObject;
  billingThresholds?: StripeObject;
  pendingInvoiceItemInterval?: { interval: string; interval_count: number };
}

/** A one-time price on the next invoice (`add_invoice_items`). */
export interface AddedItem {
  price: StripeObject;
  quantity: number;
  taxRates?: StripeObject[];
}

export interface NewSubscriptionResult {
  subscription: StripeObject;
  invoice: StripeObject;
  paymentIntent: StripeObject | null;
  outcome: PaymentOutcome | null;
}

/** A line of an invoice to be made. */
interface Line {
  amount: number;
  description: string;
  period: { start: number; end: number };
  quantity: number;
  unitAmountDecimal: string | null;
  price: StripeObject | null;
  subscriptionItem: string | null;
  invoiceItem: string | null;
  proration: boolean;
  discountable: boolean;
}

const productName = (engine: Engine, price: StripeObject): string => engine.store.get(price.product)?.name ?? 'Product';

/** When `cancel_at` as given falls, for a subscription whose items end their periods at `ends`. */
function cancelTime(cancelAt: NonNullable<NewSubscription['cancelAt']>, ends: number[]): number {
  if (typeof cancelAt === 'number') return cancelAt;
  return cancelAt === 'min_period_end' ? Math.min(...ends) : Math.max(...ends);
}

/**
 * Runs `fn` on the time of the customer's test clock (its frozen time), if it has one: what is
 * done for a clock's customer is dated by the clock, objects and events alike. Inside a renewal
 * (already on a clock's time) the time is left as it is.
 */
export function onCustomerClock<T>(engine: Engine, customerId: string, fn: () => T): T {
  if (engine.clock.frozen) return fn();
  const clockId = engine.store.find('customer', customerId)?.test_clock;
  const clock = clockId ? engine.store.find('test_helpers.test_clock', clockId) : undefined;
  return clock ? engine.clock.at(clock.frozen_time as number, fn) : fn();
}

/** Creates a subscription and its first invoice, and pays it as `paymentBehavior` says. */
export function createSubscription(engine: Engine, args: NewSubscription, request: RequestInfo): NewSubscriptionResult {
  return onCustomerClock(engine, args.customer.id, () => create(engine, args, request));
}

function create(engine: Engine, args: NewSubscription, request: RequestInfo): NewSubscriptionResult {
  const behavior = args.paymentBehavior ?? 'allow_incomplete';
  const collection = args.collectionMethod ?? 'charge_automatically';
  const now = engine.clock.now();
  const pm = args.paymentMethod;
  const trialEnd = args.trialEnd ?? null;
  const currency = args.currency ?? args.items[0]!.price.currency;
  if (args.items.some((i) => i.price.currency !== currency)) {
    throw invalidRequest(
      args.currency
        ? `The price ${args.items.find((i) => i.price.currency !== currency)!.price.id} has no ${currency} amount.`
        : 'All prices on a subscription must have the same currency.',
      args.currency ? 'currency' : 'items',
    );
  }
  if (args.items.some((i) => i.price.type !== 'recurring')) {
    throw invalidRequest('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', 'items');
  }
  for (const [i, item] of (args.addInvoiceItems ?? []).entries()) {
    if (item.price.type !== 'one_time') {
      throw invalidRequest(
        'The price specified is set to `type=recurring` but this field only accepts prices with `type=one_time`.',
        `add_invoice_items[${i}][price]`,
      );
    }
    if (item.price.currency !== currency) throw invalidRequest(`The price ${item.price.id} is not in ${currency}.`, `add_invoice_items[${i}][price]`);
  }
  for (const d of args.discounts ?? []) {
    if (d.coupon.currency && d.coupon.currency !== currency) {
      throw invalidRequest(`Coupon ${d.coupon.id} is in ${d.coupon.currency}, but the subscription is in ${currency}.`, 'discounts');
    }
  }
  // The first period: the trial, up to the anchor, or one interval of the first price.
  const start = args.backdateStartDate ?? now;
  const interval = args.items[0]!.price.recurring;
  const fullEnd = addInterval(start, interval.interval, interval.interval_count);
  if (args.billingCycleAnchor !== undefined && trialEnd === null && args.billingCycleAnchor > fullEnd) {
    throw invalidRequest(`billing_cycle_anchor cannot be later than next natural billing date (${fullEnd}) for plan`, 'billing_cycle_anchor');
  }
  const periodEnd = trialEnd ?? args.billingCycleAnchor ?? fullEnd;
  const firstLines: Line[] = [];
  const needsPayment = trialEnd === null && collection === 'charge_automatically';
  if (!pm && needsPayment && behavior !== 'default_incomplete') {
    throw invalidRequest(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
      undefined,
      'resource_missing',
    );
  }
  const predicted = pm && needsPayment && behavior !== 'default_incomplete' ? paymentOutcome(engine, pm, args.threeDS) : null;
  if (behavior === 'error_if_incomplete' && predicted && predicted.status !== 'succeeded') refuseIncomplete(predicted);

  const sub = blank('subscription', { id: newId('subscription'), created: now });
  sub.items.data = args.items.map((item) => {
    const si = blank('subscription_item', { id: newId('subscription_item'), created: now });
    Object.assign(si, {
      price: clone(item.price),
      plan: planFromPrice(item.price),
      quantity: item.quantity,
      subscription: sub.id,
      metadata: { ...(item.metadata ?? {}) },
      current_period_start: start,
      current_period_end: periodEnd,
      tax_rates: clone(item.taxRates ?? []),
    });
    return si;
  });
  sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
  const ends = sub.items.data.map((si: StripeObject) => si.current_period_end as number);
  Object.assign(sub, {
    billing_cycle_anchor: trialEnd ?? args.billingCycleAnchor ?? start,
    currency,
    customer: args.customer.id,
    test_clock: args.customer.test_clock ?? null,
    collection_method: collection,
    days_until_due: collection === 'send_invoice' ? (args.daysUntilDue ?? null) : null,
    default_payment_method: args.setDefaultPaymentMethod && pm ? pm.id : null,
    default_source: args.defaultSource?.id ?? null,
    default_tax_rates: clone(args.defaultTaxRates ?? []),
    billing_cycle_anchor_config: args.billingCycleAnchorConfig ? clone(args.billingCycleAnchorConfig) : null,
    billing_thresholds: args.billingThresholds ? clone(args.billingThresholds) : null,
    pending_invoice_item_interval: args.pendingInvoiceItemInterval ? { ...args.pendingInvoiceItemInterval } : null,
    next_pending_invoice_item_invoice: args.pendingInvoiceItemInterval ? nextPendingInvoice(start, args.pendingInvoiceItemInterval) : null,
    description: args.description ?? null,
    metadata: { ...(args.metadata ?? {}) },
    start_date: start,
    status: trialEnd !== null ? 'trialing' : collection === 'send_invoice' ? 'active' : 'incomplete',
    trial_start: trialEnd !== null ? now : null,
    trial_end: trialEnd,
    cancel_at_period_end: args.cancelAtPeriodEnd ?? false,
    cancel_at: args.cancelAtPeriodEnd ? Math.min(...ends) : args.cancelAt ? cancelTime(args.cancelAt, ends) : null,
  });
  if (args.billingMode) sub.billing_mode = clone(args.billingMode);
  if (args.trialSettings) sub.trial_settings = clone(args.trialSettings);
  if (args.paymentSettings) sub.payment_settings = { ...sub.payment_settings, ...clone(args.paymentSettings) };
  if (args.automaticTax) sub.automatic_tax = { enabled: true, liability: { type: 'self' }, disabled_reason: null };
  if (args.invoiceSettings) sub.invoice_settings = { ...sub.invoice_settings, ...clone(args.invoiceSettings) };
  sub.discounts = (args.discounts ?? []).map((d) => newDiscount(engine, d, args.customer.id, sub.id).id);
  engine.store.insert(sub);
  engine.events.emit('customer.subscription.created', sub, request);
  if (trialEnd !== null && trialEnd - now <= 3 * DAY) engine.events.emit('customer.subscription.trial_will_end', sub, request);

  for (const si of sub.items.data as StripeObject[]) {
    const full = si.price.unit_amount * si.quantity;
    if (trialEnd !== null) {
      firstLines.push(itemLine(si, 0, `Trial period for ${productName(engine, si.price)}`, false));
    } else if (args.billingCycleAnchor !== undefined && args.prorationBehavior !== 'none') {
      const amount = Math.round((full * (periodEnd - start)) / (fullEnd - start));
      firstLines.push(
        itemLine(
          si,
          amount,
          `${si.quantity} × ${productName(engine, si.price)} (at ${formatAmount(si.price.unit_amount, currency)} / ${si.price.recurring.interval})`,
          true,
        ),
      );
    } else if (args.billingCycleAnchor !== undefined) {
      firstLines.push(
        itemLine(si, 0, `${si.quantity} × ${productName(engine, si.price)} (at ${formatAmount(0, currency)} / ${si.price.recurring.interval})`, false),
      );
    } else {
      firstLines.push(itemLine(si, full, planDescription(engine, si, currency), false));
    }
  }
  for (const item of args.addInvoiceItems ?? []) {
    const amount = item.price.unit_amount * item.quantity;
    firstLines.push({
      amount,
      description: item.price.nickname ?? productName(engine, item.price),
      period: { start: now, end: now },
      quantity: item.quantity,
      unitAmountDecimal: item.price.unit_amount_decimal,
      price: item.price,
      subscriptionItem: null,
      invoiceItem: addedInvoiceItem(engine, sub, item, now, request).id,
      proration: false,
      discountable: true,
    });
  }
  const invoice = createInvoice(engine, sub, args.customer, firstLines, 'subscription_create', request);
  sub.latest_invoice = invoice.id;
  if (invoice.status === 'paid') {
    // Nothing to pay (a trial, a 100 % discount): a trialing subscription stays so, others are active.
    if (sub.status === 'incomplete') sub.status = 'active';
    return { subscription: sub, invoice, paymentIntent: null, outcome: null };
  }
  const pi = invoicePaymentIntent(engine, invoice, request);
  if (!needsPayment || !pm || behavior === 'default_incomplete') return { subscription: sub, invoice, paymentIntent: pi, outcome: null };
  const outcome = confirmPaymentIntent(engine, pi, pm, request, args.threeDS, { offSession: args.offSession });
  return { subscription: sub, invoice, paymentIntent: pi, outcome };
}

function refuseIncomplete(predicted: PaymentOutcome): never {
  if (predicted.status === 'declined') throw cardError(predicted.decline);
  throw new StripeApiError(402, {
    type: 'card_error',
    code: 'subscription_payment_intent_invalid_parameter',
    message: 'Payment for this subscription requires additional user action before it can be completed successfully.',
  });
}

function planDescription(engine: Engine, si: StripeObject, currency: string): string {
  return `${si.quantity} × ${productName(engine, si.price)} (at ${formatAmount(si.price.unit_amount, currency)} / ${si.price.recurring.interval})`;
}

function itemLine(si: StripeObject, amount: number, description: string, proration: boolean): Line {
  return {
    amount,
    description,
    period: { start: si.current_period_start, end: si.current_period_end },
    quantity: si.quantity,
    unitAmountDecimal: si.price.unit_amount_decimal,
    price: si.price,
    subscriptionItem: si.id,
    invoiceItem: null,
    proration,
    discountable: true,
  };
}

/** A discount object for a subscription: the coupon redeemed once (and the promotion code with it). */
function newDiscount(engine: Engine, source: DiscountSource, customer: string, subscription: string): StripeObject {
  const now = engine.clock.now();
  const c = source.coupon;
  const discount: StripeObject = {
    checkout_session: null,
    customer,
    end: c.duration === 'repeating' ? addInterval(now, 'month', c.duration_in_months) : null,
    id: newId('discount'),
    invoice: null,
    invoice_item: null,
    object: 'discount',
    promotion_code: source.promotionCode?.id ?? null,
    start: now,
    subscription,
    subscription_item: null,
    source: { coupon: c.id, type: 'coupon' },
    customer_account: null,
  };
  engine.store.insert(discount);
  c.times_redeemed += 1;
  c.valid = !(c.max_redemptions !== null && c.times_redeemed >= c.max_redemptions) && !(c.redeem_by !== null && c.redeem_by <= now);
  if (source.promotionCode) source.promotionCode.times_redeemed += 1;
  return discount;
}

/** The invoice item of one `add_invoice_items` entry: its one-time price, for the next invoice. */
function addedInvoiceItem(engine: Engine, sub: StripeObject, item: AddedItem, now: number, request: RequestInfo): StripeObject {
  return newInvoiceItem(
    engine,
    sub,
    {
      amount: item.price.unit_amount * item.quantity,
      description: productName(engine, item.price),
      price: item.price,
      quantity: item.quantity,
      period: { start: now, end: now },
      proration: false,
      taxRates: item.taxRates,
    },
    request,
  );
}

/** When the pending invoice items of a subscription with `pending_invoice_item_interval` are next invoiced. */
export function nextPendingInvoice(from: number, every: { interval: string; interval_count: number }): number {
  return addInterval(from, every.interval, every.interval_count);
}

/** A pending invoice item of the subscription's customer (a proration, or an add_invoice_items price). */
function newInvoiceItem(
  engine: Engine,
  sub: StripeObject,
  f: {
    amount: number;
    description: string;
    price: StripeObject;
    quantity: number;
    period: { start: number; end: number };
    proration: boolean;
    taxRates?: StripeObject[];
  },
  request: RequestInfo,
): StripeObject {
  const ii: StripeObject = {
    amount: f.amount,
    currency: sub.currency,
    customer: sub.customer,
    date: engine.clock.now(),
    description: f.description,
    discountable: true,
    discounts: [],
    id: newId('invoiceitem'),
    invoice: null,
    livemode: false,
    metadata: {},
    object: 'invoiceitem',
    period: { ...f.period },
    proration: f.proration,
    quantity: f.quantity,
    tax_rates: clone(f.taxRates ?? []),
    test_clock: engine.store.find('customer', sub.customer)?.test_clock ?? null,
    parent: { subscription_details: { subscription: sub.id, subscription_item: null }, type: 'subscription_details' },
    pricing: { type: 'price_details', price_details: { price: f.price.id, product: f.price.product }, unit_amount_decimal: f.price.unit_amount_decimal },
    net_amount: f.amount,
    customer_account: null,
    quantity_decimal: String(f.quantity),
  };
  engine.store.insert(ii);
  engine.events.emit('invoiceitem.created', ii, request);
  return ii;
}

/** How much each discount takes off the discountable lines (percent per line, amounts off the total). */
function applyDiscounts(engine: Engine, sub: StripeObject, lines: StripeObject[]): { amount: number; discount: string }[] {
  const totals: { amount: number; discount: string }[] = [];
  for (const id of sub.discounts as string[]) {
    const d = engine.store.find('discount', id);
    const coupon = d && engine.store.find('coupon', d.source.coupon);
    if (!d || !coupon || (d.end !== null && d.end <= engine.clock.now())) continue;
    const eligible = lines.filter((l) => l.discountable && l.amount > 0);
    let left = coupon.amount_off ?? Number.POSITIVE_INFINITY;
    let sum = 0;
    for (const line of eligible) {
      const remaining = line.amount - line.discount_amounts.reduce((n: number, x: StripeObject) => n + x.amount, 0);
      const off = coupon.percent_off !== null ? Math.round((remaining * coupon.percent_off) / 100) : Math.min(left, remaining);
      left -= off;
      sum += off;
      line.discount_amounts.push({ amount: off, discount: id });
      line.discounts.push(id);
    }
    if (sum > 0) totals.push({ amount: sum, discount: id });
  }
  return totals;
}

/** A line's tax rates: its invoice item's or subscription item's own, else the subscription's defaults. */
function ratesOfLine(engine: Engine, sub: StripeObject, l: Line): StripeObject[] {
  const own = l.invoiceItem
    ? engine.store.find('invoiceitem', l.invoiceItem)?.tax_rates
    : l.subscriptionItem
      ? (sub.items.data as StripeObject[]).find((si) => si.id === l.subscriptionItem)?.tax_rates
      : undefined;
  return own?.length ? own : (sub.default_tax_rates ?? []);
}

/**
 * The tax of each line at its rates, on what is left after discounts: an exclusive rate adds
 * its percentage, inclusive rates take their share out of the amount (`taxable_amount` is then
 * the amount without them). Returns the invoice's `total_taxes`, one per rate.
 */
function applyTaxes(lines: StripeObject[], rates: StripeObject[][]): StripeObject[] {
  const totals = new Map<string, StripeObject>();
  lines.forEach((line, i) => {
    const own = rates[i] ?? [];
    if (own.length === 0) return;
    const base = line.amount - line.discount_amounts.reduce((n: number, d: StripeObject) => n + d.amount, 0);
    const inclusive = own.filter((r) => r.inclusive);
    const inclusivePercent = inclusive.reduce((n, r) => n + r.percentage, 0);
    const net = inclusivePercent > 0 ? Math.round(base / (1 + inclusivePercent / 100)) : base;
    let inclusiveLeft = base - net;
    line.taxes = own.map((rate) => {
      let amount = Math.round((net * rate.percentage) / 100);
      if (rate.inclusive) {
        // The last inclusive rate takes what rounding left, so the shares add up to the amount.
        if (rate === inclusive.at(-1)) amount = inclusiveLeft;
        inclusiveLeft -= amount;
      }
      return {
        amount,
        tax_behavior: rate.inclusive ? 'inclusive' : 'exclusive',
        tax_rate_details: { tax_rate: rate.id },
        // Stripe Tax gives reasons; a rate of the account's own has none.
        taxability_reason: 'not_available',
        taxable_amount: net,
        type: 'tax_rate_details',
      };
    });
    for (const tax of line.taxes as StripeObject[]) {
      const total = totals.get(tax.tax_rate_details.tax_rate);
      if (total) {
        total.amount += tax.amount;
        total.taxable_amount += tax.taxable_amount;
      } else totals.set(tax.tax_rate_details.tax_rate, clone(tax));
    }
  });
  return [...totals.values()];
}

/**
 * An invoice of the subscription with these lines, finalized (open); one with nothing to pay is
 * paid at once, as Stripe pays a $0 invoice. `send_invoice` invoices get their due date.
 */
export function createInvoice(
  engine: Engine,
  sub: StripeObject,
  customer: StripeObject,
  input: Line[],
  reason: string,
  request: RequestInfo,
  /** The period the invoice is for (a renewal's: the one just ended); default now. */
  period?: { start: number; end: number },
  /** Left a draft, not finalized nor collected (a renewal while collection is paused with keep_as_draft). */
  options: { draft?: boolean } = {},
): StripeObject {
  const now = engine.clock.now();
  const invoice = blank('invoice', { id: newId('invoice'), created: now });
  const lines = input.map((l) => {
    const line = blank('line_item', { id: newId('line_item') });
    Object.assign(line, {
      amount: l.amount,
      currency: sub.currency,
      description: l.description,
      discountable: l.discountable,
      invoice: invoice.id,
      metadata: l.subscriptionItem ? { ...sub.metadata } : {},
      period: { ...l.period },
      quantity: l.quantity,
      subtotal: l.amount,
      subscription: sub.id,
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: l.invoiceItem,
          proration: l.proration,
          proration_details: { credited_items: null },
          subscription: sub.id,
          subscription_item: l.subscriptionItem,
        },
        type: 'subscription_item_details',
      },
      pricing: {
        type: 'price_details',
        price_details: l.price ? { price: l.price.id, product: l.price.product } : undefined,
        unit_amount_decimal: l.unitAmountDecimal,
      },
    });
    if (!l.price) delete line.pricing.price_details;
    if (l.invoiceItem) {
      const ii = engine.store.find('invoiceitem', l.invoiceItem);
      if (ii) ii.invoice = invoice.id;
    }
    return line;
  });
  const subtotal = lines.reduce((n: number, l: StripeObject) => n + l.amount, 0);
  const discountTotals = applyDiscounts(engine, sub, lines);
  const discount = discountTotals.reduce((n, d) => n + d.amount, 0);
  const totalTaxes = applyTaxes(
    lines,
    input.map((l) => ratesOfLine(engine, sub, l)),
  );
  const taxOf = (behavior: string) => totalTaxes.filter((t) => t.tax_behavior === behavior).reduce((n, t) => n + t.amount, 0);
  const exclusiveTax = taxOf('exclusive');
  const inclusiveTax = taxOf('inclusive');
  const total = subtotal - discount + exclusiveTax;
  // A negative total is owed to the customer: it goes to their balance and nothing is due.
  // A credit on the customer's balance (negative) pays what it can first.
  const startingBalance = customer.balance ?? 0;
  const applied = total > 0 && startingBalance < 0 ? Math.min(-startingBalance, total) : 0;
  const due = Math.max(total - applied, 0);
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  const sendInvoice = sub.collection_method === 'send_invoice';
  Object.assign(invoice, {
    account_country: 'US',
    account_name: 'checkout-canary emulator',
    amount_due: due,
    amount_remaining: due,
    auto_advance: true,
    automatic_tax: { ...invoice.automatic_tax, enabled: sub.automatic_tax.enabled, status: sub.automatic_tax.enabled ? 'complete' : null },
    billing_reason: reason,
    collection_method: sub.collection_method,
    currency: sub.currency,
    customer: customer.id,
    customer_address: customer.address ? clone(customer.address) : null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone,
    description: sub.invoice_settings?.description ?? null,
    discounts: discountTotals.map((d) => d.discount),
    due_date: sendInvoice ? now + (sub.days_until_due ?? 30) * DAY : null,
    footer: sub.invoice_settings?.footer ?? null,
    number: `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`,
    parent: { quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id }, type: 'subscription_details' },
    period_end: period?.end ?? now,
    period_start: period?.start ?? now,
    starting_balance: startingBalance,
    ending_balance: startingBalance + applied + Math.min(total, 0),
    subtotal,
    subtotal_excluding_tax: subtotal - inclusiveTax,
    test_clock: customer.test_clock ?? null,
    total,
    total_discount_amounts: discountTotals,
    total_excluding_tax: total - exclusiveTax - inclusiveTax,
    total_taxes: totalTaxes,
    default_tax_rates: clone(sub.default_tax_rates ?? []),
  });
  invoice.lines.data = lines;
  invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
  engine.store.insert(invoice);
  engine.events.emit('invoice.created', invoice, request);
  if (options.draft) {
    invoice.auto_advance = false;
    return invoice;
  }
  invoice.status = 'open';
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  if (sendInvoice) invoice.hosted_invoice_url = `https://invoice.stripe.com/i/emulator/${invoice.id}`;
  engine.events.emit('invoice.finalized', invoice, request);
  if (applied !== 0 || total < 0) {
    const before = clone(customer);
    customer.balance = invoice.ending_balance;
    engine.events.emit('customer.updated', customer, request, before);
  }
  if (due === 0) markPaid(engine, invoice, undefined, request);
  // A `once` coupon is used up by the first invoice it takes something off.
  for (const d of discountTotals) {
    const obj = engine.store.find('discount', d.discount);
    const coupon = obj && engine.store.find('coupon', obj.source.coupon);
    if (coupon?.duration === 'once') sub.discounts = sub.discounts.filter((id: string) => id !== d.discount);
  }
  return invoice;
}

/** The payment intent that collects an open invoice, with its invoice payment record. */
function invoicePaymentIntent(engine: Engine, invoice: StripeObject, request: RequestInfo): StripeObject {
  const pi = createPaymentIntent(
    engine,
    {
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: invoice.customer,
      description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    },
    request,
  );
  const payment = blank('invoice_payment', { id: newId('invoice_payment'), created: engine.clock.now() });
  Object.assign(payment, {
    amount_paid: null,
    amount_requested: invoice.amount_due,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    payment: { type: 'payment_intent', payment_intent: pi.id },
    status: 'open',
  });
  engine.store.insert(payment);
  return pi;
}

/**
 * Pays a subscription's open invoice with `pm`: another attempt after a decline, or the answer
 * to a 3D Secure challenge. The invoice's payment intent is reused, as Stripe does.
 */
export function payInvoice(engine: Engine, invoice: StripeObject, pm: StripeObject, request: RequestInfo, threeDS?: ThreeDSResult): PaymentOutcome {
  return onCustomerClock(engine, invoice.customer, () => pay(engine, invoice, pm, request, threeDS));
}

function pay(engine: Engine, invoice: StripeObject, pm: StripeObject, request: RequestInfo, threeDS?: ThreeDSResult): PaymentOutcome {
  if (invoice.status === 'paid') return { status: 'succeeded' };
  const payment = engine.store.all('invoice_payment').find((p) => p.invoice === invoice.id && p.is_default);
  const pi = payment && engine.store.get(payment.payment.payment_intent);
  const sub = engine.store.get(invoice.parent?.subscription_details?.subscription);
  if (!payment || !pi || !sub) throw new Error(`billing: invoice ${invoice.id} has no payment intent or subscription`);
  const outcome = confirmPaymentIntent(engine, pi, pm, request, threeDS);
  if (outcome.status === 'succeeded' && sub.default_payment_method !== pm.id) {
    const before = clone(sub);
    sub.default_payment_method = pm.id;
    engine.events.emit('customer.subscription.updated', sub, request, before);
  }
  return outcome;
}

/** Cancels at once, as DELETE /v1/subscriptions/:id and customer deletion do. */
export function cancelSubscription(
  engine: Engine,
  sub: StripeObject,
  request: RequestInfo,
  details: { comment?: string | null; feedback?: string | null } = {},
  reason: 'cancellation_requested' = 'cancellation_requested',
): void {
  onCustomerClock(engine, sub.customer, () => cancelNow(engine, sub, request, details, reason));
}

function cancelNow(
  engine: Engine,
  sub: StripeObject,
  request: RequestInfo,
  details: { comment?: string | null; feedback?: string | null },
  reason: 'cancellation_requested',
): void {
  const now = engine.clock.now();
  Object.assign(sub, { status: 'canceled', canceled_at: now, ended_at: now });
  sub.cancellation_details = { comment: details.comment ?? null, feedback: details.feedback ?? null, reason };
  engine.events.emit('customer.subscription.deleted', sub, request);
}

export interface ItemChange {
  /** The item changed or removed; none for a new item. */
  item: StripeObject | null;
  price?: StripeObject;
  quantity?: number;
  metadata?: Record<string, string> | '';
  deleted?: boolean;
  /** The item's own tax rates ([] removes them); none: unchanged. */
  taxRates?: StripeObject[];
}

export interface SubscriptionUpdate {
  items?: ItemChange[];
  prorationBehavior?: ProrationBehavior;
  prorationDate?: number;
  paymentBehavior?: PaymentBehavior;
  /** 'now' ends the trial; a time sets (or moves) its end. */
  trialEnd?: number | 'now';
  offSession?: boolean;
  /** 'now' starts a new period at once and invoices it (with a credit for the unused time); 'unchanged' keeps it. */
  billingCycleAnchor?: 'now' | 'unchanged';
  /** The card the invoice of an always_invoice change is paid with. */
  paymentMethod: StripeObject | null;
  addInvoiceItems?: AddedItem[];
  /** The discounts that replace the subscription's (none: unchanged; [] removes them). */
  discounts?: DiscountSource[];
  /** Field changes applied as they are (metadata, pause_collection, cancel_at …), checked by the route. */
  apply: (sub: StripeObject) => void;
}

/**
 * Updates a subscription: the route's plain field changes (`apply`), then item changes with their
 * prorations and a trial's end, as one customer.subscription.updated with previous_attributes.
 */
export function updateSubscription(engine: Engine, sub: StripeObject, u: SubscriptionUpdate, request: RequestInfo): StripeObject {
  return onCustomerClock(engine, sub.customer, () => update(engine, sub, u, request));
}

function update(engine: Engine, sub: StripeObject, u: SubscriptionUpdate, request: RequestInfo): StripeObject {
  const now = engine.clock.now();
  const customer = engine.store.find('customer', sub.customer)!;
  const behavior = u.prorationBehavior ?? 'create_prorations';
  const when = u.prorationDate ?? now;
  const items = sub.items.data as StripeObject[];
  const changes = u.items ?? [];
  for (const c of changes) {
    if (c.price && c.price.currency !== sub.currency)
      throw invalidRequest(`The price ${c.price.id} is not in ${sub.currency}, the subscription's currency.`, 'items');
    if (c.price && c.price.type !== 'recurring') {
      throw invalidRequest('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', 'items');
    }
  }
  const remaining = items.filter((si) => !changes.some((c) => c.item === si && c.deleted));
  if (remaining.length + changes.filter((c) => !c.item && !c.deleted).length === 0) {
    throw invalidRequest('A subscription must have at least one active plan. To cancel a subscription, send a DELETE request.', 'items');
  }
  const periodStart = items[0]!.current_period_start as number;
  const periodEnd = items[0]!.current_period_end as number;
  if (u.prorationDate !== undefined && (u.prorationDate < periodStart || u.prorationDate > periodEnd)) {
    throw invalidRequest('proration_date must be within the current billing period of the subscription.', 'proration_date');
  }
  const trialing = sub.status === 'trialing';
  const endsTrial = u.trialEnd === 'now' && trialing;
  const resetsAnchor = u.billingCycleAnchor === 'now';
  if (resetsAnchor && (trialing || u.trialEnd !== undefined)) {
    throw invalidRequest(
      'billing_cycle_anchor[type]=now cannot be combined with a trial: end the trial with trial_end=now, which starts a new period and invoices it.',
      'billing_cycle_anchor[type]',
    );
  }
  // Will something be invoiced now, and would paying it fail?
  const invoicesNow = endsTrial || resetsAnchor || (behavior === 'always_invoice' && (changes.length > 0 || (u.addInvoiceItems?.length ?? 0) > 0));
  const predicted = invoicesNow && u.paymentMethod && sub.collection_method === 'charge_automatically' ? paymentOutcome(engine, u.paymentMethod) : null;
  if (u.paymentBehavior === 'error_if_incomplete' && predicted && predicted.status !== 'succeeded') refuseIncomplete(predicted);

  for (const d of u.discounts ?? []) {
    if (d.coupon.currency && d.coupon.currency !== sub.currency) {
      throw invalidRequest(`Coupon ${d.coupon.id} is in ${d.coupon.currency}, but the subscription is in ${sub.currency}.`, 'discounts');
    }
  }

  const before = clone(sub);
  u.apply(sub);
  if (u.discounts) {
    sub.discounts = u.discounts.map((d) => newDiscount(engine, d, sub.customer, sub.id).id);
  }
  const prorations: StripeObject[] = [];
  const fraction = periodEnd > periodStart ? (periodEnd - when) / (periodEnd - periodStart) : 0;
  const prorate = behavior !== 'none' && !trialing && fraction > 0;
  const stamp = new Date(when * 1000).toISOString().slice(0, 10);
  const prorationItem = (si: StripeObject, price: StripeObject, quantity: number, sign: 1 | -1, taxRates: StripeObject[] = si.tax_rates) => {
    const amount = sign * Math.round(price.unit_amount * quantity * fraction);
    const description = `${sign < 0 ? 'Unused' : 'Remaining'} time on ${quantity > 1 ? `${quantity} × ` : ''}${productName(engine, price)} after ${stamp}`;
    const ii = newInvoiceItem(
      engine,
      sub,
      { amount, description, price, quantity, period: { start: when, end: periodEnd }, proration: true, taxRates },
      request,
    );
    ii.parent.subscription_details.subscription_item = si.id;
    prorations.push(ii);
  };
  // A new period from now: the unused time of every item as it was is credited, and the new
  // period is invoiced in full (below), so no item is charged for the rest of the old one.
  const prorateChanges = prorate && !resetsAnchor;
  if (prorate && resetsAnchor) for (const si of items) prorationItem(si, si.price, si.quantity, -1);
  for (const c of changes) {
    if (c.item && c.deleted) {
      if (prorateChanges) prorationItem(c.item, c.item.price, c.item.quantity, -1);
      sub.items.data = sub.items.data.filter((si: StripeObject) => si !== c.item);
      continue;
    }
    if (c.item) {
      const si = c.item;
      const price = c.price ?? si.price;
      const quantity = c.quantity ?? si.quantity;
      if (prorateChanges && (price.id !== si.price.id || quantity !== si.quantity)) {
        prorationItem(si, si.price, si.quantity, -1);
        prorationItem(si, price, quantity, 1, c.taxRates ?? si.tax_rates);
      }
      if (c.taxRates !== undefined) si.tax_rates = clone(c.taxRates);
      if (price.id !== si.price.id) {
        si.price = clone(price);
        si.plan = planFromPrice(price);
      }
      si.quantity = quantity;
      if (c.metadata !== undefined) si.metadata = c.metadata === '' ? {} : { ...si.metadata, ...c.metadata };
      continue;
    }
    const si = blank('subscription_item', { id: newId('subscription_item'), created: now });
    Object.assign(si, {
      price: clone(c.price),
      plan: planFromPrice(c.price!),
      quantity: c.quantity ?? 1,
      subscription: sub.id,
      metadata: c.metadata ? { ...c.metadata } : {},
      current_period_start: periodStart,
      current_period_end: periodEnd,
      tax_rates: clone(c.taxRates ?? []),
    });
    sub.items.data.push(si);
    if (prorateChanges) prorationItem(si, si.price, si.quantity, 1);
  }
  for (const item of u.addInvoiceItems ?? []) {
    prorations.push(addedInvoiceItem(engine, sub, item, now, request));
  }

  let invoice: StripeObject | null = null;
  if (u.trialEnd !== undefined && u.trialEnd !== 'now') {
    // A new trial end: the current period runs to it.
    for (const si of sub.items.data as StripeObject[]) si.current_period_end = u.trialEnd;
    Object.assign(sub, { status: 'trialing', trial_end: u.trialEnd, trial_start: sub.trial_start ?? now, billing_cycle_anchor: u.trialEnd });
    if (u.trialEnd - now <= 3 * DAY) engine.events.emit('customer.subscription.trial_will_end', sub, request);
  } else if (endsTrial) {
    for (const si of sub.items.data as StripeObject[]) {
      si.current_period_start = now;
      si.current_period_end = addInterval(now, si.price.recurring.interval, si.price.recurring.interval_count);
    }
    Object.assign(sub, { trial_end: now, billing_cycle_anchor: now, status: 'active' });
    engine.events.emit('customer.subscription.trial_will_end', sub, request);
    const lines = (sub.items.data as StripeObject[]).map((si) =>
      itemLine(si, si.price.unit_amount * si.quantity, planDescription(engine, si, sub.currency), false),
    );
    invoice = createInvoice(engine, sub, customer, [...lines, ...prorations.map(linesOfItem)], 'subscription_update', request);
  } else if (resetsAnchor) {
    for (const si of sub.items.data as StripeObject[]) {
      si.current_period_start = now;
      si.current_period_end = addInterval(now, si.price.recurring.interval, si.price.recurring.interval_count);
    }
    // A reset anchor is no longer the one billing_cycle_anchor_config gave.
    Object.assign(sub, { billing_cycle_anchor: now, billing_cycle_anchor_config: null });
    const lines = (sub.items.data as StripeObject[]).map((si) =>
      itemLine(si, si.price.unit_amount * si.quantity, planDescription(engine, si, sub.currency), false),
    );
    // Everything pending for the subscription goes on the invoice, the credits just made with it.
    invoice = createInvoice(engine, sub, customer, [...lines, ...pendingItems(engine, sub).map(linesOfItem)], 'subscription_update', request);
  } else if (behavior === 'always_invoice' && prorations.length > 0) {
    invoice = createInvoice(engine, sub, customer, prorations.map(linesOfItem), 'subscription_update', request);
  }
  if (invoice) {
    sub.latest_invoice = invoice.id;
    if (invoice.status === 'open') {
      const pi = invoicePaymentIntent(engine, invoice, request);
      const pm = u.paymentMethod;
      if (sub.collection_method === 'charge_automatically' && u.paymentBehavior !== 'default_incomplete') {
        if (pm) {
          // A failed payment turns the subscription past due (invoice-settlement.ts).
          confirmPaymentIntent(engine, pi, pm, request, undefined, { offSession: u.offSession });
        } else if (sub.status === 'active') {
          sub.status = 'past_due';
        }
      }
    }
  }
  // Settling an invoice may have sent its own update; this one carries what the request changed.
  emitUpdated(engine, sub, before, request);
  return sub;
}

function linesOfItem(ii: StripeObject): Line {
  return {
    amount: ii.amount,
    description: ii.description,
    period: { ...ii.period },
    quantity: ii.quantity,
    unitAmountDecimal: ii.pricing.unit_amount_decimal,
    price: { id: ii.pricing.price_details.price, product: ii.pricing.price_details.product },
    subscriptionItem: ii.parent.subscription_details.subscription_item ?? null,
    invoiceItem: ii.id,
    proration: ii.proration,
    discountable: ii.discountable,
  };
}

function emitUpdated(engine: Engine, sub: StripeObject, before: StripeObject, request: RequestInfo): void {
  if (JSON.stringify(before) !== JSON.stringify(sub)) engine.events.emit('customer.subscription.updated', sub, request, before);
}

/** Subscriptions that time moves on: they renew, end their trial or end. */
const RUNNING = new Set(['active', 'trialing', 'past_due']);

/**
 * How far a test clock may be advanced from `from`: two intervals of the shortest subscription of
 * its customers, or two years when they have none (Stripe's limit).
 */
export function advanceLimit(engine: Engine, customers: Set<string>, from: number): number {
  let limit = addInterval(from, 'year', 2);
  for (const sub of engine.store.all('subscription')) {
    if (!customers.has(sub.customer) || !RUNNING.has(sub.status)) continue;
    for (const si of sub.items.data as StripeObject[]) {
      limit = Math.min(limit, addInterval(from, si.price.recurring.interval, 2 * si.price.recurring.interval_count));
    }
  }
  return limit;
}

/**
 * Runs a subscription from `from` up to `until` (a test clock's advance): each moment that passes —
 * three days before a trial ends (`trial_will_end`), a period's end (a renewal, or the trial's
 * first invoice), `cancel_at` — happens in order, on its own time.
 */
export function runSubscription(engine: Engine, sub: StripeObject, from: number, until: number, request: RequestInfo): void {
  let at = from;
  // Each step moves a period end on or ends the subscription; the bound only guards against a loop.
  for (let step = 0; step < 10_000 && RUNNING.has(sub.status); step++) {
    const periodEnd = Math.min(...(sub.items.data as StripeObject[]).map((si) => si.current_period_end as number));
    const willEnd = sub.status === 'trialing' && sub.trial_end !== null && sub.trial_end - 3 * DAY > at ? sub.trial_end - 3 * DAY : Infinity;
    const cancelAt = (sub.cancel_at as number | null) ?? Infinity;
    const pendingAt = sub.pending_invoice_item_interval ? ((sub.next_pending_invoice_item_invoice as number | null) ?? Infinity) : Infinity;
    const resumeAt = (sub.pause_collection?.resumes_at as number | null | undefined) ?? Infinity;
    const next = Math.min(periodEnd, willEnd, cancelAt, pendingAt, resumeAt);
    if (next > until) return;
    engine.clock.at(next, () => {
      if (next === resumeAt) pausedCollection(engine, sub, request);
      else if (next === willEnd) engine.events.emit('customer.subscription.trial_will_end', sub, request);
      else if (next === cancelAt) endAtCancelTime(engine, sub, request);
      else if (next === periodEnd) renew(engine, sub, request);
      else invoicePending(engine, sub, request);
    });
    at = next;
  }
}

/** `cancel_at` (or `cancel_at_period_end`) reached: canceled now, with no further invoice. */
function endAtCancelTime(engine: Engine, sub: StripeObject, request: RequestInfo): void {
  const now = engine.clock.now();
  Object.assign(sub, { status: 'canceled', canceled_at: sub.canceled_at ?? now, ended_at: now });
  sub.cancellation_details = { comment: null, feedback: null, ...sub.cancellation_details, reason: 'cancellation_requested' };
  engine.events.emit('customer.subscription.deleted', sub, request);
}

/**
 * The card a renewal is charged to, in Stripe's order: the subscription's default payment method,
 * its default source, the customer's invoice default, the customer's default source.
 */
export function renewalPaymentMethod(engine: Pick<Engine, 'store'>, sub: StripeObject, customer: StripeObject): StripeObject | null {
  for (const id of [sub.default_payment_method, sub.default_source, customer.invoice_settings?.default_payment_method, customer.default_source]) {
    const pm = id ? engine.store.find('payment_method', id) : undefined;
    if (pm && pm.customer === customer.id) return pm;
  }
  return null;
}

/**
 * A period's end: the items whose period ended start the next one, and the subscription is
 * invoiced for it (`subscription_cycle`, with its pending invoice items such as prorations) and
 * charged off-session. A trial that ends makes the subscription active and sends its first real
 * invoice; a failed charge leaves it past due (invoice-settlement.ts).
 */
function renew(engine: Engine, sub: StripeObject, request: RequestInfo): void {
  const now = engine.clock.now();
  const customer = engine.store.find('customer', sub.customer)!;
  const pm = renewalPaymentMethod(engine, sub, customer);
  const endsTrial = sub.status === 'trialing';
  if (endsTrial && !pm && sub.trial_settings?.end_behavior?.missing_payment_method === 'cancel') {
    endAtCancelTime(engine, sub, request);
    return;
  }
  const before = clone(sub);
  const renewed = (sub.items.data as StripeObject[]).filter((si) => si.current_period_end <= now);
  const ended = { start: Math.min(...renewed.map((si) => si.current_period_start as number)), end: now };
  for (const si of renewed) {
    si.current_period_start = si.current_period_end;
    si.current_period_end = addInterval(si.current_period_end, si.price.recurring.interval, si.price.recurring.interval_count);
  }
  if (endsTrial) sub.status = 'active';
  // The renewal invoices what is pending; the interval's next invoice counts from it.
  if (sub.pending_invoice_item_interval && sub.next_pending_invoice_item_invoice <= now) {
    sub.next_pending_invoice_item_invoice = nextPendingInvoice(now, sub.pending_invoice_item_interval);
  }
  emitUpdated(engine, sub, before, request);

  const lines = [
    ...renewed.map((si) => itemLine(si, si.price.unit_amount * si.quantity, planDescription(engine, si, sub.currency), false)),
    ...pendingItems(engine, sub).map(linesOfItem),
  ];
  const paused = pausedCollection(engine, sub, request);
  const invoice = createInvoice(engine, sub, customer, lines, 'subscription_cycle', request, ended, { draft: paused === 'keep_as_draft' });
  if (!paused) collect(engine, sub, invoice, pm, request);
  else settlePaused(engine, sub, invoice, paused, request);
}

/**
 * How collection is paused now (`pause_collection[behavior]`), or null when it is not; a pause
 * whose `resumes_at` has come is lifted (`customer.subscription.updated`).
 */
function pausedCollection(engine: Engine, sub: StripeObject, request: RequestInfo): string | null {
  const pause = sub.pause_collection as { behavior: string; resumes_at: number | null } | null;
  if (!pause) return null;
  if (pause.resumes_at !== null && pause.resumes_at <= engine.clock.now()) {
    const before = clone(sub);
    sub.pause_collection = null;
    emitUpdated(engine, sub, before, request);
    return null;
  }
  return pause.behavior;
}

/**
 * A renewal while collection is paused: the service goes on free and nothing is charged. The
 * invoice is voided (`void`), marked uncollectible (`mark_uncollectible`) or left a draft that does
 * not advance (`keep_as_draft`, collected later by hand), as Stripe does.
 */
function settlePaused(engine: Engine, sub: StripeObject, invoice: StripeObject, behavior: string, request: RequestInfo): void {
  sub.latest_invoice = invoice.id;
  if (invoice.status !== 'open') return;
  const now = engine.clock.now();
  if (behavior === 'void') {
    invoice.status = 'void';
    invoice.status_transitions.voided_at = now;
    engine.events.emit('invoice.voided', invoice, request);
  } else if (behavior === 'mark_uncollectible') {
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = now;
    engine.events.emit('invoice.marked_uncollectible', invoice, request);
  }
}

/** Invoice items of the subscription not on an invoice yet (prorations, add_invoice_items). */
function pendingItems(engine: Engine, sub: StripeObject): StripeObject[] {
  return engine.store.all('invoiceitem').filter((ii) => ii.invoice === null && ii.parent?.subscription_details?.subscription === sub.id);
}

/**
 * `pending_invoice_item_interval` reached: what is pending is invoiced on its own
 * (`automatic_pending_invoice_item_invoice`) and charged as a renewal is; nothing pending, no invoice.
 */
function invoicePending(engine: Engine, sub: StripeObject, request: RequestInfo): void {
  const now = engine.clock.now();
  const before = clone(sub);
  sub.next_pending_invoice_item_invoice = nextPendingInvoice(now, sub.pending_invoice_item_interval);
  emitUpdated(engine, sub, before, request);
  const pending = pendingItems(engine, sub);
  if (pending.length === 0) return;
  const customer = engine.store.find('customer', sub.customer)!;
  const invoice = createInvoice(engine, sub, customer, pending.map(linesOfItem), 'automatic_pending_invoice_item_invoice', request);
  collect(engine, sub, invoice, renewalPaymentMethod(engine, sub, customer), request);
}

/** Charges an invoice made by time passing (off-session); with nothing to charge, the attempt fails as a declined one does. */
function collect(engine: Engine, sub: StripeObject, invoice: StripeObject, pm: StripeObject | null, request: RequestInfo): void {
  sub.latest_invoice = invoice.id;
  if (invoice.status !== 'open' || sub.collection_method !== 'charge_automatically') return;
  const pi = invoicePaymentIntent(engine, invoice, request);
  if (pm) {
    confirmPaymentIntent(engine, pi, pm, request, undefined, { offSession: true });
    return;
  }
  // Nothing to charge: the attempt fails as a declined one does.
  invoice.attempt_count += 1;
  invoice.attempted = true;
  invoice.next_payment_attempt = null;
  engine.events.emit('invoice.payment_failed', invoice, request);
  if (sub.status === 'active') {
    const unpaid = clone(sub);
    sub.status = 'past_due';
    emitUpdated(engine, sub, unpaid, request);
  }
}
