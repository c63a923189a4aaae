/**
 * The hosted page's variants (the payment-method accordion, Link's opt-in, the full billing
 * address, the submit button's states), each selected as real Stripe selects it or through the
 * account-wide setting of the control API, and paid in Chromium with the harness's page object,
 * which must pass on every one of them. Outcomes are checked through the official SDK.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../../../browser/chromium.ts';
import { CARDS, DEFAULT_CARDHOLDER } from '../../../../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../../../../fixtures/pages/stripe-checkout.page.ts';
import { startTestEmulator, waitFor, type TestEmulator } from '../testing/sdk.ts';
import { ALL_VARIANTS, type CheckoutPageVariant, randomVariant } from './variants.ts';

let t: TestEmulator;
let stripe: Stripe;
let browser: Browser;
let shop: http.Server;
let shopUrl: string;
let price: Stripe.Price;
let oneTime: Stripe.Price;

before(async () => {
  t = await startTestEmulator();
  stripe = t.stripe;
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
  shop = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title><h1>Shop</h1>'));
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
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

async function control(method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${t.emulator.url}/_emulator/checkout-page`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function useVariant(variant: CheckoutPageVariant): Promise<void> {
  const { status, json } = await control('POST', { variant });
  assert.equal(status, 200, JSON.stringify(json));
}

const email = () => `buyer-${Math.random().toString(36).slice(2)}@example.com`;

async function subscriptionSession(params: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shopUrl}/cancel`,
    ...params,
  });
}

/** Opens the session's page in a fresh context; `use` runs with it, and the context is closed after. */
async function withPage(session: Stripe.Checkout.Session, use: (checkout: StripeCheckoutPage, page: Page) => Promise<void>): Promise<void> {
  const context: BrowserContext = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(session.url!);
    const checkout = new StripeCheckoutPage(page);
    await checkout.waitUntilReady();
    await use(checkout, page);
  } finally {
    await context.close();
  }
}

/** Pays with 4242 through the page object and checks, through the SDK, that the session is complete and paid. */
async function payAndCheck(session: Stripe.Checkout.Session, holder = DEFAULT_CARDHOLDER): Promise<Stripe.Checkout.Session> {
  await withPage(session, async (checkout, page) => {
    await checkout.payWith(CARDS.visa, holder);
    await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
  });
  const done = await stripe.checkout.sessions.retrieve(session.id);
  assert.equal(done.status, 'complete');
  assert.equal(done.payment_status, 'paid');
  return done;
}

async function paymentMethodOf(done: Stripe.Checkout.Session): Promise<Stripe.PaymentMethod> {
  const sub = await stripe.subscriptions.retrieve(done.subscription as string, { expand: ['default_payment_method'] });
  assert.equal(sub.status, 'active');
  return sub.default_payment_method as Stripe.PaymentMethod;
}

const FULL_ADDRESS = { city: 'San Francisco', country: 'US', line1: '510 Townsend St', line2: null, postal_code: '94107', state: 'CA' };
const SHORT_ADDRESS = { city: null, country: 'US', line1: null, line2: null, postal_code: '94107', state: null };

const describeVariant = (v: CheckoutPageVariant) =>
  [v.accordion && 'accordion', v.link && 'Link opt-in', v.billing_address === 'required' && 'billing address'].filter(Boolean).join(' + ') || 'plain';

