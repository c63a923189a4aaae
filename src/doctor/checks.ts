/**
 * The checks of `canary doctor`, each a function from what the doctor knows so far to one line:
 * passed, failed (with what to do) or a warning. A check that depends on another (the price on
 * the Stripe key, the channel on the Slack token) is a warning, not a failure, when that one
 * failed — so exactly the broken thing fails. Every request is bounded; nothing here throws.
 */
import pg from 'pg';
import Stripe from 'stripe';
import { BrowserNotFound, findChromium, videoRecorderInstalled } from '../browser/chromium.ts';
import type { Settings } from '../config/project.ts';
import { writableFolderProblem } from '../config/schemas.ts';
import { slackClient } from '../notify/slack.ts';
import { versionOf } from '../runner/deploy-wait.ts';
import { describeTarget } from '../scheduler/coordinator.ts';
import { createStripeClient, isLiveKey } from '../stripe/client.ts';
import { isAppEndpoint, PLAN_EVENTS } from '../stripe/webhooks.ts';

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for a failure (and some warnings). */
  fix: string | null;
}

/** What the checks share: the settings (null when they did not load), and what earlier checks found. */
export interface DoctorState {
  env: NodeJS.ProcessEnv;
  settings: Settings | null;
  /** The problems that kept the settings from loading. */
  configProblems: string[];
  expectVersion?: string;
  /** A Stripe client the key check found working; null otherwise. */
  stripe: Stripe | null;
  /** Whether runs use the embedded emulator (nothing in Stripe to check before a run). */
  embeddedStripe: boolean;
  slackOk: boolean;
}

export type Check = (s: DoctorState) => Promise<CheckResult>;

const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail, fix: null });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });
const warn = (name: string, detail: string, fix: string | null = null): CheckResult => ({ name, status: 'warn', detail, fix });
const notChecked = (name: string, why: string) => warn(name, `not checked: ${why}`);

/** Why a request failed, in a few words: the HTTP status and Stripe's code, or the connection error. */
function why(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string; cause?: { code?: string }; data?: { error?: string } };
  if (e?.data?.error) return e.data.error;
  if (e?.statusCode) return `HTTP ${e.statusCode}${e.code ? ` ${e.code}` : ''}`;
  return e?.cause?.code ?? e?.code ?? e?.message ?? String(err);
}

export const configCheck: Check = async (s) => {
  if (!s.settings) {
    return fail(
      'config',
      s.configProblems.join('; '),
      'fix what each problem names (canary.config.ts, .env or the environment); `canary run` says the same before any request',
    );
  }
  const p = s.settings.project;
  return pass('config', p.configFile ? `${p.configFile}: valid` : 'no config file: the defaults (the bundled demo app and specs)');
};

export const adapterCheck: Check = async (s) => {
  const appProblems = s.configProblems.filter((p) => p.startsWith('app.') || /^canary\.config\.\w+: app\./.test(p));
  if (!s.settings) {
    return appProblems.length > 0
      ? fail('adapter', appProblems.join('; '), 'give the adapter every step it needs: signUp, startUpgrade, verifyUpgraded (see docs/own-app.md)')
      : notChecked('adapter', 'the configuration did not load');
  }
  const a = s.settings.app;
  const optional = (['verifyNotUpgraded', 'tenant', 'readPlan', 'eventProcessed', 'start'] as const).filter((k) => a[k] !== undefined);
  const where = s.settings.appUrl ? `at ${s.settings.appUrl}` : a.start ? 'started by each run (its start)' : 'with no URL';
  return pass('adapter', `"${a.name}" ${where}: signUp, startUpgrade, verifyUpgraded${optional.length ? `; also ${optional.join(', ')}` : ''}`);
};

