/**
 * POST /v1/subscriptions and POST /v1/subscriptions/:id: Stripe's parameters checked as Stripe
 * checks them (every refusal before anything changes), then handed to the subscription engine
 * (subscriptions.ts). Reads, lists and cancel are in billing-objects.ts.
 */
import { z } from 'zod';
import { route, type Emulator } from '../context.ts';
import { invalidRequest, noSuchParam } from '../errors.ts';
import { arrayOf, bool, decimal, int, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import {
  createSubscription,
  nextPendingInvoice,
  onCustomerClock,
  renewalPaymentMethod,
  updateSubscription,
  type DiscountSource,
  type ItemChange,
  type PaymentBehavior,
  type ProrationBehavior,
} from '../subscriptions.ts';
import type { StripeObject } from '../store.ts';
import { findCoupon, refreshValidity } from './coupons.ts';
import { customerAccountUnsupported, mustFind, mustFindParam } from './shared.ts';
import { resolveTaxRates } from './tax-rates.ts';

const DAY = 86400;
/** Stripe refuses a trial ending more than two years ahead. */
const MAX_TRIAL_DAYS = 730;

export const cancellationDetails = z
  .strictObject({
    comment: str(5000).optional(),
    feedback: z
      .union([
        z.literal(''),
        oneOf(['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused']),
      ])
      .optional(),
  })
  .optional();

/** `cancellation_details[comment|feedback]`; an empty string unsets. */
export function cancellationFields(d: { comment?: string; feedback?: string }): { comment?: string | null; feedback?: string | null } {
  const out: { comment?: string | null; feedback?: string | null } = {};
  if (d.comment !== undefined) out.comment = d.comment === '' ? null : d.comment;
  if (d.feedback !== undefined) out.feedback = d.feedback === '' ? null : d.feedback;
  return out;
}

const discountsParam = () =>
  z.union([z.literal(''), arrayOf(z.strictObject({ coupon: str().optional(), promotion_code: str().optional(), discount: str().optional() }), 20)]);
const paymentBehavior = () => oneOf(['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete']);
const prorationBehavior = () => oneOf(['always_invoice', 'create_prorations', 'none']);
const cancelAtNames = ['max_billed_until', 'max_period_end', 'min_period_end'] as const;
/** Options the emulator keeps but does not act on (card network, mandates …): any keys. */
const anyOptions = () => z.record(z.string(), z.unknown());
const paymentSettings = () =>
  z.strictObject({
    payment_method_options: anyOptions().optional(),
    payment_method_types: z.union([z.literal(''), arrayOf(str(100), 50)]).optional(),
    save_default_payment_method: oneOf(['off', 'on_subscription']).optional(),
  });
const automaticTax = () =>
  z.strictObject({ enabled: bool(), liability: z.strictObject({ type: oneOf(['account', 'self']), account: str().optional() }).optional() });
const trialSettings = () =>
  z.strictObject({
    end_behavior: z.strictObject({
      missing_payment_method: oneOf(['cancel', 'create_invoice', 'pause']).optional(),
      billing_cycle_anchor: oneOf(['now', 'unchanged']).optional(),
    }),
  });
const invoiceSettings = () =>
  z.strictObject({
    description: str(1500).optional(),
    footer: str(5000).optional(),
    account_tax_ids: z.union([z.literal(''), arrayOf(str())]).optional(),
    custom_fields: z.union([z.literal(''), arrayOf(z.strictObject({ name: str(40), value: str(140) }), 4)]).optional(),
    issuer: z.strictObject({ type: oneOf(['account', 'self']), account: str().optional() }).optional(),
  });
const addInvoiceItems = () =>
  arrayOf(
    z.strictObject({
      price: str().optional(),
      quantity: int(1, 999999).optional(),
      metadata: metadata().optional(),
      discountable: bool().optional(),
      discounts: anyOptions().array().optional(),
      tax_rates: z.union([z.literal(''), arrayOf(str())]).optional(),
      period: anyOptions().optional(),
    }),
    20,
  );
const taxRates = () => z.union([z.literal(''), arrayOf(str())]);
const emptyable = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]);
const billingThresholds = () => emptyable(z.strictObject({ amount_gte: int(1).optional(), reset_billing_cycle_anchor: bool().optional() }));
const pendingInvoiceItemInterval = () => emptyable(z.strictObject({ interval: oneOf(['day', 'week', 'month', 'year']), interval_count: int(1).optional() }));
/** What only a Connect platform can send; the emulator has no connected accounts (refused in `refuseConnectOnly`). */
const connectParams = {
  application_fee_percent: emptyable(decimal()).optional(),
  on_behalf_of: emptyable(str()).optional(),
  transfer_data: emptyable(z.strictObject({ destination: str(), amount_percent: decimal().optional() })).optional(),
  billing_schedules: emptyable(arrayOf(z.record(z.string(), z.unknown()))).optional(),
};

