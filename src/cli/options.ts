/**
 * Flags for `canary` subcommands on commander: value parsers whose errors name the flag and the
 * value, and the translation of commander's own errors into the same one-line usage errors.
 */
import { type CommanderError, Option } from 'commander';
import { parseDuration } from '../config/duration.ts';
import { UserError } from '../errors.ts';

export class UsageError extends UserError {}

/** A flag whose value is checked by `parse` (which throws an Error saying "must be …"). */
export function flag<T>(flags: string, description: string, parse?: (raw: string) => T): Option {
  const option = new Option(flags, description);
  if (!parse) return option;
  const name = flags.split(/[ ,]/)[0]!;
  return option.argParser((raw: string) => {
    try {
      return parse(raw);
    } catch (err) {
      throw new UsageError(`${name} ${(err as Error).message} (got '${raw}')`);
    }
  });
}

export const parsers = {
  port: (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new Error('must be a port number 0–65535');
    return Number(raw);
  },
  positiveInt: (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error('must be a whole number of at least 1');
    return Number(raw);
  },
  wholeNumber: (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new Error('must be a whole number');
    return Number(raw);
  },
  /** A duration such as 90s, 10m, 7d. */
  duration: (raw: string): number => parseDuration(raw),
  /** A duration, or a plain number of milliseconds (how the older flags were written). */
  durationOrMs: (raw: string): number => {
    if (/^\d+$/.test(raw) && Number(raw) > 0) return Number(raw);
    return parseDuration(raw);
  },
  /** Comma-separated durations or milliseconds, e.g. 250,1000,4000 or 250ms,1s,4s. */
  durationList: (raw: string): number[] => {
    const parts = raw.split(',');
    if (parts.some((p) => !/^\d+(ms|s|m|h|d)?$/.test(p)))
      throw new Error('must be a comma-separated list of milliseconds or durations, e.g. 250,1000,4000 or 250ms,1s,4s');
    return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : parseDuration(p)));
  },
  url: (raw: string): string => {
    if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new Error('must be an http(s) URL such as https://app.example.com/healthz');
    return raw;
  },
  nonEmpty: (raw: string): string => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw;
  },
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (raw: string): T => {
      if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
      return raw as T;
    },
};

/** Commander's own usage errors, as one line that names the input; null for help and version (exit 0). */
export function usageMessage(err: CommanderError, commands: string[]): string | null {
  const text = err.message.replace(/^error: /, '');
  const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(text)?.[1];
  const hint = suggestion ? ` (did you mean ${suggestion}?)` : '';
  switch (err.code) {
    case 'commander.helpDisplayed':
    case 'commander.help':
    case 'commander.version':
      return null;
    case 'commander.unknownOption':
      return `unknown flag ${/'([^']+)'/.exec(text)?.[1] ?? text}${hint}`;
    case 'commander.optionMissingArgument':
      return `${/'(--[a-z-]+)/.exec(text)?.[1] ?? 'a flag'} needs a value`;
    case 'commander.excessArguments':
      return 'unexpected argument (flags start with --)';
    case 'commander.unknownCommand':
      return `unknown command '${/'([^']+)'/.exec(text)?.[1] ?? text}' (commands: ${commands.join(', ')})${hint}`;
    default:
      return text.split('\n')[0]!;
  }
}

/** `--config FILE`, which every command of the harness takes: the project's config file. */
export function configFlag(): Option {
  return flag(
    '--config <FILE>',
    "The project's config file. Default: canary.config.ts (or .mts, .js, .mjs) in the current folder, else the defaults.",
    parsers.nonEmpty,
  );
}
