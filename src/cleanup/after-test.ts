/**
 * What happens to a test's resources when it ends: a passed test's are deleted (its Stripe
 * customer, which cancels its subscriptions at once; an open checkout session is expired; its test
 * clock; its tenant in the app, through the adapter); a failed test's are kept and marked (the run's labels,
 * `canary_outcome=failed`, `canary_failed_at`) for a developer to open from the alert, until
 * `canary prune` removes them after the retention; an interrupted test's are left as they are,
 * for prune. Cleanup never throws: what went wrong is recorded, so a passed test stays passed.
 */
import Stripe from 'stripe';
import type { AppAdapter, AppApiContext, Tenant } from '../app/define-app.ts';
import { redact } from '../log/redact.ts';

export type Verdict = 'passed' | 'failed' | 'interrupted';

/** A test's verdict for cleanup, from Playwright's status: a killed or stopped test is interrupted. */
export function verdictOf(status: string | undefined, expectedStatus: string): Verdict {
  if (status === 'interrupted') return 'interrupted';
  return status === expectedStatus ? 'passed' : 'failed';
}

export interface CleanupItem {
  type: string;
  id: string;
  /** What was done: deleted, expired, canceled with its customer, kept. */
  action: string;
}

export interface CleanupRecord {
  deleted: CleanupItem[];
  kept: CleanupItem[];
  errors: string[];
  /** Unix seconds, for a failed test. */
  failed_at: number | null;
  /** Unix seconds until which prune leaves what was kept: its `created` plus the retention. */
  kept_until: number | null;
}

export const MARK_OUTCOME = 'canary_outcome';
export const MARK_FAILED_AT = 'canary_failed_at';

export function emptyRecord(): CleanupRecord {
  return { deleted: [], kept: [], errors: [], failed_at: null, kept_until: null };
}

const gone = (err: unknown) => err instanceof Stripe.errors.StripeError && (err.code === 'resource_missing' || err.statusCode === 404);

function failure(record: CleanupRecord, what: string, err: unknown): void {
  record.errors.push(redact(`${what}: ${(err as Error).message}`));
}

/** The marks of a kept resource; with the run's labels, so prune finds it even when the app never labelled it. */
function mark(record: CleanupRecord, failedAt: number, labels: Record<string, string> = {}): Record<string, string> {
  record.failed_at = failedAt;
  return { ...labels, [MARK_OUTCOME]: 'failed', [MARK_FAILED_AT]: String(record.failed_at) };
}

/** Prune ages what it finds by `created`: what was kept stays until then plus the retention. */
function keepUntil(record: CleanupRecord, createdSec: number, retentionMs: number): void {
  const until = createdSec + Math.floor(retentionMs / 1000);
  record.kept_until = record.kept_until === null ? until : Math.min(record.kept_until, until);
}

/** The test's Stripe objects, by type (`customer`, `subscription`, `checkout_session`, `invoice`, `test_clock`). */
export type StripeObjects = Partial<Record<string, string>>;

/** `failedAt`: unix seconds, the same for every resource of the attempt; `labels`: the run's, put on a kept customer. */
export async function settleStripeObjects(
  stripe: Stripe,
  objects: StripeObjects,
  verdict: Verdict,
  retentionMs: number,
  failedAt: number,
  labels: Record<string, string> = {},
): Promise<CleanupRecord> {
  const record = emptyRecord();
  if (verdict === 'interrupted' || Object.keys(objects).length === 0) return record;
  const { customer, checkout_session: session } = objects;
  if (verdict === 'failed') {
    const metadata = mark(record, failedAt, labels);
    if (customer) {
      try {
        keepUntil(record, (await stripe.customers.update(customer, { metadata })).created, retentionMs);
      } catch (err) {
        failure(record, `marking customer ${customer}`, err);
      }
    }
    for (const [type, id] of Object.entries(objects)) if (id) record.kept.push({ type, id, action: 'kept' });
    if (customer) await keptThroughCustomer(stripe, customer, record);
    return record;
  }
  if (session) {
    try {
      const s = await stripe.checkout.sessions.retrieve(session);
      if (s.status === 'open') {
        await stripe.checkout.sessions.expire(session);
        record.deleted.push({ type: 'checkout_session', id: session, action: 'expired' });
      }
    } catch (err) {
      if (!gone(err)) failure(record, `expiring checkout session ${session}`, err);
    }
  }
  if (customer) {
    try {
      await stripe.customers.del(customer);
    } catch (err) {
      if (!gone(err)) {
        failure(record, `deleting customer ${customer}`, err);
        return record;
      }
    }
    record.deleted.push({ type: 'customer', id: customer, action: 'deleted' });
    if (objects.subscription) record.deleted.push({ type: 'subscription', id: objects.subscription, action: 'canceled with its customer' });
  }
  if (objects.test_clock) {
    // Deleting a test clock deletes what lives on it (its customers, their subscriptions).
    try {
      await stripe.testHelpers.testClocks.del(objects.test_clock);
      record.deleted.push({ type: 'test_clock', id: objects.test_clock, action: 'deleted' });
    } catch (err) {
      if (gone(err)) record.deleted.push({ type: 'test_clock', id: objects.test_clock, action: 'deleted' });
      else failure(record, `deleting test clock ${objects.test_clock}`, err);
    }
  }
  return record;
}

/** The customer's subscriptions and their latest invoices, which a test that failed early never recorded. */
async function keptThroughCustomer(stripe: Stripe, customer: string, record: CleanupRecord): Promise<void> {
  const has = (type: string, id: string) => record.kept.some((k) => k.type === type && k.id === id);
  try {
    const subs = await stripe.subscriptions.list({ customer, status: 'all', limit: 10 });
    for (const sub of subs.data) {
      if (!has('subscription', sub.id)) record.kept.push({ type: 'subscription', id: sub.id, action: 'kept' });
      const invoice = typeof sub.latest_invoice === 'string' ? sub.latest_invoice : sub.latest_invoice?.id;
      if (invoice && !has('invoice', invoice)) record.kept.push({ type: 'invoice', id: invoice, action: 'kept' });
    }
  } catch (err) {
    failure(record, `listing the subscriptions of customer ${customer}`, err);
  }
}

/** The tenant hooks of an adapter, with the context they are called with. */
export interface TenantStore {
  hooks: NonNullable<AppAdapter['tenant']>;
  ctx: AppApiContext;
}

export async function settleTenant(store: TenantStore, tenant: Tenant, verdict: Verdict, retentionMs: number, failedAt: number): Promise<CleanupRecord> {
  const record = emptyRecord();
  if (verdict === 'interrupted') return record;
  if (verdict === 'failed') {
    const labels = mark(record, failedAt);
    if (store.hooks.label) {
      try {
        const labelled = await store.hooks.label(store.ctx, tenant.id, labels);
        const created = labelled?.created ?? tenant.created;
        if (created !== undefined) keepUntil(record, created, retentionMs);
      } catch (err) {
        failure(record, `marking tenant ${tenant.id}`, err);
      }
    }
    record.kept.push({ type: 'environment', id: tenant.id, action: 'kept' });
    return record;
  }
  try {
    await store.hooks.delete(store.ctx, tenant.id);
    record.deleted.push({ type: 'environment', id: tenant.id, action: 'deleted' });
  } catch (err) {
    failure(record, `deleting tenant ${tenant.id}`, err);
  }
  return record;
}
