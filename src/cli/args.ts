/**
 * Flag parsing for `canary` subcommands on node's own parseArgs, with help text made from the
 * same table, and errors (unknown flag, bad value) that name the flag. Usage errors exit 2.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec<T> {
  /** e.g. 'N', 'PATH'; omit for a boolean switch. */
  value?: string;
  description: string;
  /** Converts the raw string; throw an Error with a message like "must be …". */
  parse?: (raw: string) => T;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage?: string;
  flags: Record<string, FlagSpec<unknown>>;
}

export function helpText(cmd: CommandSpec): string {
  const rows = Object.entries(cmd.flags).map(([name, f]) => [`--${name}${f.value ? ` ${f.value}` : ''}`, f.description] as const);
  rows.push(['--help', 'Show this help.']);
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `Usage: canary ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ' [flags]'}`,
    '',
    cmd.summary,
    '',
    'Flags:',
    ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`),
  ].join('\n');
}

export type ParsedFlags = Record<string, unknown> & { help?: boolean };

export function parseFlags(cmd: CommandSpec, argv: string[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, f] of Object.entries(cmd.flags)) options[name] = { type: f.value ? 'string' : 'boolean' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'([^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${flag ?? e.message}`);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${flag ?? ''}`.trim());
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = flag?.split(' ')[0] ?? 'a flag';
      throw new UsageError(/argument missing/.test(e.message) ? `${name} needs a value` : `${name} has a bad value: ${e.message}`);
    }
    throw new UsageError(e.message);
  }
  const out: ParsedFlags = { help: values.help === true };
  for (const [name, f] of Object.entries(cmd.flags)) {
    const raw = values[name];
    if (raw === undefined) continue;
    if (typeof raw === 'boolean' || !f.parse) {
      out[name] = raw;
      continue;
    }
    try {
      out[name] = f.parse(raw);
    } catch (err) {
      throw new UsageError(`--${name} ${(err as Error).message} (got '${raw}')`);
    }
  }
  return out;
}

export const parsers = {
  port: (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n > 65535) throw new Error('must be a port number 0–65535');
    return n;
  },
  positiveInt: (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error('must be a whole number of at least 1');
    return Number(raw);
  },
  msList: (raw: string): number[] => {
    if (!/^\d+(,\d+)*$/.test(raw)) throw new Error('must be a comma-separated list of milliseconds, e.g. 250,1000,4000');
    return raw.split(',').map(Number);
  },
  nonEmpty: (raw: string): string => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw;
  },
};
