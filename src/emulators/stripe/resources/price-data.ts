/**
 * Building products and prices from request parameters, shared by `POST /v1/products`
 * (`default_price_data`), `POST /v1/prices` (`product_data`) and whatever else creates them
 * inline (Checkout's `price_data` may use it too). Validation runs before anything is made, so
 * a request that fails leaves no half-made product or price behind.
 */
import { z } from 'zod';
import { invalidRequest, missingParam } from '../errors.ts';
import { newId } from '../ids.ts';
import { blank } from '../objects.ts';
import { arrayOf, bool, decimal, int, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { Engine } from '../engine.ts';
import type { StripeObject } from '../store.ts';

const describe = (input: unknown): string => (typeof input === 'string' ? input : JSON.stringify(input));

/** A decimal kept as Stripe returns it, a string (`unit_amount_decimal=12.5`), at most 12 decimal places. */
export const decimalString = () =>
  z
    .string({ error: (iss) => `Invalid decimal: ${describe(iss.input)}` })
    .regex(/^\d{1,12}(\.\d{1,12})?$/, { error: (iss) => `Invalid decimal: ${describe(iss.input)}` });

/** `''` where Stripe lets a parameter be unset. */
export const emptyable = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]);

const amount = () => int(0, 99999999);

const customUnitAmount = () => z.strictObject({ enabled: bool(), maximum: amount().optional(), minimum: amount().optional(), preset: amount().optional() });

const tier = () =>
  z.strictObject({
    up_to: z.union([z.literal('inf'), int(1)], { error: 'Invalid {param}: must be a positive integer or `inf`' }),
    flat_amount: amount().optional(),
    flat_amount_decimal: decimalString().optional(),
    unit_amount: amount().optional(),
    unit_amount_decimal: decimalString().optional(),
  });

const currencyOption = () =>
  z.strictObject({
    custom_unit_amount: customUnitAmount().optional(),
    tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
    tiers: arrayOf(tier(), 250).optional(),
    unit_amount: amount().optional(),
    unit_amount_decimal: decimalString().optional(),
  });

export const currencyOptionsParam = () => z.record(z.string(), currencyOption());

const recurring = () =>
  z.strictObject({
    interval: oneOf(['day', 'week', 'month', 'year']),
    interval_count: int(1, 365).optional(),
    usage_type: oneOf(['licensed', 'metered']).optional(),
    trial_period_days: int(0, 730).optional(),
    meter: str().optional(),
  });

/** `default_price_data` on a product: a price's own fields without product, tiers or lookup key. */
export const defaultPriceDataParam = () =>
  z.strictObject({
    currency: str(3),
    currency_options: currencyOptionsParam().optional(),
    custom_unit_amount: customUnitAmount().optional(),
    metadata: metadata().optional(),
    recurring: z.strictObject({ interval: oneOf(['day', 'week', 'month', 'year']), interval_count: int(1, 365).optional() }).optional(),
    tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
    unit_amount: amount().optional(),
    unit_amount_decimal: decimalString().optional(),
  });

/** The parameters of `POST /v1/prices` that say what the price is (beside product and lookup key). */
export const priceShapeParams = {
  currency: str(3),
  currency_options: currencyOptionsParam().optional(),
  custom_unit_amount: customUnitAmount().optional(),
  recurring: recurring().optional(),
  tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
  unit_amount: amount().optional(),
  unit_amount_decimal: decimalString().optional(),
  billing_scheme: oneOf(['per_unit', 'tiered']).optional(),
  tiers: arrayOf(tier(), 250).optional(),
  tiers_mode: oneOf(['graduated', 'volume']).optional(),
  transform_quantity: z.strictObject({ divide_by: int(1), round: oneOf(['down', 'up']) }).optional(),
};

type Tier = z.output<ReturnType<typeof tier>>;
type CurrencyOption = z.output<ReturnType<typeof currencyOption>>;
type CustomUnitAmount = z.output<ReturnType<typeof customUnitAmount>>;
export type PriceShape = Partial<z.output<z.ZodObject<typeof priceShapeParams>>> & { currency: string; metadata?: Record<string, string> | '' };

/** What Stripe returns for a price's or product's amount fields, and what it keeps beside them. */
export interface PriceExtras {
  tiers?: StripeObject[];
  currency_options?: Record<string, StripeObject>;
}

const CURRENCY = /^[a-z]{3}$/;

const taxDetails = () => z.strictObject({ performance_location: str().optional(), tax_code: emptyable(str()).optional() });

