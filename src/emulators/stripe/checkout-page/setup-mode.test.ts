/**
 * Checkout in `setup` mode (a card saved, nothing charged) and the session parameters that came
 * with it: `shipping_options` (payment mode), `payment_method_data`, and the honest refusals of
 * `payment_method_configuration`, `customer_account` and `managed_payments`. The API is checked
 * through the official SDK; the page is driven in Chromium with the harness's page object.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../../../browser/chromium.ts';
import { CARDS, type TestCard } from '../../../../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../../../../fixtures/pages/stripe-checkout.page.ts';
import { startTestEmulator, type TestEmulator } from '../testing/sdk.ts';

let t: TestEmulator;
let stripe: Stripe;
let browser: Browser;
let oneTime: Stripe.Price;
let monthly: Stripe.Price;
const SUCCESS = 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}';
const HOLDER = { name: 'Ada Buyer', country: 'US', postalCode: '94107', email: 'ada@example.com' };

before(async () => {
  t = await startTestEmulator();
  stripe = t.stripe;
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
  const book = await stripe.products.create({ name: 'Field guide' });
  oneTime = await stripe.prices.create({ product: book.id, unit_amount: 2000, currency: 'usd' });
  const pro = await stripe.products.create({ name: 'Pro' });
  monthly = await stripe.prices.create({ product: pro.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
});

after(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens the session's page; `use` runs with the page object, and the context is closed after. */
async function onPage<T>(session: Stripe.Checkout.Session, use: (checkout: StripeCheckoutPage, page: Page) => Promise<T>): Promise<T> {
  const context: BrowserContext = await browser.newContext();
  try {
    const page = await context.newPage();
    // The success URL is not served: the page leaving for it is the outcome.
    await page.route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Thanks</h1>' }));
    await page.goto(session.url!);
    const checkout = new StripeCheckoutPage(page);
    await checkout.waitUntilReady();
    return await use(checkout, page);
  } finally {
    await context.close();
  }
}

