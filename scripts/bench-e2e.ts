/**
 * End-to-end benchmark of the monitor itself, each run a child process as a scheduler
 * would start it, its reports in a temporary folder: `npm run e2e` N times (wall time, set-up step
 * included, aim ≤ 20 s; the upgrade test's duration_ms, aim ≤ 6 s), one `canary run --grep
 * @extended`, and with --stability `--repeat-each 30` of the @critical test. A run that fails
 * stops its benchmark (the table says why) and the script exits 1; so do failed repeats.
 * `npm run bench` runs the same modules with more.
 *
 *   npm run bench:e2e [-- --runs 5] [-- --stability]
 */
import { measureExtended } from './bench/extended.ts';
import { countFlags } from './bench/flags.ts';
import { E2E_AIM, measureFullRuns, RUN_BUDGET } from './bench/full-run.ts';
import { measureStability } from './bench/stability.ts';
import { type Benchmark, runSuite } from './bench/suite.ts';

const { runs, flags } = countFlags({ runs: 5 }, ['stability']);
const benchmarks: Benchmark[] = [
  {
    name: 'e2e',
    title: `npm run e2e, ${runs} runs: wall and the upgrade test`,
    run: (ctx) => measureFullRuns(ctx, 'e2e', { cold: 0, warm: runs, command: 'npm run e2e', warmAim: E2E_AIM, alsoAim: RUN_BUDGET, split: false }),
  },
  { name: 'extended', title: 'canary run --grep @extended', run: (ctx) => measureExtended(ctx, 'extended', 1) },
  ...(flags.stability
    ? [{ name: 'stability', title: '--repeat-each 30 of @critical', run: (ctx) => measureStability(ctx, 'stability', 30) } as Benchmark]
    : []),
];
const { ok, figures } = await runSuite(benchmarks, { title: 'End-to-end benchmark of checkout-canary (npm run bench:e2e)', quick: false });
const failedRepeats = figures.some((f) => f.bench === 'stability' && f.verdict === 'not met');
process.exit(ok && !failedRepeats ? 0 : 1);
