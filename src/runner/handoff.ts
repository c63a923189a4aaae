/**
 * The one hand-off from `canary run` to the Playwright child it starts: everything the specs,
 * the fixtures and the summary reporter need, as one object validated with the schemas of
 * src/config, serialised once into CANARY_HANDOFF and parsed once on the other side. The run id
 * is made here, by the runner.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import * as schemas from '../config/schemas.ts';
import { shardSchema } from './shard.ts';

export const HANDOFF_VARIABLE = 'CANARY_HANDOFF';

export const TRIGGERS = ['manual', 'post-deploy', 'schedule'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const RUN_ID_PATTERN = schemas.RUN_ID_PATTERN;

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `canary_${stamp}_${randomBytes(4).toString('hex')}`;
}

const handoffSchema = z.strictObject({
  run_id: schemas.runId,
  trigger: z.enum(TRIGGERS),
  deployer: z.string().nullable(),
  commit: z.string().nullable(),
  grep: z.string().min(1),
  started_at: z.iso.datetime(),
  /** The folder of this run's reports (reports/<run-id>). */
  report_dir: z.string().min(1),
  /** `--shard i/n`: this run is one part of the suite (a blob report is kept for merge-reports). */
  shard: shardSchema.nullable(),
  headed: z.boolean(),
  /** The bound on the whole run (`--timeout`), in ms. */
  timeout_ms: schemas.positiveInt,
  fulfilment_timeout_ms: schemas.positiveInt,
  /** How long a failed test's resources are kept (CANARY_RETENTION), in ms. */
  retention_ms: schemas.positiveInt,
  price_lookup_key: z.string().min(1),
  /** The project's config file (absolute), whose adapter the specs load; null: the bundled demo app's. */
  config_file: z.string().min(1).nullable(),
  /** The project's folder (absolute): the config file's, else where `canary run` ran. */
  project_dir: z.string().min(1),
  /** The monitoring specs' folder (absolute). */
  test_dir: z.string().min(1),
  stripe: z.strictObject({
    secret_key: schemas.stripeKey,
    /** The emulator's address; null for api.stripe.com. */
    api_url: schemas.url('http://127.0.0.1:12111').nullable(),
    kind: z.enum(['emulator', 'stripe']),
  }),
  app: z.strictObject({
    /** The adapter's name. */
    name: z.string().min(1),
    url: schemas.url('https://app.example.com'),
    /** `embedded`: started for this run by the adapter's `start`; `deployed`: at its URL. */
    kind: z.enum(['embedded', 'deployed']),
    /** What the app reported on its health URL when the run started; null when it could not say. */
    version: z.string().nullable(),
    /** The adapter's variables, raw (from the environment, or what its `start` gave). */
    variables: z.record(z.string(), z.string()),
  }),
  /** The hosted Checkout page the run set on its embedded emulator (`--checkout-variant`); null: none chosen. */
  checkout_variant: z
    .strictObject({
      requested: z.string(),
      name: z.string(),
      options: z.strictObject({ accordion: z.boolean(), link: z.boolean(), billing_address: z.enum(['auto', 'required']) }),
      seed: z.number().int().nonnegative().nullable(),
    })
    .nullable()
    .optional(),
  /** Configured secret values of any format, for the child's redaction. */
  secrets: z.array(z.string()),
  /**
   * The child's file descriptor of the lifeline (src/runner/processes.ts): a pipe from
   * `canary run` that closes when it dies, so the child stops instead of running on as an orphan.
   */
  lifeline_fd: z.number().int().min(3).nullable().optional(),
});

export type Handoff = z.infer<typeof handoffSchema>;

/** The environment variable that carries `handoff`, validated before it leaves. */
export function handoffEnv(handoff: Handoff): Record<string, string> {
  return { [HANDOFF_VARIABLE]: JSON.stringify(handoffSchema.parse(handoff)) };
}

/** The hand-off of the run this process belongs to; a clear error when it is missing or bad. */
export function readHandoff(env: NodeJS.ProcessEnv = process.env): Handoff {
  const raw = env[HANDOFF_VARIABLE];
  if (!raw) throw new UserError(`${HANDOFF_VARIABLE} is not set: run the specs through \`canary run\`, which sets it.`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new UserError(`${HANDOFF_VARIABLE} is not JSON (${(err as Error).message}): run the specs through \`canary run\`.`);
  }
  const result = handoffSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UserError(`${HANDOFF_VARIABLE}.${issue.path.join('.')} ${issue.message}: run the specs through \`canary run\`.`);
  }
  return result.data;
}

/** The hand-off when present (Playwright's config is also loaded by tools that are not a run). */
export function handoffIfPresent(env: NodeJS.ProcessEnv = process.env): Handoff | null {
  return env[HANDOFF_VARIABLE] ? readHandoff(env) : null;
}
