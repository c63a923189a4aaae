/**
 * The official SDK does not retry a 429 (Stripe asks callers to back off themselves), so a
 * monitor would raise a false alarm whenever Stripe, or a neighbour on the same test account,
 * is busy. A 429 means the request was not carried out: sending it again, Idempotency-Key and
 * all, is safe. This HttpClient does that, with exponential backoff and jitter, honouring
 * Retry-After, a bounded number of times; the last 429 goes back to the SDK as an error.
 */
import Stripe from 'stripe';

export interface RateLimitRetry {
  /** How many times a 429 is sent again. */
  retries: number;
  /** The first wait; each later one doubles, up to maxDelayMs, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

type Inner = ReturnType<typeof Stripe.createNodeHttpClient>;

export function retryingRateLimits(inner: Inner, o: RateLimitRetry): Inner {
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 8_000;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  class RateLimitRetryingClient extends Stripe.HttpClient {
    override getClientName(): string {
      return inner.getClientName();
    }
    override async makeRequest(...args: Parameters<Inner['makeRequest']>): ReturnType<Inner['makeRequest']> {
      for (let attempt = 0; ; attempt++) {
        const res = await inner.makeRequest(...args);
        if (res.getStatusCode() !== 429 || attempt >= o.retries) return res;
        res.dispose?.();
        const retryAfterS = Number(res.getHeaders()['retry-after']);
        const backoff = Math.min(max, base * 2 ** attempt) * (0.5 + Math.random() / 2);
        await sleep(Number.isFinite(retryAfterS) && retryAfterS > 0 ? Math.min(max, retryAfterS * 1000) : backoff);
      }
    }
  }
  return new RateLimitRetryingClient() as unknown as Inner;
}
