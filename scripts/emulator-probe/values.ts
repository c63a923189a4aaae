/**
 * A valid value for a parameter, derived from its declared type (stripe-types.ts) and its name:
 * a string is a plausible string, a number 1, a boolean true, an enum one of its members, a hash
 * its required members filled recursively, an array one element; an id names a fixture object of
 * the right kind. Where this is still wrong for Stripe, the endpoint table (endpoints.ts) overrides.
 */
import Stripe from 'stripe';
import type { Member, Shape } from './stripe-types.ts';

/** The kinds of object the probe creates first (fixtures.ts), which id parameters name. */
export type FixtureKind =
  | 'customer'
  | 'payment_method'
  | 'product'
  | 'price'
  | 'other_price'
  | 'one_time_price'
  | 'subscription'
  | 'subscription_item'
  | 'invoice'
  | 'payment_intent'
  | 'charge'
  | 'event'
  | 'coupon'
  | 'promotion_code'
  | 'test_clock'
  | 'tax_rate'
  | 'portal_configuration'
  | 'payment_method_configuration';

export interface ValueContext {
  /** The id of the fixture object of that kind (a placeholder when it could not be made). */
  id(kind: FixtureKind): string;
  /** The server's clock, in Unix seconds (timestamps are relative to it). */
  now: number;
  /** What `starting_after` / `ending_before` page through on this endpoint. */
  listOf?: FixtureKind;
  /** A fresh token, for values that must be unique (`lookup_key`, a product's `id`). */
  unique(): string;
}

/** A string parameter (or hash member) with one of these names is an id of that fixture kind. */
const ID_NAMES: Record<string, FixtureKind> = {
  customer: 'customer',
  product: 'product',
  products: 'product',
  price: 'price',
  plan: 'price', // a price's id is also its plan's id
  default_price: 'price',
  subscription: 'subscription',
  invoice: 'invoice',
  default_payment_method: 'payment_method',
  payment_method: 'payment_method',
  payment_intent: 'payment_intent',
  charge: 'charge',
  coupon: 'coupon',
  promotion_code: 'promotion_code',
  test_clock: 'test_clock',
  payment_method_configuration: 'payment_method_configuration',
};

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Timestamps, relative to the server's clock, each inside the window Stripe allows for it
 * (a Checkout session expires 30 min–24 h ahead; a trial ends in the future; a backdated start is past).
 */
const TIMESTAMPS: Record<string, number> = {
  expires_at: 2 * HOUR,
  trial_end: 3 * DAY,
  cancel_at: 7 * DAY,
  billing_cycle_anchor: 7 * DAY,
  redeem_by: 7 * DAY,
  frozen_time: 0,
  proration_date: 0,
  backdate_start_date: -DAY,
};
/** Other names that hold a timestamp (list filters take any). */
const TIMESTAMP_NAME = /(_at|_end|_start|_time|_date|_anchor)$/;

/** Numbers where 1 is not a sensible amount. */
const NUMBERS: Record<string, number> = {
  amount: 2000,
  unit_amount: 1500,
  amount_off: 500,
  percent_off: 10,
  duration_in_months: 3,
  trial_period_days: 7,
  days_until_due: 30,
};

/** Strings by name; the catch-all is `probe`. */
function stringFor(name: string, ctx: ValueContext): string {
  const kind = ID_NAMES[name];
  if (kind) return ctx.id(kind);
  if ((name === 'starting_after' || name === 'ending_before') && ctx.listOf) return ctx.id(ctx.listOf);
  if (name === 'url' || name.endsWith('_url') || name === 'images') return `https://example.com/checkout-canary/${name}`;
  if (name === 'email' || name.endsWith('_email')) return 'probe@example.com';
  if (name === 'currency') return 'usd';
  if (name === 'country') return 'US';
  if (name === 'phone') return '+15555550100';
  if (name === 'ip_address') return '203.0.113.7';
  if (name === 'api_version') return Stripe.API_VERSION;
  if (name === 'tax_code') return 'txcd_10000000';
  if (name === 'statement_descriptor' || name === 'statement_descriptor_suffix') return 'CANARY PROBE';
  if (name === 'unit_label') return 'seat';
  if (name === 'preferred_locales') return 'en';
  if (name.endsWith('color')) return '#635bff';
  if (name === 'invoice_prefix')
    return `P${ctx
      .unique()
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(-8)}`;
  if (name === 'code')
    return `PROBE${ctx
      .unique()
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')}`;
  if (name === 'id' || name === 'lookup_key') return `probe_${ctx.unique()}`;
  if (name.endsWith('name')) return 'Checkout Canary Probe';
  return 'probe';
}

