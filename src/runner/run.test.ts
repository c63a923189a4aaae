/**
 * `canary run` end to end, as its users run it: the real command in a child process, Playwright
 * and Chromium, against the embedded Stripe emulator and demo app. It passes on a healthy app,
 * fails with the right stage for every demo-app fault, passes four times at once against one
 * Stripe and one app, refuses a live key, reports a test that passes on retry as flaky, writes
 * its report folder, and leaves no secret in it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import type { FaultName } from '../demo-app/faults.ts';
import type { Stage } from '../errors.ts';
import { secretsIn } from './testing/report-texts.ts';
import type { RunSummary } from './summary.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/canary.js');
/** Anything that looks like a Stripe key, webhook secret or Slack token, redacted or not. */
const SECRET_PATTERNS = [/\b(sk|rk)_(test|live)_(?!\[REDACTED\])[A-Za-z0-9]{6,}/, /\bwhsec_(?!\[REDACTED\])[A-Za-z0-9]{6,}/, /\bxox[abpre]-(?!\[REDACTED\])[A-Za-z0-9-]{6,}/];

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
  reportDir: string | null;
  summary: RunSummary | null;
}

/** What the child inherits: nothing that would point it at another Stripe, app or Slack. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|CANARY_|SLACK_)/.test(k)) env[k] = v;
  return env;
}

let reportsDir: string;
let workDir: string;

/** Runs `canary run ARGS` in a folder with no .env, reports under a temporary folder. */
function canaryRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], {
      cwd: workDir,
      env: { ...cleanEnv(), CANARY_REPORTS_DIR: reportsDir, CANARY_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const m = /^\s*report: (.+)$/m.exec(stdout);
      const reportDir = m ? path.resolve(workDir, m[1]!.trim()) : null;
      const summaryFile = reportDir && path.join(reportDir, 'summary.json');
      const summary = summaryFile && existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary) : null;
      resolve({ code: code ?? -1, stdout, stderr, reportDir, summary });
    });
  });
}

function explain(r: Finished): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-2000)}`;
}

/** No secret in what the run printed, nor anywhere in its report folder (zipped traces included). */
function assertNoSecrets(r: Finished, known: string[] = []): void {
  const secrets = [...known, ...SECRET_PATTERNS];
  for (const s of secrets) {
    assert.ok(!(typeof s === 'string' ? r.stdout.includes(s) || r.stderr.includes(s) : s.test(r.stdout) || s.test(r.stderr)), `${String(s)} appears in the run's output`);
  }
  assert.deepEqual(secretsIn(r.reportDir!, secrets), [], 'secrets found in the report folder');
}

