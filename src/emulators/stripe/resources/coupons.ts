/**
 * Coupons: percent or amount off, for once, a number of months or forever. `applies_to` and
 * `currency_options` are returned only when expanded, as Stripe returns them. A coupon stops being
 * `valid` once past `redeem_by` or redeemed `max_redemptions` times.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { route, type Engine, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { newId } from '../ids.ts';
import { paginate } from '../lists.ts';
import { CURRENCY } from '../money.ts';
import { arrayOf, decimal, int, listParams, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { mustFind, mustFindParam } from './shared.ts';

export type Coupon = Stripe.Coupon;

/** Stripe refuses a `redeem_by` more than five years ahead. */
const FIVE_YEARS = 5 * 366 * 24 * 3600;

/** A coupon as Stripe's example object has it (without the expandable fields). */
function newCoupon(id: string, created: number): Coupon {
  return {
    amount_off: null,
    created,
    currency: null,
    duration: 'once',
    duration_in_months: null,
    id,
    livemode: false,
    max_redemptions: null,
    metadata: {},
    name: null,
    object: 'coupon',
    percent_off: null,
    redeem_by: null,
    times_redeemed: 0,
    valid: true,
  };
}

/** The stored coupon, typed: the store keeps plain records, so the type is asserted at this boundary only. */
export function findCoupon(engine: Pick<Engine, 'store'>, id: string): Coupon | undefined {
  return engine.store.find('coupon', id) as Coupon | undefined;
}

/** The stored coupon, or Stripe's 404 for the path id. */
const mustFindCoupon = (engine: Pick<Engine, 'store'>, id: string): Coupon => mustFind(engine, 'coupon', id, 'coupon') as Coupon;

/**
 * Whether the coupon can still be redeemed now (not past `redeem_by`, not redeemed
 * `max_redemptions` times); keeps `valid` up to date on the stored coupon.
 */
export function refreshValidity(engine: Pick<Engine, 'store' | 'clock'>, coupon: Coupon): boolean {
  const expired = coupon.redeem_by !== null && coupon.redeem_by <= engine.clock.now();
  const used = coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions;
  coupon.valid = !expired && !used;
  return coupon.valid;
}

/**
 * Records one redemption (a discount applied to a checkout, subscription or invoice), as the
 * modules that apply discounts call it. The caller has checked `refreshValidity`.
 */
export function redeemCoupon(engine: Pick<Engine, 'store' | 'clock'>, coupon: Coupon): void {
  coupon.times_redeemed += 1;
  refreshValidity(engine, coupon);
}

const currencyOptions = z.record(z.string(), z.strictObject({ amount_off: int(0) }));

/** `currency_options` keyed by lowercase currency, each checked as a currency code. */
function checkCurrencyOptions(options: Record<string, { amount_off: number }> | undefined): Record<string, { amount_off: number }> | undefined {
  if (options === undefined) return undefined;
  const out: Record<string, { amount_off: number }> = {};
  for (const [currency, option] of Object.entries(options)) {
    if (!CURRENCY.test(currency.toLowerCase())) throw invalidRequest(`Invalid currency: ${currency}`, `currency_options[${currency}]`);
    out[currency.toLowerCase()] = { amount_off: option.amount_off };
  }
  return out;
}

/** The expandable fields a coupon keeps beside it (Store.extras). */
interface CouponExtras {
  applies_to: { products: string[] } | null;
  currency_options: Record<string, { amount_off: number }> | null;
}

function extrasOf(engine: Pick<Engine, 'store'>, id: string): CouponExtras {
  return (engine.store.extras.get(id) as CouponExtras | undefined) ?? { applies_to: null, currency_options: null };
}

