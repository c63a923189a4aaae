/**
 * The contract of `summary.json`: what every reader after the run (the CLI's summary, the
 * alert, history, CI) may rely on. The zod schema is the source; `summary.schema.json` beside it
 * is its JSON Schema, generated (`npm run schema:summary`) and checked by a test. Fields are
 * snake_case; `schema_version` changes when a field changes meaning or goes away (fields are only
 * ever added otherwise, so readers must accept fields they do not know: objects are open).
 */
import { z } from 'zod';
import { STAGES } from '../errors.ts';
import { TRIGGERS } from './handoff.ts';
import { shardSchema } from './shard.ts';

export const SCHEMA_VERSION = 2;

export const TEST_OUTCOMES = ['passed', 'failed', 'flaky', 'inconclusive', 'skipped', 'aborted'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

const stage = z.enum(STAGES);

/** Why a failing step failed, as data: written by the step that failed, read by the reporter. */
export const failureRecordSchema = z.strictObject({
  stage,
  /** The journey step's title; null when the error came from outside any step (a fixture). */
  step: z.string().nullable(),
  /** The error's class (`WebhookNotAcknowledged`, `Error`…). */
  error_name: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});
export type FailureRecord = z.infer<typeof failureRecordSchema>;

const cleanupItem = z.object({
  type: z.string(),
  id: z.string(),
  /** deleted, expired, canceled with its customer, kept. */
  action: z.string(),
  /** Where to look at it (Stripe's test-mode dashboard on real Stripe). */
  link: z.string().optional(),
});

/** What cleanup did with a test's resources, over all its attempts (a flaky test's failed attempt keeps its own). */
export const testCleanupSchema = z.object({
  deleted: z.array(cleanupItem),
  kept: z.array(cleanupItem),
  /** Until when prune leaves what was kept (ISO); null when nothing was kept. */
  kept_until: z.iso.datetime().nullable(),
  errors: z.array(z.string()),
});
export type TestCleanup = z.infer<typeof testCleanupSchema>;

export const testSummarySchema = z.object({
  title: z.string(),
  file: z.string(),
  tags: z.array(z.string()),
  /** `running` only in the summary written while the run is still going. */
  outcome: z.enum([...TEST_OUTCOMES, 'running']),
  duration_ms: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  stage: stage.nullable(),
  stage_title: z.string().nullable(),
  failed_step: z.string().nullable(),
  /** The error's first lines, redacted. */
  error: z.string().nullable(),
  /** The facts of the failure for its stage (event ids, what an endpoint answered, codes…), redacted. */
  evidence: z.record(z.string(), z.unknown()).nullable(),
  /** The journey steps running when the summary was written (innermost last). */
  steps_in_progress: z.array(z.string()),
  environment: z.string().nullable(),
  stripe_ids: z.record(z.string(), z.string()),
  /** Where to look at what the test created: Stripe's dashboard for real test mode. */
  links: z.record(z.string(), z.string()),
  artifacts: z.object({ screenshot: z.string().optional(), trace: z.string().optional(), video: z.string().optional() }),
  cleanup: testCleanupSchema,
});
export type TestSummary = z.infer<typeof testSummarySchema>;

export const RUN_OUTCOMES = ['running', 'passed', 'failed', 'flaky', 'inconclusive', 'no-tests', 'aborted'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const runSummarySchema = z.object({
  schema_version: z.literal(SCHEMA_VERSION),
  run_id: z.string(),
  outcome: z.enum(RUN_OUTCOMES),
  trigger: z.enum(TRIGGERS),
  deployer: z.string().nullable(),
  commit: z.string().nullable(),
  /** Which tests ran (`--grep`). */
  grep: z.string().nullable(),
  /**
   * The check this run is, its own streak of alerts and its own history: a browser suite's grep
   * (`@critical`), or an API check (`webhooks`, `reconcile`, `freshness`), or `monitor` (the monitor
   * itself). Absent in summaries written before it existed: the grep is the check.
   */
  check: z.string().optional(),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  duration_ms: z.number().int().nonnegative(),
  /** The bound on the whole run (`--timeout`); 0 when it had none (a plain Playwright run without globalTimeout). */
  timeout_ms: z.number().int().nonnegative(),
  target: z.object({
    stripe: z.enum(['emulator', 'stripe']),
    stripe_api_url: z.string().nullable(),
    app: z.enum(['embedded', 'deployed']),
    app_url: z.string(),
    /** The version the app reported on its health URL at the start; null when unknown. */
    app_version: z.string().nullable().optional(),
    /** The app adapter's name (`demo-app` for the bundled one). */
    app_name: z.string().optional(),
  }),
  counts: z.object(Object.fromEntries(TEST_OUTCOMES.map((o) => [o, z.number().int().nonnegative()])) as Record<TestOutcome, z.ZodNumber>),
  tests: z.array(testSummarySchema),
  /** Errors outside any test (Playwright could not load a spec, a global set-up failed), redacted. */
  errors: z.array(z.string()),
  /**
   * Set when the run was stopped before Playwright finished: by a signal (aborted), by --timeout
   * (failed), or `lost` (aborted): the process running it went away — `canary run` killed, its
   * Playwright child then stopping the run and finishing this summary, or a `canary schedule` copy
   * that vanished mid-run, its occurrence recorded by another copy.
   */
  stopped: z
    .object({
      reason: z.enum(['signal', 'timeout', 'lost']),
      signal: z.string().nullable(),
      after_ms: z.number().int().nonnegative(),
    })
    .nullable(),
  /** The stage of a failure before any test could run (deploy-not-healthy); null otherwise. */
  stage: stage.nullable().optional(),
  /** The post-deploy wait (`--wait-for`): what the deployed app answered; null without one. */
  deploy: z
    .object({
      url: z.string(),
      healthy: z.boolean(),
      waited_ms: z.number().int().nonnegative(),
      attempts: z.number().int().nonnegative(),
      expected_version: z.string().nullable(),
      last_status: z.union([z.number(), z.string()]).nullable(),
      last_version: z.string().nullable(),
      last_body: z.string().nullable(),
    })
    .nullable()
    .optional(),
  /** `--shard i/n`: this summary is one part of a run, to be merged by `canary merge-reports`; null otherwise. */
  shard: shardSchema.nullable().optional(),
  /** A run merged from shards (`canary merge-reports`): each shard's run id, in shard order. */
  shards: z.array(z.string()).optional(),
  /**
   * Where the run's time went, in ms (for `npm run bench`): starting the targets (the emulator and
   * the demo app, when embedded, and the app's version check), Playwright's start (its process
   * start to the first test: config, specs, the worker), the browser's start (the `browser`
   * fixture's set-up, summed over workers), the tests (first test begins to last test ends, less
   * the browser's start), and the report (last test ends to this summary: Playwright's reporters,
   * closing the browser and workers, stopping the targets). Missing parts did not happen.
   */
  timings: z
    .object({
      targets_ms: z.number().int().nonnegative().optional(),
      playwright_start_ms: z.number().int().nonnegative().optional(),
      browser_start_ms: z.number().int().nonnegative().optional(),
      tests_ms: z.number().int().nonnegative().optional(),
      report_ms: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /**
   * The hosted Checkout page the run set on its embedded Stripe emulator (`--checkout-variant`,
   * CANARY_CHECKOUT_VARIANT): what was asked (`random`, a seed, or a name), the variant's name
   * (`plain`, or its parts joined by `+`), its options as the emulator answered them, and the seed
   * it was picked by (null for a variant given by name). Absent when the run chose none.
   */
  checkout_variant: z
    .object({
      requested: z.string(),
      name: z.string(),
      options: z.object({ accordion: z.boolean(), link: z.boolean(), billing_address: z.enum(['auto', 'required']) }),
      seed: z.number().int().nonnegative().nullable(),
    })
    .optional(),
  /** Cleanup over the whole run; its errors never fail a run unless --strict-cleanup. */
  cleanup: z.object({ deleted: z.number().int().nonnegative(), kept: z.number().int().nonnegative(), errors: z.array(z.string()) }),
  links: z.record(z.string(), z.string()),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** The JSON Schema of summary.json, as committed beside this file. */
export function summaryJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(runSummarySchema, { target: 'draft-2020-12' }) as object),
    $id: 'https://github.com/checkout-canary/checkout-canary/summary.schema.json',
    title: 'checkout-canary run summary',
  };
}
