/**
 * The harness's variables: `canary run`, `schedule`, `prune`, `merge-reports`, `history` and
 * `notify`. Most have a config-file twin (config-file.ts); a set variable wins over the file.
 */
import { z } from 'zod';
import { checkoutVariantSchema } from '../checkout-variant.ts';
import * as s from '../schemas.ts';
import type { Values, VariableTable } from '../variables.ts';
import { commonVariables, emulatorWebhookVariables, stripeTargetVariables } from './common.ts';

export const harnessVariables = {
  ...commonVariables,
  CANARY_CHROMIUM: {
    schema: z.string().min(1).optional(),
    description: 'Path to a Chromium to drive. Default: a browser Playwright installed, else /usr/bin/chromium.',
  },
  ...stripeTargetVariables,
  CANARY_APP_URL: {
    schema: s.url('https://app.example.com').optional(),
    description:
      "The deployed app to drive, over the adapter's `url` (`app.url` in canary.config.ts). Default: the adapter's url, or the app its `start` starts.",
  },
  CANARY_PRICE_LOOKUP_KEY: {
    schema: s.lookupKey.optional(),
    description:
      "The lookup_key of the paid plan's price, which the specs expect Checkout to charge, over the adapter's `priceLookupKey` (the demo app's is canary_pro_monthly).",
  },
  CANARY_REPORTS_DIR: {
    schema: s.folder,
    default: 'reports',
    description:
      "Where `canary run` writes its report folders (reports/<run-id>/, reports/latest), relative to the project (the config file's folder, else the current one).",
  },
  CANARY_FULFILMENT_TIMEOUT_MS: {
    schema: s.positiveInt.optional(),
    description:
      "How long the app may take to turn Stripe's webhook into the paid plan before the run fails, in ms (the adapter's `fulfilmentTimeout`, default 15000).",
  },
  CANARY_RUN_TIMEOUT: {
    schema: s.duration,
    default: '10m',
    description: 'The bound on a whole `canary run` (`--timeout`): past it the run is stopped and fails at stage timeout.',
  },
  CANARY_CHECKOUT_VARIANT: {
    schema: checkoutVariantSchema,
    description:
      'Which hosted Checkout page the embedded Stripe emulator shows for the run (`--checkout-variant`): random (a seed from the run, printed), a seed, or a variant by name (plain, or accordion, link, billing-address joined by +). Refused against a Stripe the run did not start. Default: the plain page.',
  },
  CANARY_RETENTION: {
    schema: s.duration,
    default: '7d',
    description: "How long a failed test's resources are kept for debugging before `canary prune` deletes them (`--older-than`).",
  },
  CANARY_HISTORY_RETENTION: {
    schema: s.duration,
    default: '90d',
    description: "How long the run history keeps a run before the prune task deletes it (`canary prune`, and `canary schedule`'s prune).",
  },
  CANARY_STRIPE_RATE: {
    schema: z.coerce.number({ error: 'must be a number of requests per second' }).positive('must be above 0').max(100, 'must be at most 100'),
    default: '24',
    description: 'Stripe requests per second a bulk job (prune) starts at most; Stripe allows 25 per second in test mode.',
  },
  CANARY_STRIPE_CONCURRENCY: {
    schema: s.positiveInt,
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
    secret: true,
  },
  SLACK_CHANNEL_ID: {
    schema: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123456789')
      .optional(),
    description: 'The channel alerts go to (its id, not its name).',
  },
  SLACK_API_URL: {
    schema: s.url('http://127.0.0.1:12112/api/').optional(),
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
    schema: s.url('https://reports.example.com/canary').optional(),
    description: 'Where the reports folder is published; alerts link to <url>/<run-id>/html/index.html and the trace. Default: no report links.',
  },
  CANARY_CI_URL: {
    schema: s.url('https://ci.example.com/job/123').optional(),
    description: 'The CI job that ran the check, linked from the alert.',
  },
  CANARY_STATE_DIR: {
    schema: s.folder,
    default: 'reports/.state',
    description: 'Where the alert policy keeps its state between runs (failure streaks, the alert to reply to), relative to the project.',
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
    schema: s.duration.refine((ms) => ms >= 5_000, 'must be at least 5s'),
    default: '60s',
    description:
      "How long a `canary schedule` copy's claim on an occurrence holds without renewal (renewed every third of it while the run goes): a copy that vanished mid-run is replaced, and its occurrence recorded as aborted, once it lapses.",
  },
  CANARY_ALERT_AFTER: {
    schema: s.positiveInt,
    default: '1',
    description: 'Alert once a check has failed this many runs in a row.',
  },
  CANARY_REMIND_EVERY: {
    schema: s.positiveInt,
    default: '4',
    description: "While a check keeps failing, every this many replies in the alert's thread is also broadcast to the channel.",
  },
  CANARY_RUN_ID: {
    schema: s.runId.optional(),
    description:
      "Set by the summary reporter (checkout-canary/reporter) of a plain `npx playwright test`, so that its workers label what they make with the run's id; never set it yourself.",
    internal: true,
  },
  CANARY_HANDOFF: {
    schema: z.string().optional(),
    description: "Set by `canary run` for the Playwright specs it starts (the run's settings as one JSON object); never set it yourself.",
    internal: true,
  },
  ...emulatorWebhookVariables,
} satisfies VariableTable;

export type HarnessVariableName = keyof typeof harnessVariables;
/** The harness's configuration: every variable, parsed; folders absolute (resolved against the project). */
export type Config = Values<typeof harnessVariables>;
