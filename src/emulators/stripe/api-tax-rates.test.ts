// Tax rates through the official SDK: create, retrieve, list, update and archive; a subscription's
// default_tax_rates and its items' tax_rates, and the tax they put on its invoices (exclusive
// added to the total, inclusive taken out of the amount); Stripe's refusals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';

let stripe: Stripe;
useApiEmulator((a) => {
  stripe = a.stripe;
});

async function monthly(amount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Taxed plan ${amount}` });
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval: 'month' } });
}

async function customerWithCard(): Promise<Stripe.Customer> {
  const customer = await stripe.customers.create({ email: 'taxed@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  return stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
}

describe('tax rates', () => {
  it('create, retrieve, list by active and inclusive, update; percentage and inclusive stay as made', async () => {
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false, country: 'DE', jurisdiction: 'DE', tax_type: 'vat' });
    assert.match(vat.id, /^txr_/);
    assert.equal(vat.object, 'tax_rate');
    assert.deepEqual(
      [vat.display_name, vat.percentage, vat.inclusive, vat.active, vat.country, vat.tax_type, vat.description],
      ['VAT', 19, false, true, 'DE', 'vat', null],
    );
    assert.deepEqual(await stripe.taxRates.retrieve(vat.id), vat);
    const gst = await stripe.taxRates.create({ display_name: 'GST', percentage: 7.5, inclusive: true, metadata: { region: 'apac' } });
    assert.equal(gst.percentage, 7.5);

    const inclusive = await stripe.taxRates.list({ inclusive: true, limit: 100 });
    assert.deepEqual(
      inclusive.data.map((r) => r.id),
      [gst.id],
    );
    const archived = await stripe.taxRates.update(vat.id, { active: false, description: 'old VAT', metadata: { note: 'x' } });
    assert.deepEqual([archived.active, archived.description, archived.metadata], [false, 'old VAT', { note: 'x' }]);
    assert.deepEqual(
      (await stripe.taxRates.list({ active: false })).data.map((r) => r.id),
      [vat.id],
    );
    const notEditable = await failure(stripe.taxRates.update(vat.id, { percentage: 20 } as Stripe.TaxRateUpdateParams));
    assertInvalid(notEditable, 400, 'percentage', 'parameter_unknown');
    assertInvalid(await failure(stripe.taxRates.create({ display_name: 'Too much', percentage: 101, inclusive: false })), 400, 'percentage');
    assertInvalid(
      await failure(stripe.taxRates.create({ display_name: 'No percentage', inclusive: false } as Stripe.TaxRateCreateParams)),
      400,
      'percentage',
      'parameter_missing',
    );
    assertInvalid(await failure(stripe.taxRates.retrieve('txr_missing')), 404, 'id', 'resource_missing');
  });

  it('an exclusive default rate is added to the invoice; an item’s inclusive rate is taken out of its amount', async () => {
    const customer = await customerWithCard();
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(1000)).id }],
      default_tax_rates: [vat.id],
      expand: ['latest_invoice'],
    });
    assert.deepEqual(
      sub.default_tax_rates?.map((r) => [r.id, r.percentage]),
      [[vat.id, 19]],
    );
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.deepEqual([invoice.subtotal, invoice.total_excluding_tax, invoice.total, invoice.amount_paid, invoice.status], [1000, 1000, 1190, 1190, 'paid']);
    assert.deepEqual(
      invoice.total_taxes?.map((t) => [t.amount, t.tax_behavior, t.taxable_amount, t.tax_rate_details?.tax_rate]),
      [[190, 'exclusive', 1000, vat.id]],
    );
    assert.equal(invoice.lines.data[0]!.taxes?.[0]?.amount, 190);
    assert.deepEqual(
      invoice.default_tax_rates.map((r) => r.id),
      [vat.id],
    );

    // An item's own rate replaces the default: 20 % inclusive of 1200 is 200 of it.
    const included = await stripe.taxRates.create({ display_name: 'VAT incl.', percentage: 20, inclusive: true });
    const both = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthly(1200)).id, tax_rates: [included.id] }],
      default_tax_rates: [vat.id],
      expand: ['latest_invoice'],
    });
    assert.deepEqual(
      both.items.data[0]!.tax_rates?.map((r) => r.id),
      [included.id],
    );
    const incl = both.latest_invoice as Stripe.Invoice;
    assert.deepEqual([incl.subtotal, incl.subtotal_excluding_tax, incl.total, incl.total_excluding_tax], [1200, 1000, 1200, 1000]);
    assert.deepEqual(
      incl.total_taxes?.map((t) => [t.amount, t.tax_behavior, t.taxable_amount]),
      [[200, 'inclusive', 1000]],
    );

    // Updating default_tax_rates applies from the next invoice; '' removes them.
    const cleared = await stripe.subscriptions.update(sub.id, { default_tax_rates: '' });
    assert.deepEqual(cleared.default_tax_rates, []);
  });

  it('refuses unknown and archived rates, naming the entry, and makes nothing', async () => {
    const customer = await customerWithCard();
    const price = await monthly(500);
    const before = (await stripe.subscriptions.list({ customer: customer.id })).data.length;
    const unknown = await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_tax_rates: ['txr_nope'] }));
    assertInvalid(unknown, 400, 'default_tax_rates[0]', 'resource_missing', "No such tax rate: 'txr_nope'");
    const old = await stripe.taxRates.create({ display_name: 'Old', percentage: 5, inclusive: false, active: false });
    const archived = await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, tax_rates: [old.id] }] }));
    assertInvalid(archived, 400, 'items[0][tax_rates][0]', undefined, /archived/);
    assert.equal((await stripe.subscriptions.list({ customer: customer.id })).data.length, before);
  });
});
