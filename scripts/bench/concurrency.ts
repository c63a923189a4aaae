/**
 * 1, 2 and 4 `canary run`s started at once (each with its own embedded targets, one reports
 * folder, warm caches), as copies of a scheduler or CI jobs sharing a machine would: the total
 * wall time from the first spawn to the last exit, the time per run (total ÷ N), and the total
 * against one run's, side by side in the same round (1.0× would be perfect scaling, N× none).
 */
import path from 'node:path';
import { expectExit, runCanaryProcess } from './canary-process.ts';
import { type Figure, figure } from './figure.ts';
import type { Benchmark } from './suite.ts';

export const concurrency: Benchmark = {
  name: 'concurrency',
  title: '1, 2 and 4 concurrent canary runs: total wall time and time per run',
  async run(ctx) {
    const levels = ctx.quick ? [1, 2] : [1, 2, 4];
    const rounds = ctx.quick ? 1 : 2;
    const tmpDir = await ctx.warmTmp();
    const totals = new Map<number, number[]>(levels.map((n) => [n, []]));
    const ratios = new Map<number, number[]>(levels.map((n) => [n, []]));
    for (let round = 1; round <= rounds; round++) {
      const reportsDir = path.join(ctx.tempDir(`concurrency-${round}`), 'reports');
      let single = Number.NaN;
      for (const n of levels) {
        ctx.progress(`round ${round}/${rounds}: ${n} concurrent run${n > 1 ? 's' : ''}`);
        const from = performance.now();
        const runs = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            runCanaryProcess({ label: `run ${i + 1} of ${n} concurrent (round ${round})`, command: { canary: ['run'] }, reportsDir, tmpDir }),
          ),
        );
        const total = (performance.now() - from) / 1000;
        for (const r of runs) expectExit(r);
        if (n === 1) single = total;
        totals.get(n)!.push(total);
        ratios.get(n)!.push(total / single);
        ctx.progress(`round ${round}/${rounds}: ${n} concurrent: ${total.toFixed(1)} s in total`);
      }
    }
    const figures: Figure[] = [];
    for (const n of levels) {
      const t = totals.get(n)!;
      figures.push(figure('concurrency', `${n} concurrent: total wall`, 's', t));
      figures.push(
        figure(
          'concurrency',
          `${n} concurrent: time per run (total ÷ ${n})`,
          's',
          t.map((x) => x / n),
        ),
      );
      if (n > 1)
        figures.push(
          figure('concurrency', `${n} concurrent: total ÷ 1 run's total`, 'x', ratios.get(n)!, { note: `same round; 1.0× = perfect scaling, ${n}.0× = none` }),
        );
    }
    return figures;
  },
};
