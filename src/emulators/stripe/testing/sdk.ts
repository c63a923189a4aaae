/** Test helper: an emulator on a free port and the official SDK pointed at it. */
import Stripe from 'stripe';
import { startStripeEmulator, type RunningStripeEmulator, type StripeEmulatorOptions } from '../index.ts';

export interface TestEmulator {
  emulator: RunningStripeEmulator;
  stripe: Stripe;
  /** Another SDK client for the same emulator, e.g. with other retry settings or key. */
  client(options?: Stripe.StripeConfig, key?: string): Stripe;
  close(): Promise<void>;
}

export async function startTestEmulator(options: StripeEmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startStripeEmulator({ port: 0, ...options });
  const url = new URL(emulator.url);
  const client = (extra: Stripe.StripeConfig = {}, key = 'sk_test_canary_tests') =>
    new Stripe(key, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
      telemetry: false,
      ...extra,
    });
  return { emulator, stripe: client(), client, close: () => emulator.close() };
}

/** Polls `check` until it returns a truthy value, or fails with `message` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, message: string, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
