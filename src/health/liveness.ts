/**
 * Is `canary schedule` alive, as its /healthz answers it: every task's occurrences are handled
 * when due (run, skipped for another copy, or skipped as an overlap — anything but silence), and
 * no job runs past its bound. A task whose occurrence came and went unhandled means the loop is
 * stuck (a timer that died, an event loop blocked); a job past its bound means a run that hangs.
 * Either is a reason for Kubernetes to restart the copy. Pure bookkeeping: the clock comes in.
 */

export interface TaskWatch {
  /** When its next occurrence is due, as the task says (null once it has none). */
  nextRun(): Date | null;
  /** How long one job of the task may take (its own bound and the grace to stop it). */
  boundMs: number;
}

export interface LivenessStatus {
  ok: boolean;
  /** Why not, one line each. */
  reasons: string[];
  tasks: Record<string, { due: string | null; last_handled: string | null; running_since: string | null }>;
}

interface TaskState {
  watch: TaskWatch;
  due: Date | null;
  lastHandled: Date | null;
  runningSince: Date | null;
}

export class Liveness {
  private readonly tasks = new Map<string, TaskState>();
  private stopping = false;

  /**
   * @param slackMs how late an occurrence may be handled before the loop counts as stuck (node-cron
   *   fires at the second; a claim on a slow database takes a few).
   */
  constructor(
    private readonly slackMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  watch(name: string, watch: TaskWatch): void {
    this.tasks.set(name, { watch, due: watch.nextRun(), lastHandled: null, runningSince: null });
  }

  /** The task dealt with its occurrence at `occurrence` (whatever it decided): its next one is now due. */
  handled(name: string, occurrence: Date): void {
    const t = this.tasks.get(name);
    if (!t) return;
    t.lastHandled = occurrence;
    t.due = t.watch.nextRun();
  }

  started(name: string): void {
    const t = this.tasks.get(name);
    if (t) t.runningSince = new Date(this.now());
  }

  finished(name: string): void {
    const t = this.tasks.get(name);
    if (t) t.runningSince = null;
  }

  /** A copy on its way out is not ready for anything new. */
  stop(): void {
    this.stopping = true;
  }

  status(): LivenessStatus {
    const now = this.now();
    const reasons: string[] = [];
    if (this.stopping) reasons.push('stopping: the scheduler takes no new occurrences');
    const tasks: LivenessStatus['tasks'] = {};
    for (const [name, t] of this.tasks) {
      if (t.due && now > t.due.getTime() + this.slackMs) {
        reasons.push(
          `${name}: the occurrence due at ${t.due.toISOString()} was not handled within ${Math.round(this.slackMs / 1000)} s: the scheduler's loop is stuck`,
        );
      }
      if (t.runningSince && now - t.runningSince.getTime() > t.watch.boundMs) {
        reasons.push(`${name}: running since ${t.runningSince.toISOString()}, past its bound of ${Math.round(t.watch.boundMs / 1000)} s: the job hangs`);
      }
      tasks[name] = {
        due: t.due?.toISOString() ?? null,
        last_handled: t.lastHandled?.toISOString() ?? null,
        running_since: t.runningSince?.toISOString() ?? null,
      };
    }
    return { ok: reasons.length === 0, reasons, tasks };
  }
}
