import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { flushOutbox, notifySettings, previewRun } from '../../notify/notify.ts';
import { runSummarySchema } from '../../runner/summary-schema.ts';
import type { Start } from '../main.ts';
import { flag, parsers } from '../options.ts';

/** Relative folders (CANARY_REPORTS_DIR, CANARY_STATE_DIR) are the project's, as for canary run. */
const ROOT = path.resolve(import.meta.dirname, '../../..');

interface NotifyFlags {
  flush?: boolean;
  preview?: string;
}

export function command(start: Start): Command {
  return new Command('notify')
    .summary("Send what waits in the Slack outbox, or preview a run's alert.")
    .description(
      '--flush sends the alerts that Slack could not take (reports/outbox/), oldest first, each once; exit 1 when some are still waiting. --preview DIR renders the alert of the run in DIR (e.g. reports/latest) into DIR/alert.json and DIR/alert.html without sending anything.',
    )
    .addOption(flag('--flush', 'Send what waits in the outbox.'))
    .addOption(flag('--preview <RUN_DIR>', "Render that run's alert into its folder (alert.json, alert.html).", parsers.nonEmpty))
    .action((flags: NotifyFlags) =>
      start(async (ctx) => {
        if (!!flags.flush === !!flags.preview) throw new UserError('give exactly one of --flush and --preview RUN_DIR (see canary notify --help)');
        const settings = notifySettings(ctx.config, ROOT);
        if (flags.preview) {
          const file = path.join(flags.preview, 'summary.json');
          if (!existsSync(file)) throw new UserError(`--preview ${flags.preview}: no summary.json there; give a run's report folder, e.g. reports/latest`);
          const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
          if (!parsed.success)
            throw new UserError(
              `--preview ${flags.preview}: summary.json does not match the schema (${parsed.error.issues[0]!.message} at ${parsed.error.issues[0]!.path.join('.')})`,
            );
          ctx.out(`alert preview: ${previewRun(parsed.data, realpathSync(flags.preview), settings)}`);
          return 0;
        }
        if (!settings.slack) throw new UserError('SLACK_BOT_TOKEN and SLACK_CHANNEL_ID are needed to flush the outbox');
        const r = await flushOutbox(settings, (line) => ctx.log.info(line));
        ctx.out(`outbox: sent ${r.sent}, ${r.left} still waiting${r.error ? ` (Slack: ${r.error})` : ''}`);
        return r.left === 0 ? 0 : 1;
      }),
    );
}
