/**
 * `canary prune`: removes what the harness left behind once it is older than the retention —
 * Stripe customers labelled `metadata[canary_run_id]` (deleting a customer cancels its
 * subscriptions at once), webhook endpoints an embedded demo app registered with a run's id and
 * left behind (a killed run), and the app's tenants labelled with a run id (through its adapter's
 * `tenant.list` and `tenant.delete`; reported as environments), and the test clocks of the
 * billing lifecycle specs (named after their run; deleting one deletes its customers). Age is what
 * Stripe or the app recorded (`created`), against the time each of them says it is now (their
 * `Date` header). Nothing without the harness's label is touched, whatever its age. Listing uses
 * what is consistent right after a write (`customers.list` with `created[lt]`), never search.
 * Every Stripe call goes through one throttle; a resource already gone counts as done, so an
 * interrupted prune is finished by running it again.
 */
import Stripe from 'stripe';
import type { AppApiContext } from '../app/define-app.ts';
import type { Settings } from '../config/project.ts';
import { UserError } from '../errors.ts';
import type { HistoryPruneReport } from '../history/prune.ts';
import { redact } from '../log/redact.ts';
import { assertTestKey, createStripeClient } from '../stripe/client.ts';
import { runIdOfTestClock } from '../stripe/renewals.ts';
import { createThrottle, SKIPPED, type Throttle } from '../stripe/throttle.ts';

export const RUN_LABEL = 'canary_run_id';

export type PrunableType = 'customer' | 'webhook_endpoint' | 'test_clock' | 'environment';

export interface Prunable {
  type: PrunableType;
  id: string;
  /** Unix seconds, as Stripe or the app recorded it. */
  created: number;
  run_id: string;
  /** `failed` when a failed test kept and marked it. */
  outcome: string | null;
}

export interface PruneOptions {
  olderThanMs: number;
  dryRun: boolean;
  /** Stop after this many deletions. */
  max?: number;
  ratePerSecond: number;
  concurrency: number;
  /** Stops taking new deletions (SIGINT/SIGTERM); those in flight finish. */
  signal?: AbortSignal;
  /** A progress line, about once a second while deleting. */
  progress?: (line: string) => void;
}

export interface PruneReport {
  dry_run: boolean;
  older_than_ms: number;
  /** The cut-offs: Stripe's and the app's now, less the retention (ISO). */
  cutoff: { stripe: string; app: string | null };
  found: Record<PrunableType, number>;
  deleted: Record<PrunableType, number>;
  failed: Record<PrunableType, number>;
  /** What was found (every item in a dry run). */
  items: Prunable[];
  errors: string[];
  /** 429s met and waited out. */
  rate_limited: number;
  requests: number;
  duration_ms: number;
  stopped: 'max' | 'signal' | null;
  /** The run history's prune, which `canary prune` does after this one; null when the history could not be opened or written. */
  history?: HistoryPruneReport | null;
}

const counts = (): Record<PrunableType, number> => ({ customer: 0, webhook_endpoint: 0, test_clock: 0, environment: 0 });
const gone = (err: unknown) => err instanceof Stripe.errors.StripeError && (err.code === 'resource_missing' || err.statusCode === 404);

/** The time a server says it is, from its Date header; the local clock when it sends none. */
export function serverNow(headers: Record<string, unknown> | undefined): number {
  const date = headers?.date ?? headers?.Date;
  const parsed = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  return Number.isNaN(parsed) ? Date.now() : parsed;
}

async function stripeCandidates(stripe: Stripe, throttle: Throttle, olderThanMs: number): Promise<{ cutoff: number; items: Prunable[] }> {
  const probe = await throttle.run(() => stripe.customers.list({ limit: 1 }));
  const cutoff = Math.floor((serverNow(probe.lastResponse?.headers) - olderThanMs) / 1000);
  const items: Prunable[] = [];
  // Listed in full before anything is deleted, so deletions never disturb the pages still to come.
  let startingAfter: string | undefined;
  for (;;) {
    const page = await throttle.run(() =>
      stripe.customers.list({ created: { lt: cutoff }, limit: 100, ...(startingAfter && { starting_after: startingAfter }) }),
    );
    for (const c of page.data) {
      const runId = c.metadata?.[RUN_LABEL];
      if (runId) items.push({ type: 'customer', id: c.id, created: c.created, run_id: runId, outcome: c.metadata.canary_outcome ?? null });
    }
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)!.id;
  }
  startingAfter = undefined;
  for (;;) {
    const page = await throttle.run(() => stripe.webhookEndpoints.list({ limit: 100, ...(startingAfter && { starting_after: startingAfter }) }));
    for (const e of page.data) {
      const runId = e.metadata?.[RUN_LABEL];
      if (runId && e.created < cutoff) items.push({ type: 'webhook_endpoint', id: e.id, created: e.created, run_id: runId, outcome: null });
    }
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)!.id;
  }
  // Test clocks carry no metadata: the run's are named after it. Their customers are listed only
  // through them, and go with them.
  startingAfter = undefined;
  for (;;) {
    const page = await throttle.run(() => stripe.testHelpers.testClocks.list({ limit: 100, ...(startingAfter && { starting_after: startingAfter }) }));
    for (const c of page.data) {
      const runId = runIdOfTestClock(c.name);
      if (runId && c.created < cutoff) items.push({ type: 'test_clock', id: c.id, created: c.created, run_id: runId, outcome: null });
    }
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)!.id;
  }
  return { cutoff, items };
}

