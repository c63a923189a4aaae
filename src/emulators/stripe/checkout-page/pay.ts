/**
 * What submitting the hosted Checkout page does, on the server: validate the form again (the
 * browser decides nothing), then pay with the billing engine. Node runs each confirmation to the
 * end before the next, so two tabs or a double click cannot pay twice: the second sees the
 * session complete.
 */
import { z } from 'zod';
import { cardBrand, cardLengthValid, cvcLength, luhnValid, TEST_CARDS } from '../cards.ts';
import { StripeApiError } from '../errors.ts';
import type { Emulator } from '../context.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';

export const confirmBody = z.strictObject({
  email: z.string().max(512).default(''),
  cardNumber: z.string().max(40).default(''),
  cardExpiry: z.string().max(20).default(''),
  cardCvc: z.string().max(10).default(''),
  billingName: z.string().max(256).default(''),
  billingCountry: z.string().max(2).default('US'),
  billingPostalCode: z.string().max(20).default(''),
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
  payment_method?: string;
}

export function fieldErrors(b: ConfirmBody, emailLocked: boolean, now: number): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!emailLocked) {
    if (!b.email.trim()) errors.email = 'Your email is incomplete.';
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(b.email.trim())) errors.email = 'Your email address is invalid.';
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
  if (['US', 'CA', 'GB'].includes(b.billingCountry)) {
    if (!b.billingPostalCode.trim()) errors.billingPostalCode = b.billingCountry === 'US' ? 'Your ZIP is incomplete.' : 'Your postal code is incomplete.';
    else if (b.billingCountry === 'US' && !/^\d{5}(-\d{4})?$/.test(b.billingPostalCode.trim())) errors.billingPostalCode = 'Your ZIP is invalid.';
  }
  return errors;
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
    const pi = pending.payment_intent ? store.get(pending.payment_intent) : undefined;
    if (!stored || pi?.status !== 'requires_action') {
      return { status: 'card_error', code: 'payment_intent_unexpected_state', message: 'Your payment could not be completed. Please try again.' };
    }
    pm = stored;
  } else {
    const errors = fieldErrors(body, lockedEmail(emu, session) !== null, emu.clock.now());
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
    pending.payment_method = pm.id;
  }

  const customer = ensureCustomer(emu, session, pending, pm, body, request);
  const outcome =
    session.mode === 'subscription'
      ? paySubscription(emu, session, options, pending, customer!, pm, body.threeDS, request)
      : payOnce(emu, session, options, pending, customer, pm, body.threeDS, request);

  if (outcome.status === 'requires_action') return { status: 'requires_action', challengeUrl: `/c/3ds/${session.id}` };
  if (outcome.status === 'declined') {
    return cardErrorResult(new StripeApiError(402, { type: 'card_error', ...outcome.decline }));
  }
  complete(emu, session, pending, pm, customer, request);
  return { status: 'complete', redirect: successUrl(emu, session) };
}

/** The session's customer, or one made from what was entered (always in subscription mode). */
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
  if (session.mode === 'payment' && session.customer_creation !== 'always') return null;
  const customer = emu.billing.createCustomer(
    { email: session.customer_email ?? body.email.trim(), name: pm.billing_details.name, address: pm.billing_details.address },
    request,
  );
  pending.customer = customer.id;
  return customer;
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
  const result = billing.createSubscription(
    {
      customer,
      items,
      metadata: options.subscription_metadata ?? {},
      description: options.subscription_description ?? null,
      paymentMethod: pm,
      setDefaultPaymentMethod: true,
      threeDS,
    },
    request,
  );
  pending.subscription = result.subscription.id;
  pending.payment_intent = result.paymentIntent.id;
  return result.outcome!;
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

function complete(emu: Emulator, session: StripeObject, pending: Pending, pm: StripeObject, customer: StripeObject | null, request: RequestInfo): void {
  Object.assign(session, {
    status: 'complete',
    payment_status: 'paid',
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
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  emu.events.emit('checkout.session.completed', session, request);
}
