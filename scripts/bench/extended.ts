/**
 * The @extended suite (the card outcomes) as one `canary run --grep @extended` (as in bench:e2e): its
 * wall time, and the sum and the slowest of its tests' duration_ms.
 */
import path from 'node:path';
import { expectExit, runCanaryProcess } from './canary-process.ts';
import { figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

export async function measureExtended(ctx: BenchContext, bench: string, runs: number, tmpDir?: string) {
  const wall: number[] = [];
  const sum: number[] = [];
  const slowest: number[] = [];
  let tests = 0;
  for (let i = 1; i <= runs; i++) {
    const label = `@extended run ${i}/${runs}`;
    ctx.progress(`${label}: canary run --grep @extended`);
    const reportsDir = path.join(ctx.tempDir(`extended-${i}`), 'reports');
    const run = await runCanaryProcess({ label, command: { canary: ['run', '--grep', '@extended'] }, reportsDir, tmpDir });
    const s = expectExit(run);
    const durations = s.tests.map((t) => t.duration_ms / 1000);
    tests = durations.length;
    wall.push(run.wallMs / 1000);
    sum.push(durations.reduce((a, b) => a + b, 0));
    slowest.push(Math.max(...durations));
    ctx.progress(`${label}: ${(run.wallMs / 1000).toFixed(1)} s, ${tests} tests`);
  }
  return [
    figure(bench, '@extended run: wall', 's', wall, { note: `${tests} tests` }),
    figure(bench, "@extended run: its tests' duration_ms, summed", 's', sum),
    figure(bench, '@extended run: the slowest test', 's', slowest),
  ];
}

export const extended: Benchmark = {
  name: 'extended',
  title: 'canary run --grep @extended (the card outcomes): wall, sum and slowest of its tests',
  run: async (ctx) => measureExtended(ctx, 'extended', ctx.quick ? 1 : 2, await ctx.warmTmp()),
};
