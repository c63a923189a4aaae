/**
 * The scheduler on a fast cron (node-cron takes a seconds field): it fires, flushes the outbox
 * before each run, runs prune on its own cron, skips an overlap, rejects bad crons and time
 * zones naming the flag, and stops cleanly — letting a run finish within the grace period, or
 * stopping it after. Then `canary schedule` itself: a bad cron exits 2; SIGTERM mid-run exits 0
 * with the run's summary saying aborted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { UserError } from '../errors.ts';
import { canaryCli, explain, waitFor, type CanaryCli } from '../runner/testing/canary-cli.ts';
import { startScheduler, type Jobs, type RunningScheduler } from './scheduler.ts';

/** Jobs that record what ran, in order; a run lasts until `release()` or its abort. */
function fakeJobs() {
  const events: string[] = [];
  let inFlight = 0;
  let most = 0;
  let releases: (() => void)[] = [];
  const jobs: Jobs = {
    flush: async () => {
      events.push('flush');
      return { outcome: 'nothing waiting' };
    },
    run: (signal) =>
      new Promise((resolve) => {
        events.push('run');
        most = Math.max(most, ++inFlight);
        const done = (outcome: string) => {
          inFlight--;
          events.push(outcome);
          resolve({ outcome, exitCode: outcome === 'passed' ? 0 : 130 });
        };
        releases.push(() => done('passed'));
        signal.addEventListener('abort', () => done('aborted'), { once: true });
      }),
    prune: async () => {
      events.push('prune');
      return { outcome: 'pruned: deleted 0, failed 0' };
    },
  };
  const release = () => {
    const r = releases;
    releases = [];
    for (const f of r) f();
  };
  return { jobs, events, release, most: () => most };
}

describe('startScheduler', () => {
  const schedulers: RunningScheduler[] = [];
  after(async () => {
    for (const s of schedulers) await s.stop();
  });
  const start = (o: Partial<Parameters<typeof startScheduler>[0]>, jobs: Jobs, log: string[]) => {
    const s = startScheduler({ cron: '* * * * * *', pruneCron: '0 3 * * *', timezone: 'UTC', runNow: false, graceMs: 200, ...o }, jobs, (l) => log.push(l));
    schedulers.push(s);
    return s;
  };

  it('fires on its cron, flushes before each run, logs the outcome and the next run, and skips an overlap', async () => {
    const f = fakeJobs();
    const log: string[] = [];
    const s = start({}, f.jobs, log);
    assert.match(log[0]!, /^run: scheduled "\* \* \* \* \* \*" \(UTC\); next \d{4}-\d\d-\d\dT/);
    await waitFor('a run in progress', () => (f.events.includes('run') ? true : undefined), 10_000);
    // The run is held: the next occurrences overlap and are skipped.
    await waitFor(
      'an overlap logged',
      () => (log.some((l) => /the previous run is still going; this occurrence is skipped/.test(l)) ? true : undefined),
      10_000,
    );
    f.release();
    await waitFor(
      'the run logged with its outcome and the next run',
      () => (log.some((l) => /^run: passed in [\d.]+ s; next \d{4}-/.test(l)) ? true : undefined),
      10_000,
    );
    await s.stop();
    assert.equal(f.most(), 1, 'never two runs at once');
    assert.deepEqual(f.events.slice(0, 3), ['flush', 'run', 'passed'], 'the outbox is flushed before the run');
  });

  it('runs prune on its own cron', async () => {
    const f = fakeJobs();
    const log: string[] = [];
    const s = start({ cron: '0 0 1 1 *', pruneCron: '* * * * * *' }, f.jobs, log);
    await waitFor('prune logged', () => (log.some((l) => /^prune: pruned: deleted 0, failed 0 in [\d.]+ s/.test(l)) ? true : undefined), 10_000);
    await s.stop();
    assert.ok(!f.events.includes('run'));
  });

  it('on stop, a run that finishes within the grace period finishes; one that does not is stopped', async () => {
    const quick = fakeJobs();
    const a = start({ cron: '0 0 1 1 *', runNow: true, graceMs: 30_000 }, quick.jobs, []);
    await waitFor('the run started', () => (quick.events.includes('run') ? true : undefined), 5_000);
    const stopping = a.stop();
    quick.release();
    await stopping;
    assert.equal(quick.events.at(-1), 'passed');

    const slow = fakeJobs();
    const log: string[] = [];
    const b = start({ cron: '0 0 1 1 *', runNow: true, graceMs: 100 }, slow.jobs, log);
    await waitFor('the run started', () => (slow.events.includes('run') ? true : undefined), 5_000);
    await b.stop();
    assert.equal(slow.events.at(-1), 'aborted');
    assert.ok(log.some((l) => /grace period is over/.test(l)));
  });

  it('rejects a bad cron or time zone, naming the flag', () => {
    const f = fakeJobs();
    assert.throws(
      () => startScheduler({ cron: '61 * * * *', pruneCron: '0 3 * * *', timezone: 'UTC', runNow: false, graceMs: 1 }, f.jobs, () => {}),
      (e: Error) => e instanceof UserError && /^--cron '61 \* \* \* \*' is not a cron expression/.test(e.message),
    );
    assert.throws(
      () => startScheduler({ cron: '0 * * * *', pruneCron: 'daily', timezone: 'UTC', runNow: false, graceMs: 1 }, f.jobs, () => {}),
      /^UserError: --prune-cron 'daily'/,
    );
    assert.throws(
      () => startScheduler({ cron: '0 * * * *', pruneCron: '0 3 * * *', timezone: 'Mars/Olympus', runNow: false, graceMs: 1 }, f.jobs, () => {}),
      /--timezone 'Mars\/Olympus' is not an IANA time zone/,
    );
  });
});

