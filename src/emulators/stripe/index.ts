/**
 * The embedded Stripe emulator: a stateful stand-in for api.stripe.com that the official SDK
 * talks to with `{ host, port, protocol: 'http' }`. Start it with `startStripeEmulator()`, or
 * from the command line with `canary stripe-emulator`.
 */
import { Billing } from './billing.ts';
import { Clock } from './clock.ts';
import { checkoutPageRoutes } from './checkout-page/routes.ts';
import { portalPageRoutes } from './portal-page/routes.ts';
import { controlRoutes } from './control.ts';
import { EventLog } from './events.ts';
import { Faults } from './faults.ts';
import { buildServer } from './server.ts';
import { Persister, Store } from './store.ts';
import { WebhookDispatcher } from './webhooks.ts';
import { catalog } from './resources/catalog.ts';
import { billingObjects } from './resources/billing-objects.ts';
import { charges } from './resources/charges.ts';
import { checkoutSessions, expireDueSessions } from './resources/checkout-sessions.ts';
import { confirmationTokens } from './resources/confirmation-tokens.ts';
import { coupons } from './resources/coupons.ts';
import { customers } from './resources/customers.ts';
import { paymentIntents } from './resources/payment-intents.ts';
import { paymentMethodConfigurations } from './resources/payment-method-configurations.ts';
import { promotionCodes } from './resources/promotion-codes.ts';
import { refunds } from './resources/refunds.ts';
import { billingPortal } from './resources/billing-portal.ts';
import { setupIntents } from './resources/setup-intents.ts';
import { taxRates } from './resources/tax-rates.ts';
import { testClocks } from './resources/test-clocks.ts';
import { webhookEndpoints } from './resources/webhook-endpoints.ts';
import type { Emulator, ResourceModule } from './context.ts';
import type { Includables } from './expand.ts';

export interface StripeEmulatorOptions {
  /** 0 picks a free port. Default 12111. */
  port?: number;
  host?: string;
  /** Keep state in this JSON file so it survives a restart. Default: memory only. */
  dataFile?: string;
  /** Requests per second per API key before answering 429. Default: no limit. */
  rateLimit?: number;
  /** Delays before webhook retries, in ms. Default [250, 1000, 4000] (a compressed schedule). */
  webhookRetryDelaysMs?: number[];
  /** The business name the hosted Checkout page shows (the account's name). Default "checkout-canary". */
  businessName?: string;
  /** How long an endpoint has to answer a webhook, in ms. Default 5000. */
  webhookTimeoutMs?: number;
}

export interface RunningStripeEmulator {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const MODULES: ResourceModule[] = [
  customers,
  catalog,
  checkoutSessions,
  billingObjects,
  paymentIntents,
  charges,
  refunds,
  setupIntents,
  confirmationTokens,
  paymentMethodConfigurations,
  coupons,
  promotionCodes,
  testClocks,
  billingPortal,
  webhookEndpoints,
  taxRates,
];

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<RunningStripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const store = new Store();
  Persister.loadInto(store, options.dataFile);
  const persister = new Persister(options.dataFile, store);
  const clock = new Clock();
  clock.restore(store.clockOffsetMs);

  let events: EventLog;
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: options.webhookRetryDelaysMs,
    timeoutMs: options.webhookTimeoutMs,
    onAcknowledged: (eventId, endpointId) => {
      events.acknowledged(eventId, endpointId);
      void persister.flush().catch(() => undefined);
    },
  });
  events = new EventLog(store, clock, dispatcher);
  let baseUrl = '';
  const emu: Emulator = { store, clock, events, billing: new Billing(store, clock, events), baseUrl: () => baseUrl };

  const includables: Includables = {};
  for (const m of MODULES) {
    for (const [type, fields] of Object.entries(m.includables ?? {})) includables[type] = { ...includables[type], ...fields };
  }
  const faults = new Faults();
  const expire = () => expireDueSessions(emu);
  const app = await buildServer({
    emu,
    routes: MODULES.flatMap((m) => m.routes),
    includables,
    faults,
    persister,
    rateLimit: options.rateLimit,
    beforeRequest: expire,
    pages: (app) => {
      checkoutPageRoutes(emu, {
        businessName: options.businessName ?? 'checkout-canary',
        expireDue: expire,
        afterChange: () => persister.flush(),
        pageFault: () => faults.checkoutPage,
      })(app);
      portalPageRoutes(emu, { businessName: options.businessName ?? 'checkout-canary', afterChange: () => persister.flush() })(app);
    },
    control: controlRoutes(emu, faults, dispatcher, {
      onClockChange: expire,
      reset: () => {
        store.clear();
        clock.restore(0);
        events.reset();
        dispatcher.reset();
        faults.clear();
        dispatcher.clearFaults();
      },
      persist: () => persister.flush(),
    }),
  });

  await app.listen({ port: options.port ?? 12111, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 12111);
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // Sessions expire on time even when nobody asks about them, so their event goes out.
  // Idempotency keys older than 24 hours are dropped here too, so they do not pile up forever.
  const sweep = setInterval(() => {
    const before = store.count('event');
    expire();
    store.pruneIdempotency();
    if (store.count('event') !== before) void persister.flush().catch(() => undefined);
  }, 1000);
  sweep.unref();

  return {
    url: baseUrl,
    host,
    port,
    close: async () => {
      clearInterval(sweep);
      await dispatcher.close();
      await app.close();
      await persister.flush();
    },
  };
}
