/**
 * `canary run --checkout-variant` (CANARY_CHECKOUT_VARIANT): which hosted Checkout page the
 * embedded Stripe emulator shows for a run — `random` (a seed taken from the run, printed so the
 * run can be repeated), a seed (a whole number: the same seed, the same page), or a variant by
 * name: `plain`, or its parts joined by `+` (`accordion`, `link`, `billing-address`, e.g.
 * `accordion+link`). The emulator's control API (`POST /_emulator/checkout-page`) applies it;
 * the harness only names what to ask for.
 */
import { z } from 'zod';

/** The hosted page's options, as the emulator's control API takes and answers them. */
export interface CheckoutPageOptions {
  /** Several payment methods: the card is an accordion item to open first. */
  accordion: boolean;
  /** Link's "Save my information for faster checkout" opt-in. */
  link: boolean;
  /** `required`: the full billing address is asked for. */
  billing_address: 'auto' | 'required';
}

/** A name's parts, in the order a name is written, and what each turns on. */
const PARTS = {
  accordion: (o: CheckoutPageOptions) => o.accordion,
  link: (o: CheckoutPageOptions) => o.link,
  'billing-address': (o: CheckoutPageOptions) => o.billing_address === 'required',
} as const;
type Part = keyof typeof PARTS;
const PART_NAMES = Object.keys(PARTS) as Part[];
const PLAIN = 'plain';

/** The largest seed: the emulator picks from a 32-bit seed. */
const MAX_SEED = 0xffff_ffff;

export type CheckoutVariantRequest = { kind: 'random' } | { kind: 'seed'; seed: number } | { kind: 'name'; name: string; options: CheckoutPageOptions };

/** A variant's name: `plain`, or its parts joined by `+` in a fixed order (`accordion+link+billing-address`). */
export function checkoutVariantName(options: CheckoutPageOptions): string {
  return PART_NAMES.filter((p) => PARTS[p](options)).join('+') || PLAIN;
}

/** Every variant's name, plain first. */
export const CHECKOUT_VARIANT_NAMES: readonly string[] = [false, true]
  .flatMap((accordion) => [false, true].flatMap((link) => (['auto', 'required'] as const).map((billing_address) => ({ accordion, link, billing_address }))))
  .map(checkoutVariantName)
  .sort((a, b) => (a === PLAIN ? -1 : b === PLAIN ? 1 : a.split('+').length - b.split('+').length || a.localeCompare(b)));

const EXPECTED = `must be random, a seed (a whole number up to ${MAX_SEED}) or a variant's name: ${PLAIN}, or ${PART_NAMES.join(', ')} joined by + (e.g. accordion+link)`;

/** The value of the flag or the variable, checked; throws an Error saying what it must be. */
export function parseCheckoutVariant(raw: string): CheckoutVariantRequest {
  const value = raw.trim().toLowerCase();
  if (value === 'random') return { kind: 'random' };
  if (/^\d+$/.test(value)) {
    const seed = Number(value);
    if (seed > MAX_SEED) throw new Error(EXPECTED);
    return { kind: 'seed', seed };
  }
  if (value === PLAIN) return { kind: 'name', name: PLAIN, options: { accordion: false, link: false, billing_address: 'auto' } };
  const parts = value.split('+');
  if (parts.some((p) => !(PART_NAMES as string[]).includes(p)) || new Set(parts).size !== parts.length) throw new Error(EXPECTED);
  const options: CheckoutPageOptions = {
    accordion: parts.includes('accordion'),
    link: parts.includes('link'),
    billing_address: parts.includes('billing-address') ? 'required' : 'auto',
  };
  return { kind: 'name', name: checkoutVariantName(options), options };
}

/** The variable's schema: unset, or a value `parseCheckoutVariant` takes. */
export const checkoutVariantSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined) return undefined;
    try {
      return parseCheckoutVariant(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
