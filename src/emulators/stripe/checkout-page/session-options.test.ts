/**
 * What real subscription apps send to `checkout.sessions.create`: inline prices, promotion codes
 * (typed on the page, in Chromium) and `discounts`, `subscription_data`, and the parameters the
 * emulator accepts and returns as Stripe does. Everything is checked through the official SDK.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../../../browser/chromium.ts';
import { CARDS } from '../../../../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../../../../fixtures/pages/stripe-checkout.page.ts';
import { startTestEmulator, type TestEmulator } from '../testing/sdk.ts';

let t: TestEmulator;
let stripe: Stripe;
let browser: Browser;
let price: Stripe.Price;
let oneTime: Stripe.Price;
const SUCCESS = 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}';

before(async () => {
  t = await startTestEmulator();
  stripe = t.stripe;
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
  const product = await stripe.products.create({ name: 'Pro' });
  price = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
  const book = await stripe.products.create({ name: 'Field guide' });
  oneTime = await stripe.prices.create({ product: book.id, unit_amount: 2000, currency: 'usd' });
});

after(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens the session's page and pays with 4242; answers the session once the page has left. */
async function payOnPage(session: Stripe.Checkout.Session, before?: (checkout: StripeCheckoutPage) => Promise<void>): Promise<Stripe.Checkout.Session> {
  const context: BrowserContext = await browser.newContext();
  try {
    const page = await context.newPage();
    // The success URL is not served: the page leaving for it is the outcome.
    await page.route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Thanks</h1>' }));
    await page.goto(session.url!);
    const checkout = new StripeCheckoutPage(page);
    await checkout.waitUntilReady();
    await before?.(checkout);
    await checkout.payWith(CARDS.visa, { name: 'Ada Buyer', country: 'US', postalCode: '94107', email: 'ada@example.com' });
    const outcome = await checkout.outcome();
    assert.equal(outcome.kind, 'left', JSON.stringify(outcome));
    return await stripe.checkout.sessions.retrieve(session.id);
  } finally {
    await context.close();
  }
}

/** The emulator's clock (control API), in Unix seconds. */
async function now(): Promise<number> {
  const res = await fetch(`${t.emulator.url}/_emulator/clock`);
  return ((await res.json()) as { now: number }).now;
}

async function refusal(params: Stripe.Checkout.SessionCreateParams): Promise<Stripe.errors.StripeError> {
  const err = await stripe.checkout.sessions.create(params).then(
    () => null,
    (e: Stripe.errors.StripeError) => e,
  );
  assert.ok(err, `expected ${JSON.stringify(params)} to be refused`);
  assert.equal(err.statusCode, 400);
  return err;
}