before(() => {
  reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-reports-'));
  workDir = mkdtempSync(path.join(os.tmpdir(), 'canary-cwd-'));
});
after(() => {
  rmSync(reportsDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('canary run against the embedded Stripe emulator and demo app', () => {
  it('passes on a healthy app and writes reports/<run-id>/ with the HTML report, JSON, JUnit and summary.json', async () => {
    // No --grep: the default is the @critical suite.
    const r = await canaryRun(['--trigger', 'post-deploy', '--deployer', 'ada@example.com', '--commit', '0123456789abcdef']);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /1 passed/, "Playwright's summary line is printed");
    assert.match(r.stdout, /checkout-canary run canary_\d{8}T\d{6}Z_[a-z0-9]+: PASSED in [\d.]+ s \(post-deploy, deployed by ada@example.com, commit 0123456789ab\)/);
    const s = r.summary!;
    assert.ok(s, 'summary.json is written');
    assert.equal(path.basename(r.reportDir!), s.run_id, 'the folder is named after the run id');
    assert.equal(readlinkSync(path.join(reportsDir, 'latest')), s.run_id, 'reports/latest points at the newest run');
    for (const file of ['html/index.html', 'results.json', 'junit.xml', 'summary.json']) assert.ok(existsSync(path.join(r.reportDir!, file)), `${file} exists`);
    assert.match(readFileSync(path.join(r.reportDir!, 'junit.xml'), 'utf8'), /<testsuites id="" name="" tests="1" failures="0"/);
    assert.equal(JSON.parse(readFileSync(path.join(r.reportDir!, 'results.json'), 'utf8')).stats.expected, 1);
    assert.deepEqual(
      { outcome: s.outcome, trigger: s.trigger, deployer: s.deployer, commit: s.commit, grep: s.grep, counts: s.counts },
      { outcome: 'passed', trigger: 'post-deploy', deployer: 'ada@example.com', commit: '0123456789abcdef', grep: '@critical', counts: { passed: 1, failed: 0, flaky: 0, inconclusive: 0, skipped: 0 } },
    );
    assert.ok(Date.parse(s.started_at) > 0 && s.duration_ms > 0);
    assert.deepEqual(Object.keys(s.links).sort(), ['app', 'junit', 'report', 'results', 'stripe']);
    const [t] = s.tests;
    assert.equal(s.tests.length, 1);
    assert.equal(t!.outcome, 'passed');
    assert.deepEqual(t!.tags, ['@critical']);
    assert.ok(t!.duration_ms > 0);
    assert.equal(t!.stage, null);
    assert.match(t!.environment ?? '', /^env_/, 'the environment handed to cleanup');
    assert.deepEqual(Object.keys(t!.stripe_ids).sort(), ['checkout_session', 'customer', 'invoice', 'subscription']);
    assert.match(t!.stripe_ids.customer!, /^cus_/);
    assert.match(t!.stripe_ids.subscription!, /^sub_/);
    assert.match(t!.stripe_ids.checkout_session!, /^cs_test_/);
    assert.match(t!.stripe_ids.invoice!, /^in_/);
    assertNoSecrets(r);
  });

  it('passes the @extended card outcomes: refused cards and a failed challenge stay Free, a completed challenge ends on Pro', async () => {
    const r = await canaryRun(['--grep', '@extended', '--workers', '2']);
    assert.equal(r.code, 0, explain(r));
    const tests = r.summary!.tests;
    assert.deepEqual(tests.map((t) => t.outcome), ['passed', 'passed', 'passed', 'passed']);
    const byTitle = (re: RegExp) => tests.find((t) => re.test(t.title))!;
    for (const re of [/generic decline \(4000 0000 0000 0002\)/, /insufficient funds \(4000 0000 0000 9995\)/, /challenge fails/]) {
      const t = byTitle(re);
      assert.ok(t, `a test matches ${re}`);
      assert.deepEqual(t.tags, ['@extended']);
      assert.deepEqual(Object.keys(t.stripe_ids).sort(), ['checkout_session', 'customer'], `${t.title}: a customer and a session, no subscription`);
    }
    assert.deepEqual(Object.keys(byTitle(/challenge ends on Pro|completed in the challenge/).stripe_ids).sort(), ['checkout_session', 'customer', 'invoice', 'subscription']);
  });

  /** Each bad deploy the demo app can simulate, and the stage the run must blame. */
  const FAULT_STAGES: [FaultName, Stage, RegExp][] = [
    ['webhook-500', 'webhook', /never acknowledged checkout\.session\.completed evt_\w+: pending_webhooks is 1 .*answered 500/],
    ['webhook-timeout', 'webhook', /never acknowledged checkout\.session\.completed evt_\w+: pending_webhooks is 1 .*answered timeout/],
    ['webhook-wrong-secret', 'webhook', /never acknowledged checkout\.session\.completed evt_\w+: pending_webhooks is 1 .*answered 400/],
    ['ignore-upgrade', 'app-not-updated', /Stripe shows cs_test_\w+ complete .* but the app still shows Free/],
    ['wrong-price', 'checkout-ui', /Checkout shows the Pro price \$49\.00/],
    ['checkout-500', 'app-ui', /the app answers the upgrade with a redirect to Checkout[\s\S]*Received: 500/],
  ];
  for (const [fault, stage, evidence] of FAULT_STAGES) {
    it(`fails at stage ${stage} when the demo app has the ${fault} fault, keeping trace, video and screenshot`, async () => {
      const r = await canaryRun(['--grep', '@critical'], {
        DEMO_APP_FAULT: fault,
        CANARY_FULFILMENT_TIMEOUT_MS: '4000',
        STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: '1000',
        STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '100,200',
      });
      assert.equal(r.code, 1, explain(r));
      const t = r.summary!.tests[0]!;
      assert.equal(r.summary!.outcome, 'failed');
      assert.equal(t.outcome, 'failed');
      assert.equal(t.stage, stage, `stage of ${fault}: ${t.error}`);
      assert.match(t.error ?? '', evidence);
      assert.match(r.stdout, new RegExp(`FAILED: a customer upgrades.*\\n\\s+stage: `));
      for (const kind of ['trace', 'screenshot', 'video'] as const) {
        assert.ok(t.artifacts[kind] && existsSync(path.join(r.reportDir!, t.artifacts[kind]!)), `the ${kind} is kept (${JSON.stringify(t.artifacts)})`);
      }
      assert.match(t.stripe_ids.customer ?? '', /^cus_/, 'the customer is recorded for cleanup even when the run fails');
      assertNoSecrets(r);
      // The secret scan reads inside the zipped trace and the HTML report's embedded data: the
      // environment id (in the app's URLs) is found there, so a leaked key would be too.
      const seen = secretsIn(r.reportDir!, [t.environment!]);
      assert.ok(seen.some((w) => /trace\.zip!/.test(w)) && seen.some((w) => /index\.html!/.test(w)), `the scan reaches zipped content: ${seen.join(', ')}`);
    });
  }

  it('refuses a live key with exit 2 before making any request', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const key of ['sk_live_51DoNotUseThisLiveKey', 'rk_live_51DoNotUseThisRestrictedKey']) {
        const r = await canaryRun(['--grep', '@critical'], { STRIPE_SECRET_KEY: key, STRIPE_API_URL: url, DEMO_APP_URL: url, DEMO_APP_ADMIN_TOKEN: 'admin-token-for-the-live-key-test' });
        assert.equal(r.code, 2, explain(r));
        assert.match(r.stderr, /live/i, 'the message says the key is live');
        assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key), 'the key is not printed');
        assert.equal(r.reportDir, null, 'no run started, so no report');
      }
      assert.equal(requests, 0, 'no request reached Stripe or the app');
    } finally {
      server.close();
    }
  });
});

