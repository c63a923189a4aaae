// Payment intents through the official SDK: create, update, confirm with the test cards'
// outcomes (succeeded, declined with a 402 and last_payment_error, 3D Secure), manual capture,
// cancel, retrieve and list, Stripe's errors, and the payment_intent.* / charge.* webhooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
/** Unchecked against Stripe's example objects: for fields newer than them (payment_details, amount_details' parts). */
let plain: Stripe;
useApiEmulator((a) => {
  stripe = a.stripe;
  plain = a.t.client();
});

/** `payment_method_data` for a test card token: Stripe takes it, though stripe-node types `payment_method_data` without `card`. */
const cardData = (token: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'card', card: { token }, ...extra }) as unknown as Stripe.PaymentIntentCreateParams.PaymentMethodData;

/** A card-only intent, so confirming needs no return_url. */
const CARD: Pick<Stripe.PaymentIntentCreateParams, 'allowed_payment_method_types'> = { allowed_payment_method_types: ['card'] };

describe('payment intents', () => {
  it('creates an intent with its fields, confirms it with a card, and lists and retrieves it', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded']);
    const customer = await stripe.customers.create({ email: 'payer@example.com' });
    const pi = await stripe.paymentIntents.create({
      ...CARD,
      amount: 4900,
      currency: 'usd',
      customer: customer.id,
      description: 'Order 42',
      metadata: { order: '42' },
      receipt_email: 'receipts@example.com',
      statement_descriptor_suffix: 'ORDER 42',
      shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', city: 'Springfield', country: 'US' } },
      transfer_group: 'ORDER_42',
      excluded_payment_method_types: ['cashapp'],
    });
    assertShape(pi, 'payment_intent');
    assert.deepEqual(pi.shipping, {
      address: { city: 'Springfield', country: 'US', line1: '1 Main St', line2: null, postal_code: null, state: null },
      carrier: null,
      name: 'Jenny Rosen',
      phone: null,
      tracking_number: null,
    });
    assert.equal(pi.transfer_group, 'ORDER_42');
    assert.deepEqual(pi.excluded_payment_method_types, ['cashapp']);
    assert.match(pi.id, /^pi_/);
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.amount, 4900);
    assert.equal(pi.currency, 'usd');
    assert.equal(pi.customer, customer.id);
    assert.equal(pi.capture_method, 'automatic_async', 'the default at this API version');
    assert.deepEqual(pi.allowed_payment_method_types, ['card']);
    assert.deepEqual(pi.payment_method_types, ['card']);
    assert.equal(pi.automatic_payment_methods, null);
    assert.equal(pi.receipt_email, 'receipts@example.com');
    assert.equal(pi.statement_descriptor_suffix, 'ORDER 42');
    assert.match(pi.client_secret ?? '', new RegExp(`^${pi.id}_secret_`));

    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assertShape(confirmed, 'payment_intent');
    assert.equal(confirmed.status, 'succeeded');
    assert.equal(confirmed.amount_received, 4900);
    assert.match(confirmed.payment_method as string, /^pm_/);
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.amount, 4900);
    assert.equal(charge.payment_intent, pi.id);
    assert.equal(charge.receipt_email, 'receipts@example.com');
    assert.equal(charge.shipping?.name, 'Jenny Rosen');
    assert.equal(charge.transfer_group, 'ORDER_42');
    assert.deepEqual(charge.metadata, { order: '42' });

    const listed = await stripe.paymentIntents.list({ customer: customer.id });
    assert.deepEqual(
      listed.data.map((x) => x.id),
      [pi.id],
    );
    const retrieved = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    assert.equal((retrieved.latest_charge as Stripe.Charge).id, charge.id);

    assert.equal((await inbox.event('payment_intent.created', pi.id)).data.object.object, 'payment_intent');
    const succeeded = await inbox.event('payment_intent.succeeded', pi.id);
    assertShape(succeeded, 'event');
    assert.equal((succeeded.data.object as Stripe.PaymentIntent).status, 'succeeded');
    await inbox.event('charge.succeeded', charge.id);
  });

  it('create with confirm=true and a declining card answers a 402 and leaves the intent requires_payment_method', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['payment_intent.payment_failed', 'charge.failed']);
    const err = await failure(
      stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }),
    );
    assert.ok(err instanceof Stripe.errors.StripeCardError, `a card error: ${err.type}`);
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    assert.equal(err.message, 'Your card was declined.');
    const raw = err.raw as { payment_intent: Stripe.PaymentIntent; charge: string };
    assertShape(raw.payment_intent, 'payment_intent');
    assert.equal(raw.payment_intent.status, 'requires_payment_method');

    const pi = await stripe.paymentIntents.retrieve(raw.payment_intent.id);
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.last_payment_error?.code, 'card_declined');
    assert.equal(pi.last_payment_error?.decline_code, 'generic_decline');
    assert.equal(pi.last_payment_error?.type, 'card_error');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    assert.equal(charge.status, 'failed');
    assert.equal(charge.id, raw.charge);
    await inbox.event('payment_intent.payment_failed', pi.id);
    await inbox.event('charge.failed', charge.id);

    // Another card on the same intent pays it.
    const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.last_payment_error, null);
  });

  it('a 3D Secure card leaves the intent requires_action; off-session it is declined with authentication_required', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['payment_intent.requires_action']);
    const pi = await stripe.paymentIntents.create({ ...CARD, amount: 1500, currency: 'eur', payment_method: 'pm_card_threeDSecure2Required', confirm: true });
    assert.equal(pi.status, 'requires_action');
    assert.equal(pi.next_action?.type, 'use_stripe_sdk');
    assert.equal(pi.latest_charge, null, 'nothing is charged before the challenge');
    await inbox.event('payment_intent.requires_action', pi.id);

    const customer = await stripe.customers.create({ email: 'away@example.com' });
    const saved = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const err = await failure(
      stripe.paymentIntents.create({
        ...CARD,
        amount: 1500,
        currency: 'usd',
        customer: customer.id,
        payment_method: saved.id,
        confirm: true,
        off_session: true,
      }),
    );
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'authentication_required');
    assert.equal((err.raw as { payment_intent: Stripe.PaymentIntent }).payment_intent.status, 'requires_payment_method');

    // error_on_requires_action: fail instead of asking for 3D Secure.
    const noAction = await failure(
      stripe.paymentIntents.create({
        ...CARD,
        amount: 1500,
        currency: 'usd',
        payment_method: 'pm_card_threeDSecure2Required',
        confirm: true,
        error_on_requires_action: true,
      }),
    );
    assert.equal(noAction.statusCode, 402);
    assert.equal(noAction.code, 'authentication_required');
  });

  it('captures a manual intent in part: the rest of the authorization is released', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['payment_intent.amount_capturable_updated', 'charge.captured', 'payment_intent.succeeded']);
    const pi = await stripe.paymentIntents.create({
      ...CARD,
      amount: 10000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    assert.equal(pi.status, 'requires_capture');
    assert.equal(pi.amount_capturable, 10000);
    assert.equal(pi.amount_received, 0);
    const authorized = await stripe.charges.retrieve(pi.latest_charge as string);
    assert.equal(authorized.captured, false);
    assert.equal(authorized.amount_captured, 0);
    await inbox.event('payment_intent.amount_capturable_updated', pi.id);

    const tooMuch = await failure(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 20000 }));
    assertInvalid(tooMuch, 400, 'amount_to_capture', 'amount_too_large');
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 7500, metadata: { captured_by: 'ops' } });
    assertShape(captured, 'payment_intent');
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 7500);
    assert.equal(captured.amount_capturable, 0);
    assert.deepEqual(captured.metadata, { captured_by: 'ops' });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount_captured, 7500);
    assert.equal(charge.amount_refunded, 2500);
    assert.equal(charge.refunded, false);
    await inbox.event('charge.captured', charge.id);
    await inbox.event('payment_intent.succeeded', pi.id);

    const again = await failure(stripe.paymentIntents.capture(pi.id));
    assertInvalid(again, 400, undefined, 'payment_intent_unexpected_state', /could not be captured because it has a status of succeeded/);
  });

  it('cancels an open intent with a reason, and an authorized one by releasing its charge; a succeeded one cannot be', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['payment_intent.canceled', 'charge.refunded']);
    const open = await stripe.paymentIntents.create({ ...CARD, amount: 800, currency: 'usd' });
    const canceled = await stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'requested_by_customer' });
    assertShape(canceled, 'payment_intent');
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'requested_by_customer');
    assert.ok(canceled.canceled_at);
    await inbox.event('payment_intent.canceled', open.id);

    const held = await stripe.paymentIntents.create({
      ...CARD,
      amount: 900,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const released = await stripe.paymentIntents.cancel(held.id);
    assert.equal(released.status, 'canceled');
    const charge = await stripe.charges.retrieve(held.latest_charge as string);
    assert.equal(charge.refunded, true);
    assert.equal(charge.amount_refunded, 900);
    await inbox.event('charge.refunded', charge.id);

    const done = await stripe.paymentIntents.create({ ...CARD, amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const refused = await failure(stripe.paymentIntents.cancel(done.id));
    assertInvalid(
      refused,
      400,
      undefined,
      'payment_intent_unexpected_state',
      /^You cannot cancel this PaymentIntent because it has a status of succeeded\. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing\.$/,
    );
  });

  it('updates an open intent; the amount of a succeeded one cannot change, its metadata can', async () => {
    const pi = await stripe.paymentIntents.create({ ...CARD, amount: 1000, currency: 'usd' });
    const updated = await stripe.paymentIntents.update(pi.id, { amount: 1200, description: 'Bigger', metadata: { step: '2' }, payment_method: 'pm_card_visa' });
    assertShape(updated, 'payment_intent');
    assert.equal(updated.amount, 1200);
    assert.equal(updated.description, 'Bigger');
    assert.equal(updated.status, 'requires_confirmation', 'a payment method to confirm with');
    const paid = await stripe.paymentIntents.confirm(pi.id);
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.amount_received, 1200);

    const late = await failure(stripe.paymentIntents.update(pi.id, { amount: 1500 }));
    assertInvalid(late, 400, 'amount', 'payment_intent_unexpected_state', /amount could not be updated because it has a status of succeeded/);
    const noted = await stripe.paymentIntents.update(pi.id, { metadata: { shipped: 'yes' } });
    assert.deepEqual(noted.metadata, { step: '2', shipped: 'yes' });
    const again = await failure(stripe.paymentIntents.confirm(pi.id));
    assertInvalid(again, 400, undefined, 'payment_intent_unexpected_state', /already succeeded/);
  });

  it('with the Dashboard’s payment methods (no payment_method_types) confirming needs a return_url unless redirects are off', async () => {
    const refused = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }));
    assertInvalid(refused, 400, undefined, undefined, /you must provide a `return_url`/);
    const withUrl = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      return_url: 'https://shop.example/return',
    });
    assert.equal(withUrl.status, 'succeeded');
    assert.deepEqual(withUrl.automatic_payment_methods, { allow_redirects: 'always', enabled: true });
    assert.equal(withUrl.allowed_payment_method_types, null);
    assert.deepEqual(withUrl.payment_method_types, ['card'], 'the Dashboard’s payment methods: cards, in the emulator');
    const noRedirects = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    assert.equal(noRedirects.status, 'succeeded');
  });

  it('setup_future_usage saves the card to the customer once the payment succeeds', async () => {
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const pi = await stripe.paymentIntents.create({
      ...CARD,
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      setup_future_usage: 'off_session',
      payment_method: 'pm_card_mastercard',
      confirm: true,
    });
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.setup_future_usage, 'off_session');
    const saved = await stripe.paymentMethods.list({ customer: customer.id });
    assert.deepEqual(
      saved.data.map((pm) => pm.id),
      [pi.payment_method],
    );
  });

  it('refuses invalid intents with Stripe’s errors', async () => {
    const before = (await stripe.paymentIntents.list({ limit: 100 })).data.length;
    assertInvalid(await failure(stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams)), 400, 'amount', 'parameter_missing');
    assertInvalid(await failure(stripe.paymentIntents.create({ amount: 1000 } as Stripe.PaymentIntentCreateParams)), 400, 'currency', 'parameter_missing');
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 10, currency: 'usd' })),
      400,
      'amount',
      'amount_too_small',
      /^Amount must be at least \$0\.50 usd$/,
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 1000, currency: 'usd', customer: 'cus_nope' })),
      400,
      'customer',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 1000, currency: 'usd', payment_method: 'pm_nope' })),
      400,
      'payment_method',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 1000, currency: 'usd', confirm: true })),
      400,
      undefined,
      'payment_intent_unexpected_state',
      /missing a payment method/,
    );
    const owner = await stripe.customers.create({ email: 'owner@example.com', payment_method: 'pm_card_visa' });
    const theirs = (await stripe.paymentMethods.list({ customer: owner.id })).data[0]!;
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 1000, currency: 'usd', payment_method: theirs.id })),
      400,
      'payment_method',
      undefined,
      /belongs to the Customer/,
    );
    // At this API version requests name the types allowed; payment_method_types is gone from them.
    const legacy = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_types: ['card'] } as unknown as Stripe.PaymentIntentCreateParams),
    );
    assertInvalid(legacy, 400, 'payment_method_types', 'parameter_unknown', /Received unknown parameter: payment_method_types/);
    assertInvalid(
      await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', excluded_payment_method_types: ['card'] })),
      400,
      'excluded_payment_method_types',
      undefined,
      /card payments only/,
    );
    assertInvalid(
      await failure(
        stripe.paymentIntents.create({
          ...CARD,
          amount: 1000,
          currency: 'usd',
          shipping: { name: 'No address' } as Stripe.PaymentIntentCreateParams.Shipping,
        }),
      ),
      400,
      'shipping[address]',
      'parameter_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', allowed_payment_method_types: ['ideal'] })),
      400,
      'allowed_payment_method_types',
      undefined,
      /card payments only/,
    );
    assert.equal((await stripe.paymentIntents.list({ limit: 100 })).data.length, before, 'no refused intent was stored');
    assertInvalid(await failure(stripe.paymentIntents.retrieve('pi_nope')), 404, 'id', 'resource_missing', /No such payment_intent: 'pi_nope'/);
    assertInvalid(await failure(stripe.paymentIntents.confirm('pi_nope')), 404, 'id', 'resource_missing');
    assertInvalid(await failure(stripe.paymentIntents.cancel('pi_nope')), 404, 'id', 'resource_missing');
    assertInvalid(await failure(stripe.paymentIntents.capture('pi_nope')), 404, 'id', 'resource_missing');
  });
});

