/** Lookups and parameter shapes that several resources share. */
import { z } from 'zod';
import { TEST_PAYMENT_METHODS } from '../cards.ts';
import { noSuch, noSuchParam, invalidRequest } from '../errors.ts';
import { compileSearchQuery, SearchQueryError, type SearchFields } from '../search.ts';
import { str, int } from '../params.ts';
import type { Emulator } from '../context.ts';
import type { StripeObject } from '../store.ts';

/** The live object with that id and type, or Stripe's 404 for the path id. */
export function mustFind(emu: Emulator, type: string, id: string, label: string): StripeObject {
  const obj = emu.store.find(type, id);
  if (!obj) throw noSuch(label, id);
  return obj;
}

/** The object a parameter refers to, or Stripe's 400 naming the parameter. */
export function mustFindParam(emu: Emulator, type: string, id: string, label: string, param: string): StripeObject {
  const obj = emu.store.find(type, id);
  if (!obj) throw noSuchParam(label, id, param);
  return obj;
}

/**
 * A payment method by id; Stripe's test ids (`pm_card_visa`, …) each make a new card payment
 * method, as they do in test mode.
 */
export function resolvePaymentMethod(emu: Emulator, id: string, param: string): StripeObject {
  const number = TEST_PAYMENT_METHODS[id];
  if (number) {
    const expYear = new Date(emu.clock.now() * 1000).getUTCFullYear() + 3;
    return emu.billing.createCardPaymentMethod({ number, exp_month: 12, exp_year: expYear });
  }
  return mustFindParam(emu, 'payment_method', id, 'PaymentMethod', param);
}

export const addressParam = () =>
  z.union([
    z.literal(''),
    z.strictObject({
      line1: str(200).optional(),
      line2: str(200).optional(),
      city: str(200).optional(),
      state: str(200).optional(),
      postal_code: str(20).optional(),
      country: str(2).optional(),
    }),
  ]);

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
