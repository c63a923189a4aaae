/**
 * The journey that matters: a customer upgrades from Free to Pro through hosted Stripe Checkout,
 * and afterwards Stripe and the app agree. Tagged @critical: the suite of post-deploy and
 * scheduled runs.
 */
import { test, CARDS } from '../fixtures/index.ts';
import { openCheckout, payWith, verifyUpgraded } from '../fixtures/journey.ts';

test('a customer upgrades from Free to Pro through Stripe Checkout @critical', async ({ journey }, testInfo) => {
  await openCheckout(journey, testInfo);
  await payWith(journey, CARDS.visa, 'left');
  await verifyUpgraded(journey, testInfo, '4242');
});