function numberFor(name: string, ctx: ValueContext): number {
  if (name in NUMBERS) return NUMBERS[name]!;
  if (name in TIMESTAMPS) return ctx.now + TIMESTAMPS[name]!;
  if (name !== 'created' && TIMESTAMP_NAME.test(name)) return ctx.now + DAY;
  return 1;
}

/** Enum members that make sense where the first declared one does not. */
const ENUM_CHOICES: Record<string, string> = {
  api_version: Stripe.API_VERSION, // the version the SDK pins, not the oldest
  allowed_payment_method_types: 'card',
  payment_method_types: 'card',
  allowed_countries: 'US',
  billing_scheme: 'per_unit',
  tax_exempt: 'none',
  ui_mode: 'hosted_page', // the current API version's name for hosted Checkout
};

function enumFor(name: string, values: readonly (string | number | boolean)[]): string | number | boolean | undefined {
  const wanted = ENUM_CHOICES[name];
  return wanted !== undefined && values.includes(wanted) ? wanted : values[0];
}

/** When a hash has no required member, the one optional member filled, in this order of preference. */
const PREFERRED_MEMBERS = ['metadata', 'enabled', 'price', 'card'];

/** Keys of a free-form hash: currencies where Stripe expects currencies, else a plain key. */
function freeFormKey(name: string): string {
  return name === 'currency_options' ? 'eur' : 'probe';
}

const isEmpty = (v: unknown) =>
  v === undefined || (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === 'object' && Object.keys(v as object).length === 0);

/** A value of `shape` for a parameter or hash member named `name`; undefined when none can be derived. */
export function deriveValue(shape: Shape, name: string, ctx: ValueContext): unknown {
  switch (shape.kind) {
    case 'string':
      return stringFor(name, ctx);
    case 'number':
      return numberFor(name, ctx);
    case 'boolean':
      return true;
    case 'decimal':
      return '1.5';
    case 'enum':
      return enumFor(name, shape.values);
    case 'array': {
      // An element takes the array's name: `preferred_locales` → ['en'], `products` → [a product id].
      const element = deriveValue(shape.element, name, ctx);
      return element === undefined ? undefined : [element];
    }
    case 'object':
      return fillHash(shape.members, shape.freeForm, name, ctx);
    case 'union': {
      // A plain value before an enum (`trial_end` is a timestamp rather than 'now'), and a string
      // before a number (metadata values are strings; numbers are only converted).
      const order: Shape['kind'][] = ['boolean', 'string', 'number', 'decimal', 'object', 'array', 'enum'];
      const options = [...shape.options].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
      for (const option of options) {
        const value = deriveValue(option, name, ctx);
        if (!isEmpty(value)) return value;
      }
      return undefined;
    }
    case 'opaque':
      return undefined;
  }
}

function fillHash(members: Member[], freeForm: Shape | undefined, name: string, ctx: ValueContext): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const m of members.filter((x) => x.required)) {
    const value = deriveValue(m.shape, m.name, ctx);
    if (value === undefined) return undefined;
    out[m.name] = value;
  }
  if (Object.keys(out).length > 0) return out;
  if (freeForm) {
    const value = deriveValue(freeForm, freeForm.kind === 'object' ? name : 'probe', ctx);
    if (value !== undefined) return { [freeFormKey(name)]: value };
  }
  // An empty hash would not be sent at all (form encoding drops it), so one optional member is filled.
  const rank = (m: Member) => {
    const preferred = PREFERRED_MEMBERS.indexOf(m.name);
    if (preferred >= 0) return preferred;
    const scalar = m.shape.kind !== 'object' && m.shape.kind !== 'array' && m.shape.kind !== 'union';
    return PREFERRED_MEMBERS.length + (scalar ? 0 : 1);
  };
  const candidates = members.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i);
  for (const { m } of candidates) {
    const value = deriveValue(m.shape, m.name, ctx);
    if (!isEmpty(value)) return { [m.name]: value };
  }
  return undefined;
}
