/**
 * The notifier through the real `canary run`, against the Slack emulator and a shared Stripe
 * emulator and demo app: the alert with its mention, stage, evidence, links and screenshot; the
 * thread replies; CANARY_ALERT_AFTER; "recovered"; the inconclusive note; one alert for two
 * concurrent failing runs; Slack's 500s and 429s parking the alert in the outbox without
 * changing the exit code, and `canary notify --flush` delivering it exactly once; no secret in
 * any message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@playwright/test';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, findChromium } from '../browser/chromium.ts';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { startSlackEmulator, type MessageRecord, type RunningSlackEmulator } from '../emulators/slack/index.ts';
import { canaryCli, explain, onlyTest, SECRET_PATTERNS, type CanaryCli } from '../runner/testing/canary-cli.ts';
import { secretsIn } from '../runner/testing/report-texts.ts';

const TOKEN = 'xoxb-notify-tests-0123456789';

describe('the Slack notifier through canary run', () => {
  const KEY = `sk_test_notify${Math.random().toString(36).slice(2, 10)}`;
  let h: DemoHarness;
  let slack: RunningSlackEmulator;
  let cli: CanaryCli;
  let channelSeq = 0;
  before(async () => {
    cli = canaryCli();
    h = await startDemoHarness({ app: { stripeSecretKey: KEY } });
    slack = await startSlackEmulator({ port: 0, tokens: [TOKEN] });
  });
  after(async () => {
    cli?.close();
    await slack?.close();
    await h?.close();
  });

  /** A fresh channel and state folder: one check's history, seen by no other test. */
  function check(extra: NodeJS.ProcessEnv = {}) {
    const channel = `C0NOTIFY${String(++channelSeq).padStart(2, '0')}`;
    const env: NodeJS.ProcessEnv = {
      STRIPE_SECRET_KEY: KEY,
      STRIPE_API_URL: h.emulator.url,
      DEMO_APP_URL: h.app.url,
      DEMO_APP_ADMIN_TOKEN: h.adminToken,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID: channel,
      SLACK_API_URL: slack.apiUrl,
      CANARY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'canary-state-')),
      CANARY_REPORT_URL: 'https://reports.example.com/canary',
      CANARY_CI_URL: 'https://ci.example.com/job/42',
      ...extra,
    };
    const messages = async (): Promise<MessageRecord[]> => {
      const list = (await (await fetch(`${slack.url}/_emulator/messages?channel=${channel}`)).json()) as MessageRecord[];
      const all = JSON.stringify(list);
      for (const secret of [KEY, TOKEN, h.adminToken, ...SECRET_PATTERNS])
        assert.ok(typeof secret === 'string' ? !all.includes(secret) : !secret.test(all), `${String(secret)} appears in a Slack message`);
      return list;
    };
    const run = (args: string[] = [], more: NodeJS.ProcessEnv = {}) => cli.run(['--grep', '@critical', ...args], { ...env, ...more });
    return { channel, env, messages, run };
  }
  const failing = async <T>(work: () => Promise<T>, fault = 'checkout-500'): Promise<T> => {
    assert.equal((await h.admin('POST', '/_demo/faults', { fault })).status, 200);
    try {
      return await work();
    } finally {
      await h.setFault(null);
    }
  };
  const slackFaults = (body: unknown) =>
    fetch(`${slack.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const topLevel = (m: MessageRecord[]) => m.filter((x) => !x.thread_ts || x.thread_ts === x.ts);

  it('a failing post-deploy run posts one alert: the deployer mentioned, the stage and evidence, the links, the screenshot in its thread; the next failure replies in that thread', async () => {
    const c = check();
    const r = await failing(() => c.run(['--trigger', 'post-deploy', '--deployer', 'bob@example.com', '--commit', 'cafe0123456789']));
    onlyTest(r, 1);
    let m = await c.messages();
    assert.equal(topLevel(m).length, 1, 'one alert');
    const alert = topLevel(m)[0]!;
    assert.match(alert.text, /FAILED \(post-deploy\): a customer upgrades .* at the app's UI — Deployed by <@U0CANARY02>$/);
    const blocks = JSON.stringify(alert.blocks);
    for (const expected of [
      "*the app's UI*",
      'Expected 303, received 500',
      'commit `cafe01234567`',
      `${r.summary!.run_id}`,
      'https://reports.example.com/canary/' + r.summary!.run_id + '/html/index.html',
      'https://ci.example.com/job/42',
    ]) {
      assert.ok(blocks.includes(expected), `the alert carries ${expected}`);
    }
    const shots = m.filter((x) => x.thread_ts === alert.ts && x.files.length > 0);
    assert.equal(shots.length, 1, 'the screenshot is in the thread');
    assert.deepEqual([shots[0]!.files[0]!.mimetype, shots[0]!.files[0]!.size > 1000], ['image/png', true]);
    const png = Buffer.from(await (await fetch(shots[0]!.files[0]!.url)).arrayBuffer());
    assert.equal(png.subarray(1, 4).toString(), 'PNG');

    const second = await failing(() => c.run(['--trigger', 'post-deploy', '--deployer', 'bob@example.com']));
    assert.equal(second.code, 1, explain(second));
    m = await c.messages();
    assert.equal(topLevel(m).length, 1, 'still one alert in the channel');
    const replies = m.filter((x) => x.thread_ts === alert.ts && x.files.length === 0);
    assert.equal(replies.length, 1);
    assert.match(replies[0]!.text, /^Still failing \(2 runs in a row since .*\): run canary_\w+ at the app's UI$/);

    const recovered = await c.run();
    assert.equal(recovered.code, 0, explain(recovered));
    m = await c.messages();
    const last = m.at(-1)!;
    assert.deepEqual([last.thread_ts, last.reply_broadcast], [alert.ts, true]);
    assert.match(last.text, /recovered: run canary_\w+ passed after 2 failed runs since .*, failing for \d+ s/);
  });

  it('with CANARY_ALERT_AFTER=2 the first failure posts nothing and the second alerts; a passing run with no alert posts nothing', async () => {
    const c = check({ CANARY_ALERT_AFTER: '2' });
    assert.equal((await failing(() => c.run())).code, 1);
    assert.deepEqual(await c.messages(), []);
    assert.equal((await failing(() => c.run())).code, 1);
    assert.equal(topLevel(await c.messages()).length, 1);
    const d = check();
    assert.equal((await d.run()).code, 0);
    assert.deepEqual(await d.messages(), [], 'nothing to recover from, nothing said');
  });

  it('an inconclusive run posts its own quieter message and does not count as a failure', async () => {
    const c = check();
    assert.equal(
      (
        await fetch(`${h.emulator.url}/_emulator/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ checkout_page: 'captcha' }),
        })
      ).status,
      200,
    );
    try {
      assert.equal((await c.run()).code, 3);
    } finally {
      await fetch(`${h.emulator.url}/_emulator/faults`, { method: 'DELETE' });
    }
    const m = await c.messages();
    assert.equal(m.length, 1);
    assert.match(m[0]!.text, /was inconclusive .*Checkout blocked the robot.*Not counted as a failure/);
    assert.equal((await c.run()).code, 0);
    assert.equal((await c.messages()).length, 1, 'no "recovered" after an inconclusive run');
  });

  it('two concurrent failing runs of one check post one alert (and one reply)', async () => {
    const c = check();
    const runs = await failing(() => Promise.all([c.run(), c.run()]));
    for (const r of runs) assert.equal(r.code, 1, explain(r));
    const m = await c.messages();
    assert.equal(topLevel(m).length, 1, `one alert: ${JSON.stringify(m.map((x) => x.text))}`);
    assert.equal(m.filter((x) => x.thread_ts && x.files.length === 0).length, 1, 'the other run replied in its thread');
  });

  it('without a Slack token the alert is rendered into the run folder; notify --preview does it for any run', async () => {
    const c = check({ SLACK_BOT_TOKEN: '', SLACK_CHANNEL_ID: '' });
    const r = await failing(() => c.run());
    assert.equal(r.code, 1, explain(r));
    const alert = JSON.parse(readFileSync(path.join(r.reportDir!, 'alert.json'), 'utf8'));
    assert.equal(alert.kind, 'alert');
    assert.match(alert.message.text, /FAILED \(manual\)/);
    const html = readFileSync(path.join(r.reportDir!, 'alert.html'), 'utf8');
    const img = /<img src="([^"]+)"/.exec(html)?.[1];
    assert.ok(img && existsSync(path.join(r.reportDir!, img)), 'the preview shows the screenshot beside it');
    assert.deepEqual(await c.messages(), [], 'nothing was sent');
    rmSync(path.join(r.reportDir!, 'alert.json'));
    const preview = await cli.command(['notify', '--preview', r.reportDir!], c.env);
    assert.equal(preview.code, 0, explain(preview));
    assert.ok(existsSync(path.join(r.reportDir!, 'alert.json')));
    const bad = await cli.command(['notify', '--preview', os.tmpdir()], c.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--preview .*: no summary\.json in it/);
  });

  it('the Slack page shows a person the alert, the mention, the thread reply and the screenshot', async () => {
    const c = check();
    for (let i = 0; i < 2; i++) assert.equal((await failing(() => c.run(['--trigger', 'post-deploy', '--deployer', 'carol@example.com']))).code, 1);
    const browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      await page.goto(`${slack.url}/?channel=${c.channel}`);
      const alert = page.locator('li.message:not([data-thread-ts])').first();
      await expect(alert).toContainText('checkout-canary @critical FAILED (post-deploy)');
      await expect(alert).toContainText("the app's UI");
      await expect(alert).toContainText('@carol');
      // Threads are folded under their message, as in Slack: open them.
      for (const details of await page.locator('details').all()) await details.evaluate((d) => ((d as HTMLDetailsElement).open = true));
      await expect(page.locator('li.message[data-thread-ts]').filter({ hasText: 'Still failing (2 runs in a row' })).toBeVisible();
      const img = page.locator('li.message[data-thread-ts] img').first();
      await expect(img).toBeVisible();
      await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });

  for (const fault of [
    { status: 500, rate: 1 },
    { status: 429, retry_after: 1, rate: 1 },
  ]) {
    it(`with Slack answering ${fault.status}, the alert waits in the outbox, the exit code is unchanged, and notify --flush delivers it once Slack is back, exactly once`, async () => {
      const outbox = mkdtempSync(path.join(os.tmpdir(), 'canary-reports-outbox-'));
      const c = check({ CANARY_REPORTS_DIR: outbox });
      assert.equal((await slackFaults(fault)).status, 200);
      const r = await failing(() => c.run()).finally(() => fetch(`${slack.url}/_emulator/faults`, { method: 'DELETE' }));
      assert.equal(r.code, 1, `the run's own exit code: ${explain(r)}`);
      assert.match(r.stderr, /it waits in .*outbox/);
      assert.deepEqual(await c.messages(), [], 'nothing reached Slack');
      assert.deepEqual(secretsIn(path.join(outbox, 'outbox'), [KEY, TOKEN, h.adminToken, ...SECRET_PATTERNS]), [], 'no secret in the outbox');
      assert.ok(
        readdirSync(path.join(outbox, 'outbox')).some((f) => f.endsWith('.png')),
        'the screenshot waits with it',
      );
      const flushed = await cli.command(['notify', '--flush'], c.env);
      assert.equal(flushed.code, 0, explain(flushed));
      assert.match(flushed.stdout, /outbox: sent 1, 0 still waiting/);
      const again = await cli.command(['notify', '--flush'], c.env);
      assert.match(again.stdout, /outbox: sent 0, 0 still waiting/);
      const m = await c.messages();
      assert.equal(topLevel(m).length, 1, 'delivered exactly once');
      assert.equal(m.filter((x) => x.files.length > 0).length, 1, 'with its screenshot');
    });
  }
});
