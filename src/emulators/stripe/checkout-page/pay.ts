/**
 * What submitting the hosted Checkout page does, on the server: validate the form again (the
 * browser decides nothing), then pay with the billing engine (or, in `setup` mode, save the
 * card with the session's SetupIntent). Node runs each confirmation to the
 * end before the next, so two tabs or a double click cannot pay twice: the second sees the
 * session complete.
 */
import { z } from 'zod';
import { cardBrand, cardLengthValid, cvcLength, luhnValid, TEST_CARDS } from '../cards.ts';
import { createSubscription } from '../subscriptions.ts';
import { StripeApiError } from '../errors.ts';
import type { Emulator } from '../context.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import { US_STATES } from './render.ts';
import { METHOD_LABELS, type PageLayout, shownLayout } from './variants.ts';
import { applyDiscount, redeemSessionDiscount, resolveTypedCode, sessionDiscount } from '../resources/checkout-discounts.ts';
import { formatAmount } from '../money.ts';
import { confirmCheckoutSetupIntent, confirmSessionSetup, newSessionSetupIntent } from '../resources/checkout-setup.ts';

export const confirmBody = z.strictObject({
  email: z.string().max(512).default(''),
  cardNumber: z.string().max(40).default(''),
  cardExpiry: z.string().max(20).default(''),
  cardCvc: z.string().max(10).default(''),
  billingName: z.string().max(256).default(''),
  billingCountry: z.string().max(2).default('US'),
  billingPostalCode: z.string().max(20).default(''),
  billingAddressLine1: z.string().max(200).default(''),
  billingAddressLine2: z.string().max(200).default(''),
  billingLocality: z.string().max(200).default(''),
  billingAdministrativeArea: z.string().max(60).default(''),
  /** The accordion's selected item (`card` when the page has no accordion). */
  paymentMethod: z.string().max(40).default('card'),
  /** Link's opt-in, and the phone number it asks for once checked. */
  enableStripePass: z.boolean().default(false),
  phoneNumber: z.string().max(40).default(''),
  /** The session's `custom_fields`, by key. */
  customFields: z.record(z.string().max(200), z.string().max(255)).default({}),
  threeDS: z.enum(['authenticated', 'failed']).optional(),
});
export type ConfirmBody = z.output<typeof confirmBody>;

export type ConfirmResult =
  | { status: 'complete'; redirect: string }
  | { status: 'requires_action'; challengeUrl: string }
  | { status: 'invalid'; errors: Record<string, string> }
  | { status: 'card_error'; message: string; code: string; decline_code?: string; field?: string }
  | { status: 'expired'; message: string };

/** Checkout's own wording for declines where it differs from the API's message. */
const PAGE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card has been declined.',
  lost_card: 'Your card has been declined.',
  stolen_card: 'Your card has been declined.',
};

/** Per-session payment state the page needs between attempts (kept in the store). */
interface Pending {
  customer?: string;
  subscription?: string;
  payment_intent?: string;
  /** The setup intent that checks the card of a subscription that starts with a trial. */
  setup_intent?: string;
  payment_method?: string;
}

const STATES = new Set(US_STATES.map(([code]) => code));

/** What the session's own parameters add to the form: its phone number and custom fields. */
export interface SessionFields {
  phone: boolean;
  customFields: StripeObject[];
}

export function sessionFields(session: StripeObject): SessionFields {
  return { phone: Boolean(session.phone_number_collection?.enabled), customFields: session.custom_fields ?? [] };
}

/** The DOM id of a custom field's input. */
export const customFieldId = (key: string): string => `customField-${key}`;

/** A custom field's message, as the page shows it, or null when the value will do. */
export function customFieldError(field: StripeObject, value: string): string | null {
  const v = value.trim();
  if (!v) return field.optional ? null : 'Required';
  if (field.type === 'dropdown') return field.dropdown.options.some((o: StripeObject) => o.value === v) ? null : 'Select an option.';
  if (field.type === 'numeric' && !/^\d+$/.test(v)) return 'Enter numbers only.';
  const limits = field[field.type];
  if (limits?.minimum_length !== null && limits?.minimum_length !== undefined && v.length < limits.minimum_length)
    return `Enter at least ${limits.minimum_length} characters.`;
  if (limits?.maximum_length !== null && limits?.maximum_length !== undefined && v.length > limits.maximum_length)
    return `Enter at most ${limits.maximum_length} characters.`;
  return null;
}

