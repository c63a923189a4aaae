/**
 * A Checkout session's discount: one coupon or promotion code, given at creation (`discounts`) or
 * typed on the hosted page (`allow_promotion_codes`). It lowers the line items it applies to
 * (all of them, or the coupon's `applies_to[products]`), shared out in proportion to their
 * amounts as Stripe shares it, and the session's `amount_total` (shipping added back) and
 * `total_details.amount_discount`. The coupon (and the code) count a redemption once the session
 * is paid.
 */
import type { Engine } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import type { StripeObject } from '../store.ts';
import { findCoupon, redeemCoupon, refreshValidity, type Coupon } from './coupons.ts';
import { findActiveCode, type PromotionCode } from './promotion-codes.ts';

/** What a session's discount is made of: the coupon, and the promotion code that brought it, if one did. */
export interface SessionDiscount {
  coupon: Coupon;
  promotionCode: PromotionCode | null;
}

type Lookup = Pick<Engine, 'store' | 'clock'>;

/** The coupon's products, when it is limited to some (`applies_to`, kept beside the coupon). */
function appliesTo(engine: Lookup, coupon: Coupon): string[] | null {
  const extras = engine.store.extras.get(coupon.id) as { applies_to?: { products: string[] } | null } | undefined;
  return extras?.applies_to?.products ?? null;
}

/** Why a promotion code cannot be redeemed by this customer on this amount now, or null. */
function codeProblem(engine: Lookup, pc: PromotionCode, customer: string | null, subtotal: number, currency: string): string | null {
  if (!pc.active) return 'This promotion code is not active.';
  if (pc.expires_at !== null && pc.expires_at <= engine.clock.now()) return 'This promotion code has expired.';
  if (pc.max_redemptions !== null && pc.times_redeemed >= pc.max_redemptions) return 'This promotion code has been fully redeemed.';
  if (pc.customer !== null && pc.customer !== customer) return 'This promotion code cannot be redeemed by this customer.';
  const r = pc.restrictions;
  if (r.minimum_amount !== null && r.minimum_amount_currency === currency && subtotal < r.minimum_amount) {
    return 'This promotion code requires a higher order total.';
  }
  if (r.first_time_transaction && customer && engine.store.all('charge').some((c) => c.customer === customer && c.paid)) {
    return 'This promotion code is only for first-time customers.';
  }
  return null;
}

/** Why the coupon cannot discount this session, or null. */
function couponProblem(engine: Lookup, coupon: Coupon, currency: string): string | null {
  if (!refreshValidity(engine, coupon)) return `The coupon \`${coupon.id}\` is no longer valid.`;
  if (coupon.amount_off !== null && coupon.currency !== currency) {
    return `The coupon \`${coupon.id}\` is for ${String(coupon.currency).toUpperCase()}, and this session is in ${currency.toUpperCase()}.`;
  }
  return null;
}

/**
 * The `discounts` parameter resolved: Stripe takes one entry, with a `coupon` or a
 * `promotion_code` (not both), each of which must exist and be redeemable now.
 */
export function resolveDiscountParam(
  engine: Lookup,
  discounts: { coupon?: string; promotion_code?: string }[],
  customer: string | null,
  subtotal: number,
  currency: string,
): SessionDiscount | null {
  if (discounts.length === 0) return null;
  if (discounts.length > 1) throw invalidRequest('You may only specify one discount on a Checkout Session.', 'discounts');
  const d = discounts[0]!;
  if (d.coupon !== undefined && d.promotion_code !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: coupon, promotion_code.', 'discounts[0][promotion_code]');
  }
  if (d.coupon !== undefined) {
    const coupon = findCoupon(engine, d.coupon);
    if (!coupon) throw invalidRequest(`No such coupon: '${d.coupon}'`, 'discounts[0][coupon]', 'resource_missing');
    const problem = couponProblem(engine, coupon, currency);
    if (problem) throw invalidRequest(problem, 'discounts[0][coupon]');
    return { coupon, promotionCode: null };
  }
  if (d.promotion_code !== undefined) {
    const pc = engine.store.find('promotion_code', d.promotion_code) as PromotionCode | undefined;
    if (!pc) throw invalidRequest(`No such promotion code: '${d.promotion_code}'`, 'discounts[0][promotion_code]', 'resource_missing');
    const coupon = findCoupon(engine, String(pc.promotion.coupon));
    const problem = codeProblem(engine, pc, customer, subtotal, currency) ?? (coupon ? couponProblem(engine, coupon, currency) : 'Its coupon was deleted.');
    if (problem) throw invalidRequest(`The promotion code \`${pc.code}\` cannot be applied: ${problem}`, 'discounts[0][promotion_code]');
    return { coupon: coupon!, promotionCode: pc };
  }
  throw invalidRequest('Missing required param: discounts[0][coupon] or discounts[0][promotion_code].', 'discounts[0][coupon]', 'parameter_missing');
}