describe('the account-wide variant (control API)', () => {
  test('GET shows the default; POST sets a variant, or one picked by a seed; DELETE and reset go back to the default', async () => {
    try {
      assert.deepEqual((await control('GET')).json, { variant: { accordion: false, link: false, billing_address: 'auto' } });
      const set = await control('POST', { variant: { accordion: true, billing_address: 'required' } });
      assert.equal(set.status, 200);
      assert.deepEqual(set.json.variant, { accordion: true, link: false, billing_address: 'required' }, 'keys left out are off');
      assert.deepEqual((await control('GET')).json.variant, set.json.variant);

      const seeded = await control('POST', { random: 'run-42' });
      assert.deepEqual(seeded.json, { variant: randomVariant('run-42'), seed: 'run-42' });
      assert.deepEqual((await control('POST', { random: 'run-42' })).json.variant, seeded.json.variant, 'the same seed, the same variant');

      assert.deepEqual((await control('DELETE')).json.variant, { accordion: false, link: false, billing_address: 'auto' });
      await control('POST', { variant: { link: true } });
      await fetch(`${t.emulator.url}/_emulator/reset`, { method: 'POST' });
      assert.deepEqual((await control('GET')).json.variant, { accordion: false, link: false, billing_address: 'auto' });
      // reset forgot the catalogue too: put it back for the tests after this one.
      const product = await stripe.products.create({ name: 'Pro' });
      price = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
      const book = await stripe.products.create({ name: 'Field guide' });
      oneTime = await stripe.prices.create({ product: book.id, unit_amount: 1500, currency: 'usd' });
    } finally {
      await control('DELETE');
    }
  });

  test('a wrong body is a 400 naming the field, and changes nothing', async () => {
    for (const [body, where] of [
      [{ variant: { accordion: 'yes' } }, 'variant[accordion]'],
      [{ variant: { billing_address: 'always' } }, 'variant[billing_address]'],
      [{ variant: { shipping: true } }, 'variant[shipping]'],
      [{}, ''],
      [{ variant: {}, random: 1 }, ''],
    ] as const) {
      const { status, json } = await control('POST', body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.match(json.error.message, /^Invalid checkout page body/);
      if (where) assert.ok(json.error.message.includes(where), `${json.error.message} names ${where}`);
    }
    assert.deepEqual((await control('GET')).json.variant, { accordion: false, link: false, billing_address: 'auto' });
  });

  test('randomVariant(seed) is deterministic and reaches every combination', () => {
    assert.deepEqual(randomVariant(7), randomVariant(7));
    const seen = new Set(Array.from({ length: 64 }, (_, i) => JSON.stringify(randomVariant(i))));
    assert.equal(seen.size, ALL_VARIANTS.length);
  });
});

describe('StripeCheckoutPage pays on every variant and combination', () => {
  for (const variant of ALL_VARIANTS) {
    test(`${describeVariant(variant)}: paid, complete, the billing details where Stripe keeps them`, async () => {
      await useVariant(variant);
      try {
        // customer_email: Checkout knows the email, so Link's opt-in starts checked; the customer is new.
        const session = await subscriptionSession({ customer_email: email() });
        const done = await payAndCheck(session);
        const expected = variant.billing_address === 'required' ? FULL_ADDRESS : SHORT_ADDRESS;
        const pm = await paymentMethodOf(done);
        assert.equal(pm.card?.last4, '4242');
        assert.deepEqual(pm.billing_details.address, expected);
        assert.equal(pm.billing_details.name, 'Canary Tester');
        assert.deepEqual(done.customer_details?.address, expected);
        const customer = (await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer;
        assert.deepEqual(customer.address, expected, 'the customer Checkout created keeps the billing address');
        if (variant.billing_address === 'required') assert.equal(pm.card?.checks?.address_line1_check, 'pass');
      } finally {
        await control('DELETE');
      }
    });
  }
});

describe('a setup session (mode=setup) on the fullest variant', () => {
  test('accordion + Link opt-in + billing address: the page object saves the card, nothing is charged', async () => {
    await useVariant({ accordion: true, link: true, billing_address: 'required' });
    try {
      const customer = await stripe.customers.create({ email: email() });
      const session = await stripe.checkout.sessions.create({
        mode: 'setup',
        currency: 'usd',
        customer: customer.id,
        success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
      });
      await withPage(session, async (checkout, page) => {
        assert.equal(await checkout.cardNumber.count(), 0, 'the card sits in the accordion');
        assert.equal(await checkout.linkOptIn.isChecked(), true, "the customer's email is known: Link starts checked");
        await checkout.payWith(CARDS.visa);
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      });
      const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent.payment_method'] });
      assert.deepEqual([done.status, done.payment_status], ['complete', 'no_payment_required']);
      const si = done.setup_intent as Stripe.SetupIntent;
      assert.equal(si.status, 'succeeded');
      const pm = si.payment_method as Stripe.PaymentMethod;
      assert.equal(pm.customer, customer.id);
      assert.deepEqual(pm.billing_details.address, FULL_ADDRESS);
    } finally {
      await control('DELETE');
    }
  });
});

describe('selected by the session, as on real Stripe', () => {
  test('billing_address_collection=required shows the address with a "Country or region" select; the new customer gets the address', async () => {
    const session = await subscriptionSession({ customer_email: email(), billing_address_collection: 'required' });
    await withPage(session, async (checkout, page) => {
      assert.equal(await page.getByLabel('Country or region').evaluate((el) => el.tagName), 'SELECT');
      assert.equal(await checkout.billingAddressLine1.isVisible(), true);
      // Folded behind "Enter address manually" until asked for, as on real Checkout.
      assert.equal(await checkout.billingLocality.isVisible(), false);
      await checkout.manualAddressEntry.click();
      assert.equal(await checkout.billingLocality.isVisible(), true);
      assert.equal(await checkout.billingAdministrativeArea.isVisible(), true, 'a US address has a State select');
      await checkout.billingCountry.selectOption('DE');
      assert.equal(await checkout.billingAdministrativeArea.isVisible(), false, 'a German one has none');
      await checkout.payWith(CARDS.visa, {
        ...DEFAULT_CARDHOLDER,
        address: { line1: 'Unter den Linden 1', line2: 'Hinterhaus', city: 'Berlin' },
        country: 'DE',
        postalCode: '10117',
      });
      await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
    });
    const done = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(done.status, 'complete');
    assert.equal(done.payment_status, 'paid');
    assert.equal(done.billing_address_collection, 'required');
    const german = { city: 'Berlin', country: 'DE', line1: 'Unter den Linden 1', line2: 'Hinterhaus', postal_code: '10117', state: null };
    assert.deepEqual((await paymentMethodOf(done)).billing_details.address, german);
    assert.deepEqual(((await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer).address, german);
  });

  test('an existing customer gets the address only with customer_update[address]=auto, as on Stripe', async () => {
    for (const update of ['auto', undefined] as const) {
      const customer = await stripe.customers.create({ email: email(), name: 'Old Name' });
      const session = await subscriptionSession({
        customer: customer.id,
        billing_address_collection: 'required',
        ...(update ? { customer_update: { address: update, name: update } } : {}),
      });
      const done = await payAndCheck(session);
      assert.deepEqual((await paymentMethodOf(done)).billing_details.address, FULL_ADDRESS);
      const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
      if (update) {
        assert.deepEqual(after.address, FULL_ADDRESS);
        assert.equal(after.name, 'Canary Tester');
        const updated = (await stripe.events.list({ type: 'customer.updated', limit: 100 })).data.find(
          (e) => (e.data.object as Stripe.Customer).id === customer.id,
        );
        assert.ok(updated, 'customer.updated is sent');
        assert.ok(updated.data.previous_attributes && 'address' in updated.data.previous_attributes);
      } else {
        assert.equal(after.address, null, 'customer_update defaults to never');
        assert.equal(after.name, 'Old Name');
      }
    }
  });

  test("allowed_payment_method_types / excluded_payment_method_types filter the account's methods; the accordion and Link follow", async () => {
    await useVariant({ accordion: true, link: true, billing_address: 'auto' });
    try {
      const labels = (page: Page) => page.locator('[data-testid$="-accordion-item-button"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));

      const all = await subscriptionSession({ customer_email: email() });
      assert.deepEqual(all.payment_method_types, ['card', 'cashapp', 'us_bank_account', 'link'], "the account's dynamic payment methods");
      await withPage(all, async (checkout, page) => {
        assert.deepEqual(await labels(page), ['Pay with card', 'Pay with cash app pay', 'Pay with us bank account']);
        assert.equal(await checkout.cardNumber.count(), 0);
        assert.equal(await checkout.linkOptIn.isChecked(), true);
      });

      const excluded = await subscriptionSession({ customer_email: email(), excluded_payment_method_types: ['cashapp'] });
      assert.deepEqual(excluded.payment_method_types, ['card', 'us_bank_account', 'link']);
      await withPage(excluded, async (_checkout, page) => assert.deepEqual(await labels(page), ['Pay with card', 'Pay with us bank account']));

      const cardAndLink = await subscriptionSession({ customer_email: email(), allowed_payment_method_types: ['card', 'link', 'ideal'] });
      assert.deepEqual(cardAndLink.payment_method_types, ['card', 'link'], 'what the account does not offer is left out');
      await withPage(cardAndLink, async (checkout) => {
        assert.equal(await checkout.cardAccordionButton.count(), 0, 'one method besides Link makes no accordion');
        assert.equal(await checkout.cardNumber.isVisible(), true);
        assert.equal(await checkout.linkOptIn.isChecked(), true);
      });

      const cardOnly = await subscriptionSession({ customer_email: email(), allowed_payment_method_types: ['card'] });
      assert.deepEqual(cardOnly.payment_method_types, ['card']);
      await withPage(cardOnly, async (checkout) => {
        assert.equal(await checkout.cardAccordionButton.count(), 0);
        assert.equal(await checkout.linkOptIn.count(), 0);
      });

      for (const session of [all, excluded, cardAndLink, cardOnly]) await payAndCheck(session);
    } finally {
      await control('DELETE');
    }
  });

  test('the parameters are checked as Stripe checks them', async () => {
    const refused = async (params: Partial<Stripe.Checkout.SessionCreateParams>, param: string, message?: RegExp) =>
      assert.rejects(subscriptionSession({ customer_email: email(), ...params }), (err: Stripe.errors.StripeError) => {
        assert.equal(err.statusCode, 400);
        assert.equal(err.param, param);
        if (message) assert.match(err.message, message);
        return true;
      });
    await refused({ customer_update: { address: 'auto' } }, 'customer_update', /can only be used with `customer`/);
    await refused({ allowed_payment_method_types: ['cashapp'] }, 'allowed_payment_method_types', /keep `card`/);
    await refused({ excluded_payment_method_types: ['card'] }, 'excluded_payment_method_types', /keep `card`/);
    await refused({ allowed_payment_method_types: ['card'], excluded_payment_method_types: ['cashapp'] }, 'excluded_payment_method_types', /only specify one/);
    await refused({ allowed_payment_method_types: ['bogus' as 'card'] }, 'allowed_payment_method_types[0]');
    await refused({ excluded_payment_method_types: ['link' as 'card'] }, 'excluded_payment_method_types[0]');
    // ui_mode at the SDK's API version: the hosted page is served, a form on the app's own page is not.
    for (const uiMode of ['embedded_page', 'elements', 'form'] as const) {
      await refused({ ui_mode: uiMode }, 'ui_mode', new RegExp(`hosted Checkout page only .*ui_mode=${uiMode}`));
    }
    const hosted = await subscriptionSession({ customer_email: email(), ui_mode: 'hosted_page' });
    assert.deepEqual([hosted.ui_mode, typeof hosted.url], ['hosted_page', 'string']);
    // Gone from session create at this API version (stripe-node 23's changelog).
    const legacy = { payment_method_types: ['card'] } as unknown as Partial<Stripe.Checkout.SessionCreateParams>;
    await assert.rejects(subscriptionSession({ customer_email: email(), ...legacy }), (err: Stripe.errors.StripeError) => {
      assert.deepEqual([err.statusCode, err.code, err.param], [400, 'parameter_unknown', 'payment_method_types']);
      return true;
    });
  });
});

describe('the accordion', () => {
  test('hides #cardNumber until the card item is opened, and drops a click while it animates in', async () => {
    await useVariant({ accordion: true, link: false, billing_address: 'auto' });
    try {
      const session = await subscriptionSession({ customer_email: email() });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(session.url!);
        // At once, while it slides in: a click on the card's button does not open it.
        const early = await page.evaluate(() => {
          const accordion = document.getElementById('paymentMethod')!;
          const settling = accordion.dataset.state === 'entering';
          (document.querySelector('[data-testid="card-accordion-item-button"]') as HTMLElement).click();
          return { settling, opened: document.getElementById('cardNumber') !== null };
        });
        assert.equal(early.settling, true, 'the click came while the accordion was still animating in');
        assert.equal(early.opened, false, 'a click during the animation is lost');
        const checkout = new StripeCheckoutPage(page);
        await checkout.waitUntilReady();
        for (const field of [checkout.cardNumber, checkout.cardExpiry, checkout.cardCvc, checkout.billingName, checkout.billingPostalCode]) {
          assert.equal(await field.count(), 0, 'no card field exists before the card item is opened');
        }
        assert.equal(await page.locator('#payment-method-accordion-item-title-card').isChecked(), false);
        // Submitting with no method chosen says so.
        await checkout.submit();
        await waitFor(() => checkout.isInvalid(page.locator('#paymentMethod')), 'the accordion marked invalid');
        assert.equal(await checkout.errorText(), 'Select a payment method.');

        await checkout.openCardItem();
        assert.equal(await checkout.cardNumber.isVisible(), true);
        assert.equal(await page.locator('#payment-method-accordion-item-title-card').isChecked(), true);
        assert.equal(await checkout.cardAccordionButton.getAttribute('aria-expanded'), 'true');
        // Opening it again keeps it open.
        await checkout.openCardItem();
        await checkout.cardAccordionButton.click();
        assert.equal(await checkout.cardNumber.isVisible(), true);
      } finally {
        await context.close();
      }
    } finally {
      await control('DELETE');
    }
  });

  test('another method chosen cannot pay; the page object opens the card and pays', async () => {
    await useVariant({ accordion: true, link: false, billing_address: 'auto' });
    try {
      const session = await subscriptionSession({ customer_email: email() });
      await withPage(session, async (checkout, page) => {
        await checkout.openCardItem();
        await checkout.fillCard(CARDS.visa);
        const cashApp = page.getByTestId('cashapp-accordion-item-button');
        await cashApp.click();
        assert.equal(await checkout.cardNumber.isVisible(), false, 'the card item closes');
        assert.match((await checkout.submitButton.getAttribute('class')) ?? '', /SubmitButton--incomplete/);
        await checkout.submit();
        assert.match(await checkout.errorText(), /^Cash App Pay cannot be paid with on this test page/);
        assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
        await checkout.payWith(CARDS.visa);
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      });
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).payment_status, 'paid');
    } finally {
      await control('DELETE');
    }
  });
});

describe("Link's opt-in", () => {
  test('checked for a known email, it asks for a phone number and the form stays incomplete until it has one or is unchecked', async () => {
    await useVariant({ accordion: false, link: true, billing_address: 'auto' });
    try {
      const customer = await stripe.customers.create({ email: email() });
      const session = await subscriptionSession({ customer: customer.id });
      await withPage(session, async (checkout, page) => {
        const phone = page.locator('#phoneNumber');
        assert.equal(await checkout.linkOptIn.isChecked(), true);
        assert.equal(await phone.isVisible(), true);
        await checkout.fillCard(CARDS.visa);
        assert.match((await checkout.submitButton.getAttribute('class')) ?? '', /SubmitButton--incomplete/, 'no phone number yet');
        await checkout.submit();
        await waitFor(() => checkout.isInvalid(phone), 'the phone number marked invalid');
        assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
        await checkout.linkOptIn.uncheck();
        assert.equal(await phone.isVisible(), false);
        await checkout.completeSubmitButton.waitFor({ timeout: 5_000 });
        await checkout.linkOptIn.check();
        await phone.fill('(201) 555-0123');
        await checkout.completeSubmitButton.waitFor({ timeout: 5_000 });
      });
    } finally {
      await control('DELETE');
    }
  });

  test('kept checked with a phone number, the card still pays', async () => {
    await useVariant({ accordion: false, link: true, billing_address: 'auto' });
    try {
      const session = await subscriptionSession({ customer_email: email() });
      await withPage(session, async (checkout, page) => {
        await checkout.fillCard(CARDS.visa);
        await page.locator('#phoneNumber').fill('2015550123');
        await checkout.completeSubmitButton.waitFor({ timeout: 5_000 });
        await checkout.submit();
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      });
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).payment_status, 'paid');
    } finally {
      await control('DELETE');
    }
  });

  test('an email the buyer types starts unchecked, and the page object pays', async () => {
    await useVariant({ accordion: true, link: true, billing_address: 'required' });
    try {
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: oneTime.id, quantity: 1 }],
        success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
      });
      await withPage(session, async (checkout, page) => {
        assert.equal(await checkout.linkOptIn.isChecked(), false);
        await checkout.payWith(CARDS.visa, { ...DEFAULT_CARDHOLDER, email: 'typed@example.com' });
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
      });
      const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.payment_method'] });
      assert.equal(done.payment_status, 'paid');
      assert.equal(done.customer_details?.email, 'typed@example.com');
      assert.deepEqual(done.customer_details?.address, FULL_ADDRESS);
      const pm = (done.payment_intent as Stripe.PaymentIntent).payment_method as Stripe.PaymentMethod;
      assert.deepEqual(pm.billing_details.address, FULL_ADDRESS);
    } finally {
      await control('DELETE');
    }
  });
});

