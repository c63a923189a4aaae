/**
 * Configuration: the environment plus a `.env` file (the environment wins), validated once at
 * start. `VARIABLES` is the one list of every variable: `.env.example` and the README's table
 * are checked against it by a test.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { FAULTS } from '../demo-app/faults.ts';
import { UserError } from '../errors.ts';
import { LOG_LEVELS } from '../log/logger.ts';

export class ConfigError extends UserError {}

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_MESSAGE = 'must be a duration such as 90s, 10m, 7d (units ms, s, m, h, d)';

/** `90s`, `10m`, `7d` (or `250ms`) in milliseconds; throws with the message a flag or variable shows. */
export function parseDuration(raw: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!m || Number(m[1]) === 0) throw new Error(DURATION_MESSAGE);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

/** Milliseconds as the CLI writes durations: the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const port = z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
const positiveInt = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1');
const duration = z.string().transform((raw, ctx) => {
  try {
    return parseDuration(raw);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const stripeKey = z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_test_… or rk_test_…)');
const url = (example: string) => z.url({ error: `must be a URL such as ${example}` });
const msList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of milliseconds, e.g. 250,1000,4000')
  .transform((s) => s.split(',').map(Number));

/** Where relative folders (CANARY_REPORTS_DIR, CANARY_STATE_DIR) are: the project's root. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A folder the command will write into: an existing writable folder, or one that can be made
 * (its nearest existing parent is a writable folder). Checked at start, so a bad one stops the
 * command before it does anything; nothing is created here.
 */
const writableFolder = z
  .string()
  .min(1)
  .superRefine((raw, ctx) => {
    const wanted = path.resolve(PROJECT_ROOT, raw);
    let at = wanted;
    while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
    const problem = !statSync(at).isDirectory()
      ? at === wanted
        ? 'is a file, not a folder'
        : `cannot be created: ${at} is a file`
      : (() => {
          try {
            accessSync(at, constants.W_OK);
            return null;
          } catch {
            return at === wanted ? 'is not writable' : `cannot be created: ${at} is not writable`;
          }
        })();
    if (problem) ctx.addIssue({ code: 'custom', message: `must be a folder canary can write to; ${wanted} ${problem}` });
  });

/** The field schemas, shared with what `canary run` hands its Playwright child (src/runner/handoff.ts). */
export const schemas = { port, positiveInt, duration, stripeKey, url };

interface Variable {
  schema: z.ZodType;
  default?: string;
  description: string;
}

