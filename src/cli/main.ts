/**
 * The `canary` command: parse (commander), load the configuration, call a function. Every user
 * error (a bad flag, a bad variable, a live key) is a UserError, turned into one line and its
 * exit code here and only here. Exit codes: 0 ok, 1 failed, 2 usage or configuration error,
 * 3 inconclusive, 130/143 stopped by SIGINT/SIGTERM.
 */
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { importWithTsx } from '../config/config-file.ts';
import { commonVariables } from '../config/programs/common.ts';
import { findProject, loadProject } from '../config/project.ts';
import { loadVariables } from '../config/variables.ts';
import { UserError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { redact } from '../log/redact.ts';
import { packageVersion } from '../package-root.ts';
import type { CommandContext, Job, Start } from './command.ts';
import * as checkCommand from './commands/check.ts';
import * as demoApp from './commands/demo-app.ts';
import * as doctorCommand from './commands/doctor.ts';
import * as mergeReportsCommand from './commands/merge-reports.ts';
import * as historyCommand from './commands/history.ts';
import * as initCommand from './commands/init.ts';
import * as notifyCommand from './commands/notify.ts';
import * as pruneCommand from './commands/prune.ts';
import * as slackEmulator from './commands/slack-emulator.ts';
import * as runCommand from './commands/run.ts';
import * as scheduleCommand from './commands/schedule.ts';
import * as stripeEmulator from './commands/stripe-emulator.ts';
import { usageMessage } from './options.ts';

export type { CommandContext, Job, Start };

const COMMANDS = [
  initCommand,
  doctorCommand,
  runCommand,
  checkCommand,
  mergeReportsCommand,
  scheduleCommand,
  pruneCommand,
  historyCommand,
  notifyCommand,
  stripeEmulator,
  slackEmulator,
  demoApp,
];

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The folder the command runs in (default: the process's). */
  cwd?: string;
  /** Aborted when the command must stop; default: on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

const defaultIo: CliIo = {
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
};

/** How often canary looks whether the process that started it is still there. */
const PARENT_WATCH_MS = 1_000;

/**
 * An AbortSignal for SIGINT/SIGTERM; later signals while stopping are ignored (the stop is
 * bounded). The process that started canary going away counts as SIGTERM: a shell npx left
 * behind when it was killed must not let a run go on unbounded and unrecorded (canary is then
 * an orphan: its parent is no longer the one it had).
 */
function processSignal(warn: (line: string) => void): AbortSignal {
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      if (!controller.signal.aborted) controller.abort(name);
    });
  }
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent || controller.signal.aborted) return;
    clearInterval(watch);
    warn(`the process that started canary (pid ${parent}) is gone: stopping as on SIGTERM`);
    controller.abort('SIGTERM');
  }, PARENT_WATCH_MS);
  watch.unref();
  return controller.signal;
}

function program(io: CliIo, start: Start): Command {
  const lines = (write: (l: string) => void) => (text: string) => write(text.replace(/\n$/, ''));
  const root = new Command('canary')
    .description('checkout-canary: end-to-end synthetic monitoring for Stripe Checkout integrations.')
    .version(packageVersion(), '-v, --version', "Print checkout-canary's version.")
    .addHelpText(
      'after',
      '\nRun `canary <command> --help` for its flags. Configuration comes from canary.config.ts (or --config FILE), .env and the environment (see .env.example).',
    )
    .configureOutput({ writeOut: lines(io.stdout), writeErr: lines(io.stderr), outputError: () => {} })
    .exitOverride()
    .showSuggestionAfterError(true);
  // Every command, subcommands of subcommands (`canary check webhooks`) included, answers through io, never exits.
  const quiet = (c: Command): Command => {
    c.exitOverride().configureOutput({ writeOut: lines(io.stdout), writeErr: lines(io.stderr), outputError: () => {} });
    for (const child of c.commands) quiet(child);
    return c;
  };
  for (const c of COMMANDS) root.addCommand(quiet(c.command(start)));
  return root;
}

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let job: Job | undefined;
  const root = program(io, (j) => (job = j));
  if (argv.length === 0) {
    io.stdout(root.helpInformation().trimEnd());
    return 2;
  }
  const name = argv[0]!;
  const where = root.commands.some((c) => c.name() === name) ? `canary ${name}` : 'canary';
  try {
    await root.parseAsync(argv, { from: 'user' });
    if (!job) return 0;
    const env = io.env ?? process.env;
    const cwd = io.cwd ?? process.cwd();
    const log = createLogger({ level: loadVariables(commonVariables, env, path.join(cwd, '.env')).CANARY_LOG_LEVEL, write: io.stderr });
    const signal = io.signal ?? processSignal((line) => log.warn(line));
    const untilStopped = () => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    const ctx: CommandContext = {
      env,
      cwd,
      log,
      out: io.stdout,
      signal,
      untilStopped,
      settings: async (configFlag) => {
        const project = findProject(cwd, configFlag);
        const settings = await loadProject(project, env, importWithTsx);
        log.setLevel(settings.config.CANARY_LOG_LEVEL);
        return settings;
      },
      variables: (table) => loadVariables(table, env, path.join(cwd, '.env')),
    };
    return await job(ctx);
  } catch (err) {
    if (err instanceof CommanderError) {
      const message = usageMessage(
        err,
        root.commands.map((c) => c.name()),
      );
      if (message === null) return 0;
      io.stderr(`${where}: ${message} (see ${where} --help)`);
      return 2;
    }
    if (err instanceof UserError) {
      io.stderr(redact(`${where}: ${err.message}`));
      return err.exitCode;
    }
    io.stderr(redact(`${where}: ${(err as Error).stack ?? String(err)}`));
    return 1;
  }
}

/**
 * Parses `canary ARGV` exactly as runCli does without running anything (commands only act inside
 * their job): null when it parses, else the usage error's line. For command lines written
 * elsewhere, such as the CI workflows.
 */
export async function parseOnly(argv: string[]): Promise<string | null> {
  const root = program({ stdout: () => {}, stderr: () => {} }, () => {});
  try {
    await root.parseAsync(argv, { from: 'user' });
    return null;
  } catch (err) {
    if (err instanceof CommanderError)
      return usageMessage(
        err,
        root.commands.map((c) => c.name()),
      );
    if (err instanceof UserError) return err.message;
    throw err;
  }
}
