/**
 * Monitoring a team's own app: a SaaS shaped unlike the demo app (its own sign-up form, a
 * pricing page with a "Subscribe" button, no admin API, no tenants, no metadata on anything it
 * makes in Stripe), served by this test against the Stripe emulator, with an adapter and a spec
 * written here in a project of its own, run by the real `canary run --config`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startStripeEmulator, type RunningStripeEmulator } from '../emulators/stripe/index.ts';
import { canaryCli, explain, onlyTest, type CanaryCli } from '../runner/testing/canary-cli.ts';
import type { EndpointAnswers } from '../stripe/webhooks.ts';
import { tempProject, type TempProject } from '../testing/project.ts';
import { PRICING_APP_LOOKUP_KEY, startPricingApp, type PricingApp } from './testing/pricing-app.ts';

const CONFIG = `import { expect } from '@playwright/test';
import { defineApp, defineConfig, z } from 'checkout-canary';

// The pricing app's adapter, as its team would write it: its pages, nothing of Stripe's.
const pricingApp = defineApp({
  name: 'pricing-app',
  planName: 'Team',
  priceLookupKey: '${PRICING_APP_LOOKUP_KEY}',
  url: (v) => v.PRICING_APP_URL,
  fulfilmentTimeout: '5s',
  webhookUrl: '/stripe/webhook',
  variables: {
    PRICING_APP_URL: { schema: z.url(), description: 'Where the pricing app runs.' },
    SUBSCRIBE_LABEL: { description: 'The label of the button that starts the upgrade.', default: 'Subscribe' },
  },
  async signUp({ page, url, email, name }) {
    await page.goto(url + '/register');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Full name').fill(name);
    await page.getByRole('button', { name: 'Get started' }).click();
    await expect(page.getByTestId('plan'), 'a new workspace starts on Starter').toHaveText('Starter');
  },
  async startUpgrade({ page, variables }) {
    await page.getByRole('region', { name: 'Team' }).getByRole('button', { name: variables.SUBSCRIBE_LABEL }).click({ timeout: 3_000 });
  },
  async verifyUpgraded({ page, timeoutMs }) {
    await expect(page.getByRole('status')).toHaveText("You're on the Team plan", { timeout: timeoutMs });
  },
});

export default defineConfig({ app: pricingApp, testDir: 'checks' });
`;

const SPEC = `import { CARDS, openCheckout, payWith, test, verifyUpgraded } from 'checkout-canary/test';

test('a user subscribes to Team through Stripe Checkout @critical', async ({ journey }) => {
  await openCheckout(journey);
  await payWith(journey, CARDS.visa, 'left');
  await verifyUpgraded(journey, '4242');
});
`;

describe('canary run --config drives a differently shaped app through an adapter written for it', () => {
  const KEY = `sk_test_ownapp${Math.random().toString(36).slice(2, 10)}`;
  let emulator: RunningStripeEmulator;
  let app: PricingApp;
  let stripe: Stripe;
  let project: TempProject;
  let cli: CanaryCli;
  let run: (env?: NodeJS.ProcessEnv) => ReturnType<CanaryCli['run']>;

  before(async () => {
    emulator = await startStripeEmulator({ port: 0, webhookRetryDelaysMs: [100, 200], webhookTimeoutMs: 1000 });
    app = await startPricingApp({ stripeSecretKey: KEY, stripeApiUrl: emulator.url });
    const api = new URL(emulator.url);
    stripe = new Stripe(KEY, { host: api.hostname, port: Number(api.port), protocol: 'http' });
    project = tempProject({ 'canary.config.ts': CONFIG, 'checks/upgrade.spec.ts': SPEC });
    cli = canaryCli();
    run = (env = {}) =>
      cli.run(['--config', `${project.dir}/canary.config.ts`], { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: emulator.url, PRICING_APP_URL: app.url, ...env });
  });
  after(async () => {
    cli?.close();
    project?.remove();
    await app?.close();
    await emulator?.close();
  });

  it('passes the @critical journey through it, and deletes its customer afterwards although the app never labelled it', async () => {
    const r = await run();
    const t = onlyTest(r, 0);
    assert.deepEqual([r.summary!.outcome, t.outcome, t.title], ['passed', 'passed', 'a user subscribes to Team through Stripe Checkout @critical'], explain(r));
    assert.equal(r.summary!.target.app_name, 'pricing-app');
    assert.equal(r.summary!.target.app_url, app.url);
    assert.deepEqual(Object.keys(t.stripe_ids).sort(), ['checkout_session', 'customer', 'invoice', 'subscription']);
    assert.equal(t.environment, null, 'no tenants');
    // What the app made in Stripe carries no metadata of its own: the session and the subscription.
    const session = await stripe.checkout.sessions.retrieve(t.stripe_ids.checkout_session!);
    const subscription = await stripe.subscriptions.retrieve(t.stripe_ids.subscription!);
    assert.deepEqual([session.metadata, subscription.metadata], [{}, {}], 'the app labels nothing');
    // The harness found the customer by the test's email, labelled it, and deleted it with the passed test.
    assert.ok(
      t.cleanup.deleted.some((d) => d.type === 'customer' && d.id === t.stripe_ids.customer),
      JSON.stringify(t.cleanup),
    );
    const customer = await stripe.customers.retrieve(t.stripe_ids.customer!);
    assert.equal(customer.deleted, true, `customer ${customer.id} is deleted`);
    assert.equal(subscription.status, 'canceled', 'its subscription ended with it');
  });

  it("fails at stage webhook when the app's webhook handler answers 500, with the app's endpoint in the evidence", async () => {
    app.fault = 'webhook-500';
    try {
      const r = await run();
      const t = onlyTest(r, 1);
      assert.deepEqual([r.summary!.outcome, t.stage], ['failed', 'webhook'], explain(r));
      assert.equal(t.evidence!.app_endpoint, app.webhookUrl);
      const mine = (t.evidence!.endpoints as EndpointAnswers[]).find((e) => e.app);
      assert.ok(mine, `the app's endpoint is in the evidence: ${JSON.stringify(t.evidence)}`);
      assert.equal(mine.url, app.webhookUrl);
      assert.deepEqual(mine.answers.slice(0, 3), [500, 500, 500]);
      // A failed test keeps what it made, labelled, for the retention.
      assert.ok(
        t.cleanup.kept.some((k) => k.type === 'customer'),
        JSON.stringify(t.cleanup),
      );
      const kept = await stripe.customers.retrieve(t.stripe_ids.customer!);
      assert.ok(!kept.deleted && kept.metadata.canary_run_id === r.summary!.run_id && kept.metadata.canary_outcome === 'failed', JSON.stringify(kept));
    } finally {
      app.fault = null;
    }
  });

  it('fails at stage app-ui when an adapter step throws before Checkout, with where the page was', async () => {
    const r = await run({ SUBSCRIBE_LABEL: 'Upgrade now' });
    const t = onlyTest(r, 1);
    assert.deepEqual([t.stage, t.failed_step], ['app-ui', 'App UI: start the upgrade to Team, ending on Stripe Checkout'], explain(r));
    assert.equal(t.evidence!.adapter_step, 'startUpgrade');
    assert.equal(t.evidence!.url, `${app.url}/pricing`);
    assert.equal(t.evidence!.title, 'Pricing — Pricing App');
  });
});