/** Product fields settable on create and update (their update forms take `''` where Stripe allows it). */
export const productParams = {
  description: str(40000).optional(),
  metadata: metadata().optional(),
  active: bool().optional(),
  url: str(2048).optional(),
  statement_descriptor: str(22).optional(),
  unit_label: str(12).optional(),
  images: arrayOf(str(2048), 8).optional(),
  marketing_features: arrayOf(z.strictObject({ name: str(80) }), 15).optional(),
  package_dimensions: z.strictObject({ height: decimal(), length: decimal(), weight: decimal(), width: decimal() }).optional(),
  shippable: bool().optional(),
  tax_code: str().optional(),
  tax_details: taxDetails().optional(),
};

/** `product_data` on a price: a product with a name and a few of its fields. */
export const productDataParam = () =>
  z.strictObject({
    name: nonEmpty(),
    id: str().optional(),
    active: bool().optional(),
    metadata: metadata().optional(),
    statement_descriptor: str(22).optional(),
    tax_code: str().optional(),
    tax_details: taxDetails().optional(),
    unit_label: str(12).optional(),
  });

export type ProductInput = {
  name: string;
  id?: string;
  type?: 'good' | 'service';
} & Partial<z.output<z.ZodObject<typeof productParams>>>;

/** Stripe's product tax codes are `txcd_` and eight digits; the emulator knows them by form only. */
export function checkTaxCode(code: string | undefined, param: string): void {
  if (code && !/^txcd_\d{8}$/.test(code)) throw invalidRequest(`No such tax code: '${code}'`, param, 'resource_missing');
}

function checkPackageDimensions(d: ProductInput['package_dimensions'], param: string): void {
  if (!d) return;
  for (const [k, v] of Object.entries(d)) {
    if (!(v > 0)) throw invalidRequest(`Invalid ${param}[${k}]: must be greater than 0`, `${param}[${k}]`);
  }
}

/** Checks a product's fields before anything is stored. `at` turns a field name into its parameter (`product_data[tax_code]`). */
export function checkProductInput(emu: Pick<Engine, 'store'>, p: ProductInput, at: (f: string) => string = (f) => f): void {
  if (p.id !== undefined && (emu.store.get(p.id) || emu.store.deletedStub(p.id))) {
    throw invalidRequest('Product already exists.', at('id'), 'resource_already_exists');
  }
  checkTaxCode(p.tax_code, at('tax_code'));
  if (p.tax_details?.tax_code) checkTaxCode(p.tax_details.tax_code, at('tax_details[tax_code]'));
  checkPackageDimensions(p.package_dimensions, at('package_dimensions'));
}

/** A new product (not stored): the fields given, Stripe's defaults for the rest. */
export function buildProduct(emu: Pick<Engine, 'clock'>, p: ProductInput): StripeObject {
  const product = blank('product', { id: p.id ?? newId('product'), created: emu.clock.now() });
  Object.assign(product, {
    name: p.name,
    description: p.description || null,
    active: p.active ?? true,
    images: p.images ?? [],
    marketing_features: (p.marketing_features ?? []).map((f) => ({ name: f.name })),
    package_dimensions: p.package_dimensions ?? null,
    shippable: p.shippable ?? null,
    statement_descriptor: p.statement_descriptor || null,
    tax_code: p.tax_code || null,
    tax_details: p.tax_details ? toTaxDetails(p.tax_details) : null,
    type: p.type ?? 'service',
    unit_label: p.unit_label || null,
    url: p.url || null,
    metadata: mergeMetadata({}, p.metadata),
  });
  return product;
}

export function toTaxDetails(t: { performance_location?: string; tax_code?: string }): StripeObject {
  return { performance_location: t.performance_location || null, tax_code: t.tax_code || null };
}

const tierOut = (t: Tier): StripeObject => {
  const unitDecimal = t.unit_amount_decimal ?? (t.unit_amount !== undefined ? String(t.unit_amount) : null);
  const flatDecimal = t.flat_amount_decimal ?? (t.flat_amount !== undefined ? String(t.flat_amount) : null);
  return {
    flat_amount: t.flat_amount ?? wholeOrNull(flatDecimal),
    flat_amount_decimal: flatDecimal,
    unit_amount: t.unit_amount ?? wholeOrNull(unitDecimal),
    unit_amount_decimal: unitDecimal,
    up_to: t.up_to === 'inf' ? null : t.up_to,
  };
};

function wholeOrNull(decimalText: string | null): number | null {
  if (decimalText === null) return null;
  const n = Number(decimalText);
  return Number.isInteger(n) ? n : null;
}

