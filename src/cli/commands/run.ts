import { Command } from 'commander';
import { formatDuration } from '../../config/config.ts';
import { TRIGGERS } from '../../runner/handoff.ts';
import { DEFAULT_GREP, runCanary, type RunOptions } from '../../runner/run.ts';
import type { Start } from '../main.ts';
import { flag, parsers } from '../options.ts';

/** The flags, as commander hands them over: the run's options, with --timeout already in ms. */
type RunFlags = Partial<Omit<RunOptions, 'timeoutMs'>> & { timeout?: number };

export function command(start: Start): Command {
  return new Command('run')
    .summary('Run the monitoring specs once.')
    .description(
      'Run the monitoring specs once: start what is not configured (the Stripe emulator, the demo app), drive the upgrade through Checkout, verify Stripe and the app, and write reports/<run-id>/ with summary.json. Exit 0 passed, 1 failed, 2 usage or configuration error, 3 inconclusive, 130/143 stopped by SIGINT/SIGTERM.',
    )
    .addOption(flag('--trigger <manual|post-deploy|schedule>', 'Why this run happens (recorded in the report). Default manual.', parsers.oneOf(TRIGGERS)))
    .addOption(flag('--deployer <WHO>', 'Who deployed (for the alert).', parsers.nonEmpty))
    .addOption(flag('--commit <SHA>', 'The deployed commit.', parsers.nonEmpty))
    .addOption(
      flag(
        '--grep <PATTERN>',
        `Only tests whose title matches. Default ${DEFAULT_GREP} (the suite of post-deploy and scheduled runs); @extended for the card outcomes, . for every spec.`,
        parsers.nonEmpty,
      ),
    )
    .addOption(flag('--workers <N>', 'Parallel browser workers.', parsers.positiveInt))
    .addOption(flag('--repeat-each <N>', 'Run each test N times.', parsers.positiveInt))
    .addOption(flag('--retries <N>', 'Retries of a failed test (default 0); a test passing on retry is reported flaky.', parsers.wholeNumber))
    .addOption(flag('--headed', 'Show the browser.'))
    .addOption(flag('--strict-cleanup', 'Exit 1 when cleanup after a passed test fails (by default it is only reported).'))
    .addOption(
      flag(
        '--timeout <DURATION>',
        'Bound on the whole run, e.g. 90s, 10m (CANARY_RUN_TIMEOUT, default 10m); past it the run is stopped and fails at stage timeout.',
        parsers.duration,
      ),
    )
    .action((flags: RunFlags) =>
      start(async (ctx) => {
        const timeoutMs = flags.timeout ?? ctx.config.CANARY_RUN_TIMEOUT;
        ctx.log.debug(`run bounded by ${formatDuration(timeoutMs)}`);
        const result = await runCanary(
          {
            trigger: flags.trigger ?? 'manual',
            deployer: flags.deployer,
            commit: flags.commit,
            grep: flags.grep,
            workers: flags.workers,
            repeatEach: flags.repeatEach,
            retries: flags.retries,
            headed: flags.headed === true,
            timeoutMs,
            strictCleanup: flags.strictCleanup === true,
          },
          ctx.config,
          { out: ctx.out, log: ctx.log, signal: ctx.signal },
        );
        return result.exitCode;
      }),
    );
}
