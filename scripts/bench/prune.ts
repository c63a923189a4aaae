/**
 * `canary prune` against Stripe's test-mode rate limit: an emulator started with `--rate-limit 25`
 * (its own process), N stale customers labelled with a run id (seeded through many keys, since
 * the limit is per key, then aged past the retention by moving the emulator's clock), and the
 * real `canary prune --json` as a child process, timed from spawn to exit against the floor the
 * limit sets (1,000 / 25 = 40 s): aim within 1.15× the floor, no deletion failed, none left.
 */
import path from 'node:path';
import Stripe from 'stripe';
import type { PruneReport } from '../../src/cleanup/prune.ts';
import { startService } from '../lib/spawn-service.ts';
import { runCanaryProcess } from './canary-process.ts';
import { type Figure, figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

export const PRUNE_AIM = 1.15;
/** The figure that must be 0 for the prune to count as clean. */
export const NOT_PRUNED = 'customers failed or left';

export interface PruneOptions {
  customers: number;
  rateLimit: number;
  runs: number;
}

function client(url: string, key: string): Stripe {
  const u = new URL(url);
  return new Stripe(key, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 5, telemetry: false });
}

/** Creates `n` labelled customers through enough keys at once that each stays under the per-key limit. */
async function seed(url: string, n: number, limit: number, progress: (line: string) => void): Promise<void> {
  const keys = Math.ceil(n / limit);
  let made = 0;
  const ticker = setInterval(() => progress(`seeding: ${made}/${n} customers`), 2000);
  try {
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        const stripe = client(url, `sk_test_benchseed${k}`);
        for (let i = k; i < n; i += keys) {
          await stripe.customers.create({ email: `stale${i}@example.com`, metadata: { canary_run_id: 'canary_20260101T000000Z_bench000' } });
          made++;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
}

export async function measurePrune(ctx: BenchContext, bench: string, o: PruneOptions): Promise<Figure[]> {
  const floorS = o.customers / o.rateLimit;
  const wall: number[] = [];
  const pruning: number[] = [];
  const rateLimited: number[] = [];
  const notPruned: number[] = [];
  const requests: number[] = [];
  for (let run = 1; run <= o.runs; run++) {
    ctx.progress(`run ${run}/${o.runs}: emulator with --rate-limit ${o.rateLimit}, ${o.customers} stale labelled customers`);
    const emulator = await startService(['stripe-emulator', '--port', '0', '--rate-limit', String(o.rateLimit)]);
    try {
      await seed(emulator.url, o.customers, o.rateLimit, ctx.progress);
      await fetch(`${emulator.url}/_emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance_seconds: 8 * 86_400 }),
      });
      ctx.progress(`run ${run}/${o.runs}: canary prune --json (floor ${floorS.toFixed(0)} s)`);
      let lastShown = 0;
      const r = await runCanaryProcess({
        label: `canary prune (run ${run})`,
        command: { canary: ['prune', '--json'] },
        reportsDir: path.join(ctx.tempDir(`prune-${run}`), 'reports'),
        env: { STRIPE_SECRET_KEY: 'sk_test_benchpruner', STRIPE_API_URL: emulator.url, CANARY_LOG_LEVEL: 'info' },
        boundMs: 10 * 60_000,
        onStderrLine: (line) => {
          // Its own progress line comes about once a second; every fifth is enough here.
          if (performance.now() - lastShown > 5000 && line.includes('prune:')) {
            lastShown = performance.now();
            ctx.progress(`  ${line.trim()}`);
          }
        },
      });
      let report: PruneReport | null = null;
      try {
        report = JSON.parse(r.stdout) as PruneReport;
      } catch {
        report = null;
      }
      const left = (await client(emulator.url, 'sk_test_benchcheck').customers.list({ limit: 100 })).data.length;
      const failed = report?.failed.customer ?? o.customers;
      if (r.code !== 0 || !report) ctx.progress(`run ${run}: canary prune exited with ${r.code}:\n${r.output.slice(-2000)}`);
      wall.push(r.wallMs / 1000);
      pruning.push((report?.duration_ms ?? Number.NaN) / 1000);
      rateLimited.push(report?.rate_limited ?? Number.NaN);
      requests.push(report?.requests ?? Number.NaN);
      notPruned.push(failed + left);
    } finally {
      await emulator.stop();
    }
  }
  const label = `prune ${o.customers} at ${o.rateLimit}/s`;
  return [
    figure(bench, `${label}: wall (spawn to exit)`, 's', wall, { note: `floor ${o.customers} / ${o.rateLimit} = ${floorS.toFixed(1)} s` }),
    figure(
      bench,
      `${label}: wall ÷ floor`,
      'x',
      wall.map((w) => w / floorS),
      {
        aim: { op: '<=', value: PRUNE_AIM },
        // The aim is for 1,000: against a smaller floor the command's own start (a few seconds) weighs more.
        ...(o.customers < 1000 && { note: 'a small floor: the CLI start weighs more than at 1,000' }),
      },
    ),
    figure(bench, `${label}: pruning (its own duration_ms)`, 's', pruning),
    figure(bench, `${label}: requests`, 'count', requests),
    figure(bench, `${label}: 429s met (waited out)`, 'count', rateLimited),
    figure(bench, `${label}: ${NOT_PRUNED}`, 'count', notPruned, { aim: { op: '<=', value: 0 } }),
  ];
}

export const prune: Benchmark = {
  name: 'prune',
  title: 'canary prune of 1,000 stale customers at 25 requests/s, against its 40 s floor',
  run: (ctx) => measurePrune(ctx, 'prune', { customers: ctx.quick ? 100 : 1000, rateLimit: 25, runs: ctx.quick ? 1 : 2 }),
};