/** The page's own checks, again on the server, for the fields the page showed (`layout`). */
export function fieldErrors(
  b: ConfirmBody,
  emailLocked: boolean,
  now: number,
  layout: PageLayout,
  extra: SessionFields = { phone: false, customFields: [] },
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!emailLocked) {
    if (!b.email.trim()) errors.email = 'Your email is incomplete.';
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(b.email.trim())) errors.email = 'Your email address is invalid.';
  }
  for (const field of extra.customFields) {
    const message = customFieldError(field, b.customFields[field.key] ?? '');
    if (message) errors[customFieldId(field.key)] = message;
  }
  if (extra.phone || (layout.link && b.enableStripePass)) {
    const phone = b.phoneNumber.replace(/\D/g, '');
    if (!phone) errors.phoneNumber = 'Required';
    else if (phone.length < 10) errors.phoneNumber = 'Your phone number is incomplete.';
  }
  if (layout.methods && b.paymentMethod !== 'card') {
    const label = Object.hasOwn(METHOD_LABELS, b.paymentMethod) ? METHOD_LABELS[b.paymentMethod as keyof typeof METHOD_LABELS] : null;
    // The card's fields were never shown: only the choice of method is wrong.
    errors.paymentMethod = label ? `${label} cannot be paid with on this test page. Choose Card.` : 'Select a payment method.';
    return errors;
  }
  const n = b.cardNumber.replace(/\D/g, '');
  if (n.length < 12 || (cardBrand(n) !== 'unknown' && !cardLengthValid(n) && n.length < 16)) errors.cardNumber = 'Your card number is incomplete.';
  else if (!cardLengthValid(n) || (!luhnValid(n) && !(n in TEST_CARDS))) errors.cardNumber = 'Your card number is invalid.';
  const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2})\s*$/.exec(b.cardExpiry);
  const today = new Date(now * 1000);
  if (!exp) errors.cardExpiry = "Your card's expiration date is incomplete.";
  else {
    const month = Number(exp[1]);
    const year = 2000 + Number(exp[2]);
    if (month < 1 || month > 12) errors.cardExpiry = "Your card's expiration date is invalid.";
    else if (year < today.getUTCFullYear()) errors.cardExpiry = "Your card's expiration year is in the past.";
    else if (year === today.getUTCFullYear() && month < today.getUTCMonth() + 1) errors.cardExpiry = "Your card's expiration date is in the past.";
  }
  if (b.cardCvc.replace(/\D/g, '').length !== cvcLength(n)) errors.cardCvc = "Your card's security code is incomplete.";
  if (!b.billingName.trim()) errors.billingName = 'Your name is incomplete.';
  if (layout.address === 'required') {
    if (!b.billingAddressLine1.trim()) errors.billingAddressLine1 = 'Required';
    if (!b.billingLocality.trim()) errors.billingLocality = 'Required';
    if (b.billingCountry === 'US' && !STATES.has(b.billingAdministrativeArea)) errors.billingAdministrativeArea = 'Required';
  }
  if (['US', 'CA', 'GB'].includes(b.billingCountry)) {
    if (!b.billingPostalCode.trim()) errors.billingPostalCode = b.billingCountry === 'US' ? 'Your ZIP is incomplete.' : 'Your postal code is incomplete.';
    else if (b.billingCountry === 'US' && !/^\d{5}(-\d{4})?$/.test(b.billingPostalCode.trim())) errors.billingPostalCode = 'Your ZIP is invalid.';
  }
  return errors;
}

/** The billing address as Stripe keeps it: every key present, null where nothing was asked or typed. */
function billingAddress(b: ConfirmBody, layout: PageLayout): StripeObject {
  const full = layout.address === 'required';
  const text = (v: string) => (full && v.trim() ? v.trim() : null);
  return {
    city: text(b.billingLocality),
    country: b.billingCountry,
    line1: text(b.billingAddressLine1),
    line2: text(b.billingAddressLine2),
    postal_code: b.billingPostalCode.trim() || null,
    state: full && b.billingCountry === 'US' ? b.billingAdministrativeArea || null : null,
  };
}