/** The app's tenants, through its adapter, for prune: listed and deleted. */
export interface TenantTarget {
  list(ctx: AppApiContext): Promise<{ tenants: { id: string; created?: number; labels?: Record<string, string> }[]; now?: number }>;
  delete(ctx: AppApiContext, id: string): Promise<void>;
  ctx: AppApiContext;
}

export interface PruneTargets {
  stripe: Stripe;
  tenants?: TenantTarget;
}

async function appCandidates(t: TenantTarget, olderThanMs: number): Promise<{ cutoff: number; items: Prunable[] }> {
  const { tenants, now } = await t.list(t.ctx);
  const cutoff = Math.floor(((now ?? Date.now()) - olderThanMs) / 1000);
  const items = tenants
    .filter((e) => e.labels?.[RUN_LABEL] && e.created !== undefined && e.created < cutoff)
    .map((e): Prunable => ({ type: 'environment', id: e.id, created: e.created!, run_id: e.labels![RUN_LABEL]!, outcome: e.labels!.canary_outcome ?? null }));
  return { cutoff, items };
}

/**
 * What prune cleans, from the settings: the Stripe account, and the app's tenants when the app
 * is deployed (a URL) and its adapter can list them. A live key is refused before any request.
 */
export function pruneTargets(s: Pick<Settings, 'config' | 'app' | 'appUrl' | 'appVariables'>): PruneTargets {
  const c = s.config;
  assertTestKey(c.STRIPE_SECRET_KEY);
  if (!c.STRIPE_SECRET_KEY)
    throw new UserError('STRIPE_SECRET_KEY is required: the test-mode key of the account to prune (any sk_test_… with the emulator at STRIPE_API_URL).');
  const hooks = s.app.tenant;
  const ctx = { url: s.appUrl ?? '', variables: s.appVariables.values as AppApiContext['variables'] };
  return {
    stripe: createStripeClient({ secretKey: c.STRIPE_SECRET_KEY, apiUrl: c.STRIPE_API_URL, maxNetworkRetries: 0, rateLimitRetries: 0 }),
    tenants: s.appUrl && hooks?.list ? { list: hooks.list, delete: hooks.delete, ctx } : undefined,
  };
}

export async function prune(targets: PruneTargets, options: PruneOptions): Promise<PruneReport> {
  const started = Date.now();
  const throttle = createThrottle({ ratePerSecond: options.ratePerSecond, concurrency: options.concurrency });
  const stripeSide = await stripeCandidates(targets.stripe, throttle, options.olderThanMs);
  const appSide = targets.tenants ? await appCandidates(targets.tenants, options.olderThanMs) : null;
  const items = [...stripeSide.items, ...(appSide?.items ?? [])];
  const report: PruneReport = {
    dry_run: options.dryRun,
    older_than_ms: options.olderThanMs,
    cutoff: { stripe: new Date(stripeSide.cutoff * 1000).toISOString(), app: appSide ? new Date(appSide.cutoff * 1000).toISOString() : null },
    found: counts(),
    deleted: counts(),
    failed: counts(),
    items,
    errors: [],
    rate_limited: 0,
    requests: 0,
    duration_ms: 0,
    stopped: null,
  };
  for (const item of items) report.found[item.type]++;
  if (!options.dryRun) {
    let claimed = 0;
    const total = () => Object.values(report.deleted).reduce((a, b) => a + b, 0);
    const failed = () => Object.values(report.failed).reduce((a, b) => a + b, 0);
    const line = () => {
      const seconds = (Date.now() - started) / 1000;
      return `prune: found ${items.length}, deleted ${total()}, failed ${failed()}, ${(throttle.stats.started / Math.max(seconds, 0.001)).toFixed(1)} requests/s, ${throttle.stats.rateLimited} rate-limited (429) retried`;
    };
    const ticker = options.progress ? setInterval(() => options.progress!(line()), 1000) : undefined;
    try {
      await Promise.all(
        items.map(async (item) => {
          const skip = () => {
            if (options.signal?.aborted) {
              report.stopped = 'signal';
              return true;
            }
            if (options.max !== undefined && claimed >= options.max) {
              report.stopped = 'max';
              return true;
            }
            claimed++;
            return false;
          };
          try {
            const done = await throttle.runUnless(skip, async () => {
              if (item.type === 'environment') await targets.tenants!.delete(targets.tenants!.ctx, item.id);
              else if (item.type === 'customer') await targets.stripe.customers.del(item.id);
              else if (item.type === 'test_clock') await targets.stripe.testHelpers.testClocks.del(item.id);
              else await targets.stripe.webhookEndpoints.del(item.id);
            });
            if (done !== SKIPPED) report.deleted[item.type]++;
          } catch (err) {
            if (gone(err)) report.deleted[item.type]++;
            else {
              report.failed[item.type]++;
              report.errors.push(redact(`${item.type} ${item.id}: ${(err as Error).message}`));
            }
          }
        }),
      );
    } finally {
      if (ticker) clearInterval(ticker);
    }
    options.progress?.(line());
  }
  report.rate_limited = throttle.stats.rateLimited;
  report.requests = throttle.stats.started;
  report.duration_ms = Date.now() - started;
  return report;
}
