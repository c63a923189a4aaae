/**
 * The bundled demo app's adapter: the reference example of an adapter, written as a team writes
 * one for its own app and using only what `checkout-canary` exports. It drives the demo app
 * through its pages (sign-up, billing, the upgrade button), and through its admin API for what
 * adapters may optionally give: tenants (the demo app's environments), the app's record of an
 * account's plan, and whether it processed a Stripe event. Without DEMO_APP_URL, `start` runs
 * one demo app for the run, against the run's Stripe.
 *
 * Where your app differs — its URLs, its form labels, its plan names — is marked "YOUR APP".
 */
import { randomBytes } from 'node:crypto';
import { defineApp, z, type AppApiContext, type AppUiContext } from '../../src/index.ts';
import { demoAppSchemas, FAULT_LIST } from '../../src/demo-app/settings.ts';
import { DemoAdminClient } from './admin-client.ts';
import { DemoAppPage } from './demo-app.page.ts';

const variables = {
  // YOUR APP: the variables your adapter reads; validated before any run, secret ones redacted.
  DEMO_APP_URL: {
    schema: z.url({ error: 'must be a URL such as https://app.example.com' }).optional(),
    description: 'A deployed demo app for `canary run` to drive (with DEMO_APP_ADMIN_TOKEN). Default: the run starts one.',
  },
  DEMO_APP_ADMIN_TOKEN: {
    schema: demoAppSchemas.adminToken.optional(),
    description:
      "Token guarding the demo app's admin API (environments, faults). Required by `canary demo-app`, and by `canary run` against a deployed demo app.",
    secret: true,
  },
  DEMO_APP_VERSION: { schema: demoAppSchemas.version, default: 'dev', description: 'The deployed version the demo app reports on /healthz.' },
  DEMO_APP_FAULT: { schema: demoAppSchemas.fault.optional(), description: `A bad deploy to reproduce: ${FAULT_LIST} (or none).` },
  STRIPE_WEBHOOK_SECRET: {
    schema: demoAppSchemas.webhookSecret.optional(),
    description: "The demo app's webhook signing secret. Default: the app registers its endpoint at start and keeps the returned secret.",
    secret: true,
  },
};

type Ctx = AppApiContext<typeof variables>;
type UiCtx = AppUiContext<typeof variables>;

/** The admin API needs the token: the one `start` made up, or DEMO_APP_ADMIN_TOKEN for a deployed demo app. */
function admin(ctx: Ctx): DemoAdminClient {
  const token = ctx.variables.DEMO_APP_ADMIN_TOKEN;
  if (!token) throw new Error(`DEMO_APP_ADMIN_TOKEN is not set: the demo app at ${ctx.url} needs its admin token for environments`);
  return new DemoAdminClient(ctx.url, token);
}

/** The page object of this test, made at sign-up (the environment is the test's tenant). */
function demoPage(ctx: UiCtx): DemoAppPage {
  ctx.state.page ??= new DemoAppPage(ctx.page, { url: ctx.url, environment: ctx.tenant!.id });
  return ctx.state.page as DemoAppPage;
}

/** `expect` where it is used: the `canary` command loads this file too, and never needs Playwright's test runner. */
const expect = async () => (await import('@playwright/test')).expect;

