/**
 * The hosted Checkout page in a real browser, driven by the page object from fixtures/ (which
 * knows only the real page's contract), with every outcome checked through the official SDK.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../../../browser/chromium.ts';
import { CARDS, futureExpiry, type TestCard } from '../../../../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../../../../fixtures/pages/stripe-checkout.page.ts';
import { startTestEmulator, waitFor, type TestEmulator } from '../testing/sdk.ts';
import { assertShape } from '../testing/shape.ts';

let t: TestEmulator;
let stripe: Stripe;
let browser: Browser;
let shop: http.Server;
let shopUrl: string;
let price: Stripe.Price;
let oneTime: Stripe.Price;

/** A stand-in merchant site for success_url and cancel_url. */
function startShop(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>shop</title><h1>${req.url?.startsWith('/success') ? 'Thanks!' : 'Cancelled'}</h1>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  t = await startTestEmulator();
  stripe = t.stripe;
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
  shop = await startShop();
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const product = await stripe.products.create({ name: 'Pro' });
  price = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
  const book = await stripe.products.create({ name: 'Field guide' });
  oneTime = await stripe.prices.create({ product: book.id, unit_amount: 1500, currency: 'usd' });
});

after(async () => {
  await browser?.close();
  shop?.closeAllConnections();
  shop?.close();
  await t?.close();
});

async function newSession(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  const customer = await stripe.customers.create({ email: `buyer-${Math.random().toString(36).slice(2)}@example.com`, name: 'Buyer' });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shopUrl}/cancel`,
    subscription_data: { metadata: { canary_run_id: 'run_test' } },
    metadata: { canary_run_id: 'run_test' },
    ...overrides,
  });
  return { customer, session };
}

async function open(
  session: Stripe.Checkout.Session,
  context?: BrowserContext,
): Promise<{ page: Page; checkout: StripeCheckoutPage; context: BrowserContext }> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  await page.goto(session.url!);
  const checkout = new StripeCheckoutPage(page);
  await checkout.waitUntilReady();
  return { page, checkout, context: ctx };
}

async function eventTypesFor(objectId: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data.filter((e) => (e.data.object as { id?: string }).id === objectId).map((e) => e.type);
}

describe('the page', () => {
  test('shows the business, the line items with price and interval, the total, a locked email and a back link', async () => {
    const { customer, session } = await newSession();
    const { page, checkout, context } = await open(session);
    try {
      const text = await page.locator('body').innerText();
      assert.match(text, /\$49\.00/);
      assert.match(text, /per month/);
      assert.match(text, /Pro/);
      assert.match(text, /Total due today\s*\$49\.00/);
      assert.equal(await checkout.email.inputValue(), customer.email);
      assert.equal(await checkout.email.isEditable(), false);
      assert.equal((await checkout.submitButton.innerText()).trim(), 'Subscribe');
      assert.equal(await checkout.submitButton.getAttribute('class').then((c) => c?.includes('SubmitButton')), true);
      assert.equal(await checkout.cardNumber.getAttribute('placeholder'), '1234 1234 1234 1234');
      assert.equal(await checkout.cardExpiry.getAttribute('placeholder'), 'MM / YY');
      assert.equal(await checkout.cardCvc.getAttribute('placeholder'), 'CVC');
      assert.equal(await checkout.billingName.getAttribute('placeholder'), 'Full name on card');
      assert.equal(await page.getByLabel('Card number').count(), 1);
      assert.equal(await page.getByLabel('Cardholder name').count(), 1);
      assert.equal(await page.getByLabel('Country or region').evaluate((el) => el.tagName), 'SELECT');
      await page.getByRole('link', { name: /Back to/ }).click();
      await page.waitForURL(`${shopUrl}/cancel`);
      const still = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(still.status, 'open');
    } finally {
      await context.close();
    }
  });

  test('payment mode says Pay and the email is asked for when the session has none', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: oneTime.id, quantity: 2 }],
      success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${shopUrl}/cancel`,
    });
    const { page, checkout, context } = await open(session);
    try {
      assert.equal((await checkout.submitButton.innerText()).trim(), 'Pay');
      assert.equal(await checkout.email.isEditable(), true);
      assert.match(await page.locator('body').innerText(), /\$30\.00/);
      await checkout.payWith(CARDS.visa, { name: 'Jo Payer', country: 'US', postalCode: '10001', email: 'jo@example.com' });
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
      assertShape(done, 'checkout.session');
      assert.equal(done.status, 'complete');
      assert.equal(done.payment_status, 'paid');
      const pi = done.payment_intent as Stripe.PaymentIntent;
      assert.equal(pi.status, 'succeeded');
      assert.equal(pi.amount, 3000);
      assert.equal(done.customer_details?.email, 'jo@example.com');
      assert.equal(done.subscription, null);
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assertShape(charge, 'charge');
      assert.equal(charge.status, 'succeeded');
    } finally {
      await context.close();
    }
  });
});

