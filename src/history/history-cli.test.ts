/**
 * The history through the real `canary` command: two real runs against the embedded emulator and
 * demo app (one passing after a deploy, one failing at the webhook), then `canary history` lists
 * them — as a table and as JSON, the last N, one check — and reports/index.html shows both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HistoryEntry } from './entry.ts';
import { canaryCli, explain, onlyTest, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';

const FAST_WEBHOOKS = { CANARY_FULFILMENT_TIMEOUT_MS: '4000', STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: '1000', STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '100,200' };

let cli: CanaryCli;
before(() => {
  cli = canaryCli();
});
after(() => cli?.close());

async function history(args: string[]): Promise<Finished> {
  return cli.command(['history', ...args]);
}
async function historyJson(args: string[] = []): Promise<HistoryEntry[]> {
  const r = await history(['--json', ...args]);
  assert.equal(r.code, 0, explain(r));
  return JSON.parse(r.stdout) as HistoryEntry[];
}

describe('canary history', () => {
  it('with no run yet says so, and --json prints an empty array', async () => {
    const r = await history([]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^No runs recorded in .*history\.sqlite\.\n$/);
    assert.deepEqual(await historyJson(), []);
    assert.equal(existsSync(path.join(cli.reportsDir, 'history.sqlite')), false, 'listing does not create the history');
  });

  it('lists real runs with their outcome, trigger, failing stage and deployer; --last, --check; the dashboard shows them', async () => {
    const passed = await cli.run(['--trigger', 'post-deploy', '--deployer', 'ada@example.com', '--commit', '0123456789abcdef']);
    onlyTest(passed, 0);
    assert.match(passed.stdout, /^ {2}dashboard: .*index\.html$/m, 'the run says where the dashboard is');
    const failed = await cli.run(['--grep', '@critical'], { DEMO_APP_FAULT: 'webhook-500', ...FAST_WEBHOOKS });
    assert.equal(onlyTest(failed, 1).stage, 'webhook', explain(failed));
    const [p, f] = [passed.summary!, failed.summary!];

    const all = await historyJson();
    assert.deepEqual(
      all.map((e) => [e.run_id, e.check, e.outcome, e.trigger, e.failing_stage, e.deployer, e.commit, e.duration_ms]),
      [
        [f.run_id, '@critical', 'failed', 'manual', 'webhook', null, null, f.duration_ms],
        [p.run_id, '@critical', 'passed', 'post-deploy', null, 'ada@example.com', '0123456789abcdef', p.duration_ms],
      ],
      'newest first',
    );
    assert.deepEqual(Object.keys(all[0]!).sort(), [
      'app_target',
      'app_url',
      'app_version',
      'check',
      'commit',
      'deployer',
      'duration_ms',
      'failing_stage',
      'failing_test',
      'finished_at',
      'outcome',
      'report_path',
      'report_url',
      'run_id',
      'started_at',
      'stripe_target',
      'trigger',
    ]);
    assert.equal(all[0]!.failing_test, f.tests[0]!.title);
    assert.deepEqual([all[0]!.stripe_target, all[0]!.app_target], ['emulator', 'embedded']);
    for (const e of all) assert.ok(existsSync(path.join(cli.reportsDir, e.report_path)), `${e.report_path} is the run's HTML report`);

    assert.deepEqual(
      (await historyJson(['--last', '1'])).map((e) => e.run_id),
      [f.run_id],
    );
    assert.deepEqual(
      (await historyJson(['--check', '@critical'])).map((e) => e.run_id),
      [f.run_id, p.run_id],
    );
    assert.deepEqual(
      (await historyJson(['--check', 'checkout-canary @critical', '--last', '1'])).map((e) => e.run_id),
      [f.run_id],
      "the alert's name for the check works too",
    );
    assert.deepEqual(await historyJson(['--check', '@extended']), []);
    const none = await history(['--check', '@extended']);
    assert.match(none.stdout, /^No runs of check @extended recorded in /);

    const table = await history([]);
    assert.equal(table.code, 0, explain(table));
    const lines = table.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, table.stdout);
    assert.match(lines[0]!, /^STARTED \(UTC\) +OUTCOME +TRIGGER +DURATION +CHECK +FAILING STAGE +DEPLOYER +RUN$/);
    assert.match(lines[1]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +FAILED +manual +\\d+\\.\\d s +@critical +webhook +— +${f.run_id}$`));
    assert.match(
      lines[2]!,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +PASSED +post-deploy +\\d+\\.\\d s +@critical +— +ada@example\\.com +${p.run_id}$`),
    );

    const dashboard = readFileSync(path.join(cli.reportsDir, 'index.html'), 'utf8');
    const points = [...dashboard.matchAll(/<circle class="point"[^>]*data-run-id="([^"]+)" data-duration-ms="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(points, [
      [p.run_id, p.duration_ms],
      [f.run_id, f.duration_ms],
    ]);
    assert.match(dashboard, /<td data-stat="pass-rate">50%<\/td>/);
  });

  it('a bad --last exits 2 naming the flag', async () => {
    for (const bad of ['0', '-3', 'ten', '1.5']) {
      const r = await history(['--last', bad]);
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, /^canary history: --last must be a whole number of at least 1 \(got '.*'\)/, r.stderr);
    }
    const r = await history(['--check']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--check needs a value/);
  });
});
