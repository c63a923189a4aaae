/**
 * What the hosted Checkout page shows, which varies on real Checkout with the session and the
 * account's Dashboard settings: the payment-method accordion (several methods on offer), Link's
 * opt-in, and the full billing address. The account-wide variant (`/_emulator/checkout-page`)
 * stands for the Dashboard: its payment methods (dynamic payment methods: the card, Cash App Pay
 * and US bank account make the accordion; Link its opt-in) and, emulator-only, an address asked of
 * every session. A session filters the methods with Stripe's own `allowed_payment_method_types` /
 * `excluded_payment_method_types` and asks for the address with `billing_address_collection`.
 * What a session's page shows is fixed when the session is created.
 */
import { z } from 'zod';
import type { Emulator } from '../context.ts';
import type { StripeObject } from '../store.ts';
import { mulberry32 } from '../random.ts';

/** The account-wide variant, as the control API takes and answers it. Keys left out are off. */
export const checkoutPageVariantSchema = z.strictObject({
  /** Several payment methods: the card is an accordion item to open before its fields exist. */
  accordion: z.boolean().default(false),
  /** Link's "Save my information for faster checkout" opt-in (`#enableStripePass`). */
  link: z.boolean().default(false),
  /** `required` asks every session for the full billing address, as `billing_address_collection=required` does. */
  billing_address: z.enum(['auto', 'required']).default('auto'),
});
export type CheckoutPageVariant = z.output<typeof checkoutPageVariantSchema>;

export const DEFAULT_VARIANT: CheckoutPageVariant = Object.freeze({ accordion: false, link: false, billing_address: 'auto' });

/** Every combination, for tests and for a run that wants to cover them all. */
export const ALL_VARIANTS: readonly CheckoutPageVariant[] = [false, true].flatMap((accordion) =>
  [false, true].flatMap((link) => (['auto', 'required'] as const).map((billing_address) => ({ accordion, link, billing_address }))),
);

/**
 * A variant picked by `seed` (the same seed, the same variant), so a run can meet a different
 * page each time and still be replayed: `POST /_emulator/checkout-page {"random": seed}`.
 */
export function randomVariant(seed: number | string): CheckoutPageVariant {
  const next = mulberry32(typeof seed === 'number' ? seed >>> 0 : hashString(seed));
  return { accordion: next() < 0.5, link: next() < 0.5, billing_address: next() < 0.5 ? 'required' : 'auto' };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The accordion's items, as the page names them: the methods the account's Dashboard turns on. */
export const METHOD_LABELS = {
  card: 'Card',
  cashapp: 'Cash App Pay',
  us_bank_account: 'US bank account',
} as const;
export type AccordionMethod = keyof typeof METHOD_LABELS;

/** The account's payment methods (dynamic payment methods), as the variant turns them on. */
export function dashboardMethods(variant: CheckoutPageVariant): string[] {
  return ['card', ...(variant.accordion ? ['cashapp', 'us_bank_account'] : []), ...(variant.link ? ['link'] : [])];
}

/** What one session's page shows, resolved from the session and the account-wide variant. */
export interface PageLayout {
  /** The accordion's items in order (the card first), or null when the card fields show at once. */
  methods: AccordionMethod[] | null;
  /** Link's opt-in is shown. */
  link: boolean;
  /** `required`: line 1, city, state (US), postal code and country; `auto`: country and postal code. */
  address: 'auto' | 'required';
}

/** The page of a session with these `payment_method_types`: more than one method besides Link makes the accordion. */
export function layoutFor(session: StripeObject, account: CheckoutPageVariant): PageLayout {
  const types: string[] = session.payment_method_types ?? ['card'];
  const offered = types.filter((t): t is AccordionMethod => Object.hasOwn(METHOD_LABELS, t));
  return {
    methods: offered.length > 1 ? ['card', ...offered.filter((t) => t !== 'card')] : null,
    link: types.includes('link'),
    address: account.billing_address === 'required' || session.billing_address_collection === 'required' ? 'required' : 'auto',
  };
}

/**
 * The account-wide variant of each running emulator. Kept beside the emulator rather than in its
 * store, like the injected faults: it is the emulator's setting, not Stripe state, and is not
 * written to `--data-file`; `/_emulator/reset` puts it back to the default.
 */
const accountVariants = new WeakMap<Emulator, CheckoutPageVariant>();

export function accountVariant(emu: Emulator): CheckoutPageVariant {
  return accountVariants.get(emu) ?? DEFAULT_VARIANT;
}

export function setAccountVariant(emu: Emulator, variant: CheckoutPageVariant): CheckoutPageVariant {
  const frozen = Object.freeze({ ...variant });
  accountVariants.set(emu, frozen);
  return frozen;
}

export function resetAccountVariant(emu: Emulator): void {
  accountVariants.delete(emu);
}

/** The layout fixed when the session was created (one from an older data file: the default variant's). */
export function shownLayout(emu: Emulator, session: StripeObject): PageLayout {
  return (emu.store.sessionOptions.get(session.id)?.page_layout as PageLayout | undefined) ?? layoutFor(session, DEFAULT_VARIANT);
}
