/** The `canary` command: parse, validate, call a function. Exit codes: 0 ok, 1 failed, 2 usage or configuration error. */
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { UsageError, helpText, parseFlags, type CommandSpec, type ParsedFlags } from './args.ts';
import * as demoApp from './commands/demo-app.ts';
import * as runCommand from './commands/run.ts';
import * as stripeEmulator from './commands/stripe-emulator.ts';

export interface CommandContext {
  config: Config;
  log: Logger;
  /** A command's own output (stdout). */
  out(line: string): void;
  /** Resolves on SIGINT/SIGTERM, for long-running commands. */
  untilStopped(): Promise<void>;
}

interface Command {
  spec: CommandSpec;
  run(flags: ParsedFlags, ctx: CommandContext): Promise<number>;
}

const COMMANDS: Command[] = [runCommand, stripeEmulator, demoApp];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    'Usage: canary <command> [flags]',
    '',
    'checkout-canary: end-to-end synthetic monitoring for Stripe Checkout integrations.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary.split('. ')[0]!.replace(/\.$/, '')}.`),
    '',
    'Run `canary <command> --help` for its flags. Configuration comes from the environment and .env (see .env.example).',
  ].join('\n');
}

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  untilStopped?: () => Promise<void>;
}

const defaultIo: CliIo = {
  stdout: (l) => process.stdout.write(l + '\n'),
  stderr: (l) => process.stderr.write(l + '\n'),
};

function signals(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.stderr(`canary: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')}; see canary --help)`);
    return 2;
  }
  let flags: ParsedFlags;
  try {
    flags = parseFlags(command.spec, rest);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`canary ${name}: ${err.message} (see canary ${name} --help)`);
      return 2;
    }
    throw err;
  }
  if (flags.help) {
    io.stdout(helpText(command.spec));
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`canary ${name}: configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: config.CANARY_LOG_LEVEL, write: io.stderr });
  return command.run(flags, { config, log, out: io.stdout, untilStopped: io.untilStopped ?? signals });
}
