/**
 * `canary check webhooks` on the emulator with 1,000 recent events: an emulator (its own
 * process), an app's endpoint (a local receiver answering 200) subscribed to everything, 1,000
 * customers created (1,000 `customer.created` events, each acknowledged by the app), the clock
 * moved on past --max-age, then the real `canary check webhooks --endpoint …` as a child process,
 * timed from spawn to exit: aim ≤ 3 s. Then the same events again with another app's dead
 * endpoint on the account, so every event is pending and judged one by one (its deliveries read).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pLimit from 'p-limit';
import Stripe from 'stripe';
import { startService } from '../lib/spawn-service.ts';
import { expectExit, runCanaryProcess } from './canary-process.ts';
import { figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

const KEY = 'sk_test_benchchecks';
export const CHECK_AIM_S = 3;

async function receiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Waits (bounded) until no event has a delivery waiting for the app's endpoint. */
async function delivered(emulatorUrl: string, endpoint: string, events: number, progress: (line: string) => void): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const res = await fetch(`${emulatorUrl}/_emulator/webhook-deliveries?endpoint=${endpoint}`);
    const ok = new Set(
      ((await res.json()) as { data: { event_id: string; status: number | null }[] }).data.filter((d) => d.status === 200).map((d) => d.event_id),
    );
    if (ok.size >= events) return;
    if (performance.now() > deadline) throw new Error(`only ${ok.size} of ${events} events acknowledged by the app within 120 s`);
    progress(`waiting for deliveries: ${ok.size}/${events}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function measureChecks(ctx: BenchContext, bench: string, o: { events: number; runs: number }) {
  const emulator = await startService(['stripe-emulator', '--port', '0']);
  const app = await receiver();
  try {
    const u = new URL(emulator.url);
    const stripe = new Stripe(KEY, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 3, telemetry: false });
    const endpoint = await stripe.webhookEndpoints.create({ url: app.url, enabled_events: ['*'] });
    ctx.progress(`creating ${o.events} customers (one event each)`);
    const limit = pLimit(8);
    await Promise.all(Array.from({ length: o.events }, (_, i) => limit(() => stripe.customers.create({ email: `bench${i}@example.com` }))));
    await delivered(emulator.url, endpoint.id, o.events, ctx.progress);
    await fetch(`${emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 15 * 60 }),
    });

    const measure = async (label: string) => {
      const wall: number[] = [];
      let judged = '';
      for (let run = 1; run <= o.runs; run++) {
        ctx.progress(`${label}: run ${run}/${o.runs}`);
        const r = await runCanaryProcess({
          label: `canary check webhooks (${label}, run ${run})`,
          command: { canary: ['check', 'webhooks', '--endpoint', app.url] },
          reportsDir: path.join(ctx.tempDir(`checks-${label}-${run}`), 'reports'),
          env: { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: emulator.url },
          boundMs: 60_000,
        });
        const summary = expectExit(r, 0);
        judged = summary.tests[0]!.title;
        wall.push(r.wallMs / 1000);
      }
      ctx.progress(`${label}: ${judged}`);
      return wall;
    };
    const healthy = await measure('acknowledged');
    // Another app on the account whose endpoint is down: every new event is pending, and judged for the app alone.
    await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/dead', enabled_events: ['*'] });
    ctx.progress(`creating ${o.events} more customers, pending at a dead endpoint of another app`);
    await Promise.all(Array.from({ length: o.events }, (_, i) => limit(() => stripe.customers.create({ email: `bench-dead${i}@example.com` }))));
    await delivered(emulator.url, endpoint.id, 2 * o.events, ctx.progress);
    await fetch(`${emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 15 * 60 }),
    });
    const pending = await measure('pending elsewhere');
    return [
      figure(bench, `check webhooks, ${o.events} recent events acknowledged: wall (spawn to exit)`, 's', healthy, { aim: { op: '<=', value: CHECK_AIM_S } }),
      figure(bench, `check webhooks, ${o.events} pending at another app's dead endpoint (each judged): wall`, 's', pending),
    ];
  } finally {
    await app.close();
    await emulator.stop();
  }
}

export const checks: Benchmark = {
  name: 'checks',
  title: 'canary check webhooks on the emulator with 1,000 recent events (aim ≤ 3 s)',
  run: (ctx) => measureChecks(ctx, 'checks', { events: ctx.quick ? 200 : 1000, runs: ctx.quick ? 1 : 3 }),
};
