// Payment method configurations through the official SDK: the account's default one, create,
// list, retrieve and update with display preferences, and `payment_method_configuration` on
// payment and setup intents (their `payment_method_configuration_details`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';

let stripe: Stripe;
/** Unchecked against Stripe's example object: for payment methods it does not list (jcb). */
let plain: Stripe;
useApiEmulator((a) => {
  stripe = a.stripe;
  plain = a.t.client();
});

const NO_REDIRECTS = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

describe('payment method configurations', () => {
  it('the account has a default configuration from the start, with cards on', async () => {
    const list = await stripe.paymentMethodConfigurations.list();
    assert.equal(list.data.length, 1);
    const [fallback] = list.data;
    assertShape(fallback, 'payment_method_configuration');
    assert.match(fallback!.id, /^pmc_/);
    assert.equal(fallback!.is_default, true);
    assert.equal(fallback!.active, true);
    assert.equal(fallback!.name, 'Default');
    assert.equal(fallback!.parent, null);
    assert.deepEqual(fallback!.card, { available: true, display_preference: { overridable: null, preference: 'on', value: 'on' } });
    assert.deepEqual(fallback!.klarna, { available: false, display_preference: { overridable: null, preference: 'off', value: 'off' } });
    assert.deepEqual(await stripe.paymentMethodConfigurations.retrieve(fallback!.id), fallback);
  });

  it('creates, lists, retrieves and updates a configuration with display preferences', async () => {
    const pmc = await stripe.paymentMethodConfigurations.create({
      name: 'Cards and Klarna',
      klarna: { display_preference: { preference: 'on' } },
      link: { display_preference: { preference: 'off' } },
    });
    assertShape(pmc, 'payment_method_configuration');
    assert.match(pmc.id, /^pmc_/);
    assert.equal(pmc.name, 'Cards and Klarna');
    assert.equal(pmc.is_default, false);
    assert.equal(pmc.active, true);
    // Not mentioned: 'none', which takes Stripe's default (cards on).
    assert.deepEqual(pmc.card, { available: true, display_preference: { overridable: null, preference: 'none', value: 'on' } });
    // On, but the emulator's account has no Klarna capability: not available.
    assert.deepEqual(pmc.klarna, { available: false, display_preference: { overridable: null, preference: 'on', value: 'on' } });
    assert.deepEqual(pmc.link?.display_preference, { overridable: null, preference: 'off', value: 'off' });

    const list = await stripe.paymentMethodConfigurations.list();
    assert.deepEqual(
      list.data.map((c) => [c.is_default, c.id]),
      [
        [true, list.data[0]!.id],
        [false, pmc.id],
      ],
    );
    assert.deepEqual(await stripe.paymentMethodConfigurations.retrieve(pmc.id), pmc);

    const updated = await stripe.paymentMethodConfigurations.update(pmc.id, {
      name: 'Klarna only',
      card: { display_preference: { preference: 'off' } },
      active: false,
    });
    assert.equal(updated.name, 'Klarna only');
    assert.equal(updated.active, false);
    assert.deepEqual(updated.card, { available: false, display_preference: { overridable: null, preference: 'off', value: 'off' } });
    assert.deepEqual(updated.klarna, pmc.klarna);
    assert.deepEqual(
      (await stripe.paymentMethodConfigurations.list({ active: false })).data.map((c) => c.id),
      [pmc.id],
    );
    assert.ok((await stripe.paymentMethodConfigurations.list({ active: true })).data.every((c) => c.active));
  });

  it('lists a payment method outside Stripe’s example object once its preference is set', async () => {
    const pmc = await plain.paymentMethodConfigurations.create({ jcb: { display_preference: { preference: 'on' } } });
    assert.deepEqual(pmc.jcb, { available: false, display_preference: { overridable: null, preference: 'on', value: 'on' } });
  });

  it('refuses what Stripe refuses: an unknown id, an unknown method, deactivating the default, a Connect parent', async () => {
    assertInvalid(
      await failure(stripe.paymentMethodConfigurations.retrieve('pmc_missing')),
      404,
      'id',
      'resource_missing',
      "No such payment method configuration: 'pmc_missing'",
    );
    assertInvalid(await failure(stripe.paymentMethodConfigurations.update('pmc_missing', { name: 'x' })), 404, 'id', 'resource_missing');
    assertInvalid(
      await failure(stripe.paymentMethodConfigurations.create({ card: { display_preference: { preference: 'maybe' } } })),
      400,
      'card[display_preference][preference]',
    );
    assertInvalid(
      await failure(
        stripe.paymentMethodConfigurations.create({ cheque: { display_preference: { preference: 'on' } } } as Stripe.PaymentMethodConfigurationCreateParams),
      ),
      400,
      'cheque',
      'parameter_unknown',
      'Received unknown parameter: cheque',
    );
    const [fallback] = (await stripe.paymentMethodConfigurations.list({ limit: 1 })).data;
    assertInvalid(await failure(stripe.paymentMethodConfigurations.update(fallback!.id, { active: false })), 400, 'active', undefined, /default/);
    assertInvalid(await failure(stripe.paymentMethodConfigurations.create({ parent: 'pmc_platform' })), 400, 'parent', undefined, /Connect/);
  });
});

