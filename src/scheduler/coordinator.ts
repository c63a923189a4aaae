/**
 * The PostgreSQL coordinator behind several `canary schedule` copies (issue #12): node-cron's
 * distributed mode asks it, for each occurrence, whether this copy runs it. Its key is the task's
 * name and the occurrence's time (`canary-run:2026-12-02T12:00:00.000Z`), the same in every copy.
 *
 * A claim is a row per key, inserted with ON CONFLICT DO NOTHING: the copy whose insert lands runs
 * the occurrence, every other copy skips it. "Exactly one copy runs each occurrence" is kept as
 * "never two": a claimed key is never taken over, even once its lease has expired and it was never
 * completed, because a holder whose lease lapsed may be cut off from the database rather than
 * dead, and still running it. A crashed holder's occurrence is therefore lost, not run twice.
 *
 * The lease is what keeps the task's runs from overlapping across copies, as `noOverlap` does
 * within one: the holder renews it while its job runs, and another copy skips the task's next
 * occurrences while an uncompleted claim's lease is live. A crashed holder stops renewing, so its
 * lease lapses within `leaseMs` and the next occurrence runs on a live copy.
 *
 * Every failure to reach the database skips the occurrence (fail closed): a claim whose answer
 * was lost may have landed, and then nobody runs it, which is the safe side.
 *
 * An occurrence whose holder vanished is not forgotten, though: after each claim a copy sweeps
 * the claims whose lease lapsed without completion (`onAbandoned`). Each is flagged
 * (`abandoned_at`) by an UPDATE … RETURNING in a transaction that also runs the handler (which
 * records it in the history as aborted): one copy takes each such claim, and only once; should the
 * handler fail, the transaction rolls back and a later sweep takes it again. The holder notes its
 * run's id on its claim (`noteRun`) so the record names the run it interrupted.
 */
import os from 'node:os';
import type { RunCoordinator } from 'node-cron';
import pg from 'pg';
import { UserError } from '../errors.ts';
import { registerSecret } from '../log/redact.ts';

/** What the coordinator answered for one occurrence. */
export type Claim =
  | { run: true; task: string; occurrence: string }
  | { run: false; why: 'taken'; task: string; occurrence: string; owner: string | undefined }
  | { run: false; why: 'busy'; task: string; occurrence: string; owner: string; running: string }
  | { run: false; why: 'unreachable' | 'failed'; task: string; occurrence: string; reason: string };

/** What `startScheduler` needs from a coordinator. */
export interface Coordinator {
  /** This copy, as claims name it: hostname and pid. */
  readonly owner: string;
  /** How long a claim holds without renewal; node-cron's `distributedLease`. */
  readonly leaseMs: number;
  /** Never rejects: a coordinator it cannot reach answers `run: false`. */
  claim(key: string, ttlMs: number): Promise<Claim>;
  complete(key: string): Promise<void>;
  /** Notes the run an occurrence this copy holds is running. Never rejects. */
  noteRun?(key: string, runId: string): Promise<void>;
}

/** A claim whose holder stopped renewing its lease before completing it: it vanished mid-run. */
export interface AbandonedOccurrence {
  key: string;
  task: string;
  /** The occurrence's time (ISO); null for a key that does not carry one. */
  occurrence: string | null;
  /** The copy that claimed it and vanished. */
  owner: string;
  claimed_at: Date;
  /** When its last lease ran out: from then on the holder counted as gone. */
  lease_until: Date;
  /** The run it had started, when it had noted one. */
  run_id: string | null;
}

/**
 * Handles an abandoned occurrence inside the transaction that took it (`db` is that transaction's
 * connection): throwing rolls it back, and a later sweep takes the occurrence again. What it
 * answers, if anything, is done once the transaction committed (the alert: said once, and only
 * about an occurrence this copy did take).
 */
export type AbandonedHandler = (occurrence: AbandonedOccurrence, db: pg.ClientBase) => Promise<void | (() => Promise<void>)>;

