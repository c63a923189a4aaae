/**
 * `canary.config.ts`: the project's monitoring as code, typed. Every key is optional: what is
 * missing keeps its default (the bundled demo app's adapter and specs, the embedded Stripe
 * emulator). Environment variables and flags win over the file; secrets (the Stripe key, the
 * Slack token, the coordinator's URL) stay in the environment, never in the file.
 */
import type { AppAdapter } from '../app/define-app.ts';

export interface CanaryConfig {
  /** The app under test: an adapter made with `defineApp` (default: the bundled demo app). */
  app?: AppAdapter<any>;
  /** The folder of the monitoring specs (`*.spec.ts`), relative to this file (default: the bundled specs). */
  testDir?: string;
  /** Which specs a run runs (Playwright `--grep` patterns). */
  suites?: {
    /** `canary run` without `--grep` (default `@critical`). */
    default?: string;
    /** Each occurrence of `canary schedule` (default: `suites.default`). */
    schedule?: string;
  };
  /** The bound on a whole run, e.g. "10m" (CANARY_RUN_TIMEOUT). */
  timeout?: string;
  stripe?: {
    /** Another Stripe API (an emulator you run yourself) (STRIPE_API_URL). */
    apiUrl?: string;
    /** Requests per second a bulk job (prune) starts at most (CANARY_STRIPE_RATE). */
    rate?: number;
    /** Requests a bulk job keeps in flight at most (CANARY_STRIPE_CONCURRENCY). */
    concurrency?: number;
  };
  retention?: {
    /** How long a failed test's resources are kept before `canary prune` deletes them, e.g. "7d" (CANARY_RETENTION). */
    failed?: string;
    /** How long the run history keeps a run before the prune task deletes it, e.g. "90d" (CANARY_HISTORY_RETENTION). */
    history?: string;
  };
  alerts?: {
    slack?: {
      /** The channel's id, e.g. "C0123456789" (SLACK_CHANNEL_ID; the token stays in SLACK_BOT_TOKEN). */
      channel?: string;
      /** Another Slack Web API (SLACK_API_URL). */
      apiUrl?: string;
    };
    /** Alert once a check has failed this many runs in a row (CANARY_ALERT_AFTER). */
    alertAfter?: number;
    /** While failing, every this many replies is also broadcast to the channel (CANARY_REMIND_EVERY). */
    remindEvery?: number;
    /** Who scheduled runs mention: a Slack user (U…) or group (S…) id (CANARY_ONCALL). */
    oncall?: string;
    /** Post a note when a test passed only on a retry (`--notify-flaky`). */
    notifyFlaky?: boolean;
    /** Post a note when the run passed (`--notify-on-success`). */
    notifyOnSuccess?: boolean;
  };
  schedule?: {
    /** When to run the suite (`--cron`, default "0 *\/6 * * *"). */
    cron?: string;
    /** When to prune (`--prune-cron`, default "0 3 * * *"). */
    pruneCron?: string;
    /** When to run the API checks (`--checks-cron`, default "*\/5 * * * *"; "off" for none). */
    checksCron?: string;
    /** Serve /healthz and /metrics on this port (`--health-port`). */
    healthPort?: number;
    /** The crons' time zone (`--timezone`, default UTC). */
    timezone?: string;
    /** How long a run in progress may finish after a stop is asked for (`--grace`, default "2m"). */
    grace?: string;
    /** How long a copy's claim on an occurrence holds without renewal (CANARY_COORDINATOR_LEASE). */
    lease?: string;
  };
  reports?: {
    /** Where runs write their reports, relative to this file (CANARY_REPORTS_DIR, default "reports"). */
    dir?: string;
    /** Where the alert policy keeps its state (CANARY_STATE_DIR, default "reports/.state"). */
    stateDir?: string;
    /** Where the reports folder is published, for the alert's links (CANARY_REPORT_URL). */
    url?: string;
  };
}

/** The object keys that merge (one level deep) when several configs are given; the rest are replaced. */
const MERGED = ['suites', 'stripe', 'retention', 'alerts', 'schedule', 'reports'] as const;

/**
 * The project's configuration, typed. Given several (a shared base and this project's changes),
 * later ones win: top-level keys are replaced, the sections in MERGED merge key by key — as
 * Playwright's defineConfig merges `use`.
 */
export function defineConfig(...configs: CanaryConfig[]): CanaryConfig {
  const merged: Record<string, unknown> = {};
  for (const config of configs) {
    for (const [key, value] of Object.entries(config ?? {})) {
      const before = merged[key];
      merged[key] =
        (MERGED as readonly string[]).includes(key) && isPlain(before) && isPlain(value)
          ? { ...before, ...value, ...(key === 'alerts' && isPlain(before.slack) && isPlain(value.slack) && { slack: { ...before.slack, ...value.slack } }) }
          : value;
    }
  }
  return merged as CanaryConfig;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
