/**
 * The emulator's hosted Checkout page in headless Chromium (the browser the runs use): for a
 * subscription paid with 4242, the time from navigation to an interactive page (the submit
 * button ready: aim ≤ 300 ms) and from submit to the redirect to success_url (aim ≤ 500 ms).
 * The emulator runs in its own process; the first three payments warm up and are not counted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright';
import Stripe from 'stripe';
import { CARDS } from '../../fixtures/data/test-cards.ts';
import { StripeCheckoutPage } from '../../fixtures/pages/stripe-checkout.page.ts';
import { CHROMIUM_ARGS, findChromium } from '../../src/browser/chromium.ts';
import { percentile } from '../lib/stats.ts';
import { startService } from '../lib/spawn-service.ts';
import { type Figure, figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

const WARM_UP = 3;

export async function measureCheckoutPage(ctx: BenchContext, bench: string, runs: number): Promise<Figure[]> {
  const service = await startService(['stripe-emulator', '--port', '0'], { cpu: 0 });
  const shop = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thanks</h1>'));
  try {
    const url = new URL(service.url);
    const stripe = new Stripe('sk_test_bench', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
    try {
      const product = await stripe.products.create({ name: 'Pro' });
      const price = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } });
      const interactive: number[] = [];
      const inPage: number[] = [];
      const submitToRedirect: number[] = [];
      for (let i = -WARM_UP; i < runs; i++) {
        if (i === 0 || (i > 0 && i % 10 === 0)) ctx.progress(`payment ${i + 1}/${runs} (after ${WARM_UP} to warm up)`);
        const customer = await stripe.customers.create({ email: `bench-${i + WARM_UP}@example.com` });
        const session = await stripe.checkout.sessions.create({
          mode: 'subscription',
          customer: customer.id,
          line_items: [{ price: price.id, quantity: 1 }],
          success_url: `${shopUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${shopUrl}/cancel`,
        });
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          const checkout = new StripeCheckoutPage(page);
          // As in the monitored journey, the tab is on the merchant's site when it goes to Checkout.
          await page.goto(`${shopUrl}/billing`);
          let t = performance.now();
          await page.goto(session.url!, { waitUntil: 'commit' });
          await checkout.waitUntilReady();
          const ready = performance.now() - t;
          const readyInPage = Number(await page.evaluate(() => document.documentElement.dataset.readyAt));
          await checkout.fillCard(CARDS.visa);
          t = performance.now();
          await checkout.submit();
          await page.waitForURL(`${shopUrl}/success?session_id=${session.id}`, { waitUntil: 'commit' });
          if (i >= 0) {
            submitToRedirect.push(performance.now() - t);
            interactive.push(ready);
            inPage.push(readyInPage);
          }
        } finally {
          await context.close();
        }
      }
      const p95 = (xs: number[]) =>
        `p95 ${percentile(
          [...xs].sort((a, b) => a - b),
          95,
        ).toFixed(0)} ms`;
      return [
        figure(bench, 'navigation → interactive (submit ready)', 'ms', interactive, { aim: { op: '<=', value: 300 }, note: p95(interactive) }),
        figure(bench, 'in the page: navigation start → ready', 'ms', inPage, { note: p95(inPage) }),
        figure(bench, 'submit → redirect to success_url', 'ms', submitToRedirect, { aim: { op: '<=', value: 500 }, note: p95(submitToRedirect) }),
      ];
    } finally {
      await browser.close();
    }
  } finally {
    shop.close();
    await service.stop();
  }
}

export const checkoutPage: Benchmark = {
  name: 'checkout',
  title: 'the hosted Checkout page in Chromium: time to interactive, submit to redirect',
  run: (ctx) => measureCheckoutPage(ctx, 'checkout', ctx.quick ? 3 : 30),
};
