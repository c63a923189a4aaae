/** The alert and its replies, built from summary.json alone, within Slack's limits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STAGES, STAGE_TITLES, type Stage } from '../errors.ts';
import type { RunSummary, TestSummary } from '../runner/summary-schema.ts';
import { buildMessage, evidenceLines, LIMITS, type Block, type MessageContext } from './message.ts';
import { fit } from './mrkdwn.ts';

function test(over: Partial<TestSummary> = {}): TestSummary {
  return {
    title: 'a customer upgrades from Free to Pro through Stripe Checkout @critical',
    file: 'upgrade.spec.ts',
    tags: ['@critical'],
    outcome: 'failed',
    duration_ms: 4000,
    attempts: 1,
    stage: 'webhook',
    stage_title: STAGE_TITLES.webhook,
    failed_step: 'Stripe API: the app acknowledged checkout.session.completed',
    error: "WebhookNotAcknowledged: The app's webhook endpoint never acknowledged checkout.session.completed evt_1",
    evidence: {
      event: { id: 'evt_1', type: 'checkout.session.completed' },
      pending_webhooks: 2,
      app_endpoint: 'https://app.example.com/webhooks/stripe',
      endpoints: [
        { endpoint_id: 'we_1', url: 'https://app.example.com/webhooks/stripe', app: true, answers: [500, 500, 500] },
        { endpoint_id: 'we_2', url: 'https://staging.example.com/hook', app: false, answers: ['timeout'] },
      ],
    },
    steps_in_progress: [],
    environment: 'env_1',
    stripe_ids: { customer: 'cus_1', subscription: 'sub_1' },
    links: { stripe_customer: 'https://dashboard.stripe.com/test/customers/cus_1' },
    artifacts: { screenshot: 'artifacts/t/test-failed-1.png', trace: 'artifacts/t/trace.zip' },
    cleanup: {
      deleted: [],
      kept: [{ type: 'customer', id: 'cus_1', action: 'kept', link: 'https://dashboard.stripe.com/test/customers/cus_1' }],
      kept_until: '2026-12-09T08:00:00.000Z',
      errors: [],
    },
    ...over,
  };
}

function summary(over: Partial<RunSummary> = {}, tests: TestSummary[] = [test()]): RunSummary {
  return {
    schema_version: 2,
    run_id: 'canary_20261202T080000Z_abcdef12',
    outcome: 'failed',
    trigger: 'post-deploy',
    deployer: 'ada@example.com',
    commit: '0123456789abcdef',
    grep: '@critical',
    started_at: '2026-12-02T08:00:00.000Z',
    finished_at: '2026-12-02T08:00:09.000Z',
    duration_ms: 9000,
    timeout_ms: 600000,
    target: { stripe: 'stripe', stripe_api_url: null, app: 'deployed', app_url: 'https://app.example.com', app_version: 'v42' },
    counts: { passed: 0, failed: 1, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 },
    tests,
    errors: [],
    stopped: null,
    cleanup: { deleted: 0, kept: 1, errors: [] },
    links: {},
    ...over,
  };
}

const ctx = (over: Partial<MessageContext> = {}): MessageContext => ({
  kind: 'alert',
  who: { mention: '<@U0ADA>', label: 'ada@example.com', role: 'deployer' },
  reportUrl: 'https://reports.example.com/canary/',
  ciUrl: 'https://ci.example.com/jobs/77',
  ...over,
});

const texts = (blocks: Block[]) => JSON.stringify(blocks);
function assertWithinLimits(blocks: Block[]): void {
  assert.ok(blocks.length <= LIMITS.blocks, `${blocks.length} blocks`);
  for (const b of blocks) {
    const t = (b.text as { text?: string } | undefined)?.text;
    if (b.type === 'section' && t) assert.ok(t.length <= LIMITS.section, `a section of ${t.length} characters`);
    if (b.type === 'header') assert.ok(t!.length <= LIMITS.header);
    for (const f of (b.fields as { text: string }[] | undefined) ?? []) assert.ok(f.text.length <= LIMITS.field);
    for (const e of (b.elements as { type: string; text?: { text: string } }[] | undefined) ?? [])
      if (e.type === 'button') assert.ok(e.text!.text.length <= LIMITS.button);
  }
}

describe('the alert', () => {
  it('says what failed and where, who deployed, the evidence, the error, what was kept, with every configured link', () => {
    const m = buildMessage(summary(), ctx());
    assert.equal(
      m.text,
      'checkout-canary @critical FAILED (post-deploy): a customer upgrades from Free to Pro through Stripe Checkout @critical at the webhook was never acknowledged — Deployed by <@U0ADA>',
    );
    const all = texts(m.blocks);
    for (const expected of [
      'Deployed by <@U0ADA>',
      'commit `0123456789ab`',
      'post-deploy',
      'Stripe test mode',
      'https://app.example.com (version v42)',
      'canary_20261202T080000Z_abcdef12',
      '9 s',
      'the webhook was never acknowledged',
      'Stripe API: the app acknowledged checkout.session.completed',
      'Event evt_1 (checkout.session.completed): pending_webhooks 2',
      "The app's endpoint https://app.example.com/webhooks/stripe answered 500, 500, 500",
      'https://staging.example.com/hook, answered timeout',
      'WebhookNotAcknowledged',
      'Kept for debugging until 2026-12-09 08:00 UTC',
      '<https://dashboard.stripe.com/test/customers/cus_1|customer cus_1>',
    ]) {
      assert.ok(all.includes(expected), `the alert shows ${expected}: ${all}`);
    }
    const buttons = m.blocks.find((b) => b.type === 'actions')!.elements as { text: { text: string }; url: string }[];
    assert.deepEqual(
      buttons.map((b) => [b.text.text, b.url]),
      [
        ['HTML report', 'https://reports.example.com/canary/canary_20261202T080000Z_abcdef12/html/index.html'],
        ['Trace', 'https://reports.example.com/canary/canary_20261202T080000Z_abcdef12/artifacts/t/trace.zip'],
        ['summary.json', 'https://reports.example.com/canary/canary_20261202T080000Z_abcdef12/summary.json'],
        ['CI job', 'https://ci.example.com/jobs/77'],
        ['App environment', 'https://app.example.com/e/env_1/signup'],
        ['Stripe customer', 'https://dashboard.stripe.com/test/customers/cus_1'],
      ],
    );
    assertWithinLimits(m.blocks);
  });

  it('leaves out links that are not configured or would be broken (embedded targets stop with the run)', () => {
    const s = summary({
      target: { stripe: 'emulator', stripe_api_url: 'http://127.0.0.1:1', app: 'embedded', app_url: 'http://127.0.0.1:2', app_version: null },
    });
    const m = buildMessage(s, ctx({ reportUrl: undefined, ciUrl: undefined }));
    assert.equal(
      m.blocks.find((b) => b.type === 'actions'),
      undefined,
      'no buttons at all',
    );
    assert.ok(!texts(m.blocks).includes('undefined') && !texts(m.blocks).includes('null'));
  });

  it('shows the deployer by name without a mention when Slack does not know them, and the on-call for scheduled runs', () => {
    const named = buildMessage(summary(), ctx({ who: { mention: null, label: 'ada@example.com', role: 'deployer' } }));
    assert.match(named.text, /Deployed by ada@example\.com$/);
    const oncall = buildMessage(summary({ trigger: 'schedule' }), ctx({ who: { mention: '<!subteam^S0PAY>', label: '@payments-oncall', role: 'on-call' } }));
    assert.match(oncall.text, /On-call: <!subteam\^S0PAY>$/);
  });

  it('cuts an error longer than a section cleanly, with a marker, never inside an escape', () => {
    const error = `${'<&>'.repeat(2000)}\n${'x'.repeat(5000)}`;
    const m = buildMessage(summary({}, [test({ error })]), ctx());
    assertWithinLimits(m.blocks);
    const block = m.blocks.find((b) => (b.text as { text?: string } | undefined)?.text?.startsWith('*Error*'))!;
    const text = (block.text as { text: string }).text;
    assert.match(text, /… \(\d+ more characters in the report\)```$/);
    assert.doesNotMatch(text.replace(/&(amp|lt|gt);/g, ''), /&/, 'every & left is a whole escape');
  });

  it('fit() never ends inside an escape, whatever the limit', () => {
    for (let max = 30; max < 80; max++) {
      const out = fit('&&&&&&&&&&<<<<<<<<<<>>>>>>>>>>&&&&&', max, () => '…');
      assert.ok(out.length <= max);
      assert.match(out, /^(&amp;|&lt;|&gt;)*…?$/);
    }
  });

  it('keeps to 50 blocks however many tests fail', () => {
    const many = Array.from({ length: 40 }, (_, i) => test({ title: `test ${i}` }));
    const m = buildMessage(summary({}, many), ctx());
    assertWithinLimits(m.blocks);
    assert.ok(texts(m.blocks).includes('and 35 more failing tests'));
  });

  it('says which billing state Stripe shows when the app was not updated after a renewal', () => {
    const lines = evidenceLines({
      stage: 'app-not-updated',
      evidence: { subscription: 'sub_1', expected_state: { kind: 'past_due' }, app_saw: 'Expected: {"pastDue": true}\nReceived: {"pastDue": false}' },
    });
    assert.deepEqual(lines, ['Stripe shows sub_1 past due; the app was not updated: Expected: {"pastDue": true}']);
  });

  it("shows every stage's evidence in words", () => {
    const evidence: Record<Stage, Record<string, unknown>> = {
      'deploy-not-healthy': {
        url: 'https://app.example.com/healthz',
        last_status: 503,
        last_version: 'v41',
        expected_version: 'v42',
        waited_ms: 300000,
        attempts: 150,
        last_body: '{"status":"degraded"}',
      },
      config: { variable: 'CANARY_PRICE_LOOKUP_KEY', lookup_key: 'no_such_price' },
      'app-ui': { assertion: 'toBe', expected: 303, received: 500 },
      'checkout-ui': { expected: '$49.00', shown: ['$99.00'], price: 'price_1' },
      'checkout-blocked': { url: 'https://checkout.stripe.com/c/pay/cs_test_1' },
      'card-result': {
        expected: 'left',
        outcome: { kind: 'error', message: 'Your card has been declined.' },
        stripe_error: { code: 'card_declined', decline_code: 'generic_decline', payment_intent: 'pi_1' },
      },
      'portal-ui': { action: 'cancel the plan', url: 'https://billing.stripe.com/p/session/test_1' },
      webhook: test().evidence!,
      'app-not-updated': { session: 'cs_test_1', subscription: 'sub_1' },
      'stripe-api': { status: 500, type: 'StripeAPIError', code: null, request_id: 'req_1', while: 'listing customers by email' },
      'stripe-state': { subscription: 'sub_1', metadata: {}, expected: { canary_run_id: 'canary_x' } },
      'app-api': { status: 403, request: 'POST /api/environments' },
      timeout: { timeout_ms: 5000, step: 'App UI: upgrade to Pro opens Stripe Checkout' },
      'outside-step': { status: 'failed', location: 'fixtures/x.ts:3' },
      monitor: { check: '@critical', max_age_ms: 7 * 3_600_000, last: { run_id: 'canary_x', started_at: '2026-12-01T00:00:00.000Z', outcome: 'passed' } },
    };
    const says: Record<Stage, RegExp> = {
      'deploy-not-healthy':
        /https:\/\/app\.example\.com\/healthz answered 503 \(version v41\); expected version v42 after 5 min and 150 attempts.*Last body: \{"status":"degraded"\}/s,
      config: /CANARY_PRICE_LOOKUP_KEY = no_such_price/,
      'app-ui': /Expected 303, received 500 \(toBe\)/,
      'checkout-ui': /Checkout shows \$99\.00; the Pro price is \$49\.00/,
      'checkout-blocked': /Checkout at https:\/\/checkout\.stripe\.com/,
      'card-result': /accept the card; it error: "Your card has been declined\.".*Stripe recorded card_declined\/generic_decline on pi_1/s,
      'portal-ui': /action: cancel the plan.*url: https:\/\/billing\.stripe\.com\/p\/session\/test_1/s,
      webhook: /answered 500, 500, 500/,
      'app-not-updated': /Stripe shows cs_test_1 complete \(subscription sub_1\)/,
      'stripe-api': /HTTP 500 StripeAPIError while listing customers by email; Stripe request req_1/,
      'stripe-state': /subscription: sub_1.*expected: \{"canary_run_id":"canary_x"\}/s,
      'app-api': /The app answered 403 to POST \/api\/environments/,
      timeout: /Stopped after 5 s \(--timeout\) during "App UI: upgrade to Pro opens Stripe Checkout"/,
      'outside-step': /status: failed.*location: fixtures\/x\.ts:3/s,
      monitor: /No verdict of @critical within 7\.0 h; the last: canary_x at 2026-12-01T00:00:00\.000Z \(passed\)/,
    };
    for (const stage of STAGES) {
      const lines = evidenceLines({ stage, evidence: evidence[stage] }).join('\n');
      assert.match(lines, says[stage], `${stage}: ${lines}`);
      const m = buildMessage(summary({}, [test({ stage, stage_title: STAGE_TITLES[stage], evidence: evidence[stage] })]), ctx());
      assertWithinLimits(m.blocks);
    }
  });
});

it('a deploy that never became healthy gets its own alert, with what the app answered', () => {
  const s = summary({
    tests: [],
    stage: 'deploy-not-healthy',
    deploy: {
      url: 'https://app.example.com/healthz',
      healthy: false,
      waited_ms: 60000,
      attempts: 30,
      expected_version: 'v42',
      last_status: 503,
      last_version: 'v41',
      last_body: 'degraded',
    },
  });
  const m = buildMessage(s, ctx());
  assert.match(m.text, /FAILED \(post-deploy\): the deploy never became healthy — Deployed by <@U0ADA>$/);
  assert.ok(JSON.stringify(m.blocks).includes('answered 503 (version v41); expected version v42'));
});

describe('the other messages', () => {
  it('replies while failing, broadcasts reminders with the mention, says recovered with how long, and notes inconclusive, flaky and passed runs', () => {
    const streak = { failures: 3, since: '2026-12-02T02:00:00.000Z' };
    assert.match(
      buildMessage(summary(), ctx({ kind: 'still-failing', streak })).text,
      /^Still failing \(3 runs in a row since 2026-12-02 02:00 UTC\): run canary_\w+ at the webhook was never acknowledged$/,
    );
    assert.match(buildMessage(summary(), ctx({ kind: 'reminder', streak })).text, /Deployed by <@U0ADA>$/);
    assert.match(
      buildMessage(summary({ outcome: 'passed' }), ctx({ kind: 'recovered', streak })).text,
      /recovered: run canary_\w+ passed after 3 failed runs since 2026-12-02 02:00 UTC, failing for 6\.0 h/,
    );
    const inconclusive = summary({ outcome: 'inconclusive' }, [
      test({
        outcome: 'inconclusive',
        stage: 'checkout-blocked',
        stage_title: STAGE_TITLES['checkout-blocked'],
        evidence: { url: 'https://checkout.stripe.com/x' },
      }),
    ]);
    assert.match(buildMessage(inconclusive, ctx({ kind: 'inconclusive' })).text, /was inconclusive .*Not counted as a failure/);
    assert.match(
      buildMessage(summary({ outcome: 'flaky' }, [test({ outcome: 'flaky', attempts: 2 })]), ctx({ kind: 'flaky' })).text,
      /passed on a retry \(flaky\): .* \(2 attempts\)/,
    );
    assert.match(buildMessage(summary({ outcome: 'passed' }, [test({ outcome: 'passed' })]), ctx({ kind: 'passed' })).text, /passed \(post-deploy\) in 9 s/);
  });
});