const customOut = (c: CustomUnitAmount): StripeObject => ({ maximum: c.maximum ?? null, minimum: c.minimum ?? null, preset: c.preset ?? null });

function onlyOne(names: string[], given: Record<string, unknown>, at: (f: string) => string): void {
  const set = names.filter((n) => given[n] !== undefined);
  if (set.length > 1) throw invalidRequest(`You may only specify one of these parameters: ${set.join(', ')}.`, at(set[0]!));
}

function checkTiers(tiers: Tier[], at: (f: string) => string): void {
  if (tiers.length === 0) throw invalidRequest(`Invalid ${at('tiers')}: at least one tier is required`, at('tiers'));
  let previous = 0;
  tiers.forEach((t, i) => {
    const last = i === tiers.length - 1;
    const param = at(`tiers[${i}][up_to]`);
    if (last && t.up_to !== 'inf') {
      throw invalidRequest(`The last tier must have \`up_to\` set to \`inf\` (got ${t.up_to}).`, param);
    }
    if (!last && t.up_to === 'inf') throw invalidRequest('Only the last tier may have `up_to` set to `inf`.', param);
    if (t.up_to !== 'inf') {
      if (t.up_to <= previous) throw invalidRequest(`Each tier's \`up_to\` must be greater than the previous tier's (${previous}).`, param);
      previous = t.up_to;
    }
    onlyOne(['unit_amount', 'unit_amount_decimal'], t, (f) => at(`tiers[${i}][${f}]`));
    onlyOne(['flat_amount', 'flat_amount_decimal'], t, (f) => at(`tiers[${i}][${f}]`));
  });
}

function checkCustomUnitAmount(c: CustomUnitAmount, at: (f: string) => string): void {
  if (!c.enabled) throw invalidRequest('`custom_unit_amount[enabled]` must be true when `custom_unit_amount` is given.', at('custom_unit_amount[enabled]'));
  const { minimum, maximum, preset } = c;
  if (minimum !== undefined && maximum !== undefined && minimum > maximum) {
    throw invalidRequest('`custom_unit_amount[minimum]` must be less than or equal to `custom_unit_amount[maximum]`.', at('custom_unit_amount[minimum]'));
  }
  if (preset !== undefined && ((minimum !== undefined && preset < minimum) || (maximum !== undefined && preset > maximum))) {
    throw invalidRequest(
      '`custom_unit_amount[preset]` must be between `custom_unit_amount[minimum]` and `custom_unit_amount[maximum]`.',
      at('custom_unit_amount[preset]'),
    );
  }
}

/** One currency's amounts (the price's own, or a currency option), checked for the price's billing scheme. */
function amountsOf(
  p: { unit_amount?: number; unit_amount_decimal?: string; custom_unit_amount?: CustomUnitAmount; tiers?: Tier[]; tax_behavior?: string },
  tiered: boolean,
  recurring: boolean,
  at: (f: string) => string,
): StripeObject {
  onlyOne(['unit_amount', 'unit_amount_decimal', 'custom_unit_amount'], p, at);
  if (tiered) {
    for (const f of ['unit_amount', 'unit_amount_decimal', 'custom_unit_amount'] as const) {
      if (p[f] !== undefined) throw invalidRequest(`\`${f}\` cannot be set on a price with \`billing_scheme=tiered\`; give the amounts in \`tiers\`.`, at(f));
    }
    if (!p.tiers) throw missingParam(at('tiers'));
    checkTiers(p.tiers, at);
  } else {
    if (p.tiers !== undefined) throw invalidRequest('`tiers` can only be set on a price with `billing_scheme=tiered`.', at('tiers'));
    if (p.unit_amount === undefined && p.unit_amount_decimal === undefined && p.custom_unit_amount === undefined) throw missingParam(at('unit_amount'));
  }
  if (p.custom_unit_amount) {
    if (recurring) throw invalidRequest('`custom_unit_amount` is only supported on one-time prices (no `recurring`).', at('custom_unit_amount'));
    checkCustomUnitAmount(p.custom_unit_amount, at);
  }
  const decimalText = p.unit_amount_decimal ?? (p.unit_amount !== undefined ? String(p.unit_amount) : null);
  return {
    custom_unit_amount: p.custom_unit_amount ? customOut(p.custom_unit_amount) : null,
    tax_behavior: p.tax_behavior ?? null,
    ...(tiered ? { tiers: p.tiers!.map(tierOut) } : {}),
    unit_amount: p.unit_amount ?? wholeOrNull(decimalText),
    unit_amount_decimal: decimalText,
  };
}

