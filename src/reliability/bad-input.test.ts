/**
 * Reliability: bad input. Every configuration variable and flag given a wrong value makes the
 * `canary` command exit 2 with one line naming it, before any side effect: no request reaches
 * Stripe, the app or Slack (they all point at a server that counts requests), and no file or
 * folder is written (the reports and state folders do not exist afterwards).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canaryCli, explain, type Finished } from '../runner/testing/canary-cli.ts';
import { startCountingServer } from '../testing/counting-server.ts';
import { assertNoLeaks } from './testing/secrets.ts';

interface Case {
  what: string;
  args: string[];
  env?: Record<string, string>;
  /** What the one line must name. */
  names: RegExp;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'canary-bad-input-'));
const aFile = path.join(tmp, 'a-file');
writeFileSync(aFile, 'not a folder');

const CASES: Case[] = [
  { what: 'a bad URL', args: ['run'], env: { STRIPE_API_URL: 'not a url' }, names: /STRIPE_API_URL/ },
  { what: 'a bad app URL', args: ['run'], env: { DEMO_APP_URL: 'ftp//nowhere', DEMO_APP_ADMIN_TOKEN: 'x'.repeat(24) }, names: /DEMO_APP_URL/ },
  { what: 'a live secret key', args: ['run'], env: { STRIPE_SECRET_KEY: 'sk_live_51DoNotUseThisLiveKey' }, names: /live-mode key/ },
  { what: 'a live restricted key to prune', args: ['prune'], env: { STRIPE_SECRET_KEY: 'rk_live_51DoNotUseThisLiveKey' }, names: /live-mode key/ },
  { what: 'a malformed key', args: ['run'], env: { STRIPE_SECRET_KEY: 'pk_test_publishable' }, names: /STRIPE_SECRET_KEY/ },
  { what: 'an unknown trigger', args: ['run', '--trigger', 'nightly'], names: /--trigger/ },
  { what: 'negative workers', args: ['run', '--workers', '-2'], names: /--workers/ },
  { what: 'zero workers', args: ['run', '--workers', '0'], names: /--workers/ },
  { what: 'a negative retry count', args: ['run', '--retries', '-1'], names: /--retries/ },
  { what: 'a bad duration flag', args: ['run', '--timeout', '5 minutes'], names: /--timeout/ },
  { what: 'a bad duration variable', args: ['run'], env: { CANARY_RUN_TIMEOUT: '10' }, names: /CANARY_RUN_TIMEOUT/ },
  { what: 'a bad retention', args: ['prune'], env: { CANARY_RETENTION: '-7d' }, names: /CANARY_RETENTION/ },
  { what: 'a bad --older-than', args: ['prune', '--older-than', 'a week'], names: /--older-than/ },
  { what: 'a bad wait URL', args: ['run', '--wait-for', 'healthz'], names: /--wait-for/ },
  { what: '--expect-version without --wait-for', args: ['run', '--expect-version', '1.2.3'], names: /--wait-for/ },
  { what: 'an unknown demo app fault', args: ['run'], env: { DEMO_APP_FAULT: 'gremlins' }, names: /DEMO_APP_FAULT/ },
  { what: 'an unknown log level', args: ['run'], env: { CANARY_LOG_LEVEL: 'loud' }, names: /CANARY_LOG_LEVEL/ },
  { what: 'a bad cron', args: ['schedule', '--cron', '61 * * * *'], names: /--cron/ },
  { what: 'a bad prune cron', args: ['schedule', '--prune-cron', 'every day'], names: /--prune-cron/ },
  { what: 'an unknown time zone', args: ['schedule', '--timezone', 'Mars/Olympus_Mons'], names: /--timezone/ },
  { what: 'a bad grace period', args: ['schedule', '--grace', 'forever'], names: /--grace/ },
  { what: 'a coordinator lease too short', args: ['schedule'], env: { CANARY_COORDINATOR_LEASE: '1s' }, names: /CANARY_COORDINATOR_LEASE/ },
  { what: 'a state folder that cannot be made (under a file)', args: ['run'], env: { CANARY_STATE_DIR: path.join(aFile, 'state') }, names: /CANARY_STATE_DIR/ },
  { what: 'a state folder that is a file', args: ['notify', '--flush'], env: { CANARY_STATE_DIR: aFile }, names: /CANARY_STATE_DIR/ },
  { what: 'a reports folder that cannot be made', args: ['run'], env: { CANARY_REPORTS_DIR: path.join(aFile, 'reports') }, names: /CANARY_REPORTS_DIR/ },
  { what: 'a bad alert threshold', args: ['run'], env: { CANARY_ALERT_AFTER: '0' }, names: /CANARY_ALERT_AFTER/ },
  { what: 'a bad Slack API URL', args: ['notify', '--flush'], env: { SLACK_API_URL: 'slack' }, names: /SLACK_API_URL/ },
  { what: 'a bad emulator port', args: ['stripe-emulator', '--port', '70000'], names: /--port/ },
  { what: 'a bad demo app port', args: ['demo-app'], env: { DEMO_APP_PORT: 'eighty', DEMO_APP_ADMIN_TOKEN: 'x'.repeat(24) }, names: /DEMO_APP_PORT/ },
  { what: 'an unknown flag', args: ['run', '--wokers', '2'], names: /--wokers/ },
  { what: 'an unknown command', args: ['rnu'], names: /rnu/ },
  { what: 'a --config file that does not exist', args: ['run', '--config', 'no-such.config.ts'], names: /--config no-such\.config\.ts: no such file/ },
  { what: 'a --config that is a folder', args: ['prune', '--config', tmp], names: /--config .*: is a folder/ },
  { what: 'an app URL that is not one', args: ['run'], env: { CANARY_APP_URL: 'staging' }, names: /CANARY_APP_URL/ },
];

