/**
 * Several `canary schedule` copies coordinated through a real PostgreSQL server (started from the
 * machine's packages by src/testing/postgres.ts; without them these tests fail saying how to
 * install it). The claim semantics against the database; two copies, each its own process on a
 * fast cron, running every occurrence exactly once, and the survivor keeping the schedule when one
 * is SIGKILLed; a copy killed mid-run blocking the task only until its lease lapses, its own
 * occurrence never run again; a vanished holder's claim taken by one of several copies and
 * recorded once in the history as aborted (a failing record rolled back for a later sweep, a live
 * holder's own claim never taken); an unreachable coordinator skipping occurrences with the reason and
 * running nothing; and `canary schedule` itself naming the database without its password.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { redact } from '../log/redact.ts';
import { canaryCli, explain, waitFor } from '../runner/testing/canary-cli.ts';
import { freePort } from '../testing/free-port.ts';
import { startPostgres, type StartedPostgres } from '../testing/postgres.ts';
import { runSummarySchema } from '../runner/summary-schema.ts';
import { recordAbandoned } from './abandoned.ts';
import { PostgresCoordinator } from './coordinator.ts';
import { startScheduler, type Jobs } from './scheduler.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COPY = path.join(import.meta.dirname, 'testing/coordinated-copy.ts');
/** The bound on one copy's process. */
const COPY_BOUND_MS = 180_000;
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

interface Copy {
  child: ChildProcess;
  pid: number;
  owner: string;
  lines: string[];
  exited: Promise<void>;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Which occurrences a copy said it has (mine) or another copy has (theirs). */
function answers(copy: Copy): Map<string, 'mine' | 'theirs'> {
  const m = new Map<string, 'mine' | 'theirs'>();
  for (const l of copy.lines) {
    const x = new RegExp(`^run: (this|another) copy \\(.+\\) has the occurrence at (${ISO.source})$`).exec(l);
    if (x) m.set(x[2]!, x[1] === 'this' ? 'mine' : 'theirs');
  }
  return m;
}

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the PostgreSQL coordinator', () => {
  let server: StartedPostgres;
  let db: pg.Pool;
  const copies = new Set<Copy>();
  const coordinators: PostgresCoordinator[] = [];

  before(async () => {
    server = await startPostgres();
    db = new pg.Pool({ connectionString: server.url, max: 2, connectionTimeoutMillis: 5_000 });
    await db.query('create table test_runs (occurrence timestamptz not null, pid int not null)');
    // The table the coordinator creates, so each test can start from an empty one.
    const c = new PostgresCoordinator(server.url);
    assert.equal(await c.prepare(), undefined);
    await c.close();
  });
  beforeEach(async () => {
    await db.query('truncate test_runs, canary_schedule_claims');
  });
  after(async () => {
    for (const copy of copies) killGroup(copy.child);
    await Promise.all([...copies].map((c) => c.exited));
    for (const c of coordinators) await c.close();
    await db?.end();
    await server?.stop();
  });

  const coordinator = (o: ConstructorParameters<typeof PostgresCoordinator>[1] = {}, url = server.url) => {
    const c = new PostgresCoordinator(url, o);
    coordinators.push(c);
    return c;
  };