describe('canary schedule', () => {
  const KEY = `sk_test_schedule${Math.random().toString(36).slice(2, 10)}`;
  let h: DemoHarness;
  let cli: CanaryCli;
  before(async () => {
    cli = canaryCli();
    h = await startDemoHarness({ app: { stripeSecretKey: KEY } });
  });
  after(async () => {
    cli?.close();
    await h?.close();
  });

  it('exits 2 naming a bad cron', async () => {
    const r = await cli.command(['schedule', '--cron', 'every six hours']);
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /--cron 'every six hours' is not a cron expression/);
  });

  it('on SIGTERM mid-run, stops the run after the grace period (its summary says aborted) and exits 0', async () => {
    assert.equal((await h.admin('POST', '/_demo/faults', { fault: 'upgrade-hang' })).status, 200);
    try {
      const known = cli.runDirs();
      let child: ChildProcess | undefined;
      const finished = cli.command(
        ['schedule', '--cron', '0 0 1 1 *', '--run-now', '--grace', '1s'],
        { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: h.emulator.url, DEMO_APP_URL: h.app.url, DEMO_APP_ADMIN_TOKEN: h.adminToken },
        (c) => (child = c),
      );
      await cli.waitForSummary(
        () => cli.newRunDir(known),
        (s) => s.tests[0]?.steps_in_progress.some((x) => /upgrade to Pro/.test(x)) ?? false,
        'the scheduled run in its upgrade step',
      );
      child!.kill('SIGTERM');
      const r = await finished;
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /schedule: stopping[\s\S]*grace period is over[\s\S]*schedule: stopped/);
      const dir = cli.newRunDir(known)!;
      const s = await cli.waitForSummary(
        () => dir,
        (x) => x.outcome !== 'running',
        'the final summary',
        5_000,
      );
      assert.deepEqual([s.trigger, s.outcome, s.stopped?.reason], ['schedule', 'aborted', 'signal']);
    } finally {
      await h.setFault(null);
    }
  });
});
