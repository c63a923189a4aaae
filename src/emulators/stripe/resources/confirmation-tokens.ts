/**
 * Confirmation tokens (`ctoken_…`): what Stripe.js collects on the client (a payment method,
 * shipping, a return URL), handed to the server to confirm a payment or setup intent with
 * `confirmation_token`. Stripe.js makes them against Stripe itself; here the test helper
 * (POST /v1/test_helpers/confirmation_tokens) makes them, as in Stripe's test mode. A token
 * confirms one intent, within 12 hours; the intent's request wins over what the token holds.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuchParam } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { int, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { checkPaymentMethodData, paymentMethodDataParam, paymentMethodFromData } from './intent-params.ts';
import { addressObject, mustFind, resolvePaymentMethod, toAddress } from './shared.ts';

/**
 * The SDK's token, but without `metadata`: the emulator's token, like Stripe's example object, has
 * none, though stripe-node 23 types it (`Metadata | null`) on every token. And `expires_at` is never
 * null: every token here expires 12 hours after it was made.
 */
export type ConfirmationToken = Omit<Stripe.ConfirmationToken, 'metadata' | 'expires_at'> & { expires_at: number };

/** How long a token can be used: Stripe's example object expires 12 hours after it was made. */
const LIFETIME_SECONDS = 12 * 60 * 60;

const emptyable = (max: number) => z.union([z.literal(''), str(max)]);

const shippingParam = () =>
  z.strictObject({
    address: addressObject(),
    name: str(),
    phone: emptyable(5000).optional(),
  });

const paymentMethodOptionsParam = () =>
  z.strictObject({
    card: z
      .strictObject({
        installments: z
          .strictObject({
            plan: z.strictObject({ count: int(1).optional(), interval: oneOf(['month']).optional(), type: oneOf(['bonus', 'fixed_count', 'revolving']) }),
          })
          .optional(),
      })
      .optional(),
  });

type Shipping = z.output<ReturnType<typeof shippingParam>>;

function toShipping(s: Shipping): Stripe.ConfirmationToken.Shipping {
  return {
    // A given address (not '') is never null; toAddress answers a plain record.
    address: toAddress(s.address, null) as Stripe.Address,
    name: s.name,
    phone: s.phone || null,
  };
}

/** What the token shows of its payment method: the card's details without the object itself. */
function preview(pm: StripeObject): Stripe.ConfirmationToken.PaymentMethodPreview {
  return {
    allow_redisplay: pm.allow_redisplay ?? 'unspecified',
    billing_details: structuredClone(pm.billing_details),
    card: structuredClone(pm.card),
    customer: pm.customer ?? null,
    customer_account: null,
    type: pm.type,
  };
}

/** The payment method behind a token, kept out of the object (Stripe shows only its preview). The intents hold the token untyped. */
export function tokenPaymentMethod(emu: Pick<Emulator, 'store'>, token: StripeObject): string | undefined {
  return emu.store.extras.get(token.id)?.payment_method;
}

/**
 * The token `confirmation_token` names, if it can still confirm an intent: it exists (else
 * Stripe's "No such confirmationtoken"), has not expired, and has not confirmed an intent yet.
 */
export function usableConfirmationToken(emu: Pick<Emulator, 'store' | 'clock'>, id: string): ConfirmationToken {
  // The store keeps plain records: the type is asserted at this boundary only.
  const token = emu.store.find('confirmation_token', id) as ConfirmationToken | undefined;
  if (!token) throw noSuchParam('confirmationtoken', id, 'confirmation_token');
  const usedFor = token.payment_intent ?? token.setup_intent;
  if (usedFor) {
    throw invalidRequest(
      `The ConfirmationToken ${id} has already been used to confirm ${usedFor}; a ConfirmationToken confirms one intent only. Create a new one for this confirmation.`,
      'confirmation_token',
      'token_already_used',
    );
  }
  if (token.expires_at <= emu.clock.now()) {
    throw invalidRequest(
      `The ConfirmationToken ${id} expired at ${new Date(token.expires_at * 1000).toISOString()} (12 hours after it was made). Create a new one.`,
      'confirmation_token',
    );
  }
  return token;
}

/** Records that `token` confirmed the intent: it cannot confirm another. */
export function markTokenUsed(token: StripeObject, intent: StripeObject): void {
  if (intent.object === 'setup_intent') token.setup_intent = intent.id;
  else token.payment_intent = intent.id;
}

export const confirmationTokens: ResourceModule = {
  routes: [
    route(
      'POST',
      '/v1/test_helpers/confirmation_tokens',
      {
        payment_method: str().optional(),
        payment_method_data: paymentMethodDataParam().optional(),
        payment_method_options: paymentMethodOptionsParam().optional(),
        return_url: str(2048).optional(),
        setup_future_usage: oneOf(['off_session', 'on_session']).optional(),
        shipping: shippingParam().optional(),
      },
      ({ params: p, emu }) => {
        const fromData = p.payment_method_data ? checkPaymentMethodData(p.payment_method_data, p.payment_method) : undefined;
        if (p.payment_method_options?.card?.installments) {
          throw invalidRequest(
            'Card installments are offered only on cards issued in Mexico, and the emulator’s test cards are US cards: remove `payment_method_options[card][installments]`.',
            'payment_method_options[card][installments]',
          );
        }
        // A test id (pm_card_visa) or payment_method_data makes a new payment method, as confirming would.
        let pm: StripeObject | undefined;
        if (p.payment_method_data && fromData) pm = paymentMethodFromData(emu, p.payment_method_data, fromData);
        else if (p.payment_method) pm = emu.store.find('payment_method', p.payment_method) ?? resolvePaymentMethod(emu, p.payment_method, 'payment_method');
        const now = emu.clock.now();
        const token: ConfirmationToken = {
          id: `ctoken_${randomToken(24)}`,
          object: 'confirmation_token',
          created: now,
          expires_at: now + LIFETIME_SECONDS,
          livemode: false,
          mandate_data: null,
          payment_intent: null,
          payment_method_options: p.payment_method_options?.card ? { card: { cvc_token: null } } : null,
          payment_method_preview: pm ? preview(pm) : null,
          return_url: p.return_url ?? null,
          setup_future_usage: p.setup_future_usage ?? null,
          setup_intent: null,
          shipping: p.shipping ? toShipping(p.shipping) : null,
          use_stripe_sdk: true,
        };
        emu.store.insert(token);
        if (pm) emu.store.extras.set(token.id, { payment_method: pm.id });
        return token;
      },
    ),

    route('GET', '/v1/confirmation_tokens/:id', {}, ({ path, emu }) => mustFind(emu, 'confirmation_token', path.id!, 'confirmationtoken')),
  ],
};