export const stripeKeyCheck: Check = async (s) => {
  if (!s.settings) return notChecked('stripe-key', 'the configuration did not load');
  const c = s.settings.config;
  if (isLiveKey(c.STRIPE_SECRET_KEY)) {
    return fail(
      'stripe-key',
      'STRIPE_SECRET_KEY is a live-mode key; refused before any request',
      'use a test-mode key (sk_test_… or rk_test_…): checkout-canary only runs in test mode',
    );
  }
  if (!c.STRIPE_SECRET_KEY && !c.STRIPE_API_URL) {
    s.embeddedStripe = true;
    return pass('stripe-key', 'no key: each run starts the embedded Stripe emulator');
  }
  const where = c.STRIPE_API_URL ?? 'api.stripe.com';
  const stripe = createStripeClient({
    secretKey: c.STRIPE_SECRET_KEY ?? 'sk_test_checkout_canary_emulator',
    apiUrl: c.STRIPE_API_URL,
    maxNetworkRetries: 0,
    rateLimitRetries: 1,
    timeoutMs: 10_000,
  });
  try {
    await stripe.customers.list({ limit: 1 });
  } catch (err) {
    if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
      return fail(
        'stripe-key',
        `Stripe at ${where} refused the key (${why(err)})`,
        'check STRIPE_SECRET_KEY: a test-mode secret key of the account, or a restricted key that may read customers',
      );
    }
    return fail(
      'stripe-key',
      `Stripe at ${where} could not be reached (${why(err)})`,
      `check ${c.STRIPE_API_URL ? 'STRIPE_API_URL' : 'the network to api.stripe.com'}`,
    );
  }
  s.stripe = stripe;
  return pass('stripe-key', `a test-mode key; Stripe at ${where} accepted it`);
};

export const priceCheck: Check = async (s) => {
  if (!s.settings) return notChecked('price', 'the configuration did not load');
  const key = s.settings.priceLookupKey;
  if (s.embeddedStripe) return warn('price', `not checked: the embedded emulator has no prices until a run starts the app, which makes ${key}`);
  if (!s.stripe) return notChecked('price', 'Stripe did not accept the key');
  const set = `the adapter's priceLookupKey (or CANARY_PRICE_LOOKUP_KEY)`;
  try {
    const active = (await s.stripe.prices.list({ lookup_keys: [key], active: true, limit: 1 })).data[0];
    if (!active) {
      const inactive = (await s.stripe.prices.list({ lookup_keys: [key], active: false, limit: 1 })).data[0];
      return inactive
        ? fail('price', `${inactive.id} has lookup_key ${key} but is inactive`, `activate ${inactive.id} in Stripe, or set ${set} to an active price's`)
        : fail('price', `no price has lookup_key ${key}`, `create the paid plan's recurring price with lookup_key ${key}, or set ${set} to its lookup_key`);
    }
    if (active.type !== 'recurring' || !active.recurring) {
      return fail(
        'price',
        `${active.id} (lookup_key ${key}) is a one-off price, not a recurring one`,
        `the paid plan's price must be recurring: give lookup_key ${key} to a recurring price`,
      );
    }
    const amount = active.unit_amount === null ? 'tiered' : `${(active.unit_amount / 100).toFixed(2)} ${active.currency.toUpperCase()}`;
    return pass(
      'price',
      `${active.id} (lookup_key ${key}): active, ${amount} every ${active.recurring.interval_count > 1 ? `${active.recurring.interval_count} ` : ''}${active.recurring.interval}`,
    );
  } catch (err) {
    return fail('price', `listing prices failed (${why(err)})`, 'check that the key may read prices');
  }
};

