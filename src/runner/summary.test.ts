/**
 * From what the reporter sees of each test to summary.json: stages and evidence read from the
 * failure record a step attached (never from the message), the fall-backs for a test timeout and
 * an error outside any step, outcomes, exit codes, redaction, and the committed JSON Schema.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CanaryError, WebhookNotAcknowledged } from '../errors.ts';
import { registerSecret } from '../log/redact.ts';
import { FAILURE_ATTACHMENT, failureRecord } from './failure.ts';
import { countOutcomes, exitCodeOf, formatSummary, runOutcome, summariseTest, type AttemptInput, type TestInput } from './summary.ts';
import { runSummarySchema, summaryJsonSchema, type RunSummary } from './summary-schema.ts';

const TARGET: RunSummary['target'] = { stripe: 'emulator', stripe_api_url: 'http://127.0.0.1:1', app: 'embedded', app_url: 'http://127.0.0.1:2' };
const rel = (p: string) => path.relative('/r', p);

function attempt(over: Partial<AttemptInput> = {}): AttemptInput {
  return { status: 'passed', duration: 1500, errors: [], attachments: [], annotations: [], failedSteps: [], ...over };
}
function testOf(status: TestInput['status'], attempts: AttemptInput[], over: Partial<TestInput> = {}): TestInput {
  return { title: 'a customer upgrades', file: 'upgrade.spec.ts', tags: ['@critical'], status, annotations: [], attempts, stepsInProgress: [], ...over };
}
const recorded = (err: unknown, stage: Parameters<typeof failureRecord>[1]['stage'], step: string | null) => ({
  name: FAILURE_ATTACHMENT,
  body: Buffer.from(JSON.stringify(failureRecord(err, { stage, step }))),
});

describe('summariseTest', () => {
  it("takes the stage and evidence from the step's failure record; a CanaryError's own stage wins over the step's", () => {
    const err = new WebhookNotAcknowledged('never acknowledged', { event: { id: 'evt_1' }, pending_webhooks: 1 });
    const t = summariseTest(
      testOf('unexpected', [
        attempt({
          status: 'failed',
          errors: [{ message: 'WebhookNotAcknowledged: never acknowledged' }],
          attachments: [recorded(err, 'stripe-state', 'Stripe API: the app acknowledged')],
        }),
      ]),
      TARGET,
      rel,
    );
    assert.deepEqual(
      [t.outcome, t.stage, t.stage_title, t.failed_step],
      ['failed', 'webhook', 'the webhook was never acknowledged', 'Stripe API: the app acknowledged'],
    );
    assert.deepEqual(t.evidence, { event: { id: 'evt_1' }, pending_webhooks: 1 });
    assert.equal(t.error, 'WebhookNotAcknowledged: never acknowledged');
  });

  it("an expect failure in a step gets the step's stage, with what was expected and received", () => {
    const expectError = Object.assign(new Error('expect(received).toBe(expected)'), { matcherResult: { name: 'toBe', expected: 303, actual: 500 } });
    const t = summariseTest(
      testOf('unexpected', [attempt({ status: 'failed', attachments: [recorded(expectError, 'app-ui', 'App UI: upgrade')] })]),
      TARGET,
      rel,
    );
    assert.deepEqual([t.stage, t.evidence], ['app-ui', { assertion: 'toBe', expected: 303, received: 500 }]);
  });

  it('a message that looks like a stage is just text: no record, no stage from it', () => {
    const t = summariseTest(
      testOf('unexpected', [attempt({ status: 'failed', errors: [{ message: '[stage:webhook] something', location: { file: 'fixtures/x.ts', line: 3 } }] })]),
      TARGET,
      rel,
    );
    assert.deepEqual([t.stage, t.failed_step, t.evidence], ['outside-step', null, { status: 'failed', location: 'fixtures/x.ts:3' }]);
  });

  it('a test timeout inside a journey step is blamed on that step', () => {
    const t = summariseTest(
      testOf('unexpected', [attempt({ status: 'timedOut', duration: 60_000, failedSteps: ['Checkout UI: pay with 4242'] })]),
      TARGET,
      rel,
    );
    assert.deepEqual([t.stage, t.failed_step, t.evidence], ['checkout-ui', 'Checkout UI: pay with 4242', { timed_out: true, duration_ms: 60_000 }]);
  });

  it('Checkout blocking the robot is inconclusive; an interrupted attempt is aborted, naming its step', () => {
    const blocked = summariseTest(
      testOf('unexpected', [
        attempt({ status: 'failed', attachments: [recorded(new CanaryError('checkout-blocked', 'CAPTCHA', { url: 'u' }), 'checkout-ui', 'Checkout UI: x')] }),
      ]),
      TARGET,
      rel,
    );
    assert.deepEqual([blocked.outcome, blocked.stage], ['inconclusive', 'checkout-blocked']);
    const aborted = summariseTest(
      testOf('skipped', [attempt({ status: 'interrupted', failedSteps: ['App UI: upgrade to Pro opens Stripe Checkout'] })]),
      TARGET,
      rel,
    );
    assert.deepEqual([aborted.outcome, aborted.stage, aborted.failed_step], ['aborted', null, 'App UI: upgrade to Pro opens Stripe Checkout']);
  });

  it('collects Stripe ids, the environment and artifacts over every attempt; links to the dashboard only on real Stripe', () => {
    const input = testOf('flaky', [
      attempt({
        status: 'failed',
        annotations: [
          { type: 'environment', description: 'env_1' },
          { type: 'stripe:customer', description: 'cus_1' },
        ],
        attachments: [{ name: 'trace', path: '/r/artifacts/t/trace.zip' }],
      }),
      attempt({
        annotations: [
          { type: 'environment', description: 'env_2' },
          { type: 'stripe:customer', description: 'cus_2' },
        ],
      }),
    ]);
    const t = summariseTest(input, TARGET, rel);
    assert.deepEqual(
      [t.outcome, t.attempts, t.environment, t.stripe_ids, t.links, t.artifacts],
      ['flaky', 2, 'env_2', { customer: 'cus_2' }, {}, { trace: 'artifacts/t/trace.zip' }],
    );
    const real = summariseTest(input, { ...TARGET, stripe: 'stripe' }, rel);
    assert.deepEqual(real.links, { stripe_customer: 'https://dashboard.stripe.com/test/customers/cus_2' });
  });

  it('redacts secrets in errors and evidence, whatever their format', () => {
    registerSecret('admin-token-for-the-summary-test');
    const err = new CanaryError('app-api', 'token admin-token-for-the-summary-test and key sk_test_abc_def', {
      header: 'Bearer admin-token-for-the-summary-test',
      key: 'sk_test_abc_def',
    });
    const t = summariseTest(testOf('unexpected', [attempt({ status: 'failed', attachments: [recorded(err, 'app-api', null)] })]), TARGET, rel);
    assert.doesNotMatch(JSON.stringify(t), /admin-token-for-the-summary-test|abc_def/);
  });
});

describe('run outcome and exit code', () => {
  const t = (outcome: RunSummary['tests'][number]['outcome']) => ({ outcome }) as RunSummary['tests'][number];
  it('failed beats inconclusive beats flaky beats passed; nothing run is no-tests; a global error fails', () => {
    assert.equal(runOutcome([t('passed'), t('failed'), t('inconclusive')], []), 'failed');
    assert.equal(runOutcome([t('passed'), t('inconclusive'), t('flaky')], []), 'inconclusive');
    assert.equal(runOutcome([t('passed'), t('flaky')], []), 'flaky');
    assert.equal(runOutcome([t('passed'), t('skipped')], []), 'passed');
    assert.equal(runOutcome([], []), 'no-tests');
    assert.equal(runOutcome([t('passed')], ['a spec could not be loaded']), 'failed');
    assert.deepEqual(countOutcomes([t('passed'), t('passed'), t('aborted')]), { passed: 2, failed: 0, flaky: 0, inconclusive: 0, skipped: 0, aborted: 1 });
  });
  it('maps outcomes to 0, 1, 2, 3 and signals to 128+N', () => {
    const code = (outcome: RunSummary['outcome'], signal: string | null = null) =>
      exitCodeOf({ outcome, stopped: signal ? { reason: 'signal', signal, after_ms: 1 } : null, cleanup: { deleted: 0, kept: 0, errors: [] } });
    assert.deepEqual(
      [code('passed'), code('flaky'), code('failed'), code('no-tests'), code('inconclusive'), code('aborted', 'SIGINT'), code('aborted', 'SIGTERM')],
      [0, 0, 1, 2, 3, 130, 143],
    );
  });
  it('prints the outcome, the stopped reason and each failing test with its stage', () => {
    const summary = runSummarySchema.parse({
      schema_version: 2,
      run_id: 'canary_20261122T120000Z_abc123',
      outcome: 'failed',
      trigger: 'schedule',
      deployer: null,
      commit: null,
      grep: '@critical',
      started_at: '2026-11-22T12:00:00.000Z',
      finished_at: '2026-11-22T12:00:06.000Z',
      duration_ms: 6000,
      timeout_ms: 5000,
      target: TARGET,
      counts: { passed: 0, failed: 1, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 },
      tests: [
        summariseTest(
          testOf('unexpected', [
            attempt({ status: 'failed', failedSteps: ['App UI: upgrade'], attachments: [recorded(new Error('boom'), 'app-ui', 'App UI: upgrade')] }),
          ]),
          TARGET,
          rel,
        ),
      ],
      errors: [],
      stopped: { reason: 'timeout', signal: null, after_ms: 5100 },
      cleanup: { deleted: 0, kept: 0, errors: [] },
      links: {},
    });
    const text = formatSummary(summary, 'reports/x');
    assert.match(text, /FAILED in 6\.0 s \(schedule\)/);
    assert.match(text, /stopped: the run exceeded its timeout after 5\.1 s/);
    assert.match(text, /stage: the app's UI \(step "App UI: upgrade"\)/);
    const lost = formatSummary({ ...summary, outcome: 'aborted', stopped: { reason: 'lost', signal: null, after_ms: 4200 } }, 'reports/x');
    assert.match(lost, /ABORTED in 6\.0 s/);
    assert.match(lost, /stopped: the process running it went away after 4\.2 s/);
  });
});

it('summary.schema.json is the JSON Schema of the zod schema (regenerate with npm run schema:summary)', () => {
  const committed = JSON.parse(readFileSync(path.join(import.meta.dirname, 'summary.schema.json'), 'utf8'));
  assert.deepEqual(committed, summaryJsonSchema());
});
