/**
 * What a run talks to: the configured Stripe and demo app, or embedded ones started here on
 * free ports (the Stripe emulator unless STRIPE_API_URL or a real key is given; the demo app
 * unless DEMO_APP_URL is given), stopped again afterwards.
 */
import { startStripeEmulator } from '../emulators/stripe/index.ts';
import { randomAdminToken, startDemoApp } from '../demo-app/index.ts';
import { UserError } from '../errors.ts';
import { registerSecret } from '../log/redact.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';

export interface Targets {
  stripe: { secretKey: string; apiUrl: string | undefined; kind: 'emulator' | 'stripe' };
  app: { url: string; adminToken: string; kind: 'embedded' | 'deployed' };
  stop(): Promise<void>;
}

export class TargetConfigError extends UserError {}

/** How long stopping one embedded service may take before the run moves on. */
const STOP_BOUND_MS = 10_000;

function bounded(what: string, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not stop within ${STOP_BOUND_MS / 1000} s`)), STOP_BOUND_MS);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** The key the harness uses with its own emulator (the emulator accepts any test key). */
const EMULATOR_KEY = 'sk_test_checkout_canary_emulator';

export async function startTargets(config: Config, log: Logger, run: { runId: string }): Promise<Targets> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err: Error) => log.warn(`stopping a service failed: ${err.message}`));
  };
  try {
    let stripe: Targets['stripe'];
    if (config.STRIPE_API_URL) {
      stripe = { secretKey: config.STRIPE_SECRET_KEY ?? EMULATOR_KEY, apiUrl: config.STRIPE_API_URL, kind: 'emulator' };
    } else if (config.STRIPE_SECRET_KEY) {
      stripe = { secretKey: config.STRIPE_SECRET_KEY, apiUrl: undefined, kind: 'stripe' };
    } else {
      const emulator = await startStripeEmulator({
        port: 0,
        webhookRetryDelaysMs: config.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS,
        webhookTimeoutMs: config.STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS,
      });
      stops.push(() => bounded('the Stripe emulator', emulator.close()));
      log.debug(`started the Stripe emulator on ${emulator.url}`);
      stripe = { secretKey: EMULATOR_KEY, apiUrl: emulator.url, kind: 'emulator' };
    }
    let app: Targets['app'];
    if (config.DEMO_APP_URL) {
      if (!config.DEMO_APP_ADMIN_TOKEN)
        throw new TargetConfigError("DEMO_APP_URL is set but DEMO_APP_ADMIN_TOKEN is not: the run needs the app's admin token to create its environment.");
      app = { url: config.DEMO_APP_URL, adminToken: config.DEMO_APP_ADMIN_TOKEN, kind: 'deployed' };
    } else {
      const adminToken = randomAdminToken();
      registerSecret(adminToken);
      const demo = await startDemoApp({
        port: 0,
        stripeSecretKey: stripe.secretKey,
        stripeApiUrl: stripe.apiUrl,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET,
        database: ':memory:',
        adminToken,
        version: config.DEMO_APP_VERSION,
        fault: config.DEMO_APP_FAULT,
        // So a left-over endpoint (a killed run) can be told apart and pruned later.
        webhookMetadata: { canary_run_id: run.runId },
      });
      stops.push(() => bounded('the demo app', demo.close()));
      log.debug(`started the demo app on ${demo.url}`);
      app = { url: demo.url, adminToken, kind: 'embedded' };
    }
    return { stripe, app, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
