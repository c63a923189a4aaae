/**
 * Promotion codes: customer-facing codes for a coupon, given at this API version as
 * `promotion: { type: 'coupon', coupon }` (the top-level `coupon` of older versions is refused as
 * an unknown parameter, as Stripe refuses it). Codes are unique, regardless of case, among the
 * active codes of the same customer (or of everyone).
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { route, type Engine, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { newId, randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { CURRENCY } from '../money.ts';
import { bool, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import { findCoupon, refreshValidity, type Coupon } from './coupons.ts';
import { customerAccountUnsupported, mustFind, mustFindParam } from './shared.ts';

export type PromotionCode = Stripe.PromotionCode;

/** A promotion code as Stripe's example object has it. */
function newPromotionCode(id: string, created: number, coupon: string): PromotionCode {
  return {
    active: true,
    code: '',
    created,
    customer: null,
    expires_at: null,
    id,
    livemode: false,
    max_redemptions: null,
    metadata: {},
    object: 'promotion_code',
    restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
    times_redeemed: 0,
    promotion: { coupon, type: 'coupon' },
    customer_account: null,
  };
}

const CODE = /^[A-Za-z0-9-]+$/;

/** The stored code, or Stripe's 404 for the path id: the store keeps plain records, so the type is asserted at this boundary only. */
const mustFindCode = (engine: Pick<Engine, 'store'>, id: string): PromotionCode => mustFind(engine, 'promotion_code', id, 'promotion_code') as PromotionCode;

/** The active promotion code a customer would redeem by typing `code` (any case), if any. */
export function findActiveCode(engine: Pick<Engine, 'store'>, code: string, customer: string | null): PromotionCode | undefined {
  const wanted = code.toLowerCase();
  return (engine.store.all('promotion_code') as PromotionCode[]).find(
    (pc) => pc.active && pc.code.toLowerCase() === wanted && (pc.customer === null || pc.customer === customer),
  );
}

function checkUnique(engine: Pick<Engine, 'store'>, code: string, customer: string | null, except?: string): void {
  const wanted = code.toLowerCase();
  const clash = (engine.store.all('promotion_code') as PromotionCode[]).find(
    (pc) => pc.id !== except && pc.active && pc.code.toLowerCase() === wanted && pc.customer === customer,
  );
  if (clash) throw invalidRequest(`An active promotion code with \`code: ${code}\` already exists.`, 'code', 'resource_already_exists');
}

const currencyOptions = z.record(z.string(), z.strictObject({ minimum_amount: int(0).optional() }));

function checkCurrencyOptions(options: Record<string, { minimum_amount?: number }>, param: string): Record<string, { minimum_amount: number }> {
  const out: Record<string, { minimum_amount: number }> = {};
  for (const [currency, option] of Object.entries(options)) {
    if (!CURRENCY.test(currency.toLowerCase())) throw invalidRequest(`Invalid currency: ${currency}`, `${param}[${currency}]`);
    out[currency.toLowerCase()] = { minimum_amount: option.minimum_amount ?? 0 };
  }
  return out;
}

