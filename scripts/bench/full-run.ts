/**
 * A full `canary run` of the @critical suite against the embedded targets, cold and warm: its
 * wall time from spawn to exit against the three-minute budget, the peak memory of its whole
 * process tree, and where the time went.
 *
 * Cold: the first run in a fresh TMPDIR (so Playwright's transform cache, and tsx's for a
 * TypeScript config, are empty; Node 20 keeps no compile cache) with a fresh reports folder (no history, no alert state), in a
 * new process. Not cold: the operating system's page cache (node_modules and Chromium are read
 * from memory if anything read them lately; dropping it would disturb the shared machine).
 * Warm: the next runs in the same TMPDIR and reports folder.
 *
 * The split (summary.json's `timings`, and two parts measured here): process start to the run's
 * start (node, the compiled CLI, loading the config), the targets' start, Playwright's start, the
 * browser's start, the test, the report, and after the run (history, the alert decision, exit).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { type CanaryExit, expectExit, runCanaryProcess } from './canary-process.ts';
import { type Aim, type Figure, figure, formatAim, verdictOf } from './figure.ts';
import { median } from '../lib/stats.ts';
import type { Benchmark, BenchContext } from './suite.ts';

export const RUN_BUDGET: Aim = { op: '<=', value: 180, kind: 'budget' };
/** The earlier aims of `bench:e2e`: `npm run e2e` within 20 s, the upgrade test within 6 s. */
export const E2E_AIM: Aim = { op: '<=', value: 20 };
export const UPGRADE_AIM: Aim = { op: '<=', value: 6_000 };

/** The parts of a run's wall time, in order, from its summary.json and its spawn and exit. */
export const SPLIT: { label: string; of: (run: CanaryExit) => number | undefined }[] = [
  {
    label: 'process start → run start (node, the compiled CLI, the config)',
    of: (r) => (r.summary ? Date.parse(r.summary.started_at) - r.spawnedAt : undefined),
  },
  { label: 'start of targets (emulator, demo app)', of: (r) => r.summary?.timings?.targets_ms },
  { label: 'Playwright start (config, specs, worker)', of: (r) => r.summary?.timings?.playwright_start_ms },
  { label: 'browser start', of: (r) => r.summary?.timings?.browser_start_ms },
  { label: 'the test', of: (r) => r.summary?.timings?.tests_ms },
  { label: 'report writing (reporters, browser closed, targets stopped)', of: (r) => r.summary?.timings?.report_ms },
  { label: 'after the run (history, alert, exit)', of: (r) => (r.summary?.finished_at ? r.exitedAt - Date.parse(r.summary.finished_at) : undefined) },
];

const num = (x: number | null | undefined) => (typeof x === 'number' ? x : Number.NaN);

export interface FullRunOptions {
  /** Cold runs (each in fresh caches); 0: every run uses the caller's TMPDIR as it is. */
  cold: number;
  warm: number;
  command: 'canary run' | 'npm run e2e';
  /** The warm runs' wall time against this (the cold runs' against the budget), and also against `alsoAim`. */
  warmAim: Aim;
  alsoAim?: Aim;
  /** Add the split of where the time went. */
  split: boolean;
}

/** The figures of a group of runs: wall, peak memory, the split, the upgrade test. */
export function runFigures(bench: string, label: string, runs: CanaryExit[], o: { aim: Aim; alsoAim?: Aim; split: boolean; upgrade: boolean }): Figure[] {
  const wall = runs.map((r) => r.wallMs / 1000);
  const note = o.alsoAim && `${formatAim(o.alsoAim, 's')}: ${verdictOf(median(wall), o.alsoAim)}`;
  const figures = [
    figure(bench, `${label}: wall`, 's', wall, { aim: o.aim, note }),
    figure(
      bench,
      `${label}: peak memory (process tree RSS)`,
      'MiB',
      runs.map((r) => num(r.peakBytes) / 2 ** 20),
      {
        note: 'summed over every process; shared pages count in each',
      },
    ),
  ];
  if (o.split)
    for (const part of SPLIT)
      figures.push(
        figure(
          bench,
          `${label}: ${part.label}`,
          'ms',
          runs.map((r) => num(part.of(r))),
        ),
      );
  if (o.upgrade) {
    const tests = runs.map((r) => r.summary?.tests.find((t) => t.tags.includes('@critical')));
    const flaky = tests.filter((t) => t?.outcome === 'flaky').length;
    figures.push(
      figure(
        bench,
        `${label}: upgrade test (its duration_ms)`,
        'ms',
        tests.map((t) => num(t?.duration_ms)),
        {
          aim: UPGRADE_AIM,
          ...(flaky && { note: `${flaky} flaky: the duration is all attempts` }),
        },
      ),
    );
  }
  return figures;
}

export async function measureFullRuns(ctx: BenchContext, bench: string, o: FullRunOptions): Promise<Figure[]> {
  const cold: CanaryExit[] = [];
  const warm: CanaryExit[] = [];
  const rounds = Math.max(o.cold, 1);
  let warmLeft = o.warm;
  // Cold and warm runs alternate in rounds, so a busy spell of the shared machine hits both.
  for (let r = 0; r < rounds; r++) {
    const dir = ctx.tempDir(`run-${r + 1}`);
    const tmpDir = o.cold > 0 ? path.join(dir, 'tmp') : undefined;
    if (tmpDir) mkdirSync(tmpDir);
    const one = async (label: string) => {
      ctx.progress(`${label}: ${o.command}`);
      const command = o.command === 'npm run e2e' ? o.command : { canary: ['run'] };
      const run = await runCanaryProcess({ label, command, reportsDir: path.join(dir, 'reports'), tmpDir, memory: true });
      const s = expectExit(run);
      ctx.progress(`${label}: ${(run.wallMs / 1000).toFixed(1)} s, ${s.outcome}, peak ${((run.peakBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
      return run;
    };
    if (o.cold > 0) cold.push(await one(`cold run ${r + 1}/${o.cold}`));
    const n = Math.ceil(warmLeft / (rounds - r));
    for (let i = 0; i < n; i++) warm.push(await one(`warm run ${warm.length + 1}/${o.warm}`));
    warmLeft -= n;
  }
  const name = o.command === 'npm run e2e' ? '`npm run e2e`' : 'warm';
  return [
    ...(cold.length ? runFigures(bench, 'cold', cold, { aim: RUN_BUDGET, split: o.split, upgrade: false }) : []),
    ...(warm.length ? runFigures(bench, name, warm, { aim: o.warmAim, alsoAim: o.alsoAim, split: o.split, upgrade: true }) : []),
  ];
}

export const fullRun: Benchmark = {
  name: 'run',
  title: 'a full canary run (@critical, embedded targets), cold and warm: wall, peak memory, where the time goes',
  run: (ctx) =>
    measureFullRuns(ctx, 'run', {
      cold: ctx.quick ? 1 : 3,
      warm: ctx.quick ? 1 : 6,
      command: 'canary run',
      warmAim: RUN_BUDGET,
      alsoAim: E2E_AIM,
      split: true,
    }),
};
