/**
 * Reliability: Slack misbehaving. Three failing runs in a row while Slack fails in three ways (the
 * screenshot upload 500s, the reply is rate limited, everything 503s): every run keeps its own exit code (1), whatever Slack could not
 * take waits in the outbox, and a flush once Slack is back delivers everything exactly once — one
 * alert with its screenshot and the replies in its thread; nothing lost, nothing twice. No secret
 * reaches a message, the outbox or the reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoHarness } from '../demo-app/testing/harness.ts';
import { startSlackEmulator, type MessageRecord } from '../emulators/slack/index.ts';
import { canaryCli, explain, SECRET_PATTERNS } from '../runner/testing/canary-cli.ts';
import { secretsIn } from '../runner/testing/report-texts.ts';
import { assertNoLeaks, webhookSecretsIn } from './testing/secrets.ts';

const TOKEN = 'xoxb-reliability-slack-0123456789';
const RUNS = 3; // one per way Slack fails below

test(`${RUNS} failing runs through a flaky Slack: exit codes unchanged, the outbox holds the rest, one flush delivers each message once`, async (t) => {
  const key = `sk_test_slack${Math.random().toString(36).slice(2, 10)}`;
  const reports = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-slack-'));
  // The emulator keeps its state in a file (outside the reports), so the webhook secrets it gave out can be searched for.
  const dataFile = `${reports}-stripe.json`;
  const h = await startDemoHarness({ app: { stripeSecretKey: key }, emulator: { dataFile } });
  const slack = await startSlackEmulator({ port: 0, tokens: [TOKEN] });
  const cli = canaryCli();
  t.after(async () => {
    cli.close();
    await slack.close();
    await h.close();
    rmSync(dataFile, { force: true });
  });
  const channel = 'C0RELIABLE';
  const env: NodeJS.ProcessEnv = {
    STRIPE_SECRET_KEY: key,
    STRIPE_API_URL: h.emulator.url,
    DEMO_APP_URL: h.app.url,
    DEMO_APP_ADMIN_TOKEN: h.adminToken,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_CHANNEL_ID: channel,
    SLACK_API_URL: slack.apiUrl,
    CANARY_REPORTS_DIR: reports,
    CANARY_STATE_DIR: path.join(reports, '.state'),
  };
  const slackFaults = async (body: unknown) => {
    const res = await fetch(`${slack.url}/_emulator/faults`, {
      method: body ? 'POST' : 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.equal(res.status, 200, await res.text());
  };
  const messages = async () => (await (await fetch(`${slack.url}/_emulator/messages?channel=${channel}`)).json()) as MessageRecord[];

  // The app's upgrade handler is broken: each run fails quickly at the app's UI.
  await h.setFault('checkout-500');
  // What Slack does during each run: the alert is posted but its screenshot upload fails; then
  // the first reply is rate limited; then every call fails.
  const slackDuring = [
    { status: 500, methods: ['files.getUploadURLExternal', 'files.completeUploadExternal'] },
    { status: 429, retry_after: 1, methods: ['chat.postMessage'] },
    { status: 503 },
  ];
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await slackFaults(slackDuring[i]);
    const r = await cli.run(['--grep', '@critical'], env);
    assert.equal(r.code, 1, `run ${i + 1} keeps its own exit code whatever Slack did: ${explain(r)}`);
    runs.push(r);
  }
  const waiting = existsSync(path.join(reports, 'outbox')) ? readdirSync(path.join(reports, 'outbox')).filter((f) => f.endsWith('.json')).length : 0;
  const direct = (await messages()).length;
  t.diagnostic(`while Slack was flaky: ${direct} message(s) delivered, ${waiting} waiting in the outbox`);
  assert.deepEqual([direct, waiting], [1, 3], 'the alert went through; its screenshot and both replies waited');

  await slackFaults(null);
  const flushed = await cli.command(['notify', '--flush'], env);
  assert.equal(flushed.code, 0, explain(flushed));
  assert.match(flushed.stdout, /outbox: sent \d+, 0 still waiting/);
  const again = await cli.command(['notify', '--flush'], env);
  assert.match(again.stdout, /outbox: sent 0, 0 still waiting/, 'a second flush has nothing left');

  const m = await messages();
  const top = m.filter((x) => !x.thread_ts || x.thread_ts === x.ts);
  assert.equal(top.length, 1, `one alert in the channel: ${JSON.stringify(top.map((x) => x.text))}`);
  const thread = m.filter((x) => x.thread_ts === top[0]!.ts && x.ts !== top[0]!.ts);
  const replies = thread.filter((x) => x.files.length === 0);
  assert.equal(replies.length, RUNS - 1, `each later failure replied once: ${JSON.stringify(replies.map((x) => x.text))}`);
  for (const r of runs.slice(1)) assert.equal(replies.filter((x) => x.text.includes(r.summary!.run_id)).length, 1, `${r.summary!.run_id} replied exactly once`);
  assert.ok(
    m.some((x) => x.files.length > 0),
    'the screenshot reached Slack',
  );
  const secrets = [key, TOKEN, h.adminToken, ...SECRET_PATTERNS];
  const all = JSON.stringify(m);
  for (const s of secrets) assert.ok(typeof s === 'string' ? !all.includes(s) : !s.test(all), `${String(s)} appears in a Slack message`);
  assert.deepEqual(secretsIn(reports, secrets), [], 'no secret in the reports, the outbox or the history');
  // And in every command's output, against the webhook secrets too.
  await assertNoLeaks({
    secrets: { stripeKey: key, adminToken: h.adminToken, slackToken: TOKEN, webhookSecrets: webhookSecretsIn(dataFile) },
    folders: [reports],
    outputs: [...runs, flushed, again],
    slack: { url: slack.url, channels: [channel] },
  });
});