export const VARIABLES = {
  CANARY_LOG_LEVEL: {
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    description: 'How much the harness logs: debug, info, warn, error or silent.',
  },
  CANARY_CHROMIUM: {
    schema: z.string().min(1).optional(),
    description: 'Path to a Chromium to drive. Default: a browser Playwright installed, else /usr/bin/chromium.',
  },
  STRIPE_EMULATOR_HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'Address the Stripe emulator listens on (`canary stripe-emulator --host`).',
  },
  STRIPE_EMULATOR_PORT: {
    schema: port,
    default: '12111',
    description: 'Port of the Stripe emulator (`--port`); 0 picks a free one.',
  },
  STRIPE_EMULATOR_DATA_FILE: {
    schema: z.string().min(1).optional(),
    description: 'File the emulator keeps its state in, so it survives a restart (`--data-file`). Default: memory only.',
  },
  STRIPE_EMULATOR_RATE_LIMIT: {
    schema: positiveInt.optional(),
    description: 'Requests per second per API key before the emulator answers 429 (`--rate-limit`). Default: no limit.',
  },
  STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: {
    schema: msList,
    default: '250,1000,4000',
    description: "Delays before each webhook retry, in ms (`--webhook-retry-delays`): a compressed version of Stripe's schedule.",
  },
  STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: {
    schema: positiveInt,
    default: '5000',
    description: 'How long a webhook endpoint has to answer before the attempt counts as failed (`--webhook-timeout`).',
  },
  STRIPE_SECRET_KEY: {
    schema: stripeKey.optional(),
    description: "Stripe API key. Test-mode keys only; with the emulator any sk_test_… works. Default: the emulator's own key when the emulator is used.",
  },
  STRIPE_API_URL: {
    schema: url('http://127.0.0.1:12111').optional(),
    description: 'Where Stripe API calls go (the emulator), instead of api.stripe.com.',
  },
  STRIPE_WEBHOOK_SECRET: {
    schema: z
      .string()
      .regex(/^whsec_\S+$/, 'must be a webhook signing secret (whsec_…)')
      .optional(),
    description: "The demo app's webhook signing secret. Default: the app registers its endpoint at start and keeps the returned secret.",
  },
  DEMO_APP_URL: {
    schema: url('https://app.example.com').optional(),
    description: 'A deployed demo app for `canary run` to drive (with DEMO_APP_ADMIN_TOKEN). Default: the run starts one.',
  },
  CANARY_REPORTS_DIR: {
    schema: writableFolder,
    default: 'reports',
    description: 'Where `canary run` writes its report folders (reports/<run-id>/, reports/latest).',
  },
  CANARY_FULFILMENT_TIMEOUT_MS: {
    schema: positiveInt,
    default: '15000',
    description: "How long the app may take to turn Stripe's webhook into the Pro plan before the run fails, in ms.",
  },
  CANARY_RUN_TIMEOUT: {
    schema: duration,
    default: '10m',
    description: 'The bound on a whole `canary run` (`--timeout`): past it the run is stopped and fails at stage timeout.',
  },
  CANARY_RETENTION: {
    schema: duration,
    default: '7d',
    description: "How long a failed test's resources are kept for debugging before `canary prune` deletes them (`--older-than`).",
  },
  CANARY_STRIPE_RATE: {
    schema: z.coerce.number({ error: 'must be a number of requests per second' }).positive('must be above 0').max(100, 'must be at most 100'),
    default: '24',
    description: 'Stripe requests per second a bulk job (prune) starts at most; Stripe allows 25 per second in test mode.',
  },
  CANARY_STRIPE_CONCURRENCY: {
    schema: positiveInt,
    default: '8',
    description: 'Stripe requests a bulk job (prune) keeps in flight at most.',
  },
  SLACK_BOT_TOKEN: {
    schema: z
      .string()
      .regex(/^xox[bp]-[A-Za-z0-9-]+$/, 'must be a Slack bot token (xoxb-…)')
      .optional(),
    description:
      'The Slack bot token the notifier posts with (scopes chat:write, files:write, users:read.email). Default: no Slack; the alert is previewed in the report folder.',
  },
  SLACK_CHANNEL_ID: {
    schema: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123456789')
      .optional(),
    description: 'The channel alerts go to (its id, not its name).',
  },
  SLACK_API_URL: {
    schema: url('http://127.0.0.1:12112/api/').optional(),
    description: 'Another Slack Web API (the Slack emulator), passed to the client as slackApiUrl. Default: https://slack.com/api/.',
  },
  CANARY_DEPLOYER: {
    schema: z.string().min(1).optional(),
    description: 'Who deployed, when `--deployer` is not given: a Slack user id, or an email looked up in Slack.',
  },
  CANARY_ONCALL: {
    schema: z.string().min(1).optional(),
    description: 'Who is mentioned on scheduled runs: a Slack user id (U…) or user group id (S…).',
  },
  CANARY_REPORT_URL: {
    schema: url('https://reports.example.com/canary').optional(),
    description: 'Where the reports folder is published; alerts link to <url>/<run-id>/html/index.html and the trace. Default: no report links.',
  },
  CANARY_CI_URL: {
    schema: url('https://ci.example.com/job/123').optional(),
    description: 'The CI job that ran the check, linked from the alert.',
  },
  CANARY_STATE_DIR: {
    schema: writableFolder,
    default: 'reports/.state',
    description: 'Where the alert policy keeps its state between runs (failure streaks, the alert to reply to).',
  },
  CANARY_COORDINATOR_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a PostgreSQL URL such as postgres://canary:secret@db.internal:5432/canary')
      .optional(),
    description:
      "A PostgreSQL database shared by several `canary schedule` copies (exactly one runs each occurrence) and by every machine's run history. Default: a single copy, history in reports/history.sqlite.",
  },
  CANARY_COORDINATOR_LEASE: {
    schema: duration.refine((ms) => ms >= 5_000, 'must be at least 5s'),
    default: '60s',
    description:
      "How long a `canary schedule` copy's claim on an occurrence holds without renewal (renewed every third of it while the run goes): a copy that vanished mid-run is replaced, and its occurrence recorded as aborted, once it lapses.",
  },
  CANARY_ALERT_AFTER: {
    schema: positiveInt,
    default: '1',
    description: 'Alert once a check has failed this many runs in a row.',
  },
  CANARY_REMIND_EVERY: {
    schema: positiveInt,
    default: '4',
    description: "While a check keeps failing, every this many replies in the alert's thread is also broadcast to the channel.",
  },
  CANARY_PRICE_LOOKUP_KEY: {
    schema: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a Stripe lookup_key (letters, digits, _ . -)'),
    default: 'canary_pro_monthly',
    description: "The lookup_key of the paid plan's price, which the specs expect Checkout to charge (the demo app's is canary_pro_monthly).",
  },
  CANARY_HANDOFF: {
    schema: z.string().optional(),
    description: "Set by `canary run` for the Playwright specs it starts (the run's settings as one JSON object); never set it yourself.",
  },
  DEMO_APP_HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'Address the demo app listens on (`canary demo-app --host`).',
  },
  DEMO_APP_PORT: {
    schema: port,
    default: '4000',
    description: 'Port of the demo app (`--port`); 0 picks a free one.',
  },
  DEMO_APP_PUBLIC_URL: {
    schema: url('https://app.example.com').optional(),
    description: "The demo app's own public address, for Checkout's return URLs and the webhook URL. Default http://HOST:PORT.",
  },
  DEMO_APP_DATABASE: {
    schema: z.string().min(1),
    default: '.canary/demo-app.sqlite',
    description: "The demo app's SQLite database file (`:memory:` keeps nothing).",
  },
  DEMO_APP_ADMIN_TOKEN: {
    schema: z.string().min(12, 'must be at least 12 characters').optional(),
    description: "Token guarding the demo app's admin API (environments, faults). Required by `canary demo-app`.",
  },
  DEMO_APP_VERSION: {
    schema: z.string().min(1),
    default: 'dev',
    description: 'The deployed version the demo app reports on /healthz.',
  },
  DEMO_APP_FAULT: {
    schema: z
      .enum([...(Object.keys(FAULTS) as [keyof typeof FAULTS, ...(keyof typeof FAULTS)[]]), 'none'], {
        error: `must be one of ${Object.keys(FAULTS).join(', ')} or none`,
      })
      .optional(),
    description: `A bad deploy to reproduce: ${Object.keys(FAULTS).join(', ')} (or none).`,
  },
} satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;
export type Config = { [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

/** Reads `.env` (if present) under the environment, then validates every variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Config {
  let fromFile: Record<string, string> = {};
  if (existsSync(envFile)) {
    try {
      fromFile = parseDotenv(readFileSync(envFile));
    } catch (err) {
      throw new ConfigError(`${envFile} could not be read: ${(err as Error).message}`);
    }
  }
  const merged: Record<string, string | undefined> = { ...fromFile, ...env };
  const config: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(VARIABLES) as [VariableName, Variable][]) {
    const raw = merged[name] === '' ? undefined : (merged[name] ?? v.default);
    const result = v.schema.safeParse(raw);
    if (!result.success) {
      const shown = raw === undefined ? 'nothing' : `'${raw}'`;
      throw new ConfigError(`${name} ${result.error.issues[0]!.message} (got ${shown}); see .env.example`);
    }
    config[name] = result.data;
  }
  return config as Config;
}
