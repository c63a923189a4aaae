/**
 * A month after the upgrade (tagged @extended): the test's customer lives on a Stripe test clock,
 * moved past the renewal. Paid, the app still shows the paid plan with its new renewal date;
 * with a card that fails when charged, the subscription turns past_due and the app says so.
 */
import {
  CARDS,
  cardFailsFromNowOn,
  followed,
  NO_BILLING_STEPS,
  openCheckout,
  payWith,
  renewAndVerifyPaid,
  renewAndVerifyPastDue,
  startOnTestClock,
  test,
  verifyUpgraded,
} from '../fixtures/index.ts';

test.describe('renewal on a test clock @extended', () => {
  test.skip(({ app }) => !app.billing, NO_BILLING_STEPS);

  test('a month on, the plan renews and the app shows the new renewal date', async ({ journey }) => {
    await startOnTestClock(journey);
    await openCheckout(journey);
    await payWith(journey, CARDS.visa, 'left');
    const upgrade = await verifyUpgraded(journey, '4242');
    await renewAndVerifyPaid(journey, followed(upgrade.subscription));
  });

  test('a renewal whose card fails turns the plan past due, in Stripe and in the app', async ({ journey }) => {
    await startOnTestClock(journey);
    await openCheckout(journey);
    await payWith(journey, CARDS.visa, 'left');
    const upgrade = await verifyUpgraded(journey, '4242');
    const plan = followed(upgrade.subscription);
    await cardFailsFromNowOn(journey, plan, CARDS.failsOnCharge);
    await renewAndVerifyPastDue(journey, plan, { code: CARDS.failsOnCharge.code });
  });
});
