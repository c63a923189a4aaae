import { realpathSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { readSummaryFile } from '../../runner/summary-file.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface NotifyFlags {
  config?: string;
  flush?: boolean;
  preview?: string;
}

export function command(start: Start): Command {
  return new Command('notify')
    .summary("Send what waits in the Slack outbox, or preview a run's alert.")
    .description(
      '--flush sends the alerts that Slack could not take (reports/outbox/), oldest first, each once; exit 1 when some are still waiting. --preview DIR renders the alert of the run in DIR (e.g. reports/latest) into DIR/alert.json and DIR/alert.html without sending anything.',
    )
    .addOption(configFlag())
    .addOption(flag('--flush', 'Send what waits in the outbox.'))
    .addOption(flag('--preview <RUN_DIR>', "Render that run's alert into its folder (alert.json, alert.html).", parsers.nonEmpty))
    .action((flags: NotifyFlags) =>
      start(async (ctx) => {
        if (!!flags.flush === !!flags.preview) throw new UserError('give exactly one of --flush and --preview RUN_DIR (see canary notify --help)');
        const { flushOutbox, notifySettings, previewRun } = await import('../../notify/notify.ts');
        const settings = notifySettings((await ctx.settings(flags.config)).config);
        if (flags.preview) {
          const dir = path.resolve(ctx.cwd, flags.preview);
          const read = readSummaryFile(dir, flags.preview);
          if ('problem' in read) throw new UserError(`--preview ${read.problem}; give a run's report folder, e.g. reports/latest`);
          ctx.out(`alert preview: ${previewRun(read.summary, realpathSync(dir), settings)}`);
          return 0;
        }
        if (!settings.slack) throw new UserError('SLACK_BOT_TOKEN and SLACK_CHANNEL_ID are needed to flush the outbox');
        const r = await flushOutbox(settings, (line) => ctx.log.info(line));
        ctx.out(`outbox: sent ${r.sent}, ${r.left} still waiting${r.error ? ` (Slack: ${r.error})` : ''}`);
        return r.left === 0 ? 0 : 1;
      }),
    );
}