export const webhookCheck: Check = async (s) => {
  if (!s.settings) return notChecked('webhook-endpoint', 'the configuration did not load');
  const { app, appUrl } = s.settings;
  if (s.embeddedStripe || !appUrl) return warn('webhook-endpoint', 'not checked: the app registers its endpoint when a run starts it');
  if (!s.stripe) return notChecked('webhook-endpoint', 'Stripe did not accept the key');
  const target = { url: appUrl, webhookUrl: app.webhookUrl };
  const where = app.webhookUrl ? new URL(app.webhookUrl, `${appUrl}/`).href : `the app's origin ${new URL(appUrl).origin}`;
  const needed = app.webhookEvents ?? PLAN_EVENTS;
  try {
    const mine: Stripe.WebhookEndpoint[] = [];
    for await (const e of s.stripe.webhookEndpoints.list({ limit: 100 })) if (isAppEndpoint(target, e.url)) mine.push(e);
    if (mine.length === 0) {
      return fail(
        'webhook-endpoint',
        `no webhook endpoint of the account is for ${where}`,
        `add an endpoint for ${where} in Stripe, subscribed to ${needed.join(', ')}`,
      );
    }
    const enabled = mine.filter((e) => e.status === 'enabled');
    if (enabled.length === 0)
      return fail('webhook-endpoint', `${mine.map((e) => e.id).join(', ')} for ${where}: disabled`, `enable it in Stripe (Developers → Webhooks)`);
    const missingOf = (e: Stripe.WebhookEndpoint) => (e.enabled_events.includes('*') ? [] : needed.filter((n) => !e.enabled_events.includes(n)));
    const complete = enabled.find((e) => missingOf(e).length === 0);
    if (!complete) {
      const e = enabled[0]!;
      return fail(
        'webhook-endpoint',
        `${e.id} (${e.url}) is not subscribed to ${missingOf(e).join(', ')}`,
        `add ${missingOf(e).join(', ')} to ${e.id}'s events`,
      );
    }
    return pass(
      'webhook-endpoint',
      `${complete.id} (${complete.url}): enabled, subscribed to ${complete.enabled_events.includes('*') ? 'every event' : needed.join(', ')}`,
    );
  } catch (err) {
    return fail('webhook-endpoint', `listing webhook endpoints failed (${why(err)})`, 'check that the key may read webhook endpoints');
  }
};

export const appHealthCheck: Check = async (s) => {
  if (!s.settings) return notChecked('app', 'the configuration did not load');
  const { app, appUrl } = s.settings;
  if (!appUrl) return warn('app', `not checked: "${app.name}" is started by each run (its adapter's start)`);
  const url = app.health ? new URL(app.health.path, `${appUrl}/`).href : appUrl;
  let status: number;
  let body = '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
    status = res.status;
    body = await res.text();
  } catch (err) {
    return fail('app', `${url} could not be reached (${why(err)})`, 'start the app, or fix its URL (app.url or CANARY_APP_URL)');
  }
  if (status < 200 || status >= 300) return fail('app', `${url} answered ${status}`, 'the app is up but not healthy: look at its logs');
  const version = app.health ? versionOf(body) : null;
  if (s.expectVersion && version !== s.expectVersion) {
    return fail('app', `${url} reports version ${version ?? 'none'}, expected ${s.expectVersion}`, 'wait for the deploy to finish, or check --expect-version');
  }
  return pass('app', `${url} answered ${status}${version ? ` (version ${version})` : ''}`);
};

export const slackTokenCheck: Check = async (s) => {
  if (!s.settings) return notChecked('slack-token', 'the configuration did not load');
  const c = s.settings.config;
  if (!c.SLACK_BOT_TOKEN)
    return warn('slack-token', 'no Slack: each run previews its alert in its report folder', 'to alert in Slack, set SLACK_BOT_TOKEN and SLACK_CHANNEL_ID');
  if (!c.SLACK_CHANNEL_ID)
    return fail(
      'slack-token',
      'SLACK_BOT_TOKEN is set but SLACK_CHANNEL_ID is not',
      "set SLACK_CHANNEL_ID (or alerts.slack.channel) to the alert channel's id",
    );
  const where = c.SLACK_API_URL ?? 'https://slack.com/api/';
  try {
    const me = await slackClient({ token: c.SLACK_BOT_TOKEN, channel: c.SLACK_CHANNEL_ID, apiUrl: c.SLACK_API_URL }, { quick: true }).auth.test();
    s.slackOk = true;
    return pass('slack-token', `valid: the bot @${me.user} of ${me.team}`);
  } catch (err) {
    const reason = why(err);
    return /invalid_auth|not_authed|token_revoked|account_inactive|token_expired/.test(reason)
      ? fail(
          'slack-token',
          `Slack refused SLACK_BOT_TOKEN (${reason})`,
          "use the app's Bot User OAuth Token (xoxb-…) from api.slack.com/apps → OAuth & Permissions",
        )
      : fail('slack-token', `Slack at ${where} could not be reached (${reason})`, `check ${c.SLACK_API_URL ? 'SLACK_API_URL' : 'the network to slack.com'}`);
  }
};

