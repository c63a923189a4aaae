import { Command } from 'commander';
import { DEFAULT_PORT } from '../../emulators/slack/defaults.ts';
import type { RunningSlackEmulator, SlackUser } from '../../emulators/slack/index.ts';
import { UserError } from '../../errors.ts';
import type { Start } from '../command.ts';
import { flag, parsers } from '../options.ts';

interface EmulatorFlags {
  port?: number;
  host?: string;
  users?: string;
}

export function command(start: Start): Command {
  return new Command('slack-emulator')
    .summary('Start the local Slack emulator.')
    .description(
      `Start the local Slack emulator: the Slack Web API under /api/ (for the official client with new WebClient(token, { slackApiUrl: "http://HOST:PORT/api/" })), a page at / showing each channel as a person sees it, and the /_emulator control API. Accepts any bot token starting xoxb-. Runs until interrupted.`,
    )
    .addOption(flag('--port <N>', `Port to listen on; 0 picks a free one. Default ${DEFAULT_PORT}.`, parsers.port))
    .addOption(flag('--host <HOST>', 'Address to listen on. Default 127.0.0.1.', parsers.nonEmpty))
    .addOption(
      flag(
        '--users <FILE>',
        'JSON file with the workspace\'s people, an array of {"id": "U…", "name", "real_name"?, "email"}. Default: three example users.',
        parsers.nonEmpty,
      ),
    )
    .action((flags: EmulatorFlags) =>
      start(async (ctx) => {
        const { readUsersFile, startSlackEmulator } = await import('../../emulators/slack/index.ts');
        let users: SlackUser[] | undefined;
        if (flags.users !== undefined) {
          try {
            users = readUsersFile(flags.users);
          } catch (err) {
            throw new UserError(`--users: ${(err as Error).message}; fix the file or leave --users out for the example users`, { cause: err });
          }
        }
        let emulator: RunningSlackEmulator;
        try {
          emulator = await startSlackEmulator({ port: flags.port, host: flags.host, users });
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.code === 'EADDRINUSE') ctx.log.error(`the port is already in use (${e.message}); pick another with --port`);
          else ctx.log.error(`could not start the Slack emulator: ${e.message}`);
          return 1;
        }
        ctx.out(`Slack emulator listening on ${emulator.url}`);
        await ctx.untilStopped();
        await emulator.close();
        return 0;
      }),
    );
}
