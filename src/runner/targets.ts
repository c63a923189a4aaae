/**
 * What a run talks to: the configured Stripe, or the embedded emulator started here on a free
 * port (unless STRIPE_API_URL or a real key is given); and the app — at its URL (the adapter's,
 * or CANARY_APP_URL), else started for the run by its adapter's `start` against that Stripe.
 * What was started is stopped again afterwards, each stop bounded.
 */
import type { AppAdapter } from '../app/define-app.ts';
import type { Settings } from '../config/project.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { registerSecret } from '../log/redact.ts';
import { stripeCall } from '../stripe/assertions.ts';
import { createStripeClient } from '../stripe/client.ts';

export interface Targets {
  stripe: { secretKey: string; apiUrl: string | undefined; kind: 'emulator' | 'stripe' };
  app: { url: string; kind: 'embedded' | 'deployed'; variables: Record<string, string> };
  stop(): Promise<void>;
}

export type TargetSettings = Pick<Settings, 'config' | 'app' | 'appUrl' | 'appVariables'>;

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
export const EMULATOR_KEY = 'sk_test_checkout_canary_emulator';

/** Refuses, before anything starts, an app the run could not reach: no URL and no `start`. */
export function checkAppReachable(s: Pick<Settings, 'app' | 'appUrl'>): void {
  if (!s.appUrl && !s.app.start) {
    throw new TargetConfigError(
      `the app "${s.app.name}" has no URL: set app.url in canary.config.ts (or CANARY_APP_URL), or give its adapter a start function`,
    );
  }
}

/** The secret variables' values, registered for redaction (what `start` made up included). */
function registerSecrets(app: AppAdapter, variables: Record<string, string>): void {
  for (const [name, v] of Object.entries(app.variables ?? {})) if (v.secret) registerSecret(variables[name]);
}

export async function startTargets(s: TargetSettings, log: Logger, run: { runId: string; labels: Record<string, string> }): Promise<Targets> {
  checkAppReachable(s);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const x of stops.splice(0).reverse()) await x().catch((err: Error) => log.warn(`stopping a service failed: ${err.message}`));
  };
  try {
    const c = s.config;
    let stripe: Targets['stripe'] | null = null;
    if (c.STRIPE_API_URL) {
      stripe = { secretKey: c.STRIPE_SECRET_KEY ?? EMULATOR_KEY, apiUrl: c.STRIPE_API_URL, kind: 'emulator' };
    } else if (c.STRIPE_SECRET_KEY) {
      stripe = { secretKey: c.STRIPE_SECRET_KEY, apiUrl: undefined, kind: 'stripe' };
    }
    if (stripe) {
      // A Stripe the run did not start answers before anything depends on it: a refused key, an
      // unreachable URL or one answering what Stripe would not fails the run here, named (its stage).
      // Webhook endpoints: the run reads them anyway (the app's endpoint), and no journey step does.
      const client = createStripeClient({ secretKey: stripe.secretKey, apiUrl: stripe.apiUrl });
      await stripeCall('checking Stripe before the run', () => client.webhookEndpoints.list({ limit: 1 }));
    } else {
      const { startStripeEmulator } = await import('../emulators/stripe/index.ts');
      const emulator = await startStripeEmulator({
        port: 0,
        webhookRetryDelaysMs: c.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS,
        webhookTimeoutMs: c.STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS,
      });
      stops.push(() => bounded('the Stripe emulator', emulator.close()));
      log.debug(`started the Stripe emulator on ${emulator.url}`);
      stripe = { secretKey: EMULATOR_KEY, apiUrl: emulator.url, kind: 'emulator' };
    }
    let app: Targets['app'];
    if (s.appUrl) {
      app = { url: s.appUrl.replace(/\/$/, ''), kind: 'deployed', variables: s.appVariables.raw };
    } else {
      const started = await s.app.start!({
        stripe: { secretKey: stripe.secretKey, apiUrl: stripe.apiUrl ?? null },
        run: { id: run.runId, labels: run.labels },
        variables: s.appVariables.values as never,
      });
      stops.push(() => bounded(`the app "${s.app.name}"`, started.stop()));
      const variables = { ...s.appVariables.raw, ...started.variables };
      registerSecrets(s.app, variables);
      log.debug(`started the app "${s.app.name}" on ${started.url}`);
      app = { url: started.url.replace(/\/$/, ''), kind: 'embedded', variables };
    }
    return { stripe, app, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
