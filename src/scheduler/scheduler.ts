/**
 * `canary schedule`: the long-running process that runs the suite on its cron (every six hours by
 * default), the API checks on theirs (every five minutes) and `canary prune` on its own, on
 * node-cron 4. Before each run it flushes the Slack
 * outbox. A task never runs twice at once (`noOverlap`; an overlap is logged). Each start, outcome,
 * duration and the next run time are logged. On stop it takes no new runs, lets the current one
 * finish within a grace period, then stops it as `canary run` stops on a signal. Given a coordinator
 * (several copies, src/scheduler/coordinator.ts), every task runs in node-cron's distributed mode and
 * each occurrence runs on the one copy that claimed it. Given a Liveness (src/health), each task's
 * occurrences and jobs are reported to it, for /healthz.
 */
import cron, { type RunCoordinator, type ScheduledTask, type TaskOptions } from 'node-cron';
import { UserError } from '../errors.ts';
import type { Liveness } from '../health/liveness.ts';
import type { Claim, Coordinator } from './coordinator.ts';

export interface ScheduleOptions {
  cron: string;
  pruneCron: string;
  /** When to run the API checks; unset (or null) when there are none to run. */
  checksCron?: string | null;
  timezone: string;
  runNow: boolean;
  /** How long the run in progress may go on after a stop was asked for. */
  graceMs: number;
  /** How long one job of each task may take before /healthz calls it hung (without the grace). */
  boundsMs?: Partial<Record<TaskName, number>>;
}

export type TaskName = 'run' | 'checks' | 'prune';

/**
 * What the scheduler runs; each job gets a signal that aborts it once the grace period is over,
 * and the occurrence it runs for (the time it was scheduled at; now for --run-now).
 */
export interface Jobs {
  /** `started` is to be told the run's id as soon as there is one (it is noted on the occurrence's claim). */
  run(signal: AbortSignal, occurrence: Date, started: (runId: string) => void): Promise<{ outcome: string; exitCode: number }>;
  /** The API checks of one occurrence (needed when checksCron is set); `started` as for run. */
  checks?(signal: AbortSignal, occurrence: Date, started: (runId: string) => void): Promise<{ outcome: string }>;
  prune(signal: AbortSignal, occurrence: Date): Promise<{ outcome: string }>;
  flush(): Promise<{ outcome: string }>;
}

/** Several copies: who runs each occurrence. Without it, this copy runs them all. */
export interface Coordination {
  coordinator: Coordinator;
  /** Where the routine lines go (which copy has each occurrence); default: the scheduler's log. */
  quiet?: (line: string) => void;
}

export interface RunningScheduler {
  tasks: { run: ScheduledTask; prune: ScheduledTask; checks?: ScheduledTask };
  /** Takes no new runs, lets the current ones finish within the grace period, then aborts them. */
  stop(): Promise<void>;
}

/** Checks a cron expression (node-cron accepts a leading seconds field) and names the flag when it is wrong. */
export function checkCron(flag: string, expression: string): void {
  const v = cron.validateDetailed(expression);
  if (!v.valid)
    throw new UserError(`${flag} '${expression}' is not a cron expression: ${v.errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid'}`);
}

export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new UserError(`--timezone '${timezone}' is not an IANA time zone such as UTC or Europe/Paris`);
  }
}

/** One line for a claim's answer, after the task's name. */
export function describeClaim(c: Claim, owner: string): string {
  if (c.run) return `this copy (${owner}) has the occurrence at ${c.occurrence}`;
  switch (c.why) {
    case 'taken':
      return `another copy (${c.owner ?? 'unknown'}) has the occurrence at ${c.occurrence}`;
    case 'busy':
      return `another copy (${c.owner}) is still running the occurrence at ${c.running}; the one at ${c.occurrence} is skipped`;
    case 'unreachable':
      return `coordinator unreachable (${c.reason}): skipping occurrence ${c.task}@${c.occurrence}`;
    case 'failed':
      return `coordinator failed (${c.reason}): skipping occurrence ${c.task}@${c.occurrence}`;
  }
}

/** A job's bound when none is given: the longest a run may take (its timeout), and some. */
const DEFAULT_BOUND_MS = 60 * 60_000;

