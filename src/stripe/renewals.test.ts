/**
 * Advancing a test clock as real Stripe does it (in the background): waited for until `ready`,
 * with progress while it takes long, bounded, and a clock Stripe failed to advance named.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { StripeStateMismatch } from '../errors.ts';
import { advanceTestClock, runIdOfTestClock, testClockName } from './renewals.ts';

/** A Stripe whose clock answers `advancing` to the advance and then each status of `then`, one per retrieve. */
function stripeAdvancing(then: string[]): { stripe: Stripe; retrieved: () => number } {
  let n = 0;
  const clock = (status: string) => ({ id: 'clock_1', object: 'test_helpers.test_clock', status, frozen_time: 1_800_000_000 });
  const stripe = {
    testHelpers: {
      testClocks: {
        advance: async () => clock('advancing'),
        retrieve: async () => clock(then[Math.min(n++, then.length - 1)]!),
      },
    },
  } as unknown as Stripe;
  return { stripe, retrieved: () => n };
}

describe('advancing a test clock', () => {
  it('waits until the clock is ready, saying so while it takes long', async () => {
    const { stripe, retrieved } = stripeAdvancing(['advancing', 'advancing', 'ready']);
    const lines: string[] = [];
    const clock = await advanceTestClock(stripe, 'clock_1', 1_800_000_000, { timeoutMs: 5000, pollMs: 1, progress: (l) => lines.push(l), progressEveryMs: 0 });
    assert.equal(clock.status, 'ready');
    assert.equal(retrieved(), 3);
    assert.ok(lines.length >= 1, 'progress was printed');
    assert.match(lines[0]!, /^test clock clock_1 still advancing to 2027-01-15T08:00:00\.000Z: \d+ s of 5 s$/);
  });

  it('a clock still advancing after the bound, or one Stripe failed to advance, is a Stripe state failure naming it', async () => {
    const slow = stripeAdvancing(['advancing']);
    await assert.rejects(
      advanceTestClock(slow.stripe, 'clock_1', 1_800_000_000, { timeoutMs: 30, pollMs: 5 }),
      (err: unknown) => err instanceof StripeStateMismatch && /Test clock clock_1 was still advancing 30 ms after it was asked to advance/.test(err.message),
    );
    const failed = stripeAdvancing(['internal_failure']);
    await assert.rejects(
      advanceTestClock(failed.stripe, 'clock_1', 1_800_000_000, { timeoutMs: 5000, pollMs: 1 }),
      (err: unknown) => err instanceof StripeStateMismatch && /Stripe failed to advance test clock clock_1 \(internal_failure\)/.test(err.message),
    );
  });

  it("a run's clocks are named after it, and only those names give a run id back", () => {
    assert.equal(runIdOfTestClock(testClockName('canary_20261205T000000Z_abcd1234')), 'canary_20261205T000000Z_abcd1234');
    for (const other of [null, undefined, '', 'billing team clock', 'checkout-canary ']) assert.equal(runIdOfTestClock(other), null);
  });
});