describe('paying', () => {
  test('4242 pays: subscription active, invoice paid, card attached and default, session complete, events, then success_url', async () => {
    const { customer, session } = await newSession();
    const { page, checkout, context } = await open(session);
    try {
      await checkout.payWith(CARDS.visa);
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      const done = await stripe.checkout.sessions.retrieve(session.id);
      assertShape(done, 'checkout.session');
      assert.equal(done.status, 'complete');
      assert.equal(done.payment_status, 'paid');
      assert.equal(done.customer, customer.id);
      assert.equal(done.customer_details?.name, 'Canary Tester');
      assert.equal(done.customer_details?.address?.postal_code, '94107');
      const sub = await stripe.subscriptions.retrieve(done.subscription as string, {
        expand: ['default_payment_method', 'latest_invoice.payments'],
      });
      assertShape(sub, 'subscription');
      assert.equal(sub.status, 'active');
      assert.equal(sub.customer, customer.id);
      assert.deepEqual(sub.metadata, { canary_run_id: 'run_test' });
      assert.equal(sub.items.data[0]!.price.id, price.id);
      assert.equal(sub.items.data[0]!.quantity, 1);
      const pm = sub.default_payment_method as Stripe.PaymentMethod;
      assert.equal(pm.card?.last4, '4242');
      assert.equal(pm.card?.brand, 'visa');
      assert.equal(pm.customer, customer.id);
      assert.equal(pm.billing_details.name, 'Canary Tester');
      assert.equal(pm.billing_details.address?.country, 'US');
      const invoice = sub.latest_invoice as Stripe.Invoice;
      assert.equal(invoice.status, 'paid');
      assert.equal(invoice.amount_paid, 4900);
      const piId = invoice.payments!.data[0]!.payment.payment_intent as string;
      const pi = await stripe.paymentIntents.retrieve(piId);
      assert.equal(pi.status, 'succeeded');
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.equal(charge.paid, true);
      assert.equal(charge.payment_method_details?.card?.last4, '4242');
      const types: string[] = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type);
      for (const type of [
        'checkout.session.completed',
        'customer.subscription.created',
        'customer.subscription.updated',
        'invoice.created',
        'invoice.finalized',
        'invoice.paid',
        'invoice.payment_succeeded',
        'payment_intent.created',
        'payment_intent.succeeded',
        'charge.succeeded',
        'payment_method.attached',
      ]) {
        assert.ok(types.includes(type), `missing event ${type}`);
      }
      const completed = (await stripe.events.list({ type: 'checkout.session.completed', limit: 100 })).data.find(
        (e) => (e.data.object as Stripe.Checkout.Session).id === session.id,
      );
      assert.ok(completed, 'checkout.session.completed for this session');
      assert.equal((completed.data.object as Stripe.Checkout.Session).status, 'complete');
    } finally {
      await context.close();
    }
  });

  const declines: [string, TestCard, string][] = [
    ['generic decline', CARDS.declined, 'Your card has been declined.'],
    ['insufficient funds', CARDS.insufficientFunds, 'Your card has insufficient funds.'],
    ['lost card', CARDS.lostCard, 'Your card has been declined.'],
    ['stolen card', CARDS.stolenCard, 'Your card has been declined.'],
    ['expired card', CARDS.expiredCard, 'Your card has expired.'],
    ['incorrect CVC', CARDS.incorrectCvc, "Your card's security code is incorrect."],
    ['processing error', CARDS.processingError, 'An error occurred while processing your card. Try again in a little bit.'],
    ['fails when charged', CARDS.failsOnCharge, 'Your card has been declined.'],
  ];
  for (const [name, card, message] of declines) {
    test(`${name} (${card.number}) is declined with Stripe's wording and codes; the session stays open`, async () => {
      const { customer, session } = await newSession();
      const { checkout, context } = await open(session);
      try {
        await checkout.payWith(card);
        assert.equal(await checkout.errorText(), message);
        const pis = await stripe.paymentIntents.list({ customer: customer.id });
        assert.equal(pis.data.length, 1);
        const pi = pis.data[0]!;
        assertShape(pi, 'payment_intent');
        assert.equal(pi.status, 'requires_payment_method');
        assert.equal(pi.last_payment_error?.type, 'card_error');
        assert.equal(pi.last_payment_error?.code, card.code);
        if ('declineCode' in card) assert.equal(pi.last_payment_error?.decline_code, card.declineCode);
        const charge = await stripe.charges.retrieve(pi.latest_charge as string);
        assert.equal(charge.status, 'failed');
        assert.equal(charge.failure_code, card.code);
        assert.deepEqual(
          (await eventTypesFor(pi.id)).filter((x) => x === 'payment_intent.payment_failed'),
          ['payment_intent.payment_failed'],
        );
        assert.deepEqual(await eventTypesFor(charge.id), ['charge.failed']);
        assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
        const active = await stripe.subscriptions.list({ customer: customer.id, status: 'active' });
        assert.equal(active.data.length, 0);
      } finally {
        await context.close();
      }
    });
  }

  test('under the checkout_page decline fault 4242 is declined as 4000 0000 0000 0002 is, and Stripe records the decline', async () => {
    const faults = (method: string, body?: unknown) =>
      fetch(`${t.emulator.url}/_emulator/faults`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const { customer, session } = await newSession();
    const { page, checkout, context } = await open(session);
    assert.equal((await faults('POST', { checkout_page: 'decline' })).status, 200);
    try {
      await checkout.payWith(CARDS.visa);
      assert.equal(await checkout.errorText(), 'Your card has been declined.');
      const pis = await stripe.paymentIntents.list({ customer: customer.id });
      assert.equal(pis.data.length, 1);
      const pi = pis.data[0]!;
      assertShape(pi, 'payment_intent');
      assert.equal(pi.status, 'requires_payment_method');
      assert.equal(pi.last_payment_error?.type, 'card_error');
      assert.equal(pi.last_payment_error?.code, CARDS.declined.code);
      assert.equal(pi.last_payment_error?.decline_code, CARDS.declined.declineCode);
      assert.equal(pi.last_payment_error?.payment_method?.card?.last4, '4242', 'the card entered, declined by its issuer');
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.equal(charge.status, 'failed');
      assert.equal(charge.failure_code, 'card_declined');
      assert.equal(charge.outcome?.reason, 'generic_decline');
      assert.deepEqual(
        (await eventTypesFor(pi.id)).filter((x) => x === 'payment_intent.payment_failed'),
        ['payment_intent.payment_failed'],
      );
      assert.deepEqual(await eventTypesFor(charge.id), ['charge.failed']);
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
      const subs = await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
      assert.deepEqual(
        subs.data.map((s) => s.status),
        ['incomplete'],
      );
      assert.equal((await stripe.paymentMethods.list({ customer: customer.id })).data.length, 0, 'a declined card is not attached');

      // Cleared, the same card pays in the same session.
      assert.equal((await faults('DELETE')).status, 200);
      await checkout.payWith(CARDS.visa);
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      assert.deepEqual(
        (await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.map((s) => s.status),
        ['active'],
      );
    } finally {
      await faults('DELETE');
      await context.close();
    }
  });

  test('4242 4242 4242 4241 is an incorrect number, and nothing is charged', async () => {
    const { customer, session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await checkout.payWith(CARDS.incorrectNumber);
      assert.equal(await checkout.errorText(), 'Your card number is incorrect.');
      assert.equal(await checkout.isInvalid(checkout.cardNumber), true);
      assert.equal((await stripe.paymentIntents.list({ customer: customer.id })).data.length, 0);
    } finally {
      await context.close();
    }
  });

  test('a real (non-test) card number is declined as a live card in test mode', async () => {
    const { customer, session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await checkout.payWith({ number: '4111 1111 1111 1111' });
      assert.match(await checkout.errorText(), /Your request was in test mode, but used a non test \(live\) card/);
      const pi = (await stripe.paymentIntents.list({ customer: customer.id })).data[0]!;
      assert.equal(pi.last_payment_error?.decline_code, 'test_mode_live_card');
    } finally {
      await context.close();
    }
  });

  test('a declined card can be corrected and paid in the same session: one active subscription', async () => {
    const { customer, session } = await newSession();
    const { page, checkout, context } = await open(session);
    try {
      await checkout.payWith(CARDS.insufficientFunds);
      assert.equal(await checkout.errorText(), 'Your card has insufficient funds.');
      await checkout.payWith(CARDS.visa);
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      const subs = await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
      assert.equal(subs.data.length, 1);
      assert.equal(subs.data[0]!.status, 'active');
      const charges = await stripe.charges.list({ customer: customer.id });
      assert.deepEqual(charges.data.map((c) => c.status).sort(), ['failed', 'succeeded']);
    } finally {
      await context.close();
    }
  });
});

describe('3D Secure', () => {
  for (const card of [CARDS.threeDSecure, CARDS.threeDSecureAlways, CARDS.threeDSecure2]) {
    test(`${card.number}: completing the challenge pays`, async () => {
      const { session } = await newSession();
      const { page, checkout, context } = await open(session);
      try {
        await checkout.payWith(card);
        await checkout.completeThreeDSecure();
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
        const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
        assert.equal(done.status, 'complete');
        assert.equal((done.subscription as Stripe.Subscription).status, 'active');
      } finally {
        await context.close();
      }
    });
  }

  test('failing the challenge shows the authentication error and keeps the session open', async () => {
    const { customer, session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await checkout.payWith(CARDS.threeDSecureAlways);
      await checkout.failThreeDSecure();
      assert.match(await checkout.errorText(), /^We are unable to authenticate your payment method/);
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
      const pi = (await stripe.paymentIntents.list({ customer: customer.id })).data[0]!;
      assert.equal(pi.last_payment_error?.code, 'payment_intent_authentication_failure');
      assert.equal((await stripe.subscriptions.list({ customer: customer.id, status: 'active' })).data.length, 0);
    } finally {
      await context.close();
    }
  });

  test('4000 0082 6000 3178: the challenge completes, then the card is declined for insufficient funds', async () => {
    const { session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await checkout.payWith(CARDS.threeDSecureThenDeclined);
      await checkout.completeThreeDSecure();
      assert.equal(await checkout.errorText(), 'Your card has insufficient funds.');
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
    } finally {
      await context.close();
    }
  });
});

describe('validation', () => {
  test('an empty form marks every required field invalid with a message, and sends nothing', async () => {
    const { customer, session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await checkout.submit();
      for (const field of [checkout.cardNumber, checkout.cardExpiry, checkout.cardCvc, checkout.billingName, checkout.billingPostalCode]) {
        await waitFor(() => checkout.isInvalid(field), 'field marked aria-invalid', 5000);
      }
      assert.equal(await checkout.errorText(), 'Your card number is incomplete.');
      assert.equal((await stripe.paymentIntents.list({ customer: customer.id })).data.length, 0);
    } finally {
      await context.close();
    }
  });

  test('a number failing Luhn, a past expiry and a short CVC are refused with Checkout’s messages', async () => {
    const { session } = await newSession();
    const { page, checkout, context } = await open(session);
    try {
      await checkout.fillCard({ number: '4242 4242 4242 4243' }, undefined, '01 / 20', '12');
      await checkout.submit();
      await waitFor(() => checkout.isInvalid(checkout.cardNumber), 'card number invalid');
      assert.equal(await page.locator('#cardNumber-error').innerText(), 'Your card number is invalid.');
      assert.equal(await page.locator('#cardExpiry-error').innerText(), "Your card's expiration year is in the past.");
      assert.equal(await page.locator('#cardCvc-error').innerText(), "Your card's security code is incomplete.");
      assert.equal(await checkout.isInvalid(checkout.cardExpiry), true);
      // Fixing the fields clears their state.
      await checkout.fillCard(CARDS.visa, undefined, futureExpiry(), '123');
      await waitFor(async () => !(await checkout.isInvalid(checkout.cardNumber)), 'card number valid again');
    } finally {
      await context.close();
    }
  });
});

describe('sessions that cannot be paid', () => {
  test('an expired session shows the expired page', async () => {
    const { session } = await newSession();
    await stripe.checkout.sessions.expire(session.id);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(session.url!);
      assert.match(await page.locator('h1').innerText(), /has expired/);
      assert.equal(await page.locator('#cardNumber').count(), 0);
    } finally {
      await context.close();
    }
  });

  test('a session that expires while the page is open cannot be paid', async () => {
    const { customer, session } = await newSession();
    const { checkout, context } = await open(session);
    try {
      await stripe.checkout.sessions.expire(session.id);
      await checkout.payWith(CARDS.visa);
      await checkout.page.locator('h1', { hasText: 'has expired' }).waitFor({ timeout: 10_000 });
      assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 0);
    } finally {
      await context.close();
    }
  });

  test('a double click pays once', async () => {
    const { customer, session } = await newSession();
    const { page, checkout, context } = await open(session);
    try {
      await checkout.fillCard(CARDS.visa);
      await checkout.submitButton.dblclick();
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 1);
      assert.equal((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.length, 1);
    } finally {
      await context.close();
    }
  });

  test('two tabs paying the same session pay once; the page of a completed session says so', async () => {
    const { customer, session } = await newSession();
    const first = await open(session);
    const second = await open(session, first.context);
    try {
      await first.checkout.fillCard(CARDS.visa);
      await second.checkout.fillCard(CARDS.visa);
      await Promise.all([first.checkout.submit(), second.checkout.submit()]);
      await first.page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      await second.page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 1);
      assert.equal((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.length, 1);
      const again = await first.context.newPage();
      await again.goto(session.url ?? `${t.emulator.url}/c/pay/${session.id}`);
      assert.match(await again.locator('h1').innerText(), /Thanks for your payment/);
    } finally {
      await first.context.close();
    }
  });
});
