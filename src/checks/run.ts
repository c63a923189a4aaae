/**
 * The API checks as `canary check` and `canary schedule` run them: from the project's settings to
 * the Stripe client, the throttle and the app's adapter each needs, then `runCheck`. Everything a
 * check cannot run without is a UserError before any request (exit 2). The schedule runs those a
 * project can run (`scheduledChecks`) every few minutes, one after the other.
 */
import type { AppApiContext } from '../app/define-app.ts';
import type { Settings } from '../config/project.ts';
import { UserError } from '../errors.ts';
import { openHistory } from '../history/store.ts';
import type { Trigger } from '../runner/handoff.ts';
import { EMULATOR_KEY } from '../runner/targets.ts';
import { assertTestKey, createStripeClient } from '../stripe/client.ts';
import { createThrottle } from '../stripe/throttle.ts';
import { type CheckIo, type CheckResult, type CheckVerdict, runCheck } from './check.ts';
import { checkFreshness, type FreshnessOptions } from './freshness.ts';
import { checkReconcile, type ReconcileOptions } from './reconcile.ts';
import { appEndpointTarget, checkWebhooks, type WebhooksCheckOptions } from './webhooks.ts';

/** Each check's defaults, for the command and the schedule alike. */
export const CHECK_DEFAULTS = {
  webhooks: { timeoutMs: 2 * 60_000, maxAgeMs: 10 * 60_000, windowMs: 3_600_000 },
  reconcile: { timeoutMs: 5 * 60_000, windowMs: 24 * 3_600_000 },
  freshness: { timeoutMs: 60_000, maxAgeMs: 7 * 3_600_000 },
} as const;

export interface CheckCommon {
  trigger: Trigger;
  timeoutMs: number;
}

/** The Stripe a check watches; a UserError when there is none (the embedded emulator lives only inside a run). */
function watchedStripe(s: Settings) {
  const c = s.config;
  assertTestKey(c.STRIPE_SECRET_KEY);
  if (!c.STRIPE_SECRET_KEY && !c.STRIPE_API_URL) {
    throw new UserError('an API check needs a Stripe to watch: set STRIPE_SECRET_KEY (a test-mode key), and STRIPE_API_URL for an emulator you run yourself');
  }
  return {
    stripe: createStripeClient({ secretKey: c.STRIPE_SECRET_KEY ?? EMULATOR_KEY, apiUrl: c.STRIPE_API_URL }),
    apiUrl: c.STRIPE_API_URL,
    throttle: createThrottle({ ratePerSecond: c.CANARY_STRIPE_RATE, concurrency: c.CANARY_STRIPE_CONCURRENCY }),
  };
}

function appContext(s: Settings): AppApiContext {
  return { url: s.appUrl ?? '', variables: s.appVariables.values as AppApiContext['variables'] };
}

export async function runWebhooksCheck(s: Settings, o: WebhooksCheckOptions & CheckCommon, io: CheckIo): Promise<CheckResult> {
  const app = appEndpointTarget(s, o.endpoint);
  const { stripe, apiUrl, throttle } = watchedStripe(s);
  const { eventProcessed } = s.app;
  const ctx = appContext(s);
  return runCheck('webhooks', "webhooks: the app's endpoint keeps up with Stripe's events", s, o, io, () =>
    checkWebhooks(app, o, { stripe, apiUrl, throttle, eventProcessed: eventProcessed && s.appUrl ? (id) => eventProcessed(ctx, id) : undefined }),
  );
}

export async function runReconcileCheck(s: Settings, o: ReconcileOptions & CheckCommon, io: CheckIo): Promise<CheckResult> {
  if (!s.app.readPlan)
    throw new UserError(
      `reconcile reads the app's own record of each account, and the adapter "${s.app.name}" has no readPlan: give it one (see docs/own-app.md)`,
    );
  if (!s.appUrl) throw new UserError(`reconcile reads the app's own record, and the app "${s.app.name}" has no URL: set app.url (or CANARY_APP_URL)`);
  const { stripe, throttle } = watchedStripe(s);
  return runCheck('reconcile', "reconcile: the app's plans agree with Stripe", s, o, io, () =>
    checkReconcile(o, { stripe, throttle, app: s.app, ctx: appContext(s) }),
  );
}

export async function runFreshnessCheck(s: Settings, o: FreshnessOptions & CheckCommon, io: CheckIo): Promise<CheckResult> {
  return runCheck('freshness', `freshness: ${o.check} gives a verdict in time`, s, o, io, async () => {
    const store = await openHistory(s.config, { readOnly: true });
    try {
      return await checkFreshness(store, o);
    } finally {
      await store.close();
    }
  });
}

export type ScheduledCheck = 'webhooks' | 'reconcile';

/**
 * The API checks the schedule runs for this project, and for those it leaves out, why: each needs
 * a Stripe to watch (not the embedded emulator, which lives only inside a run) and the app's URL;
 * reconcile also the adapter's readPlan.
 */
export function scheduledChecks(s: Settings): { checks: ScheduledCheck[]; skipped: string[] } {
  const c = s.config;
  if (!c.STRIPE_SECRET_KEY && !c.STRIPE_API_URL) {
    return { checks: [], skipped: ['no Stripe to watch (runs use the embedded emulator; set STRIPE_SECRET_KEY to a test-mode key)'] };
  }
  if (!s.appUrl) return { checks: [], skipped: [`the app "${s.app.name}" has no URL (set app.url or CANARY_APP_URL)`] };
  if (!s.app.readPlan) return { checks: ['webhooks'], skipped: [`reconcile: the adapter "${s.app.name}" has no readPlan`] };
  return { checks: ['webhooks', 'reconcile'], skipped: [] };
}

/** The bound on one scheduled occurrence of the checks: theirs, one after the other. */
export function scheduledChecksBoundMs(checks: ScheduledCheck[]): number {
  return checks.reduce((sum, name) => sum + CHECK_DEFAULTS[name].timeoutMs, 0);
}

/** One scheduled occurrence: each check in turn, with its defaults, each a run of its own. */
export async function runScheduledChecks(s: Settings, checks: ScheduledCheck[], io: CheckIo): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of checks) {
    if (io.signal?.aborted) break;
    const trigger = 'schedule' as const;
    results.push(
      name === 'webhooks'
        ? await runWebhooksCheck(s, { trigger, ...CHECK_DEFAULTS.webhooks }, io)
        : await runReconcileCheck(s, { trigger, ...CHECK_DEFAULTS.reconcile, allCustomers: false }, io),
    );
  }
  return results;
}

/** The monitor's own incident (a schedule copy that vanished) as a check of its own: summary, history entry, alert. */
export function runMonitorAlert(s: Settings, verdict: CheckVerdict, io: CheckIo): Promise<CheckResult> {
  return runCheck('monitor', verdict.title, s, { trigger: 'schedule', timeoutMs: 60_000 }, io, async () => verdict);
}
