/**
 * The journey that matters: a customer upgrades from Free to Pro through hosted Stripe Checkout,
 * and afterwards Stripe and the app agree.
 */
import { test, expect, CARDS } from '../fixtures/index.ts';
import { AppNotUpdated, CheckoutBlocked, StripeStateMismatch } from '../src/errors.ts';
import { findRunCustomer, stripeCall, verifyPaidUpgrade, waitForWebhookAcknowledged } from '../src/stripe/assertions.ts';

/** How long the app may take to turn Stripe's webhook into the Pro plan. */
const FULFILMENT_MS = Number(process.env.CANARY_FULFILMENT_TIMEOUT_MS ?? 15_000);

test('a customer upgrades from Free to Pro through Stripe Checkout @critical', async ({
  demoApp,
  checkout,
  stripe,
  stripeApiUrl,
  proPrice,
  app,
  environment,
  customerEmail,
  run,
}, testInfo) => {
  await test.step('App UI: sign up and land on the Free plan', async () => {
    await demoApp.signUp(customerEmail, 'Canary Monitor');
    expect(await demoApp.currentPlan(), 'a new account starts on Free').toBe('Free');
  });

  await test.step('App UI: upgrade to Pro opens Stripe Checkout', async () => {
    const status = await demoApp.upgradeToPro();
    expect(status, 'the app answers the upgrade with a redirect to Checkout').toBe(303);
  });

  await test.step('Checkout UI: pay with 4242 4242 4242 4242', async () => {
    await checkout.waitUntilReady().catch(async (err) => {
      if (await checkout.isBlocked()) throw new CheckoutBlocked('Checkout showed a CAPTCHA or could not be reached.', { url: checkout.page.url() });
      throw err;
    });
    const price = new Intl.NumberFormat('en-US', { style: 'currency', currency: proPrice.currency.toUpperCase() }).format(proPrice.unit_amount! / 100);
    const shown = await checkout.page.locator('body').innerText();
    expect(shown, `Checkout shows the Pro price ${price}`).toContain(price);
    await checkout.payWith(CARDS.visa);
  });

  await test.step('App UI: back from Checkout, the plan turns to Pro without a reload', async () => {
    await demoApp.waitForUpgradeReturn();
    const pro = await demoApp.waitForPlan('Pro', FULFILMENT_MS).then(
      () => true,
      () => false,
    );
    if (!pro) {
      // Say why: did Stripe take the payment, and did the app acknowledge the webhook?
      const customer = await findRunCustomer(stripe, customerEmail, run.id);
      const sessions = await stripeCall('listing checkout sessions', () => stripe.checkout.sessions.list({ customer: customer.id, limit: 5 }));
      const paid = sessions.data.find((s) => s.status === 'complete');
      if (!paid) throw new StripeStateMismatch(`Checkout returned to the app but no session of ${customer.id} is complete.`, { sessions: sessions.data.map((s) => s.id) });
      await waitForWebhookAcknowledged(stripe, paid.id, { timeoutMs: 1_000, apiUrl: stripeApiUrl });
      throw new AppNotUpdated(`Stripe shows ${paid.id} complete (subscription ${String(paid.subscription)}) and the webhook was acknowledged, but the app still shows ${await demoApp.currentPlan()} after ${FULFILMENT_MS} ms.`, {
        session: paid.id,
        subscription: paid.subscription,
      });
    }
    expect(await demoApp.renewalText(), 'Pro shows its renewal date').toMatch(/^Renews on \d{4}-\d{2}-\d{2}$/);
  });

  const verified = await test.step('Stripe API: customer, subscription, invoice and payment', async () => {
    const customer = await findRunCustomer(stripe, customerEmail, run.id);
    expect(customer.metadata, 'the customer carries the run and environment').toMatchObject({ canary_run_id: run.id, environment: environment.id });
    const upgrade = await verifyPaidUpgrade(stripe, customer, proPrice, '4242');
    for (const [type, id] of [
      ['customer', upgrade.customer.id],
      ['subscription', upgrade.subscription.id],
      ['checkout_session', upgrade.session.id],
      ['invoice', upgrade.invoice.id],
    ]) {
      testInfo.annotations.push({ type: `stripe:${type}`, description: id });
    }
    return upgrade;
  });

  await test.step('Stripe API: the app acknowledged checkout.session.completed', async () => {
    const event = await waitForWebhookAcknowledged(stripe, verified.session.id, { timeoutMs: FULFILMENT_MS, apiUrl: stripeApiUrl });
    expect(event.pending_webhooks).toBe(0);
  });

  await test.step("App API: the account is on Pro", async () => {
    const account = await app.accountByEmail(environment.id, customerEmail);
    expect(account?.plan, "the app's own API reports Pro").toBe('pro');
    expect(account?.stripe_customer_id).toBe(verified.customer.id);
  });
});