function sessionEmail(emu: Emulator, session: StripeObject): string | null {
  if (session.customer) return emu.store.get(session.customer)?.email ?? null;
  return session.customer_email ?? null;
}

export function lockedEmail(emu: Emulator, session: StripeObject): string | null {
  return session.customer || session.customer_email ? (sessionEmail(emu, session) ?? '') : null;
}

function cardErrorResult(err: StripeApiError): ConfirmResult {
  const f = err.fields;
  const message = (f.decline_code && PAGE_MESSAGES[f.decline_code]) || f.message;
  const field = f.code === 'incorrect_number' ? 'cardNumber' : f.code === 'incorrect_cvc' ? 'cardCvc' : f.code === 'expired_card' ? 'cardExpiry' : undefined;
  return { status: 'card_error', message, code: f.code ?? 'card_declined', decline_code: f.decline_code, field };
}

function successUrl(emu: Emulator, session: StripeObject): string {
  return session.success_url ?? `${emu.baseUrl()}/c/pay/${session.id}`;
}

export interface ConfirmOptions {
  /** Every card entered is declined by its issuer (the page's `decline` fault). */
  issuerDeclines?: boolean;
}

export function confirmCheckout(
  emu: Emulator,
  session: StripeObject,
  body: ConfirmBody,
  request: RequestInfo,
  confirmOptions: ConfirmOptions = {},
): ConfirmResult {
  const { store, billing } = emu;
  if (session.status === 'complete') return { status: 'complete', redirect: successUrl(emu, session) };
  if (session.status === 'expired') return { status: 'expired', message: 'This Checkout Session has expired.' };
  const options = store.sessionOptions.get(session.id) ?? {};
  const pending: Pending = (options.pending ??= {});

  let pm: StripeObject;
  if (body.threeDS) {
    // The answer to a challenge continues the attempt that asked for it.
    const stored = pending.payment_method ? store.get(pending.payment_method) : undefined;
    // A setup session's setup intent, a trial's (which checks the card), or the payment's.
    const intentId = session.mode === 'setup' ? session.setup_intent : (pending.setup_intent ?? pending.payment_intent);
    const intent = intentId ? store.get(intentId) : undefined;
    if (!stored || intent?.status !== 'requires_action') {
      return { status: 'card_error', code: 'payment_intent_unexpected_state', message: 'Your payment could not be completed. Please try again.' };
    }
    pm = stored;
  } else {
    const layout = shownLayout(emu, session);
    const errors = fieldErrors(body, lockedEmail(emu, session) !== null, emu.clock.now(), layout, sessionFields(session));
    if (Object.keys(errors).length) return { status: 'invalid', errors };
    const [mm, yy] = body.cardExpiry.split('/').map((s) => Number(s.trim()));
    const email = lockedEmail(emu, session) || body.email.trim();
    try {
      pm = billing.createCardPaymentMethod(
        { number: body.cardNumber, exp_month: mm!, exp_year: 2000 + yy! },
        { name: body.billingName.trim(), email, country: body.billingCountry, postal_code: body.billingPostalCode.trim() || null },
        { issuerDeclines: confirmOptions.issuerDeclines },
      );
    } catch (err) {
      if (err instanceof StripeApiError && err.status === 402) return cardErrorResult(err);
      throw err;
    }
    pm.billing_details.address = billingAddress(body, layout);
    if (options.payment_method_allow_redisplay) pm.allow_redisplay = options.payment_method_allow_redisplay;
    if (pm.card.checks && pm.billing_details.address.line1) pm.card.checks.address_line1_check = 'pass';
    pending.payment_method = pm.id;
  }

  const customer = ensureCustomer(emu, session, pending, pm, body, request);
  const outcome =
    session.mode === 'subscription'
      ? paySubscription(emu, session, options, pending, customer!, pm, body.threeDS, request)
      : session.mode === 'setup'
        ? confirmSessionSetup(emu, session, customer, pm, body.threeDS, request)
        : payOnce(emu, session, options, pending, customer, pm, body.threeDS, request);

  if (outcome.status === 'requires_action') return { status: 'requires_action', challengeUrl: `/c/3ds/${session.id}` };
  if (outcome.status === 'declined') {
    return cardErrorResult(new StripeApiError(402, { type: 'card_error', ...outcome.decline }));
  }
  if (customer && session.customer === customer.id) saveOnCustomer(emu, customer, pm, options.customer_update, request);
  saveCollected(session, body);
  // A subscription redeems its discount itself (it gets a discount object); a payment here.
  if (session.mode === 'payment') redeemSessionDiscount(emu, session);
  complete(emu, session, pending, pm, customer, request, session.phone_number_collection?.enabled ? e164(body.phoneNumber) : null);
  return { status: 'complete', redirect: successUrl(emu, session) };
}

