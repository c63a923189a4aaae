/**
 * Finding, loading and checking `canary.config.ts` (or .mts, .js, .mjs). Every problem in the
 * file is collected and reported at once, each with its path in the file (`alerts.alertAfter:
 * must be at least 1 (got 0)`), before anything else happens. A leaf that has a variable is
 * checked by that variable's own schema, so the file and the environment accept the same values.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import cron from 'node-cron';
import { z } from 'zod';
import { appSchema } from './app-schema.ts';
import type { AppAdapter } from '../app/define-app.ts';
import type { CanaryConfig } from './define-config.ts';
import { harnessVariables, type Config, type HarnessVariableName } from './programs/harness.ts';
import * as s from './schemas.ts';
import { describeIssue } from './issues.ts';
import { ConfigProblems } from './variables.ts';

export const CONFIG_FILE_NAMES = ['canary.config.ts', 'canary.config.mts', 'canary.config.js', 'canary.config.mjs'] as const;

/** A leaf of the file that has a variable: the value's JavaScript type first, then the variable's own schema. */
const leaf = (name: HarnessVariableName, type: 'string' | 'number') => {
  const schema = harnessVariables[name].schema as z.ZodType<unknown, any>;
  return (type === 'number' ? z.number().pipe(schema) : z.string().pipe(schema)).optional();
};

const cronExpression = z
  .string()
  .refine((e) => cron.validate(e), 'must be a cron expression such as "0 */6 * * *"')
  .optional();
const timezone = z
  .string()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as UTC or Europe/Paris')
  .optional();
const grep = z.string().min(1, 'must be a --grep pattern such as @critical').optional();

export const configFileSchema = z.strictObject({
  app: appSchema.optional(),
  testDir: z.string().min(1, 'must be a folder').optional(),
  suites: z.strictObject({ default: grep, schedule: grep }).optional(),
  timeout: leaf('CANARY_RUN_TIMEOUT', 'string'),
  stripe: z
    .strictObject({
      apiUrl: leaf('STRIPE_API_URL', 'string'),
      rate: leaf('CANARY_STRIPE_RATE', 'number'),
      concurrency: leaf('CANARY_STRIPE_CONCURRENCY', 'number'),
    })
    .optional(),
  retention: z.strictObject({ failed: leaf('CANARY_RETENTION', 'string'), history: leaf('CANARY_HISTORY_RETENTION', 'string') }).optional(),
  alerts: z
    .strictObject({
      slack: z.strictObject({ channel: leaf('SLACK_CHANNEL_ID', 'string'), apiUrl: leaf('SLACK_API_URL', 'string') }).optional(),
      alertAfter: leaf('CANARY_ALERT_AFTER', 'number'),
      remindEvery: leaf('CANARY_REMIND_EVERY', 'number'),
      oncall: leaf('CANARY_ONCALL', 'string'),
      notifyFlaky: z.boolean().optional(),
      notifyOnSuccess: z.boolean().optional(),
    })
    .optional(),
  schedule: z
    .strictObject({
      cron: cronExpression,
      pruneCron: cronExpression,
      checksCron: z.union([z.literal('off'), cronExpression.unwrap()]).optional(),
      healthPort: z.number().int().min(0).max(65535).optional(),
      timezone,
      grace: z.string().pipe(s.duration).optional(),
      lease: leaf('CANARY_COORDINATOR_LEASE', 'string'),
    })
    .optional(),
  reports: z
    .strictObject({
      dir: leaf('CANARY_REPORTS_DIR', 'string'),
      stateDir: leaf('CANARY_STATE_DIR', 'string'),
      url: leaf('CANARY_REPORT_URL', 'string'),
    })
    .optional(),
});

type ParsedFile = z.output<typeof configFileSchema>;

/** Which variable each leaf of the file stands for (the variable, when set, wins). */
const FILE_VARIABLES: [string[], HarnessVariableName][] = [
  [['timeout'], 'CANARY_RUN_TIMEOUT'],
  [['stripe', 'apiUrl'], 'STRIPE_API_URL'],
  [['stripe', 'rate'], 'CANARY_STRIPE_RATE'],
  [['stripe', 'concurrency'], 'CANARY_STRIPE_CONCURRENCY'],
  [['retention', 'failed'], 'CANARY_RETENTION'],
  [['retention', 'history'], 'CANARY_HISTORY_RETENTION'],
  [['alerts', 'slack', 'channel'], 'SLACK_CHANNEL_ID'],
  [['alerts', 'slack', 'apiUrl'], 'SLACK_API_URL'],
  [['alerts', 'alertAfter'], 'CANARY_ALERT_AFTER'],
  [['alerts', 'remindEvery'], 'CANARY_REMIND_EVERY'],
  [['alerts', 'oncall'], 'CANARY_ONCALL'],
  [['schedule', 'lease'], 'CANARY_COORDINATOR_LEASE'],
  [['reports', 'dir'], 'CANARY_REPORTS_DIR'],
  [['reports', 'stateDir'], 'CANARY_STATE_DIR'],
  [['reports', 'url'], 'CANARY_REPORT_URL'],
];

