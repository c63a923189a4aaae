/**
 * The run history's retention through the real `canary prune`, against a Stripe emulator: after
 * the Stripe prune, runs that started longer ago than CANARY_HISTORY_RETENTION (or the config
 * file's `retention.history`; default 90d) are deleted and reports/index.html is drawn again; a
 * dry run only counts them; `canary history` then lists only the kept runs; a history that cannot
 * be opened is one warning line and `history: null`, never the exit code. `canary schedule`'s prune
 * task prunes the history too, even with no Stripe to prune.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PruneReport } from '../cleanup/prune.ts';
import { startStripeEmulator, type RunningStripeEmulator } from '../emulators/stripe/index.ts';
import { canaryCli, explain, waitFor, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';
import { tempProject, type TempProject } from '../testing/project.ts';
import type { HistoryEntry } from './entry.ts';
import { openHistory } from './store.ts';
import { runSummary } from './testing/runs.ts';

const DAY_MS = 86_400_000;
let emulator: RunningStripeEmulator;
let cli: CanaryCli;
const cleanups: (() => void)[] = [];
before(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  cli = canaryCli();
});
after(async () => {
  cli?.close();
  for (const c of cleanups) c();
  await emulator?.close();
});

/** A reports folder of its own, with runs that started `daysAgo` before now in its SQLite history; answers the folder and the runs' ids. */
async function historyWith(daysAgo: number[]): Promise<{ reportsDir: string; ids: string[] }> {
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-history-prune-'));
  cleanups.push(() => rmSync(reportsDir, { recursive: true, force: true }));
  const store = await openHistory({ CANARY_REPORTS_DIR: reportsDir, CANARY_REPORT_URL: undefined, CANARY_COORDINATOR_URL: undefined });
  const ids: string[] = [];
  try {
    for (const days of daysAgo) {
      const s = runSummary({ outcome: 'passed', startedAt: new Date(Date.now() - days * DAY_MS), durationMs: 20_000 });
      await store.append(s, path.join(reportsDir, s.run_id));
      ids.push(s.run_id);
    }
  } finally {
    await store.close();
  }
  return { reportsDir, ids };
}

