/**
 * The demo app as a program: `canary demo-app`, or `startDemoApp()` in-process for tests and the
 * runner. A separate program from the harness: it imports nothing from it.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from './app.ts';
import { Clock } from './clock.ts';
import { Db } from './db.ts';
import { parseFault } from './faults.ts';
import { stripeClient, registerWebhookEndpoint, deleteWebhookEndpoint, ensurePrice, PRO_LOOKUP_KEY } from './stripe.ts';

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
  /** How long the `upgrade-hang` fault holds an upgrade before failing it. Default 60 s. */
  upgradeHoldMs?: number;
  /**
   * Metadata of the webhook endpoint the app registers (when no webhookSecret is given), e.g.
   * `{canary_run_id: 'canary_…'}`, so that an endpoint left over by a crashed run can be found.
   */
  webhookMetadata?: Record<string, string>;
}

export interface RunningDemoApp {
  url: string;
  port: number;
  /** The webhook endpoint the app registered at start, when it did (deleted again by close). */
  webhookEndpointId: string | null;
  /** Where the app receives Stripe's webhooks: `${publicUrl}/webhooks/stripe`. */
  webhookUrl: string;
  /**
   * Stops the app and deletes the webhook endpoint it registered (only that one). Never throws
   * because of Stripe and waits for it at most about 5 s; calling it again is fine.
   */
  close(): Promise<void>;
}

/** How long close() waits for Stripe to delete the app's webhook endpoint. */
const ENDPOINT_DELETE_TIMEOUT_MS = 5000;
/** setTimeout's limit: a longer delay would fire at once. */
const MAX_HOLD_MS = 2_147_483_647;

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
  const webhookHoldMs = holdMs(options.webhookHoldMs, 'webhookHoldMs');
  const upgradeHoldMs = holdMs(options.upgradeHoldMs, 'upgradeHoldMs');
  const webhookMetadata = checkMetadata(options.webhookMetadata ?? {});
  const host = options.host ?? '127.0.0.1';
  // Starts at wall time on every start: a moved clock is not kept across restarts.
  const clock = new Clock();
  const db = new Db(options.database ?? ':memory:', clock);
  const stripe = stripeClient(options.stripeSecretKey, options.stripeApiUrl);
  let publicUrl = options.publicUrl?.replace(/\/$/, '') ?? '';
  let webhookSecret = options.webhookSecret ?? '';
  let webhookEndpointId: string | null = null;
  const app = await buildApp({
    db,
    clock,
    stripe,
    webhookSecret: () => webhookSecret,
    publicUrl: () => publicUrl,
    adminToken: options.adminToken,
    version: options.version ?? 'dev',
    fault,
    webhookHoldMs,
    upgradeHoldMs,
    webhookEndpoint: () => ({ url: `${publicUrl}/webhooks/stripe`, id: webhookEndpointId }),
  });
  try {
    await app.listen({ port: options.port ?? 4000, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 4000);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    publicUrl ||= url;
    // The catalogue must exist before the first upgrade.
    await ensurePrice(stripe, PRO_LOOKUP_KEY, { productName: 'Pro', unitAmount: 4900, currency: 'usd', interval: 'month' });
    const webhookUrl = `${publicUrl}/webhooks/stripe`;
    if (!webhookSecret) {
      const endpoint = await registerWebhookEndpoint(stripe, webhookUrl, webhookMetadata);
      webhookSecret = endpoint.secret;
      webhookEndpointId = endpoint.id;
    }
    const registered = webhookEndpointId;
    let closed: Promise<void> | undefined;
    return {
      url,
      port,
      webhookEndpointId,
      webhookUrl,
      close: () =>
        (closed ??= (async () => {
          // Stripe stops sending to the endpoint while the requests in flight finish.
          await Promise.all([registered ? deleteWebhookEndpoint(stripe, registered, ENDPOINT_DELETE_TIMEOUT_MS) : undefined, app.close()]);
          db.close();
        })()),
    };
  } catch (err) {
    await app.close();
    db.close();
    throw err;
  }
}

function holdMs(value: number | undefined, option: string): number {
  if (value === undefined) return 60_000;
  if (!Number.isInteger(value) || value < 0 || value > MAX_HOLD_MS) {
    throw new DemoAppConfigError(`${option} must be a whole number of milliseconds from 0 to ${MAX_HOLD_MS}, not ${value}.`);
  }
  return value;
}

/** Stripe's metadata limits, checked at start rather than as a Stripe error at registration. */
function checkMetadata(metadata: Record<string, string>): Record<string, string> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new DemoAppConfigError(`webhookMetadata must be an object of string values, not ${JSON.stringify(metadata)}.`);
  }
  const entries = Object.entries(metadata);
  if (entries.length > 50) throw new DemoAppConfigError(`webhookMetadata has ${entries.length} keys; Stripe allows at most 50.`);
  for (const [key, value] of entries) {
    if (!key || key.length > 40 || /[[\]]/.test(key)) {
      throw new DemoAppConfigError(`webhookMetadata key '${key}' is not a Stripe metadata key: 1–40 characters, no square brackets.`);
    }
    if (typeof value !== 'string' || value.length > 500) {
      throw new DemoAppConfigError(`webhookMetadata '${key}' must be a string of at most 500 characters.`);
    }
  }
  return { ...metadata };
}

/** A fresh admin token for in-process use (the runner, tests). */
export const randomAdminToken = (): string => randomBytes(24).toString('hex');
