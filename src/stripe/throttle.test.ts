/** The throttle a bulk Stripe job runs every call through: pacing, concurrency, 429s retried, other errors not. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { createThrottle, SKIPPED } from './throttle.ts';

const rateLimited = () => new Stripe.errors.StripeRateLimitError({ message: 'Too many requests', type: 'rate_limit_error' } as never);

describe('createThrottle', () => {
  it('paces calls at the rate: each asks to wait one interval more than the one before', async () => {
    const waits: number[] = [];
    const throttle = createThrottle({ ratePerSecond: 10, concurrency: 1 }, async (ms) => void waits.push(ms));
    for (let i = 0; i < 6; i++) await throttle.run(async () => i);
    // The clock does not move while the fake sleep returns at once, so the waits grow by 100 ms.
    assert.equal(waits.length, 5, `the first call starts at once: ${waits}`);
    for (const [k, w] of waits.entries()) assert.ok(Math.abs(w - 100 * (k + 1)) < 50, `wait ${k} is ${w} ms, about ${100 * (k + 1)}`);
    assert.equal(throttle.stats.started, 6);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const throttle = createThrottle({ ratePerSecond: 1000, concurrency: 3, burst: 100 });
    let inFlight = 0;
    let most = 0;
    // Each call yields to the event loop a few times, as a request would, without any timer.
    const work = async () => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      inFlight--;
    };
    await Promise.all(Array.from({ length: 10 }, () => throttle.run(work)));
    assert.equal(most, 3);
  });

  it('waits out a 429 and retries it, counting it; never reports it as a failure', async () => {
    const waits: number[] = [];
    const throttle = createThrottle({ ratePerSecond: 1000, concurrency: 1, burst: 100 }, async (ms) => void waits.push(ms));
    let attempts = 0;
    const result = await throttle.run(async () => {
      if (++attempts <= 2) throw rateLimited();
      return 'done';
    });
    assert.deepEqual([result, attempts, throttle.stats.rateLimited], ['done', 3, 2]);
    assert.ok(waits.length >= 2 && waits.every((w) => w > 0), `backed off before each retry: ${waits}`);
  });

  it('gives up on a 429 after maxRetries, and never retries other errors', async () => {
    const throttle = createThrottle({ ratePerSecond: 1000, concurrency: 1, burst: 100, maxRetries: 2 }, async () => {});
    let attempts = 0;
    await assert.rejects(
      throttle.run(async () => {
        attempts++;
        throw rateLimited();
      }),
      Stripe.errors.StripeRateLimitError,
    );
    assert.equal(attempts, 3);
    attempts = 0;
    await assert.rejects(
      throttle.run(async () => {
        attempts++;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(attempts, 1);
  });

  it('runUnless skips a call whose turn comes after skip() says so, without waiting for a token', async () => {
    const waits: number[] = [];
    const throttle = createThrottle({ ratePerSecond: 1, concurrency: 1 }, async (ms) => void waits.push(ms));
    let stop = false;
    const first = await throttle.runUnless(
      () => stop,
      async () => 1,
    );
    stop = true;
    const second = await throttle.runUnless(
      () => stop,
      async () => 2,
    );
    assert.deepEqual([first, second, waits], [1, SKIPPED, []]);
  });

  it('refuses a rate that is not above 0', () => {
    assert.throws(() => createThrottle({ ratePerSecond: 0, concurrency: 1 }), /ratePerSecond must be above 0/);
  });
});