describe('payment_method_configuration on intents', () => {
  it('names the configuration in payment_method_configuration_details; Dashboard payment methods use the default', async () => {
    const pmc = await stripe.paymentMethodConfigurations.create({ name: 'Checkout' });
    const [fallback] = (await stripe.paymentMethodConfigurations.list({ limit: 1 })).data;

    const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 2000, currency: 'usd', payment_method_configuration: pmc.id });
    assertShape(pi, 'payment_intent');
    assert.deepEqual(pi.payment_method_configuration_details, { id: pmc.id, parent: null });
    const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(paid.status, 'succeeded');
    assert.deepEqual(paid.payment_method_configuration_details, { id: pmc.id, parent: null });

    const si = await stripe.setupIntents.create({ ...NO_REDIRECTS, payment_method_configuration: pmc.id, confirm: true, payment_method: 'pm_card_visa' });
    assertShape(si, 'setup_intent');
    assert.equal(si.status, 'succeeded');
    assert.deepEqual(si.payment_method_configuration_details, { id: pmc.id, parent: null });

    const dashboard = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    assert.deepEqual(dashboard.payment_method_configuration_details, { id: fallback!.id, parent: null });
    assert.deepEqual((await stripe.setupIntents.create({})).payment_method_configuration_details, { id: fallback!.id, parent: null });
    // An allowed list picks the payment methods itself: no configuration.
    const listed = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', allowed_payment_method_types: ['card'] });
    assert.equal(listed.payment_method_configuration_details, null);
  });

  it('refuses an unknown configuration, one with cards off or inactive, and one with an allowed list', async () => {
    const base = { amount: 2000, currency: 'usd' };
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_configuration: 'pmc_123' })),
      400,
      'payment_method_configuration',
      'resource_missing',
      "No such payment method configuration: 'pmc_123'",
    );
    assertInvalid(
      await failure(stripe.setupIntents.create({ payment_method_configuration: 'pmc_123' })),
      400,
      'payment_method_configuration',
      'resource_missing',
    );

    const noCards = await stripe.paymentMethodConfigurations.create({
      card: { display_preference: { preference: 'off' } },
      klarna: { display_preference: { preference: 'on' } },
    });
    for (const request of [
      stripe.paymentIntents.create({ ...base, payment_method_configuration: noCards.id }),
      stripe.setupIntents.create({ payment_method_configuration: noCards.id }),
    ]) {
      assertInvalid(await failure(request), 400, 'payment_method_configuration', undefined, new RegExp(`${noCards.id} turns cards off`));
    }
    const inactive = await stripe.paymentMethodConfigurations.create({ name: 'Retired' });
    await stripe.paymentMethodConfigurations.update(inactive.id, { active: false });
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, payment_method_configuration: inactive.id })),
      400,
      'payment_method_configuration',
      undefined,
      /not active/,
    );
    // The default configuration with cards off leaves the Dashboard's payment methods nothing either.
    const [fallback] = (await stripe.paymentMethodConfigurations.list({ limit: 1 })).data;
    await stripe.paymentMethodConfigurations.update(fallback!.id, { card: { display_preference: { preference: 'off' } } });
    try {
      assertInvalid(
        await failure(stripe.paymentIntents.create(base)),
        400,
        'automatic_payment_methods',
        undefined,
        new RegExp(`${fallback!.id} turns cards off`),
      );
      assert.equal((await stripe.paymentIntents.create({ ...base, allowed_payment_method_types: ['card'] })).status, 'requires_payment_method');
    } finally {
      await stripe.paymentMethodConfigurations.update(fallback!.id, { card: { display_preference: { preference: 'on' } } });
    }
    const usable = await stripe.paymentMethodConfigurations.create({ name: 'Cards' });
    assertInvalid(
      await failure(stripe.paymentIntents.create({ ...base, allowed_payment_method_types: ['card'], payment_method_configuration: usable.id })),
      400,
      'payment_method_configuration',
      undefined,
      /allowed_payment_method_types/,
    );
  });
});

describe('payment_method_configuration on Checkout sessions', () => {
  it('names the configuration on the session; an unknown one, or one with cards off, is refused', async () => {
    const product = await stripe.products.create({ name: 'Configured plan' });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } });
    const base = {
      mode: 'subscription' as const,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://example.com/ok',
    };
    const pmc = await stripe.paymentMethodConfigurations.create({ name: 'Checkout cards' });
    const session = await stripe.checkout.sessions.create({ ...base, payment_method_configuration: pmc.id });
    assert.deepEqual(session.payment_method_configuration_details, { id: pmc.id, parent: null });
    const [fallback] = (await stripe.paymentMethodConfigurations.list({ limit: 1 })).data;
    assert.deepEqual(
      (await stripe.checkout.sessions.create(base)).payment_method_configuration_details,
      { id: fallback!.id, parent: null },
      "none named: the account's default",
    );
    const listed = await stripe.checkout.sessions.create({ ...base, allowed_payment_method_types: ['card'] });
    assert.equal(listed.payment_method_configuration_details, null, 'an allowed list picks the methods itself');

    assertInvalid(
      await failure(stripe.checkout.sessions.create({ ...base, payment_method_configuration: 'pmc_nope' })),
      400,
      'payment_method_configuration',
      'resource_missing',
      "No such payment method configuration: 'pmc_nope'",
    );
    const noCards = await stripe.paymentMethodConfigurations.create({ card: { display_preference: { preference: 'off' } } });
    assertInvalid(
      await failure(stripe.checkout.sessions.create({ ...base, payment_method_configuration: noCards.id })),
      400,
      'payment_method_configuration',
      undefined,
      new RegExp(`${noCards.id} turns cards off`),
    );
  });
});
