// Customers, products and prices with the parameters a SaaS integration sends beyond the basics
// (issue 20): each through the official SDK, with Stripe's validation errors. Every successful
// response is checked against Stripe's example objects by the api-kit's client.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';

let stripe: Stripe;
useApiEmulator((started) => {
  stripe = started.stripe;
});

/** The types of the events recorded for `objectId`, oldest first. */
async function eventTypesFor(objectId: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data
    .filter((e) => (e.data.object as { id?: string }).id === objectId)
    .map((e) => e.type)
    .reverse();
}

describe('customers: the parameters beyond the basics', () => {
  it('stores balance, names, invoice numbering, shipping, tax exemption and tax ids', async () => {
    const customer = await stripe.customers.create({
      email: 'acme@example.com',
      balance: -500,
      business_name: 'Acme GmbH',
      individual_name: 'Jenny Rosen',
      invoice_prefix: 'ACME42',
      next_invoice_sequence: 7,
      shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', city: 'Berlin', country: 'DE', postal_code: '10115' } },
      tax_exempt: 'reverse',
      tax_id_data: [{ type: 'eu_vat', value: 'DE123456789' }],
      tax: { ip_address: '203.0.113.7' },
      cash_balance: { settings: { reconciliation_mode: 'manual' } },
      validate: true,
    });
    assert.equal(customer.balance, -500);
    assert.equal(customer.business_name, 'Acme GmbH');
    assert.equal(customer.individual_name, 'Jenny Rosen');
    assert.equal(customer.invoice_prefix, 'ACME42');
    assert.equal(customer.next_invoice_sequence, 7);
    assert.equal(customer.tax_exempt, 'reverse');
    assert.deepEqual(customer.shipping, {
      name: 'Jenny Rosen',
      phone: null,
      address: { line1: '1 Main St', line2: null, city: 'Berlin', state: null, country: 'DE', postal_code: '10115' },
    });
    assert.equal(customer.tax_ids, undefined, 'tax ids only when expanded');

    const expanded = (await stripe.customers.retrieve(customer.id, { expand: ['tax_ids', 'tax', 'cash_balance'] })) as Stripe.Customer;
    assert.equal(expanded.tax_ids?.data.length, 1);
    const taxId = expanded.tax_ids!.data[0]!;
    assert.match(taxId.id, /^txi_/);
    assert.deepEqual([taxId.type, taxId.value, taxId.country, taxId.customer], ['eu_vat', 'DE123456789', 'DE', customer.id]);
    assert.equal(expanded.tax_ids!.url, `/v1/customers/${customer.id}/tax_ids`);
    assert.equal(expanded.tax?.ip_address, '203.0.113.7');
    assert.equal(expanded.cash_balance?.settings.reconciliation_mode, 'manual');
    assert.deepEqual(await eventTypesFor(taxId.id), ['customer.tax_id.created']);

    const updated = await stripe.customers.update(customer.id, { business_name: '', tax_exempt: '', shipping: '', balance: 0, invoice_prefix: 'ACME43' });
    assert.equal('business_name' in updated, false, 'an unset business name leaves the customer');
    assert.equal(updated.tax_exempt, 'none');
    assert.equal(updated.shipping, null);
    assert.equal(updated.balance, 0);
    assert.equal(updated.invoice_prefix, 'ACME43');
  });

  it('numbers invoices with the invoice prefix and the next sequence', async () => {
    const product = await stripe.products.create({
      name: 'Numbered',
      default_price_data: { currency: 'usd', unit_amount: 900, recurring: { interval: 'month' } },
    });
    const customer = await stripe.customers.create({
      invoice_prefix: 'CANARY',
      next_invoice_sequence: 12,
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: product.default_price as string }], expand: ['latest_invoice'] });
    assert.equal((sub.latest_invoice as Stripe.Invoice).number, 'CANARY-0012');
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.equal(after.next_invoice_sequence, 13);
  });

  it('refuses an invoice prefix that is not 1–12 uppercase letters or numbers (as stripe-node 23 documents), and a bad tax location', async () => {
    for (const prefix of ['ab12', '', 'ABC-1', 'ABCDEFGHIJKLM']) {
      const err = await failure(stripe.customers.create({ invoice_prefix: prefix }));
      assertInvalid(err, 400, 'invoice_prefix', undefined, /1–12 uppercase letters or numbers|empty string/);
    }
    assert.equal((await stripe.customers.create({ invoice_prefix: 'AB' })).invoice_prefix, 'AB');
    assertInvalid(await failure(stripe.customers.create({ tax_exempt: 'partial' as 'none' })), 400, 'tax_exempt', undefined, /none, exempt, or reverse/);
    assertInvalid(await failure(stripe.customers.create({ tax: { ip_address: 'not-an-ip' } })), 400, 'tax[ip_address]');
    assertInvalid(await failure(stripe.customers.create({ tax_id_data: [{ type: 'xx_tax' as 'eu_vat', value: '1' }] })), 400, 'tax_id_data[0][type]');
    const noLocation = await failure(stripe.customers.create({ address: { country: 'US' }, tax: { validate_location: 'immediately' } }));
    assertInvalid(noLocation, 400, 'tax[validate_location]', 'customer_tax_location_invalid');
    const located = await stripe.customers.create({ address: { country: 'US', postal_code: '94103' }, tax: { validate_location: 'immediately' } });
    const withTax = (await stripe.customers.retrieve(located.id, { expand: ['tax'] })) as Stripe.Customer;
    assert.equal(withTax.tax?.automatic_tax, 'supported');
    assert.deepEqual(withTax.tax?.location, { country: 'US', source: 'billing_address', state: null });
  });

  it('takes a test token as the default source, and only its own card as default_source', async () => {
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    assert.ok(customer.default_source, 'the token became the default source');
    const card = await stripe.paymentMethods.retrieve(customer.default_source as string);
    assert.equal(card.customer, customer.id);
    assert.equal(card.card?.last4, '4242');

    const replaced = await stripe.customers.update(customer.id, { source: 'tok_mastercard' });
    assert.notEqual(replaced.default_source, customer.default_source);
    assert.equal((await stripe.paymentMethods.retrieve(customer.default_source as string)).customer, null, 'the old default source is removed');

    const unknown = await failure(stripe.customers.create({ source: 'tok_nonsense' }));
    assertInvalid(unknown, 400, 'source', 'resource_missing', "No such token: 'tok_nonsense'");
    const declined = await failure(stripe.customers.create({ source: 'tok_chargeDeclined' }));
    assert.equal(declined.type, 'StripeCardError');
    assert.equal(declined.code, 'card_declined');

    const other = await stripe.customers.create({ source: 'tok_visa' });
    const notOwn = await failure(stripe.customers.update(customer.id, { default_source: other.default_source as string }));
    assertInvalid(notOwn, 400, 'default_source', 'resource_missing');
    const back = await stripe.customers.update(other.id, { default_source: other.default_source as string });
    assert.equal(back.default_source, other.default_source);
  });

  it('answers resource_missing for a test clock it does not have, on create and on list', async () => {
    const create = await failure(stripe.customers.create({ test_clock: 'clock_unknown' }));
    assertInvalid(create, 400, 'test_clock', 'resource_missing', "No such test_clock: 'clock_unknown'");
    const list = await failure(stripe.customers.list({ test_clock: 'clock_unknown' }));
    assertInvalid(list, 400, 'test_clock', 'resource_missing');
  });
});

