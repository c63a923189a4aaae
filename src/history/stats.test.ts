/** The dashboard's numbers: percentiles, pass rate per window, the failure streak. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunOutcome } from '../runner/summary-schema.ts';
import { failureStreak, percentile, windowStats } from './stats.ts';

const NOW = new Date('2026-12-10T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const run = (outcome: RunOutcome, h: number, duration_ms = 20_000) => ({ run_id: `canary_${h}`, outcome, started_at: hoursAgo(h), duration_ms });

describe('percentile (nearest rank)', () => {
  it('is the smallest value with at least p% of the values at or below it', () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    assert.equal(percentile(ten, 50), 5);
    assert.equal(percentile(ten, 95), 10);
    assert.equal(percentile(ten, 90), 9);
    assert.equal(percentile(ten, 0), 1);
    assert.equal(percentile(ten, 100), 10);
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 1000);
    assert.equal(percentile(twenty, 95), 19_000, 'rank ceil(0.95 × 20) = 19');
    assert.equal(percentile(twenty, 50), 10_000);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), null);
  });
});

describe('windowStats', () => {
  const entries = [
    run('passed', 1, 18_000),
    run('failed', 2, 30_000),
    run('flaky', 3, 25_000),
    run('inconclusive', 4, 5_000),
    run('aborted', 5, 1_000),
    run('no-tests', 6, 2_000),
    run('passed', 30, 19_000),
    run('failed', 24 * 8, 40_000),
    run('passed', 24 * 31, 10_000),
  ];

  it('pass rate: passed and flaky over runs with a verdict; inconclusive, aborted and no-tests are left out', () => {
    const day = windowStats(entries, NOW, 24 * 3_600_000);
    assert.deepEqual(day, { runs: 6, verdicts: 3, passed: 2, failed: 1, passRate: 2 / 3, p50: 25_000, p95: 30_000 });
    const week = windowStats(entries, NOW, 7 * 24 * 3_600_000);
    assert.deepEqual([week.runs, week.verdicts, week.passed, week.passRate], [7, 4, 3, 0.75]);
    assert.deepEqual([week.p50, week.p95], [19_000, 30_000]);
    const month = windowStats(entries, NOW, 30 * 24 * 3_600_000);
    assert.deepEqual([month.runs, month.verdicts, month.passRate, month.p95], [8, 5, 0.6, 40_000], 'the run 31 days ago is outside');
  });

  it('without a verdict there is no rate and no percentile', () => {
    assert.deepEqual(windowStats([run('inconclusive', 1), run('aborted', 2)], NOW, 24 * 3_600_000), {
      runs: 2,
      verdicts: 0,
      passed: 0,
      failed: 0,
      passRate: null,
      p50: null,
      p95: null,
    });
  });
});

describe('failureStreak', () => {
  it('counts failed runs since the last pass, skipping runs without a verdict, in any order given', () => {
    const s = failureStreak([run('failed', 1), run('passed', 10), run('inconclusive', 2), run('failed', 5), run('aborted', 3), run('failed', 8)]);
    assert.equal(s.failures, 3);
    assert.equal(s.since, hoursAgo(8));
    assert.equal(s.lastPass?.started_at, hoursAgo(10));
    assert.equal(s.atLeast, false);
  });

  it('a flaky run ends a streak as a pass does', () => {
    assert.deepEqual(failureStreak([run('failed', 1), run('flaky', 2), run('failed', 3)]).failures, 1);
  });

  it('no failure since the last pass: zero', () => {
    const s = failureStreak([run('passed', 1), run('failed', 2)]);
    assert.deepEqual([s.failures, s.since, s.lastPass?.run_id, s.atLeast], [0, null, 'canary_1', false]);
  });

  it('every known run failed: the streak may be longer than the history shows', () => {
    const s = failureStreak([run('failed', 1), run('failed', 2)]);
    assert.deepEqual([s.failures, s.since, s.lastPass, s.atLeast], [2, hoursAgo(2), null, true]);
    assert.deepEqual(failureStreak([]), { failures: 0, since: null, lastPass: null, atLeast: false });
  });
});
