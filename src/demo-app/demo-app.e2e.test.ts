/**
 * The demo app's upgrade in a real headless Chromium against the Stripe emulator: the app driven
 * through its page object, hosted Checkout only through StripeCheckoutPage, and every outcome
 * checked where it lives (Stripe through the official SDK, the app through its admin API, the
 * webhook deliveries through the emulator's log).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../browser/chromium.ts';
import { CARDS } from '../../fixtures/data/test-cards.ts';
import { DemoAppPage } from '../../apps/demo-app/demo-app.page.ts';
import { StripeCheckoutPage } from '../../fixtures/pages/stripe-checkout.page.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';
import type { DeliveryRecord } from '../emulators/stripe/webhooks.ts';

const PRO_LOOKUP_KEY = 'canary_pro_monthly';
const PROCESSING = 'Processing your upgrade…';
/** A long tail of retries, so a webhook held back on purpose is still delivered once released. */
const MAIN_RETRIES_MS = [200, 400, 800, 1600, 3200, 6400];
/** Few, fast retries, so a failing handler exhausts them quickly. */
const FAULT_RETRIES_MS = [50, 100];

let browser: Browser;
let main: DemoHarness;

before(async () => {
  main = await startDemoHarness({ emulator: { webhookRetryDelaysMs: MAIN_RETRIES_MS } });
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await main?.close();
});

interface Environment {
  id: string;
  labels: Record<string, string>;
}

interface Scenario {
  h: DemoHarness;
  page: Page;
  context: BrowserContext;
  env: Environment;
  runId: string;
  email: string;
  app: DemoAppPage;
}

/** A new browser context and a new environment in the app (labelled with a run id) for one test. */
async function scenario(h: DemoHarness, body: (s: Scenario) => Promise<void>): Promise<void> {
  const runId = `run_${randomUUID()}`;
  const env = await h.environment({ canary_run_id: runId });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const app = new DemoAppPage(page, { url: h.app.url, environment: env.id });
    await body({ h, page, context, env, runId, email: `canary+${runId.slice(4, 12)}@example.com`, app });
  } finally {
    await context.close();
  }
}

interface AccountView {
  id: string;
  environment: string;
  email: string;
  stripe_customer_id: string;
  plan: 'free' | 'pro';
  renews_at: number | null;
}

