import path from 'node:path';
import { Command } from 'commander';
import { normaliseCheck, publicEntry } from '../../history/entry.ts';
import { HistoryUnavailable, openHistory, type HistoryStore } from '../../history/store.ts';
import { historyTable } from '../../history/table.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

/** A file as the user would type it (relative to where they are); anything else as it is. */
const shown = (where: string) => (path.isAbsolute(where) ? path.relative(process.cwd(), where) || where : where);

interface HistoryFlags {
  config?: string;
  last?: number;
  check?: string;
  json?: boolean;
}

export function command(start: Start): Command {
  return new Command('history')
    .summary('List past runs from the run history.')
    .description(
      'List past runs, newest first, from the run history (reports/history.sqlite, or PostgreSQL when CANARY_COORDINATOR_URL is set): when each started, its outcome, trigger, duration, check, the stage it failed at, the deployer and the run id. Exit 0, 1 when the history cannot be read, 2 usage error.',
    )
    .addOption(configFlag())
    .addOption(flag('--last <N>', 'The newest N runs (default 20).', parsers.positiveInt))
    .addOption(
      flag(
        '--check <NAME>',
        'Only runs of this check: the suite it ran, e.g. @critical (the alert\'s "checkout-canary @critical" works too).',
        parsers.nonEmpty,
      ),
    )
    .addOption(flag('--json', 'Print the runs as a JSON array, newest first.'))
    .action((flags: HistoryFlags) =>
      start(async (ctx) => {
        const { config } = await ctx.settings(flags.config);
        const check = flags.check === undefined ? undefined : normaliseCheck(flags.check);
        let store: HistoryStore | null = null;
        try {
          store = await openHistory(config, { readOnly: true });
          const entries = (await store.list({ last: flags.last ?? 20, check })).map(publicEntry);
          if (flags.json) ctx.out(JSON.stringify(entries, null, 2));
          else if (entries.length === 0) ctx.out(`No runs${check ? ` of check ${check}` : ''} recorded in ${shown(store.where)}.`);
          else for (const line of historyTable(entries)) ctx.out(line);
          return 0;
        } catch (err) {
          if (!(err instanceof HistoryUnavailable)) throw err;
          ctx.log.error(err.message);
          return 1;
        } finally {
          await store?.close();
        }
      }),
    );
}
