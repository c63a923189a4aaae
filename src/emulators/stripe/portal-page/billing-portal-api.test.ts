// The billing portal's API through the official SDK: the default configuration, configurations
// made and changed, sessions (`bps_…`, their `url` the emulator's portal page, `flow`), and
// Stripe's errors. Every successful response is checked against Stripe's example objects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from '../testing/api-kit.ts';

let stripe: Stripe;
const api = useApiEmulator((a) => {
  stripe = a.stripe;
});

async function monthly(name: string, amount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name });
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval: 'month' } });
}

async function subscribed(): Promise<{ customer: Stripe.Customer; subscription: Stripe.Subscription; price: Stripe.Price }> {
  const price = await monthly('Pro', 2900);
  const customer = await stripe.customers.create({ email: 'portal@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  return { customer, subscription, price };
}

describe('billing portal configurations', () => {
  it('the account has one default configuration: cancel at period end on, plan switching off', async () => {
    const list = await stripe.billingPortal.configurations.list({ is_default: true });
    assert.equal(list.data.length, 1);
    const config = list.data[0]!;
    assert.match(config.id, /^bpc_/);
    assert.equal(config.is_default, true);
    assert.equal(config.active, true);
    assert.deepEqual(
      { enabled: config.features.subscription_cancel.enabled, mode: config.features.subscription_cancel.mode },
      { enabled: true, mode: 'at_period_end' },
    );
    assert.equal(config.features.subscription_update.enabled, false);
    assert.deepEqual(await stripe.billingPortal.configurations.retrieve(config.id), config);
  });

  it('create with subscription_cancel and subscription_update (products), then update it', async () => {
    const pro = await monthly('Pro', 2900);
    const team = await monthly('Team', 9900);
    const config = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Acme billing' },
      default_return_url: 'https://example.com/account',
      features: {
        subscription_cancel: { enabled: true, mode: 'immediately', proration_behavior: 'create_prorations' },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          proration_behavior: 'always_invoice',
          products: [
            { product: pro.product as string, prices: [pro.id] },
            { product: team.product as string, prices: [team.id] },
          ],
        },
      },
      metadata: { team: 'billing' },
    });
    assert.equal(config.is_default, false);
    assert.equal(config.business_profile.headline, 'Acme billing');
    assert.equal(config.default_return_url, 'https://example.com/account');
    assert.equal(config.features.subscription_cancel.mode, 'immediately');
    assert.equal(config.features.subscription_update.proration_behavior, 'always_invoice');
    assert.deepEqual(config.metadata, { team: 'billing' });

    const updated = await stripe.billingPortal.configurations.update(config.id, { active: false, features: { subscription_update: { enabled: false } } });
    assert.equal(updated.active, false);
    assert.equal(updated.features.subscription_update.enabled, false);
    assert.deepEqual(
      (await stripe.billingPortal.configurations.list({ active: false })).data.map((c) => c.id),
      [config.id],
    );
  });

  it('refuses what Stripe refuses: features missing, an unknown product, a price of another product, create_prorations at period end', async () => {
    const pro = await monthly('Pro', 2900);
    const other = await monthly('Other', 100);
    assertInvalid(
      await failure(stripe.billingPortal.configurations.create({} as Stripe.BillingPortal.ConfigurationCreateParams)),
      400,
      'features',
      'parameter_missing',
    );
    const unknown = await failure(
      stripe.billingPortal.configurations.create({
        features: { subscription_update: { enabled: true, products: [{ product: 'prod_missing', prices: [pro.id] }] } },
      }),
    );
    assertInvalid(unknown, 400, 'features[subscription_update][products][0][product]', 'resource_missing', "No such product: 'prod_missing'");
    const mismatch = await failure(
      stripe.billingPortal.configurations.create({
        features: { subscription_update: { enabled: true, products: [{ product: pro.product as string, prices: [other.id] }] } },
      }),
    );
    assertInvalid(mismatch, 400, 'features[subscription_update][products][0][prices][0]');
    const prorations = await failure(
      stripe.billingPortal.configurations.create({ features: { subscription_cancel: { enabled: true, proration_behavior: 'create_prorations' } } }),
    );
    assertInvalid(prorations, 400, 'features[subscription_cancel][proration_behavior]');
    assertInvalid(
      await failure(stripe.billingPortal.configurations.retrieve('bpc_missing')),
      404,
      'id',
      'resource_missing',
      "No such configuration: 'bpc_missing'",
    );
  });
});