/** Checks and normalises `currency_options` (lower-case currencies, not the price's own). */
export function currencyOptionsOf(
  options: Record<string, CurrencyOption>,
  own: string,
  tiered: boolean,
  recurring: boolean,
  at: (f: string) => string,
): Record<string, StripeObject> {
  const out: Record<string, StripeObject> = {};
  for (const [key, option] of Object.entries(options)) {
    const currency = key.toLowerCase();
    const param = at(`currency_options[${key}]`);
    if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${key}`, param);
    if (currency === own) throw invalidRequest(`\`currency_options\` cannot include the price's own currency (${own}); its amount is the price's.`, param);
    out[currency] = amountsOf(option, tiered, recurring, nested(param));
  }
  return out;
}

/**
 * Checks a price's parameters and builds it (not stored), with what it keeps beside it: tiers
 * and currency options, which Stripe returns only when expanded.
 */
export function buildPrice(
  emu: Pick<Engine, 'clock'>,
  p: PriceShape,
  productId: string,
  at: (f: string) => string = (f) => f,
): { price: StripeObject; extras: PriceExtras } {
  const currency = p.currency.toLowerCase();
  if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${p.currency}`, at('currency'));
  const tiered = (p.billing_scheme ?? (p.tiers ? 'tiered' : 'per_unit')) === 'tiered';
  if (p.billing_scheme === undefined && p.tiers) throw invalidRequest('`tiers` can only be set on a price with `billing_scheme=tiered`.', at('tiers'));
  if (tiered && !p.tiers_mode) throw missingParam(at('tiers_mode'));
  if (!tiered && p.tiers_mode) throw invalidRequest('`tiers_mode` can only be set on a price with `billing_scheme=tiered`.', at('tiers_mode'));
  if (tiered && p.transform_quantity) throw invalidRequest('`transform_quantity` cannot be used with `billing_scheme=tiered`.', at('transform_quantity'));
  const own = amountsOf(p, tiered, p.recurring !== undefined, at);
  const options = p.currency_options ? currencyOptionsOf(p.currency_options, currency, tiered, p.recurring !== undefined, at) : undefined;

  const price = blank('price', { id: newId('price'), created: emu.clock.now() });
  Object.assign(price, {
    billing_scheme: tiered ? 'tiered' : 'per_unit',
    currency,
    custom_unit_amount: own.custom_unit_amount,
    metadata: mergeMetadata({}, p.metadata),
    product: productId,
    recurring: p.recurring
      ? {
          interval: p.recurring.interval,
          interval_count: p.recurring.interval_count ?? 1,
          meter: p.recurring.meter ?? null,
          trial_period_days: p.recurring.trial_period_days ?? null,
          usage_type: p.recurring.usage_type ?? 'licensed',
        }
      : null,
    tax_behavior: p.tax_behavior ?? 'unspecified',
    tiers_mode: tiered ? p.tiers_mode : null,
    transform_quantity: p.transform_quantity ? { divide_by: p.transform_quantity.divide_by, round: p.transform_quantity.round } : null,
    type: p.recurring ? 'recurring' : 'one_time',
    unit_amount: own.unit_amount,
    unit_amount_decimal: own.unit_amount_decimal,
  });
  const extras: PriceExtras = {};
  if (own.tiers) extras.tiers = own.tiers;
  if (options) extras.currency_options = options;
  return { price, extras };
}

/** The expandable fields a price keeps beside it (Store.extras). */
export function priceExtras(store: Engine['store'], id: string): PriceExtras {
  return (store.extras.get(id) as PriceExtras | undefined) ?? {};
}

/** `currency_options` as Stripe returns it when expanded: the price's own currency first, then the others. */
export function currencyOptionsView(price: StripeObject, extras: PriceExtras): StripeObject {
  const own: StripeObject = {
    custom_unit_amount: price.custom_unit_amount,
    tax_behavior: price.tax_behavior,
    unit_amount: price.unit_amount,
    unit_amount_decimal: price.unit_amount_decimal,
  };
  if (extras.tiers) own.tiers = extras.tiers;
  return { [price.currency]: own, ...extras.currency_options };
}

/** Names a field inside a hash parameter: `nested('product_data')('tax_details[tax_code]')` is `product_data[tax_details][tax_code]`. */
export function nested(prefix: string): (field: string) => string {
  return (field) => {
    const i = field.indexOf('[');
    return i < 0 ? `${prefix}[${field}]` : `${prefix}[${field.slice(0, i)}]${field.slice(i)}`;
  };
}
