// Confirmation tokens through the official SDK: made with the test helper, retrieved, and used
// once with `confirmation_token` to confirm payment and setup intents (the token's card decides
// the outcome, declines included); unknown, used and expired tokens are refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator, type ApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';

let stripe: Stripe;
let api: ApiEmulator;
useApiEmulator((a) => {
  api = a;
  stripe = a.stripe;
});

/** The test helper's parameters (stripe-node does not export their type by name). */
type TokenParams = NonNullable<Parameters<Stripe['testHelpers']['confirmationTokens']['create']>[0]>;

/** `payment_method_data` for a test card token: Stripe takes it, though stripe-node types it without `card`. */
const cardData = (token: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'card', card: { token }, ...extra }) as unknown as TokenParams['payment_method_data'];

const token = (params: TokenParams = { payment_method: 'pm_card_visa' }) => stripe.testHelpers.confirmationTokens.create(params);

/** Dashboard payment methods without redirects: confirming needs no return_url. */
const NO_REDIRECTS = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

describe('confirmation tokens', () => {
  it('are made by the test helper with a preview of the card, shipping and return URL, and retrieved', async () => {
    const ct = await token({
      payment_method: 'pm_card_mastercard',
      return_url: 'https://example.com/return',
      setup_future_usage: 'off_session',
      shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', city: 'Springfield', country: 'US' } },
    });
    assertShape(ct, 'confirmation_token');
    assert.match(ct.id, /^ctoken_/);
    assert.equal(ct.object, 'confirmation_token');
    assert.equal(ct.livemode, false);
    assert.equal(ct.expires_at, ct.created + 12 * 60 * 60);
    assert.equal(ct.payment_intent, null);
    assert.equal(ct.setup_intent, null);
    assert.equal(ct.use_stripe_sdk, true);
    assert.equal(ct.return_url, 'https://example.com/return');
    assert.equal(ct.setup_future_usage, 'off_session');
    assert.deepEqual(ct.shipping, {
      name: 'Jenny Rosen',
      phone: null,
      address: { line1: '1 Main St', line2: null, city: 'Springfield', state: null, postal_code: null, country: 'US' },
    });
    assert.equal(ct.mandate_data, null);
    assert.equal(ct.payment_method_options, null);
    const preview = ct.payment_method_preview!;
    assert.equal(preview.type, 'card');
    assert.equal(preview.card?.brand, 'mastercard');
    assert.equal(preview.card?.last4, '4444');
    assert.equal(preview.card?.exp_month, 12);
    assert.equal(typeof preview.card?.exp_year, 'number');
    assert.equal(preview.customer, null);

    assert.deepEqual(await stripe.confirmationTokens.retrieve(ct.id), ct);
    assertInvalid(
      await failure(stripe.confirmationTokens.retrieve('ctoken_missing')),
      404,
      'id',
      'resource_missing',
      "No such confirmationtoken: 'ctoken_missing'",
    );
  });

  it('take payment_method_data (a test card token with billing details) or a saved card, but not both', async () => {
    const ct = await token({ payment_method_data: cardData('tok_amex', { billing_details: { name: 'Ada Lovelace', email: 'ada@example.com' } }) });
    assert.equal(ct.payment_method_preview?.card?.brand, 'amex');
    assert.equal(ct.payment_method_preview?.billing_details.name, 'Ada Lovelace');
    assert.equal(ct.payment_method_preview?.billing_details.email, 'ada@example.com');

    const customer = await stripe.customers.create({ email: 'saved@example.com' });
    const saved = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const fromSaved = await token({ payment_method: saved.id });
    assert.equal(fromSaved.payment_method_preview?.customer, customer.id);
    assert.equal(fromSaved.payment_method_preview?.card?.last4, '4242');

    assertInvalid(await failure(token({ payment_method: 'pm_card_visa', payment_method_data: cardData('tok_visa') })), 400, 'payment_method_data');
    assertInvalid(await failure(token({ payment_method: 'pm_missing' })), 400, 'payment_method', 'resource_missing');
    assertInvalid(
      await failure(
        token({
          payment_method: 'pm_card_visa',
          payment_method_options: { card: { installments: { plan: { type: 'fixed_count', count: 3, interval: 'month' } } } },
        }),
      ),
      400,
      'payment_method_options[card][installments]',
    );
  });

  it('confirm a payment intent on create with the token’s card, shipping and setup_future_usage; the token records the intent', async () => {
    const customer = await stripe.customers.create({ email: 'token-payer@example.com' });
    const ct = await token({
      payment_method: 'pm_card_visa',
      setup_future_usage: 'off_session',
      shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', country: 'US' } },
    });
    const pi = await stripe.paymentIntents.create({
      ...NO_REDIRECTS,
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      confirm: true,
      confirmation_token: ct.id,
    });
    assertShape(pi, 'payment_intent');
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.setup_future_usage, 'off_session');
    assert.equal(pi.shipping?.name, 'Jenny Rosen');
    assert.equal(pi.shipping?.address?.line1, '1 Main St');
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    assert.equal(pm.card?.last4, '4242');
    // setup_future_usage saves the card to the customer, as with payment_method.
    assert.equal(pm.customer, customer.id);
    const used = await stripe.confirmationTokens.retrieve(ct.id);
    assert.equal(used.payment_intent, pi.id);
    assert.equal(used.setup_intent, null);
  });

  it('confirm with the token’s declining or 3D Secure card as payment_method would', async () => {
    const declining = await token({ payment_method: 'pm_card_chargeDeclinedInsufficientFunds' });
    const err = await failure(
      stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 2000, currency: 'usd', confirm: true, confirmation_token: declining.id }),
    );
    assert.equal(err.type, 'StripeCardError');
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'insufficient_funds');
    const failed = err.payment_intent!;
    assert.equal(failed.status, 'requires_payment_method');
    // The attempt used the token.
    assert.equal((await stripe.confirmationTokens.retrieve(declining.id)).payment_intent, failed.id);

    const threeDS = await token({ payment_method: 'pm_card_threeDSecure2Required' });
    const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 2000, currency: 'usd' });
    const waiting = await stripe.paymentIntents.confirm(pi.id, { confirmation_token: threeDS.id });
    assert.equal(waiting.status, 'requires_action');
    assert.equal(waiting.next_action?.type, 'use_stripe_sdk');
  });

  it('confirm with /confirm, the request’s own payment_method and setup_future_usage winning over the token’s; the token’s return_url serves', async () => {
    const ct = await token({ payment_method: 'pm_card_chargeDeclined', return_url: 'https://example.com/from-token', setup_future_usage: 'off_session' });
    const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd' });
    const paid = await stripe.paymentIntents.confirm(pi.id, { confirmation_token: ct.id, payment_method: 'pm_card_visa', setup_future_usage: 'on_session' });
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.setup_future_usage, 'on_session');
    assert.equal((await stripe.paymentMethods.retrieve(paid.payment_method as string)).card?.last4, '4242');

    // Dashboard payment methods may redirect: the token's return_url is the one to come back to.
    const withUrl = await token({ payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    const redirecting = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', confirm: true, confirmation_token: withUrl.id });
    assert.equal(redirecting.status, 'succeeded');
  });

  it('set up a card with a setup intent, on create and with /confirm', async () => {
    const customer = await stripe.customers.create({ email: 'token-saver@example.com' });
    const onCreate = await token({ payment_method: 'pm_card_visa' });
    const si = await stripe.setupIntents.create({ ...NO_REDIRECTS, customer: customer.id, confirm: true, confirmation_token: onCreate.id });
    assertShape(si, 'setup_intent');
    assert.equal(si.status, 'succeeded');
    assert.equal((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer, customer.id);
    const used = await stripe.confirmationTokens.retrieve(onCreate.id);
    assert.equal(used.setup_intent, si.id);
    assert.equal(used.payment_intent, null);

    const declining = await token({ payment_method: 'pm_card_chargeDeclined' });
    const open = await stripe.setupIntents.create({ ...NO_REDIRECTS, customer: customer.id });
    const err = await failure(stripe.setupIntents.confirm(open.id, { confirmation_token: declining.id }));
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.setup_intent?.status, 'requires_payment_method');
  });

  it('refuse an unknown, used or expired token, and a token on create without confirm', async () => {
    const base = { ...NO_REDIRECTS, amount: 2000, currency: 'usd', confirm: true };
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, confirmation_token: 'ctoken_123' })),
      400,
      'confirmation_token',
      'resource_missing',
      "No such confirmationtoken: 'ctoken_123'",
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...NO_REDIRECTS, confirm: true, confirmation_token: 'ctoken_123' })),
      400,
      'confirmation_token',
      'resource_missing',
    );

    const ct = await token();
    assertInvalid(
      await failure(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirmation_token: ct.id })),
      400,
      'confirmation_token',
      undefined,
      'The parameter `confirmation_token` cannot be passed when creating a PaymentIntent unless `confirm` is set to true.',
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ confirmation_token: ct.id })),
      400,
      'confirmation_token',
      undefined,
      /unless `confirm` is set to true/,
    );
    // Refused before anything was made: the token is still unused.
    const pi = await stripe.paymentIntents.create({ ...base, confirmation_token: ct.id });
    assert.equal(pi.status, 'succeeded');
    const again = await failure(stripe.paymentIntents.create({ ...base, confirmation_token: ct.id }));
    assertInvalid(again, 400, 'confirmation_token', 'token_already_used', new RegExp(`already been used to confirm ${pi.id}`));
    const open = await stripe.setupIntents.create(NO_REDIRECTS);
    assertInvalid(await failure(stripe.setupIntents.confirm(open.id, { confirmation_token: ct.id })), 400, 'confirmation_token', 'token_already_used');

    const expiring = await token();
    await api.advanceClock(12 * 60 * 60);
    assertInvalid(await failure(stripe.paymentIntents.create({ ...base, confirmation_token: expiring.id })), 400, 'confirmation_token', undefined, /expired/);
  });
});
