import { Command } from 'commander';
import { DEFAULT_GREP } from '../../config/defaults.ts';
import { formatDuration } from '../../config/duration.ts';
import { UserError } from '../../errors.ts';
import { redact } from '../../log/redact.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface ScheduleFlags {
  config?: string;
  cron?: string;
  pruneCron?: string;
  checksCron?: string;
  timezone?: string;
  suite?: string;
  runNow?: boolean;
  grace?: number;
  healthPort?: number;
  healthHost?: string;
}

const DEFAULT_CHECKS_CRON = '*/5 * * * *';

export function command(start: Start): Command {
  return new Command('schedule')
    .summary('Run the suite on a schedule (every six hours), the API checks every five minutes, and prune daily.')
    .description(
      'A long-running process on node-cron: runs the suite on --cron (flushing the Slack outbox first), the API checks (webhooks, and reconcile when the adapter has readPlan) on --checks-cron, and `canary prune` (Stripe, then the history) on --prune-cron, never two of a task at once. With CANARY_COORDINATOR_URL (PostgreSQL), several copies share the schedule and exactly one runs each occurrence; an occurrence a vanished copy left is recorded and alerted on (stage monitor), once. With --health-port it serves GET /healthz (503 with the reasons when an occurrence went unhandled or a job hangs) and GET /metrics (Prometheus). On SIGTERM/SIGINT it takes no new runs, lets the current one finish within --grace, then stops it (its summary says aborted) and exits 0.',
    )
    .addOption(configFlag())
    .addOption(flag('--cron <EXPR>', 'When to run the suite; a leading seconds field is allowed. Default "0 */6 * * *".', parsers.nonEmpty))
    .addOption(
      flag(
        '--checks-cron <EXPR|off>',
        `When to run the API checks (canary check webhooks, reconcile). Default "${DEFAULT_CHECKS_CRON}"; "off" for none. They need a Stripe to watch and the app's URL.`,
        parsers.nonEmpty,
      ),
    )
    .addOption(flag('--prune-cron <EXPR>', 'When to run canary prune. Default "0 3 * * *".', parsers.nonEmpty))
    .addOption(flag('--timezone <TZ>', 'The time zone of the crons. Default UTC.', parsers.nonEmpty))
    .addOption(flag('--suite <PATTERN>', `Which tests each run runs (--grep). Default: suites.schedule of the config, else ${DEFAULT_GREP}.`, parsers.nonEmpty))
    .addOption(flag('--run-now', 'Also run the suite once at start.'))
    .addOption(flag('--grace <DURATION>', 'How long a run in progress may finish after a stop is asked for. Default 2m.', parsers.duration))
    .addOption(flag('--health-port <N>', 'Serve GET /healthz and GET /metrics on this port (0 picks a free one, printed).', parsers.port))
    .addOption(
      flag('--health-host <HOST>', 'The address the health port listens on. Default 0.0.0.0 (a probe comes from outside the container).', parsers.nonEmpty),
    )
    .action((flags: ScheduleFlags) =>
      start(async (ctx) => {
        const project = await ctx.settings(flags.config);
        const [
          { prune, pruneTargets },
          { pruneHistory },
          { flushOutbox, notifySettings },
          { pending },
          { runAndNotify },
          { targetOfSettings },
          { recordAbandoned },
          { PostgresCoordinator },
          { checkCron, startScheduler },
          { scheduledChecks, scheduledChecksBoundMs, runScheduledChecks, runMonitorAlert },
          { Liveness },
          { createMetrics },
          { startHealthServer },
        ] = await Promise.all([
          import('../../cleanup/prune.ts'),
          import('../../history/prune.ts'),
          import('../../notify/notify.ts'),
          import('../../notify/outbox.ts'),
          import('../../runner/monitor.ts'),
          import('../../runner/summary.ts'),
          import('../../scheduler/abandoned.ts'),
          import('../../scheduler/coordinator.ts'),
          import('../../scheduler/scheduler.ts'),
          import('../../checks/run.ts'),
          import('../../health/liveness.ts'),
          import('../../health/metrics.ts'),
          import('../../health/server.ts'),
        ]);
        const c = project.config;
        const settings = notifySettings(c);
        const line = (l: string) => ctx.out(redact(`schedule: ${l}`));
        const checkIo = { out: ctx.out, log: ctx.log };

        const liveness = new Liveness();
        const metrics = createMetrics({ outboxWaiting: () => pending(settings.outboxDir).length, healthy: () => liveness.status().ok });
        /** Counts a finished run or check, and what the notifier sent for it. */
        const observe = (summary: Parameters<typeof metrics.observeRun>[0], notified: { delivered: string; action: { kind: string } | null }) => {
          metrics.observeRun(summary);
          if (notified.delivered === 'slack' && notified.action) metrics.alertSent(notified.action.kind);
        };

        // The API checks this project can run between browser runs.
        const checksFlag = flags.checksCron ?? project.schedule.checksCron ?? DEFAULT_CHECKS_CRON;
        if (checksFlag !== 'off') checkCron('--checks-cron', checksFlag);
        const { checks, skipped } = checksFlag === 'off' ? { checks: [], skipped: ['--checks-cron off'] } : scheduledChecks(project);
        if (skipped.length) line(`checks: ${checks.length ? `${checks.join(', ')} only` : 'none'}: ${skipped.join('; ')}`);
        const checksCron = checks.length ? checksFlag : null;

        // Several copies share one database; each occurrence runs on the copy that claims it.
        const suite = flags.suite ?? project.suites.schedule;
        // An occurrence a vanished copy left is recorded in the (PostgreSQL) history as aborted, and alerted on, once.
        const onAbandoned = recordAbandoned({
          settings: { grep: suite, timeoutMs: c.CANARY_RUN_TIMEOUT, target: targetOfSettings(project) },
          reportsDir: c.CANARY_REPORTS_DIR,
          reportUrl: c.CANARY_REPORT_URL,
          log: line,
          alert: async (verdict) => {
            const r = await runMonitorAlert(project, verdict, checkIo);
            observe(r.summary, r.notified);
          },
        });
        const coordinator = c.CANARY_COORDINATOR_URL
          ? new PostgresCoordinator(c.CANARY_COORDINATOR_URL, { leaseMs: c.CANARY_COORDINATOR_LEASE, log: (l) => line(`coordinator: ${l}`), onAbandoned })
          : undefined;
        if (coordinator) line(`coordinated through ${coordinator.target} as ${coordinator.owner}`);
        const graceMs = flags.grace ?? project.schedule.graceMs ?? 120_000;
        try {
          const scheduler = startScheduler(
            {
              cron: flags.cron ?? project.schedule.cron ?? '0 */6 * * *',
              pruneCron: flags.pruneCron ?? project.schedule.pruneCron ?? '0 3 * * *',
              checksCron,
              timezone: flags.timezone ?? project.schedule.timezone ?? 'UTC',
              runNow: flags.runNow === true,
              graceMs,
              boundsMs: { run: c.CANARY_RUN_TIMEOUT, checks: scheduledChecksBoundMs(checks) },
            },
            {
              run: async (signal, _occurrence, started) => {
                const r = await runAndNotify({ trigger: 'schedule', grep: suite }, {}, project, { out: ctx.out, log: ctx.log, signal, started });
                observe(r.summary, r.notified);
                return { outcome: `${r.summary.outcome} (exit ${r.exitCode}, ${r.summary.run_id})`, exitCode: r.exitCode };
              },
              checks: async (signal, _occurrence, started) => {
                let noted = false;
                const results = await runScheduledChecks(project, checks, {
                  ...checkIo,
                  signal,
                  // The claim names the occurrence's first run: should this copy vanish, that is the run it was in.
                  started: (runId) => {
                    if (!noted) started(runId);
                    noted = true;
                  },
                });
                for (const r of results) observe(r.summary, r.notified);
                return {
                  outcome: results.map((r) => `${r.summary.check} ${r.summary.outcome} (${r.summary.run_id})`).join(', ') || 'stopped before any check',
                };
              },
              prune: async (signal) => {
                const parts: string[] = [];
                // Runs against the embedded emulator leave nothing in Stripe; the history is pruned either way.
                if (!c.STRIPE_SECRET_KEY && !c.STRIPE_API_URL) {
                  parts.push('nothing to prune in Stripe (no STRIPE_SECRET_KEY: runs use the embedded emulator)');
                } else {
                  const r = await prune(pruneTargets(project), {
                    olderThanMs: c.CANARY_RETENTION,
                    dryRun: false,
                    ratePerSecond: c.CANARY_STRIPE_RATE,
                    concurrency: c.CANARY_STRIPE_CONCURRENCY,
                    signal,
                    progress: (l) => ctx.log.info(l),
                  });
                  const deleted = Object.values(r.deleted).reduce((a, b) => a + b, 0);
                  const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
                  parts.push(`pruned: deleted ${deleted}, failed ${failed}`);
                }
                const history = await pruneHistory(c, (l) => ctx.log.warn(l));
                parts.push(
                  history
                    ? `history: deleted ${history.deleted} run${history.deleted === 1 ? '' : 's'} older than ${formatDuration(history.older_than_ms)}`
                    : 'history not pruned',
                );
                return { outcome: parts.join('; ') };
              },
              flush: async () => {
                if (!settings.slack) return { outcome: 'nothing waiting' };
                const r = await flushOutbox(settings, (l) => ctx.log.info(l));
                return {
                  outcome: r.sent === 0 && r.left === 0 ? 'nothing waiting' : `sent ${r.sent}, ${r.left} still waiting${r.error ? ` (Slack: ${r.error})` : ''}`,
                };
              },
            },
            line,
            coordinator && { coordinator, quiet: (l) => ctx.log.debug(`schedule: ${l}`) },
            liveness,
          );
          const healthPort = flags.healthPort ?? project.schedule.healthPort;
          const health =
            healthPort === undefined
              ? undefined
              : await startHealthServer({ port: healthPort, host: flags.healthHost ?? '0.0.0.0', liveness, metrics }).catch(async (err: Error) => {
                  await scheduler.stop();
                  throw new UserError(`--health-port ${healthPort}: cannot listen (${err.message})`);
                });
          if (health) line(`health: GET ${health.url}/healthz and ${health.url}/metrics`);
          try {
            const problem = await coordinator?.prepare();
            if (problem) line(`coordinator ${problem}: occurrences are skipped until it answers`);
            await ctx.untilStopped();
            ctx.out('schedule: stopping');
            await scheduler.stop();
          } finally {
            await health?.close();
          }
        } finally {
          await coordinator?.close();
        }
        ctx.out('schedule: stopped');
        return 0;
      }),
    );
}
