/**
 * A Checkout session's shipping options (`shipping_options`), which only `payment` mode takes
 * (Stripe's shipping guide: "Only Checkout Sessions in payment mode support shipping options").
 * Each option is an existing shipping rate (`shipping_rate`) or one made with the session
 * (`shipping_rate_data`, a fixed amount). The first option is the one selected: its amount is the
 * session's `shipping_cost`, `total_details.amount_shipping`, and part of `amount_total`.
 * The emulator has no Shipping Rates API: only rates made inline exist, and any other id is the
 * 404 Stripe answers for a rate that does not exist.
 */
import { z } from 'zod';
import type { Engine } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { CURRENCY } from '../money.ts';
import { arrayOf, int, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';

const unit = oneOf(['business_day', 'day', 'hour', 'month', 'week']);
const estimate = z.strictObject({ unit, value: int(1) });

const shippingRateData = z.strictObject({
  display_name: nonEmpty(100),
  type: oneOf(['fixed_amount']).optional(),
  fixed_amount: z
    .strictObject({
      amount: int(0, 99999999),
      currency: str(3),
      currency_options: z
        .record(str(3), z.strictObject({ amount: int(0, 99999999), tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional() }))
        .optional(),
    })
    .optional(),
  delivery_estimate: z.strictObject({ minimum: estimate.optional(), maximum: estimate.optional() }).optional(),
  metadata: metadata().optional(),
  tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
  tax_code: str().optional(),
});

/** `shipping_options`: up to 5, each a rate's id or the data of a new one. */
export const shippingOptionsParam = arrayOf(z.strictObject({ shipping_rate: str().optional(), shipping_rate_data: shippingRateData.optional() }), 5);
export type ShippingOptionsParam = z.output<typeof shippingOptionsParam>;

/** The session's options, checked; rates made from `shipping_rate_data` are stored by `storeShippingRates` once every check has passed. */
export interface PlannedShipping {
  rates: StripeObject[];
  /** Rates made inline, not yet stored. */
  created: StripeObject[];
}

function newShippingRate(d: z.output<typeof shippingRateData>, currency: string, now: number): StripeObject {
  return {
    id: `shr_${randomToken(24)}`,
    object: 'shipping_rate',
    active: true,
    created: now,
    delivery_estimate: d.delivery_estimate ? { maximum: d.delivery_estimate.maximum ?? null, minimum: d.delivery_estimate.minimum ?? null } : null,
    display_name: d.display_name,
    fixed_amount: { amount: d.fixed_amount!.amount, currency, ...(d.fixed_amount!.currency_options && { currency_options: d.fixed_amount!.currency_options }) },
    livemode: false,
    metadata: mergeMetadata({}, d.metadata),
    tax_behavior: d.tax_behavior ?? 'unspecified',
    tax_code: d.tax_code ?? null,
    type: 'fixed_amount',
  };
}

/** Stripe's checks of `shipping_options` for a session in `mode` and `currency`; nothing is stored. */
export function planShipping(
  engine: Pick<Engine, 'store'>,
  options: ShippingOptionsParam | undefined,
  ctx: { mode: string; currency: string; now: number },
): PlannedShipping | null {
  if (!options) return null;
  if (ctx.mode !== 'payment') {
    throw invalidRequest(`\`shipping_options\` can only be used in \`payment\` mode (this session is in \`${ctx.mode}\` mode).`, 'shipping_options');
  }
  const planned: PlannedShipping = { rates: [], created: [] };
  options.forEach((o, i) => {
    const param = `shipping_options[${i}]`;
    if ((o.shipping_rate === undefined) === (o.shipping_rate_data === undefined)) {
      throw invalidRequest('You must specify exactly one of these parameters: shipping_rate, shipping_rate_data.', `${param}[shipping_rate]`);
    }
    if (o.shipping_rate !== undefined) {
      const rate = engine.store.find('shipping_rate', o.shipping_rate);
      if (!rate) throw invalidRequest(`No such shipping rate: '${o.shipping_rate}'`, `${param}[shipping_rate]`, 'resource_missing');
      if (!rate.active) throw invalidRequest(`The shipping rate \`${rate.id}\` is not active.`, `${param}[shipping_rate]`);
      if (rate.fixed_amount.currency !== ctx.currency) {
        throw invalidRequest(
          `The shipping rate \`${rate.id}\` is in ${rate.fixed_amount.currency}, and this session is in ${ctx.currency}.`,
          `${param}[shipping_rate]`,
        );
      }
      planned.rates.push(rate);
      return;
    }
    const d = o.shipping_rate_data!;
    const where = `${param}[shipping_rate_data]`;
    if (!d.fixed_amount) throw invalidRequest(`Missing required param: ${where}[fixed_amount].`, `${where}[fixed_amount]`, 'parameter_missing');
    const currency = d.fixed_amount.currency.toLowerCase();
    if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${d.fixed_amount.currency}`, `${where}[fixed_amount][currency]`);
    if (currency !== ctx.currency) {
      throw invalidRequest(
        `\`${where}[fixed_amount][currency]\` is ${currency}, and this session is in ${ctx.currency}; shipping is charged in the session's currency.`,
        `${where}[fixed_amount][currency]`,
      );
    }
    const rate = newShippingRate(d, currency, ctx.now);
    planned.rates.push(rate);
    planned.created.push(rate);
  });
  return planned;
}

/** Stores the rates made inline (once the session is sure to be created). */
export function storeShippingRates(engine: Pick<Engine, 'store'>, planned: PlannedShipping | null): void {
  for (const rate of planned?.created ?? []) engine.store.insert(rate);
}

/** The session's fields for its options: the list, and the first one's cost, selected. */
export function shippingFields(planned: PlannedShipping | null): {
  shipping_options: StripeObject[];
  shipping_cost: StripeObject | null;
  amount_shipping: number;
} {
  if (!planned || planned.rates.length === 0) return { shipping_options: [], shipping_cost: null, amount_shipping: 0 };
  const first = planned.rates[0]!;
  const amount = first.fixed_amount.amount as number;
  return {
    shipping_options: planned.rates.map((r) => ({ shipping_amount: r.fixed_amount.amount, shipping_rate: r.id })),
    shipping_cost: { amount_subtotal: amount, amount_tax: 0, amount_total: amount, shipping_rate: first.id },
    amount_shipping: amount,
  };
}
