/**
 * Benchmark of `canary prune` against Stripe's test-mode rate limit (the module `npm run bench`
 * runs too): N stale labelled customers in an emulator limited to R requests/s per key, pruned by
 * the real `canary prune --json`; its wall time against the floor N / R, aim within 1.15×. Exits 1
 * when a customer failed or was left.
 *
 *   npm run bench:prune [-- --customers 1000] [-- --rate-limit 25] [-- --runs 1]
 */
import { countFlags } from './bench/flags.ts';
import { measurePrune, NOT_PRUNED } from './bench/prune.ts';
import { runSuite } from './bench/suite.ts';

const o = countFlags({ customers: 1000, 'rate-limit': 25, runs: 1 });
const options = { customers: o.customers, rateLimit: o['rate-limit'], runs: o.runs };
const { ok, figures } = await runSuite([{ name: 'prune', title: 'canary prune', run: (ctx) => measurePrune(ctx, 'prune', options) }], {
  title: 'canary prune benchmark (npm run bench:prune)',
  quick: false,
});
const clean = figures.some((f) => f.name.endsWith(NOT_PRUNED) && f.verdict === 'met');
process.exit(ok && clean ? 0 : 1);