export const coupons: ResourceModule = {
  includables: {
    coupon: {
      applies_to: (coupon, store) => extrasOf({ store }, coupon.id).applies_to,
      // Stripe lists the coupon's own currency among its options.
      currency_options: (coupon, store) => {
        const options = extrasOf({ store }, coupon.id).currency_options;
        if (coupon.amount_off === null) return null;
        return { ...options, [coupon.currency]: { amount_off: coupon.amount_off } };
      },
    },
  },
  routes: [
    route(
      'POST',
      '/v1/coupons',
      {
        id: nonEmpty(200).optional(),
        percent_off: decimal().optional(),
        amount_off: int(1).optional(),
        currency: str(3).optional(),
        currency_options: currencyOptions.optional(),
        duration: oneOf(['forever', 'once', 'repeating']).optional(),
        duration_in_months: int(1, 1200).optional(),
        max_redemptions: int(1).optional(),
        redeem_by: int().optional(),
        name: str(40).optional(),
        metadata: metadata().optional(),
        applies_to: z.strictObject({ products: arrayOf(str(), 100).optional() }).optional(),
      },
      ({ params: p, emu, request }) => {
        if (p.percent_off === undefined && p.amount_off === undefined) {
          throw invalidRequest('Missing required param: percent_off. A coupon needs either percent_off or amount_off.', 'percent_off', 'parameter_missing');
        }
        if (p.percent_off !== undefined && p.amount_off !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: amount_off, percent_off.', 'amount_off');
        }
        if (p.percent_off !== undefined && (p.percent_off <= 0 || p.percent_off > 100)) {
          throw invalidRequest('Invalid percent_off: must be greater than 0 and at most 100.', 'percent_off');
        }
        let currency: string | null = null;
        if (p.amount_off !== undefined) {
          if (p.currency === undefined) throw invalidRequest('Missing required param: currency.', 'currency', 'parameter_missing');
          currency = p.currency.toLowerCase();
          if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${p.currency}`, 'currency');
        } else if (p.currency !== undefined || p.currency_options !== undefined) {
          const param = p.currency !== undefined ? 'currency' : 'currency_options';
          throw invalidRequest(`\`${param}\` can only be used with \`amount_off\`.`, param);
        }
        const duration = p.duration ?? 'once';
        if (duration === 'repeating' && p.duration_in_months === undefined) {
          throw invalidRequest(
            'Missing required param: duration_in_months. It is required when `duration` is `repeating`.',
            'duration_in_months',
            'parameter_missing',
          );
        }
        if (duration !== 'repeating' && p.duration_in_months !== undefined) {
          throw invalidRequest('`duration_in_months` can only be used when `duration` is `repeating`.', 'duration_in_months');
        }
        const now = emu.clock.now();
        if (p.redeem_by !== undefined && (p.redeem_by <= now || p.redeem_by > now + FIVE_YEARS)) {
          throw invalidRequest('Invalid redeem_by: it must be in the future, and at most 5 years from now.', 'redeem_by');
        }
        const options = checkCurrencyOptions(p.currency_options);
        const products = (p.applies_to?.products ?? []).map((id, i) => mustFindParam(emu, 'product', id, 'product', `applies_to[products][${i}]`).id);
        const id = p.id ?? newId('coupon');
        if (emu.store.get(id) || emu.store.deletedStub(id)) throw invalidRequest('Coupon already exists.', 'id', 'resource_already_exists');

        const coupon = newCoupon(id, now);
        Object.assign(coupon, {
          amount_off: p.amount_off ?? null,
          currency,
          duration,
          duration_in_months: p.duration_in_months ?? null,
          max_redemptions: p.max_redemptions ?? null,
          metadata: mergeMetadata({}, p.metadata),
          name: p.name || null,
          percent_off: p.percent_off ?? null,
          redeem_by: p.redeem_by ?? null,
        } satisfies Partial<Coupon>);
        emu.store.insert(coupon);
        if (options || p.applies_to) {
          const extras: CouponExtras = { applies_to: p.applies_to ? { products } : null, currency_options: options ?? null };
          emu.store.extras.set(id, extras as unknown as StripeObject);
        }
        emu.events.emit('coupon.created', coupon, request);
        return coupon;
      },
    ),

    route('GET', '/v1/coupons', listParams, ({ params: p, emu }) => {
      const all = emu.store.all('coupon') as Coupon[];
      for (const c of all) refreshValidity(emu, c);
      return paginate(all, p, '/v1/coupons', 'coupon');
    }),

    route('GET', '/v1/coupons/:id', {}, ({ path, emu }) => {
      const coupon = mustFindCoupon(emu, path.id!);
      refreshValidity(emu, coupon);
      return coupon;
    }),

    route(
      'POST',
      '/v1/coupons/:id',
      { name: str(40).optional(), metadata: metadata().optional(), currency_options: currencyOptions.optional() },
      ({ params: p, path, emu, request }) => {
        const coupon = mustFindCoupon(emu, path.id!);
        if (p.currency_options !== undefined && coupon.amount_off === null) {
          throw invalidRequest('`currency_options` can only be used with coupons that have `amount_off`.', 'currency_options');
        }
        const options = checkCurrencyOptions(p.currency_options);
        refreshValidity(emu, coupon);
        const before = structuredClone(coupon);
        if (p.name !== undefined) coupon.name = p.name === '' ? null : p.name;
        coupon.metadata = mergeMetadata(coupon.metadata ?? {}, p.metadata);
        if (options) {
          const extras = extrasOf(emu, coupon.id);
          emu.store.extras.set(coupon.id, { ...extras, currency_options: { ...extras.currency_options, ...options } } as unknown as StripeObject);
        }
        if (JSON.stringify(before) !== JSON.stringify(coupon)) emu.events.emit('coupon.updated', coupon, request, before);
        return coupon;
      },
    ),

    route('DELETE', '/v1/coupons/:id', {}, ({ path, emu, request }) => {
      const coupon = mustFindCoupon(emu, path.id!);
      emu.events.emit('coupon.deleted', coupon, request);
      emu.store.extras.delete(coupon.id);
      return emu.store.remove(coupon.id);
    }),
  ],
};
