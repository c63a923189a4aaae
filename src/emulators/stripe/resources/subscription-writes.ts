/**
 * POST /v1/subscriptions and POST /v1/subscriptions/:id: Stripe's parameters checked as Stripe
 * checks them (every refusal before anything changes), then handed to the subscription engine
 * (subscriptions.ts). Reads, lists and cancel are in billing-objects.ts.
 */
import { z } from 'zod';
import { route, type Emulator } from '../context.ts';
import { invalidRequest, noSuchParam } from '../errors.ts';
import { arrayOf, bool, int, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import {
  createSubscription,
  onCustomerClock,
  updateSubscription,
  type DiscountSource,
  type ItemChange,
  type PaymentBehavior,
  type ProrationBehavior,
} from '../subscriptions.ts';
import type { StripeObject } from '../store.ts';
import { findCoupon, refreshValidity } from './coupons.ts';
import { mustFind, mustFindParam } from './shared.ts';

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

/** The emulator has no tax rates: an empty list is accepted, any id is unknown, as on an account without them. */
function checkTaxRates(list: string[] | '' | undefined, param: string): void {
  if (list && list.length > 0) throw noSuchParam('tax rate', list[0]!, `${param}[0]`);
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

export const subscriptionWriteRoutes = [
  route(
    'POST',
    '/v1/subscriptions',
    {
      customer: str(),
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
      metadata: metadata().optional(),
      default_payment_method: str().optional(),
      description: str(500).optional(),
      payment_behavior: paymentBehavior().optional(),
      trial_period_days: int(0).optional(),
      trial_end: z.union([z.literal('now'), int()]).optional(),
      trial_from_plan: bool().optional(),
      trial_settings: trialSettings().optional(),
      cancel_at_period_end: bool().optional(),
      cancel_at: z.union([int(), oneOf(cancelAtNames)]).optional(),
      collection_method: oneOf(['charge_automatically', 'send_invoice']).optional(),
      days_until_due: int(0, 730).optional(),
      discounts: discountsParam().optional(),
      billing_cycle_anchor: int().optional(),
      backdate_start_date: int().optional(),
      proration_behavior: prorationBehavior().optional(),
      off_session: bool().optional(),
      payment_settings: paymentSettings().optional(),
      automatic_tax: automaticTax().optional(),
      currency: str(3).optional(),
      add_invoice_items: addInvoiceItems().optional(),
      default_tax_rates: taxRates().optional(),
      invoice_settings: invoiceSettings().optional(),
    },
    // A test clock's customer subscribes on the clock's time: trials and periods count from it.
    ({ params: p, emu, request }) =>
      onCustomerClock(emu, p.customer, () => {
        refusePendingIfIncomplete(p.payment_behavior);
        const customer = mustFindParam(emu, 'customer', p.customer, 'customer', 'customer');
        if (p.items.length === 0) throw invalidRequest('Missing required param: items.', 'items', 'parameter_missing');
        const items = p.items.map((it, i) => {
          const id = it.price ?? it.plan;
          if (id === undefined) throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
          checkTaxRates(it.tax_rates, `items[${i}][tax_rates]`);
          return {
            price: mustFindParam(emu, 'price', id, 'price', `items[${i}][${it.price !== undefined ? 'price' : 'plan'}]`),
            quantity: it.quantity ?? 1,
            metadata: mergeMetadata({}, it.metadata),
          };
        });
        const addItems = (p.add_invoice_items ?? []).map((it, i) => {
          if (it.price === undefined)
            throw invalidRequest(`Missing required param: add_invoice_items[${i}][price].`, `add_invoice_items[${i}][price]`, 'parameter_missing');
          checkTaxRates(it.tax_rates, `add_invoice_items[${i}][tax_rates]`);
          return { price: mustFindParam(emu, 'price', it.price, 'price', `add_invoice_items[${i}][price]`), quantity: it.quantity ?? 1 };
        });
        checkTaxRates(p.default_tax_rates, 'default_tax_rates');
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
        if (p.backdate_start_date !== undefined && p.backdate_start_date >= now) {
          throw invalidRequest('Invalid backdate_start_date: it must be in the past.', 'backdate_start_date');
        }
        let pm: StripeObject | null = null;
        if (p.default_payment_method) pm = customerPaymentMethod(emu, p.default_payment_method, customer.id);
        else if (customer.invoice_settings.default_payment_method)
          pm = emu.store.find('payment_method', customer.invoice_settings.default_payment_method) ?? null;
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
            billingCycleAnchor: p.billing_cycle_anchor,
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
      }),
  ),
  route(
    'POST',
    '/v1/subscriptions/:id',
    {
      metadata: metadata().optional(),
      description: str(500).optional(),
      cancel_at_period_end: bool().optional(),
      cancel_at: z.union([z.literal(''), int(), oneOf(cancelAtNames)]).optional(),
      default_payment_method: str().optional(),
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
      proration_behavior: prorationBehavior().optional(),
      proration_date: int().optional(),
      payment_behavior: paymentBehavior().optional(),
      pause_collection: z
        .union([z.literal(''), z.strictObject({ behavior: oneOf(['keep_as_draft', 'mark_uncollectible', 'void']), resumes_at: int().optional() })])
        .optional(),
      trial_end: z.union([z.literal('now'), int()]).optional(),
      trial_from_plan: bool().optional(),
      trial_settings: trialSettings().optional(),
      collection_method: oneOf(['charge_automatically', 'send_invoice']).optional(),
      days_until_due: int(0, 730).optional(),
      discounts: discountsParam().optional(),
      off_session: bool().optional(),
      payment_settings: paymentSettings().optional(),
      automatic_tax: automaticTax().optional(),
      add_invoice_items: addInvoiceItems().optional(),
      default_tax_rates: taxRates().optional(),
      invoice_settings: invoiceSettings().optional(),
    },
    ({ params: p, path, emu, request }) => {
      const sub = mustFind(emu, 'subscription', path.id!, 'subscription');
      return onCustomerClock(emu, sub.customer, () => {
        refusePendingIfIncomplete(p.payment_behavior);
        const onlyBookkeeping = Object.keys(p).every((k) => k === 'metadata' || k === 'cancellation_details' || k === 'expand');
        if ((sub.status === 'canceled' || sub.status === 'incomplete_expired') && !onlyBookkeeping) {
          throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined);
        }
        const now = emu.clock.now();
        const pm = p.default_payment_method ? customerPaymentMethod(emu, p.default_payment_method, sub.customer) : null;
        const collection = p.collection_method ?? sub.collection_method;
        checkDaysUntilDue(p.days_until_due, collection);
        checkTaxRates(p.default_tax_rates, 'default_tax_rates');
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
          checkTaxRates(it.tax_rates, `items[${i}][tax_rates]`);
          return {
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
          return { price: mustFindParam(emu, 'price', it.price, 'price', `add_invoice_items[${i}][price]`), quantity: it.quantity ?? 1 };
        });
        const discounts = p.discounts === undefined ? undefined : discountSources(emu, p.discounts, sub.customer);
        const customer = emu.store.find('customer', sub.customer);
        const payWith =
          pm ??
          (sub.default_payment_method ? emu.store.find('payment_method', sub.default_payment_method) : undefined) ??
          (customer?.invoice_settings.default_payment_method
            ? emu.store.find('payment_method', customer.invoice_settings.default_payment_method)
            : undefined) ??
          null;

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
            paymentMethod: payWith,
            addInvoiceItems: addItems,
            discounts,
            apply: (s) => {
              if (pm) s.default_payment_method = pm.id;
              else if (p.default_payment_method === '') s.default_payment_method = null;
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
