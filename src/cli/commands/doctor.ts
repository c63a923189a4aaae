import { Command } from 'commander';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface DoctorFlags {
  config?: string;
  json?: boolean;
  expectVersion?: string;
}

export function command(start: Start): Command {
  return new Command('doctor')
    .summary("Check the project's set-up, every problem at once.")
    .description(
      "Check the project's set-up, one line a check (✔ passed, ✘ failed with what to do, ! warning), every check run: the config file, the adapter, the Stripe key, the paid plan's price, the app's webhook endpoint, the app's health, Slack's token and channel, Chromium and the video recorder, the reports and state folders, the coordinator database. Exit 0 when nothing failed (warnings do not fail), 2 otherwise.",
    )
    .addOption(configFlag())
    .addOption(flag('--json', 'Print one JSON object: { checks: [{ name, status, detail, fix }], passed, failed, warnings }.'))
    .addOption(flag('--expect-version <V>', 'The app must report this version at its health URL.', parsers.nonEmpty))
    .action((flags: DoctorFlags) =>
      start(async (ctx) => {
        const [{ runDoctor, formatDoctor }, { importWithTsx }] = await Promise.all([import('../../doctor/doctor.ts'), import('../../config/config-file.ts')]);
        const report = await runDoctor({ cwd: ctx.cwd, env: ctx.env, configFlag: flags.config, expectVersion: flags.expectVersion, importer: importWithTsx });
        if (flags.json) ctx.out(JSON.stringify(report, null, 2));
        else for (const line of formatDoctor(report)) ctx.out(line);
        return report.failed > 0 ? 2 : 0;
      }),
    );
}