/** The longest `pending_invoice_item_interval` Stripe allows: one year. */
const MAX_PENDING_INTERVAL: Record<string, number> = { day: 365, week: 52, month: 12, year: 1 };

/**
 * The Connect-only parameters, refused as Stripe refuses them for an account with no connected
 * accounts, and prebilling, which the emulator does not do. '' (unset) is nothing to do: none is ever set.
 */
function refuseConnectOnly(p: { [K in keyof typeof connectParams]?: z.output<(typeof connectParams)[K]> }): void {
  if (p.application_fee_percent !== undefined && p.application_fee_percent !== '') {
    throw invalidRequest(
      'You can only apply an application_fee_percent when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the destination parameter). The emulator has no connected accounts.',
      'application_fee_percent',
    );
  }
  if (p.on_behalf_of) {
    throw invalidRequest(`No such account: '${p.on_behalf_of}' (the emulator has no connected accounts).`, 'on_behalf_of', 'resource_missing');
  }
  if (p.transfer_data) {
    throw invalidRequest(
      `No such destination account: '${p.transfer_data.destination}' (the emulator has no connected accounts).`,
      'transfer_data[destination]',
      'resource_missing',
    );
  }
  if (p.billing_schedules && p.billing_schedules.length > 0) {
    throw invalidRequest(
      'The emulator does not support billing_schedules (prebilling several periods in advance); leave it out to bill one period at a time.',
      'billing_schedules',
    );
  }
}

/** `billing_thresholds` as the subscription returns it; '' removes it. */
function thresholds(t: { amount_gte?: number; reset_billing_cycle_anchor?: boolean } | ''): StripeObject | null {
  if (t === '') return null;
  if (t.amount_gte === undefined) {
    throw invalidRequest('Missing required param: billing_thresholds[amount_gte].', 'billing_thresholds[amount_gte]', 'parameter_missing');
  }
  return { amount_gte: t.amount_gte, reset_billing_cycle_anchor: t.reset_billing_cycle_anchor ?? null };
}

/** `pending_invoice_item_interval`, at most a year; '' removes it. */
function pendingInterval(v: { interval: string; interval_count?: number } | ''): { interval: string; interval_count: number } | null {
  if (v === '') return null;
  const count = v.interval_count ?? 1;
  if (count > MAX_PENDING_INTERVAL[v.interval]!) {
    throw invalidRequest(
      `Invalid pending_invoice_item_interval: at most one year (1 year, 12 months, 52 weeks or 365 days); got ${count} ${v.interval}s.`,
      'pending_invoice_item_interval[interval_count]',
    );
  }
  return { interval: v.interval, interval_count: count };
}

/** The tax rates a parameter names ('' names none), or undefined when it is not given. */
function taxRatesOf(emu: Emulator, list: string[] | '' | undefined, param: string, kept?: readonly StripeObject[]): StripeObject[] | undefined {
  if (list === undefined) return undefined;
  return list === '' ? [] : resolveTaxRates(emu, list, param, kept);
}