describe('the submit button', () => {
  test('incomplete until every field is, then complete; processing while paying, then success', async () => {
    await useVariant({ accordion: true, link: true, billing_address: 'required' });
    try {
      const session = await subscriptionSession({ customer_email: email() });
      await withPage(session, async (checkout, page) => {
        const classes = async () => ((await checkout.submitButton.getAttribute('class')) ?? '').split(/\s+/);
        assert.ok((await classes()).includes('SubmitButton--incomplete'));
        await checkout.fillCard(CARDS.visa);
        assert.ok((await classes()).includes('SubmitButton--incomplete'), "Link's opt-in still wants a phone number");
        await checkout.declineLinkOptIn();
        await checkout.completeSubmitButton.waitFor({ timeout: 5_000 });
        await checkout.billingLocality.fill('');
        assert.ok((await classes()).includes('SubmitButton--incomplete'), 'an emptied required field makes it incomplete again');
        await checkout.billingLocality.fill('San Francisco');
        assert.ok((await classes()).includes('SubmitButton--complete'));

        // Every class the button takes from here on, in order.
        const seen: string[] = [];
        await page.exposeFunction('recordButtonClass', (c: string) => seen.push(c));
        await page.evaluate(() => {
          const button = document.querySelector('[data-testid="hosted-payment-submit-button"]')!;
          new MutationObserver(() => (window as unknown as { recordButtonClass(c: string): void }).recordButtonClass(button.className)).observe(button, {
            attributes: true,
            attributeFilter: ['class'],
          });
        });
        await checkout.submitWhenComplete();
        await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`);
        const states = seen.map((c) => /SubmitButton--(\w+)/.exec(c)?.[1]);
        assert.deepEqual(states, ['processing', 'success']);
      });
    } finally {
      await control('DELETE');
    }
  });
});

describe('the server checks what the page showed', () => {
  test("a session's page is fixed at creation, and its confirmation requires what the page asked for", async () => {
    const session = await subscriptionSession({ customer_email: email(), billing_address_collection: 'required' });
    // Changed after the session was made: that session's page stays as it was.
    await useVariant({ accordion: true, link: true, billing_address: 'auto' });
    try {
      await withPage(session, async (checkout) => {
        assert.equal(await checkout.cardNumber.isVisible(), true, 'no accordion');
        assert.equal(await checkout.linkOptIn.count(), 0, 'no Link');
        assert.equal(await checkout.billingAddressLine1.isVisible(), true);
      });
      const confirm = (body: object) =>
        fetch(`${t.emulator.url}/c/pay/${session.id}/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const card = {
        cardNumber: '4242424242424242',
        cardExpiry: '12 / 40',
        cardCvc: '123',
        billingName: 'Jo',
        billingCountry: 'US',
        billingPostalCode: '94107',
      };
      const res = await confirm(card);
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys((await res.json()).errors).sort(), ['billingAddressLine1', 'billingAdministrativeArea', 'billingLocality']);
      const ok = await confirm({ ...card, billingAddressLine1: '1 Main St', billingLocality: 'Springfield', billingAdministrativeArea: 'IL' });
      assert.equal(ok.status, 200);
      const done = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(done.status, 'complete');
      assert.deepEqual(done.customer_details?.address, {
        city: 'Springfield',
        country: 'US',
        line1: '1 Main St',
        line2: null,
        postal_code: '94107',
        state: 'IL',
      });
    } finally {
      await control('DELETE');
    }
  });

  test('with the accordion, a confirmation for another method is refused', async () => {
    await useVariant({ accordion: true, link: false, billing_address: 'auto' });
    try {
      const session = await subscriptionSession({ customer_email: email() });
      const res = await fetch(`${t.emulator.url}/c/pay/${session.id}/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paymentMethod: 'cashapp' }),
      });
      assert.equal(res.status, 400);
      assert.deepEqual((await res.json()).errors, { paymentMethod: 'Cash App Pay cannot be paid with on this test page. Choose Card.' });
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
    } finally {
      await control('DELETE');
    }
  });
});