async function accountOf(h: DemoHarness, env: string, account: string): Promise<AccountView> {
  const r = await h.admin('GET', `/api/environments/${env}/accounts/${account}`);
  assert.equal(r.status, 200, `admin API on account ${account}: ${JSON.stringify(r.body)}`);
  return r.body as AccountView;
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function emulatorControl(h: DemoHarness, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${h.emulator.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${method} ${path} answered ${res.status}`);
  return res.json();
}

type Delivery = DeliveryRecord;

/**
 * The events the app's endpoint subscribes to that concern `customer`, each with its delivery
 * attempts to that endpoint so far, from the emulator's log.
 */
async function deliveriesFor(h: DemoHarness, customer: string): Promise<{ event: Stripe.Event; attempts: Delivery[] }[]> {
  const endpointId = h.app.webhookEndpointId;
  assert.ok(endpointId, 'the demo app registered its webhook endpoint');
  const endpoint = await h.stripe.webhookEndpoints.retrieve(endpointId);
  const events = await h.stripe.events.list({ types: endpoint.enabled_events, limit: 100 });
  const ours = events.data.filter((e) => (e.data.object as { customer?: string | null }).customer === customer);
  const log = (await emulatorControl(h, 'GET', `/_emulator/webhook-deliveries?endpoint=${endpointId}`)) as { data: Delivery[] };
  return ours.map((event) => ({ event, attempts: log.data.filter((d) => d.event_id === event.id && !d.duplicate) }));
}

async function subscriptionsOf(h: DemoHarness, customer: string, status: 'active' | 'all'): Promise<Stripe.Subscription[]> {
  return (await h.stripe.subscriptions.list({ customer, status, limit: 100 })).data;
}

async function checkoutSessionsOf(h: DemoHarness, customer: string): Promise<Stripe.Checkout.Session[]> {
  return (await h.stripe.checkout.sessions.list({ customer, limit: 100 })).data;
}

const isoDate = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

/** From the billing page to the Checkout page, ready to be filled. */
async function openCheckout(s: Scenario): Promise<StripeCheckoutPage> {
  const status = await s.app.upgradeToPro();
  assert.equal(status, 303, 'the app sends the browser to Checkout with a redirect');
  const checkout = new StripeCheckoutPage(s.page);
  await checkout.waitUntilReady();
  return checkout;
}

describe('the upgrade', () => {
  test('sign up on Free, pay 4242 on Checkout, the return page turns Pro by itself; Stripe and the app agree', async () => {
    await scenario(main, async (s) => {
      const { h, app, env, runId, email } = s;
      await app.signUp(email, 'Canary Tester');
      assert.equal(await app.currentPlan(), 'Free');
      assert.equal(await app.renewalText(), '');
      assert.equal(await app.upgradeButton.isVisible(), true, 'a Free account is offered "Upgrade to Pro"');
      const account = app.accountId;

      const checkout = await openCheckout(s);
      assert.equal(await checkout.email.inputValue(), email, "Checkout shows the account's email");

      // Hold the webhooks back (each attempt is dropped and retried later), so the return page is
      // seen before the upgrade is fulfilled whatever the race between browser and webhook.
      await emulatorControl(h, 'POST', '/_emulator/faults', { webhooks: { drop_rate: 1 } });
      try {
        await checkout.payWith(CARDS.visa);
        await app.waitForUpgradeReturn();
        await s.page.evaluate(() => Object.assign(window, { __sameDocument: true }));
        const navigations: string[] = [];
        s.page.on('framenavigated', (frame) => {
          if (frame === s.page.mainFrame()) navigations.push(frame.url());
        });
        assert.equal(await app.upgradeStatus(), PROCESSING);
        assert.equal(await app.currentPlan(), 'Free');
        const view = await accountOf(h, env.id, account);
        assert.equal(view.plan, 'free', 'not upgraded while the webhooks are held back');
        await eventually('a held-back webhook attempt', async () =>
          (await deliveriesFor(h, view.stripe_customer_id)).some((d) => d.attempts.some((a) => a.error === 'dropped')) ? true : undefined,
        );
        await emulatorControl(h, 'DELETE', '/_emulator/faults');

        await app.waitForPlan('Pro', 20_000);
        const renewal = await app.waitForRenewal();
        assert.match(renewal, /^Renews on \d{4}-\d{2}-\d{2}$/);
        assert.equal(await app.upgradeStatus(), 'You are on Pro.');
        assert.equal(await s.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no reload');
        assert.deepEqual(navigations, [], 'the page was not navigated');

        // Stripe, through the official SDK.
        const customer = await h.stripe.customers.retrieve(view.stripe_customer_id);
        assert.ok(!customer.deleted);
        assert.equal(customer.email, email);
        const metadata = { canary_run_id: runId, environment: env.id, account };
        assert.deepEqual({ ...customer.metadata }, metadata);

        const [catalogue] = (await h.stripe.prices.list({ lookup_keys: [PRO_LOOKUP_KEY], limit: 10 })).data;
        assert.ok(catalogue, `the catalogue price ${PRO_LOOKUP_KEY} exists`);
        const active = await subscriptionsOf(h, customer.id, 'active');
        assert.equal(active.length, 1, 'exactly one active subscription');
        assert.equal((await subscriptionsOf(h, customer.id, 'all')).length, 1, 'and no other subscription');
        const [sub] = active as [Stripe.Subscription];
        assert.equal(sub.items.data.length, 1);
        assert.equal(sub.items.data[0]!.price.id, catalogue.id);
        assert.equal(sub.items.data[0]!.price.lookup_key, PRO_LOOKUP_KEY);
        assert.deepEqual({ ...sub.metadata }, metadata);
        assert.equal(renewal, `Renews on ${isoDate(sub.items.data[0]!.current_period_end)}`);

        const sessions = await checkoutSessionsOf(h, customer.id);
        assert.equal(sessions.length, 1, 'one checkout session for the customer');
        const [session] = sessions as [Stripe.Checkout.Session];
        assert.equal(session.status, 'complete');
        assert.equal(session.payment_status, 'paid');
        assert.equal(session.client_reference_id, account);
        assert.deepEqual({ ...session.metadata }, metadata);
        assert.equal(session.subscription, sub.id);
        assert.equal(session.amount_total, 4900);

        // The app, through its admin API.
        const after = await accountOf(h, env.id, account);
        assert.equal(after.plan, 'pro');
        assert.equal(after.email, email);
        assert.equal(after.renews_at, sub.items.data[0]!.current_period_end);
      } finally {
        await emulatorControl(h, 'DELETE', '/_emulator/faults');
      }
    });
  });

  test('the back link on Checkout returns to billing on Free with the "canceled" notice', async () => {
    await scenario(main, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      const checkout = await openCheckout(s);
      await checkout.page.getByRole('link', { name: /^Back to / }).click();
      assert.equal(await app.notice(), 'Upgrade canceled. You are still on the Free plan.');
      assert.equal(await app.currentPlan(), 'Free');
      assert.equal(await app.upgradeButton.isVisible(), true);

      const view = await accountOf(h, env.id, app.accountId);
      assert.equal(view.plan, 'free');
      const sessions = await checkoutSessionsOf(h, view.stripe_customer_id);
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]!.status, 'open', 'going back does not complete the session');
      assert.deepEqual(await subscriptionsOf(h, view.stripe_customer_id, 'all'), []);
    });
  });

  test("a declined card shows Stripe's error on Checkout and the account stays on Free", async () => {
    await scenario(main, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      const checkout = await openCheckout(s);
      await checkout.payWith(CARDS.declined);
      assert.match(await checkout.errorText(), /^Your card has been declined\.$/);
      assert.match(new URL(s.page.url()).pathname, /^\/c\/pay\//, 'the browser stays on Checkout');

      const view = await accountOf(h, env.id, app.accountId);
      assert.equal(view.plan, 'free');
      assert.deepEqual(await subscriptionsOf(h, view.stripe_customer_id, 'active'), []);
      const [session] = await checkoutSessionsOf(h, view.stripe_customer_id);
      assert.equal(session?.status, 'open');
      assert.equal(session?.payment_status, 'unpaid');

      await app.openBilling();
      assert.equal(await app.currentPlan(), 'Free');
    });
  });
});

describe('environments', () => {
  test('the same email in two environments gets two accounts and two customers; upgrading one leaves the other Free', async () => {
    await scenario(main, async (a) => {
      const { h, email } = a;
      const runB = `run_${randomUUID()}`;
      const envB = await h.environment({ canary_run_id: runB });
      const pageB = await a.context.newPage();
      const appB = new DemoAppPage(pageB, { url: h.app.url, environment: envB.id });

      await a.app.signUp(email);
      await appB.signUp(email);
      assert.notEqual(a.app.accountId, appB.accountId);
      const viewA = await accountOf(h, a.env.id, a.app.accountId);
      const viewB = await accountOf(h, envB.id, appB.accountId);
      assert.equal(viewA.email, email);
      assert.equal(viewB.email, email);
      assert.notEqual(viewA.stripe_customer_id, viewB.stripe_customer_id);
      const customerA = await h.stripe.customers.retrieve(viewA.stripe_customer_id);
      const customerB = await h.stripe.customers.retrieve(viewB.stripe_customer_id);
      assert.ok(!customerA.deleted && !customerB.deleted);
      assert.equal(customerA.metadata.environment, a.env.id);
      assert.equal(customerB.metadata.environment, envB.id);
      assert.equal(customerB.metadata.canary_run_id, runB);
      const listedB = await h.admin('GET', `/api/environments/${envB.id}/accounts?email=${encodeURIComponent(email)}`);
      assert.deepEqual(
        (listedB.body.data as AccountView[]).map((x) => x.id),
        [appB.accountId],
      );

      const checkout = await openCheckout(a);
      await checkout.payWith(CARDS.visa);
      await a.app.waitForUpgradeReturn();
      await a.app.waitForPlan('Pro', 20_000);
      assert.equal((await accountOf(h, a.env.id, a.app.accountId)).plan, 'pro');

      await appB.openBilling();
      assert.equal(await appB.currentPlan(), 'Free');
      assert.equal(await appB.upgradeButton.isVisible(), true);
      assert.equal((await accountOf(h, envB.id, appB.accountId)).plan, 'free');
      assert.deepEqual(await subscriptionsOf(h, viewB.stripe_customer_id, 'all'), []);
      assert.equal((await subscriptionsOf(h, viewA.stripe_customer_id, 'active')).length, 1);
    });
  });
});

describe('faults visible through the UI', () => {
  let faulty: DemoHarness;

  before(async () => {
    faulty = await startDemoHarness({ emulator: { webhookRetryDelaysMs: FAULT_RETRIES_MS, webhookTimeoutMs: 500 } });
  });
  afterEach(async () => {
    await faulty?.setFault(null);
  });
  after(async () => {
    await faulty?.close();
  });

  test("checkout-500: Upgrade shows the app's error page and no session is created", async () => {
    await scenario(faulty, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      await h.setFault('checkout-500');
      const status = await app.upgradeToPro();
      assert.ok(status >= 500 && status < 600, `the upgrade answered ${status}`);
      const error = await app.errorPage();
      assert.equal(error.heading, 'Something went wrong');
      assert.equal(error.message, 'Something went wrong on our side. Please try again.');

      const view = await accountOf(h, env.id, app.accountId);
      assert.equal(view.plan, 'free');
      assert.deepEqual(await checkoutSessionsOf(h, view.stripe_customer_id), []);
    });
  });

  test('webhook-500: after paying the page keeps saying "Processing…" and the account stays Free, while Stripe has the subscription', async () => {
    await scenario(faulty, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      await h.setFault('webhook-500');
      const checkout = await openCheckout(s);
      await checkout.payWith(CARDS.visa);
      await app.waitForUpgradeReturn();
      const view = await accountOf(h, env.id, app.accountId);

      const attempts = FAULT_RETRIES_MS.length + 1;
      const exhausted = await eventually(`every webhook for ${view.stripe_customer_id} to fail ${attempts} times`, async () => {
        const ds = await deliveriesFor(h, view.stripe_customer_id);
        const done = ds.some((d) => d.event.type === 'checkout.session.completed') && ds.every((d) => d.attempts.length >= attempts);
        return done ? ds : undefined;
      });
      for (const { event, attempts: tries } of exhausted) {
        assert.deepEqual(
          tries.map((d) => d.status),
          Array(attempts).fill(500),
          `${event.type} ${event.id} was answered 500 on every attempt`,
        );
      }

      assert.equal((await accountOf(h, env.id, app.accountId)).plan, 'free');
      assert.equal(await app.upgradeStatus(), PROCESSING);
      assert.equal(await app.currentPlan(), 'Free');
      const active = await subscriptionsOf(h, view.stripe_customer_id, 'active');
      assert.equal(active.length, 1, 'Stripe charged and subscribed the customer');
    });
  });

  test('ignore-upgrade: the webhooks are acknowledged but the account stays Free', async () => {
    await scenario(faulty, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      await h.setFault('ignore-upgrade');
      const checkout = await openCheckout(s);
      await checkout.payWith(CARDS.visa);
      await app.waitForUpgradeReturn();
      const view = await accountOf(h, env.id, app.accountId);

      const acknowledged = await eventually(`every webhook for ${view.stripe_customer_id} acknowledged`, async () => {
        const ds = await deliveriesFor(h, view.stripe_customer_id);
        const ok = (d: Delivery) => d.status !== null && d.status >= 200 && d.status < 300;
        const done = ds.some((d) => d.event.type === 'checkout.session.completed') && ds.every((d) => d.attempts.some(ok));
        return done ? ds : undefined;
      });
      assert.ok(
        acknowledged.some((d) => d.event.type === 'customer.subscription.created'),
        'the subscription event was delivered too',
      );

      assert.equal((await accountOf(h, env.id, app.accountId)).plan, 'free');
      assert.equal(await app.upgradeStatus(), PROCESSING);
      assert.equal(await app.currentPlan(), 'Free');
      assert.equal((await subscriptionsOf(h, view.stripe_customer_id, 'active')).length, 1);
    });
  });

  test("wrong-price: Checkout shows $99.00 instead of the catalogue's $49.00", async () => {
    await scenario(faulty, async (s) => {
      const { h, app, env, email } = s;
      await app.signUp(email);
      await h.setFault('wrong-price');
      const checkout = await openCheckout(s);
      const summary = await checkout.page.getByRole('region', { name: 'Order summary' }).innerText();
      assert.match(summary, /Total due today\s*\$99\.00/);
      assert.doesNotMatch(summary, /\$49\.00/);

      const view = await accountOf(h, env.id, app.accountId);
      const [session] = await checkoutSessionsOf(h, view.stripe_customer_id);
      assert.equal(session?.amount_total, 9900);
      const items = await h.stripe.checkout.sessions.listLineItems(session!.id);
      assert.notEqual(items.data[0]?.price?.lookup_key, PRO_LOOKUP_KEY);
    });
  });
});
