/**
 * What Checkout does with cards other than the happy one (tagged @extended): refused cards show
 * Stripe's error and leave the account on the free plan; 3D Secure, completed, ends on the paid
 * plan; failed, leaves it free.
 */
import { answerChallenge, CARDS, expect, openCheckout, payWith, test, verifyStillFree, verifyUpgraded } from '../fixtures/index.ts';

const REFUSED = [
  { card: CARDS.declined, shows: /Your card has been declined\./ },
  { card: CARDS.insufficientFunds, shows: /Your card has insufficient funds\./ },
] as const;

test.describe('card outcomes @extended', () => {
  for (const { card, shows } of REFUSED) {
    test(`${card.label} (${card.number}) shows Stripe's error and leaves the account on the free plan`, async ({ journey }) => {
      await openCheckout(journey);
      const outcome = await payWith(journey, card, 'error');
      expect(outcome.kind === 'error' && outcome.message, "Checkout shows Stripe's message").toMatch(shows);
      await verifyStillFree(journey, { code: card.code, declineCode: card.declineCode });
    });
  }

  test('a 3D Secure card completed in the challenge ends on the paid plan', async ({ journey }) => {
    await openCheckout(journey);
    await payWith(journey, CARDS.threeDSecureAlways, 'challenge');
    await answerChallenge(journey, 'complete', 'left');
    await verifyUpgraded(journey, '3184');
  });

  test('a 3D Secure card whose challenge fails leaves the account on the free plan', async ({ journey }) => {
    await openCheckout(journey);
    await payWith(journey, CARDS.threeDSecureAlways, 'challenge');
    const outcome = await answerChallenge(journey, 'fail', 'error');
    expect(outcome.kind === 'error' && outcome.message, 'Checkout says the payment method could not be authenticated').toMatch(
      /We are unable to authenticate your payment method/,
    );
    await verifyStillFree(journey, null);
  });
});