export const promotionCodes: ResourceModule = {
  routes: [
    route(
      'POST',
      '/v1/promotion_codes',
      {
        promotion: z.strictObject({ type: oneOf(['coupon']), coupon: str().optional() }),
        code: str(500).optional(),
        active: bool().optional(),
        customer: str().optional(),
        customer_account: str().optional(),
        expires_at: int().optional(),
        max_redemptions: int(1).optional(),
        metadata: metadata().optional(),
        restrictions: z
          .strictObject({
            first_time_transaction: bool().optional(),
            minimum_amount: int(0).optional(),
            minimum_amount_currency: str(3).optional(),
            currency_options: currencyOptions.optional(),
          })
          .optional(),
      },
      ({ params: p, emu, request }) => {
        if (p.customer_account !== undefined) throw customerAccountUnsupported(p.customer_account);
        if (p.promotion.coupon === undefined) {
          throw invalidRequest('Missing required param: promotion[coupon].', 'promotion[coupon]', 'parameter_missing');
        }
        const couponId = p.promotion.coupon;
        const coupon = mustFindParam(emu, 'coupon', couponId, 'coupon', 'promotion[coupon]') as Coupon;
        if (!refreshValidity(emu, coupon)) {
          throw invalidRequest(`Coupon ${couponId} is no longer valid, so no promotion code can be made for it.`, 'promotion[coupon]');
        }
        if (p.code !== undefined && !CODE.test(p.code)) {
          throw invalidRequest(
            `Invalid code: ${p.code}. Use only letters (a-z, A-Z), digits (0-9) and dashes (-).`,
            'code',
            p.code === '' ? 'parameter_invalid_empty' : undefined,
          );
        }
        const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer').id : null;
        const now = emu.clock.now();
        if (p.expires_at !== undefined && p.expires_at <= now) throw invalidRequest('Invalid expires_at: it must be in the future.', 'expires_at');
        if (p.expires_at !== undefined && coupon.redeem_by !== null && p.expires_at > coupon.redeem_by) {
          throw invalidRequest("The promotion code's `expires_at` may not be after the coupon's `redeem_by`.", 'expires_at');
        }
        if (p.max_redemptions !== undefined && coupon.max_redemptions !== null && p.max_redemptions > coupon.max_redemptions) {
          throw invalidRequest("The promotion code's `max_redemptions` may not be greater than the coupon's `max_redemptions`.", 'max_redemptions');
        }
        const r = p.restrictions ?? {};
        if (r.minimum_amount !== undefined && r.minimum_amount_currency === undefined) {
          throw invalidRequest(
            'Missing required param: restrictions[minimum_amount_currency]. It is required with restrictions[minimum_amount].',
            'restrictions[minimum_amount_currency]',
            'parameter_missing',
          );
        }
        const minimumCurrency = r.minimum_amount_currency?.toLowerCase();
        if (minimumCurrency !== undefined && !CURRENCY.test(minimumCurrency)) {
          throw invalidRequest(`Invalid currency: ${r.minimum_amount_currency}`, 'restrictions[minimum_amount_currency]');
        }
        const options = r.currency_options ? checkCurrencyOptions(r.currency_options, 'restrictions[currency_options]') : undefined;
        const active = p.active ?? true;
        // A generated code is upper case letters and digits, as Stripe's are.
        const code = p.code ?? randomToken(8).toUpperCase();
        if (active) checkUnique(emu, code, customer);

        const pc = newPromotionCode(newId('promotion_code'), now, coupon.id);
        Object.assign(pc, {
          active,
          code,
          customer,
          expires_at: p.expires_at ?? null,
          max_redemptions: p.max_redemptions ?? null,
          metadata: mergeMetadata({}, p.metadata),
        } satisfies Partial<PromotionCode>);
        pc.restrictions = {
          first_time_transaction: r.first_time_transaction ?? false,
          minimum_amount: r.minimum_amount ?? null,
          minimum_amount_currency: minimumCurrency ?? null,
          ...(options ? { currency_options: options } : {}),
        };
        emu.store.insert(pc);
        emu.events.emit('promotion_code.created', pc, request);
        return pc;
      },
    ),

    route(
      'GET',
      '/v1/promotion_codes',
      { ...listParams, active: bool().optional(), code: str(500).optional(), coupon: str().optional(), customer: str().optional() },
      ({ params: p, emu }) =>
        paginate(
          (emu.store.all('promotion_code') as PromotionCode[]).filter(
            (pc) =>
              (p.active === undefined || pc.active === p.active) &&
              // Stripe matches the code regardless of case.
              (p.code === undefined || pc.code.toLowerCase() === p.code.toLowerCase()) &&
              (p.coupon === undefined || pc.promotion.coupon === p.coupon) &&
              (p.customer === undefined || pc.customer === p.customer),
          ),
          p,
          '/v1/promotion_codes',
          'promotion_code',
        ),
    ),

    route('GET', '/v1/promotion_codes/:id', {}, ({ path, emu }) => mustFindCode(emu, path.id!)),

    route(
      'POST',
      '/v1/promotion_codes/:id',
      {
        active: bool().optional(),
        metadata: metadata().optional(),
        restrictions: z.strictObject({ currency_options: currencyOptions.optional() }).optional(),
      },
      ({ params: p, path, emu, request }) => {
        const pc = mustFindCode(emu, path.id!);
        if (p.active === true && !pc.active) {
          checkUnique(emu, pc.code, typeof pc.customer === 'string' ? pc.customer : null, pc.id);
          const coupon = typeof pc.promotion.coupon === 'string' ? findCoupon(emu, pc.promotion.coupon) : undefined;
          if (!coupon || !refreshValidity(emu, coupon)) {
            throw invalidRequest(`The coupon of promotion code ${pc.id} is no longer valid, so the code cannot be activated.`, 'active');
          }
        }
        const options = p.restrictions?.currency_options ? checkCurrencyOptions(p.restrictions.currency_options, 'restrictions[currency_options]') : undefined;
        const before = structuredClone(pc);
        if (p.active !== undefined) pc.active = p.active;
        pc.metadata = mergeMetadata(pc.metadata ?? {}, p.metadata);
        if (options) pc.restrictions = { ...pc.restrictions, currency_options: { ...pc.restrictions.currency_options, ...options } };
        if (JSON.stringify(before) !== JSON.stringify(pc)) emu.events.emit('promotion_code.updated', pc, request, before);
        return pc;
      },
    ),
  ],
};
