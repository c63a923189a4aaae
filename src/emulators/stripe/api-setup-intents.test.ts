// Setup intents through the official SDK: create, confirm with the test cards (saved to the
// customer; a declining card fails with last_setup_error and a 402; 3D Secure waits),
// update, cancel, retrieve and list, Stripe's errors, and the setup_intent.* webhooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
/** Unchecked against Stripe's example objects: for fields newer than them (attach_to_self). */
let plain: Stripe;
useApiEmulator((a) => {
  stripe = a.stripe;
  plain = a.t.client();
});

/** `payment_method_data` for a test card token: Stripe takes it, though stripe-node types `payment_method_data` without `card`. */
const cardData = (token: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'card', card: { token }, ...extra }) as unknown as Stripe.SetupIntentCreateParams.PaymentMethodData;

const CARD: Pick<Stripe.SetupIntentCreateParams, 'allowed_payment_method_types'> = { allowed_payment_method_types: ['card'] };

describe('setup intents', () => {
  it('creates an intent for a customer and confirms it with a card: the card is saved to the customer', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['setup_intent.created', 'setup_intent.succeeded', 'payment_method.attached']);
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const si = await stripe.setupIntents.create({
      ...CARD,
      customer: customer.id,
      usage: 'on_session',
      description: 'Save a card',
      metadata: { flow: 'settings' },
      flow_directions: ['inbound'],
      excluded_payment_method_types: ['us_bank_account'],
    });
    assertShape(si, 'setup_intent');
    assert.match(si.id, /^seti_/);
    assert.equal(si.object, 'setup_intent');
    assert.equal(si.status, 'requires_payment_method');
    assert.equal(si.customer, customer.id);
    assert.equal(si.usage, 'on_session');
    assert.equal(si.description, 'Save a card');
    assert.deepEqual(si.metadata, { flow: 'settings' });
    assert.deepEqual(si.flow_directions, ['inbound']);
    assert.deepEqual(si.excluded_payment_method_types, ['us_bank_account']);
    assert.deepEqual(si.allowed_payment_method_types, ['card']);
    assert.deepEqual(si.payment_method_types, ['card']);
    assert.match(si.client_secret ?? '', new RegExp(`^${si.id}_secret_`));

    const confirmed = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    assertShape(confirmed, 'setup_intent');
    assert.equal(confirmed.status, 'succeeded');
    assert.match(confirmed.payment_method as string, /^pm_/);
    const saved = await stripe.customers.listPaymentMethods(customer.id);
    assert.deepEqual(
      saved.data.map((pm) => pm.id),
      [confirmed.payment_method],
    );

    await inbox.event('setup_intent.created', si.id);
    const succeeded = await inbox.event('setup_intent.succeeded', si.id);
    assertShape(succeeded, 'event');
    assert.equal((succeeded.data.object as Stripe.SetupIntent).status, 'succeeded');
    await inbox.event('payment_method.attached', confirmed.payment_method as string);

    const listed = await stripe.setupIntents.list({ customer: customer.id });
    assert.deepEqual(
      listed.data.map((x) => x.id),
      [si.id],
    );
    const byMethod = await stripe.setupIntents.list({ payment_method: confirmed.payment_method as string });
    assert.deepEqual(
      byMethod.data.map((x) => x.id),
      [si.id],
    );
    const expanded = await stripe.setupIntents.retrieve(si.id, { expand: ['payment_method', 'customer'] });
    assert.equal((expanded.payment_method as Stripe.PaymentMethod).customer, customer.id);
  });

  it('a declining card fails with last_setup_error and a 402, is not saved, and sends setup_intent.setup_failed', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['setup_intent.setup_failed']);
    const customer = await stripe.customers.create({ email: 'declined@example.com' });
    const err = await failure(stripe.setupIntents.create({ ...CARD, customer: customer.id, payment_method: 'pm_card_chargeDeclined', confirm: true }));
    assert.ok(err instanceof Stripe.errors.StripeCardError, `a card error: ${err.type}`);
    assert.equal(err.statusCode, 402);
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    const raw = err.raw as { setup_intent: Stripe.SetupIntent };
    assertShape(raw.setup_intent, 'setup_intent');

    const si = await stripe.setupIntents.retrieve(raw.setup_intent.id);
    assert.equal(si.status, 'requires_payment_method');
    assert.equal(si.payment_method, null);
    assert.equal(si.last_setup_error?.type, 'card_error');
    assert.equal(si.last_setup_error?.code, 'card_declined');
    assert.equal(si.last_setup_error?.decline_code, 'generic_decline');
    assert.equal(si.last_setup_error?.message, 'Your card was declined.');
    assert.deepEqual((await stripe.customers.listPaymentMethods(customer.id)).data, [], 'nothing saved');
    await inbox.event('setup_intent.setup_failed', si.id);

    const retried = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    assert.equal(retried.status, 'succeeded');
    assert.equal(retried.last_setup_error, null);
  });

  it('a 3D Secure card waits in requires_action; 4000 0000 0000 0341 is saved (it fails only when charged)', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['setup_intent.requires_action']);
    const si = await stripe.setupIntents.create({ ...CARD, payment_method: 'pm_card_threeDSecure2Required', confirm: true });
    assert.equal(si.status, 'requires_action');
    assert.equal(si.next_action?.type, 'use_stripe_sdk');
    await inbox.event('setup_intent.requires_action', si.id);

    const customer = await stripe.customers.create({ email: 'later@example.com' });
    const later = await stripe.setupIntents.create({ ...CARD, customer: customer.id, payment_method: 'pm_card_chargeCustomerFail', confirm: true });
    assert.equal(later.status, 'succeeded');
    assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 1);
  });

  it('with the Dashboard’s payment methods confirming needs a return_url unless redirects are off', async () => {
    const refused = await failure(stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true }));
    assertInvalid(refused, 400, undefined, undefined, /^This SetupIntent is configured to accept payment methods enabled in your Dashboard.*`return_url`/);
    const si = await stripe.setupIntents.create({
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    assert.equal(si.status, 'succeeded');
    assert.deepEqual(si.automatic_payment_methods, { allow_redirects: 'never', enabled: true });
    const open = await stripe.setupIntents.create({});
    const withUrl = await stripe.setupIntents.confirm(open.id, { payment_method: 'pm_card_visa', return_url: 'https://app.example/back' });
    assert.equal(withUrl.status, 'succeeded');
  });

  it('updates an open intent, cancels it with a reason; a succeeded one cannot be canceled or confirmed again', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['setup_intent.canceled']);
    const customer = await stripe.customers.create({ email: 'updater@example.com' });
    const si = await stripe.setupIntents.create(CARD);
    const updated = await stripe.setupIntents.update(si.id, {
      customer: customer.id,
      description: 'Later',
      metadata: { a: '1' },
      payment_method: 'pm_card_visa',
    });
    assertShape(updated, 'setup_intent');
    assert.equal(updated.customer, customer.id);
    assert.equal(updated.description, 'Later');
    assert.equal(updated.status, 'requires_confirmation');
    const canceled = await stripe.setupIntents.cancel(si.id, { cancellation_reason: 'abandoned' });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'abandoned');
    await inbox.event('setup_intent.canceled', si.id);
    const confirmCanceled = await failure(stripe.setupIntents.confirm(si.id));
    assertInvalid(confirmCanceled, 400, undefined, 'setup_intent_unexpected_state', /status of canceled/);

    const done = await stripe.setupIntents.create({ ...CARD, payment_method: 'pm_card_visa', confirm: true });
    assertInvalid(await failure(stripe.setupIntents.cancel(done.id)), 400, undefined, 'setup_intent_unexpected_state', /status of succeeded/);
    assertInvalid(await failure(stripe.setupIntents.confirm(done.id)), 400, undefined, 'setup_intent_unexpected_state', /already succeeded/);
    assertInvalid(
      await failure(stripe.setupIntents.update(done.id, { payment_method: 'pm_card_visa' })),
      400,
      'payment_method',
      'setup_intent_unexpected_state',
    );
    const noted = await stripe.setupIntents.update(done.id, { metadata: { kept: 'yes' } });
    assert.deepEqual(noted.metadata, { kept: 'yes' });
  });

  it('refuses invalid intents with Stripe’s errors', async () => {
    const before = (await stripe.setupIntents.list({ limit: 100 })).data.length;
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, customer: 'cus_nope' })),
      400,
      'customer',
      'resource_missing',
      /No such customer: 'cus_nope'/,
    );
    assertInvalid(await failure(stripe.setupIntents.create({ ...CARD, payment_method: 'pm_nope' })), 400, 'payment_method', 'resource_missing');
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, confirm: true })),
      400,
      undefined,
      'setup_intent_unexpected_state',
      /missing a payment method/,
    );
    assertInvalid(await failure(stripe.setupIntents.create({ ...CARD, usage: 'sometimes' as 'on_session' })), 400, 'usage');
    assertInvalid(
      await failure(stripe.setupIntents.create({ payment_method_types: ['card'] } as unknown as Stripe.SetupIntentCreateParams)),
      400,
      'payment_method_types',
      'parameter_unknown',
    );
    assertInvalid(await failure(stripe.setupIntents.create({ allowed_payment_method_types: ['sepa_debit'] })), 400, 'allowed_payment_method_types');
    assertInvalid(
      await failure(stripe.setupIntents.create({ automatic_payment_methods: { allow_redirects: 'never' } } as unknown as Stripe.SetupIntentCreateParams)),
      400,
      'automatic_payment_methods[enabled]',
      'parameter_missing',
    );
    assert.equal((await stripe.setupIntents.list({ limit: 100 })).data.length, before, 'no refused intent was stored');
    const open = await stripe.setupIntents.create(CARD);
    assertInvalid(await failure(stripe.setupIntents.confirm(open.id)), 400, undefined, 'setup_intent_unexpected_state', /missing a payment method/);
    assertInvalid(await failure(stripe.setupIntents.retrieve('seti_nope')), 404, 'id', 'resource_missing', /No such setup_intent: 'seti_nope'/);
    assertInvalid(await failure(stripe.setupIntents.confirm('seti_nope')), 404, 'id', 'resource_missing');
    assertInvalid(await failure(stripe.setupIntents.cancel('seti_nope')), 404, 'id', 'resource_missing');
  });
});