/** What the buyer typed into the session's own fields: the custom fields' values and the phone number. */
function saveCollected(session: StripeObject, body: ConfirmBody): void {
  for (const field of session.custom_fields ?? []) {
    const value = (body.customFields[field.key] ?? '').trim();
    field[field.type].value = value || null;
  }
}

/** A phone number as Stripe keeps it (E.164): ten digits are taken as a US number. */
function e164(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (!digits) return null;
  return digits.length === 10 ? `+1${digits}` : `+${digits}`;
}

/** The session's customer, or one made from what was entered (always in subscription mode; with customer_creation=always otherwise). */
function ensureCustomer(
  emu: Emulator,
  session: StripeObject,
  pending: Pending,
  pm: StripeObject,
  body: ConfirmBody,
  request: RequestInfo,
): StripeObject | null {
  const id = session.customer ?? pending.customer;
  if (id) return emu.store.get(id) ?? null;
  // Payment and setup sessions make a customer only when asked to (customer_creation=always).
  if (session.mode !== 'subscription' && session.customer_creation !== 'always') return null;
  const customer = emu.billing.createCustomer(
    { email: session.customer_email ?? body.email.trim(), name: pm.billing_details.name, address: pm.billing_details.address },
    request,
  );
  pending.customer = customer.id;
  return customer;
}

/**
 * `customer_update`: Checkout saves the billing address and the name onto an existing customer
 * only where the session says `auto` (the default is `never`); a customer Checkout creates gets
 * them anyway.
 */
function saveOnCustomer(
  emu: Emulator,
  customer: StripeObject,
  pm: StripeObject,
  update: { address?: string; name?: string } | undefined,
  request: RequestInfo,
): void {
  const before = structuredClone(customer);
  if (update?.address === 'auto') customer.address = structuredClone(pm.billing_details.address);
  if (update?.name === 'auto' && pm.billing_details.name) customer.name = pm.billing_details.name;
  if (JSON.stringify(before) !== JSON.stringify(customer)) emu.events.emit('customer.updated', customer, request, before);
}

function paySubscription(
  emu: Emulator,
  session: StripeObject,
  options: StripeObject,
  pending: Pending,
  customer: StripeObject,
  pm: StripeObject,
  threeDS: 'authenticated' | 'failed' | undefined,
  request: RequestInfo,
) {
  const { billing, store } = emu;
  // Stripe attaches the card before charging; a card the issuer refuses outright is not attached.
  if (pm.customer !== customer.id && billing.behaviourOf(pm).kind !== 'declines') billing.attach(pm, customer, request);
  const existing = pending.subscription ? store.get(pending.subscription) : undefined;
  if (existing) {
    const invoice = store.get(existing.latest_invoice)!;
    return billing.payInvoice(invoice, pm, request, threeDS);
  }
  const items = (store.sessionItems.get(session.id) ?? []).map((li) => ({ price: store.get(li.price.id) ?? li.price, quantity: li.quantity }));
  const subscription = {
    customer,
    items,
    metadata: options.subscription_metadata ?? {},
    description: options.subscription_description ?? null,
    discounts: discountFor(emu, session),
    paymentMethod: pm,
    setDefaultPaymentMethod: true,
  };
  const trialEnd = trialEndOf(options.subscription_data, emu.clock.now());
  if (trialEnd !== null) {
    // A trial charges nothing now: Checkout checks the card with a setup intent (a card that
    // asks for 3D Secure is challenged, as a setup is) and the subscription starts trialing with
    // it as its card; its first invoice (0) is paid at once.
    let si = pending.setup_intent ? store.get(pending.setup_intent) : undefined;
    if (!si) {
      si = store.insert(newSessionSetupIntent(emu, session.id, customer.id, undefined));
      emu.events.emit('setup_intent.created', si, request);
      pending.setup_intent = si.id;
    }
    const check = confirmCheckoutSetupIntent(emu, si, customer, pm, threeDS, request);
    if (check.status !== 'succeeded') return check;
    pending.subscription = createSubscription(emu, { ...subscription, trialEnd }, request).subscription.id;
    return { status: 'succeeded' } as const;
  }
  const result = billing.createSubscription({ ...subscription, threeDS }, request);
  pending.subscription = result.subscription.id;
  pending.payment_intent = result.paymentIntent.id;
  return result.outcome!;
}

