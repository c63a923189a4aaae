import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/runner/summary-schema.ts';
import type { CanaryExit } from './canary-process.ts';
import { E2E_AIM, RUN_BUDGET, runFigures } from './full-run.ts';

/** A finished run as the benchmark sees it: spawned at 0 (epoch ms), its summary's times and timings. */
function run(o: { startedAt: number; finishedAt: number; exitedAt: number; timings: RunSummary['timings']; upgradeMs: number; peakMiB: number }): CanaryExit {
  const iso = (ms: number) => new Date(ms).toISOString();
  const summary = {
    started_at: iso(o.startedAt),
    finished_at: iso(o.finishedAt),
    timings: o.timings,
    tests: [{ tags: ['@critical'], outcome: 'passed', duration_ms: o.upgradeMs }],
  } as unknown as RunSummary;
  return {
    label: 'run',
    code: 0,
    signal: null,
    wallMs: o.exitedAt,
    spawnedAt: 0,
    exitedAt: o.exitedAt,
    peakBytes: o.peakMiB * 2 ** 20,
    output: '',
    stdout: '',
    reportDir: '/tmp/x',
    summary,
  };
}

const timings = (t: number) => ({ targets_ms: 500, playwright_start_ms: 3000 + t, browser_start_ms: 900, tests_ms: 5000, report_ms: 600 });
const runs = [
  run({ startedAt: 2000, finishedAt: 12_000, exitedAt: 12_300, timings: timings(0), upgradeMs: 5200, peakMiB: 700 }),
  run({ startedAt: 2200, finishedAt: 14_200, exitedAt: 14_800, timings: timings(2000), upgradeMs: 6400, peakMiB: 900 }),
];

test("a group of runs gives its wall against the budget, its peak memory, each part of the split, and the upgrade test's duration", () => {
  const figures = runFigures('run', 'warm', runs, { aim: RUN_BUDGET, alsoAim: E2E_AIM, split: true, upgrade: true });
  const byName = Object.fromEntries(figures.map((f) => [f.name, f]));
  const wall = byName['warm: wall']!;
  assert.deepEqual([wall.unit, wall.samples, wall.median, wall.verdict, wall.note], ['s', [12.3, 14.8], 13.55, 'met', 'aim ≤ 20.0 s: met']);
  assert.deepEqual(byName['warm: peak memory (process tree RSS)']!.samples, [700, 900]);
  assert.deepEqual(
    figures.filter((f) => f.unit === 'ms' && !f.name.includes('upgrade')).map((f) => [f.name.replace(/^warm: /, ''), f.samples]),
    [
      ['process start → run start (node, the compiled CLI, the config)', [2000, 2200]],
      ['start of targets (emulator, demo app)', [500, 500]],
      ['Playwright start (config, specs, worker)', [3000, 5000]],
      ['browser start', [900, 900]],
      ['the test', [5000, 5000]],
      ['report writing (reporters, browser closed, targets stopped)', [600, 600]],
      ['after the run (history, alert, exit)', [300, 600]],
    ],
  );
  const upgrade = byName['warm: upgrade test (its duration_ms)']!;
  assert.deepEqual([upgrade.median, upgrade.verdict], [5800, 'met']);
});

test('a run whose summary has no timings gives no sample for those parts rather than a zero', () => {
  const bare = run({ startedAt: 1000, finishedAt: 9000, exitedAt: 9500, timings: undefined, upgradeMs: 5000, peakMiB: 500 });
  const figures = runFigures('run', 'cold', [bare], { aim: RUN_BUDGET, split: true, upgrade: false });
  const browser = figures.find((f) => f.name === 'cold: browser start')!;
  assert.deepEqual([browser.n, browser.median], [0, null]);
  assert.equal(figures.find((f) => f.name === 'cold: process start → run start (node, the compiled CLI, the config)')!.median, 1000);
  assert.equal(
    figures.some((f) => f.name.includes('upgrade')),
    false,
  );
});