/** A card source of the customer's (the emulator keeps sources as card payment methods, as customers.ts does). */
function customerSource(emu: Emulator, id: string, customer: string): StripeObject {
  const source = emu.store.find('payment_method', id);
  if (!source || source.customer !== customer) throw noSuchParam('source', id, 'default_source');
  return source;
}

/**
 * The anchor `billing_cycle_anchor_config` gives: the next time (after `now`) that falls on its
 * day of the month (the month's last day when shorter), at its hour, minute and second (by
 * default those of `now`), in its month when it names one. All in UTC.
 */
export function anchorFromConfig(c: { day_of_month: number; hour?: number; minute?: number; second?: number; month?: number }, now: number): number {
  const d = new Date(now * 1000);
  const at = (year: number, month: number) => {
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const time = Date.UTC(
      year,
      month,
      Math.min(c.day_of_month, lastDay),
      c.hour ?? d.getUTCHours(),
      c.minute ?? d.getUTCMinutes(),
      c.second ?? d.getUTCSeconds(),
    );
    return Math.floor(time / 1000);
  };
  const year = d.getUTCFullYear();
  if (c.month !== undefined) {
    const thisYear = at(year, c.month - 1);
    return thisYear > now ? thisYear : at(year + 1, c.month - 1);
  }
  const thisMonth = at(year, d.getUTCMonth());
  // Date.UTC carries month 12 into the next year.
  return thisMonth > now ? thisMonth : at(year, d.getUTCMonth() + 1);
}

/** Finds the coupons (and promotion codes) of `discounts[]`, refusing any that cannot be redeemed. */
function discountSources(
  emu: Emulator,
  list: { coupon?: string; promotion_code?: string; discount?: string }[] | '' | undefined,
  customer: string,
): DiscountSource[] {
  if (!list) return [];
  const now = emu.clock.now();
  return list.map((d, i) => {
    const at = `discounts[${i}]`;
    if (d.discount !== undefined) throw noSuchParam('discount', d.discount, `${at}[discount]`);
    if (d.coupon !== undefined) {
      const coupon = findCoupon(emu, d.coupon);
      if (!coupon) throw noSuchParam('coupon', d.coupon, `${at}[coupon]`);
      if (!refreshValidity(emu, coupon))
        throw invalidRequest(`Coupon ${coupon.id} is no longer valid: it is past redeem_by or fully redeemed.`, `${at}[coupon]`);
      return { coupon: coupon as StripeObject, promotionCode: null };
    }
    if (d.promotion_code !== undefined) {
      const pc = mustFindParam(emu, 'promotion_code', d.promotion_code, 'promotion code', `${at}[promotion_code]`);
      const expired = pc.expires_at !== null && pc.expires_at <= now;
      const used = pc.max_redemptions !== null && pc.times_redeemed >= pc.max_redemptions;
      if (!pc.active || expired || used) throw invalidRequest(`Promotion code ${pc.code} is not active.`, `${at}[promotion_code]`);
      if (pc.customer !== null && pc.customer !== customer) {
        throw invalidRequest(`Promotion code ${pc.code} cannot be redeemed by customer ${customer}.`, `${at}[promotion_code]`);
      }
      const coupon = findCoupon(emu, pc.promotion.coupon);
      if (!coupon || !refreshValidity(emu, coupon))
        throw invalidRequest(`The coupon of promotion code ${pc.code} is no longer valid.`, `${at}[promotion_code]`);
      return { coupon: coupon as StripeObject, promotionCode: pc };
    }
    throw invalidRequest(`Invalid ${at}: give one of coupon, promotion_code or discount.`, at);
  });
}

function checkDaysUntilDue(days: number | undefined, collection: string): void {
  if (days !== undefined && collection !== 'send_invoice') {
    throw invalidRequest('`days_until_due` can only be set when `collection_method` is `send_invoice`.', 'days_until_due');
  }
}

/** A payment method of the customer's, or Stripe's error naming `default_payment_method`. */
function customerPaymentMethod(emu: Emulator, id: string, customer: string): StripeObject {
  const pm = emu.store.find('payment_method', id);
  if (!pm || pm.customer !== customer) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      'default_payment_method',
    );
  }
  return pm;
}