describe('line_items[].price_data', () => {
  test('an inline recurring price with product_data: the session shows it, the page pays it, the subscription uses it', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [
        {
          quantity: 2,
          price_data: {
            currency: 'usd',
            unit_amount: 1250,
            recurring: { interval: 'month' },
            product_data: { name: 'Team seat', description: 'One seat', images: ['https://example.com/seat.png'], metadata: { tier: 'team' } },
            tax_behavior: 'exclusive',
          },
        },
      ],
    });
    assert.equal(session.amount_subtotal, 2500);
    assert.equal(session.amount_total, 2500);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    const inline = items.data[0]!.price!;
    assert.equal(items.data[0]!.description, 'Team seat');
    // Stripe's inline prices belong to the object they were made for: inactive, not reusable.
    assert.equal(inline.active, false);
    assert.equal(inline.unit_amount, 1250);
    assert.equal(inline.tax_behavior, 'exclusive');
    assert.deepEqual(inline.recurring && { interval: inline.recurring.interval, count: inline.recurring.interval_count }, { interval: 'month', count: 1 });
    const product = await stripe.products.retrieve(inline.product as string);
    assert.equal(product.name, 'Team seat');
    assert.deepEqual(product.metadata, { tier: 'team' });
    assert.deepEqual(product.images, ['https://example.com/seat.png']);
    // Inactive, it cannot start another session.
    const reuse = await refusal({ mode: 'subscription', success_url: SUCCESS, line_items: [{ price: inline.id, quantity: 1 }] });
    assert.equal(reuse.param, 'line_items[0][price]');

    const paid = await payOnPage(session);
    assert.equal(paid.status, 'complete');
    const sub = await stripe.subscriptions.retrieve(paid.subscription as string);
    assert.equal(sub.items.data[0]!.price.id, inline.id);
    assert.equal(sub.items.data[0]!.quantity, 2);
  });

  test('unit_amount_decimal and an existing product in payment mode', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [
        { quantity: 1, price_data: { currency: 'eur', unit_amount_decimal: '900' as unknown as Stripe.Decimal, product: oneTime.product as string } },
      ],
    });
    assert.equal(session.currency, 'eur');
    assert.equal(session.amount_total, 900);
  });

  test('refused as Stripe refuses it: no currency, no product, price and price_data together, a recurring price in payment mode', async () => {
    const base = { mode: 'subscription' as const, success_url: SUCCESS };
    const noCurrency = await refusal({
      ...base,
      line_items: [{ quantity: 1, price_data: { unit_amount: 100, recurring: { interval: 'month' }, product_data: { name: 'X' } } as never }],
    });
    assert.equal(noCurrency.code, 'parameter_missing');
    assert.equal(noCurrency.param, 'line_items[0][price_data][currency]');
    const noProduct = await refusal({
      ...base,
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, recurring: { interval: 'month' } } }],
    });
    assert.equal(noProduct.param, 'line_items[0][price_data][product_data]');
    const both = await refusal({
      ...base,
      line_items: [{ quantity: 1, price: price.id, price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } } }],
    });
    assert.equal(both.param, 'line_items[0][price_data]');
    const recurringInPayment = await refusal({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, recurring: { interval: 'month' }, product_data: { name: 'X' } } }],
    });
    assert.match(recurringInPayment.message, /recurring price/);
    // Nothing was made by the refused requests.
    const products = await stripe.products.list({ limit: 100 });
    assert.equal(products.data.filter((p) => p.name === 'X').length, 0);
  });
});

describe('promotion codes and discounts', () => {
  test('a promotion code typed on the page lowers the total; paying redeems the coupon and the code', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'once' });
    const code = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'SPRING25' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      allow_promotion_codes: true,
      line_items: [{ price: oneTime.id, quantity: 2 }],
    });
    assert.equal(session.allow_promotion_codes, true);
    assert.equal(session.amount_total, 4000);
    let shownTotal = '';
    const paid = await payOnPage(session, async (checkout) => {
      const wrong = await checkout.applyPromotionCode('NOPE');
      assert.deepEqual(wrong, { applied: false, message: 'This code is invalid.' });
      const result = await checkout.applyPromotionCode('spring25');
      assert.equal(result.applied, true);
      if (result.applied) shownTotal = result.total;
      const open = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(open.amount_total, 3000);
      assert.equal(open.total_details?.amount_discount, 1000);
      assert.deepEqual(open.discounts, [{ coupon: coupon.id, promotion_code: code.id }]);
    });
    assert.equal(shownTotal, '$30.00');
    assert.equal(paid.amount_total, 3000);
    const pi = await stripe.paymentIntents.retrieve(paid.payment_intent as string);
    assert.equal(pi.amount, 3000);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
    assert.equal((await stripe.promotionCodes.retrieve(code.id)).times_redeemed, 1);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    assert.equal(items.data[0]!.amount_discount, 1000);
  });

  test('discounts: a coupon or a promotion code set by the server; the page shows the discount', async () => {
    const coupon = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      discounts: [{ coupon: coupon.id }],
      line_items: [{ price: oneTime.id, quantity: 1 }],
    });
    assert.equal(session.amount_subtotal, 2000);
    assert.equal(session.amount_total, 1500);
    assert.equal(session.total_details?.amount_discount, 500);
    assert.deepEqual(session.discounts, [{ coupon: coupon.id, promotion_code: null }]);
    const paid = await payOnPage(session, async (checkout) => {
      assert.equal((await checkout.total.innerText()).trim(), '$15.00');
      assert.equal(await checkout.addPromotionCode.count(), 0);
    });
    assert.equal(paid.payment_status, 'paid');
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);

    const pcCoupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
    const pc = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: pcCoupon.id } });
    const withCode = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: SUCCESS,
      discounts: [{ promotion_code: pc.id }],
      line_items: [{ price: price.id, quantity: 1 }],
    });
    assert.equal(withCode.amount_total, 4410);
    assert.deepEqual(withCode.discounts, [{ coupon: pcCoupon.id, promotion_code: pc.id }]);
  });

  test('refused: both allow_promotion_codes and discounts, an unknown coupon, a coupon in another currency', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    const both = await refusal({
      mode: 'payment',
      success_url: SUCCESS,
      allow_promotion_codes: true,
      discounts: [{ coupon: coupon.id }],
      line_items: [{ price: oneTime.id, quantity: 1 }],
    });
    assert.equal(both.message, 'You may only specify one of these parameters: allow_promotion_codes, discounts.');
    const unknown = await refusal({ mode: 'payment', success_url: SUCCESS, discounts: [{ coupon: 'nope' }], line_items: [{ price: oneTime.id, quantity: 1 }] });
    assert.equal(unknown.code, 'resource_missing');
    assert.equal(unknown.param, 'discounts[0][coupon]');
    const eur = await stripe.coupons.create({ amount_off: 100, currency: 'eur' });
    const currency = await refusal({
      mode: 'payment',
      success_url: SUCCESS,
      discounts: [{ coupon: eur.id }],
      line_items: [{ price: oneTime.id, quantity: 1 }],
    });
    assert.equal(currency.param, 'discounts[0][coupon]');
  });
});

