/**
 * The journey that matters: a customer upgrades from the free plan to the paid one through hosted
 * Stripe Checkout, and afterwards Stripe and the app agree. Tagged @critical: the suite of
 * post-deploy and scheduled runs. The app's part goes through the project's app adapter.
 */
import { CARDS, openCheckout, payWith, test, verifyUpgraded } from '../fixtures/index.ts';

test('a customer upgrades to the paid plan through Stripe Checkout @critical', async ({ journey }) => {
  await openCheckout(journey);
  await payWith(journey, CARDS.visa, 'left');
  await verifyUpgraded(journey, '4242');
});
