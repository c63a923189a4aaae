/**
 * The demo app as a program: `canary demo-app`, or `startDemoApp()` in-process for tests and the
 * runner. A separate program from the harness: it imports nothing from it.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from './app.ts';
import { Db } from './db.ts';
import { parseFault } from './faults.ts';
import { stripeClient, registerWebhookEndpoint, ensurePrice, PRO_LOOKUP_KEY } from './stripe.ts';

export interface DemoAppOptions {
  /** Default 4000; 0 picks a free port. */
  port?: number;
  host?: string;
  stripeSecretKey: string;
  /** Send Stripe calls here (the emulator) instead of api.stripe.com. */
  stripeApiUrl?: string;
  /** The endpoint's signing secret; when missing the app registers its endpoint and keeps the secret. */
  webhookSecret?: string;
  /** The app's own address, for success/cancel URLs and the webhook URL. Default http://HOST:PORT. */
  publicUrl?: string;
  /** SQLite file, or ':memory:'. */
  database?: string;
  adminToken: string;
  version?: string;
  /** A bad deploy to reproduce (see FAULTS); unknown names are refused at start. */
  fault?: string | null;
  /** How long the `webhook-timeout` fault holds a delivery. Default 60 s. */
  webhookHoldMs?: number;
}

export interface RunningDemoApp {
  url: string;
  port: number;
  /** The webhook endpoint the app registered at start, when it did. */
  webhookEndpointId: string | null;
  close(): Promise<void>;
}

export class DemoAppConfigError extends Error {
  override readonly name = 'DemoAppConfigError';
}

export async function startDemoApp(options: DemoAppOptions): Promise<RunningDemoApp> {
  const fault = parseFault(options.fault ?? null);
  if (!/^(sk|rk)_test_/.test(options.stripeSecretKey)) {
    throw new DemoAppConfigError('STRIPE_SECRET_KEY must be a test-mode key (sk_test_… or rk_test_…); the demo app never runs on live keys.');
  }
  if (!options.adminToken || options.adminToken.length < 12) {
    throw new DemoAppConfigError('DEMO_APP_ADMIN_TOKEN must be set to a random string of at least 12 characters.');
  }
  const host = options.host ?? '127.0.0.1';
  const db = new Db(options.database ?? ':memory:');
  const stripe = stripeClient(options.stripeSecretKey, options.stripeApiUrl);
  let publicUrl = options.publicUrl?.replace(/\/$/, '') ?? '';
  let webhookSecret = options.webhookSecret ?? '';
  const app = await buildApp({
    db,
    stripe,
    webhookSecret: () => webhookSecret,
    publicUrl: () => publicUrl,
    adminToken: options.adminToken,
    version: options.version ?? 'dev',
    fault,
    webhookHoldMs: options.webhookHoldMs ?? 60_000,
  });
  try {
    await app.listen({ port: options.port ?? 4000, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 4000);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    publicUrl ||= url;
    // The catalogue must exist before the first upgrade.
    await ensurePrice(stripe, PRO_LOOKUP_KEY, { productName: 'Pro', unitAmount: 4900, currency: 'usd', interval: 'month' });
    let webhookEndpointId: string | null = null;
    if (!webhookSecret) {
      const endpoint = await registerWebhookEndpoint(stripe, `${publicUrl}/webhooks/stripe`);
      webhookSecret = endpoint.secret;
      webhookEndpointId = endpoint.id;
    }
    return {
      url,
      port,
      webhookEndpointId,
      close: async () => {
        await app.close();
        db.close();
      },
    };
  } catch (err) {
    await app.close();
    db.close();
    throw err;
  }
}

/** A fresh admin token for in-process use (the runner, tests). */
export const randomAdminToken = (): string => randomBytes(24).toString('hex');
