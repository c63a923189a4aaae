/**
 * The harness's settings for one command: the project (the config file's folder, else the
 * current one) and everything a run needs, from defaults < the config file < `.env` < the
 * environment (flags win over all, in the command). Everything a run writes resolves against
 * the project, never against the package. Every problem is collected and reported at once.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { appSchema } from './app-schema.ts';
import type { AppAdapter, AppVariables } from '../app/define-app.ts';
import { registerSecret } from '../log/redact.ts';
import { BUNDLED_TESTS, bundledApp } from './bundled.ts';
import { checkConfig, checkConfigFlag, findConfigFile, importConfig, type ConfigFile, type ModuleImporter } from './config-file.ts';
import { describeIssue } from './issues.ts';
import { harnessVariables, type Config } from './programs/harness.ts';
import { url as urlSchema, writableFolderProblem } from './schemas.ts';
import { ConfigProblems, parseVariables, rawValues, readEnvFile, type VariableTable } from './variables.ts';

export interface Project {
  /** Where everything a run writes resolves: the config file's folder, else the current one. */
  root: string;
  configFile: string | null;
}

export interface Settings {
  project: Project;
  /** Every harness variable, parsed; CANARY_REPORTS_DIR and CANARY_STATE_DIR absolute. */
  config: Config;
  app: AppAdapter;
  /** The adapter's variables: the raw strings (handed to Playwright's processes) and their parsed values. */
  appVariables: { raw: Record<string, string>; values: Record<string, unknown> };
  /** The app's URL (CANARY_APP_URL, else the adapter's); null when only its `start` can give one. */
  appUrl: string | null;
  priceLookupKey: string;
  fulfilmentMs: number;
  /** The monitoring specs' folder (absolute). */
  testDir: string;
  suites: { default: string; schedule: string };
  schedule: ConfigFile['schedule'];
  alerts: ConfigFile['alerts'];
}

import { DEFAULT_GREP } from './defaults.ts';

export { DEFAULT_GREP };
const DEFAULT_FULFILMENT_MS = 15_000;

