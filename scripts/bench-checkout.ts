/**
 * Benchmark of the emulator's hosted Checkout page in Chromium: time from navigation to an
 * interactive page (the submit button enabled), and from submit to the redirect to success_url,
 * for a subscription paid with 4242. The emulator runs in its own process.
 *
 *   npm run bench:checkout [-- --runs 30]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import Stripe from 'stripe';
import { CHROMIUM_ARGS, findChromium } from '../src/browser/chromium.ts';
import { CARDS } from '../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../fixtures/pages/stripe-checkout.page.ts';
import { startService } from './lib/spawn-service.ts';
import { stats } from './lib/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);

const service = await startService(['stripe-emulator', '--port', '0'], { cpu: 0 });
const url = new URL(service.url);
const stripe = new Stripe('sk_test_bench', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
const shop = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thanks</h1>'));
await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
const browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });

try {
  const product = await stripe.products.create({ name: 'Pro' });
  const price = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
  const interactive: number[] = [];
  const submitToRedirect: number[] = [];
  const inPage: number[] = [];
  for (let i = -3; i < runs; i++) {
    // The first three runs warm up the browser and the server; they are not counted.
    const customer = await stripe.customers.create({ email: `bench-${i + 3}@example.com` });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${shopUrl}/cancel`,
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const checkout = new StripeCheckoutPage(page);
    // As in the monitored journey, the tab is on the merchant's site when it goes to Checkout.
    await page.goto(`${shopUrl}/billing`);
    let t = performance.now();
    await page.goto(session.url!, { waitUntil: 'commit' });
    await checkout.waitUntilReady();
    const ready = performance.now() - t;
    inPage.push(Number(await page.evaluate(() => document.documentElement.dataset.readyAt)));
    await checkout.fillCard(CARDS.visa);
    t = performance.now();
    await checkout.submit();
    await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`, { waitUntil: 'commit' });
    const paid = performance.now() - t;
    await context.close();
    if (i >= 0) {
      interactive.push(ready);
      submitToRedirect.push(paid);
    }
  }
  const a = stats(interactive);
  const b = stats(submitToRedirect);
  const c = stats(inPage.slice(3));
  console.log(`Hosted Checkout page benchmark: ${runs} subscription payments with 4242 in headless Chromium; emulator in its own process`);
  console.log('measure                                  p50 ms    p95 ms    max ms   aim');
  console.log(
    `navigation -> interactive (submit ready) ${a.p50.toFixed(1).padStart(8)} ${a.p95.toFixed(1).padStart(9)} ${a.max.toFixed(1).padStart(9)}   <= 300`,
  );
  console.log(`  (in the page: navigation start -> ready ${c.p50.toFixed(1).padStart(6)} ${c.p95.toFixed(1).padStart(9)} ${c.max.toFixed(1).padStart(9)})`);
  console.log(
    `submit -> redirect to success_url        ${b.p50.toFixed(1).padStart(8)} ${b.p95.toFixed(1).padStart(9)} ${b.max.toFixed(1).padStart(9)}   <= 500`,
  );
} finally {
  await browser.close();
  shop.close();
  await service.stop();
}