export function startScheduler(
  o: ScheduleOptions,
  jobs: Jobs,
  log: (line: string) => void,
  coordination?: Coordination,
  liveness?: Liveness,
): RunningScheduler {
  checkCron('--cron', o.cron);
  checkCron('--prune-cron', o.pruneCron);
  const checksCron = o.checksCron ?? null;
  if (checksCron !== null) {
    checkCron('--checks-cron', checksCron);
    if (!jobs.checks) throw new Error('a checks cron needs a checks job');
  }
  checkTimezone(o.timezone);
  const running = new Set<{ done: Promise<unknown>; abort: AbortController }>();
  let stopping = false;

  /** Runs one job, logging its start, outcome, duration and the task's next run. */
  function wrap(name: TaskName, work: (signal: AbortSignal, occurrence: Date) => Promise<{ outcome: string }>, task: () => ScheduledTask | undefined) {
    return async (ctx: { date: Date }) => {
      if (stopping) return;
      const abort = new AbortController();
      const started = Date.now();
      log(`${name}: started`);
      liveness?.started(name);
      const done = work(abort.signal, ctx.date).then(
        (r) => log(`${name}: ${r.outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s; next ${task()?.getNextRun()?.toISOString() ?? 'none'}`),
        (err: Error) =>
          log(`${name}: failed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${err.message}; next ${task()?.getNextRun()?.toISOString() ?? 'none'}`),
      );
      const entry = { done, abort };
      running.add(entry);
      await done;
      running.delete(entry);
      liveness?.finished(name);
    };
  }

  /** node-cron's distributed mode for one task: each occurrence's claim and its answer logged. */
  function distributed(name: string): TaskOptions {
    if (!coordination) return {};
    const { coordinator } = coordination;
    const quiet = coordination.quiet ?? log;
    const runCoordinator: RunCoordinator = {
      shouldRun: async (key, ttlMs) => {
        // A copy on its way out takes no occurrence it would not run.
        if (stopping) return false;
        const claim = await coordinator.claim(key, ttlMs);
        (claim.run || claim.why === 'taken' ? quiet : log)(`${name}: ${describeClaim(claim, coordinator.owner)}`);
        return claim.run;
      },
      onComplete: (key) => coordinator.complete(key),
    };
    return { distributed: true, runCoordinator, distributedLease: coordinator.leaseMs };
  }

  /** node-cron's key for an occurrence: should this copy vanish, the copy that finds its claim names the run. */
  const noteRun = (taskName: string, occurrence: Date) => (runId: string) =>
    void coordination?.coordinator.noteRun?.(`${taskName}:${occurrence.toISOString()}`, runId);

  const runJob = async (signal: AbortSignal, occurrence: Date) => {
    const flushed = await jobs.flush().catch((err: Error) => ({ outcome: `outbox not flushed (${err.message})` }));
    if (flushed.outcome !== 'nothing waiting') log(`outbox: ${flushed.outcome}`);
    return jobs.run(signal, occurrence, noteRun('canary-run', occurrence));
  };
  const tasks = {} as RunningScheduler['tasks'];
  tasks.run = cron.schedule(
    o.cron,
    wrap('run', runJob, () => tasks.run),
    { name: 'canary-run', timezone: o.timezone, noOverlap: true, ...distributed('run') },
  );
  tasks.prune = cron.schedule(
    o.pruneCron,
    wrap(
      'prune',
      (s, at) => jobs.prune(s, at),
      () => tasks.prune,
    ),
    { name: 'canary-prune', timezone: o.timezone, noOverlap: true, ...distributed('prune') },
  );
  if (checksCron !== null) {
    const checks = jobs.checks!;
    tasks.checks = cron.schedule(
      checksCron,
      wrap(
        'checks',
        (s, at) => checks(s, at, noteRun('canary-checks', at)),
        () => tasks.checks,
      ),
      { name: 'canary-checks', timezone: o.timezone, noOverlap: true, ...distributed('checks') },
    );
  }
  for (const [name, task] of Object.entries(tasks) as [TaskName, ScheduledTask][]) {
    task.on('execution:overlap', () => log(`${name}: the previous ${name} is still going; this occurrence is skipped`));
    if (liveness) {
      liveness.watch(name, { nextRun: () => task.getNextRun(), boundMs: (o.boundsMs?.[name] ?? DEFAULT_BOUND_MS) + o.graceMs });
      // Whatever became of an occurrence — run, overlapped, skipped for another copy, missed — it was handled.
      for (const event of ['execution:started', 'execution:overlap', 'execution:skipped', 'execution:missed'] as const) {
        task.on(event, (ctx: { date: Date }) => liveness.handled(name, ctx.date));
      }
    }
    log(`${name}: scheduled "${task.getPattern()}" (${o.timezone}); next ${task.getNextRun()?.toISOString() ?? 'none'}`);
  }
  if (o.runNow) void tasks.run.execute().catch(() => {});

  return {
    tasks,
    async stop() {
      stopping = true;
      liveness?.stop();
      await Promise.all(Object.values(tasks).map((t) => t.stop()));
      if (running.size === 0) return;
      log(`stopping: waiting up to ${Math.round(o.graceMs / 1000)} s for ${running.size} job(s) in progress`);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), o.graceMs)));
      const all = Promise.all([...running].map((r) => r.done));
      if ((await Promise.race([all.then(() => 'done' as const), grace])) === 'grace') {
        log('stopping: the grace period is over; stopping what is still running');
        for (const r of running) r.abort.abort('SIGTERM');
        await all;
      }
      clearTimeout(timer);
      await Promise.all(Object.values(tasks).map((t) => t.destroy()));
    },
  };
}