export interface LoadOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--config FILE`, as given. */
  configFlag?: string;
  /** How a TypeScript config is imported (tsx in the `canary` command; Playwright's own loader in its processes). */
  importer: ModuleImporter;
}

/** Where the project is, and its config file if it has one. */
export function findProject(cwd: string, configFlag?: string): Project {
  const configFile = configFlag ? checkConfigFlag(configFlag, cwd) : findConfigFile(cwd);
  return { root: configFile ? path.dirname(configFile) : cwd, configFile };
}

/** The adapter's variables as a table the variables' loader reads (a variable without a schema takes any string). */
function variableTable(variables: AppVariables | undefined): VariableTable {
  const table: VariableTable = {};
  for (const [name, v] of Object.entries(variables ?? {})) {
    table[name] = { schema: v.schema ?? z.string().optional(), default: v.default, description: v.description, secret: v.secret };
  }
  return table;
}

/** The app's adapter variables from raw strings (the environment, or a run's hand-off): parsed values, or the problems. */
export function parseAppVariables(app: AppAdapter, raw: Record<string, string | undefined>): { values: Record<string, unknown>; problems: string[] } {
  const { values, problems } = parseVariables(variableTable(app.variables), raw);
  for (const [name, v] of Object.entries(app.variables ?? {})) if (v.secret && typeof raw[name] === 'string') registerSecret(raw[name]);
  return { values, problems };
}

/** The adapter's URL from the variables (a function of them, or a string). */
export function adapterUrl(app: AppAdapter, values: Record<string, unknown>): string | undefined {
  return typeof app.url === 'function' ? app.url(values as never) : app.url;
}

export async function loadProject(
  project: Project,
  env: NodeJS.ProcessEnv,
  importer: ModuleImporter,
  options: { checkFolders?: boolean } = {},
): Promise<Settings> {
  const file = project.configFile ? checkConfig(await importConfig(project.configFile, importer), project.configFile) : null;
  const app = file?.app ?? (await bundledApp());
  // The file's adapter was checked with the file; the bundled one is checked the same way.
  const checkedApp = appSchema.parse(app);
  const raw = rawValues(env, readEnvFile(path.join(project.root, '.env')));
  const { values, problems } = parseVariables(harnessVariables, raw, file?.variables);
  for (const name of ['CANARY_REPORTS_DIR', 'CANARY_STATE_DIR'] as const) {
    if (typeof values[name] !== 'string') continue;
    const wanted = path.resolve(project.root, values[name]);
    const problem = options.checkFolders === false ? null : writableFolderProblem(wanted);
    const source = raw[name] !== undefined || !file ? name : name === 'CANARY_REPORTS_DIR' ? 'reports.dir' : 'reports.stateDir';
    if (problem) problems.push(`${source} must be a folder canary can write to; ${problem} (got '${values[name]}')`);
    values[name] = wanted;
  }
  for (const secret of Object.keys(harnessVariables) as (keyof typeof harnessVariables)[]) {
    const v = harnessVariables[secret] as { secret?: boolean };
    if (v.secret && typeof values[secret] === 'string') registerSecret(values[secret] as string);
  }
  const appVariables = parseAppVariables(app, raw);
  problems.push(...appVariables.problems);
  let appUrl: string | null = values.CANARY_APP_URL ?? null;
  if (!appUrl && appVariables.problems.length === 0) {
    try {
      const given = adapterUrl(app, appVariables.values);
      if (given !== undefined) {
        const checked = urlSchema('https://app.example.com').safeParse(given);
        if (checked.success) appUrl = checked.data;
        else problems.push(...describeIssue(checked.error.issues[0]!, given, urlSchema('x')).map((p) => `app.url${p.startsWith(':') ? '' : ': '}${p}`));
      }
    } catch (err) {
      problems.push(`app.url: the adapter's url function threw: ${(err as Error).message}`);
    }
  }
  let testDir = BUNDLED_TESTS;
  if (file?.testDir) {
    testDir = path.resolve(project.root, file.testDir);
    if (!existsSync(testDir) || !statSync(testDir).isDirectory()) problems.push(`testDir: ${testDir} is not a folder (got '${file.testDir}')`);
  }
  if (problems.length > 0) throw new ConfigProblems(problems, project.configFile ? path.basename(project.configFile) : undefined);
  const suiteDefault = file?.suites.default ?? DEFAULT_GREP;
  return {
    project,
    config: values,
    app,
    appVariables: {
      raw: Object.fromEntries(Object.keys(app.variables ?? {}).flatMap((k) => (raw[k] === undefined ? [] : [[k, raw[k]!]]))),
      values: appVariables.values,
    },
    appUrl,
    priceLookupKey: values.CANARY_PRICE_LOOKUP_KEY ?? checkedApp.priceLookupKey,
    fulfilmentMs: values.CANARY_FULFILMENT_TIMEOUT_MS ?? checkedApp.fulfilmentTimeout ?? DEFAULT_FULFILMENT_MS,
    testDir,
    suites: { default: suiteDefault, schedule: file?.suites.schedule ?? suiteDefault },
    schedule: file?.schedule ?? {},
    alerts: file?.alerts ?? {},
  };
}

/** The settings of the project the command runs in: `--config FILE`, else a config file in `cwd`, else the defaults. */
export async function loadSettings(o: LoadOptions): Promise<Settings> {
  return loadProject(findProject(o.cwd, o.configFlag), o.env, o.importer);
}

/** The adapter of a config file (or the bundled demo app's), as Playwright's processes load it for a run. */
export async function loadAdapter(configFile: string | null, importer: ModuleImporter): Promise<AppAdapter> {
  const file = configFile ? checkConfig(await importConfig(configFile, importer), configFile) : null;
  return file?.app ?? (await bundledApp());
}