  /** One copy in its own process (and process group), bounded, killed at teardown. */
  function startCopy(env: Record<string, string> = {}): Copy {
    const child = spawn(process.execPath, ['--import', 'tsx', COPY], {
      cwd: ROOT,
      env: { ...process.env, COORDINATOR_URL: server.url, LEASE_MS: '3000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines: string[] = [];
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
    });
    child.stderr!.on('data', (chunk: Buffer) =>
      lines.push(
        ...chunk
          .toString()
          .trimEnd()
          .split('\n')
          .map((l) => `stderr: ${l}`),
      ),
    );
    const bound = setTimeout(() => killGroup(child), COPY_BOUND_MS);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        clearTimeout(bound);
        resolve();
      }),
    );
    const copy: Copy = { child, pid: child.pid!, owner: `${os.hostname()} pid ${child.pid}`, lines, exited };
    copies.add(copy);
    return copy;
  }
  const ready = (c: Copy) => waitFor(`copy ${c.pid} ready`, () => (c.lines.includes(`ready ${c.pid}`) ? true : undefined), 30_000);
  const kill = async (c: Copy) => {
    killGroup(c.child);
    await c.exited;
    copies.delete(c);
  };
  const runs = async () =>
    (await db.query<{ occurrence: Date; pid: number }>('select occurrence, pid from test_runs order by occurrence')).rows.map((r) => ({
      occurrence: r.occurrence.toISOString(),
      pid: r.pid,
    }));
  const twice = async () =>
    (await db.query<{ occurrence: Date; n: string }>('select occurrence, count(*) as n from test_runs group by occurrence having count(*) > 1')).rows.map(
      (r) => `${r.occurrence.toISOString()} ran ${r.n} times`,
    );
  const tail = (c: Copy) => `\n--- copy ${c.pid}\n${c.lines.slice(-30).join('\n')}`;

  it('claims: one copy per occurrence, the task held while its run goes on, a lapsed claim never taken over, old claims pruned', async () => {
    const a = coordinator({ owner: 'copy-a' });
    const b = coordinator({ owner: 'copy-b' });
    const at = (s: number) => `2030-01-01T00:00:0${s}.000Z`;
    const k = (s: number) => `t:${at(s)}`;

    assert.deepEqual(await a.claim(k(1), 60_000), { run: true, task: 't', occurrence: at(1) });
    assert.deepEqual(await b.claim(k(1), 60_000), { run: false, why: 'taken', task: 't', occurrence: at(1), owner: 'copy-a' });
    assert.equal(await b.shouldRun(k(1), 60_000), false);
    // copy-a has not completed 1: the task's next occurrence is skipped, as noOverlap does in one copy.
    assert.deepEqual(await b.claim(k(2), 60_000), { run: false, why: 'busy', task: 't', occurrence: at(2), owner: 'copy-a', running: at(1) });
    await a.onComplete(k(1));
    assert.equal(await b.shouldRun(k(3), 60_000), true);
    await b.complete(k(3));

    // A copy that crashed mid-run: its claim was never completed.
    await db.query(
      `insert into canary_schedule_claims (key, task, occurrence, owner, lease_until) values ($1, 't', $2, 'crashed', now() + interval '1 hour')`,
      [k(4), at(4)],
    );
    assert.deepEqual(await b.claim(k(5), 60_000), { run: false, why: 'busy', task: 't', occurrence: at(5), owner: 'crashed', running: at(4) });
    await db.query(`update canary_schedule_claims set lease_until = now() - interval '1 second' where owner = 'crashed'`);
    assert.equal((await b.claim(k(5), 60_000)).run, true, 'a lapsed lease no longer holds the task');
    await b.complete(k(5));
    assert.deepEqual(await a.claim(k(4), 60_000), { run: false, why: 'taken', task: 't', occurrence: at(4), owner: 'crashed' }, 'never run twice');

    // The holder renews its lease while it runs; close() marks what it still holds as done.
    const c = coordinator({ owner: 'copy-c' });
    await db.query(
      `insert into canary_schedule_claims (key, task, owner, claimed_at, lease_until, completed_at) values ('old', 'old', 'x', now() - interval '8 days', now(), now())`,
    );
    assert.equal(await c.shouldRun(k(6), 600), true);
    const lease = async () =>
      (await db.query<{ l: Date; done: Date | null }>('select lease_until as l, completed_at as done from canary_schedule_claims where key = $1', [k(6)]))
        .rows[0]!;
    const first = (await lease()).l.getTime();
    await waitFor('the lease renewed', async () => ((await lease()).l.getTime() > first ? true : undefined), 10_000);
    await waitFor(
      'the 8-day-old claim pruned',
      async () => ((await db.query(`select 1 from canary_schedule_claims where key = 'old'`)).rowCount === 0 ? true : undefined),
      10_000,
    );
    await c.close();
    assert.notEqual((await lease()).done, null);
    assert.equal((await c.claim(k(7), 600)).run, false, 'a closed coordinator claims nothing');
  });

  it('two copies on a fast cron run every occurrence exactly once; when one is killed, the other keeps the schedule', async () => {
    const a = startCopy();
    const b = startCopy();
    await Promise.all([ready(a), ready(b)]);
    // Both copies ask for each occurrence: one says it has it, the other that another copy does.
    const contested = await waitFor(
      'three occurrences both copies asked for',
      () => {
        const [x, y] = [answers(a), answers(b)];
        const both = [...x.keys()].filter((t) => y.has(t));
        return both.length >= 3 ? both : undefined;
      },
      60_000,
    ).catch((err: Error) => assert.fail(err.message + tail(a) + tail(b)));
    for (const t of contested) assert.notEqual(answers(a).get(t), answers(b).get(t), `${t}: exactly one copy has it${tail(a)}${tail(b)}`);
    const ranByA = [...answers(a)].filter(([, v]) => v === 'mine').length;
    const ranByB = [...answers(b)].filter(([, v]) => v === 'mine').length;
    assert.ok(ranByA + ranByB >= 3);

    await kill(a);
    const killedAt = new Date();
    const afterKill = await waitFor(
      'three occurrences run by the survivor after the kill',
      async () => {
        const later = (await runs()).filter((r) => new Date(r.occurrence) > killedAt);
        return later.length >= 3 ? later : undefined;
      },
      60_000,
    ).catch((err: Error) => assert.fail(err.message + tail(b)));
    assert.deepEqual(new Set(afterKill.map((r) => r.pid)), new Set([b.pid]));
    assert.deepEqual(await twice(), [], 'no occurrence ran twice');
    // Every occurrence a copy said it had, it ran (and only it).
    const all = await runs();
    for (const [t, v] of answers(b))
      if (v === 'mine')
        assert.deepEqual(
          all.filter((r) => r.occurrence === t).map((r) => r.pid),
          [b.pid],
          t,
        );
  });

  it("a copy killed mid-run holds the task until its lease lapses, then a live copy runs the next occurrence; the killed one's occurrence is not run again", async () => {
    const hung = startCopy({ JOB: 'hang' });
    await ready(hung);
    const held = await waitFor('the hung copy holding an occurrence', () => {
      for (const l of hung.lines) {
        const m = new RegExp(`^holding (${ISO.source})$`).exec(l);
        if (m) return m[1]!;
      }
      return undefined;
    }).catch((err: Error) => assert.fail(err.message + tail(hung)));
    const live = startCopy();
    await ready(live);
    // While the hung copy lives, it renews its lease: the live copy skips the task's occurrences.
    const skipped = new RegExp(
      `^run: another copy \\(${literal(hung.owner)}\\) is still running the occurrence at ${held}; the one at ${ISO.source} is skipped$`,
    );
    await waitFor('an occurrence skipped while the hung copy runs', () => (live.lines.some((l) => skipped.test(l)) ? true : undefined), 30_000).catch(
      (err: Error) => assert.fail(err.message + tail(live)),
    );

    await kill(hung);
    const ran = await waitFor("the live copy's first run after the kill", async () => (await runs()).find((r) => r.pid === live.pid), 60_000).catch(
      (err: Error) => assert.fail(err.message + tail(live)),
    );
    assert.ok(ran.occurrence > held);
    assert.deepEqual(
      (await runs()).filter((r) => r.occurrence === held),
      [{ occurrence: held, pid: hung.pid }],
    );
    assert.deepEqual(await twice(), []);
    const claim = await db.query('select owner, completed_at from canary_schedule_claims where key = $1', [`canary-run:${held}`]);
    assert.deepEqual(claim.rows, [{ owner: hung.owner, completed_at: null }], 'the crashed claim is left as it was, not taken over');
  });

  it('an occurrence whose holder vanished is taken by one of several copies, recorded once in the history as aborted, and never run again', async () => {
    await db.query('drop table if exists canary_history, canary_history_schema');
    const reportsDir = path.join(os.tmpdir(), 'canary-abandoned-reports');
    const settings = {
      grep: '@critical',
      timeoutMs: 600_000,
      target: { stripe: 'emulator' as const, stripe_api_url: null, app: 'embedded' as const, app_url: '' },
    };
    const logged: string[] = [];
    let calls = 0;
    const record = recordAbandoned({ settings, reportsDir, log: (l) => logged.push(l) });
    const copy = (owner: string) =>
      coordinator({
        owner,
        onAbandoned: (o, tx) => {
          calls++;
          return record(o, tx);
        },
      });
    const at = (s: number) => `2031-01-01T00:00:0${s}.000Z`;
    const insert = (key: string, task: string, occurrence: string, o: { owner?: string; runId?: string; lapsed?: boolean; completed?: boolean } = {}) =>
      db.query(
        `insert into canary_schedule_claims (key, task, occurrence, owner, claimed_at, lease_until, completed_at, run_id)
         values ($1, $2, $3, $4, now() - interval '1 minute', now() + ($5::int * interval '1 hour'), case when $6 then now() end, $7)`,
        [key, task, occurrence, o.owner ?? 'vanished-host pid 4242', o.lapsed === false ? 1 : -1, o.completed === true, o.runId ?? null],
      );
    const RUN_ID = 'canary_20310101T000001Z_0a1b2c3d';
    await insert(`canary-run:${at(1)}`, 'canary-run', at(1), { runId: RUN_ID });
    await insert(`canary-prune:${at(2)}`, 'canary-prune', at(2));
    // Before the run began (no run id noted): recorded under one id made from the occurrence.
    await insert(`canary-run:${at(3)}`, 'canary-run', at(3));
    // Not abandoned: completed, or still renewed by a live holder.
    await insert(`canary-run:${at(4)}`, 'canary-run', at(4), { completed: true });
    await insert(`canary-run:${at(5)}`, 'canary-run', at(5), { lapsed: false, owner: 'live-host pid 1' });

    // A handler that fails rolls the flag back: nothing is lost, a later sweep takes it again.
    const failing = coordinator({
      owner: 'failing',
      onAbandoned: async () => {
        throw new Error('history down');
      },
    });
    assert.equal(await failing.sweepAbandoned(), 0);
    assert.equal((await db.query('select 1 from canary_schedule_claims where abandoned_at is not null')).rowCount, 0);

    const copies = [copy('copy-a'), copy('copy-b'), copy('copy-c')];
    const took = await Promise.all(copies.map((c) => c.sweepAbandoned()));
    assert.equal(
      took.reduce((a, b) => a + b, 0),
      3,
      `the three abandoned claims taken once between the copies: ${took}`,
    );
    assert.equal(calls, 3);
    assert.equal(await copies[0]!.sweepAbandoned(), 0, 'nothing left to take');

    const rows = (
      await db.query<{ run_id: string; outcome: string; run_trigger: string; summary: unknown }>(
        'select run_id, outcome, run_trigger, summary from canary_history order by run_id',
      )
    ).rows;
    assert.deepEqual(
      rows.map((r) => [r.run_id, r.outcome, r.run_trigger]),
      [
        [RUN_ID, 'aborted', 'schedule'],
        ['canary_20310101T000003Z_abandoned', 'aborted', 'schedule'],
      ],
    );
    const summary = runSummarySchema.parse(rows[0]!.summary);
    assert.deepEqual(summary.stopped && { reason: summary.stopped.reason, signal: summary.stopped.signal }, { reason: 'lost', signal: null });
    assert.equal(summary.errors.length, 1);
    assert.match(summary.errors[0]!, new RegExp(`"vanished-host pid 4242" vanished while running occurrence canary-run@${literal(at(1))}`));
    const prune = new RegExp(
      `^prune: the occurrence at ${literal(at(2))} was abandoned by vanished-host pid 4242 \\(its lease lapsed at ${ISO.source}\\); it is not run again$`,
    );
    assert.equal(logged.filter((l) => prune.test(l)).length, 1, logged.join('\n'));
    assert.equal(logged.length, 3, logged.join('\n'));
    const flags = (
      await db.query<{ key: string; abandoned: boolean; completed: boolean }>(
        'select key, abandoned_at is not null as abandoned, completed_at is not null as completed from canary_schedule_claims order by key',
      )
    ).rows;
    assert.deepEqual(
      flags.map((f) => [f.key, f.abandoned, f.completed]),
      [
        [`canary-prune:${at(2)}`, true, false],
        [`canary-run:${at(1)}`, true, false],
        [`canary-run:${at(3)}`, true, false],
        [`canary-run:${at(4)}`, false, true],
        [`canary-run:${at(5)}`, false, false],
      ],
    );
    await db.query('delete from canary_schedule_claims where key = $1', [`canary-run:${at(5)}`]);
    // The coordinator's rule stands: an abandoned occurrence is never run again.
    assert.deepEqual(await copies[1]!.claim(`canary-run:${at(1)}`, 60_000), {
      run: false,
      why: 'taken',
      task: 'canary-run',
      occurrence: at(1),
      owner: 'vanished-host pid 4242',
    });

    // A holder notes its run on its claim; its own claim is never taken from it, even with its lease lapsed.
    const holder = copy('copy-d');
    const key = `canary-run:${at(6)}`;
    assert.equal((await holder.claim(key, 60_000)).run, true);
    await holder.noteRun(key, 'canary_20310101T000006Z_0f0f0f0f');
    await holder.noteRun(`canary-run:${at(7)}`, 'canary_20310101T000007Z_0e0e0e0e');
    await db.query(`update canary_schedule_claims set lease_until = now() - interval '1 second' where key = $1`, [key]);
    assert.equal(await holder.sweepAbandoned(), 0);
    assert.deepEqual((await db.query('select run_id, abandoned_at from canary_schedule_claims where key = $1', [key])).rows, [
      { run_id: 'canary_20310101T000006Z_0f0f0f0f', abandoned_at: null },
    ]);
    // Another copy's next claim sweeps by itself (a holder whose lease lapsed may only be cut off: should its run finish, its own result replaces the record).
    assert.equal((await copies[2]!.claim(`canary-run:${at(8)}`, 60_000)).run, true);
    await waitFor(
      'the lapsed claim recorded by the next claim',
      async () => ((await db.query('select 1 from canary_history where run_id = $1', ['canary_20310101T000006Z_0f0f0f0f'])).rowCount === 1 ? true : undefined),
      10_000,
    );
    await holder.complete(key);
  });

  it('an unreachable coordinator skips every occurrence with the reason, and runs nothing', async () => {
    const port = await freePort(); // nothing listens there
    const password = 'Unreachable-s3cret-pw';
    const c = coordinator({ timeoutMs: 2_000 }, `postgres://canary:${password}@127.0.0.1:${port}/canary`);
    assert.equal(c.target, `postgres://127.0.0.1:${port}/canary`);
    assert.equal(redact(`postgres://canary:${password}@host/db`).includes(password), false, 'the password is registered as a secret');
    let ran = 0;
    const jobs: Jobs = {
      run: async () => ({ outcome: `ran ${++ran}`, exitCode: 0 }),
      prune: async () => ({ outcome: `ran ${++ran}` }),
      flush: async () => ({ outcome: 'nothing waiting' }),
    };
    const log: string[] = [];
    const s = startScheduler({ cron: '* * * * * *', pruneCron: '* * * * * *', timezone: 'UTC', runNow: false, graceMs: 1_000 }, jobs, (l) => log.push(l), {
      coordinator: c,
    });
    try {
      const skip = new RegExp(`^(run|prune): coordinator unreachable \\(ECONNREFUSED\\): skipping occurrence canary-(run|prune)@${ISO.source}$`);
      await waitFor('two occurrences of each task skipped', () => {
        const n = (task: string) => log.filter((l) => skip.test(l) && l.startsWith(`${task}:`)).length;
        return n('run') >= 2 && n('prune') >= 2 ? true : undefined;
      }).catch((err: Error) => assert.fail(`${err.message}\n${log.join('\n')}`));
    } finally {
      await s.stop();
    }
    assert.equal(ran, 0);
    assert.ok(!log.some((l) => /started/.test(l)), log.join('\n'));
    assert.equal(
      log.find((l) => l.includes(password)),
      undefined,
    );
    assert.match((await c.prepare()) ?? '', /^unreachable \(ECONNREFUSED\)$/);
  });

  it('canary schedule names the database it is coordinated through, never its password, and stops cleanly', async () => {
    const cli = canaryCli();
    try {
      const password = 'Schedule-s3cret-pw';
      const u = new URL(server.url);
      u.password = password;
      let out = '';
      let child: ChildProcess | undefined;
      const finished = cli.command(['schedule', '--cron', '0 0 1 1 *', '--prune-cron', '0 0 1 1 *'], { CANARY_COORDINATOR_URL: u.toString() }, (c) => {
        child = c;
        c.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      });
      await waitFor('the coordinator named', () =>
        new RegExp(`^schedule: coordinated through postgres://127\\.0\\.0\\.1:${u.port}/canary as .+ pid \\d+$`, 'm').test(out) ? true : undefined,
      );
      child!.kill('SIGTERM');
      const r = await finished;
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /schedule: stopping\nschedule: stopped/);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(password), explain(r));
    } finally {
      cli.close();
    }
  });
});
