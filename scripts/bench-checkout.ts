/**
 * Benchmark of the emulator's hosted Checkout page in Chromium: navigation to an interactive page,
 * and submit to the redirect to success_url, over N subscription payments with 4242 (the module
 * `npm run bench` runs too).
 *
 *   npm run bench:checkout [-- --runs 30]
 */
import { measureCheckoutPage } from './bench/checkout-page.ts';
import { countFlags } from './bench/flags.ts';
import { runSuite } from './bench/suite.ts';

const { runs } = countFlags({ runs: 30 });
const { ok } = await runSuite([{ name: 'checkout', title: 'the hosted Checkout page', run: (ctx) => measureCheckoutPage(ctx, 'checkout', runs) }], {
  title: 'Hosted Checkout page benchmark (npm run bench:checkout)',
  quick: false,
});
process.exit(ok ? 0 : 1);
