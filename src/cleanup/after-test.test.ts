/**
 * Cleanup of a test's test clock (the renewal and portal specs), in-process against the
 * emulator: a passed test's clock is deleted with what lives on it; a failed test's is kept with
 * its customer marked; a clock already gone counts as deleted; a clock that cannot be deleted is
 * reported, never thrown.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { startTestEmulator, type TestEmulator } from '../emulators/stripe/testing/sdk.ts';
import { settleStripeObjects } from './after-test.ts';

const WEEK_MS = 7 * 86_400_000;
let t: TestEmulator;
before(async () => {
  t = await startTestEmulator();
});
after(() => t?.close());

async function onClock(tag: string) {
  const clock = await t.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: `checkout-canary canary_${tag}` });
  const customer = await t.stripe.customers.create({ email: `${tag}@example.com`, test_clock: clock.id });
  return { clock, customer };
}
const customerGone = async (id: string) => Boolean(((await t.stripe.customers.retrieve(id)) as Stripe.Customer | Stripe.DeletedCustomer).deleted);
const clockExists = (id: string) =>
  t.stripe.testHelpers.testClocks.retrieve(id).then(
    () => true,
    () => false,
  );

describe('settling a test clock', () => {
  it('a passed test: its customer and its clock are deleted, and the record says so', async () => {
    const { clock, customer } = await onClock('passed');
    const record = await settleStripeObjects(t.stripe, { customer: customer.id, test_clock: clock.id }, 'passed', WEEK_MS, 0);
    assert.deepEqual(
      record.deleted.map((d) => `${d.type} ${d.id} ${d.action}`),
      [`customer ${customer.id} deleted`, `test_clock ${clock.id} deleted`],
    );
    assert.deepEqual(record.errors, []);
    assert.equal(await clockExists(clock.id), false);
    assert.equal(await customerGone(customer.id), true);
  });

  it('a failed test: the clock is kept, its customer marked with the failure and the run labels', async () => {
    const { clock, customer } = await onClock('failed');
    const record = await settleStripeObjects(t.stripe, { customer: customer.id, test_clock: clock.id }, 'failed', WEEK_MS, 1_780_000_000, {
      canary_run_id: 'canary_failed',
    });
    assert.deepEqual(record.kept.map((k) => `${k.type} ${k.action}`).sort(), ['customer kept', 'test_clock kept']);
    assert.equal(await clockExists(clock.id), true);
    const kept = (await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.deepEqual(kept.metadata, { canary_run_id: 'canary_failed', canary_outcome: 'failed', canary_failed_at: '1780000000' });
  });

  it('a clock already gone counts as deleted; one that cannot be deleted is reported, not thrown', async () => {
    const { clock } = await onClock('gone');
    await t.stripe.testHelpers.testClocks.del(clock.id);
    const again = await settleStripeObjects(t.stripe, { test_clock: clock.id }, 'passed', WEEK_MS, 0);
    assert.deepEqual([again.deleted.map((d) => d.type), again.errors], [['test_clock'], []]);

    const wrongKey = t.client({}, 'sk_live_not_a_test_key');
    const refused = await settleStripeObjects(wrongKey, { test_clock: 'clock_123' }, 'passed', WEEK_MS, 0);
    assert.equal(refused.deleted.length, 0);
    assert.equal(refused.errors.length, 1);
    assert.match(refused.errors[0]!, /^deleting test clock clock_123: /);
  });
});