/** Secrets someone may try to put in the file, and the variable that holds each instead. */
const SECRETS_ELSEWHERE: Record<string, string> = {
  'stripe.secretKey': 'STRIPE_SECRET_KEY',
  'stripe.key': 'STRIPE_SECRET_KEY',
  'alerts.slack.token': 'SLACK_BOT_TOKEN',
  'alerts.slack.botToken': 'SLACK_BOT_TOKEN',
  'schedule.coordinatorUrl': 'CANARY_COORDINATOR_URL',
  'schedule.database': 'CANARY_COORDINATOR_URL',
};

/** What the file says, checked: the adapter and the settings that have no variable, and the variables' values. */
export interface ConfigFile {
  file: string;
  app?: AppAdapter;
  testDir?: string;
  suites: { default?: string; schedule?: string };
  schedule: { cron?: string; pruneCron?: string; checksCron?: string; healthPort?: number; timezone?: string; graceMs?: number };
  alerts: { notifyFlaky?: boolean; notifyOnSuccess?: boolean };
  /** The values of the variables the file sets (parsed as the variables are). */
  variables: Partial<Config>;
}

/** The config file in `dir`, or null; two of them is a problem (which one is meant?). */
export function findConfigFile(dir: string): string | null {
  const found = CONFIG_FILE_NAMES.map((n) => path.join(dir, n)).filter((f) => existsSync(f));
  if (found.length > 1) throw new ConfigProblems([`${dir} has ${found.map((f) => path.basename(f)).join(' and ')}: keep one, or name it with --config FILE`]);
  return found[0] ?? null;
}

/** `--config FILE` as given: it must exist and be a readable file. */
export function checkConfigFlag(given: string, cwd: string): string {
  const file = path.resolve(cwd, given);
  if (!existsSync(file)) throw new ConfigProblems([`--config ${given}: no such file`]);
  if (!statSync(file).isFile()) throw new ConfigProblems([`--config ${given}: is a folder, not a config file`]);
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigProblems([`--config ${given}: cannot be read (permission denied)`]);
  }
  return file;
}

/** How a config module is imported: the `canary` command compiles TypeScript with tsx; Playwright's processes load it themselves. */
export type ModuleImporter = (file: string) => Promise<Record<string, unknown>>;

export const importPlain: ModuleImporter = (file) => import(pathToFileURL(file).href);

/** Imports the file: TypeScript through tsx's scoped loader (the harness itself is never compiled at run time). */
export const importWithTsx: ModuleImporter = async (file) => {
  if (!/\.m?ts$/.test(file)) return importPlain(file);
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
};

/** The file's default export; a syntax error or a throw while loading is one problem naming the file. */
export async function importConfig(file: string, importer: ModuleImporter): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = await importer(file);
  } catch (err) {
    const message = String((err as Error)?.message ?? err)
      .replace(/^Transform failed with \d+ errors?:\s*/, '')
      .split('\n')
      .filter(Boolean)
      .slice(0, 3)
      .join(' ');
    throw new ConfigProblems([`could not be loaded: ${message}`], path.basename(file));
  }
  const value = mod.default;
  if (value === undefined)
    throw new ConfigProblems(['has no default export: end it with `export default defineConfig({ ... })` (from checkout-canary)'], path.basename(file));
  return value;
}

function at(value: unknown, keys: string[]): unknown {
  let v = value;
  for (const k of keys) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Checks what the file exports: every problem at once, each with its path, or the settings it gives. */
export function checkConfig(value: unknown, file: string): ConfigFile {
  const result = configFileSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, value, configFileSchema, SECRETS_ELSEWHERE));
    throw new ConfigProblems([...new Set(problems)], path.basename(file));
  }
  const parsed: ParsedFile = result.data;
  const variables: Record<string, unknown> = {};
  for (const [keys, name] of FILE_VARIABLES) {
    const v = at(parsed, keys);
    if (v !== undefined) variables[name] = v;
  }
  return {
    file,
    // The adapter as the file made it (its methods called on it), not zod's parsed copy.
    app: (value as { app?: AppAdapter }).app,
    testDir: parsed.testDir,
    suites: parsed.suites ?? {},
    schedule: {
      cron: parsed.schedule?.cron,
      pruneCron: parsed.schedule?.pruneCron,
      checksCron: parsed.schedule?.checksCron,
      healthPort: parsed.schedule?.healthPort,
      timezone: parsed.schedule?.timezone,
      graceMs: parsed.schedule?.grace,
    },
    alerts: { notifyFlaky: parsed.alerts?.notifyFlaky, notifyOnSuccess: parsed.alerts?.notifyOnSuccess },
    variables: variables as Partial<Config>,
  };
}

export type { CanaryConfig };
