/** Test helper: the Stripe emulator and the demo app against it, both on free ports. */
import Stripe from 'stripe';
import { startStripeEmulator, type RunningStripeEmulator, type StripeEmulatorOptions } from '../../emulators/stripe/index.ts';
import { randomAdminToken, startDemoApp, type DemoAppOptions, type RunningDemoApp } from '../index.ts';

export interface DemoHarness {
  emulator: RunningStripeEmulator;
  app: RunningDemoApp;
  stripe: Stripe;
  adminToken: string;
  /** A JSON request to the app's admin API, with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A new environment in the app, with labels. */
  environment(labels?: Record<string, string>): Promise<{ id: string; created: number; labels: Record<string, string> }>;
  /** Sets the app's fault (null clears it) through its admin API. */
  setFault(fault: string | null): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoHarness(
  options: { app?: Partial<DemoAppOptions>; emulator?: StripeEmulatorOptions } = {},
): Promise<DemoHarness> {
  const emulator = await startStripeEmulator({ port: 0, ...options.emulator });
  const adminToken = randomAdminToken();
  let app: RunningDemoApp;
  try {
    app = await startDemoApp({ port: 0, stripeSecretKey: 'sk_test_demo_app_tests', stripeApiUrl: emulator.url, adminToken, ...options.app });
  } catch (err) {
    await emulator.close();
    throw err;
  }
  const url = new URL(emulator.url);
  const stripe = new Stripe('sk_test_demo_app_tests', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    emulator,
    app,
    stripe,
    adminToken,
    admin,
    environment: async (labels = {}) => {
      const r = await admin('POST', '/api/environments', { labels });
      if (r.status !== 201) throw new Error(`creating an environment answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    setFault: async (fault) => {
      const r = await admin('POST', '/_demo/faults', { fault });
      if (r.status !== 200) throw new Error(`setting fault ${fault} answered ${r.status}: ${JSON.stringify(r.body)}`);
    },
    close: async () => {
      await app.close();
      await emulator.close();
    },
  };
}