export const slackChannelCheck: Check = async (s) => {
  if (!s.settings) return notChecked('slack-channel', 'the configuration did not load');
  const c = s.settings.config;
  if (!c.SLACK_BOT_TOKEN || !c.SLACK_CHANNEL_ID) return warn('slack-channel', 'no Slack channel configured');
  if (!s.slackOk) return notChecked('slack-channel', 'Slack did not accept the token');
  try {
    const info = await slackClient({ token: c.SLACK_BOT_TOKEN, channel: c.SLACK_CHANNEL_ID, apiUrl: c.SLACK_API_URL }, { quick: true }).conversations.info({
      channel: c.SLACK_CHANNEL_ID,
    });
    if (info.channel?.is_member === false)
      return fail(
        'slack-channel',
        `the bot is not a member of ${c.SLACK_CHANNEL_ID}: its alerts would be refused (not_in_channel)`,
        `invite it: /invite @your-bot in ${c.SLACK_CHANNEL_ID}`,
      );
    return pass('slack-channel', `the bot is a member of ${c.SLACK_CHANNEL_ID}${info.channel?.name ? ` (#${info.channel.name})` : ''}`);
  } catch (err) {
    const reason = why(err);
    if (reason === 'missing_scope')
      return warn(
        'slack-channel',
        'cannot tell whether the bot is in the channel: the token lacks channels:read',
        'add the channels:read (and groups:read) scope',
      );
    return fail(
      'slack-channel',
      `${c.SLACK_CHANNEL_ID}: ${reason}`,
      'set SLACK_CHANNEL_ID to the id of a channel the bot is in (channel details → bottom of About)',
    );
  }
};

export const chromiumCheck: Check = async (s) => {
  try {
    const found = findChromium(s.env);
    return pass('chromium', `${found.path} (${found.source})`);
  } catch (err) {
    if (!(err instanceof BrowserNotFound)) throw err;
    return fail(
      'chromium',
      err.message.split(':')[0]!,
      'npx playwright install chromium (or apt-get install chromium), or set CANARY_CHROMIUM to a Chromium binary',
    );
  }
};

export const videoCheck: Check = async (s) =>
  videoRecorderInstalled(s.env)
    ? pass('video-recorder', "Playwright's ffmpeg is there: failed runs keep a video")
    : warn('video-recorder', 'no ffmpeg where Playwright looks: failed runs keep their trace and screenshot, but no video', 'npx playwright install ffmpeg');

export const foldersCheck: Check = async (s) => {
  if (!s.settings) return notChecked('folders', 'the configuration did not load');
  const c = s.settings.config;
  const problems = (
    [
      ['CANARY_REPORTS_DIR', c.CANARY_REPORTS_DIR],
      ['CANARY_STATE_DIR', c.CANARY_STATE_DIR],
    ] as const
  ).flatMap(([name, dir]) => {
    const problem = writableFolderProblem(dir);
    return problem ? [`${name}: ${problem}`] : [];
  });
  if (problems.length > 0)
    return fail('folders', problems.join('; '), 'point CANARY_REPORTS_DIR / CANARY_STATE_DIR (reports.dir, reports.stateDir) at folders canary can write to');
  return pass('folders', `reports in ${c.CANARY_REPORTS_DIR}, state in ${c.CANARY_STATE_DIR}: writable`);
};

export const databaseCheck: Check = async (s) => {
  if (!s.settings) return notChecked('database', 'the configuration did not load');
  const url = s.settings.config.CANARY_COORDINATOR_URL;
  if (!url) return pass('database', `none configured: one schedule copy, the history in ${s.settings.config.CANARY_REPORTS_DIR}/history.sqlite`);
  let where: string;
  try {
    where = describeTarget(url);
  } catch (err) {
    return fail('database', (err as Error).message, 'give CANARY_COORDINATOR_URL as postgres://user:password@host:5432/database');
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, statement_timeout: 5_000, query_timeout: 6_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return pass('database', `${where} answers`);
  } catch (err) {
    return fail('database', `${where} does not answer (${why(err)})`, 'start the database, or fix CANARY_COORDINATOR_URL');
  } finally {
    await client.end().catch(() => {});
  }
};

/** Every check, in the order they print. */
export const CHECKS: Check[] = [
  configCheck,
  adapterCheck,
  stripeKeyCheck,
  priceCheck,
  webhookCheck,
  appHealthCheck,
  slackTokenCheck,
  slackChannelCheck,
  chromiumCheck,
  videoCheck,
  foldersCheck,
  databaseCheck,
];