describe('canary run against a shared Stripe and app', () => {
  const KEY = `sk_test_shared${Math.random().toString(36).slice(2, 12)}`;
  let h: DemoHarness;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    h = await startDemoHarness({ app: { stripeSecretKey: KEY } });
    env = { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken };
  });
  after(() => h.close());
  /** Sets the emulator's injected faults through its control API. */
  const emulatorFaults = (body: unknown) => fetch(`${h.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('four concurrent runs all pass, each with its own environment, customer and email', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => canaryRun(['--grep', '@critical'], env)));
    for (const r of runs) assert.equal(r.code, 0, explain(r));
    const ids = runs.map((r) => r.summary!.run_id);
    assert.equal(new Set(ids).size, 4, 'four distinct run ids');
    assert.equal(new Set(runs.map((r) => r.summary!.tests[0]!.environment)).size, 4, 'four environments');
    const customers = runs.map((r) => r.summary!.tests[0]!.stripe_ids.customer!);
    assert.equal(new Set(customers).size, 4, 'four customers');
    for (const [i, id] of customers.entries()) {
      const customer = await h.stripe.customers.retrieve(id);
      assert.ok(!customer.deleted);
      assert.equal(customer.metadata.canary_run_id, ids[i], `${id} carries its own run's id`);
      assert.equal(customer.metadata.environment, runs[i]!.summary!.tests[0]!.environment);
      const subs = await h.stripe.subscriptions.list({ customer: id });
      assert.equal(subs.data.length, 1, `${id} has exactly its own subscription`);
    }
    assert.equal(new Set((await Promise.all(customers.map((id) => h.stripe.customers.retrieve(id)))).map((c) => !c.deleted && c.email)).size, 4, 'four emails');
    for (const r of runs) assertNoSecrets(r, [KEY, h.adminToken]);
  });

  for (const [pageFault, what, says] of [
    ['captcha', 'showing a CAPTCHA instead of the form', /Checkout showed a CAPTCHA instead of the payment form/],
    ['captcha_on_submit', 'showing a CAPTCHA once the payment is submitted', /Checkout showed a CAPTCHA after the payment was submitted/],
    ['unreachable', 'unreachable', /Checkout could not be reached/],
  ] as const) {
    it(`Checkout ${what} makes the run inconclusive (exit 3), not failed`, async (t) => {
      assert.equal((await emulatorFaults({ checkout_page: pageFault })).status, 200);
      t.after(() => emulatorFaults({ checkout_page: 'none' }));
      const r = await canaryRun(['--grep', '@critical'], env);
      assert.equal(r.code, 3, explain(r));
      assert.equal(r.summary!.outcome, 'inconclusive');
      const test = r.summary!.tests[0]!;
      assert.deepEqual([test.outcome, test.stage], ['inconclusive', 'checkout-blocked']);
      assert.match(test.error ?? '', says);
      assert.match(r.stdout, /INCONCLUSIVE in [\d.]+ s/);
    });
  }

  it("a Stripe API error fails the run at stage stripe-api, with Stripe's request id", async (t) => {
    // Only the monitor lists customers by email: the app keeps working, the check cannot.
    assert.equal((await emulatorFaults({ api: [{ method: 'GET', path: '/v1/customers', status: 500 }] })).status, 200);
    t.after(() => emulatorFaults({ api: [] }));
    const r = await canaryRun(['--grep', '@critical'], env);
    assert.equal(r.code, 1, explain(r));
    const test = r.summary!.tests[0]!;
    assert.equal(test.stage, 'stripe-api', test.error ?? '');
    assert.match(test.error ?? '', /Stripe API error while listing customers by email: .*\(HTTP 500, api_error, request req_\w+\)/);
  });

  it('with --retries, a test that passes on its retry is reported flaky (exit 0), not passed', async () => {
    const set = await h.admin('POST', '/_demo/faults', { fault: 'checkout-500', times: 1 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const r = await canaryRun(['--grep', '@critical', '--retries', '1'], env);
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.summary!.outcome, 'flaky');
    assert.deepEqual(r.summary!.counts, { passed: 0, failed: 0, flaky: 1, inconclusive: 0, skipped: 0 });
    assert.equal(r.summary!.tests[0]!.attempts, 2);
    assert.match(r.stdout, /FLAKY in [\d.]+ s/);
    assert.match(r.stdout, /FLAKY: a customer upgrades/);
    assert.equal((await h.admin('GET', '/_demo/faults')).body.fault, null, 'the one-time fault struck once');
  });
});