test('every bad variable and flag exits 2 with one line naming it, before any request or file', async (t) => {
  const server = await startCountingServer();
  const cli = canaryCli();
  t.after(() => {
    cli.close();
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  const url = server.url;
  const problems: string[] = [];
  const outputs: Finished[] = [];
  for (const c of CASES) {
    const reports = path.join(tmp, `reports-${CASES.indexOf(c)}`);
    const state = path.join(tmp, `state-${CASES.indexOf(c)}`);
    // Everything else valid and pointing at the counting server, so a request would be seen.
    const env = {
      STRIPE_SECRET_KEY: 'sk_test_badinput123456',
      STRIPE_API_URL: url,
      SLACK_BOT_TOKEN: 'xoxb-bad-input-123456',
      SLACK_CHANNEL_ID: 'C0BADINPUT',
      SLACK_API_URL: `${url}/api/`,
      CANARY_REPORTS_DIR: reports,
      CANARY_STATE_DIR: state,
      ...c.env,
    };
    const before = server.requests();
    const r = await cli.command(c.args, env);
    outputs.push(r);
    const lines = r.stderr.trim().split('\n').filter(Boolean);
    const wrote = [reports, state].filter((d) => d !== aFile && existsSync(d));
    if (r.code !== 2) problems.push(`${c.what}: exit ${r.code}\n${explain(r)}`);
    else if (lines.length !== 1 || !c.names.test(lines[0]!)) problems.push(`${c.what}: expected one line naming ${c.names}, got:\n${r.stderr}`);
    if (server.requests() !== before) problems.push(`${c.what}: ${server.requests() - before} request(s) were made`);
    if (wrote.length) problems.push(`${c.what}: wrote ${wrote.join(', ')}`);
    t.diagnostic(`${c.what}: exit ${r.code}: ${lines[0] ?? r.stdout.trim().split('\n')[0]}`);
  }
  assert.deepEqual(problems, []);
  await assertNoLeaks({ secrets: { stripeKey: 'sk_test_badinput123456', slackToken: 'xoxb-bad-input-123456' }, outputs });
});
