/**
 * Sharding end to end: the @extended card outcomes as two `canary run --shard i/2` processes against
 * their embedded emulator and demo app (which has a fault that fails one test), then
 * `canary merge-reports` of both folders with the Slack emulator as target: one HTML report with
 * every test, one summary.json, one history entry, one alert, none from the shards. And the inputs merge-reports
 * refuses, each named, before anything is written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSlackEmulator, type MessageRecord, type RunningSlackEmulator } from '../emulators/slack/index.ts';
import { UserError } from '../errors.ts';
import { mergedSummary, readShards } from './merge.ts';
import type { Shard } from './shard.ts';
import { runSummarySchema, type RunSummary } from './summary-schema.ts';
import { assertNoSecrets, canaryCli, explain, type CanaryCli } from './testing/canary-cli.ts';
import { reportTexts } from './testing/report-texts.ts';

const TOKEN = 'xoxb-merge-tests-0123456789';
const CHANNEL = 'C0MERGE01';

describe('canary run --shard and canary merge-reports', () => {
  let cli: CanaryCli;
  let slack: RunningSlackEmulator;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    cli = canaryCli();
    slack = await startSlackEmulator({ port: 0, tokens: [TOKEN] });
    env = {
      // The app acknowledges webhooks but never upgrades: the completed 3D Secure test fails, the rest pass.
      DEMO_APP_FAULT: 'ignore-upgrade',
      CANARY_FULFILMENT_TIMEOUT_MS: '4000',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNEL_ID: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
      CANARY_STATE_DIR: path.join(cli.reportsDir, '.state'),
      CANARY_CI_URL: 'https://ci.example.com/job/7',
    };
  });
  after(async () => {
    cli?.close();
    await slack?.close();
  });
  const messages = async (): Promise<MessageRecord[]> => (await fetch(`${slack.url}/_emulator/messages?channel=${CHANNEL}`)).json() as Promise<MessageRecord[]>;

  it('two shards as separate processes, merged into one HTML report, one summary.json, one history entry and one alert', async () => {
    // The four card outcomes (the @extended renewal and portal specs need the upgrade, which this fault stops).
    const shards = await Promise.all(['1/2', '2/2'].map((s) => cli.run(['--grep', 'card outcomes', '--shard', s], env)));
    for (const [i, r] of shards.entries()) {
      assert.ok(r.code === 0 || r.code === 1, explain(r));
      const s = r.summary!;
      assert.deepEqual(s.shard, { index: i + 1, total: 2 }, 'the summary records its shard');
      assert.equal(s.tests.length, 2, `shard ${i + 1} ran half the suite\n${explain(r)}`);
      assert.ok(
        readdirSync(path.join(r.reportDir!, 'blob')).some((f) => f.endsWith('.zip')),
        'the shard keeps its blob report',
      );
    }
    assert.deepEqual(await messages(), [], 'the shards sent nothing to Slack');
    const titles = shards.flatMap((r) => r.summary!.tests.map((t) => t.title)).sort();
    assert.equal(new Set(titles).size, 4, 'the shards ran four different tests');

    const known = cli.runDirs();
    const merged = await cli.command(['merge-reports', ...shards.map((r) => r.reportDir!)], env);
    const dir = cli.newRunDir(known);
    assert.ok(dir, `merge-reports made one new run folder\n${explain(merged)}`);
    assert.equal(merged.code, 1, `the merged run failed, so exit 1\n${explain(merged)}`);
    assertNoSecrets({ ...merged, reportDir: dir }, [TOKEN]);

    const s: RunSummary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')));
    assert.equal(readFileSync(path.join(cli.reportsDir, 'latest', 'summary.json'), 'utf8'), readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    assert.deepEqual(s.shards, [shards[0]!.summary!.run_id, shards[1]!.summary!.run_id]);
    assert.equal(s.shard, null);
    assert.equal(s.outcome, 'failed');
    assert.deepEqual(s.counts, { passed: 3, failed: 1, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 });
    for (const k of Object.keys(s.counts) as (keyof RunSummary['counts'])[])
      assert.equal(s.counts[k], shards[0]!.summary!.counts[k] + shards[1]!.summary!.counts[k], `counts.${k} is the sum`);
    assert.deepEqual(s.tests.map((t) => t.title).sort(), titles);
    assert.equal(s.started_at, [shards[0]!.summary!.started_at, shards[1]!.summary!.started_at].sort()[0]);
    const failed = s.tests.find((t) => t.outcome === 'failed')!;
    assert.equal(failed.stage, 'app-not-updated');
    assert.ok(failed.artifacts.screenshot && existsSync(path.join(dir, failed.artifacts.screenshot)), 'the failed test’s screenshot is in the merged folder');

    // One HTML report holding every test of both shards.
    const report = reportTexts(path.join(dir, 'html')).find((t) => t.where === 'index.html!report.json');
    assert.ok(report, 'html/index.html embeds its report.json');
    const data = JSON.parse(report.text) as { stats: { total: number }; files: { tests: { title: string }[] }[] };
    assert.equal(data.stats.total, 4);
    const inReport = data.files.flatMap((f) => f.tests.map((t) => t.title));
    for (const t of titles)
      assert.ok(
        inReport.some((x) => t.endsWith(x)),
        `the HTML report has "${t}"`,
      );

    const m = await messages();
    const alerts = m.filter((x) => !x.thread_ts || x.thread_ts === x.ts);
    assert.equal(alerts.length, 1, `exactly one alert for the whole run: ${JSON.stringify(m.map((x) => x.text))}`);
    assert.ok(JSON.stringify(alerts[0]!.blocks).includes(s.run_id), 'the alert is about the merged run');
    const history = await cli.command(['history', '--json'], env);
    assert.equal(history.code, 0, explain(history));
    assert.deepEqual(
      (JSON.parse(history.stdout) as { run_id: string }[]).map((e) => e.run_id),
      [s.run_id],
      'one history entry, for the merged run (none for the shards)',
    );
  });

  it('refuses folders that are not every shard of one run (exit 2, naming the folder), writing nothing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'canary-shards-'));
    try {
      const shard = (name: string, s: Shard | null, extra: Partial<RunSummary> = {}) => {
        const dir = path.join(root, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summaryOf(name, s, extra)));
        return dir;
      };
      const one = shard('one', { index: 1, total: 2 });
      const two = shard('two', { index: 2, total: 2 });
      const cases: [string[], RegExp][] = [
        [[one, path.join(root, 'nowhere')], /nowhere: no such folder/],
        [[one, mkdtempSync(path.join(root, 'empty-'))], /empty-\w+: no summary\.json in it/],
        [[one, shard('whole', null)], /whole: run whole is not a shard/],
        [[one, shard('of-three', { index: 2, total: 3 })], /of-three: shard 2\/3, but .*one is shard 1\/2/],
        [[one, one], /one: shard 1\/2 is given twice/],
        [[one], /shard 2\/2 missing/],
        [[one, shard('other-grep', { index: 2, total: 2 }, { grep: '@critical' })], /other-grep: --grep @critical, but .*one has @extended/],
      ];
      for (const [dirs, message] of cases)
        assert.throws(
          () => readShards(dirs),
          (err: Error) => err instanceof UserError && message.test(err.message),
        );
      assert.equal(readShards([two, one]).length, 2, 'the shards are taken in any order');

      const known = cli.runDirs();
      for (const [args, message] of [
        [[one, path.join(root, 'nowhere')], /^canary merge-reports: .*nowhere: no such folder/],
        [[one], /^canary merge-reports: shard 2\/2 missing/],
      ] as const) {
        const r = await cli.command(['merge-reports', ...args], env);
        assert.equal(r.code, 2, explain(r));
        assert.match(r.stderr.trim(), message);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      }
      assert.deepEqual(cli.runDirs(), known, 'no run folder was written');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a shard that never finished (its job was killed) makes the merged run fail, naming it', () => {
    const killed = { dir: '/r/b', blobs: [], summary: summaryOf('b', { index: 2, total: 2 }, { outcome: 'running', finished_at: null }) };
    const done = { dir: '/r/a', blobs: [], summary: summaryOf('a', { index: 1, total: 2 }) };
    const s = mergedSummary([done, killed] as Parameters<typeof mergedSummary>[0], 'canary_20260101T000000Z_abcdef', '/r/m', []);
    assert.equal(s.outcome, 'failed');
    assert.match(s.errors.join('\n'), /shard 2\/2 \(b\) never finished/);
    assert.equal(runSummarySchema.safeParse(s).success, true);
  });
});

/** A finished shard's summary with no tests, as the reporter writes it. */
function summaryOf(runId: string, shard: Shard | null, extra: Partial<RunSummary> = {}): RunSummary & { shard: Shard } {
  return {
    schema_version: 2,
    run_id: runId,
    outcome: 'passed',
    trigger: 'manual',
    deployer: null,
    commit: null,
    grep: '@extended',
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:00:20.000Z',
    duration_ms: 20_000,
    timeout_ms: 600_000,
    target: { stripe: 'emulator', stripe_api_url: 'http://127.0.0.1:1', app: 'embedded', app_url: 'http://127.0.0.1:2' },
    counts: { passed: 0, failed: 0, flaky: 0, inconclusive: 0, skipped: 0, aborted: 0 },
    tests: [],
    errors: [],
    stopped: null,
    cleanup: { deleted: 0, kept: 0, errors: [] },
    links: {},
    shard,
    ...extra,
  } as RunSummary & { shard: Shard };
}