export const demoApp = defineApp({
  name: 'demo-app',
  planName: 'Pro',
  // YOUR APP: the lookup_key of your paid plan's price, and where your app is deployed.
  priceLookupKey: 'canary_pro_monthly',
  url: (v) => {
    if (v.DEMO_APP_URL && !v.DEMO_APP_ADMIN_TOKEN)
      throw new Error("DEMO_APP_URL is set but DEMO_APP_ADMIN_TOKEN is not: the run needs the demo app's admin token for its environments");
    return v.DEMO_APP_URL;
  },
  fulfilmentTimeout: '15s',
  health: { path: '/healthz' },
  webhookUrl: '/webhooks/stripe',
  // The demo app copies its environment's labels into the metadata of what it creates in Stripe.
  stripeLabels: ['customer', 'subscription', 'checkout_session'],
  variables,

  async start({ stripe, run, variables: v }) {
    const { startDemoApp } = await import('../../src/demo-app/index.ts');
    const adminToken = randomBytes(24).toString('base64url');
    const app = await startDemoApp({
      port: 0,
      stripeSecretKey: stripe.secretKey,
      stripeApiUrl: stripe.apiUrl ?? undefined,
      webhookSecret: v.STRIPE_WEBHOOK_SECRET,
      database: ':memory:',
      adminToken,
      version: v.DEMO_APP_VERSION,
      fault: v.DEMO_APP_FAULT,
      // So a left-over endpoint (a killed run) can be told apart and pruned later.
      webhookMetadata: { canary_run_id: run.id },
    });
    return { url: app.url, variables: { DEMO_APP_ADMIN_TOKEN: adminToken }, stop: () => app.close() };
  },

  // YOUR APP: your sign-up form. Here: the demo app's, in the test's environment; a new account starts on Free.
  async signUp(ctx) {
    const page = demoPage(ctx);
    await page.signUp(ctx.email, ctx.name);
    (await expect())(await page.currentPlan(), 'a new account starts on Free').toBe('Free');
  },

  // YOUR APP: how a user starts the upgrade. The demo app answers its upgrade form with a 303 to Checkout.
  async startUpgrade(ctx) {
    const status = await demoPage(ctx).upgradeToPro();
    (await expect())(status, 'the app answers the upgrade with a redirect to Checkout').toBe(303);
  },

  // YOUR APP: what your UI shows once the upgrade went through.
  async verifyUpgraded(ctx) {
    const page = demoPage(ctx);
    await page.waitForUpgradeReturn();
    await page.waitForPlan('Pro', ctx.timeoutMs);
    (await expect())(await page.renewalText(), 'Pro shows its renewal date').toMatch(/^Renews on \d{4}-\d{2}-\d{2}$/);
  },

  async verifyNotUpgraded(ctx) {
    const page = demoPage(ctx);
    await page.openBilling();
    (await expect())(await page.currentPlan(), 'the billing page still shows Free').toBe('Free');
  },

  // Optional: tenants, for apps that have them (here: the demo app's environments).
  tenant: {
    create: (ctx, labels) => admin(ctx).createEnvironment(labels),
    delete: (ctx, id) => admin(ctx).deleteEnvironment(id),
    label: (ctx, id, labels) => admin(ctx).labelEnvironment(id, labels),
    async list(ctx) {
      const { data, now } = await admin(ctx).environments();
      return { tenants: data, now };
    },
  },

  // Optional: the app's own record of the account (for reconcile, the demo app put its environment in the customer's metadata).
  async readPlan(ctx, { email, tenant, customer }) {
    const environment = tenant?.id ?? customer?.metadata.environment;
    const account = environment ? await admin(ctx).accountByEmail(environment, email) : undefined;
    if (!account) return null;
    return {
      plan: account.plan,
      paid: account.plan === 'pro',
      customer: account.stripe_customer_id,
      subscriptions: account.subscriptions.map((s) => s.id),
      status: account.status,
    };
  },

  // Optional: the billing lifecycle after the upgrade, for the renewal and portal specs (@extended).
  billing: {
    // YOUR APP: how your test environment creates a user's Stripe customer on a test clock. Here:
    // a test-only setting of the test's environment, read at sign-up.
    async useTestClock(ctx, clockId) {
      await admin(ctx).setTestClock(ctx.tenant!.id, clockId);
    },
    // YOUR APP: what your billing page shows in each state. Reloaded until it shows it: the
    // harness has already seen the app acknowledge Stripe's events.
    async verifyState(ctx, state) {
      const page = demoPage(ctx);
      const expected =
        state.kind === 'paid'
          ? { plan: 'Pro', line: `Renews on ${state.renewsOn}`, pastDue: false }
          : state.kind === 'canceling'
            ? { plan: 'Pro', line: `Cancels on ${state.endsOn}`, pastDue: false }
            : state.kind === 'past_due'
              ? { plan: 'Pro', line: '', pastDue: true }
              : { plan: 'Free', line: '', pastDue: false };
      await (await expect())
        .poll(
          async () => {
            await page.openBilling();
            return page.billingState();
          },
          { message: `the billing page shows ${state.kind}`, timeout: ctx.timeoutMs },
        )
        .toEqual(expected);
    },
    // YOUR APP: your "Manage billing" button, which sends the user to Stripe's customer portal.
    async openPortal(ctx) {
      const page = demoPage(ctx);
      await page.openBilling();
      await page.openPortal();
    },
  },

  // Optional: whether the app processed a Stripe event (the verdict on real Stripe, which shows no per-endpoint deliveries).
  async eventProcessed(ctx, eventId) {
    return (await admin(ctx).acknowledgedEvent(eventId)) !== null;
  },
});
