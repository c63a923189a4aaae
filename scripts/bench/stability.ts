/**
 * `canary run --grep @critical --repeat-each N`: how many of the N pass, and each repeat's
 * duration (the median is p50; the note gives p95). Failed repeats are the measurement, so a run
 * that exits 1 still gives its figures.
 */
import path from 'node:path';
import { percentile } from '../lib/stats.ts';
import { RunFailed, runCanaryProcess } from './canary-process.ts';
import { figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

export async function measureStability(ctx: BenchContext, bench: string, repeats: number, tmpDir?: string) {
  const label = `canary run --grep @critical --repeat-each ${repeats}`;
  ctx.progress(`${label} (one run, about ${Math.round(repeats * 5)} s)`);
  // Its own --timeout and the bound grow with the repeats; a repeat takes about 5 s here.
  const bound = 120_000 + repeats * 30_000;
  const run = await runCanaryProcess({
    label,
    command: { canary: ['run', '--grep', '@critical', '--repeat-each', String(repeats), '--timeout', `${Math.round(bound / 1000) - 30}s`] },
    reportsDir: path.join(ctx.tempDir('stability'), 'reports'),
    tmpDir,
    boundMs: bound,
  });
  const tests = run.summary?.tests ?? [];
  if (tests.length === 0) throw new RunFailed(`${label} exited with ${run.code} and ran no tests:\n${run.output.slice(-2000)}`);
  const passed = run.summary!.counts.passed;
  const durations = tests.map((t) => t.duration_ms);
  const sorted = [...durations].sort((a, b) => a - b);
  ctx.progress(`${passed}/${tests.length} passed in ${(run.wallMs / 1000).toFixed(1)} s`);
  return [
    figure(bench, `--repeat-each ${repeats}: passes out of ${tests.length}`, 'count', [passed], {
      aim: { op: '>=', value: tests.length },
      ...(run.code !== 0 && { note: `exited with ${run.code}` }),
    }),
    figure(bench, `--repeat-each ${repeats}: each test's duration_ms (median = p50)`, 'ms', durations, {
      note: `p95 ${percentile(sorted, 95).toFixed(0)} ms`,
    }),
    figure(bench, `--repeat-each ${repeats}: wall`, 's', [run.wallMs / 1000]),
  ];
}

export const stability: Benchmark = {
  name: 'stability',
  title: '--repeat-each 50 of the @critical suite: passes out of 50, p50/p95 per test',
  run: async (ctx) => measureStability(ctx, 'stability', ctx.quick ? 5 : 50, await ctx.warmTmp()),
};
