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
useApiEmulator((a) => {
  stripe = a.stripe;
});

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
