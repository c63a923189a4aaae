import { Command } from 'commander';
import type { Start } from '../command.ts';
import { configFlag, flag } from '../options.ts';

interface MergeFlags {
  config?: string;
  notifyFlaky?: boolean;
  notifyOnSuccess?: boolean;
  strictCleanup?: boolean;
}

export function command(start: Start): Command {
  return new Command('merge-reports')
    .summary('Merge the report folders of a sharded run into one run.')
    .description(
      "Merge the report folders of every shard of one run (canary run --shard i/n) into one run: a new reports/<run-id>/ with one HTML report (Playwright's merge-reports), one summary.json and reports/latest, then the run's history entry and alert, once. Exit codes as canary run: 0 passed, 1 failed, 2 usage error (a folder missing or not a shard, shards of different totals, a shard missing or given twice), 3 inconclusive.",
    )
    .argument('<DIR...>', "each shard's report folder (reports/<run-id>, with summary.json and blob/)")
    .addOption(configFlag())
    .addOption(flag('--notify-flaky', 'Post a short note to Slack when a test passed only on a retry (default: nothing).'))
    .addOption(flag('--notify-on-success', 'Post a short note to Slack when the run passed (default: nothing).'))
    .addOption(flag('--strict-cleanup', 'Exit 1 when cleanup after a passed test failed in any shard (by default it is only reported).'))
    .action((dirs: string[], flags: MergeFlags) =>
      start(async (ctx) => {
        const { mergeAndNotify } = await import('../../runner/merge.ts');
        const result = await mergeAndNotify(
          dirs,
          { strictCleanup: flags.strictCleanup === true },
          { notifyFlaky: flags.notifyFlaky, notifyOnSuccess: flags.notifyOnSuccess },
          await ctx.settings(flags.config),
          { out: ctx.out, log: ctx.log, signal: ctx.signal },
        );
        return result.exitCode;
      }),
    );
}
