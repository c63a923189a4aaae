/**
 * Test helper: realistic summary.json contents for the history's tests and the dashboard's
 * screenshot — the upgrade test passing, failing at a stage with its evidence, flaky,
 * inconclusive or aborted — each validated against the summary's schema.
 */
import { createHash } from 'node:crypto';
import { STAGE_TITLES, type Stage } from '../../errors.ts';
import { runSummarySchema, type RunSummary, type TestSummary } from '../../runner/summary-schema.ts';

export const UPGRADE_TITLE = 'a customer upgrades from Free to Pro through Stripe Checkout @critical';

export interface RunSpec {
  outcome: 'passed' | 'failed' | 'flaky' | 'inconclusive' | 'aborted';
  startedAt: Date | string;
  durationMs: number;
  stage?: Stage;
  trigger?: RunSummary['trigger'];
  deployer?: string | null;
  commit?: string | null;
  grep?: string;
  runId?: string;
  appUrl?: string;
  appVersion?: string | null;
}

/** `canary_<utc>_<8 hex>` as `canary run` names runs; the hex from the start time and `salt`. */
export function runIdAt(startedAt: Date, salt = ''): string {
  const utc = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `canary_${utc}_${createHash('sha256')
    .update(startedAt.toISOString() + salt)
    .digest('hex')
    .slice(0, 8)}`;
}

const EVIDENCE: Partial<Record<Stage, Record<string, unknown>>> = {
  webhook: {
    event: { id: 'evt_1QxWebhook500', type: 'checkout.session.completed' },
    pending_webhooks: 1,
    app_endpoint: 'https://app.example.com/webhooks/stripe',
    verdict_from: 'app',
    endpoints: [{ endpoint_id: 'we_1QxApp', url: 'https://app.example.com/webhooks/stripe', app: true, answers: [500, 500, 500] }],
  },
  'checkout-ui': { expected: '$49.00', shown: ['$99.00'], price: 'price_1QxPro', session: 'cs_test_a1' },
  'app-ui': { assertion: 'the upgrade redirects to Checkout', expected: 303, received: 500 },
  'checkout-blocked': { url: 'https://checkout.stripe.com/c/pay/cs_test_a1' },
  'app-not-updated': { session: 'cs_test_a1', subscription: 'sub_1QxPro' },
};

const FAILED_STEP: Partial<Record<Stage, string>> = {
  webhook: 'Stripe API: the app acknowledged checkout.session.completed',
  'checkout-ui': 'Checkout UI: the Pro price is shown',
  'app-ui': 'App UI: upgrade to Pro opens Stripe Checkout',
  'checkout-blocked': 'Checkout UI: pay with 4242 4242 4242 4242',
  'app-not-updated': 'App UI: the account shows Pro',
};

function upgradeTest(spec: RunSpec): TestSummary {
  const outcome = spec.outcome;
  const failing = outcome === 'failed' || outcome === 'inconclusive';
  const stage: Stage | null = failing ? (spec.stage ?? (outcome === 'inconclusive' ? 'checkout-blocked' : 'webhook')) : null;
  return {
    title: UPGRADE_TITLE,
    file: 'upgrade.spec.ts',
    tags: ['@critical'],
    outcome,
    duration_ms: Math.max(0, spec.durationMs - 3000),
    attempts: outcome === 'flaky' ? 2 : 1,
    stage,
    stage_title: stage ? STAGE_TITLES[stage] : null,
    failed_step: stage ? (FAILED_STEP[stage] ?? null) : outcome === 'aborted' ? 'Checkout UI: pay with 4242 4242 4242 4242' : null,
    error: stage ? `the journey failed at ${stage}` : null,
    evidence: stage ? (EVIDENCE[stage] ?? {}) : null,
    steps_in_progress: [],
    environment: 'env_36e8e95890991711dc4a6f1f',
    stripe_ids: { customer: 'cus_QxCustomer1', checkout_session: 'cs_test_a1' },
    links: {},
    artifacts: failing ? { screenshot: 'artifacts/upgrade/test-failed-1.png', trace: 'artifacts/upgrade/trace.zip' } : {},
    cleanup: {
      deleted: failing ? [] : [{ type: 'customer', id: 'cus_QxCustomer1', action: 'deleted' }],
      kept: failing ? [{ type: 'customer', id: 'cus_QxCustomer1', action: 'kept' }] : [],
      kept_until: failing ? new Date(Date.parse(String(spec.startedAt)) + 7 * 86_400_000).toISOString() : null,
      errors: [],
    },
  };
}

export function runSummary(spec: RunSpec): RunSummary {
  const started = new Date(spec.startedAt);
  const test = upgradeTest({ ...spec, startedAt: started.toISOString() });
  const counts = { passed: 0, failed: 0, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 };
  counts[spec.outcome]++;
  return runSummarySchema.parse({
    schema_version: 2,
    run_id: spec.runId ?? runIdAt(started, spec.outcome),
    outcome: spec.outcome,
    trigger: spec.trigger ?? 'schedule',
    deployer: spec.deployer ?? null,
    commit: spec.commit ?? null,
    grep: spec.grep ?? '@critical',
    started_at: started.toISOString(),
    finished_at: new Date(started.getTime() + spec.durationMs).toISOString(),
    duration_ms: spec.durationMs,
    timeout_ms: 600_000,
    target: {
      stripe: 'stripe',
      stripe_api_url: null,
      app: 'deployed',
      app_url: spec.appUrl ?? 'https://app.example.com',
      app_version: spec.appVersion === undefined ? 'v42' : spec.appVersion,
    },
    counts,
    tests: [test],
    errors: [],
    stopped: spec.outcome === 'aborted' ? { reason: 'signal', signal: 'SIGTERM', after_ms: spec.durationMs } : null,
    stage: null,
    deploy: null,
    cleanup: { deleted: test.cleanup.deleted.length, kept: test.cleanup.kept.length, errors: [] },
    links: { app: spec.appUrl ?? 'https://app.example.com' },
  });
}