describe('products: the parameters beyond the basics', () => {
  it('creates a product with its default price (product.created, then price.created)', async () => {
    const product = await stripe.products.create({
      name: 'Pro',
      default_price_data: {
        currency: 'usd',
        unit_amount: 2900,
        recurring: { interval: 'month' },
        tax_behavior: 'exclusive',
        currency_options: { eur: { unit_amount: 2700 } },
      },
      images: ['https://example.com/pro.png'],
      marketing_features: [{ name: 'Unlimited projects' }],
      package_dimensions: { height: 1.5, length: 2, weight: 3, width: 4 },
      shippable: false,
      tax_code: 'txcd_10103001',
      tax_details: { performance_location: 'Berlin' },
      type: 'service',
      url: 'https://example.com/pro',
      unit_label: 'seat',
      statement_descriptor: 'CANARY PRO',
    });
    assert.match(String(product.default_price), /^price_/);
    assert.deepEqual(product.images, ['https://example.com/pro.png']);
    assert.deepEqual(product.marketing_features, [{ name: 'Unlimited projects' }]);
    assert.deepEqual(product.package_dimensions, { height: 1.5, length: 2, weight: 3, width: 4 });
    assert.equal(product.shippable, false);
    assert.equal(product.tax_code, 'txcd_10103001');
    assert.deepEqual(product.tax_details, { performance_location: 'Berlin', tax_code: null });
    assert.equal(product.unit_label, 'seat');

    const price = await stripe.prices.retrieve(product.default_price as string, { expand: ['currency_options'] });
    assert.equal(price.product, product.id);
    assert.equal(price.unit_amount, 2900);
    assert.equal(price.type, 'recurring');
    assert.equal(price.tax_behavior, 'exclusive');
    assert.equal(price.currency_options?.eur?.unit_amount, 2700);
    assert.equal(price.currency_options?.usd?.unit_amount, 2900);

    const events = await stripe.events.list({ limit: 100 });
    const order = events.data
      .filter((e) => [product.id, price.id].includes((e.data.object as { id: string }).id))
      .map((e) => e.type)
      .reverse();
    assert.deepEqual(order, ['product.created', 'price.created']);
  });

  it('refuses a bad default price before anything is made', async () => {
    const before = await stripe.products.list({ limit: 100 });
    const err = await failure(stripe.products.create({ name: 'Broken', default_price_data: { currency: 'usd' } }));
    assertInvalid(err, 400, 'default_price_data[unit_amount]', 'parameter_missing');
    const after = await stripe.products.list({ limit: 100 });
    assert.equal(after.data.length, before.data.length);
    assertInvalid(await failure(stripe.products.create({ name: 'Taxless', tax_code: 'food' })), 400, 'tax_code', 'resource_missing');
  });

  it('updates the default price (a price of its own only) and the other fields, unsetting with empty strings', async () => {
    const product = await stripe.products.create({ name: 'Team', images: ['https://example.com/a.png'], url: 'https://example.com/team' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 4900 });
    const updated = await stripe.products.update(product.id, {
      default_price: price.id,
      images: '',
      url: '',
      marketing_features: [{ name: 'SSO' }],
      package_dimensions: { height: 1, length: 1, weight: 1, width: 1 },
      shippable: true,
      tax_details: { tax_code: 'txcd_10000000' },
    });
    assert.equal(updated.default_price, price.id);
    assert.deepEqual(updated.images, []);
    assert.equal(updated.url, null);
    assert.deepEqual(updated.marketing_features, [{ name: 'SSO' }]);
    assert.equal(updated.shippable, true);
    assert.deepEqual(updated.tax_details, { performance_location: null, tax_code: 'txcd_10000000' });
    const cleared = await stripe.products.update(product.id, { package_dimensions: '', tax_details: '' });
    assert.equal(cleared.package_dimensions, null);
    assert.equal(cleared.tax_details, null);

    const other = await stripe.products.create({ name: 'Other', default_price_data: { currency: 'usd', unit_amount: 100 } });
    assertInvalid(await failure(stripe.products.update(product.id, { default_price: other.default_price as string })), 400, 'default_price');
    assertInvalid(await failure(stripe.products.update(product.id, { default_price: 'price_missing' })), 400, 'default_price', 'resource_missing');
    const archive = await failure(stripe.prices.update(price.id, { active: false }));
    assertInvalid(archive, 400, 'active', undefined, /default price of its product/);
  });
});