export interface PostgresCoordinatorOptions {
  /** Default 60 s. */
  leaseMs?: number;
  /** Default: this host's name and this process's pid. */
  owner?: string;
  /** Renewal, completion and prune failures, one line each. */
  log?: (line: string) => void;
  /** Bound on connecting and on each statement. Default 5 s. */
  timeoutMs?: number;
  /** What to do, once, with each occurrence whose holder vanished; without it they are not looked for. */
  onAbandoned?: AbandonedHandler;
}

const TABLE = 'canary_schedule_claims';
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_DAYS = 7;
/** Error codes that mean the database could not be reached or is not taking work (class 08, 57P). */
const UNREACHABLE = /^(E[A-Z]+|08\w{3}|57P0\d)$/;

/** `host:port/db` of a postgres:// URL, never its password; a URL it cannot read is a UserError naming the variable. */
export function describeTarget(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError('CANARY_COORDINATOR_URL is not a URL: give one such as postgres://canary:secret@db.internal:5432/canary');
  }
  if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname)
    throw new UserError('CANARY_COORDINATOR_URL must be a PostgreSQL URL such as postgres://canary:secret@db.internal:5432/canary');
  return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : '/'}`;
}

/** Splits node-cron's key into the task's name and the occurrence's ISO time. */
export function parseKey(key: string): { task: string; occurrence: string | null } {
  const m = /^(.*):(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/.exec(key);
  return m ? { task: m[1]!, occurrence: m[2]! } : { task: key, occurrence: null };
}

function reasonOf(err: unknown): { unreachable: boolean; reason: string } {
  const e = err as Error & { code?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.find((x) => x.code)?.code;
  // Timeouts and dropped connections come without a code.
  if (!code) return { unreachable: true, reason: e.message.split('\n')[0]! };
  if (UNREACHABLE.test(code)) return { unreachable: true, reason: code };
  return { unreachable: false, reason: `${code} ${e.message.split('\n')[0]}` };
}

export class PostgresCoordinator implements Coordinator, RunCoordinator {
  readonly owner: string;
  readonly leaseMs: number;
  /** postgres://host:port/db, for logs. */
  readonly target: string;
  private readonly pool: pg.Pool;
  private readonly log: (line: string) => void;
  private ready: Promise<void> | undefined;
  /** Claims this copy holds, each with its renewal timer. */
  private readonly held = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private lastPrune = 0;
  private renewFailing = false;
  private closed = false;
  private readonly onAbandoned: AbandonedHandler | undefined;
  private sweeping: Promise<number> | null = null;
  /** Abandoned occurrences whose handler failed, each logged once. */
  private readonly failedAbandoned = new Set<string>();

  constructor(url: string, o: PostgresCoordinatorOptions = {}) {
    this.target = describeTarget(url);
    const password = new URL(url).password;
    registerSecret(password);
    try {
      registerSecret(decodeURIComponent(password));
    } catch {
      // Not percent-encoded after all: the raw form is registered.
    }
    this.owner = o.owner ?? `${os.hostname()} pid ${process.pid}`;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.log = o.log ?? (() => {});
    this.onAbandoned = o.onAbandoned;
    const timeout = o.timeoutMs ?? 5_000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: timeout,
      idleTimeoutMillis: 30_000,
      statement_timeout: timeout,
      query_timeout: timeout + 1_000,
      application_name: 'canary-schedule',
    });
    // An idle connection the server drops must not end the process; the next claim reconnects.
    this.pool.on('error', () => {});
  }

  /** node-cron's interface: true only for the copy that claimed the occurrence. */
  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    return (await this.claim(key, ttlMs)).run;
  }

  onComplete(key: string): Promise<void> {
    return this.complete(key);
  }

  /** Creates the table if missing; resolves to the reason when the database cannot be used. */
  async prepare(): Promise<string | undefined> {
    try {
      await this.ensureTable();
      return undefined;
    } catch (err) {
      const r = reasonOf(err);
      return `${r.unreachable ? 'unreachable' : 'failed'} (${r.reason})`;
    }
  }

  async claim(key: string, ttlMs: number): Promise<Claim> {
    const { task, occurrence } = parseKey(key);
    const at = occurrence ?? key;
    if (this.closed) return { run: false, why: 'failed', task, occurrence: at, reason: 'coordinator closed' };
    try {
      await this.ensureTable();
      const r = await this.pool.query<{ claimed: string | null; busy_owner: string | null; busy_occurrence: Date | null; holder: string | null }>(
        `with busy as (
           select owner, occurrence from ${TABLE}
            where task = $2::text and key <> $1::text and completed_at is null and lease_until > now()
            order by occurrence desc nulls last limit 1
         ), claimed as (
           insert into ${TABLE} (key, task, occurrence, owner, lease_until)
           select $1::text, $2::text, $3::timestamptz, $4::text, now() + $5::int * interval '1 millisecond'
            where not exists (select 1 from busy)
           on conflict (key) do nothing
           returning owner
         )
         select (select owner from claimed) as claimed,
                (select owner from busy) as busy_owner,
                (select occurrence from busy) as busy_occurrence,
                (select owner from ${TABLE} where key = $1) as holder`,
        [key, task, occurrence, this.owner, Math.max(1, Math.round(ttlMs))],
      );
      const row = r.rows[0]!;
      void this.sweepAbandoned();
      if (row.claimed) {
        this.hold(key, ttlMs);
        this.maybePrune();
        return { run: true, task, occurrence: at };
      }
      if (row.busy_owner) return { run: false, why: 'busy', task, occurrence: at, owner: row.busy_owner, running: row.busy_occurrence?.toISOString() ?? '?' };
      // A claim that landed after this statement's snapshot is not in `holder`: ask again.
      const holder =
        row.holder ??
        (await this.pool.query<{ owner: string }>(`select owner from ${TABLE} where key = $1`, [key]).then(
          (x) => x.rows[0]?.owner,
          () => undefined,
        ));
      return { run: false, why: 'taken', task, occurrence: at, owner: holder };
    } catch (err) {
      const r = reasonOf(err);
      return { run: false, why: r.unreachable ? 'unreachable' : 'failed', task, occurrence: at, reason: r.reason };
    }
  }

  async complete(key: string): Promise<void> {
    const timer = this.held.get(key);
    if (!timer) return;
    clearInterval(timer);
    this.held.delete(key);
    await this.track(
      this.pool
        .query(`update ${TABLE} set completed_at = now(), lease_until = least(lease_until, now()) where key = $1 and owner = $2`, [key, this.owner])
        .then(
          () => {},
          // The lease then lapses by itself; the occurrence is never run again either way.
          (err) => this.log(`could not mark ${key} done (${reasonOf(err).reason}); its lease lapses in ${Math.round(this.leaseMs / 1000)} s`),
        ),
    );
  }

  async noteRun(key: string, runId: string): Promise<void> {
    if (!this.held.has(key)) return;
    await this.track(
      this.pool.query(`update ${TABLE} set run_id = $3 where key = $1 and owner = $2`, [key, this.owner, runId]).then(
        () => {},
        (err) => this.log(`could not note run ${runId} on ${key} (${reasonOf(err).reason}); should this copy vanish, its record will not name the run`),
      ),
    );
  }

  /**
   * Takes every claim whose lease lapsed without completion (not one this copy holds) and hands
   * each to `onAbandoned`, all in one transaction: a claim another copy is taking waits for that
   * copy's transaction, then no longer matches. Resolves to how many this copy took; never rejects.
   * One sweep at a time: a call while one runs gets that one.
   */
  sweepAbandoned(): Promise<number> {
    if (!this.onAbandoned || this.closed) return Promise.resolve(0);
    this.sweeping ??= this.track(this.sweep()).finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweep(): Promise<number> {
    let client: pg.PoolClient | undefined;
    let taking: AbandonedOccurrence | undefined;
    const afterCommit: { key: string; then: () => Promise<void> }[] = [];
    let taken = 0;
    try {
      client = await this.pool.connect();
      await client.query('begin');
      const r = await client.query<AbandonedOccurrence & { occurrence: Date | null }>(
        `update ${TABLE} set abandoned_at = now()
          where completed_at is null and abandoned_at is null and lease_until < now() and not (key = any($1::text[]))
          returning key, task, occurrence, owner, claimed_at, lease_until, run_id`,
        [[...this.held.keys()]],
      );
      for (const row of r.rows) {
        taking = { ...row, occurrence: row.occurrence?.toISOString() ?? null };
        const then = await this.onAbandoned!(taking, client);
        if (then) afterCommit.push({ key: row.key, then });
      }
      await client.query('commit');
      for (const row of r.rows) this.failedAbandoned.delete(row.key);
      taken = r.rowCount ?? 0;
    } catch (err) {
      await client?.query('rollback').catch(() => {});
      const key = taking?.key ?? 'abandoned claims';
      if (!this.failedAbandoned.has(key)) this.log(`could not handle ${key}, whose holder vanished (${reasonOf(err).reason}); a later sweep tries again`);
      this.failedAbandoned.add(key);
      return 0;
    } finally {
      client?.release();
    }
    // Committed, and the connection back in the pool: what follows may take a while (Slack).
    for (const a of afterCommit) {
      await a.then().catch((err: Error) => this.log(`took ${a.key}, whose holder vanished, but what follows failed: ${err.message}`));
    }
    return taken;
  }

  /**
   * Marks what this copy still holds as done (call it after the scheduler has stopped its jobs;
   * node-cron may not have called onComplete yet), then closes the pool, within a bound.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.held.keys()].map((key) => this.complete(key)));
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pool.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
  }

  private ensureTable(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('begin');
        // Two copies starting together would race on `create table if not exists`.
        await client.query(`select pg_advisory_xact_lock(hashtext('${TABLE}'))`);
        await client.query(`create table if not exists ${TABLE} (
          key text primary key,
          task text not null,
          occurrence timestamptz,
          owner text not null,
          claimed_at timestamptz not null default now(),
          lease_until timestamptz not null,
          completed_at timestamptz
        )`);
        await client.query(`create index if not exists ${TABLE}_open on ${TABLE} (task) where completed_at is null`);
        // Columns added since the table was first made: a table an older copy made gains them.
        await client.query(`alter table ${TABLE} add column if not exists run_id text`);
        await client.query(`alter table ${TABLE} add column if not exists abandoned_at timestamptz`);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /** Renews the lease while the job runs, so only a holder that stopped (crashed) loses it. */
  private hold(key: string, ttlMs: number): void {
    const renew = () =>
      this.track(
        this.pool
          .query(`update ${TABLE} set lease_until = now() + $3::int * interval '1 millisecond' where key = $1 and owner = $2 and completed_at is null`, [
            key,
            this.owner,
            Math.max(1, Math.round(ttlMs)),
          ])
          .then(
            () => {
              if (this.renewFailing) this.log(`lease renewals work again (${key})`);
              this.renewFailing = false;
            },
            (err) => {
              if (!this.renewFailing) this.log(`could not renew the lease of ${key} (${reasonOf(err).reason}); retrying`);
              this.renewFailing = true;
            },
          ),
      );
    const timer = setInterval(renew, Math.max(100, Math.floor(ttlMs / 3)));
    timer.unref();
    this.held.set(key, timer);
  }

  private maybePrune(): void {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    void this.track(
      this.pool.query(`delete from ${TABLE} where claimed_at < now() - interval '${KEEP_DAYS} days'`).then(
        () => {},
        (err) => this.log(`could not prune old claims (${reasonOf(err).reason})`),
      ),
    );
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }
}
