/**
 * `canary run` end to end, as its users run it: the real command in a child process, Playwright
 * and Chromium, against the embedded Stripe emulator and demo app or against shared ones. Every
 * assertion about a run reads its summary.json (validated against the schema), never a message;
 * every run is bounded and scanned for secrets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import type { FaultName } from '../demo-app/faults.ts';
import type { Stage } from '../errors.ts';
import type { EndpointAnswers } from '../stripe/webhooks.ts';
import { processesOfRun } from './run.ts';
import type { TestSummary } from './summary-schema.ts';
import { assertLiveKeysRefused, canaryCli, childrenOf, explain, groupGone, onlyTest, portClosed, waitFor, type CanaryCli } from './testing/canary-cli.ts';
import { secretsIn } from './testing/report-texts.ts';

const FAST_WEBHOOKS = { CANARY_FULFILMENT_TIMEOUT_MS: '4000', STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: '1000', STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '100,200' };

let cli: CanaryCli;
const canaryRun: CanaryCli['run'] = (...args) => cli.run(...args);
before(() => {
  cli = canaryCli();
});
after(() => cli?.close());

describe('canary run against the embedded Stripe emulator and demo app', () => {
  it('passes on a healthy app and writes reports/<run-id>/ with the HTML report, JSON, JUnit and summary.json', async () => {
    // No --grep: the default is the @critical suite. A random Checkout page variant: the journey passes on any.
    const r = await canaryRun(['--trigger', 'post-deploy', '--deployer', 'ada@example.com', '--commit', '0123456789abcdef', '--checkout-variant', 'random']);
    const t = onlyTest(r, 0);
    assert.match(r.stdout, /1 passed/, "Playwright's summary line is printed");
    const s = r.summary!;
    assert.equal(path.basename(r.reportDir!), s.run_id, 'the folder is named after the run id');
    assert.equal(readlinkSync(path.join(cli.reportsDir, 'latest')), s.run_id, 'reports/latest points at the newest run');
    for (const file of ['html/index.html', 'results.json', 'junit.xml', 'summary.json']) assert.ok(existsSync(path.join(r.reportDir!, file)), `${file} exists`);
    assert.match(readFileSync(path.join(r.reportDir!, 'junit.xml'), 'utf8'), /<testsuites id="" name="" tests="1" failures="0"/);
    assert.deepEqual(
      {
        schema_version: s.schema_version,
        outcome: s.outcome,
        trigger: s.trigger,
        deployer: s.deployer,
        commit: s.commit,
        grep: s.grep,
        stopped: s.stopped,
        errors: s.errors,
        timeout_ms: s.timeout_ms,
      },
      {
        schema_version: 2,
        outcome: 'passed',
        trigger: 'post-deploy',
        deployer: 'ada@example.com',
        commit: '0123456789abcdef',
        grep: '@critical',
        stopped: null,
        errors: [],
        timeout_ms: 600_000,
      },
    );
    assert.deepEqual(s.counts, { passed: 1, failed: 0, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 });
    assert.ok(Date.parse(s.finished_at!) >= Date.parse(s.started_at) && s.duration_ms > 0);
    assert.deepEqual(Object.keys(s.links).sort(), ['app', 'junit', 'report', 'results', 'stripe']);
    // Where the time went: every part, and together no more than the run's duration (they partition it, less a few gaps).
    const timings = s.timings ?? {};
    assert.deepEqual(Object.keys(timings).sort(), ['browser_start_ms', 'playwright_start_ms', 'report_ms', 'targets_ms', 'tests_ms']);
    assert.ok(Object.values(timings).reduce((a, b) => a + b, 0) <= s.duration_ms + 5, JSON.stringify({ timings, duration_ms: s.duration_ms }));
    assert.deepEqual([t.outcome, t.tags, t.stage, t.evidence, t.steps_in_progress], ['passed', ['@critical'], null, null, []]);
    assert.match(t.environment ?? '', /^env_/, 'the environment handed to cleanup');
    assert.deepEqual(Object.keys(t.stripe_ids).sort(), ['checkout_session', 'customer', 'invoice', 'subscription']);
    assert.match(t.stripe_ids.customer!, /^cus_/);
    assert.match(t.stripe_ids.subscription!, /^sub_/);
    // The page the run set, with the seed it took from its own id, printed so the run can be repeated.
    const variant = s.checkout_variant!;
    assert.equal(variant.requested, 'random');
    assert.equal(variant.seed, Number.parseInt(s.run_id.slice(-8), 16));
    assert.deepEqual(Object.keys(variant.options).sort(), ['accordion', 'billing_address', 'link']);
    assert.ok(r.stdout.includes(`Checkout page variant: ${variant.name} (`), r.stdout.slice(0, 2000));
    assert.ok(r.stdout.includes(`repeat it with --checkout-variant ${variant.seed})`), 'the seed to repeat it is printed');
  });

  it('passes the @extended specs: refused cards and a failed challenge stay Free, a completed challenge ends on Pro; renewals and the portal on test clocks', async () => {
    const r = await canaryRun(['--grep', '@extended', '--workers', '2']);
    assert.equal(r.code, 0, explain(r));
    const tests = r.summary!.tests;
    assert.deepEqual(
      tests.map((t) => t.outcome),
      Array(7).fill('passed'),
    );
    const byTitle = (re: RegExp) => tests.find((t) => re.test(t.title))!;
    for (const re of [/generic decline \(4000 0000 0000 0002\)/, /insufficient funds \(4000 0000 0000 9995\)/, /challenge fails/]) {
      const t = byTitle(re);
      assert.ok(t, `a test matches ${re}`);
      assert.deepEqual(t.tags, ['@extended']);
      assert.deepEqual(Object.keys(t.stripe_ids).sort(), ['checkout_session', 'customer'], `${t.title}: a customer and a session, no subscription`);
    }
    assert.deepEqual(Object.keys(byTitle(/completed in the challenge/).stripe_ids).sort(), ['checkout_session', 'customer', 'invoice', 'subscription']);
    // Renewed, past due, canceled in the portal: each on its own test clock, deleted with its customer once passed.
    for (const re of [/the plan renews/, /card fails turns the plan past due/, /canceled in the portal/]) {
      const t = byTitle(re);
      assert.ok(t, `a test matches ${re}`);
      assert.match(t.stripe_ids.test_clock ?? '', /^clock_/, `${t.title}: its test clock is recorded`);
      assert.ok(
        t.cleanup!.deleted.some((d) => d.type === 'test_clock' && d.id === t.stripe_ids.test_clock),
        `${t.title}: its test clock is deleted`,
      );
    }
  });

  it('fails at stage app-not-updated when the app misses a failed renewal (ignore-past-due), saying what Stripe shows', async () => {
    const r = await canaryRun(['--grep', 'card fails turns the plan past due'], { DEMO_APP_FAULT: 'ignore-past-due' });
    const t = onlyTest(r, 1);
    assert.deepEqual([r.summary!.outcome, t.outcome, t.stage], ['failed', 'failed', 'app-not-updated'], explain(r));
    assert.match(String(t.failed_step), /^App UI: the app shows Pro with its renewal payment past due$/);
    assert.deepEqual(t.evidence!.expected_state, { kind: 'past_due' });
    assert.match(String(t.evidence!.subscription), /^sub_/);
    assert.match(String(t.evidence!.app_saw), /pastDue/, 'what the app showed instead');
  });

  /** Each bad deploy the demo app can simulate, the stage the run must blame, and what its evidence must show. */
  const FAULT_STAGES: [FaultName, Stage, (t: TestSummary) => void][] = [
    ['webhook-500', 'webhook', (t) => assert.deepEqual(appEndpoint(t).answers.slice(0, 3), [500, 500, 500])],
    ['webhook-timeout', 'webhook', (t) => assert.deepEqual(appEndpoint(t).answers.slice(0, 1), ['timeout'])],
    ['webhook-wrong-secret', 'webhook', (t) => assert.deepEqual(appEndpoint(t).answers.slice(0, 3), [400, 400, 400])],
    [
      'ignore-upgrade',
      'app-not-updated',
      (t) => {
        assert.match(String(t.evidence!.session), /^cs_test_/);
        assert.match(String(t.evidence!.subscription), /^sub_/);
      },
    ],
    ['wrong-price', 'checkout-ui', (t) => assert.deepEqual([t.evidence!.expected, t.evidence!.shown], ['$49.00', ['$99.00']])],
    ['checkout-500', 'app-ui', (t) => assert.deepEqual([t.evidence!.expected, t.evidence!.received], [303, 500])],
    [
      'drop-metadata',
      'stripe-state',
      (t) => {
        assert.match(String(t.evidence!.subscription), /^sub_/);
        assert.deepEqual(t.evidence!.metadata, {});
        // The run's label, which the demo app says it puts on the subscription (its adapter's stripeLabels).
        assert.deepEqual(Object.keys(t.evidence!.expected as object), ['canary_run_id']);
        assert.match(String((t.evidence!.expected as { canary_run_id: string }).canary_run_id), /^canary_\d{8}T/);
      },
    ],
  ];
  for (const [fault, stage, evidence] of FAULT_STAGES) {
    it(`fails at stage ${stage} when the demo app has the ${fault} fault, with its evidence, trace, video and screenshot`, async () => {
      const r = await canaryRun(['--grep', '@critical'], { DEMO_APP_FAULT: fault, ...FAST_WEBHOOKS });
      const t = onlyTest(r, 1);
      assert.deepEqual([r.summary!.outcome, t.outcome, t.stage], ['failed', 'failed', stage], explain(r));
      assert.ok(t.failed_step && t.evidence, 'the failed step and its evidence are recorded');
      evidence(t);
      assert.match(r.stdout, /FAILED: a customer upgrades.*\n\s+stage: /);
      for (const kind of ['trace', 'screenshot', 'video'] as const) {
        assert.ok(t.artifacts[kind] && existsSync(path.join(r.reportDir!, t.artifacts[kind]!)), `the ${kind} is kept (${JSON.stringify(t.artifacts)})`);
      }
      assert.match(t.stripe_ids.customer ?? '', /^cus_/, 'the customer is recorded for cleanup even when the run fails');
      // The secret scan reads inside the zipped trace and the HTML report's embedded data: the
      // environment id (in the app's URLs) is found there, so a leaked key would be too.
      const seen = secretsIn(r.reportDir!, [t.environment!]);
      assert.ok(seen.some((w) => /trace\.zip!/.test(w)) && seen.some((w) => /index\.html!/.test(w)), `the scan reaches zipped content: ${seen.join(', ')}`);
    });
  }

  it('fails at stage config when CANARY_PRICE_LOOKUP_KEY names no price, naming the variable', async () => {
    const r = await canaryRun(['--grep', '@critical'], { CANARY_PRICE_LOOKUP_KEY: 'no_such_price' });
    const t = onlyTest(r, 1);
    assert.deepEqual([t.stage, t.failed_step], ['config', null], explain(r));
    assert.deepEqual(t.evidence, { variable: 'CANARY_PRICE_LOOKUP_KEY', lookup_key: 'no_such_price' });
  });

  it('an error outside any step (the browser cannot start) has stage outside-step, not the app UI', async () => {
    const r = await canaryRun(['--grep', '@critical'], { CANARY_CHROMIUM: '/bin/false' });
    const t = onlyTest(r, 1);
    assert.deepEqual([t.outcome, t.stage, t.failed_step], ['failed', 'outside-step', null], explain(r));
    assert.equal(t.evidence!.status, 'failed');
    assert.ok(t.error, 'the error is kept');
  });

  it('SIGTERM mid-run stops Playwright, its browser and the embedded targets, writes outcome aborted and exits 143', async () => {
    const known = cli.runDirs();
    let child: ChildProcess | undefined;
    const finished = canaryRun(['--grep', '@critical'], { DEMO_APP_FAULT: 'upgrade-hang' }, (c) => (child = c));
    // The reporter writes summary.json as steps start: wait until the hanging upgrade is in progress.
    const during = await cli.waitForSummary(
      () => cli.newRunDir(known),
      (s) => s.tests[0]?.steps_in_progress.some((x) => /upgrade to Pro/.test(x)) ?? false,
      'the upgrade step in progress',
    );
    child!.kill('SIGTERM');
    const r = await finished;
    const t = onlyTest(r, 143);
    assert.deepEqual(
      [r.summary!.outcome, t.outcome, t.failed_step],
      ['aborted', 'aborted', 'App UI: start the upgrade to Pro, ending on Stripe Checkout'],
      explain(r),
    );
    assert.deepEqual([r.summary!.stopped?.reason, r.summary!.stopped?.signal], ['signal', 'SIGTERM']);
    await assertNothingLeft(child!.pid!, during.run_id);
    for (const url of [during.target.app_url, during.target.stripe_api_url!]) assert.ok(await portClosed(url), `${url} is closed`);
  });

  it('its parent gone (the shell npx left, killed): canary stops as on SIGTERM, its run aborted, nothing left running', async () => {
    const known = cli.runDirs();
    let shell: ChildProcess | undefined;
    const finished = cli.command(['run', '--grep', '@critical'], { DEMO_APP_FAULT: 'upgrade-hang' }, (c) => (shell = c), { underShell: true });
    const during = await cli.waitForSummary(
      () => cli.newRunDir(known),
      (s) => s.tests[0]?.steps_in_progress.some((x) => /upgrade to Pro/.test(x)) ?? false,
      'the upgrade step in progress',
    );
    const [canary] = childrenOf(shell!.pid!);
    assert.ok(canary, 'canary runs under the shell');
    // Only the shell dies, as when npx's shell is killed: canary is left behind, an orphan.
    shell!.kill('SIGKILL');
    const r = await finished;
    assert.equal(r.signal, 'SIGKILL', 'the shell was killed');
    const t = onlyTest(r, null);
    assert.deepEqual([r.summary!.outcome, t.outcome], ['aborted', 'aborted'], explain(r));
    assert.deepEqual([r.summary!.stopped?.reason, r.summary!.stopped?.signal], ['signal', 'SIGTERM']);
    assert.match(r.stderr, /the process that started canary \(pid \d+\) is gone: stopping as on SIGTERM/, explain(r));
    await assertNothingLeft(shell!.pid!, during.run_id);
    assert.throws(() => process.kill(canary, 0), /ESRCH/, 'canary itself exited');
  });

  it('stopped by --timeout before any test began: failed at stage timeout, saying so', async () => {
    const r = await canaryRun(['--grep', '@critical', '--timeout', '1s']);
    assert.equal(r.code, 1, explain(r));
    const s = r.summary!;
    assert.deepEqual([s.outcome, s.stage, s.tests.length, s.stopped?.reason], ['failed', 'timeout', 0, 'timeout'], explain(r));
    assert.match(s.errors.join('\n'), /exceeded its --timeout of 1s before any test began/);
  });

  it('a Stripe URL answering {} to everything fails at stage stripe-api naming the route and the answer', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await canaryRun(['--grep', '@critical'], { STRIPE_SECRET_KEY: 'sk_test_answersEverythingWithBraces', STRIPE_API_URL: url });
      assert.equal(r.code, 1, explain(r));
      assert.equal(r.summary!.stage, 'stripe-api', explain(r));
      assert.match(r.summary!.errors.join('\n'), /Stripe's API answered GET \/v1\/\w+ with \{\} \(HTTP 200\), which is not a Stripe object/);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /Cannot read properties/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a live key with exit 2 before making any request, and starts no run', async () => {
    const refused = await assertLiveKeysRefused(cli, ['run', '--grep', '@critical'], (url) => ({
      STRIPE_API_URL: url,
      DEMO_APP_URL: url,
      DEMO_APP_ADMIN_TOKEN: 'admin-token-for-the-live-key-test',
    }));
    for (const r of refused) assert.equal(r.reportDir, null, 'no run started, so no report');
  });
});