describe('billing portal sessions', () => {
  it('a session for a customer: bps_ id, the emulator’s portal url, the default configuration, return_url and locale', async () => {
    const { customer } = await subscribed();
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://example.com/account', locale: 'fr' });
    assert.match(session.id, /^bps_/);
    assert.equal(session.object, 'billing_portal.session');
    assert.equal(session.customer, customer.id);
    assert.equal(session.return_url, 'https://example.com/account');
    assert.equal(session.locale, 'fr');
    assert.equal(session.livemode, false);
    assert.equal(session.flow, null);
    assert.equal(session.url, `${api.t.emulator.url}/p/session/${session.id}`);
    const defaults = await stripe.billingPortal.configurations.list({ is_default: true });
    assert.equal(session.configuration, defaults.data[0]!.id);
    const page = await fetch(session.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html lang="fr"/);
  });

  it('flow_data: subscription_cancel with a redirect after completion is returned as Stripe shows it', async () => {
    const { customer, subscription } = await subscribed();
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      flow_data: {
        type: 'subscription_cancel',
        subscription_cancel: { subscription: subscription.id },
        after_completion: { type: 'redirect', redirect: { return_url: 'https://example.com/canceled' } },
      },
    });
    assert.deepEqual(session.flow, {
      after_completion: { hosted_confirmation: null, redirect: { return_url: 'https://example.com/canceled' }, type: 'redirect' },
      subscription_cancel: { retention: null, subscription: subscription.id },
      subscription_update: null,
      subscription_update_confirm: null,
      type: 'subscription_cancel',
    });
    assert.equal(session.return_url, null);
  });

  it("Stripe's errors: customer missing or unknown, return_url not a URL, an unknown configuration, flows that do not fit", async () => {
    const { customer, subscription } = await subscribed();
    const stranger = await stripe.customers.create({ email: 'stranger@example.com' });
    assertInvalid(await failure(stripe.billingPortal.sessions.create({})), 400, 'customer', 'parameter_missing', 'Missing required param: customer.');
    assertInvalid(
      await failure(stripe.billingPortal.sessions.create({ customer: 'cus_missing' })),
      400,
      'customer',
      'resource_missing',
      "No such customer: 'cus_missing'",
    );
    assertInvalid(
      await failure(stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'not a url' })),
      400,
      'return_url',
      'url_invalid',
      'Not a valid URL',
    );
    assertInvalid(
      await failure(stripe.billingPortal.sessions.create({ customer: customer.id, configuration: 'bpc_missing' })),
      400,
      'configuration',
      'resource_missing',
      "No such configuration: 'bpc_missing'",
    );
    assertInvalid(
      await failure(stripe.billingPortal.sessions.create({ customer: customer.id, flow_data: { type: 'subscription_cancel' } })),
      400,
      'flow_data[subscription_cancel]',
      'parameter_missing',
    );
    assertInvalid(
      await failure(
        stripe.billingPortal.sessions.create({
          customer: stranger.id,
          flow_data: { type: 'subscription_cancel', subscription_cancel: { subscription: subscription.id } },
        }),
      ),
      400,
      'flow_data[subscription_cancel][subscription]',
    );
    // The default configuration does not let customers switch plans.
    assertInvalid(
      await failure(
        stripe.billingPortal.sessions.create({
          customer: customer.id,
          flow_data: { type: 'subscription_update', subscription_update: { subscription: subscription.id } },
        }),
      ),
      400,
      'flow_data[type]',
    );
    assertInvalid(
      await failure(stripe.billingPortal.sessions.create({ customer: customer.id, unknown_param: 'x' } as Stripe.BillingPortal.SessionCreateParams)),
      400,
      'unknown_param',
      'parameter_unknown',
    );
  });
});