const stripe = () => ({ STRIPE_SECRET_KEY: 'sk_test_historyprune', STRIPE_API_URL: emulator.url });
const prune = (reportsDir: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  cli.command(['prune', ...args], { ...stripe(), CANARY_REPORTS_DIR: reportsDir, ...env });
function report(r: Finished): PruneReport {
  assert.equal(r.code, 0, explain(r));
  return JSON.parse(r.stdout) as PruneReport;
}
async function listed(reportsDir: string): Promise<string[]> {
  const r = await cli.command(['history', '--json', '--last', '100'], { CANARY_REPORTS_DIR: reportsDir });
  assert.equal(r.code, 0, explain(r));
  return (JSON.parse(r.stdout) as HistoryEntry[]).map((e) => e.run_id);
}

describe('canary prune and the run history', () => {
  it('a dry run counts the runs past the retention; prune deletes them, history lists the rest and the dashboard is drawn again', async () => {
    // Newest first, as `canary history` lists them; the retention (90d) falls between 89 and 91 days.
    const { reportsDir, ids } = await historyWith([1 / 24, 2, 89, 91, 120]);
    const dashboard = path.join(reportsDir, 'index.html');
    writeFileSync(dashboard, 'drawn before the prune');

    const dry = report(await prune(reportsDir, ['--dry-run', '--json']));
    assert.deepEqual(dry.history, { older_than_ms: 90 * DAY_MS, found: 2, deleted: 0 });
    const dryText = await prune(reportsDir, ['--dry-run']);
    assert.match(dryText.stdout, /^ {2}history: would delete 2 runs older than 90d$/m, explain(dryText));
    assert.deepEqual(await listed(reportsDir), ids, 'a dry run deletes nothing');
    assert.equal(readFileSync(dashboard, 'utf8'), 'drawn before the prune', 'nor draws anything');

    const done = report(await prune(reportsDir, ['--json']));
    assert.deepEqual(done.history, { older_than_ms: 90 * DAY_MS, found: 2, deleted: 2 });
    assert.deepEqual(
      Object.keys(done),
      ['dry_run', 'older_than_ms', 'cutoff', 'found', 'deleted', 'failed', 'items', 'errors', 'rate_limited', 'requests', 'duration_ms', 'stopped', 'history'],
      "the Stripe prune's fields stay as they were; history is added",
    );
    assert.deepEqual(await listed(reportsDir), ids.slice(0, 3));
    const html = readFileSync(dashboard, 'utf8');
    assert.ok(html.includes(`data-run-id="${ids[0]}"`), 'reports/index.html is drawn again from the history');

    assert.deepEqual(report(await prune(reportsDir, ['--json'])).history, { older_than_ms: 90 * DAY_MS, found: 0, deleted: 0 }, 'nothing more to delete');
  });

  it('the retention is retention.history in canary.config.ts, and CANARY_HISTORY_RETENTION over it; the text report says what went', async () => {
    const { reportsDir, ids } = await historyWith([1 / 24, 3, 40]);
    const project: TempProject = tempProject({
      'canary.config.ts': "import { defineConfig } from 'checkout-canary';\nexport default defineConfig({ retention: { history: '30d' } });\n",
    });
    cleanups.push(() => project.remove());
    const configFile = path.join(project.dir, 'canary.config.ts');

    const byFile = await prune(reportsDir, ['--config', configFile]);
    assert.equal(byFile.code, 0, explain(byFile));
    assert.match(byFile.stdout, /^ {2}history: deleted 1 run older than 30d$/m);
    assert.deepEqual(await listed(reportsDir), ids.slice(0, 2));

    const byVariable = await prune(reportsDir, ['--config', configFile], { CANARY_HISTORY_RETENTION: '2d' });
    assert.match(byVariable.stdout, /^ {2}history: deleted 1 run older than 2d$/m, explain(byVariable));
    assert.deepEqual(await listed(reportsDir), ids.slice(0, 1));
  });

  it('a history that cannot be opened is one warning line and history: null; the exit code stands', async () => {
    const { reportsDir } = await historyWith([]);
    const secretUrl = 'postgres://canary:s3cret-Passw0rd@127.0.0.1:9/canary';
    const r = await prune(reportsDir, ['--json'], { CANARY_COORDINATOR_URL: secretUrl });
    assert.equal(report(r).history, null);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('history'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /history: not pruned: could not open the run history in PostgreSQL \(CANARY_COORDINATOR_URL\): /);
    assert.ok(!r.stderr.includes('s3cret') && !r.stdout.includes('s3cret'), "the URL's password is not printed");
  });
});

describe("canary schedule's prune task and the run history", () => {
  it('prunes the history past its retention even with no Stripe to prune (the embedded emulator)', async () => {
    const { reportsDir, ids } = await historyWith([1, 100]);
    let out = '';
    let child: ChildProcess | undefined;
    const finished = cli.command(
      ['schedule', '--cron', '0 0 1 1 *', '--checks-cron', 'off', '--prune-cron', '* * * * * *'],
      { CANARY_REPORTS_DIR: reportsDir },
      (c) => {
        child = c;
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      },
    );
    const line = await waitFor('the prune task to finish once', () => /^schedule: prune: (.+) in \d+\.\d s; next .+$/m.exec(out)?.[1], 30_000);
    assert.equal(line, 'nothing to prune in Stripe (no STRIPE_SECRET_KEY: runs use the embedded emulator); history: deleted 1 run older than 90d');
    child!.kill('SIGTERM');
    const r = await finished;
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(await listed(reportsDir), ids.slice(0, 1));
  });
});
