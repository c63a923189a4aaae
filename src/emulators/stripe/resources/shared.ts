/** Lookups and parameter shapes that several resources share. */
import { z } from 'zod';
import { TEST_PAYMENT_METHODS } from '../cards.ts';
import { noSuch, noSuchParam, invalidRequest, type StripeApiError } from '../errors.ts';
import { compileSearchQuery, SearchQueryError, type SearchFields } from '../search.ts';
import { arrayOf, str, int } from '../params.ts';
import type { Engine } from '../engine.ts';
import type { StripeObject } from '../store.ts';

/** The live object with that id and type, or Stripe's 404 for the path id. */
export function mustFind(emu: Pick<Engine, 'store'>, type: string, id: string, label: string): StripeObject {
  const obj = emu.store.find(type, id);
  if (!obj) throw noSuch(label, id);
  return obj;
}

/** The object a parameter refers to, or Stripe's 400 naming the parameter. */
export function mustFindParam(emu: Pick<Engine, 'store'>, type: string, id: string, label: string, param: string): StripeObject {
  const obj = emu.store.find(type, id);
  if (!obj) throw noSuchParam(label, id, param);
  return obj;
}

/** What resolving a test payment method needs of the billing engine (no import of it: no cycle). */
interface CardMaker {
  createCardPaymentMethod(card: { number: string; exp_month: number; exp_year: number }): StripeObject;
}

/**
 * A payment method by id; Stripe's test ids (`pm_card_visa`, …) each make a new card payment
 * method, as they do in test mode.
 */
export function resolvePaymentMethod(emu: Engine & { billing: CardMaker }, id: string, param: string): StripeObject {
  const number = TEST_PAYMENT_METHODS[id];
  if (number) {
    const expYear = new Date(emu.clock.now() * 1000).getUTCFullYear() + 3;
    return emu.billing.createCardPaymentMethod({ number, exp_month: 12, exp_year: expYear });
  }
  return mustFindParam(emu, 'payment_method', id, 'PaymentMethod', param);
}

/** An address hash (`line1`, `city`, …), each field optional. */
export const addressObject = () =>
  z.strictObject({
    line1: str(200).optional(),
    line2: str(200).optional(),
    city: str(200).optional(),
    state: str(200).optional(),
    postal_code: str(20).optional(),
    country: str(2).optional(),
  });

/** An address, or `''` to clear it. */
export const addressParam = () => z.union([z.literal(''), addressObject()]);

export function toAddress(a: Record<string, string | undefined> | '' | undefined, current: StripeObject | null): StripeObject | null {
  if (a === undefined) return current;
  if (a === '') return null;
  const base = current ?? { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
  const next = { ...base };
  for (const [k, v] of Object.entries(a)) next[k] = v === '' ? null : v;
  return next;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function checkEmail(email: string | undefined, param = 'email'): void {
  if (email && !EMAIL.test(email)) throw invalidRequest(`Invalid email address: ${email}`, param, 'email_invalid');
}

export const searchParams = {
  query: z.string({ error: (iss) => (iss.input === undefined ? undefined : 'Invalid string') }),
  limit: int(1, 100).optional(),
  page: str().optional(),
};

export function compileQuery(query: string, fields: SearchFields): (o: StripeObject) => boolean {
  try {
    return compileSearchQuery(query, fields);
  } catch (err) {
    if (err instanceof SearchQueryError) throw invalidRequest(err.message, 'query');
    throw err;
  }
}

/**
 * Without `allowed_payment_method_types`, a payment or setup intent takes the payment methods
 * enabled in the Dashboard (the default since API version 2023-08-16), redirects allowed unless
 * told otherwise.
 */
export function automaticFor(fields: {
  allowed_payment_method_types?: string[] | null;
  automatic_payment_methods?: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null;
}): StripeObject | null {
  if (fields.allowed_payment_method_types !== null) return fields.automatic_payment_methods ?? null;
  return { allow_redirects: fields.automatic_payment_methods?.allow_redirects ?? 'always', enabled: fields.automatic_payment_methods?.enabled ?? true };
}

/**
 * `allowed_payment_method_types`, which replaced `payment_method_types` in requests at this API
 * version. The emulator takes cards only, so a list must include `card`.
 */
export const allowedTypesParam = () => arrayOf(str(100), 50);

export function checkAllowedTypes(list: string[] | undefined, param = 'allowed_payment_method_types'): void {
  if (list !== undefined && !list.includes('card')) {
    throw invalidRequest(`The emulator takes card payments only: \`${param}\` must include \`card\` (got ${list.join(', ') || 'none'}).`, param);
  }
}

/** `excluded_payment_method_types`: the emulator takes cards only, so cards cannot be excluded. */
export function checkExcludedTypes(list: string[] | undefined, param = 'excluded_payment_method_types'): void {
  if (list?.includes('card')) throw invalidRequest(`The emulator takes card payments only: \`${param}\` cannot exclude \`card\`.`, param);
}

/** Dashboard payment methods may redirect, so confirming needs somewhere to come back to. */
export function checkReturnUrl(intent: StripeObject, returnUrl: string | undefined, kind: 'PaymentIntent' | 'SetupIntent'): void {
  const apm = intent.automatic_payment_methods;
  if (!apm?.enabled || apm.allow_redirects === 'never' || intent.allowed_payment_method_types || returnUrl) return;
  throw invalidRequest(
    `This ${kind} is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a \`return_url\`. If you don't want to accept redirect-based payment methods, set \`automatic_payment_methods[enabled]\` to \`true\` and \`automatic_payment_methods[allow_redirects]\` to \`never\` when creating Setup Intents and Payment Intents.`,
  );
}

/** A payment method saved to a customer can only be used (paid or set up) with that customer. */
export function checkPaymentMethodOwner(pm: StripeObject, customer: string | null, intent: 'PaymentIntent' | 'SetupIntent'): void {
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest(
      `The \`payment_method\` parameter supplied ${pm.id} belongs to the Customer ${pm.customer}. Please include the Customer in the \`customer\` parameter on the ${intent}.`,
      'payment_method',
    );
  }
}

/** `customer_account` names an Accounts v2 customer; the emulator has none (a list filter by it just matches nothing). */
export function customerAccountUnsupported(account: string): StripeApiError {
  return invalidRequest(
    `customer_account names an Accounts v2 customer ('${account}'), and the emulator has none (Accounts v2 is not supported): pass customer (a cus_ id) instead.`,
    'customer_account',
  );
}
