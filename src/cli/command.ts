/**
 * What a `canary` subcommand is given once its flags are parsed (main.ts builds it, commands/
 * use it): output, the logger, the stop signal, and the configuration of the program it runs —
 * loaded on demand, so each command validates only what it uses.
 */
import type { Command } from 'commander';
import type { Settings } from '../config/project.ts';
import type { Values, VariableTable } from '../config/variables.ts';
import type { Logger } from '../log/logger.ts';

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  log: Logger;
  /** A command's own output (stdout). */
  out(line: string): void;
  /** Aborted, with the signal's name as reason, on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Resolves on SIGINT/SIGTERM, for long-running commands. */
  untilStopped(): Promise<void>;
  /** The harness's settings: the project's config file (`--config FILE`, else one in the current folder), its .env, the environment. */
  settings(configFlag?: string): Promise<Settings>;
  /** A program's own variables (an emulator's, the demo app's), from the environment and ./.env. */
  variables<T extends VariableTable>(table: T): Values<T>;
}

/** What a command does once its flags are parsed; answers the exit code. */
export type Job = (ctx: CommandContext) => Promise<number>;
/** Each command module builds its commander Command and hands its job over through this. */
export type Start = (job: Job) => void;

export interface CommandModule {
  command(start: Start): Command;
}
