/**
 * The scheduler's health: the liveness rules on a clock the test moves (an occurrence unhandled
 * past the slack, a job past its bound, a copy stopping), then the real scheduler on a one-second
 * checks cron behind GET /healthz — 200 while occurrences are handled, 503 naming the task once
 * its timer is stopped behind the scheduler's back (the test hook for a stuck loop) — and
 * GET /metrics read strictly as Prometheus text, counting what it was told.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../runner/testing/canary-cli.ts';
import { startScheduler } from '../scheduler/scheduler.ts';
import { Liveness } from './liveness.ts';
import { createMetrics } from './metrics.ts';
import { startHealthServer } from './server.ts';
import { parsePrometheusText } from './testing/prometheus.ts';

describe('liveness', () => {
  it('is ok while each occurrence is handled when due; says which task and why otherwise', () => {
    let now = Date.parse('2026-12-05T00:00:00Z');
    let next = new Date(now + 10_000);
    const l = new Liveness(5_000, () => now);
    l.watch('checks', { nextRun: () => next, boundMs: 30_000 });
    assert.deepEqual(l.status().reasons, []);

    now += 14_000; // 4 s late: within the slack
    assert.equal(l.status().ok, true);
    now += 2_000;
    assert.deepEqual(l.status().reasons, ["checks: the occurrence due at 2026-12-05T00:00:10.000Z was not handled within 5 s: the scheduler's loop is stuck"]);
    next = new Date(now + 10_000);
    l.handled('checks', new Date('2026-12-05T00:00:10.000Z'));
    assert.equal(l.status().ok, true);
    assert.equal(l.status().tasks.checks!.last_handled, '2026-12-05T00:00:10.000Z');

    l.started('checks');
    now += 8_000;
    next = new Date(now + 10_000);
    l.handled('checks', new Date(now)); // an overlap: handled, the job still going
    now += 23_000;
    next = new Date(now + 1_000);
    l.handled('checks', new Date(now));
    assert.match(l.status().reasons.join('\n'), /^checks: running since 2026-12-05T00:00:16\.000Z, past its bound of 30 s: the job hangs$/);
    l.finished('checks');
    assert.equal(l.status().ok, true);

    l.stop();
    assert.deepEqual(l.status().reasons, ['stopping: the scheduler takes no new occurrences']);
  });
});

describe('GET /healthz and /metrics', () => {
  it('/healthz answers 200 while the loop runs and 503 once a task stops being handled; /metrics is Prometheus text', async () => {
    let ran = 0;
    let outbox = 2;
    const liveness = new Liveness(1_500);
    const metrics = createMetrics({ outboxWaiting: () => outbox, healthy: () => liveness.status().ok });
    const lines: string[] = [];
    const scheduler = startScheduler(
      { cron: '0 0 1 1 *', pruneCron: '0 0 1 1 *', checksCron: '* * * * * *', timezone: 'UTC', runNow: false, graceMs: 1_000 },
      {
        run: async () => ({ outcome: 'ran', exitCode: 0 }),
        checks: async () => ({ outcome: `checked ${++ran}` }),
        prune: async () => ({ outcome: 'pruned' }),
        flush: async () => ({ outcome: 'nothing waiting' }),
      },
      (l) => lines.push(l),
      undefined,
      liveness,
    );
    const health = await startHealthServer({ port: 0, host: '127.0.0.1', liveness, metrics });
    try {
      await waitFor('two checks occurrences run', () => (ran >= 2 ? true : undefined), 15_000);
      const ok = await fetch(`${health.url}/healthz`);
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { ok: boolean; tasks: Record<string, { last_handled: string | null }> };
      assert.equal(body.ok, true);
      assert.deepEqual(Object.keys(body.tasks).sort(), ['checks', 'prune', 'run']);
      assert.match(body.tasks.checks!.last_handled ?? '', /^\d{4}-/);

      metrics.observeRun({ check: 'webhooks', grep: null, outcome: 'passed', duration_ms: 1_200, finished_at: '2026-12-05T00:00:01.000Z' });
      metrics.observeRun({ check: 'webhooks', grep: null, outcome: 'failed', duration_ms: 800, finished_at: '2026-12-05T00:00:02.000Z' });
      metrics.observeRun({ check: undefined, grep: '@critical', outcome: 'passed', duration_ms: 25_000, finished_at: '2026-12-05T00:00:03.000Z' });
      metrics.alertSent('alert');
      const res = await fetch(`${health.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const m = parsePrometheusText(await res.text());
      assert.equal(m.get('canary_runs_total{check="webhooks",outcome="passed"}'), 1);
      assert.equal(m.get('canary_runs_total{check="webhooks",outcome="failed"}'), 1);
      assert.equal(m.get('canary_runs_total{check="@critical",outcome="passed"}'), 1);
      assert.equal(m.get('canary_last_success_timestamp_seconds{check="webhooks"}'), Date.parse('2026-12-05T00:00:01.000Z') / 1000);
      assert.equal(m.get('canary_run_duration_seconds_count{check="webhooks"}'), 2);
      assert.equal(m.get('canary_run_duration_seconds_bucket{check="webhooks",le="1"}'), 1);
      assert.equal(m.get('canary_run_duration_seconds_sum{check="@critical"}'), 25);
      assert.equal(m.get('canary_alerts_sent_total{kind="alert"}'), 1);
      assert.equal(m.get('canary_outbox_waiting{}'), 2);
      assert.equal(m.get('canary_scheduler_healthy{}'), 1);
      assert.ok(m.has('canary_process_resident_memory_bytes{}'), "Node's process metrics are there too");

      // The test hook: the checks task's timer stops behind the scheduler's back, as a stuck loop.
      await scheduler.tasks.checks!.stop();
      const stuck = await waitFor(
        '/healthz turning 503',
        async () => {
          const r = await fetch(`${health.url}/healthz`);
          return r.status === 503 ? ((await r.json()) as { ok: boolean; reasons: string[] }) : undefined;
        },
        10_000,
      );
      assert.equal(stuck.ok, false);
      assert.match(stuck.reasons.join('\n'), /^checks: the occurrence due at .+ was not handled within 2 s: the scheduler's loop is stuck$/m);
      outbox = 0;
      const after = parsePrometheusText(await (await fetch(`${health.url}/metrics`)).text());
      assert.equal(after.get('canary_scheduler_healthy{}'), 0);
      assert.equal(after.get('canary_outbox_waiting{}'), 0);
      assert.equal((await fetch(`${health.url}/nothing`)).status, 404);
      assert.equal((await fetch(`${health.url}/healthz`, { method: 'POST' })).status, 405);
    } finally {
      await health.close();
      await scheduler.stop();
    }
  });

  it('the parser refuses what is not Prometheus text', () => {
    assert.throws(() => parsePrometheusText('# TYPE a counter\na 1'), /does not end with a newline/);
    assert.throws(() => parsePrometheusText('a 1\n'), /a has no TYPE/);
    assert.throws(() => parsePrometheusText('# TYPE a counter\na{x=1} 1\n'), /line 2 .* is not a sample/);
    assert.throws(() => parsePrometheusText('# TYPE a counter\na one\n'), /is not a sample/);
  });
});
