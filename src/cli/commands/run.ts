import { Command } from 'commander';
import { DEFAULT_GREP } from '../../config/defaults.ts';
import { formatDuration } from '../../config/duration.ts';
import type { RunningSlackEmulator } from '../../emulators/slack/index.ts';
import { UserError } from '../../errors.ts';
import { TRIGGERS } from '../../runner/handoff.ts';
import type { RunOptions } from '../../runner/run.ts';
import { formatShard, parseShard } from '../../runner/shard.ts';
import { parseCheckoutVariant } from '../../config/checkout-variant.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

/** The flags, as commander hands them over: the run's options, with --timeout already in ms. */
type RunFlags = Partial<Omit<RunOptions, 'timeoutMs' | 'waitFor'>> & {
  config?: string;
  timeout?: number;
  notifyFlaky?: boolean;
  notifyOnSuccess?: boolean;
  slack?: 'embedded';
  waitFor?: string;
  waitTimeout?: number;
  expectVersion?: string;
};

/** How long an embedded Slack stays up after the run, for a person to look at the alert. */
const EMBEDDED_SLACK_LINGER_MS = 5 * 60_000;
const EMBEDDED_SLACK = { token: 'xoxb-canary-embedded-slack', channel: 'C0CANARY01' };

export function command(start: Start): Command {
  return new Command('run')
    .summary('Run the monitoring specs once.')
    .description(
      'Run the monitoring specs once: start what is not configured (the Stripe emulator, the demo app), drive the upgrade through Checkout, verify Stripe and the app, and write reports/<run-id>/ with summary.json. Exit 0 passed, 1 failed, 2 usage or configuration error, 3 inconclusive, 130/143 stopped by SIGINT/SIGTERM.',
    )
    .addOption(configFlag())
    .addOption(flag('--trigger <manual|post-deploy|schedule>', 'Why this run happens (recorded in the report). Default manual.', parsers.oneOf(TRIGGERS)))
    .addOption(flag('--deployer <WHO>', 'Who deployed (for the alert).', parsers.nonEmpty))
    .addOption(flag('--commit <SHA>', 'The deployed commit.', parsers.nonEmpty))
    .addOption(
      flag(
        '--grep <PATTERN>',
        `Only tests whose title matches. Default: suites.default of the config, else ${DEFAULT_GREP} (the suite of post-deploy and scheduled runs); @extended for the card outcomes, the renewal and the customer portal, . for every spec.`,
        parsers.nonEmpty,
      ),
    )
    .addOption(flag('--workers <N>', 'Parallel browser workers.', parsers.positiveInt))
    .addOption(flag('--repeat-each <N>', 'Run each test N times.', parsers.positiveInt))
    .addOption(flag('--retries <N>', 'Retries of a failed test (default 0); a test passing on retry is reported flaky.', parsers.wholeNumber))
    .addOption(flag('--headed', 'Show the browser.'))
    .addOption(
      flag(
        '--wait-for <URL>',
        'Post-deploy: first wait until the deployed app answers 2xx at URL (e.g. its /healthz), printing progress; never healthy fails at stage deploy-not-healthy.',
        parsers.url,
      ),
    )
    .addOption(flag('--wait-timeout <DURATION>', 'How long --wait-for waits, e.g. 5m (default 5m).', parsers.duration))
    .addOption(flag('--expect-version <V>', 'With --wait-for: healthy only once the app reports this version (`version` in its JSON).', parsers.nonEmpty))
    .addOption(flag('--notify-flaky', 'Post a short note to Slack when a test passed only on a retry (default: nothing).'))
    .addOption(flag('--notify-on-success', 'Post a short note to Slack when the run passed (default: nothing).'))
    .addOption(
      flag(
        '--slack <embedded>',
        'With no Slack configured: start a local Slack on a free port, alert into it, and print its page (up for 5 min after the run).',
        parsers.oneOf(['embedded'] as const),
      ),
    )
    .addOption(
      flag(
        '--shard <i/n>',
        "Run only the i-th of n parts of the suite (Playwright's sharding), keeping its blob report; a shard neither alerts nor keeps history: merge the shards' folders with canary merge-reports.",
        parseShard,
      ),
    )
    .addOption(
      flag(
        '--checkout-variant <random|SEED|NAME>',
        'The hosted Checkout page the embedded Stripe emulator shows for this run (CANARY_CHECKOUT_VARIANT): random (a seed from the run, printed to repeat it), a seed, or a name: plain, or accordion, link, billing-address joined by + (e.g. accordion+link). Recorded in summary.json; refused (exit 2) when the run does not start the emulator.',
        parseCheckoutVariant,
      ),
    )
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
        const settings = await ctx.settings(flags.config);
        if (!flags.waitFor && (flags.waitTimeout || flags.expectVersion)) throw new UserError('--wait-timeout and --expect-version go with --wait-for URL');
        if (flags.shard && (flags.slack || flags.notifyFlaky || flags.notifyOnSuccess))
          throw new UserError(
            '--shard runs do not alert, so --slack and --notify-* do not go with --shard; give --notify-flaky/--notify-on-success to canary merge-reports',
          );
        let slack: RunningSlackEmulator | null = null;
        if (flags.slack === 'embedded') {
          if (settings.config.SLACK_BOT_TOKEN) throw new UserError('--slack embedded is for runs with no Slack configured; SLACK_BOT_TOKEN is set');
          const { startSlackEmulator } = await import('../../emulators/slack/index.ts');
          slack = await startSlackEmulator({ port: 0, tokens: [EMBEDDED_SLACK.token] });
          ctx.out(`Slack emulator: ${slack.url}`);
        }
        const timeoutMs = flags.timeout ?? settings.config.CANARY_RUN_TIMEOUT;
        ctx.log.debug(`run bounded by ${formatDuration(timeoutMs)}`);
        const options: RunOptions = {
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
          waitFor: flags.waitFor ? { url: flags.waitFor, timeoutMs: flags.waitTimeout ?? 5 * 60_000, expectVersion: flags.expectVersion } : undefined,
          shard: flags.shard,
          checkoutVariant: flags.checkoutVariant,
        };
        const io = { out: ctx.out, log: ctx.log, signal: ctx.signal };
        if (options.shard) {
          // A part of a run: its alert and history come from the merged run.
          const { runCanary } = await import('../../runner/run.ts');
          const result = await runCanary(options, settings, io);
          ctx.out(`  shard ${formatShard(options.shard)}: no alert, no history; merge every shard's folder with canary merge-reports`);
          return result.exitCode;
        }
        const { runAndNotify } = await import('../../runner/monitor.ts');
        const result = await runAndNotify(
          options,
          { notifyFlaky: flags.notifyFlaky, notifyOnSuccess: flags.notifyOnSuccess, ...(slack && { slack: { ...EMBEDDED_SLACK, apiUrl: slack.apiUrl } }) },
          settings,
          io,
        );
        if (slack) {
          ctx.out(`Slack emulator: open ${slack.url} to see the channel; it stops in ${EMBEDDED_SLACK_LINGER_MS / 60_000} min or on Ctrl-C`);
          await Promise.race([ctx.untilStopped(), new Promise((resolve) => setTimeout(resolve, EMBEDDED_SLACK_LINGER_MS).unref())]);
          await slack.close();
        }
        return result.exitCode;
      }),
    );
}