describe('subscription_data', () => {
  test('trial, metadata, description, anchor, tax rates and trial settings are accepted; the subscription keeps metadata and description', async () => {
    const at = await now();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: {
        trial_period_days: 14,
        trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
        metadata: { plan: 'pro' },
        description: 'Pro plan',
      },
    });
    assert.equal(session.mode, 'subscription');
    // Tax rates must exist; existing ones are refused, since the page would leave the tax out.
    const taxed = { mode: 'subscription' as const, success_url: SUCCESS, line_items: [{ price: price.id, quantity: 1 }] };
    const unknown = await stripe.checkout.sessions.create({ ...taxed, subscription_data: { default_tax_rates: ['txr_123'] } }).catch((e) => e);
    assert.deepEqual([unknown.statusCode, unknown.code, unknown.param], [400, 'resource_missing', 'subscription_data[default_tax_rates][0]']);
    const rate = await stripe.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false });
    const refused = await stripe.checkout.sessions.create({ ...taxed, line_items: [{ price: price.id, quantity: 1, tax_rates: [rate.id] }] }).catch((e) => e);
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.param, 'line_items[0][tax_rates]');
    assert.match(refused.message, /does not apply tax rates yet/);
    const anchored = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { billing_cycle_anchor: at + 10 * 86400, proration_behavior: 'none', trial_end: at + 3 * 86400 },
    });
    assert.equal(anchored.status, 'open');
  });

  test('a trial: paid on the page with nothing charged, the subscription trialing until the trial ends, the card its default', async () => {
    const at = await now();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { trial_period_days: 7, metadata: { plan: 'pro' } },
    });
    const paid = await payOnPage(session);
    assert.equal(paid.status, 'complete');
    const sub = await stripe.subscriptions.retrieve(paid.subscription as string, { expand: ['latest_invoice'] });
    assert.equal(sub.status, 'trialing');
    assert.ok(sub.trial_end! >= at + 7 * 86400 && sub.trial_end! < at + 7 * 86400 + 600, `trial_end ${sub.trial_end} about 7 days after ${at}`);
    assert.deepEqual(sub.metadata, { plan: 'pro' });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.deepEqual([invoice.status, invoice.amount_paid, invoice.total], ['paid', 0, 0]);
    assert.match(String(sub.default_payment_method), /^pm_/);
    const charges = await stripe.charges.list({ customer: sub.customer as string });
    assert.equal(charges.data.length, 0, 'nothing charged during the trial');
  });

  test('a trial with a 3D Secure card: the card check is challenged; completed, it trials with nothing charged; failed, nothing is made', async () => {
    const trialSession = () =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        success_url: SUCCESS,
        line_items: [{ price: price.id, quantity: 1 }],
        subscription_data: { trial_period_days: 7 },
      });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Thanks</h1>' }));
      const cardholder = { name: 'Ada Buyer', country: 'US', postalCode: '94107', email: 'ada-3ds@example.com' };

      const failed = await trialSession();
      await page.goto(failed.url!);
      const refused = new StripeCheckoutPage(page);
      await refused.waitUntilReady();
      await refused.payWith(CARDS.threeDSecureAlways, cardholder);
      assert.equal((await refused.outcome()).kind, 'challenge', 'the card check asks for 3D Secure');
      await refused.failThreeDSecure();
      assert.match(await refused.errorText(), /^We are unable to authenticate your payment method/);
      const stillOpen = await stripe.checkout.sessions.retrieve(failed.id);
      assert.deepEqual([stillOpen.status, stillOpen.subscription], ['open', null]);

      const session = await trialSession();
      await page.goto(session.url!);
      const checkout = new StripeCheckoutPage(page);
      await checkout.waitUntilReady();
      await checkout.payWith(CARDS.threeDSecureAlways, cardholder);
      assert.equal((await checkout.outcome()).kind, 'challenge');
      await checkout.completeThreeDSecure();
      assert.equal((await checkout.outcome()).kind, 'left');
      const paid = await stripe.checkout.sessions.retrieve(session.id);
      const sub = await stripe.subscriptions.retrieve(paid.subscription as string);
      assert.equal(sub.status, 'trialing');
      const intents = await stripe.setupIntents.list({ customer: sub.customer as string });
      assert.deepEqual(
        intents.data.map((si) => [si.status, si.payment_method]),
        [['succeeded', sub.default_payment_method]],
        "the card check succeeded with the subscription's card",
      );
      assert.equal((await stripe.charges.list({ customer: sub.customer as string })).data.length, 0, 'nothing charged during the trial');
    } finally {
      await context.close();
    }
  });

  test('refused: trial_end with trial_period_days, a trial_end too soon, subscription_data in payment mode', async () => {
    const at = await now();
    const base = { mode: 'subscription' as const, success_url: SUCCESS, line_items: [{ price: price.id, quantity: 1 }] };
    const both = await refusal({ ...base, subscription_data: { trial_end: at + 5 * 86400, trial_period_days: 7 } });
    assert.equal(both.param, 'subscription_data[trial_end]');
    const soon = await refusal({ ...base, subscription_data: { trial_end: at + 3600 } });
    assert.equal(soon.param, 'subscription_data[trial_end]');
    const days = await refusal({ ...base, subscription_data: { trial_period_days: 0 } });
    assert.equal(days.param, 'subscription_data[trial_period_days]');
    const payment = await refusal({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      subscription_data: { metadata: { a: 'b' } },
    });
    assert.equal(payment.param, 'subscription_data');
  });
});

