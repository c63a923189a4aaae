/**
 * Test helper: the demo app on a Stripe emulator and a Slack emulator, and `canary check …` run as
 * the command runs (in-process, `runCli`) in a folder of its own, answering its exit code, output
 * and the summary.json it wrote (reports/latest-<check>).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { runCli } from '../../cli/main.ts';
import { startDemoHarness, type DemoHarness } from '../../demo-app/testing/harness.ts';
import { startSlackEmulator, type RunningSlackEmulator } from '../../emulators/slack/index.ts';
import type { MessageRecord } from '../../emulators/slack/control.ts';
import type { RunSummary } from '../../runner/summary-schema.ts';

export const BOT_TOKEN = 'xoxb-checks-test-token';
export const CHANNEL = 'C0CHECKS01';

export interface CheckRun {
  code: number;
  out: string;
  err: string;
  summary: RunSummary;
}

export interface ChecksHarness {
  h: DemoHarness;
  slack: RunningSlackEmulator;
  work: string;
  env: NodeJS.ProcessEnv;
  /** `canary check <args>` in-process; the summary it wrote must exist. */
  check(args: string[], extra?: NodeJS.ProcessEnv): Promise<CheckRun>;
  /** The Slack emulator's messages in the alert channel, oldest first. */
  messages(): Promise<MessageRecord[]>;
  /** Moves the emulator's (Stripe's) clock on, so that what exists now is that much older. */
  advanceStripeClock(seconds: number): Promise<void>;
  /** A customer of the app's labelled as a run's (canary_run_id, environment) paying a subscription made through the API. */
  labelledSubscription(environment: string, email: string): Promise<{ customer: Stripe.Customer; subscription: Stripe.Subscription }>;
  close(): Promise<void>;
}

export async function startChecksHarness(key: string): Promise<ChecksHarness> {
  const [h, slack] = await Promise.all([startDemoHarness({ app: { stripeSecretKey: key } }), startSlackEmulator({ port: 0, tokens: [BOT_TOKEN] })]);
  const work = mkdtempSync(path.join(os.tmpdir(), 'canary-checks-'));
  const env: NodeJS.ProcessEnv = {
    STRIPE_SECRET_KEY: key,
    STRIPE_API_URL: h.emulator.url,
    DEMO_APP_URL: h.app.url,
    DEMO_APP_ADMIN_TOKEN: h.adminToken,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_CHANNEL_ID: CHANNEL,
    SLACK_API_URL: slack.apiUrl,
    CANARY_REPORTS_DIR: path.join(work, 'reports'),
    CANARY_STATE_DIR: path.join(work, 'state'),
  };
  const reportsDir = env.CANARY_REPORTS_DIR!;
  return {
    h,
    slack,
    work,
    env,
    async check(args, extra = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['check', ...args], {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        cwd: work,
        env: { ...env, ...extra },
        signal: new AbortController().signal,
      });
      const file = path.join(extra.CANARY_REPORTS_DIR ?? reportsDir, `latest-${args[0]}`, 'summary.json');
      let summary: RunSummary;
      try {
        summary = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
      } catch (e) {
        assert.fail(`canary check ${args.join(' ')} exited ${code} and wrote no ${file} (${(e as Error).message})\n${out.join('\n')}\n${err.join('\n')}`);
      }
      return { code, out: out.join('\n'), err: err.join('\n'), summary };
    },
    async messages() {
      const res = await fetch(`${slack.url}/_emulator/messages?channel=${CHANNEL}`);
      assert.equal(res.status, 200);
      return (await res.json()) as MessageRecord[];
    },
    async advanceStripeClock(seconds) {
      const res = await fetch(`${h.emulator.url}/_emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance_seconds: seconds }),
      });
      assert.equal(res.status, 200, await res.text());
    },
    async labelledSubscription(environment, email) {
      const price = (await h.stripe.prices.list({ lookup_keys: ['canary_pro_monthly'] })).data[0];
      assert.ok(price, 'the demo app made its price');
      const customer = await h.stripe.customers.create({
        email,
        metadata: { canary_run_id: `canary_checks_${path.basename(work)}`, environment },
        payment_method: 'pm_card_visa',
        invoice_settings: { default_payment_method: 'pm_card_visa' },
      });
      const subscription = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      assert.equal(subscription.status, 'active');
      return { customer, subscription };
    },
    async close() {
      await Promise.all([h.close(), slack.close()]);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
