/**
 * `canary doctor` against a Stripe emulator, a deployed demo app, the Slack emulator and a real
 * PostgreSQL, as the command runs (in-process): every check passes; then each made to fail in
 * turn — exactly that line fails, with what to do, and the command exits 2; warnings never fail
 * it; `--json` is one object; unreachable services and a malformed database URL are failing lines
 * that name them, never a stack trace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/main.ts';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { startSlackEmulator, type RunningSlackEmulator } from '../emulators/slack/index.ts';
import { PLAN_EVENTS } from '../stripe/webhooks.ts';
import { freePort } from '../testing/free-port.ts';
import { startPostgres, type StartedPostgres } from '../testing/postgres.ts';
import type { CheckResult, CheckStatus } from './checks.ts';

const BOT_TOKEN = 'xoxb-doctor-test-token';
const CHANNEL = 'C0DOCTOR01';
const CHECK_NAMES = [
  'config',
  'adapter',
  'stripe-key',
  'price',
  'webhook-endpoint',
  'app',
  'slack-token',
  'slack-channel',
  'chromium',
  'video-recorder',
  'folders',
  'database',
];

describe('canary doctor', () => {
  const KEY = `sk_test_doctor${Math.random().toString(36).slice(2, 10)}`;
  let h: DemoHarness;
  let slack: RunningSlackEmulator;
  let db: StartedPostgres;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    [h, slack, db] = await Promise.all([
      startDemoHarness({ app: { stripeSecretKey: KEY } }),
      startSlackEmulator({ port: 0, tokens: [BOT_TOKEN] }),
      startPostgres(),
    ]);
    work = mkdtempSync(path.join(os.tmpdir(), 'canary-doctor-'));
    env = {
      STRIPE_SECRET_KEY: KEY,
      STRIPE_API_URL: h.emulator.url,
      DEMO_APP_URL: h.app.url,
      DEMO_APP_ADMIN_TOKEN: h.adminToken,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_CHANNEL_ID: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
      CANARY_COORDINATOR_URL: db.url,
      CANARY_REPORTS_DIR: path.join(work, 'reports'),
      CANARY_STATE_DIR: path.join(work, 'state'),
    };
  });
  after(async () => {
    await Promise.all([h?.close(), slack?.close(), db?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  async function doctor(extra: NodeJS.ProcessEnv = {}, args: string[] = []) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['doctor', '--json', ...args], {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      cwd: work,
      env: { ...env, ...extra },
      signal: AbortSignal.abort('SIGTERM'),
    });
    assert.equal(err.join('\n'), '', 'nothing on stderr');
    const report = JSON.parse(out.join('\n')) as { checks: CheckResult[]; passed: number; failed: number; warnings: number };
    return { code, report, status: (name: string) => report.checks.find((c) => c.name === name)!.status };
  }

  /** Exactly `name` fails, with a fix; the others pass or warn; exit 2. */
  async function onlyFails(name: string, extra: NodeJS.ProcessEnv, detail: RegExp, args: string[] = []): Promise<CheckResult> {
    const r = await doctor(extra, args);
    const failed = r.report.checks.filter((c) => c.status === 'fail');
    assert.deepEqual(
      failed.map((c) => c.name),
      [name],
      JSON.stringify(r.report.checks, null, 1),
    );
    assert.equal(r.code, 2);
    const c = failed[0]!;
    assert.match(c.detail, detail);
    assert.ok(c.fix && c.fix.length > 10, `${name} says what to do: ${c.fix}`);
    return c;
  }

  it('every check passes against the emulator, a deployed demo app, the Slack emulator and PostgreSQL: exit 0', async () => {
    const r = await doctor();
    assert.deepEqual(
      r.report.checks.map((c) => c.name),
      CHECK_NAMES,
    );
    assert.deepEqual(
      r.report.checks.filter((c) => c.status !== 'pass'),
      [],
    );
    assert.deepEqual([r.code, r.report.passed, r.report.failed, r.report.warnings], [0, 12, 0, 0]);
    assert.match(r.report.checks.find((c) => c.name === 'price')!.detail, /lookup_key canary_pro_monthly\): active, 49\.00 USD every month/);
    assert.match(r.report.checks.find((c) => c.name === 'app')!.detail, /\/healthz answered 200 \(version dev\)/);
  });

  it('prints one line a check with its mark, the fix under a failure, and the count', async () => {
    const out: string[] = [];
    const code = await runCli(['doctor'], {
      stdout: (l) => out.push(l),
      stderr: () => {},
      cwd: work,
      env: { ...env, SLACK_BOT_TOKEN: 'xoxb-a-token-slack-refuses' },
      signal: AbortSignal.abort('SIGTERM'),
    });
    assert.equal(code, 2);
    assert.match(out[0]!, /^canary doctor: /);
    assert.match(out.join('\n'), /\n {2}✔ config +\S/);
    assert.match(out.join('\n'), /\n {2}✘ slack-token +Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\n +→ use the app's Bot User OAuth Token/);
    assert.match(out.join('\n'), /\n {2}! slack-channel +not checked: Slack did not accept the token/);
    assert.equal(out.at(-1), '12 checks: 10 passed, 1 failed, 1 warning');
    assert.ok(!out.join('\n').includes('xoxb-a-token-slack-refuses'), 'the token is not printed');
  });

  it('a live key fails the key check before any request; the Stripe checks that need it only warn', async () => {
    await onlyFails('stripe-key', { STRIPE_SECRET_KEY: 'sk_live_51DoNotUseThisLiveKey' }, /live-mode key; refused before any request/);
    const r = await doctor({ STRIPE_SECRET_KEY: 'sk_live_51DoNotUseThisLiveKey' });
    assert.deepEqual([r.status('price'), r.status('webhook-endpoint')], ['warn', 'warn']);
  });

  it('a lookup key no price has, and a one-off price under it, fail the price check', async () => {
    await onlyFails('price', { CANARY_PRICE_LOOKUP_KEY: 'no_such_plan' }, /no price has lookup_key no_such_plan/);
    const product = await h.stripe.products.create({ name: 'A one-off' });
    await h.stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', lookup_key: 'doctor_one_off' });
    await onlyFails('price', { CANARY_PRICE_LOOKUP_KEY: 'doctor_one_off' }, /is a one-off price, not a recurring one/);
  });

  it("the app's endpoint disabled, or missing an event the journey needs, fails the webhook check", async () => {
    const endpoint = (await h.stripe.webhookEndpoints.list({ limit: 100 })).data.find((e) => e.url.startsWith(h.app.url))!;
    try {
      await h.stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
      await onlyFails('webhook-endpoint', {}, /: disabled$/);
      await h.stripe.webhookEndpoints.update(endpoint.id, {
        disabled: false,
        enabled_events: PLAN_EVENTS.filter((e) => e !== 'invoice.payment_failed') as never,
      });
      await onlyFails('webhook-endpoint', {}, /is not subscribed to invoice\.payment_failed$/);
    } finally {
      await h.stripe.webhookEndpoints.update(endpoint.id, { disabled: false, enabled_events: PLAN_EVENTS as never });
    }
  });

  it('the app down fails the app check', async () => {
    // A deployed app that does not answer, its endpoint registered as for the real one.
    const down = `http://127.0.0.1:${await freePort()}`;
    const endpoint = await h.stripe.webhookEndpoints.create({ url: `${down}/webhooks/stripe`, enabled_events: PLAN_EVENTS as never });
    try {
      await onlyFails('app', { DEMO_APP_URL: down }, /could not be reached \(ECONNREFUSED\)/);
    } finally {
      await h.stripe.webhookEndpoints.del(endpoint.id);
    }
    await onlyFails('app', {}, /reports version dev, expected v42/, ['--expect-version', 'v42']);
  });

  it('a token Slack refuses fails the token check; the bot not in the channel fails the channel check', async () => {
    await onlyFails('slack-token', { SLACK_BOT_TOKEN: 'xoxb-never-issued' }, /Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    await fetch(`${slack.url}/_emulator/channels/${CHANNEL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"member":false}' });
    try {
      await onlyFails('slack-channel', {}, /the bot is not a member of C0DOCTOR01/);
    } finally {
      await fetch(`${slack.url}/_emulator/channels/${CHANNEL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"member":true}' });
    }
  });

  it('no Chromium, a reports folder canary cannot write, and the database down each fail their own check', async () => {
    await onlyFails('chromium', { CANARY_CHROMIUM: path.join(work, 'no-such-chromium') }, /CANARY_CHROMIUM is set to .*no-such-chromium, which does not exist/);
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'x');
    await onlyFails('folders', { CANARY_REPORTS_DIR: path.join(file, 'reports') }, /CANARY_REPORTS_DIR: .* cannot be created: .*a-file is a file/);
    await onlyFails(
      'database',
      { CANARY_COORDINATOR_URL: `postgres://canary@127.0.0.1:${await freePort()}/canary` },
      /postgres:\/\/127\.0\.0\.1:\d+\/canary does not answer \(ECONNREFUSED\)/,
    );
  });

  it('an unreachable Stripe or Slack, and a malformed database URL, are failing lines that name them', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await onlyFails('stripe-key', { STRIPE_API_URL: closed }, new RegExp(`Stripe at ${closed} could not be reached`));
    await onlyFails('slack-token', { SLACK_API_URL: `${closed}/api/` }, new RegExp(`Slack at ${closed}/api/ could not be reached`));
    await onlyFails('database', { CANARY_COORDINATOR_URL: 'postgres://canary@db.internal:notaport/canary' }, /CANARY_COORDINATOR_URL is not a URL/);
    const r = await doctor({ CANARY_COORDINATOR_URL: 'mysql://nope' });
    assert.equal(r.code, 2);
    assert.deepEqual(
      r.report.checks.filter((c) => c.status === 'fail').map((c) => c.name),
      ['config'],
    );
    assert.match(r.report.checks[0]!.detail, /CANARY_COORDINATOR_URL must be a PostgreSQL URL/);
    assert.ok(
      r.report.checks.slice(1).every((c) => (['pass', 'warn'] as CheckStatus[]).includes(c.status)),
      'the rest pass or say they were not checked',
    );
  });
});
