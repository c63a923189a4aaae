import { Command } from 'commander';
import { formatDuration } from '../../config/duration.ts';
import type { PruneReport } from '../../cleanup/prune.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface PruneFlags {
  config?: string;
  olderThan?: number;
  dryRun?: boolean;
  max?: number;
  json?: boolean;
}

function text(r: PruneReport): string[] {
  const lines = [
    `canary prune${r.dry_run ? ' (dry run: nothing deleted)' : ''}: older than ${formatDuration(r.older_than_ms)} (created before ${r.cutoff.stripe} on Stripe${r.cutoff.app ? `, ${r.cutoff.app} in the app` : ''})`,
  ];
  if (r.dry_run) {
    for (const i of r.items)
      lines.push(`  would delete ${i.type} ${i.id} (run ${i.run_id}, created ${new Date(i.created * 1000).toISOString()}${i.outcome ? `, ${i.outcome}` : ''})`);
  }
  for (const type of ['customer', 'webhook_endpoint', 'test_clock', 'environment'] as const) {
    lines.push(`  ${type}s: found ${r.found[type]}${r.dry_run ? '' : `, deleted ${r.deleted[type]}, failed ${r.failed[type]}`}`);
  }
  if (!r.dry_run) lines.push(`  ${r.requests} Stripe requests in ${(r.duration_ms / 1000).toFixed(1)} s, ${r.rate_limited} rate-limited (429) and retried`);
  if (r.history) {
    const n = r.dry_run ? r.history.found : r.history.deleted;
    lines.push(`  history: ${r.dry_run ? 'would delete' : 'deleted'} ${n} run${n === 1 ? '' : 's'} older than ${formatDuration(r.history.older_than_ms)}`);
  } else if (r.history === null) lines.push('  history: not pruned (the warning says why)');
  if (r.stopped) lines.push(`  stopped early: ${r.stopped === 'max' ? '--max reached' : 'interrupted'}; run it again to finish`);
  for (const e of r.errors) lines.push(`  FAILED: ${e}`);
  return lines;
}

export function command(start: Start): Command {
  return new Command('prune')
    .summary('Delete what the harness left behind once older than the retention.')
    .description(
      "Delete what the harness left behind once it is older than the retention: Stripe customers labelled metadata[canary_run_id] (their subscriptions end with them), webhook endpoints left by a killed run, and the app's tenants labelled with a run id (through its adapter; listed as environments). Never touches anything without the label. Then deletes the runs in the run history older than CANARY_HISTORY_RETENTION (default 90d) and draws the dashboard again. Exit 0 done, 1 some deletions failed, 2 usage or configuration error.",
    )
    .addOption(configFlag())
    .addOption(
      flag(
        '--older-than <DURATION>',
        'Delete only what was created longer ago than this, e.g. 7d, 12h (CANARY_RETENTION, default 7d); the run history keeps its own, CANARY_HISTORY_RETENTION.',
        parsers.duration,
      ),
    )
    .addOption(flag('--dry-run', 'List what would be deleted and delete nothing.'))
    .addOption(flag('--max <N>', 'Stop after N deletions.', parsers.positiveInt))
    .addOption(flag('--json', 'Print the counts (and, in a dry run, the items) as one JSON object.'))
    .action((flags: PruneFlags) =>
      start(async (ctx) => {
        const settings = await ctx.settings(flags.config);
        const { prune, pruneTargets } = await import('../../cleanup/prune.ts');
        const { pruneHistory } = await import('../../history/prune.ts');
        const c = settings.config;
        const targets = pruneTargets(settings);
        let report: PruneReport;
        try {
          report = await prune(targets, {
            olderThanMs: flags.olderThan ?? c.CANARY_RETENTION,
            dryRun: flags.dryRun === true,
            max: flags.max,
            ratePerSecond: c.CANARY_STRIPE_RATE,
            concurrency: c.CANARY_STRIPE_CONCURRENCY,
            signal: ctx.signal,
            progress: (line) => ctx.log.info(line),
          });
        } catch (err) {
          // Stripe or the app could not be reached or refused a listing: nothing half-done, run it again.
          ctx.log.error(
            `prune stopped (Stripe at ${c.STRIPE_API_URL ?? 'api.stripe.com'}${targets.tenants ? `, the app at ${targets.tenants.ctx.url}` : ''}): ${(err as Error).message}; what it deleted stays deleted, run it again to finish`,
          );
          return 1;
        }
        const history = await pruneHistory(c, (line) => ctx.log.warn(line), { dryRun: report.dry_run });
        report.history = history && { older_than_ms: history.older_than_ms, found: history.found, deleted: history.deleted };
        if (flags.json) ctx.out(JSON.stringify(report));
        else for (const line of text(report)) ctx.out(line);
        return report.errors.length > 0 ? 1 : 0;
      }),
    );
}