/**
 * A code typed on the hosted page (any case): the active code the session's customer may redeem,
 * or the message the page shows under the field.
 */
export function resolveTypedCode(engine: Lookup, session: StripeObject, code: string): SessionDiscount | { error: string } {
  const invalid = { error: 'This code is invalid.' };
  const pc = findActiveCode(engine, code.trim(), session.customer ?? null);
  if (!pc) return invalid;
  const coupon = findCoupon(engine, String(pc.promotion.coupon));
  if (!coupon) return invalid;
  const problem =
    codeProblem(engine, pc, session.customer ?? null, session.amount_subtotal, session.currency) ?? couponProblem(engine, coupon, session.currency);
  return problem ? { error: problem.startsWith('The coupon') ? 'This code is invalid.' : problem } : { coupon, promotionCode: pc };
}

/**
 * Sets the session's amounts for `discount` (none: back to full price): each line item's
 * `amount_discount` and `amount_total`, the session's `discounts`, `amount_total` and
 * `total_details.amount_discount`.
 */
export function applyDiscount(engine: Lookup, session: StripeObject, lines: StripeObject[], discount: SessionDiscount | null): void {
  const products = discount ? appliesTo(engine, discount.coupon) : null;
  const eligible = lines.filter((li) => discount && (products === null || products.includes(li.price.product)));
  const base = eligible.reduce((n, li) => n + li.amount_subtotal, 0);
  let off = 0;
  if (discount) {
    const c = discount.coupon;
    off = c.percent_off !== null ? Math.round((base * c.percent_off) / 100) : Math.min(c.amount_off ?? 0, base);
  }
  // Shared out in proportion to each eligible line's amount; the last takes the rounding.
  let left = off;
  for (const li of lines) {
    const i = eligible.indexOf(li);
    const share = i < 0 ? 0 : i === eligible.length - 1 ? left : Math.round((off * li.amount_subtotal) / (base || 1));
    left -= share;
    li.amount_discount = share;
    li.amount_total = li.amount_subtotal - share;
  }
  session.total_details = { ...(session.total_details ?? { amount_shipping: 0, amount_tax: 0 }), amount_discount: off };
  // The selected shipping option is charged on top (payment mode), undiscounted.
  session.amount_total = session.amount_subtotal - off + (session.total_details.amount_shipping ?? 0);
  session.discounts = discount ? [{ coupon: discount.coupon.id, promotion_code: discount.promotionCode?.id ?? null }] : [];
}

/** The session's discount as stored (`discounts[0]`), looked up again, or null. */
export function sessionDiscount(engine: Lookup, session: StripeObject): SessionDiscount | null {
  const d = session.discounts?.[0];
  if (!d) return null;
  const coupon = findCoupon(engine, d.coupon);
  if (!coupon) return null;
  const pc = d.promotion_code ? ((engine.store.find('promotion_code', d.promotion_code) as PromotionCode | undefined) ?? null) : null;
  return { coupon, promotionCode: pc };
}

/** Records the redemption once the session is paid: the coupon's and the code's `times_redeemed`. */
export function redeemSessionDiscount(engine: Lookup, session: StripeObject): void {
  const discount = sessionDiscount(engine, session);
  if (!discount) return;
  redeemCoupon(engine, discount.coupon);
  if (discount.promotionCode) discount.promotionCode.times_redeemed += 1;
}
