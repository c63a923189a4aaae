/**
 * Configuration variables: each program (the harness, the Stripe emulator, the demo app, the
 * Slack emulator) has its own table (programs/), so a command validates only what it uses. Values
 * come from the environment, then the project's `.env` (the environment wins), then — for the
 * harness — the config file, then the table's default. Every problem is collected, so one run of
 * a command names them all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { UserError } from '../errors.ts';

export interface Variable {
  schema: z.ZodType;
  /** Applies when neither the environment nor (for the harness) the config file sets it. */
  default?: string;
  description: string;
  /** Its value is registered for redaction wherever it could be printed. */
  secret?: boolean;
  /** Set by canary itself for its own processes: never by a user (left out of a scaffold's .env.example). */
  internal?: boolean;
}

export type VariableTable = Record<string, Variable>;
export type Values<T extends VariableTable> = { [K in keyof T]: z.output<T[K]['schema']> };

/** Several problems with what the user gave, reported together: one line each, exit 2. */
export class ConfigProblems extends UserError {
  readonly problems: string[];

  constructor(problems: string[], where?: string) {
    super(
      problems.length === 1
        ? `${where ? `${where}: ` : ''}${problems[0]}`
        : `${where ? `${where} has` : 'there are'} ${problems.length} configuration problems:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** The variables of a `.env` file, or none when it does not exist. */
export function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  try {
    return parseDotenv(readFileSync(file));
  } catch (err) {
    throw new ConfigProblems([`${file} could not be read: ${(err as Error).message}`]);
  }
}

/** The raw values of a table: the environment over the `.env` file, empty strings counting as unset. */
export function rawValues(env: NodeJS.ProcessEnv, envFile: Record<string, string>): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...envFile, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === '') merged[k] = undefined;
  return merged;
}

/**
 * Validates every variable of `table`: the raw value when set, else what `fallback` (the config
 * file) gives, else the default. Problems name the variable and the value, one line each.
 */
export function parseVariables<T extends VariableTable>(
  table: T,
  raw: Record<string, string | undefined>,
  fallback: Partial<Record<keyof T, unknown>> = {},
): { values: Values<T>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(table)) {
    const given = raw[name];
    if (given === undefined && fallback[name] !== undefined) {
      values[name] = fallback[name];
      continue;
    }
    const value = given ?? v.default;
    const result = v.schema.safeParse(value);
    if (result.success) values[name] = result.data;
    else problems.push(`${name} ${result.error.issues[0]!.message} (got ${value === undefined ? 'nothing' : `'${value}'`}); see .env.example`);
  }
  return { values: values as Values<T>, problems };
}

/** A program's variables, or ConfigProblems naming every bad one. */
export function loadVariables<T extends VariableTable>(table: T, env: NodeJS.ProcessEnv, envFile: string): Values<T> {
  const { values, problems } = parseVariables(table, rawValues(env, readEnvFile(envFile)));
  if (problems.length > 0) throw new ConfigProblems(problems);
  return values;
}