/**
 * Nothing the run started is left: not in canary run's process group (tsx's esbuild helper may
 * take a moment to exit after its parent, hence the short bounded wait), and no process (Playwright,
 * a worker, Chromium) carries the run's hand-off.
 */
async function assertNothingLeft(pid: number, runId: string): Promise<void> {
  await waitFor("canary run's process group to be empty", () => (groupGone(pid) ? true : undefined), 10_000);
  await waitFor("no process carrying the run's hand-off", () => (processesOfRun(runId).length === 0 ? true : undefined), 10_000);
}

/** The app's own endpoint in a webhook failure's evidence. */
function appEndpoint(t: TestSummary): EndpointAnswers {
  const endpoints = t.evidence!.endpoints as EndpointAnswers[];
  const mine = endpoints.filter((e) => e.app);
  assert.equal(mine.length, 1, `exactly one endpoint is the app's: ${JSON.stringify(endpoints)}`);
  return mine[0]!;
}

describe('canary run against a shared Stripe and app', () => {
  const KEY = `sk_test_shared${Math.random().toString(36).slice(2, 12)}`;
  let h: DemoHarness;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    h = await startDemoHarness({ app: { stripeSecretKey: KEY } });
    env = { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken };
  });
  after(() => h?.close());
  /** Sets the emulator's injected faults through its control API. */
  const emulatorFaults = (body: unknown) =>
    fetch(`${h.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('four concurrent runs all pass, each with its own environment, customer and email', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => canaryRun(['--grep', '@critical'], env)));
    for (const r of runs) assert.equal(r.code, 0, explain(r));
    const ids = runs.map((r) => r.summary!.run_id);
    assert.equal(new Set(ids).size, 4, 'four distinct run ids');
    assert.equal(new Set(runs.map((r) => r.summary!.tests[0]!.environment)).size, 4, 'four environments');
    const customers = runs.map((r) => r.summary!.tests[0]!.stripe_ids.customer!);
    assert.equal(new Set(customers).size, 4, 'four customers');
    // Each run checked, inside its journey, exactly one customer and one subscription of its own;
    // then its cleanup deleted exactly its own customer and environment, nobody else's.
    for (const [i, r] of runs.entries()) {
      const t = r.summary!.tests[0]!;
      const deleted = t.cleanup.deleted.filter((d) => d.type === 'customer' || d.type === 'environment').map((d) => d.id);
      assert.deepEqual(deleted.sort(), [customers[i]!, t.environment!].sort(), `run ${ids[i]} deleted only its own customer and environment`);
      assert.equal(((await h.stripe.customers.retrieve(customers[i]!)) as { deleted?: boolean }).deleted, true);
    }
  });

  for (const [pageFault, what] of [
    ['captcha', 'showing a CAPTCHA instead of the form'],
    ['captcha_on_submit', 'showing a CAPTCHA once the payment is submitted'],
    ['unreachable', 'unreachable'],
  ] as const) {
    it(`Checkout ${what} makes the run inconclusive (exit 3), not failed`, async (t) => {
      assert.equal((await emulatorFaults({ checkout_page: pageFault })).status, 200);
      t.after(() => emulatorFaults({ checkout_page: 'none' }));
      const r = await canaryRun(['--grep', '@critical'], env);
      const test = onlyTest(r, 3);
      assert.equal(r.summary!.outcome, 'inconclusive');
      assert.deepEqual([test.outcome, test.stage], ['inconclusive', 'checkout-blocked']);
      assert.match(String(test.evidence!.url), pageFault === 'unreachable' ? /^chrome-error:/ : /\/c\/pay\/cs_test_/);
    });
  }

  it('4242 declined by Stripe is an unexpected card result, with the code Stripe recorded', async (t) => {
    assert.equal((await emulatorFaults({ checkout_page: 'decline' })).status, 200);
    t.after(() => emulatorFaults({ checkout_page: 'none' }));
    const r = await canaryRun(['--grep', '@critical'], env);
    const test = onlyTest(r, 1);
    assert.equal(test.stage, 'card-result', explain(r));
    assert.match(test.failed_step ?? '', /^Card result: /);
    assert.deepEqual([test.evidence!.expected, (test.evidence!.outcome as { kind: string }).kind], ['left', 'error']);
    const stripeError = test.evidence!.stripe_error as { code: string; decline_code: string; payment_intent: string };
    assert.deepEqual([stripeError.code, stripeError.decline_code], ['card_declined', 'generic_decline']);
    assert.match(stripeError.payment_intent, /^pi_/);
  });

  it("a Stripe API error fails the run at stage stripe-api, with Stripe's request id", async (t) => {
    // Only the monitor lists customers by email: the app keeps working, the check cannot.
    assert.equal((await emulatorFaults({ api: [{ method: 'GET', path: '/v1/customers', status: 500 }] })).status, 200);
    t.after(() => emulatorFaults({ api: [] }));
    const r = await canaryRun(['--grep', '@critical'], env);
    const test = onlyTest(r, 1);
    assert.equal(test.stage, 'stripe-api', explain(r));
    assert.deepEqual([test.evidence!.status, test.evidence!.type, test.evidence!.while], [500, 'StripeAPIError', 'listing customers by email']);
    assert.match(String(test.evidence!.request_id), /^req_/);
  });

  it("the app's admin API refusing the token fails at stage app-api, outside any step", async () => {
    const r = await canaryRun(['--grep', '@critical'], { ...env, DEMO_APP_ADMIN_TOKEN: 'a-token-the-app-does-not-know' });
    const test = onlyTest(r, 1);
    assert.deepEqual([test.stage, test.failed_step], ['app-api', null], explain(r));
    assert.deepEqual(test.evidence, { adapter_call: 'tenant.create', error: 'The demo app answered 403 to POST /api/environments: Wrong admin token.' });
  });

  it('--timeout bounds the whole run: past it the run stops and fails at stage timeout, naming the step in progress', async (t) => {
    assert.equal((await h.admin('POST', '/_demo/faults', { fault: 'upgrade-hang' })).status, 200);
    t.after(() => h.setFault(null));
    let child: ChildProcess | undefined;
    // Past Playwright's start even on a loaded machine (5 s was not always), and before the hanging
    // upgrade's own 15 s click timeout could fail the step: whichever step is in progress then, the
    // timeout names it.
    const r = await canaryRun(['--grep', '@critical', '--timeout', '12s'], env, (c) => (child = c));
    const test = onlyTest(r, 1);
    const s = r.summary!;
    assert.deepEqual([s.outcome, s.stopped?.reason, s.timeout_ms, test.outcome, test.stage], ['failed', 'timeout', 12_000, 'failed', 'timeout'], explain(r));
    assert.equal(test.evidence!.timeout_ms, 12_000);
    assert.equal(test.failed_step, test.evidence!.step, 'the step in progress is named');
    assert.ok(s.stopped!.after_ms >= 12_000);
    await assertNothingLeft(child!.pid!, s.run_id);
  });

  it('with --retries, a test that passes on its retry is reported flaky (exit 0), not passed', async () => {
    const set = await h.admin('POST', '/_demo/faults', { fault: 'checkout-500', times: 1 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const r = await canaryRun(['--grep', '@critical', '--retries', '1'], env);
    const test = onlyTest(r, 0);
    assert.equal(r.summary!.outcome, 'flaky');
    assert.deepEqual(r.summary!.counts, { passed: 0, failed: 0, flaky: 1, inconclusive: 0, skipped: 0, aborted: 0 });
    assert.equal(test.attempts, 2);
    assert.match(r.stdout, /FLAKY: a customer upgrades/);
    assert.equal((await h.admin('GET', '/_demo/faults')).body.fault, null, 'the one-time fault struck once');
  });
});

describe('canary run against one external emulator whose account has other endpoints', () => {
  const KEY = `sk_test_endpoints${Math.random().toString(36).slice(2, 12)}`;
  let h: DemoHarness;
  let failing: Server;
  let dead: string;
  before(async () => {
    h = await startDemoHarness({ app: { stripeSecretKey: KEY }, emulator: { webhookRetryDelaysMs: [100, 200], webhookTimeoutMs: 1000 } });
    failing = createServer((_req, res) => res.writeHead(500).end('another app is broken'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/dead-preview`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await h.stripe.webhookEndpoints.create({ url: dead, enabled_events: ['*'], description: 'a dead preview' });
    await h.stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/staging`,
      enabled_events: ['*'],
      description: 'a broken staging app',
    });
  });
  after(async () => {
    failing?.close();
    await h?.close();
  });

  it('three runs in a row (each starting its own demo app) all pass; each removes the endpoint it registered', async () => {
    const env = { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: h.emulator.url };
    for (let i = 1; i <= 3; i++) {
      const r = await canaryRun(['--grep', '@critical'], env);
      assert.equal(onlyTest(r, 0).outcome, 'passed', `run ${i}: ${explain(r)}`);
    }
    const urls = (await h.stripe.webhookEndpoints.list({ limit: 100 })).data.map((e) => e.url).sort();
    assert.deepEqual(
      urls,
      [h.app.webhookUrl, dead, `http://127.0.0.1:${(failing.address() as AddressInfo).port}/staging`].sort(),
      "only the shared app's and the other apps' endpoints remain",
    );
  });

  it("with webhook-500 the run still fails at webhook, and the evidence names the app's endpoint apart from the others", async () => {
    const r = await canaryRun(['--grep', '@critical'], {
      STRIPE_SECRET_KEY: KEY,
      STRIPE_API_URL: h.emulator.url,
      DEMO_APP_FAULT: 'webhook-500',
      CANARY_FULFILMENT_TIMEOUT_MS: '4000',
    });
    const t = onlyTest(r, 1);
    assert.equal(t.stage, 'webhook', explain(r));
    const mine = appEndpoint(t);
    assert.match(mine.url, /^http:\/\/127\.0\.0\.1:\d+\/webhooks\/stripe$/);
    assert.ok(mine.answers.length >= 1 && mine.answers.every((a) => a === 500), `the app answered 500 each time: ${mine.answers}`);
    assert.equal(t.evidence!.app_endpoint, mine.url);
    const others = (t.evidence!.endpoints as EndpointAnswers[]).filter((e) => !e.app);
    assert.ok(
      others.some((e) => e.url === dead) && others.some((e) => /\/staging$/.test(e.url)),
      `the other endpoints are named with their own answers: ${JSON.stringify(others)}`,
    );
  });
});
