/**
 * The hosted customer portal in Chromium: a session made through the official SDK, its page
 * driven through `StripePortalPage`, and the outcome read back through the SDK and the webhooks
 * an app would receive.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright';
import type Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../../../browser/chromium.ts';
import { StripePortalPage } from '../../../../fixtures/pages/stripe-portal.page.ts';
import { startTestEmulator, waitFor, type TestEmulator } from '../testing/sdk.ts';
import { webhookInbox } from '../testing/webhook-inbox.ts';

let t: TestEmulator;
let stripe: Stripe;
let browser: Browser;
let pro: Stripe.Price;
let team: Stripe.Price;
const RETURN_URL = 'https://example.com/account';

before(async () => {
  t = await startTestEmulator();
  stripe = t.stripe;
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
  const proProduct = await stripe.products.create({ name: 'Pro' });
  pro = await stripe.prices.create({ product: proProduct.id, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' } });
  const teamProduct = await stripe.products.create({ name: 'Team' });
  team = await stripe.prices.create({ product: teamProduct.id, unit_amount: 9900, currency: 'usd', recurring: { interval: 'month' } });
});

after(async () => {
  await browser?.close();
  await t?.close();
});

async function subscriber(): Promise<{ customer: Stripe.Customer; subscription: Stripe.Subscription }> {
  const customer = await stripe.customers.create({ email: 'portal@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: pro.id }] });
  assert.equal(subscription.status, 'active');
  return { customer, subscription };
}

/** Opens `url` in a fresh context; example.com (the app) answers a stub page. */
async function open(url: string, use: (portal: StripePortalPage, page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>The app</h1>' }));
    await page.goto(url);
    await use(new StripePortalPage(page), page);
  } finally {
    await context.close();
  }
}

const switchable = () =>
  stripe.billingPortal.configurations.create({
    features: {
      subscription_cancel: { enabled: true, mode: 'immediately' },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price'],
        proration_behavior: 'create_prorations',
        products: [
          { product: pro.product as string, prices: [pro.id] },
          { product: team.product as string, prices: [team.id] },
        ],
      },
    },
  });

describe('the billing portal page', () => {
  it('shows the plan and its renewal date; cancel (at period end by default) sets cancel_at_period_end and sends customer.subscription.updated', async (ctx) => {
    const inbox = await webhookInbox(ctx, stripe, ['customer.subscription.updated']);
    const { customer, subscription } = await subscriber();
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: RETURN_URL });
    await open(session.url, async (portal, page) => {
      await page.getByText('Pro', { exact: true }).waitFor();
      assert.match(await page.getByTestId('plan-price').innerText(), /\$29\.00 per month/);
      assert.match(await portal.planStatus.innerText(), /^Renews on /);
      await portal.cancel();
      assert.match(await portal.planStatus.innerText(), /^Cancels on /);
      assert.equal(await portal.back(), RETURN_URL);
    });
    const after = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(after.status, 'active');
    assert.equal(after.cancel_at_period_end, true);
    assert.equal(after.cancel_at, after.items.data[0]!.current_period_end);
    assert.equal(after.cancellation_details?.reason, 'cancellation_requested');
    const event = await waitFor(
      () => inbox.events().find((e) => e.type === 'customer.subscription.updated' && (e.data.object as Stripe.Subscription).cancel_at_period_end),
      'the customer.subscription.updated of the cancellation',
    );
    assert.ok(event);
    assert.equal((event.data.object as Stripe.Subscription).id, subscription.id);
    assert.equal((event.data.previous_attributes as Partial<Stripe.Subscription> | undefined)?.cancel_at_period_end, false);
  });

  it('switching plan changes the item’s price, with the configuration’s prorations, and sends customer.subscription.updated', async (ctx) => {
    const inbox = await webhookInbox(ctx, stripe, ['customer.subscription.updated']);
    const { customer, subscription } = await subscriber();
    const config = await switchable();
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id, return_url: RETURN_URL });
    await open(session.url, async (portal, page) => {
      await portal.switchTo('Team');
      await page.getByText('Team', { exact: true }).waitFor();
    });
    const after = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(after.items.data[0]!.price.id, team.id);
    assert.equal(after.items.data[0]!.id, subscription.items.data[0]!.id);
    const prorations = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    assert.equal(prorations.data.length, 2, 'create_prorations: "Unused time" and "Remaining time" items');
    const event = await waitFor(
      () =>
        inbox.events().find((e) => e.type === 'customer.subscription.updated' && (e.data.object as Stripe.Subscription).items.data[0]!.price.id === team.id),
      'the customer.subscription.updated of the plan change',
    );
    assert.ok(event);
    assert.equal((event.data.object as Stripe.Subscription).id, subscription.id);
    assert.ok(event.data.previous_attributes && 'items' in event.data.previous_attributes, 'previous_attributes has the old items');
  });

  it('cancel with mode=immediately: the subscription is canceled and customer.subscription.deleted is sent', async (ctx) => {
    const inbox = await webhookInbox(ctx, stripe, ['customer.subscription.deleted']);
    const { customer, subscription } = await subscriber();
    const config = await switchable();
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id });
    await open(session.url, async (portal, page) => {
      await portal.cancel();
      await page.getByText('No active subscriptions.').waitFor();
      assert.equal(await portal.returnLink.count(), 0, 'no return_url, no "Return to …" link');
    });
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).status, 'canceled');
    await inbox.event('customer.subscription.deleted', subscription.id);
  });

  it('flow_data subscription_cancel opens on the confirmation, and after_completion redirect sends the customer back', async () => {
    const { customer, subscription } = await subscriber();
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      flow_data: {
        type: 'subscription_cancel',
        subscription_cancel: { subscription: subscription.id },
        after_completion: { type: 'redirect', redirect: { return_url: 'https://example.com/canceled' } },
      },
    });
    await open(session.url, async (portal, page) => {
      assert.equal(await portal.confirmCancelButton.isVisible(), true, 'the flow opens on the confirmation');
      await portal.cancel();
      await page.waitForURL('https://example.com/canceled');
    });
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end, true);
  });

  it('flow_data subscription_update_confirm preselects the price; an unknown session is a 404 page', async () => {
    const { customer, subscription } = await subscriber();
    const config = await switchable();
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: {
        type: 'subscription_update_confirm',
        subscription_update_confirm: { subscription: subscription.id, items: [{ id: subscription.items.data[0]!.id, price: team.id }] },
        after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'Welcome to Team' } },
      },
    });
    await open(session.url, async (portal, page) => {
      assert.equal(await page.getByRole('radio', { name: /Team/ }).isChecked(), true);
      await portal.confirmUpdateButton.click();
      await page.getByTestId('confirmation-message').getByText('Welcome to Team').waitFor();
    });
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).items.data[0]!.price.id, team.id);
    const missing = await fetch(`${t.emulator.url}/p/session/bps_missing`);
    assert.equal(missing.status, 404);
  });
});
