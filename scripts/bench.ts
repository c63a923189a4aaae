/**
 * `npm run bench`: every benchmark of the project, one after another, as one table (stdout) with
 * the machine it was taken on, written to reports/bench/latest.json and latest.md. Progress lines
 * go to stderr. Exit 0 when every benchmark gave its figures (an aim not met is a figure, not a
 * failure), 1 when one could not, 2 for a bad flag.
 *
 *   npm run bench [-- --quick] [-- --only run,prune] [-- --list]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkoutPage } from './bench/checkout-page.ts';
import { checks } from './bench/checks.ts';
import { concurrency } from './bench/concurrency.ts';
import { emulator } from './bench/emulator.ts';
import { emulatorVsPeers } from './bench/emulator-vs-peers.ts';
import { extended } from './bench/extended.ts';
import { fullRun } from './bench/full-run.ts';
import { prune } from './bench/prune.ts';
import { slackAlert } from './bench/slack-alert.ts';
import { stability } from './bench/stability.ts';
import { type Benchmark, runSuite } from './bench/suite.ts';
import { ROOT } from './bench/canary-process.ts';

/** In the order they run. */
export const BENCHMARKS: Benchmark[] = [fullRun, concurrency, emulator, emulatorVsPeers, checkoutPage, prune, checks, stability, slackAlert, extended];

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench [-- --quick] [-- --only ${BENCHMARKS.map((b) => b.name).join(',')}] [-- --list]`);
  process.exit(2);
}

let values: { quick: boolean; only?: string; list: boolean };
try {
  ({ values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, list: { type: 'boolean', default: false } },
    strict: true,
  }));
} catch (err) {
  usage((err as Error).message);
}

if (values.list) {
  for (const b of BENCHMARKS) console.log(`${b.name.padEnd(12)} ${b.title}`);
  process.exit(0);
}

let chosen = BENCHMARKS;
if (values.only !== undefined) {
  const names = values.only.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (names.length === 0 || unknown.length > 0) usage(`--only: no benchmark named ${unknown.map((n) => `'${n}'`).join(', ') || "''"}`);
  chosen = BENCHMARKS.filter((b) => names.includes(b.name));
}

const { ok } = await runSuite(chosen, {
  title: 'checkout-canary benchmarks (npm run bench)',
  quick: values.quick,
  outDir: path.join(ROOT, 'reports', 'bench'),
});
process.exit(ok ? 0 : 1);