describe('accepted and returned as Stripe shows them', () => {
  test('each parameter is echoed on the session', async () => {
    const other = await stripe.prices.create({ product: oneTime.product as string, unit_amount: 500, currency: 'usd' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      automatic_tax: { enabled: true },
      payment_method_collection: 'always',
      consent_collection: { terms_of_service: 'required', promotions: 'auto' },
      phone_number_collection: { enabled: true },
      custom_fields: [{ key: 'company', label: { type: 'custom', custom: 'Company' }, type: 'text', optional: true }],
      custom_text: { submit: { message: 'We ship in two days.' } },
      tax_id_collection: { enabled: true },
      shipping_address_collection: { allowed_countries: ['US', 'CA'] },
      invoice_creation: { enabled: true, invoice_data: { description: 'Order', metadata: { o: '1' } } },
      after_expiration: { recovery: { enabled: true } },
      currency: 'usd',
      saved_payment_method_options: { payment_method_save: 'enabled' },
      payment_method_options: { card: { request_three_d_secure: 'any' } },
      name_collection: { business: { enabled: true } },
      optional_items: [{ price: other.id, quantity: 1 }],
      adaptive_pricing: { enabled: true },
      branding_settings: { button_color: '#ff0000', display_name: 'Shop' },
      wallet_options: { link: { display: 'never' } },
      origin_context: 'web',
      integration_identifier: 'checkout-canary-test',
      permissions: { update_shipping_details: 'server_only' },
    });
    assert.deepEqual(session.automatic_tax, { enabled: true, liability: { type: 'self' }, provider: 'stripe', status: 'complete' });
    assert.equal(session.total_details?.amount_tax, 0);
    assert.equal(session.payment_method_collection, 'always');
    assert.deepEqual(session.consent_collection, { payment_method_reuse_agreement: null, promotions: 'auto', terms_of_service: 'required' });
    assert.deepEqual(session.phone_number_collection, { enabled: true });
    assert.deepEqual(session.custom_fields, [
      {
        key: 'company',
        label: { custom: 'Company', type: 'custom' },
        optional: true,
        type: 'text',
        text: { default_value: null, maximum_length: null, minimum_length: null, value: null },
      },
    ]);
    assert.deepEqual(session.custom_text, {
      after_submit: null,
      shipping_address: null,
      submit: { message: 'We ship in two days.' },
      terms_of_service_acceptance: null,
    });
    assert.deepEqual(session.tax_id_collection, { enabled: true, required: 'never' });
    assert.deepEqual(session.shipping_address_collection, { allowed_countries: ['US', 'CA'] });
    assert.equal(session.invoice_creation?.enabled, true);
    assert.equal(session.invoice_creation?.invoice_data.description, 'Order');
    assert.deepEqual(session.after_expiration, { recovery: { allow_promotion_codes: false, enabled: true, expires_at: null, url: null } });
    assert.equal(session.currency, 'usd');
    assert.equal(session.saved_payment_method_options?.payment_method_save, 'enabled');
    assert.equal(session.payment_method_options?.card?.request_three_d_secure, 'any');
    assert.deepEqual(session.name_collection, { business: { enabled: true, optional: false } });
    assert.deepEqual(session.optional_items, [{ adjustable_quantity: null, price: other.id, quantity: 1 }]);
    assert.deepEqual(session.adaptive_pricing, { enabled: true });
    assert.equal(session.branding_settings?.button_color, '#ff0000');
    assert.equal(session.branding_settings?.display_name, 'Shop');
    assert.deepEqual(session.wallet_options, { link: { display: 'never' } });
    assert.equal(session.origin_context, 'web');
    assert.equal(session.integration_identifier, 'checkout-canary-test');
    assert.deepEqual(session.permissions, { update_shipping_details: 'server_only' });
  });

  test('the page asks for the phone number and shows custom fields and text; their values are kept on the session', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      phone_number_collection: { enabled: true },
      custom_fields: [
        { key: 'company', label: { type: 'custom', custom: 'Company name' }, type: 'text' },
        {
          key: 'size',
          label: { type: 'custom', custom: 'Team size' },
          type: 'dropdown',
          dropdown: {
            options: [
              { label: 'Small', value: 'small' },
              { label: 'Large', value: 'large' },
            ],
          },
        },
      ],
      custom_text: { submit: { message: 'We ship in two days.' } },
    });
    const paid = await payOnPage(session, async (checkout) => {
      assert.equal(await checkout.phoneNumber.isVisible(), true);
      assert.equal((await checkout.page.getByTestId('custom-text-submit').innerText()).trim(), 'We ship in two days.');
      await checkout.fillCustomField('Company name', 'Acme');
      await checkout.fillCustomField('Team size', 'large');
    });
    assert.equal(paid.customer_details?.phone, '+12015550123');
    assert.equal(paid.custom_fields[0]!.text?.value, 'Acme');
    assert.equal(paid.custom_fields[1]!.dropdown?.value, 'large');
  });

  test('refused: return_url and redirect_on_completion on the hosted page, invoice_creation in subscription mode, another currency', async () => {
    const base = { mode: 'payment' as const, success_url: SUCCESS, line_items: [{ price: oneTime.id, quantity: 1 }] };
    assert.equal((await refusal({ ...base, return_url: 'https://example.com/return' })).param, 'return_url');
    assert.equal((await refusal({ ...base, redirect_on_completion: 'never' })).param, 'redirect_on_completion');
    assert.equal((await refusal({ ...base, ui_mode: 'embedded_page', return_url: 'https://example.com/return' })).param, 'ui_mode');
    assert.equal((await refusal({ ...base, currency: 'eur' })).param, 'currency');
    const sub = await refusal({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [{ price: price.id, quantity: 1 }],
      invoice_creation: { enabled: true },
    });
    assert.equal(sub.param, 'invoice_creation');
  });
});
