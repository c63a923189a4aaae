/**
 * From Playwright's JSON results to summary.json and the exit code: each test's outcome and
 * failing stage, flaky and inconclusive runs, artifacts and Stripe ids, redaction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeOf, formatSummary, summariseRun, type PwReport } from './summary.ts';

const META = {
  run_id: 'canary_20261122T120000Z_abc123',
  trigger: 'schedule',
  deployer: null,
  commit: null,
  grep: '@critical',
  started_at: '2026-11-22T12:00:00.000Z',
  duration_ms: 4200,
  target: { stripe: 'emulator' as const, stripe_api_url: 'http://127.0.0.1:1', app: 'embedded' as const, app_url: 'http://127.0.0.1:2' },
  links: { report: '/r/html/index.html' },
};

type Result = PwReport['suites'][number]['specs'] extends (infer S)[] | undefined ? S : never;

function report(tests: { title?: string; status: 'expected' | 'unexpected' | 'flaky' | 'skipped'; results: object[]; annotations?: object[] }[], errors: object[] = []): PwReport {
  const specs = tests.map((t, i) => ({
    title: t.title ?? `test ${i}`,
    file: 'upgrade.spec.ts',
    tags: ['critical'],
    tests: [{ status: t.status, annotations: t.annotations ?? [], results: t.results }],
  })) as unknown as Result[];
  return { suites: [{ title: 'upgrade.spec.ts', file: 'upgrade.spec.ts', specs }], errors, stats: { startTime: META.started_at, duration: 1 } } as PwReport;
}

const passed = { status: 'passed', duration: 1500, retry: 0, attachments: [] };
const failedAt = (step: string, message: string) => ({
  status: 'failed',
  duration: 900,
  retry: 0,
  error: { message },
  steps: [{ title: 'App UI: sign up and land on the Free plan' }, { title: step, error: { message } }],
  attachments: [
    { name: 'screenshot', path: '/r/artifacts/t/test-failed-1.png' },
    { name: 'trace', path: '/r/artifacts/t/trace.zip' },
    { name: 'video', path: '/r/artifacts/t/video.webm' },
  ],
});

describe('summariseRun', () => {
  it('a passing run exits 0 and lists the Stripe ids and environment each test recorded', () => {
    const s = summariseRun(
      report([{ status: 'expected', results: [passed], annotations: [{ type: 'environment', description: 'env_1' }, { type: 'stripe:customer', description: 'cus_1' }, { type: 'note' }] }]),
      META,
      '/r',
    );
    assert.equal(s.outcome, 'passed');
    assert.equal(exitCodeOf(s.outcome), 0);
    assert.deepEqual(s.tests[0]!.stripe_ids, { customer: 'cus_1' });
    assert.deepEqual(s.tests[0]!.links, {}, 'the emulator has no dashboard');
    const real = summariseRun(
      report([{ status: 'expected', results: [passed], annotations: [{ type: 'stripe:customer', description: 'cus_1' }, { type: 'stripe:subscription', description: 'sub_1' }, { type: 'stripe:checkout_session', description: 'cs_test_1' }] }]),
      { ...META, target: { ...META.target, stripe: 'stripe', stripe_api_url: null } },
      '/r',
    );
    assert.deepEqual(real.tests[0]!.links, {
      stripe_customer: 'https://dashboard.stripe.com/test/customers/cus_1',
      stripe_subscription: 'https://dashboard.stripe.com/test/subscriptions/sub_1',
    });
    assert.equal(s.tests[0]!.environment, 'env_1');
    assert.equal(s.tests[0]!.stage, null);
  });

  it("a failure takes the stage its CanaryError names, else its step's, with artifacts relative to the report", () => {
    const s = summariseRun(
      report([
        { title: 'named', status: 'unexpected', results: [failedAt('Stripe API: the app acknowledged checkout.session.completed', '[stage:webhook] never acknowledged')] },
        { title: 'by step', status: 'unexpected', results: [failedAt('Checkout UI: the hosted page shows the Pro price', 'Error: Checkout shows the Pro price $49.00')] },
        { title: 'no step', status: 'unexpected', results: [{ ...passed, status: 'failed', error: { message: 'Error: page.goto: net::ERR_CONNECTION_REFUSED' } }] },
      ]),
      META,
      '/r',
    );
    assert.equal(s.outcome, 'failed');
    assert.equal(exitCodeOf(s.outcome), 1);
    assert.deepEqual(
      s.tests.map((t) => [t.stage, t.failed_step]),
      [
        ['webhook', 'Stripe API: the app acknowledged checkout.session.completed'],
        ['checkout-ui', 'Checkout UI: the hosted page shows the Pro price'],
        ['app-ui', null],
      ],
    );
    assert.deepEqual(s.tests[0]!.artifacts, { screenshot: 'artifacts/t/test-failed-1.png', trace: 'artifacts/t/trace.zip', video: 'artifacts/t/video.webm' });
    assert.match(formatSummary(s, 'reports/x'), /FAILED: named\n {4}stage: the webhook was never acknowledged \(step "Stripe API: the app acknowledged checkout.session.completed"\)/);
  });

  it('a test that passed on retry is flaky: the run says so and still exits 0', () => {
    const s = summariseRun(report([{ status: 'flaky', results: [failedAt('App UI: upgrade to Pro opens Stripe Checkout', 'boom'), { ...passed, retry: 1 }] }]), META, '/r');
    assert.equal(s.outcome, 'flaky');
    assert.equal(exitCodeOf(s.outcome), 0);
    assert.equal(s.tests[0]!.attempts, 2);
    assert.equal(s.tests[0]!.stage, null, 'a flaky test has no failing stage');
    assert.match(formatSummary(s, 'r'), /FLAKY in 4\.2 s[\s\S]*FLAKY: test 0/);
  });

  it('Checkout blocking the robot makes the run inconclusive (exit 3), unless another test failed', () => {
    const blocked = { status: 'unexpected' as const, results: [failedAt('Checkout UI: the hosted page shows the Pro price', '[stage:checkout-blocked] Checkout showed a CAPTCHA')] };
    const s = summariseRun(report([blocked, { status: 'expected', results: [passed] }]), META, '/r');
    assert.equal(s.tests[0]!.outcome, 'inconclusive');
    assert.equal(s.outcome, 'inconclusive');
    assert.equal(exitCodeOf(s.outcome), 3);
    const both = summariseRun(report([blocked, { status: 'unexpected', results: [failedAt('App UI: upgrade to Pro opens Stripe Checkout', 'Error: 500')] }]), META, '/r');
    assert.equal(both.outcome, 'failed');
  });

  it('an error outside any test (a broken fixture file, a global set-up) fails the run; no matching test is a usage error (exit 2)', () => {
    assert.equal(summariseRun(report([{ status: 'expected', results: [passed] }], [{ message: 'SyntaxError' }]), META, '/r').outcome, 'failed');
    assert.equal(summariseRun(report([], [{ message: 'Error: Cannot find module ../fixtures/index.ts' }]), META, '/r').outcome, 'failed');
    const none = summariseRun(report([], [{ message: 'Error: No tests found' }]), META, '/r');
    assert.equal(none.outcome, 'no-tests');
    assert.equal(exitCodeOf(none.outcome), 2);
  });

  it('errors are redacted and cut to their first lines', () => {
    const message = `Error: Stripe said no to sk_test_51AbCdEfGhIjKlMnOp\n${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}`;
    const s = summariseRun(report([{ status: 'unexpected', results: [failedAt('Stripe API: customer, subscription, invoice and payment', message)] }]), META, '/r');
    assert.ok(!s.tests[0]!.error!.includes('sk_test_51AbCdEfGhIjKlMnOp'));
    assert.match(s.tests[0]!.error!, /sk_test_\[REDACTED\]/);
    assert.equal(s.tests[0]!.error!.split('\n').length, 12);
  });
});