describe('setup intents: payment methods made inline, options and what the emulator refuses', () => {
  it('payment_method_data makes the card from a test token; confirmed, it is saved to the customer with its billing details', async () => {
    const customer = await stripe.customers.create({ email: 'inline-saver@example.com' });
    const online = { customer_acceptance: { type: 'online' as const, online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' } } };
    const si = await stripe.setupIntents.create({
      ...CARD,
      customer: customer.id,
      confirm: true,
      use_stripe_sdk: true,
      mandate_data: online,
      payment_method_data: cardData('tok_amex', { billing_details: { name: 'Jenny Rosen' }, metadata: { via: 'setup' } }),
    });
    assert.equal(si.status, 'succeeded');
    assert.equal(si.mandate, null, 'a card needs no mandate');
    const pm = await stripe.paymentMethods.retrieve(si.payment_method as string);
    assert.equal(pm.card?.brand, 'amex');
    assert.equal(pm.customer, customer.id);
    assert.equal(pm.billing_details.name, 'Jenny Rosen');
    assert.deepEqual(pm.metadata, { via: 'setup' });

    // On confirm, too; a declining token fails as a declining card does.
    const later = await stripe.setupIntents.create({ ...CARD, customer: customer.id });
    const declined = await failure(stripe.setupIntents.confirm(later.id, { payment_method_data: cardData('tok_chargeDeclined') }));
    assert.equal(declined.type, 'StripeCardError');
    const retried = await stripe.setupIntents.confirm(later.id, { payment_method_data: cardData('tok_visa') });
    assert.equal(retried.status, 'succeeded');

    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, payment_method_data: { type: 'sepa_debit', sepa_debit: { iban: 'DE89370400440532013000' } } })),
      400,
      'payment_method_data[type]',
      undefined,
      /card payments only/,
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, mandate_data: online })),
      400,
      'mandate_data',
      undefined,
      /unless `confirm` is set to true/,
    );
    assertInvalid(
      await failure(
        stripe.setupIntents.create({
          ...CARD,
          confirm: true,
          payment_method: 'pm_card_visa',
          mandate_data: { customer_acceptance: { type: 'written' as 'online' } },
        }),
      ),
      400,
      'mandate_data[customer_acceptance][type]',
    );
  });

  it('payment_method_options[card][request_three_d_secure] is returned; MOTO and other payment methods are refused', async () => {
    const si = await stripe.setupIntents.create({ ...CARD, payment_method_options: { card: { request_three_d_secure: 'challenge' } } });
    assert.equal(si.payment_method_options?.card?.request_three_d_secure, 'challenge');
    assert.equal((await stripe.setupIntents.retrieve(si.id)).payment_method_options?.card?.request_three_d_secure, 'challenge');
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, payment_method_options: { card: { moto: true } } })),
      400,
      'payment_method_options[card][moto]',
      undefined,
      /MOTO/,
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, payment_method_options: { us_bank_account: { verification_method: 'instant' } } })),
      400,
      'payment_method_options[us_bank_account]',
    );
  });

  it('attach_to_self is returned, and refused with a customer; single_use is refused for cards', async () => {
    const own = await plain.setupIntents.create({ ...CARD, attach_to_self: true, flow_directions: ['inbound'] });
    assert.equal(own.attach_to_self, true);
    assert.equal((await plain.setupIntents.retrieve(own.id)).attach_to_self, true);
    const customer = await stripe.customers.create({ email: 'self@example.com' });
    assertInvalid(await failure(stripe.setupIntents.create({ ...CARD, attach_to_self: true, customer: customer.id })), 400, 'attach_to_self');
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, usage: 'on_session', single_use: { amount: 2000, currency: 'usd' } })),
      400,
      'single_use',
      undefined,
      /Single-use mandates/,
    );
  });

  it('refuses with a reason what the emulator has no objects for', async () => {
    assertInvalid(await failure(stripe.setupIntents.create({ ...CARD, on_behalf_of: 'acct_123' })), 400, 'on_behalf_of', undefined, /Stripe Connect/);
    assertInvalid(await failure(stripe.setupIntents.create({ ...CARD, customer_account: 'acct_123' })), 400, 'customer_account', undefined, /Accounts v2/);
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, confirm: true, confirmation_token: 'ctoken_123' })),
      400,
      'confirmation_token',
      'resource_missing',
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ ...CARD, payment_method_configuration: 'pmc_123' })),
      400,
      'payment_method_configuration',
      'resource_missing',
    );
  });
});
