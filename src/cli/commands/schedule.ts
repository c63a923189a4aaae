import { Command } from 'commander';
import { DEFAULT_GREP } from '../../config/defaults.ts';
import { redact } from '../../log/redact.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface ScheduleFlags {
  config?: string;
  cron?: string;
  pruneCron?: string;
  timezone?: string;
  suite?: string;
  runNow?: boolean;
  grace?: number;
}

export function command(start: Start): Command {
  return new Command('schedule')
    .summary('Run the suite on a schedule (every six hours), and prune daily.')
    .description(
      'A long-running process on node-cron: runs the suite on --cron (flushing the Slack outbox first) and `canary prune` on --prune-cron, never two runs of a task at once. With CANARY_COORDINATOR_URL (PostgreSQL), several copies share the schedule and exactly one runs each occurrence. On SIGTERM/SIGINT it takes no new runs, lets the current one finish within --grace, then stops it (its summary says aborted) and exits 0.',
    )
    .addOption(configFlag())
    .addOption(flag('--cron <EXPR>', 'When to run the suite; a leading seconds field is allowed. Default "0 */6 * * *".', parsers.nonEmpty))
    .addOption(flag('--prune-cron <EXPR>', 'When to run canary prune. Default "0 3 * * *".', parsers.nonEmpty))
    .addOption(flag('--timezone <TZ>', 'The time zone of both crons. Default UTC.', parsers.nonEmpty))
    .addOption(flag('--suite <PATTERN>', `Which tests each run runs (--grep). Default: suites.schedule of the config, else ${DEFAULT_GREP}.`, parsers.nonEmpty))
    .addOption(flag('--run-now', 'Also run the suite once at start.'))
    .addOption(flag('--grace <DURATION>', 'How long a run in progress may finish after a stop is asked for. Default 2m.', parsers.duration))
    .action((flags: ScheduleFlags) =>
      start(async (ctx) => {
        const project = await ctx.settings(flags.config);
        const [
          { prune, pruneTargets },
          { flushOutbox, notifySettings },
          { runAndNotify },
          { targetOfSettings },
          { recordAbandoned },
          { PostgresCoordinator },
          { startScheduler },
        ] = await Promise.all([
          import('../../cleanup/prune.ts'),
          import('../../notify/notify.ts'),
          import('../../runner/monitor.ts'),
          import('../../runner/summary.ts'),
          import('../../scheduler/abandoned.ts'),
          import('../../scheduler/coordinator.ts'),
          import('../../scheduler/scheduler.ts'),
        ]);
        const c = project.config;
        const settings = notifySettings(c);
        const line = (l: string) => ctx.out(redact(`schedule: ${l}`));
        // Several copies share one database; each occurrence runs on the copy that claims it.
        const suite = flags.suite ?? project.suites.schedule;
        // An occurrence a vanished copy left is recorded in the (PostgreSQL) history as aborted, once.
        const onAbandoned = recordAbandoned({
          settings: { grep: suite, timeoutMs: c.CANARY_RUN_TIMEOUT, target: targetOfSettings(project) },
          reportsDir: c.CANARY_REPORTS_DIR,
          reportUrl: c.CANARY_REPORT_URL,
          log: line,
        });
        const coordinator = c.CANARY_COORDINATOR_URL
          ? new PostgresCoordinator(c.CANARY_COORDINATOR_URL, { leaseMs: c.CANARY_COORDINATOR_LEASE, log: (l) => line(`coordinator: ${l}`), onAbandoned })
          : undefined;
        if (coordinator) line(`coordinated through ${coordinator.target} as ${coordinator.owner}`);
        try {
          const scheduler = startScheduler(
            {
              cron: flags.cron ?? project.schedule.cron ?? '0 */6 * * *',
              pruneCron: flags.pruneCron ?? project.schedule.pruneCron ?? '0 3 * * *',
              timezone: flags.timezone ?? project.schedule.timezone ?? 'UTC',
              runNow: flags.runNow === true,
              graceMs: flags.grace ?? project.schedule.graceMs ?? 120_000,
            },
            {
              run: async (signal, _occurrence, started) => {
                const r = await runAndNotify({ trigger: 'schedule', grep: suite }, {}, project, { out: ctx.out, log: ctx.log, signal, started });
                return { outcome: `${r.summary.outcome} (exit ${r.exitCode}, ${r.summary.run_id})`, exitCode: r.exitCode };
              },
              prune: async (signal) => {
                // Runs against the embedded emulator leave nothing behind: there is nothing to prune.
                if (!c.STRIPE_SECRET_KEY && !c.STRIPE_API_URL) return { outcome: 'nothing to prune (no STRIPE_SECRET_KEY: runs use the embedded emulator)' };
                const r = await prune(pruneTargets(project), {
                  olderThanMs: c.CANARY_RETENTION,
                  dryRun: false,
                  ratePerSecond: c.CANARY_STRIPE_RATE,
                  concurrency: c.CANARY_STRIPE_CONCURRENCY,
                  signal,
                  progress: (line) => ctx.log.info(line),
                });
                const deleted = Object.values(r.deleted).reduce((a, b) => a + b, 0);
                const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
                return { outcome: `pruned: deleted ${deleted}, failed ${failed}` };
              },
              flush: async () => {
                if (!settings.slack) return { outcome: 'nothing waiting' };
                const r = await flushOutbox(settings, (line) => ctx.log.info(line));
                return {
                  outcome: r.sent === 0 && r.left === 0 ? 'nothing waiting' : `sent ${r.sent}, ${r.left} still waiting${r.error ? ` (Slack: ${r.error})` : ''}`,
                };
              },
            },
            line,
            coordinator && { coordinator, quiet: (l) => ctx.log.debug(`schedule: ${l}`) },
          );
          const problem = await coordinator?.prepare();
          if (problem) line(`coordinator ${problem}: occurrences are skipped until it answers`);
          await ctx.untilStopped();
          ctx.out('schedule: stopping');
          await scheduler.stop();
        } finally {
          await coordinator?.close();
        }
        ctx.out('schedule: stopped');
        return 0;
      }),
    );
}
