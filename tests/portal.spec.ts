/**
 * Canceling in Stripe's customer portal (tagged @extended): the plan stays until the end of its
 * period, and the app says when it ends; past that (a test clock moved on), Stripe ends the
 * subscription and the app is back on the free plan.
 */
import {
  cancelInPortal,
  CARDS,
  endAndVerifyFree,
  followed,
  NO_BILLING_STEPS,
  openCheckout,
  payWith,
  startOnTestClock,
  test,
  verifyUpgraded,
} from '../fixtures/index.ts';

test.describe('customer portal @extended', () => {
  test.skip(({ app }) => !app.billing?.openPortal, NO_BILLING_STEPS);

  test('canceled in the portal, the plan ends at the period end and the app turns to the free plan', async ({ journey }) => {
    await startOnTestClock(journey);
    await openCheckout(journey);
    await payWith(journey, CARDS.visa, 'left');
    const plan = followed((await verifyUpgraded(journey, '4242')).subscription);
    const endsAt = await cancelInPortal(journey, plan);
    await endAndVerifyFree(journey, plan, endsAt);
  });
});
