/**
 * The harness's Stripe client: the official SDK, pointed at api.stripe.com or, with
 * STRIPE_API_URL, at the emulator through its three plain options (host, port, protocol).
 */
import Stripe from 'stripe';
import { UserError } from '../errors.ts';
import { checkingAnswers } from './answers.ts';
import { retryingRateLimits } from './rate-limits.ts';

export interface StripeTarget {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111; unset for api.stripe.com. */
  apiUrl?: string;
  /** The SDK's own retries (default 5); 0 where a throttle retries instead. */
  maxNetworkRetries?: number;
  /** How many times a 429 is sent again after a backoff (default 4); 0 where a throttle retries instead. */
  rateLimitRetries?: number;
  /** How long one request may take (default 20 s). */
  timeoutMs?: number;
}

export class LiveKeyRefused extends UserError {}

export const isLiveKey = (key: string | undefined): boolean => /^(sk|rk)_live_/.test(key ?? '');

/** A monitor must never run with a live key: refuse before any request is made. */
export function assertTestKey(key: string | undefined): void {
  if (isLiveKey(key)) {
    throw new LiveKeyRefused('STRIPE_SECRET_KEY is a live-mode key (sk_live_/rk_live_); checkout-canary only runs in test mode. Use a sk_test_… key.');
  }
}

export function createStripeClient(target: StripeTarget): Stripe {
  assertTestKey(target.secretKey);
  const url = target.apiUrl ? new URL(target.apiUrl) : undefined;
  return new Stripe(target.secretKey, {
    ...(url && {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
    }),
    // The SDK's defaults differ between its README and its code: set both explicitly.
    // Transient 5xx and dropped connections must not raise an alarm: retried with backoff (POSTs
    // carry an Idempotency-Key, so a retry never does the work twice).
    maxNetworkRetries: target.maxNetworkRetries ?? 5,
    httpClient: checkingAnswers(retryingRateLimits(Stripe.createNodeHttpClient(), { retries: target.rateLimitRetries ?? 4 })),
    timeout: target.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'checkout-canary', url: 'https://github.com/checkout-canary' },
  });
}