/** Pays (saves) with `card` on the page and answers what Checkout did. */
async function submitCard(session: Stripe.Checkout.Session, card: Pick<TestCard, 'number'> = CARDS.visa) {
  return onPage(session, async (checkout) => {
    await checkout.payWith(card, HOLDER);
    return checkout.outcome();
  });
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

/** The events of `types` about `id`, oldest first. */
async function eventsAbout(id: string, types: string[]): Promise<string[]> {
  const all = await stripe.events.list({ limit: 100 });
  return all.data
    .filter((e) => types.includes(e.type) && (e.data.object as { id?: string }).id === id)
    .map((e) => e.type)
    .reverse();
}

const setupParams = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams => ({
  mode: 'setup',
  currency: 'usd',
  success_url: SUCCESS,
  ...extra,
});

describe('mode=setup', () => {
  test('the session has a SetupIntent and no amounts; the page asks for no money; saving the card completes it and attaches the card', async () => {
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const session = await stripe.checkout.sessions.create(
      setupParams({ customer: customer.id, setup_intent_data: { description: 'Card for later', metadata: { plan: 'pro' } }, metadata: { order: '7' } }),
    );
    assert.equal(session.mode, 'setup');
    assert.equal(session.status, 'open');
    assert.equal(session.payment_status, 'no_payment_required');
    assert.equal(session.amount_total, null);
    assert.equal(session.amount_subtotal, null);
    assert.equal(session.currency, 'usd');
    assert.equal(session.payment_intent, null);
    assert.equal((await stripe.checkout.sessions.listLineItems(session.id)).data.length, 0);
    assert.match(String(session.setup_intent), /^seti_/);
    const before = await stripe.setupIntents.retrieve(session.setup_intent as string);
    assert.deepEqual(
      [before.status, before.customer, before.description, before.metadata, before.usage],
      ['requires_payment_method', customer.id, 'Card for later', { plan: 'pro' }, 'off_session'],
    );

    const outcome = await onPage(session, async (checkout, page) => {
      assert.equal(await page.locator('#ProductSummary-amount').count(), 0, 'no amount is shown');
      assert.equal(await page.locator('#OrderDetails-total').count(), 0, 'no total is shown');
      assert.equal((await checkout.submitButton.innerText()).trim(), 'Save card');
      await checkout.payWith(CARDS.visa, HOLDER);
      return checkout.outcome();
    });
    assert.equal(outcome.kind, 'left', JSON.stringify(outcome));

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    assert.equal(done.status, 'complete');
    assert.equal(done.payment_status, 'no_payment_required');
    assert.equal(done.customer, customer.id);
    assert.equal(done.url, null);
    const si = done.setup_intent as Stripe.SetupIntent;
    assert.equal(si.id, session.setup_intent);
    assert.equal(si.status, 'succeeded');
    const pm = await stripe.paymentMethods.retrieve(si.payment_method as string);
    assert.deepEqual([pm.customer, pm.card?.last4], [customer.id, '4242']);
    assert.equal((await stripe.paymentIntents.list({ customer: customer.id })).data.length, 0, 'nothing was charged');
    assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 0, 'nothing was charged');

    assert.deepEqual(await eventsAbout(si.id, ['setup_intent.created', 'setup_intent.succeeded']), ['setup_intent.created', 'setup_intent.succeeded']);
    assert.deepEqual(await eventsAbout(pm.id, ['payment_method.attached']), ['payment_method.attached']);
    assert.deepEqual(await eventsAbout(session.id, ['checkout.session.completed']), ['checkout.session.completed']);
  });

  test('customer_creation=always makes a customer and saves the card on it; without it the card is saved unattached', async () => {
    const always = await stripe.checkout.sessions.create(setupParams({ customer_creation: 'always' }));
    assert.equal(always.customer_creation, 'always');
    assert.equal((await submitCard(always)).kind, 'left');
    const done = await stripe.checkout.sessions.retrieve(always.id, { expand: ['setup_intent.payment_method'] });
    assert.match(String(done.customer), /^cus_/);
    const customer = (await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer;
    assert.equal(customer.email, HOLDER.email);
    const si = done.setup_intent as Stripe.SetupIntent;
    assert.equal(si.customer, customer.id);
    assert.equal((si.payment_method as Stripe.PaymentMethod).customer, customer.id);

    const guest = await stripe.checkout.sessions.create(setupParams());
    assert.equal(guest.customer_creation, 'if_required');
    assert.equal((await submitCard(guest)).kind, 'left');
    const saved = await stripe.checkout.sessions.retrieve(guest.id, { expand: ['setup_intent.payment_method'] });
    assert.equal(saved.status, 'complete');
    assert.equal(saved.customer, null);
    assert.equal(saved.customer_details?.email, HOLDER.email);
    const guestSi = saved.setup_intent as Stripe.SetupIntent;
    assert.equal(guestSi.status, 'succeeded');
    assert.equal((guestSi.payment_method as Stripe.PaymentMethod).customer, null);
  });

  test('a declined card fails the SetupIntent and leaves the session open; another card then saves', async () => {
    const session = await stripe.checkout.sessions.create(setupParams({ customer_creation: 'always' }));
    const declined = await submitCard(session, CARDS.declined);
    assert.equal(declined.kind, 'error');
    assert.equal((declined as { message: string }).message, 'Your card has been declined.');
    const open = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(open.status, 'open');
    const failed = await stripe.setupIntents.retrieve(session.setup_intent as string);
    assert.equal(failed.status, 'requires_payment_method');
    assert.equal(failed.last_setup_error?.decline_code, 'generic_decline');
    assert.deepEqual(await eventsAbout(failed.id, ['setup_intent.setup_failed']), ['setup_intent.setup_failed']);

    assert.equal((await submitCard(session)).kind, 'left');
    assert.equal((await stripe.setupIntents.retrieve(failed.id)).status, 'succeeded');
  });

  test('a 3D Secure card asks for the challenge; completed, the card is saved; failed, the session stays open', async () => {
    const customer = await stripe.customers.create({ email: 'three-ds@example.com' });
    const session = await stripe.checkout.sessions.create(setupParams({ customer: customer.id }));
    const failedThenCompleted = await onPage(session, async (checkout) => {
      await checkout.payWith(CARDS.threeDSecure, HOLDER);
      assert.equal((await checkout.outcome()).kind, 'challenge');
      assert.equal((await stripe.setupIntents.retrieve(session.setup_intent as string)).status, 'requires_action');
      await checkout.failThreeDSecure();
      const failed = await checkout.outcome();
      assert.equal(failed.kind, 'error');
      assert.match((failed as { message: string }).message, /unable to authenticate/);
      const si = await stripe.setupIntents.retrieve(session.setup_intent as string);
      assert.deepEqual([si.status, si.last_setup_error?.code], ['requires_payment_method', 'setup_intent_authentication_failure']);
      await checkout.submitWhenComplete();
      assert.equal((await checkout.outcome()).kind, 'challenge');
      await checkout.completeThreeDSecure();
      return checkout.outcome();
    });
    assert.equal(failedThenCompleted.kind, 'left');
    const si = await stripe.setupIntents.retrieve(session.setup_intent as string);
    assert.equal(si.status, 'succeeded');
    assert.equal((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer, customer.id);
  });

  test('an expired setup session cancels its SetupIntent', async () => {
    const session = await stripe.checkout.sessions.create(setupParams());
    await stripe.checkout.sessions.expire(session.id);
    const si = await stripe.setupIntents.retrieve(session.setup_intent as string);
    assert.deepEqual([si.status, si.cancellation_reason], ['canceled', 'abandoned']);
  });

  test("the session's SetupIntent is Checkout's: the API may not give it a card nor cancel it", async () => {
    const session = await stripe.checkout.sessions.create(setupParams());
    const id = session.setup_intent as string;
    const update = await stripe.setupIntents.update(id, { payment_method: 'pm_card_visa' }).catch((e) => e);
    assert.deepEqual([update.statusCode, update.param], [400, 'payment_method']);
    assert.match(
      update.message,
      /^Some of the parameters you provided \(payment_method\) cannot be used when modifying a SetupIntent that was created by Checkout\./,
    );
    assert.equal((await stripe.setupIntents.update(id, { metadata: { note: 'ok' } })).metadata?.note, 'ok', 'metadata may change');
    const cancel = await stripe.setupIntents.cancel(id).catch((e) => e);
    assert.deepEqual(
      [cancel.statusCode, cancel.message],
      [400, 'You cannot cancel the SetupIntent for a Checkout Session. Expire the Checkout Session instead.'],
    );
    assert.equal((await stripe.setupIntents.retrieve(id)).status, 'requires_payment_method', 'nothing changed');
  });

  test('what setup mode cannot take is refused, naming the parameter', async () => {
    assert.equal((await refusal({ mode: 'setup', success_url: SUCCESS })).param, 'currency');
    const allowed = await stripe.checkout.sessions.create({ mode: 'setup', success_url: SUCCESS, allowed_payment_method_types: ['card'] });
    assert.deepEqual([allowed.mode, allowed.currency], ['setup', null], 'allowed_payment_method_types stands in for the currency');
    const cases: [Partial<Stripe.Checkout.SessionCreateParams>, string][] = [
      [{ line_items: [{ price: oneTime.id, quantity: 1 }] }, 'line_items'],
      [{ submit_type: 'pay' }, 'submit_type'],
      [{ payment_intent_data: { description: 'x' } }, 'payment_intent_data'],
      [{ subscription_data: { description: 'x' } }, 'subscription_data'],
      [{ allow_promotion_codes: true }, 'allow_promotion_codes'],
      [{ setup_intent_data: { on_behalf_of: 'acct_123' } }, 'setup_intent_data[on_behalf_of]'],
      [
        { shipping_options: [{ shipping_rate_data: { display_name: 'Ground', type: 'fixed_amount', fixed_amount: { amount: 500, currency: 'usd' } } }] },
        'shipping_options',
      ],
    ];
    for (const [extra, param] of cases) {
      const err = await refusal(setupParams(extra));
      assert.equal(err.param, param, `${JSON.stringify(extra)}: ${err.message}`);
    }
    const inPayment = await refusal({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      setup_intent_data: { description: 'x' },
    });
    assert.deepEqual([inPayment.param, inPayment.message], ['setup_intent_data', 'You can not pass `setup_intent_data` in `payment` mode.']);
  });
});

describe('shipping_options', () => {
  test('an inline fixed-amount rate is made, selected, and added to the total the page shows and charges', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      shipping_options: [
        { shipping_rate_data: { display_name: 'Ground', type: 'fixed_amount', fixed_amount: { amount: 500, currency: 'usd' }, metadata: { carrier: 'ups' } } },
        {
          shipping_rate_data: {
            display_name: 'Next day',
            type: 'fixed_amount',
            fixed_amount: { amount: 1500, currency: 'usd' },
            delivery_estimate: { minimum: { unit: 'business_day', value: 1 }, maximum: { unit: 'business_day', value: 1 } },
          },
        },
      ],
    });
    assert.equal(session.amount_subtotal, 2000);
    assert.equal(session.amount_total, 2500);
    assert.equal(session.total_details?.amount_shipping, 500);
    assert.deepEqual(
      session.shipping_options.map((o) => o.shipping_amount),
      [500, 1500],
    );
    assert.match(String(session.shipping_options[0]!.shipping_rate), /^shr_/);
    assert.deepEqual(session.shipping_cost, {
      amount_subtotal: 500,
      amount_tax: 0,
      amount_total: 500,
      shipping_rate: session.shipping_options[0]!.shipping_rate,
    });

    const outcome = await onPage(session, async (checkout, page) => {
      assert.equal((await page.getByTestId('order-shipping').innerText()).replace(/\s+/g, ' ').trim(), 'Ground $5.00');
      assert.equal((await checkout.total.innerText()).trim(), '$25.00');
      await checkout.payWith(CARDS.visa, HOLDER);
      return checkout.outcome();
    });
    assert.equal(outcome.kind, 'left');
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    assert.equal((done.payment_intent as Stripe.PaymentIntent).amount, 2500);

    // A rate made inline exists afterwards and can be given by id.
    const again = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 2 }],
      shipping_options: [{ shipping_rate: session.shipping_options[1]!.shipping_rate as string }],
    });
    assert.deepEqual([again.amount_total, again.total_details?.amount_shipping], [5500, 1500]);
  });

  test('a discount lowers the items, not the shipping', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS,
      line_items: [{ price: oneTime.id, quantity: 1 }],
      discounts: [{ coupon: coupon.id }],
      shipping_options: [{ shipping_rate_data: { display_name: 'Ground', type: 'fixed_amount', fixed_amount: { amount: 500, currency: 'usd' } } }],
    });
    assert.deepEqual([session.amount_subtotal, session.total_details?.amount_discount, session.amount_total], [2000, 1000, 1500]);
  });

  test('only payment mode takes them; an unknown rate, a rate in another currency or one with both id and data is refused', async () => {
    const rateData = { display_name: 'Ground', type: 'fixed_amount' as const, fixed_amount: { amount: 500, currency: 'usd' } };
    const sub = await refusal({
      mode: 'subscription',
      success_url: SUCCESS,
      line_items: [{ price: monthly.id, quantity: 1 }],
      shipping_options: [{ shipping_rate_data: rateData }],
    });
    assert.equal(sub.param, 'shipping_options');
    const payment = (shipping_options: Stripe.Checkout.SessionCreateParams.ShippingOption[]) =>
      refusal({ mode: 'payment', success_url: SUCCESS, line_items: [{ price: oneTime.id, quantity: 1 }], shipping_options });
    const missing = await payment([{ shipping_rate: 'shr_nope' }]);
    assert.deepEqual(
      [missing.code, missing.param, missing.message],
      ['resource_missing', 'shipping_options[0][shipping_rate]', "No such shipping rate: 'shr_nope'"],
    );
    assert.equal(
      (await payment([{ shipping_rate_data: { ...rateData, fixed_amount: { amount: 500, currency: 'eur' } } }])).param,
      'shipping_options[0][shipping_rate_data][fixed_amount][currency]',
    );
    assert.equal((await payment([{ shipping_rate: 'shr_x', shipping_rate_data: rateData }])).param, 'shipping_options[0][shipping_rate]');
    assert.equal((await payment([{ shipping_rate_data: { display_name: 'Ground' } }])).param, 'shipping_options[0][shipping_rate_data][fixed_amount]');
  });
});