describe('payment intents: payment methods made inline, options and what the emulator refuses', () => {
  it('payment_method_data makes a card payment method from a test token, with its billing details, and pays with it', async () => {
    const customer = await stripe.customers.create({ email: 'inline@example.com' });
    const pi = await stripe.paymentIntents.create({
      ...CARD,
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      setup_future_usage: 'off_session',
      confirm: true,
      payment_method_data: cardData('tok_mastercard', {
        billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com', address: { country: 'US', postal_code: '94107' } },
        metadata: { source: 'inline' },
        allow_redisplay: 'always',
      }),
    });
    assert.equal(pi.status, 'succeeded');
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    assert.equal(pm.card?.brand, 'mastercard');
    assert.equal(pm.card?.last4, '4444');
    assert.equal(pm.billing_details.name, 'Jenny Rosen');
    assert.equal(pm.billing_details.email, 'jenny@example.com');
    assert.equal(pm.billing_details.address?.postal_code, '94107');
    assert.deepEqual(pm.metadata, { source: 'inline' });
    assert.equal(pm.allow_redisplay, 'always');
    assert.equal(pm.customer, customer.id, 'saved for setup_future_usage');

    // Without confirm the new payment method waits on the intent; a declining token is declined on confirm.
    const waiting = await stripe.paymentIntents.create({ ...CARD, amount: 2500, currency: 'usd', payment_method_data: cardData('tok_chargeDeclined') });
    assert.equal(waiting.status, 'requires_confirmation');
    assert.match(String(waiting.payment_method), /^pm_/);
    const declined = await failure(stripe.paymentIntents.confirm(waiting.id));
    assert.equal(declined.type, 'StripeCardError');
    assert.equal(declined.code, 'card_declined');

    // On confirm, too.
    const later = await stripe.paymentIntents.create({ ...CARD, amount: 2500, currency: 'usd' });
    const confirmed = await stripe.paymentIntents.confirm(later.id, { payment_method_data: cardData('tok_visa') });
    assert.equal(confirmed.status, 'succeeded');
  });

  it('refuses payment_method_data it cannot honour: other types, raw card numbers, unknown tokens, and a payment method besides', async () => {
    const base = { ...CARD, amount: 2500, currency: 'usd' };
    const bank = {
      type: 'us_bank_account',
      us_bank_account: { account_number: '000123456789', routing_number: '110000000', account_holder_type: 'individual' },
    } as const;
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_data: bank })),
      400,
      'payment_method_data[type]',
      undefined,
      /card payments only/,
    );
    const raw = {
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2040, cvc: '123' },
    } as unknown as Stripe.PaymentIntentCreateParams.PaymentMethodData;
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_data: raw })),
      400,
      'payment_method_data[card][number]',
      undefined,
      /raw card data/,
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_data: cardData('tok_nope') })),
      400,
      'payment_method_data[card][token]',
      'resource_missing',
      "No such token: 'tok_nope'",
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method: 'pm_card_visa', payment_method_data: cardData('tok_visa') })),
      400,
      'payment_method_data',
    );
  });

  it('payment_method_options[card]: returned on the intent; capture_method=manual only authorizes, setup_future_usage=none saves nothing', async () => {
    const customer = await stripe.customers.create({ email: 'options@example.com' });
    const pi = await stripe.paymentIntents.create({
      ...CARD,
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      capture_method: 'automatic',
      setup_future_usage: 'off_session',
      payment_method_options: { card: { capture_method: 'manual', request_three_d_secure: 'any', setup_future_usage: 'none', require_cvc_recollection: true } },
    });
    assert.equal(pi.capture_method, 'automatic');
    assert.equal(pi.payment_method_options?.card?.capture_method, 'manual');
    assert.equal(pi.payment_method_options?.card?.request_three_d_secure, 'any');
    assert.equal(pi.payment_method_options?.card?.setup_future_usage, 'none');
    assert.equal(pi.payment_method_options?.card?.require_cvc_recollection, true);
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(confirmed.status, 'requires_capture', "the card's capture_method overrides the intent's");
    assert.equal(confirmed.amount_capturable, 3000);
    const pm = await stripe.paymentMethods.retrieve(confirmed.payment_method as string);
    assert.equal(pm.customer, null, "the card's setup_future_usage=none overrides the intent's off_session");

    // An empty value clears one option; the card's setup_future_usage alone saves the card.
    const saving = await stripe.paymentIntents.create({
      ...CARD,
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method_options: { card: { setup_future_usage: 'off_session', capture_method: 'manual' } },
    });
    const cleared = await stripe.paymentIntents.update(saving.id, { payment_method_options: { card: { capture_method: '' } } });
    assert.equal(cleared.payment_method_options?.card?.capture_method, undefined);
    assert.equal(cleared.payment_method_options?.card?.setup_future_usage, 'off_session');
    const paid = await stripe.paymentIntents.confirm(saving.id, { payment_method: 'pm_card_visa' });
    assert.equal(paid.status, 'succeeded');
    assert.equal((await stripe.paymentMethods.retrieve(paid.payment_method as string)).customer, customer.id);

    const base = { ...CARD, amount: 3000, currency: 'usd' };
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_options: { card: { request_three_d_secure: 'sometimes' } } })),
      400,
      'payment_method_options[card][request_three_d_secure]',
      undefined,
      /must be one of any, automatic, or challenge/,
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_options: { sepa_debit: { setup_future_usage: 'off_session' } } })),
      400,
      'payment_method_options[sepa_debit]',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_options: { card: { moto: true } } })),
      400,
      'payment_method_options[card][moto]',
      undefined,
      /MOTO/,
    );
  });

  it('confirmation_method, use_stripe_sdk and mandate_data are taken as Stripe takes them', async () => {
    const auto = await stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd' });
    assert.equal(auto.confirmation_method, 'automatic');
    const manual = await stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', confirmation_method: 'manual' });
    assert.equal(manual.confirmation_method, 'manual');
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', confirmation_method: 'later' as 'manual' })),
      400,
      'confirmation_method',
    );

    // A 3D Secure card answered for Stripe.js to handle.
    const sdk = await stripe.paymentIntents.create({
      ...CARD,
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
      use_stripe_sdk: true,
    });
    assert.equal(sdk.status, 'requires_action');
    assert.equal(sdk.next_action?.type, 'use_stripe_sdk');

    // A card needs no mandate: mandate_data is checked, and none is made.
    const online = { customer_acceptance: { type: 'online' as const, online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' } } };
    const withMandate = await stripe.paymentIntents.create({
      ...CARD,
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      mandate_data: online,
    });
    assert.equal(withMandate.status, 'succeeded');
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', mandate_data: online })),
      400,
      'mandate_data',
      undefined,
      /unless `confirm` is set to true/,
    );
    assertInvalid(
      await failure(
        stripe.paymentIntents.create({
          ...CARD,
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
          mandate_data: { customer_acceptance: { type: 'online' } },
        }),
      ),
      400,
      'mandate_data[customer_acceptance][online]',
      'parameter_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', mandate: 'mandate_x' })),
      400,
      'mandate',
      undefined,
      /unless `confirm`/,
    );
    assertInvalid(
      await failure(
        stripe.paymentIntents.create({ ...CARD, amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, mandate: 'mandate_x' }),
      ),
      400,
      'mandate',
      'resource_missing',
    );
  });

  it('amount_details and payment_details are returned as given, updated and cleared', async () => {
    const pi = await plain.paymentIntents.create({
      ...CARD,
      amount: 5000,
      currency: 'usd',
      amount_details: { discount_amount: 500, shipping: { amount: 700, to_postal_code: '94107' }, tax: { total_tax_amount: 300 } },
      payment_details: { customer_reference: 'cust-42', order_reference: 'order-42' },
      radar_options: { referrer: 'https://example.com/cart' },
    });
    assert.deepEqual(pi.amount_details, {
      discount_amount: 500,
      shipping: { amount: 700, from_postal_code: null, to_postal_code: '94107' },
      tax: { total_tax_amount: 300 },
      tip: {},
    });
    assert.deepEqual(pi.payment_details, { customer_reference: 'cust-42', order_reference: 'order-42' });
    const updated = await plain.paymentIntents.update(pi.id, { amount_details: { discount_amount: '', tax: '' }, payment_details: { order_reference: '' } });
    assert.deepEqual(updated.amount_details, { shipping: { amount: 700, from_postal_code: null, to_postal_code: '94107' }, tip: {} });
    assert.deepEqual(updated.payment_details, { customer_reference: 'cust-42', order_reference: null });
    const base = { ...CARD, amount: 5000, currency: 'usd' };
    assertInvalid(await failure(plain.paymentIntents.create({ ...base, amount_details: { discount_amount: 0 } })), 400, 'amount_details[discount_amount]');
    assertInvalid(
      await failure(plain.paymentIntents.create({ ...base, amount_details: { shipping: { to_postal_code: '94107 CA' } } })),
      400,
      'amount_details[shipping][to_postal_code]',
    );
  });

  it('refuses with a reason what the emulator has no objects for (Connect, Accounts v2), and unknown tokens and configurations', async () => {
    const base = { ...CARD, amount: 2000, currency: 'usd' };
    for (const [params, param] of [
      [{ application_fee_amount: 100 }, 'application_fee_amount'],
      [{ transfer_data: { destination: 'acct_123' } }, 'transfer_data'],
      [{ on_behalf_of: 'acct_123' }, 'on_behalf_of'],
    ] as const) {
      assertInvalid(await failure(stripe.paymentIntents.create({ ...base, ...params })), 400, param, undefined, /Stripe Connect/);
    }
    assertInvalid(await failure(stripe.paymentIntents.create({ ...base, customer_account: 'acct_123' })), 400, 'customer_account', undefined, /Accounts v2/);
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, confirm: true, confirmation_token: 'ctoken_123' })),
      400,
      'confirmation_token',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_configuration: 'pmc_123' })),
      400,
      'payment_method_configuration',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, hooks: { inputs: { tax: { calculation: 'taxcalc_123' } } } })),
      400,
      'hooks[inputs][tax][calculation]',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, radar_options: { session: 'rse_123' } })),
      400,
      'radar_options[session]',
      'resource_missing',
    );
  });
});