function checkFuture(value: number, now: number, param: string): void {
  if (value <= now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', param);
}

function checkTrialEnd(trialEnd: number, now: number): void {
  checkFuture(trialEnd, now, 'trial_end');
  if (trialEnd > now + MAX_TRIAL_DAYS * DAY)
    throw invalidRequest(`Invalid trial_end: it can be no more than ${MAX_TRIAL_DAYS} days in the future.`, 'trial_end');
}

function refusePendingIfIncomplete(behavior: string | undefined): void {
  if (behavior === 'pending_if_incomplete') {
    throw invalidRequest('The emulator does not support `payment_behavior=pending_if_incomplete` (pending updates).', 'payment_behavior');
  }
}

/** What subscription create and update both take, alike. */
const sharedWriteParams = {
  metadata: metadata().optional(),
  description: str(500).optional(),
  default_payment_method: str().optional(),
  payment_behavior: paymentBehavior().optional(),
  trial_end: z.union([z.literal('now'), int()]).optional(),
  trial_from_plan: bool().optional(),
  trial_settings: trialSettings().optional(),
  cancel_at_period_end: bool().optional(),
  collection_method: oneOf(['charge_automatically', 'send_invoice']).optional(),
  days_until_due: int(0, 730).optional(),
  discounts: discountsParam().optional(),
  proration_behavior: prorationBehavior().optional(),
  off_session: bool().optional(),
  payment_settings: paymentSettings().optional(),
  automatic_tax: automaticTax().optional(),
  add_invoice_items: addInvoiceItems().optional(),
  default_tax_rates: taxRates().optional(),
  invoice_settings: invoiceSettings().optional(),
  billing_thresholds: billingThresholds().optional(),
  pending_invoice_item_interval: pendingInvoiceItemInterval().optional(),
  ...connectParams,
};

export const subscriptionWriteRoutes = [
  route(
    'POST',
    '/v1/subscriptions',
    {
      ...sharedWriteParams,
      customer: str().optional(),
      customer_account: str().optional(),
      items: arrayOf(
        z.strictObject({
          price: str().optional(),
          plan: str().optional(),
          quantity: int(1, 999999).optional(),
          metadata: metadata().optional(),
          tax_rates: taxRates().optional(),
          discounts: discountsParam().optional(),
        }),
        20,
      ),
      trial_period_days: int(0).optional(),
      cancel_at: z.union([int(), oneOf(cancelAtNames)]).optional(),
      billing_cycle_anchor: int().optional(),
      backdate_start_date: int().optional(),
      currency: str(3).optional(),
      default_source: str().optional(),
      billing_cycle_anchor_config: z
        .strictObject({
          day_of_month: int(1, 31),
          hour: int(0, 23).optional(),
          minute: int(0, 59).optional(),
          second: int(0, 59).optional(),
          month: int(1, 12).optional(),
        })
        .optional(),
      billing_mode: z
        .strictObject({
          type: oneOf(['classic', 'flexible']),
          flexible: z.strictObject({ proration_discounts: oneOf(['included', 'itemized']).optional() }).optional(),
        })
        .optional(),
    },
    ({ params: p, emu, request }) => {
      if (p.customer_account !== undefined) throw customerAccountUnsupported(p.customer_account);
      if (p.customer === undefined) throw invalidRequest('Missing required param: customer.', 'customer', 'parameter_missing');
      const customerId = p.customer;
      // A test clock's customer subscribes on the clock's time: trials and periods count from it.
      return onCustomerClock(emu, customerId, () => {
        refusePendingIfIncomplete(p.payment_behavior);
        refuseConnectOnly(p);
        const customer = mustFindParam(emu, 'customer', customerId, 'customer', 'customer');
        if (p.items.length === 0) throw invalidRequest('Missing required param: items.', 'items', 'parameter_missing');
        const items = p.items.map((it, i) => {
          const id = it.price ?? it.plan;
          if (id === undefined) throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
          return {
            price: mustFindParam(emu, 'price', id, 'price', `items[${i}][${it.price !== undefined ? 'price' : 'plan'}]`),
            quantity: it.quantity ?? 1,
            metadata: mergeMetadata({}, it.metadata),
            taxRates: taxRatesOf(emu, it.tax_rates, `items[${i}][tax_rates]`),
          };
        });
        const addItems = (p.add_invoice_items ?? []).map((it, i) => {
          if (it.price === undefined)
            throw invalidRequest(`Missing required param: add_invoice_items[${i}][price].`, `add_invoice_items[${i}][price]`, 'parameter_missing');
          return {
            price: mustFindParam(emu, 'price', it.price, 'price', `add_invoice_items[${i}][price]`),
            quantity: it.quantity ?? 1,
            taxRates: taxRatesOf(emu, it.tax_rates, `add_invoice_items[${i}][tax_rates]`),
          };
        });
        const defaultTaxRates = taxRatesOf(emu, p.default_tax_rates, 'default_tax_rates');
        const now = emu.clock.now();
        const collection = p.collection_method ?? 'charge_automatically';
        checkDaysUntilDue(p.days_until_due, collection);

        // The trial: trial_end, trial_period_days, or the price's own trial days (trial_from_plan).
        const trialGiven = [p.trial_end !== undefined && 'trial_end', p.trial_period_days !== undefined && 'trial_period_days'].filter(Boolean);
        if (trialGiven.length > 1) throw invalidRequest('You may only specify one of these parameters: trial_end, trial_period_days.', 'trial_end');
        let trialEnd: number | null = null;
        if (typeof p.trial_end === 'number') {
          checkTrialEnd(p.trial_end, now);
          trialEnd = p.trial_end;
        } else if (p.trial_period_days !== undefined) {
          if (p.trial_period_days > MAX_TRIAL_DAYS)
            throw invalidRequest(`Invalid trial_period_days: it can be at most ${MAX_TRIAL_DAYS}.`, 'trial_period_days');
          trialEnd = p.trial_period_days > 0 ? now + p.trial_period_days * DAY : null;
        } else if (p.trial_from_plan) {
          const days = items[0]!.price.recurring?.trial_period_days;
          trialEnd = days ? now + days * DAY : null;
        }
        if (p.trial_from_plan && trialGiven.length > 0) {
          throw invalidRequest('You may only specify one of these parameters: trial_from_plan, trial_end, trial_period_days.', 'trial_from_plan');
        }
        if (p.cancel_at_period_end && p.cancel_at !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'cancel_at');
        }
        if (typeof p.cancel_at === 'number') checkFuture(p.cancel_at, now, 'cancel_at');
        if (p.billing_cycle_anchor !== undefined) checkFuture(p.billing_cycle_anchor, now, 'billing_cycle_anchor');
        let anchor = p.billing_cycle_anchor;
        const anchorConfig = p.billing_cycle_anchor_config;
        if (anchorConfig) {
          if (anchor !== undefined) {
            throw invalidRequest(
              'You may only specify one of these parameters: billing_cycle_anchor, billing_cycle_anchor_config.',
              'billing_cycle_anchor_config',
            );
          }
          if (items.some((it) => it.price.recurring?.interval !== 'month' && it.price.recurring?.interval !== 'year')) {
            throw invalidRequest('billing_cycle_anchor_config is only valid with monthly and yearly prices.', 'billing_cycle_anchor_config');
          }
          anchor = anchorFromConfig(anchorConfig, now);
        }
        if (p.billing_mode?.flexible && p.billing_mode.type !== 'flexible') {
          throw invalidRequest('billing_mode[flexible] can only be set when billing_mode[type] is flexible.', 'billing_mode[flexible]');
        }
        const billingThresholds = p.billing_thresholds === undefined ? undefined : thresholds(p.billing_thresholds);
        const pendingEvery = p.pending_invoice_item_interval === undefined ? undefined : pendingInterval(p.pending_invoice_item_interval);
        if (p.backdate_start_date !== undefined && p.backdate_start_date >= now) {
          throw invalidRequest('Invalid backdate_start_date: it must be in the past.', 'backdate_start_date');
        }
        const source = p.default_source ? customerSource(emu, p.default_source, customer.id) : null;
        // Who pays, in Stripe's order: the given payment method, the given source, then the customer's defaults.
        const pm = p.default_payment_method
          ? customerPaymentMethod(emu, p.default_payment_method, customer.id)
          : (source ?? renewalPaymentMethod(emu, { default_payment_method: null, default_source: null }, customer));
        const discounts = discountSources(emu, p.discounts, customer.id);
        const result = createSubscription(
          emu,
          {
            customer,
            items,
            metadata: mergeMetadata({}, p.metadata),
            paymentMethod: pm,
            paymentBehavior: p.payment_behavior as PaymentBehavior | undefined,
            setDefaultPaymentMethod: p.default_payment_method !== undefined,
            description: p.description || null,
            trialEnd,
            trialSettings: p.trial_settings
              ? { end_behavior: { missing_payment_method: p.trial_settings.end_behavior.missing_payment_method ?? 'create_invoice' } }
              : undefined,
            cancelAtPeriodEnd: p.cancel_at_period_end,
            cancelAt: p.cancel_at,
            collectionMethod: collection,
            daysUntilDue: p.days_until_due ?? null,
            discounts,
            billingCycleAnchor: anchor,
            billingCycleAnchorConfig: anchorConfig && {
              day_of_month: anchorConfig.day_of_month,
              hour: anchorConfig.hour ?? null,
              minute: anchorConfig.minute ?? null,
              month: anchorConfig.month ?? null,
              second: anchorConfig.second ?? null,
            },
            billingMode: p.billing_mode && {
              type: p.billing_mode.type,
              flexible: p.billing_mode.type === 'flexible' ? { proration_discounts: p.billing_mode.flexible?.proration_discounts ?? 'included' } : null,
            },
            billingThresholds: billingThresholds ?? undefined,
            pendingInvoiceItemInterval: pendingEvery ?? undefined,
            defaultTaxRates,
            defaultSource: source,
            backdateStartDate: p.backdate_start_date,
            prorationBehavior: p.proration_behavior as ProrationBehavior | undefined,
            offSession: p.off_session,
            paymentSettings: p.payment_settings && {
              ...(p.payment_settings.payment_method_types !== undefined ? { payment_method_types: p.payment_settings.payment_method_types || null } : {}),
              ...(p.payment_settings.save_default_payment_method ? { save_default_payment_method: p.payment_settings.save_default_payment_method } : {}),
            },
            automaticTax: p.automatic_tax?.enabled,
            currency: p.currency?.toLowerCase(),
            addInvoiceItems: addItems,
            invoiceSettings: p.invoice_settings && {
              ...(p.invoice_settings.description !== undefined ? { description: p.invoice_settings.description || null } : {}),
              ...(p.invoice_settings.footer !== undefined ? { footer: p.invoice_settings.footer || null } : {}),
            },
          },
          request,
        );
        return result.subscription;
      });
    },
  ),
  route(
    'POST',
    '/v1/subscriptions/:id',
    {
      ...sharedWriteParams,
      cancel_at: z.union([z.literal(''), int(), oneOf(cancelAtNames)]).optional(),
      cancellation_details: cancellationDetails,
      items: arrayOf(
        z.strictObject({
          id: str().optional(),
          price: str().optional(),
          plan: str().optional(),
          quantity: int(0, 999999).optional(),
          metadata: metadata().optional(),
          deleted: bool().optional(),
          clear_usage: bool().optional(),
          tax_rates: taxRates().optional(),
          discounts: discountsParam().optional(),
        }),
        20,
      ).optional(),
      proration_date: int().optional(),
      pause_collection: z
        .union([z.literal(''), z.strictObject({ behavior: oneOf(['keep_as_draft', 'mark_uncollectible', 'void']), resumes_at: int().optional() })])
        .optional(),
      // At this API version a hash: billing_cycle_anchor[type]=now|unchanged.
      billing_cycle_anchor: z.strictObject({ type: oneOf(['now', 'unchanged']) }).optional(),
      default_source: emptyable(str()).optional(),
    },
    ({ params: p, path, emu, request }) => {
      const sub = mustFind(emu, 'subscription', path.id!, 'subscription');
      return onCustomerClock(emu, sub.customer, () => {
        refusePendingIfIncomplete(p.payment_behavior);
        refuseConnectOnly(p);
        const onlyBookkeeping = Object.keys(p).every((k) => k === 'metadata' || k === 'cancellation_details' || k === 'expand');
        if ((sub.status === 'canceled' || sub.status === 'incomplete_expired') && !onlyBookkeeping) {
          throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined);
        }
        const now = emu.clock.now();
        const pm = p.default_payment_method ? customerPaymentMethod(emu, p.default_payment_method, sub.customer) : null;
        const collection = p.collection_method ?? sub.collection_method;
        checkDaysUntilDue(p.days_until_due, collection);
        const defaultTaxRates = taxRatesOf(emu, p.default_tax_rates, 'default_tax_rates', sub.default_tax_rates);
        const source = p.default_source ? customerSource(emu, p.default_source, sub.customer) : null;
        const billingThresholds = p.billing_thresholds === undefined ? undefined : thresholds(p.billing_thresholds);
        const pendingEvery = p.pending_invoice_item_interval === undefined ? undefined : pendingInterval(p.pending_invoice_item_interval);
        if (p.cancel_at_period_end && p.cancel_at !== undefined && p.cancel_at !== '') {
          throw invalidRequest('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'cancel_at');
        }
        if (typeof p.cancel_at === 'number') checkFuture(p.cancel_at, now, 'cancel_at');
        if (p.pause_collection && p.pause_collection.resumes_at !== undefined) checkFuture(p.pause_collection.resumes_at, now, 'pause_collection[resumes_at]');
        if (typeof p.trial_end === 'number') checkTrialEnd(p.trial_end, now);
        if (p.trial_end !== undefined && sub.status !== 'trialing' && sub.status !== 'active') {
          throw invalidRequest(`A ${sub.status} subscription cannot be given a trial.`, 'trial_end');
        }
        const byId = new Map((sub.items.data as StripeObject[]).map((si) => [si.id as string, si]));
        const changes: ItemChange[] = (p.items ?? []).map((it, i) => {
          const item = it.id !== undefined ? byId.get(it.id) : undefined;
          if (it.id !== undefined && !item) throw noSuchParam('subscription item', it.id, `items[${i}][id]`);
          const priceId = it.price ?? it.plan;
          if (!item && priceId === undefined) throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
          return {
            taxRates: taxRatesOf(emu, it.tax_rates, `items[${i}][tax_rates]`, item?.tax_rates),
            item: item ?? null,
            price:
              priceId !== undefined ? mustFindParam(emu, 'price', priceId, 'price', `items[${i}][${it.price !== undefined ? 'price' : 'plan'}]`) : undefined,
            quantity: it.quantity,
            metadata: it.metadata,
            deleted: it.deleted,
          };
        });
        const addItems = (p.add_invoice_items ?? []).map((it, i) => {
          if (it.price === undefined)
            throw invalidRequest(`Missing required param: add_invoice_items[${i}][price].`, `add_invoice_items[${i}][price]`, 'parameter_missing');
          return {
            price: mustFindParam(emu, 'price', it.price, 'price', `add_invoice_items[${i}][price]`),
            quantity: it.quantity ?? 1,
            taxRates: taxRatesOf(emu, it.tax_rates, `add_invoice_items[${i}][tax_rates]`),
          };
        });
        const discounts = p.discounts === undefined ? undefined : discountSources(emu, p.discounts, sub.customer);
        const customer = emu.store.find('customer', sub.customer)!;
        // Who pays what this update invoices, in Stripe's order (renewalPaymentMethod), the new defaults first.
        const payWith =
          pm ??
          source ??
          renewalPaymentMethod(
            emu,
            {
              default_payment_method: p.default_payment_method === '' ? null : sub.default_payment_method,
              default_source: p.default_source === '' ? null : sub.default_source,
            },
            customer,
          );

        return updateSubscription(
          emu,
          sub,
          {
            items: changes,
            prorationBehavior: p.proration_behavior as ProrationBehavior | undefined,
            prorationDate: p.proration_date,
            paymentBehavior: p.payment_behavior as PaymentBehavior | undefined,
            trialEnd: p.trial_end,
            offSession: p.off_session,
            billingCycleAnchor: p.billing_cycle_anchor?.type,
            paymentMethod: payWith,
            addInvoiceItems: addItems,
            discounts,
            apply: (s) => {
              if (pm) s.default_payment_method = pm.id;
              else if (p.default_payment_method === '') s.default_payment_method = null;
              if (source) s.default_source = source.id;
              else if (p.default_source === '') s.default_source = null;
              if (defaultTaxRates) s.default_tax_rates = defaultTaxRates;
              if (billingThresholds !== undefined) s.billing_thresholds = billingThresholds;
              if (pendingEvery !== undefined) {
                s.pending_invoice_item_interval = pendingEvery;
                s.next_pending_invoice_item_invoice = pendingEvery ? nextPendingInvoice(now, pendingEvery) : null;
              }
              if (p.cancellation_details) s.cancellation_details = { ...s.cancellation_details, ...cancellationFields(p.cancellation_details) };
              s.metadata = mergeMetadata(s.metadata, p.metadata);
              if (p.description !== undefined) s.description = p.description === '' ? null : p.description;
              const ends = (s.items.data as StripeObject[]).map((si) => si.current_period_end as number);
              if (p.cancel_at_period_end !== undefined) {
                s.cancel_at_period_end = p.cancel_at_period_end;
                s.cancel_at = p.cancel_at_period_end ? Math.min(...ends) : null;
              }
              if (p.cancel_at !== undefined) {
                s.cancel_at_period_end = false;
                s.cancel_at =
                  p.cancel_at === ''
                    ? null
                    : typeof p.cancel_at === 'number'
                      ? p.cancel_at
                      : p.cancel_at === 'min_period_end'
                        ? Math.min(...ends)
                        : Math.max(...ends);
              }
              if (p.pause_collection !== undefined) {
                s.pause_collection =
                  p.pause_collection === '' ? null : { behavior: p.pause_collection.behavior, resumes_at: p.pause_collection.resumes_at ?? null };
              }
              if (p.collection_method !== undefined) s.collection_method = p.collection_method;
              if (p.days_until_due !== undefined) s.days_until_due = p.days_until_due;
              if (collection === 'charge_automatically') s.days_until_due = null;
              if (p.trial_settings)
                s.trial_settings = { end_behavior: { missing_payment_method: p.trial_settings.end_behavior.missing_payment_method ?? 'create_invoice' } };
              if (p.payment_settings?.payment_method_types !== undefined)
                s.payment_settings.payment_method_types = p.payment_settings.payment_method_types || null;
              if (p.payment_settings?.save_default_payment_method)
                s.payment_settings.save_default_payment_method = p.payment_settings.save_default_payment_method;
              if (p.automatic_tax)
                s.automatic_tax = { enabled: p.automatic_tax.enabled, liability: p.automatic_tax.enabled ? { type: 'self' } : null, disabled_reason: null };
              if (p.invoice_settings?.description !== undefined) s.invoice_settings.description = p.invoice_settings.description || null;
              if (p.invoice_settings?.footer !== undefined) s.invoice_settings.footer = p.invoice_settings.footer || null;
            },
          },
          request,
        );
      });
    },
  ),
];
