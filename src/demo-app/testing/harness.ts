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
  /** Signs up through the form (no browser); the account id comes from the 303's Location. */
  signup(envId: string, email: string, name?: string): Promise<{ status: number; location: string | null; accountId: string | null }>;
  /** Presses "Upgrade to Pro" (no browser); on success the 303 goes to the hosted page of `sessionId`. */
  upgrade(envId: string, accountId: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; sessionId: string | null }>;
  /** Submits the emulator's hosted page for `sessionId` as a browser would (default card 4242…). */
  pay(sessionId: string, card?: Partial<CardForm>): Promise<{ status: number; body: any }>;
  /** The account as the admin API shows it (plan, subscriptions…). */
  account(envId: string, accountId: string): Promise<any>;
  /** Bounded polling until the account's plan is `plan`; returns the account. */
  waitForPlan(envId: string, accountId: string, plan: 'free' | 'pro', timeoutMs?: number): Promise<any>;
  /** Signs up, upgrades and pays: the account id and the checkout session id. */
  subscribe(envId: string, email: string): Promise<{ accountId: string; sessionId: string }>;
  close(): Promise<void>;
}

export interface CardForm {
  email: string;
  cardNumber: string;
  cardExpiry: string;
  cardCvc: string;
  billingName: string;
  billingCountry: string;
  billingPostalCode: string;
}

export const GOOD_CARD: Omit<CardForm, 'email'> = {
  cardNumber: '4242424242424242',
  cardExpiry: '12 / 34',
  cardCvc: '123',
  billingName: 'A B',
  billingCountry: 'US',
  billingPostalCode: '94107',
};

export async function startDemoHarness(options: { app?: Partial<DemoAppOptions>; emulator?: StripeEmulatorOptions } = {}): Promise<DemoHarness> {
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
  const account = async (envId: string, accountId: string) => {
    const r = await admin('GET', `/api/environments/${envId}/accounts/${accountId}`);
    if (r.status !== 200) throw new Error(`reading account ${accountId} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const signup = async (envId: string, email: string, name?: string) => {
    const res = await fetch(`${app.url}/e/${envId}/signup`, {
      method: 'POST',
      body: new URLSearchParams({ email, ...(name === undefined ? {} : { name }) }),
      redirect: 'manual',
    });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    return { status: res.status, location, accountId: location ? (/\/a\/([^/]+)\//.exec(location)?.[1] ?? null) : null };
  };
  const upgrade = async (envId: string, accountId: string, form: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}/e/${envId}/a/${accountId}/upgrade`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    return { status: res.status, location, sessionId: location ? (/\/c\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(location)?.[1] ?? null) : null };
  };
  const pay = async (sessionId: string, card: Partial<CardForm> = {}) => {
    const res = await fetch(`${emulator.url}/c/pay/${sessionId}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...GOOD_CARD, ...card }),
    });
    return { status: res.status, body: await res.json() };
  };
  const waitForPlan = async (envId: string, accountId: string, plan: 'free' | 'pro', timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = await account(envId, accountId);
      if (a.plan === plan) return a;
      if (Date.now() > deadline) throw new Error(`account ${accountId} still on ${a.plan} after ${timeoutMs} ms, expected ${plan}: ${JSON.stringify(a)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    emulator,
    app,
    stripe,
    adminToken,
    admin,
    account,
    signup,
    upgrade,
    pay,
    waitForPlan,
    subscribe: async (envId, email) => {
      const s = await signup(envId, email);
      if (s.status !== 303 || !s.accountId) throw new Error(`sign-up of ${email} answered ${s.status}`);
      const u = await upgrade(envId, s.accountId);
      if (u.status !== 303 || !u.sessionId) throw new Error(`upgrade of ${s.accountId} answered ${u.status} (${u.location})`);
      const p = await pay(u.sessionId);
      if (p.body?.status !== 'complete') throw new Error(`paying ${u.sessionId} answered ${p.status}: ${JSON.stringify(p.body)}`);
      return { accountId: s.accountId, sessionId: u.sessionId };
    },
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
      try {
        await app.close();
      } finally {
        await emulator.close();
      }
    },
  };
}
