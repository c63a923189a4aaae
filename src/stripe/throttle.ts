/**
 * Staying under Stripe's rate limit (25 operations per second in test mode, for the whole
 * account): `p-limit` bounds how many calls are in flight, a token bucket paces how many start
 * per second, and a 429 is waited out and retried (with growing backoff), never reported as a
 * failure. Every call of a bulk job (listing included) goes through one throttle.
 */
import pLimit from 'p-limit';
import Stripe from 'stripe';

export interface ThrottleOptions {
  /** Calls started per second at most. */
  ratePerSecond: number;
  /** Calls in flight at most. */
  concurrency: number;
  /** Calls that may start at once after a pause (the bucket's size). Default 1: evenly paced. */
  burst?: number;
  /** Retries of one call after a 429. Default 8. */
  maxRetries?: number;
}

/** Returned by `run` for a call whose `skip()` said so when its turn came. */
export const SKIPPED = Symbol('skipped');

export interface Throttle {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Like `run`, but asks `skip()` when the call's turn comes (before waiting for a token). */
  runUnless<T>(skip: () => boolean, call: () => Promise<T>): Promise<T | typeof SKIPPED>;
  readonly stats: { started: number; rateLimited: number };
}

const is429 = (err: unknown) => err instanceof Stripe.errors.StripeRateLimitError || (err as { statusCode?: number })?.statusCode === 429;

export function createThrottle(options: ThrottleOptions, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Throttle {
  if (!(options.ratePerSecond > 0)) throw new Error(`ratePerSecond must be above 0, not ${options.ratePerSecond}`);
  const limit = pLimit(options.concurrency);
  const interval = 1000 / options.ratePerSecond;
  const burst = Math.max(1, options.burst ?? 1);
  const maxRetries = options.maxRetries ?? 8;
  // Token bucket as the time the next token is due: it may lag `now` by at most burst-1 intervals.
  let nextToken = 0;
  const stats = { started: 0, rateLimited: 0 };

  async function token(): Promise<void> {
    const now = Date.now();
    const at = Math.max(nextToken, now - (burst - 1) * interval);
    nextToken = at + interval;
    if (at > now) await sleep(at - now);
    stats.started++;
  }

  async function paced<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await token();
      try {
        return await call();
      } catch (err) {
        if (!is429(err) || attempt >= maxRetries) throw err;
        stats.rateLimited++;
        // Exponential backoff with jitter; meanwhile the bucket keeps pacing the other calls.
        await sleep(Math.min(8_000, 250 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  return {
    stats,
    run: (call) => limit(() => paced(call)),
    runUnless: <T>(skip: () => boolean, call: () => Promise<T>) => limit((): Promise<T | typeof SKIPPED> => (skip() ? Promise.resolve(SKIPPED) : paced(call))),
  };
}
