/**
 * What `canary schedule` tells Prometheus (GET /metrics, prom-client's text format): the runs of
 * this copy by check and outcome, the last success per check, run durations as a histogram, the
 * alerts it sent by kind, what waits in the Slack outbox, whether it is healthy, and Node's own
 * process metrics. One registry per scheduler, never the global one, so tests and copies in one
 * process do not mix their counts. Labels carry check names and outcomes only: never a secret.
 */
import client from 'prom-client';
import type { RunSummary } from '../runner/summary-schema.ts';

export interface SchedulerMetrics {
  registry: client.Registry;
  /** A finished run or check: counted, timed, and its success time kept. */
  observeRun(summary: Pick<RunSummary, 'check' | 'grep' | 'outcome' | 'duration_ms' | 'finished_at'>): void;
  /** A message the notifier delivered to Slack (`kind`: alert, still-failing, recovered…). */
  alertSent(kind: string): void;
}

export function createMetrics(o: { outboxWaiting: () => number; healthy: () => boolean }): SchedulerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'canary_' });
  const runs = new client.Counter({
    name: 'canary_runs_total',
    help: 'Runs and API checks this copy finished, by check and outcome.',
    labelNames: ['check', 'outcome'] as const,
    registers: [registry],
  });
  const lastSuccess = new client.Gauge({
    name: 'canary_last_success_timestamp_seconds',
    help: 'When each check last passed (or was flaky), as Unix time.',
    labelNames: ['check'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'canary_run_duration_seconds',
    help: 'How long each run or check took.',
    labelNames: ['check'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600],
    registers: [registry],
  });
  const alerts = new client.Counter({
    name: 'canary_alerts_sent_total',
    help: 'Messages the notifier delivered to Slack, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'canary_outbox_waiting',
    help: 'Slack messages waiting in the outbox for Slack to take them.',
    registers: [registry],
    collect() {
      this.set(o.outboxWaiting());
    },
  });
  new client.Gauge({
    name: 'canary_scheduler_healthy',
    help: '1 while /healthz answers 200, else 0.',
    registers: [registry],
    collect() {
      this.set(o.healthy() ? 1 : 0);
    },
  });
  return {
    registry,
    observeRun(s) {
      const check = s.check ?? s.grep ?? 'all';
      runs.inc({ check, outcome: s.outcome });
      duration.observe({ check }, s.duration_ms / 1000);
      if ((s.outcome === 'passed' || s.outcome === 'flaky') && s.finished_at) lastSuccess.set({ check }, Date.parse(s.finished_at) / 1000);
    },
    alertSent(kind) {
      alerts.inc({ kind });
    },
  };
}