describe('prices: the parameters beyond the basics', () => {
  it('creates its product from product_data (product.created, then price.created)', async () => {
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 1200,
      product_data: { name: 'Add-on', unit_label: 'seat', metadata: { tier: 'addon' } },
      expand: ['product'],
    });
    const product = price.product as Stripe.Product;
    assert.equal(product.name, 'Add-on');
    assert.equal(product.unit_label, 'seat');
    assert.deepEqual(product.metadata, { tier: 'addon' });
    assert.deepEqual(await eventTypesFor(product.id), ['product.created']);
    assertInvalid(await failure(stripe.prices.create({ currency: 'usd', unit_amount: 1 })), 400, 'product', 'parameter_missing');
    assertInvalid(
      await failure(stripe.prices.create({ currency: 'usd', unit_amount: 1, product: product.id, product_data: { name: 'x' } })),
      400,
      'product',
      undefined,
      /only specify one of these parameters: product, product_data/,
    );
  });

  it('creates tiered prices, returning the tiers when expanded, and checks them', async () => {
    const { id: product } = await stripe.products.create({ name: 'Seats' });
    const price = await stripe.prices.create({
      product,
      currency: 'usd',
      recurring: { interval: 'month' },
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers: [
        { up_to: 5, unit_amount: 1000 },
        { up_to: 'inf', unit_amount_decimal: Stripe.Decimal.from('750.5'), flat_amount: 200 },
      ],
      expand: ['tiers'],
    });
    assert.equal(price.billing_scheme, 'tiered');
    assert.equal(price.tiers_mode, 'graduated');
    assert.equal(price.unit_amount, null);
    // The SDK turns decimal strings into Decimal objects; compare them as text.
    const text = (d: unknown) => (d === null ? null : String(d));
    assert.deepEqual(
      price.tiers?.map((t) => ({ ...t, flat_amount_decimal: text(t.flat_amount_decimal), unit_amount_decimal: text(t.unit_amount_decimal) })),
      [
        { flat_amount: null, flat_amount_decimal: null, unit_amount: 1000, unit_amount_decimal: '1000', up_to: 5 },
        { flat_amount: 200, flat_amount_decimal: '200', unit_amount: null, unit_amount_decimal: '750.5', up_to: null },
      ],
    );
    const plain = await stripe.prices.retrieve(price.id);
    assert.equal(plain.tiers, undefined, 'tiers only when expanded');

    const base = { product, currency: 'usd', recurring: { interval: 'month' as const }, billing_scheme: 'tiered' as const, tiers_mode: 'volume' as const };
    const notInf = await failure(
      stripe.prices.create({
        ...base,
        tiers: [
          { up_to: 5, unit_amount: 1 },
          { up_to: 10, unit_amount: 1 },
        ],
      }),
    );
    assertInvalid(notInf, 400, 'tiers[1][up_to]', undefined, /last tier must have `up_to` set to `inf`/);
    const unordered = await failure(
      stripe.prices.create({
        ...base,
        tiers: [
          { up_to: 5, unit_amount: 1 },
          { up_to: 3, unit_amount: 1 },
          { up_to: 'inf', unit_amount: 1 },
        ],
      }),
    );
    assertInvalid(unordered, 400, 'tiers[1][up_to]');
    assertInvalid(
      await failure(stripe.prices.create({ ...base, tiers_mode: undefined, tiers: [{ up_to: 'inf', unit_amount: 1 }] })),
      400,
      'tiers_mode',
      'parameter_missing',
    );
    assertInvalid(await failure(stripe.prices.create({ ...base, unit_amount: 5, tiers: [{ up_to: 'inf', unit_amount: 1 }] })), 400, 'unit_amount');
    assertInvalid(
      await failure(stripe.prices.create({ product, currency: 'usd', unit_amount: 5, tiers: [{ up_to: 'inf', unit_amount: 1 }] })),
      400,
      'tiers',
      undefined,
      /billing_scheme=tiered/,
    );
  });

  it('takes transform_quantity, unit_amount_decimal and custom_unit_amount (one-time only)', async () => {
    const { id: product } = await stripe.products.create({ name: 'Packs' });
    const packs = await stripe.prices.create({ product, currency: 'usd', unit_amount: 500, transform_quantity: { divide_by: 10, round: 'up' } });
    assert.deepEqual(packs.transform_quantity, { divide_by: 10, round: 'up' });
    const fractional = await stripe.prices.create({ product, currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('0.25') });
    assert.equal(fractional.unit_amount, null);
    assert.equal(String(fractional.unit_amount_decimal), '0.25');
    const whole = await stripe.prices.create({ product, currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('300') });
    assert.equal(whole.unit_amount, 300);

    const tip = await stripe.prices.create({ product, currency: 'usd', custom_unit_amount: { enabled: true, minimum: 100, maximum: 10000, preset: 500 } });
    assert.deepEqual(tip.custom_unit_amount, { maximum: 10000, minimum: 100, preset: 500 });
    assert.equal(tip.unit_amount, null);

    const recurring = await failure(
      stripe.prices.create({ product, currency: 'usd', recurring: { interval: 'month' }, custom_unit_amount: { enabled: true } }),
    );
    assertInvalid(recurring, 400, 'custom_unit_amount', undefined, /one-time prices/);
    const both = await failure(stripe.prices.create({ product, currency: 'usd', unit_amount: 1, unit_amount_decimal: Stripe.Decimal.from('1') }));
    assertInvalid(both, 400, 'unit_amount', undefined, 'You may only specify one of these parameters: unit_amount, unit_amount_decimal.');
    const preset = await failure(stripe.prices.create({ product, currency: 'usd', custom_unit_amount: { enabled: true, minimum: 100, preset: 50 } }));
    assertInvalid(preset, 400, 'custom_unit_amount[preset]');
    assertInvalid(
      await failure(stripe.prices.create({ product, currency: 'usd', unit_amount_decimal: '1.2.3' as unknown as Stripe.Decimal })),
      400,
      'unit_amount_decimal',
      undefined,
      'Invalid decimal: 1.2.3',
    );
    assertInvalid(
      await failure(stripe.prices.create({ product, currency: 'usd', unit_amount: 1, transform_quantity: { divide_by: 0, round: 'up' } })),
      400,
      'transform_quantity[divide_by]',
    );
  });

  it('keeps currency options, updates them, and sets tax behaviour only while unspecified', async () => {
    const { id: product } = await stripe.products.create({ name: 'Global' });
    const price = await stripe.prices.create({
      product,
      currency: 'usd',
      unit_amount: 1000,
      currency_options: { eur: { unit_amount: 900, tax_behavior: 'inclusive' } },
    });
    assert.equal(price.currency_options, undefined, 'currency options only when expanded');
    const updated = await stripe.prices.update(price.id, {
      currency_options: { gbp: { unit_amount: 800 } },
      tax_behavior: 'exclusive',
      expand: ['currency_options'],
    });
    assert.deepEqual(Object.keys(updated.currency_options ?? {}).sort(), ['eur', 'gbp', 'usd']);
    const eur = updated.currency_options?.eur;
    assert.deepEqual(
      { ...eur, unit_amount_decimal: String(eur?.unit_amount_decimal) },
      { custom_unit_amount: null, tax_behavior: 'inclusive', unit_amount: 900, unit_amount_decimal: '900' },
    );
    assert.equal(updated.currency_options?.usd?.tax_behavior, 'exclusive');
    assert.equal(updated.tax_behavior, 'exclusive');
    assert.deepEqual(await eventTypesFor(price.id), ['price.created', 'price.updated']);

    const locked = await failure(stripe.prices.update(price.id, { tax_behavior: 'inclusive' }));
    assertInvalid(locked, 400, 'tax_behavior', undefined, /only while it is `unspecified`/);
    assert.equal((await stripe.prices.update(price.id, { tax_behavior: 'exclusive' })).tax_behavior, 'exclusive', 'the same value is no change');

    const own = await failure(stripe.prices.create({ product, currency: 'usd', unit_amount: 1, currency_options: { usd: { unit_amount: 2 } } }));
    assertInvalid(own, 400, 'currency_options[usd]');
    const missing = await failure(stripe.prices.create({ product, currency: 'usd', unit_amount: 1, currency_options: { eur: { tax_behavior: 'inclusive' } } }));
    assertInvalid(missing, 400, 'currency_options[eur][unit_amount]', 'parameter_missing');

    const cleared = await stripe.prices.update(price.id, { currency_options: '', expand: ['currency_options'] });
    assert.deepEqual(Object.keys(cleared.currency_options ?? {}), ['usd']);
  });
});