describe('payment_method_data, payment_method_configuration, customer_account, managed_payments', () => {
  test('payment_method_data[allow_redisplay] is set on the payment method the page creates', async () => {
    const session = await stripe.checkout.sessions.create(setupParams({ payment_method_data: { allow_redisplay: 'always' } }));
    assert.equal((await submitCard(session)).kind, 'left');
    const si = await stripe.setupIntents.retrieve(session.setup_intent as string, { expand: ['payment_method'] });
    assert.equal((si.payment_method as Stripe.PaymentMethod).allow_redisplay, 'always');
  });

  test('an unknown payment method configuration, Accounts v2 and Managed Payments are each refused, named', async () => {
    const base = { mode: 'payment' as const, success_url: SUCCESS, line_items: [{ price: oneTime.id, quantity: 1 }] };
    const config = await refusal({ ...base, payment_method_configuration: 'pmc_123' });
    assert.deepEqual(
      [config.code, config.param, config.message],
      ['resource_missing', 'payment_method_configuration', "No such payment method configuration: 'pmc_123'"],
    );
    assert.equal((await refusal({ ...base, customer_account: 'acct_123' })).param, 'customer_account');
    assert.equal((await refusal({ ...base, managed_payments: { enabled: true } })).param, 'managed_payments[enabled]');
    const off = await stripe.checkout.sessions.create({ ...base, managed_payments: { enabled: false } });
    assert.equal(off.status, 'open', 'Managed Payments left off is accepted');
  });
});
