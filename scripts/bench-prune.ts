/**
 * Benchmark of `canary prune` against Stripe's test-mode rate limit: an emulator started with
 * `--rate-limit 25` (its own process), 1,000 stale customers labelled with a run id (seeded
 * through many keys, since the limit is per key, then aged past the retention by moving the
 * emulator's clock), and the real `canary prune --json` as a child process. It prints the wall
 * time against the floor the limit sets (1,000 / 25 = 40 s) as a ratio, and the 429s met.
 * Aim: within 1.15x the floor, no failure from a 429. Exits 1 when a customer is left or failed.
 *
 *   npm run bench:prune [-- --customers 1000] [-- --rate-limit 25] [-- --runs 1]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Stripe from 'stripe';
import type { PruneReport } from '../src/cleanup/prune.ts';
import { startService } from './lib/spawn-service.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const AIM = 1.15;
const { values } = parseArgs({
  options: { customers: { type: 'string', default: '1000' }, 'rate-limit': { type: 'string', default: '25' }, runs: { type: 'string', default: '1' } },
});
for (const [flag, raw] of Object.entries(values)) {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    console.error(`--${flag} must be a whole number of at least 1 (got '${raw}')`);
    process.exit(2);
  }
}
const customers = Number(values.customers);
const limit = Number(values['rate-limit']);
const runs = Number(values.runs);

function client(url: string, key: string): Stripe {
  const u = new URL(url);
  return new Stripe(key, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 5, telemetry: false });
}

/** Creates `n` labelled customers through `keys` keys at once (each under the per-key limit), printing progress. */
async function seed(url: string, n: number): Promise<void> {
  const keys = Math.ceil(n / limit);
  let made = 0;
  const ticker = setInterval(() => console.error(`  seeding: ${made}/${n} customers`), 2000);
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

function pruneChild(url: string): Promise<{ wallMs: number; code: number | null; report: PruneReport | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env: NodeJS.ProcessEnv = { ...process.env, STRIPE_SECRET_KEY: 'sk_test_benchpruner', STRIPE_API_URL: url, CANARY_LOG_LEVEL: 'info' };
    for (const k of ['DEMO_APP_URL', 'DEMO_APP_ADMIN_TOKEN']) delete env[k];
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/canary.js'), 'prune', '--json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(`  ${c.toString().trimEnd().split('\n').at(-1)}\n`);
    });
    const bound = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(bound);
      let report: PruneReport | null = null;
      try {
        report = JSON.parse(stdout) as PruneReport;
      } catch {
        report = null;
      }
      resolve({ wallMs: performance.now() - started, code, report, stderr });
    });
  });
}

const floorMs = (customers / limit) * 1000;
const rows: string[][] = [];
let ok = true;
for (let run = 1; run <= runs; run++) {
  console.error(`bench:prune run ${run}/${runs}: emulator with --rate-limit ${limit}, ${customers} stale labelled customers`);
  const emulator = await startService(['stripe-emulator', '--port', '0', '--rate-limit', String(limit)]);
  try {
    await seed(emulator.url, customers);
    await fetch(`${emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 8 * 86_400 }),
    });
    console.error('  pruning (canary prune --json, a child process):');
    const r = await pruneChild(emulator.url);
    const left = (await client(emulator.url, 'sk_test_benchcheck').customers.list({ limit: 1 })).data.length;
    const deleted = r.report?.deleted.customer ?? 0;
    const failed = r.report?.failed.customer ?? Number.NaN;
    if (r.code !== 0 || left !== 0 || failed !== 0 || deleted !== customers) {
      ok = false;
      console.error(
        `  run ${run} did not prune cleanly: exit ${r.code}, deleted ${deleted}, failed ${failed}, ${left ? 'customers left' : 'none left'}\n${r.stderr.slice(-2000)}`,
      );
    }
    rows.push([
      String(run),
      String(deleted),
      String(failed),
      (r.wallMs / 1000).toFixed(1),
      ((r.report?.duration_ms ?? Number.NaN) / 1000).toFixed(1),
      (floorMs / 1000).toFixed(1),
      `${(r.wallMs / floorMs).toFixed(3)}x`,
      String(r.report?.rate_limited ?? '?'),
      String(r.report?.requests ?? '?'),
    ]);
  } finally {
    await emulator.stop();
  }
}

const head = ['run', 'deleted', 'failed', 'wall s', 'prune s', 'floor s', 'wall/floor', '429s', 'requests'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(
  `canary prune of ${customers} stale customers, emulator --rate-limit ${limit}/s (floor ${customers} / ${limit} = ${(floorMs / 1000).toFixed(0)} s; aim within ${AIM}x, no failure from a 429)`,
);
console.log(line(head));
for (const r of rows) console.log(line(r));
process.exit(ok ? 0 : 1);