/** When the session's trial ends (`trial_end`, or now plus `trial_period_days`), or null without one. */
function trialEndOf(data: StripeObject | null | undefined, now: number): number | null {
  if (data?.trial_end) return data.trial_end as number;
  if (data?.trial_period_days) return now + (data.trial_period_days as number) * 86_400;
  return null;
}

/** The session's coupon (or promotion code) for the subscription it creates. */
function discountFor(emu: Emulator, session: StripeObject) {
  const d = sessionDiscount(emu, session);
  return d ? [{ coupon: d.coupon as unknown as StripeObject, promotionCode: d.promotionCode as unknown as StripeObject | null }] : [];
}

function payOnce(
  emu: Emulator,
  session: StripeObject,
  options: StripeObject,
  pending: Pending,
  customer: StripeObject | null,
  pm: StripeObject,
  threeDS: 'authenticated' | 'failed' | undefined,
  request: RequestInfo,
) {
  const { billing, store } = emu;
  let pi = pending.payment_intent ? store.get(pending.payment_intent) : undefined;
  if (!pi) {
    pi = billing.createPaymentIntent(
      {
        amount: session.amount_total,
        currency: session.currency,
        customer: customer?.id ?? null,
        description: options.payment_intent_description ?? null,
        metadata: options.payment_intent_metadata ?? {},
      },
      request,
    );
    pending.payment_intent = pi.id;
  }
  return billing.confirm(pi, pm, request, threeDS);
}

function complete(
  emu: Emulator,
  session: StripeObject,
  pending: Pending,
  pm: StripeObject,
  customer: StripeObject | null,
  request: RequestInfo,
  phone: string | null,
): void {
  Object.assign(session, {
    status: 'complete',
    // A setup session charged nothing.
    payment_status: session.mode === 'setup' ? 'no_payment_required' : 'paid',
    customer: customer?.id ?? null,
    subscription: session.mode === 'subscription' ? (pending.subscription ?? null) : null,
    payment_intent: session.mode === 'payment' ? (pending.payment_intent ?? null) : null,
    invoice: session.mode === 'subscription' ? (emu.store.get(pending.subscription!)?.latest_invoice ?? null) : null,
    url: null,
  });
  session.customer_details = {
    address: { ...pm.billing_details.address },
    business_name: null,
    email: pm.billing_details.email,
    individual_name: null,
    name: pm.billing_details.name,
    phone,
    tax_exempt: 'none',
    tax_ids: [],
  };
  emu.events.emit('checkout.session.completed', session, request);
}

export type PromotionCodeResult =
  | { status: 'applied'; code: string; discount: string; total: string; subtotal: string }
  | { status: 'invalid'; message: string }
  | { status: 'expired'; message: string };

/**
 * A promotion code typed on the page of a session with `allow_promotion_codes`: applied to the
 * session (its `discounts` and amounts change, as on Stripe before payment), or the message the
 * page shows. A second code replaces the first.
 */
export function applyPromotionCode(emu: Emulator, session: StripeObject, code: string): PromotionCodeResult {
  if (session.status !== 'open') return { status: 'expired', message: 'This Checkout Session is no longer active.' };
  if (!session.allow_promotion_codes) return { status: 'invalid', message: 'This Checkout Session does not take promotion codes.' };
  const found = resolveTypedCode(emu, session, code);
  if ('error' in found) return { status: 'invalid', message: found.error };
  applyDiscount(emu, session, emu.store.sessionItems.get(session.id) ?? [], found);
  return {
    status: 'applied',
    code: found.promotionCode!.code,
    discount: `-${formatAmount(session.total_details.amount_discount, session.currency)}`,
    total: formatAmount(session.amount_total, session.currency),
    subtotal: formatAmount(session.amount_subtotal, session.currency),
  };
}
