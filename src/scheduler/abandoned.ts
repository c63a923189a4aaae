/**
 * A scheduled occurrence whose `canary schedule` copy vanished mid-run (SIGKILL, a crash, a lost
 * machine), as the run history keeps it: a minimal summary — outcome `aborted`, trigger
 * `schedule`, `stopped: {reason: 'lost'}`, one error naming the copy and the occurrence — that
 * passes the summary schema, under the run id the copy had noted on its claim. The live copy that
 * takes the abandoned claim (src/scheduler/coordinator.ts) adds it, once, and only if that run id
 * is not in the history yet. Abandoned prune and checks occurrences are logged, not recorded: the
 * history is of runs. Every abandoned occurrence, whatever its task, is also the monitor's own
 * alert (stage `monitor`, naming the copy and the occurrence), raised once the claim is taken —
 * one copy takes each claim, once.
 */
import path from 'node:path';
import { appendIfAbsent } from '../history/postgres.ts';
import { buildSummary } from '../runner/summary.ts';
import { runSummarySchema, type RunSummary } from '../runner/summary-schema.ts';
import type { CheckVerdict } from '../checks/check.ts';
import type { AbandonedHandler, AbandonedOccurrence } from './coordinator.ts';

/** node-cron's name of the suite's task (the prefix of its claims' keys). */
export const RUN_TASK = 'canary-run';

/** What the recording copy knows of the run the vanished copy would have made: the copies share their configuration. */
export interface AbandonedRunSettings {
  /** The suite (`--suite`). */
  grep: string;
  /** CANARY_RUN_TIMEOUT. */
  timeoutMs: number;
  target: RunSummary['target'];
}

/** The run id of an occurrence whose copy vanished before its run began (no id noted): one per occurrence. */
export function abandonedRunId(o: Pick<AbandonedOccurrence, 'occurrence' | 'claimed_at'>): string {
  const at = o.occurrence ? new Date(o.occurrence) : o.claimed_at;
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `canary_${stamp}_abandoned`;
}

/** The copy's vanishing as the monitor's verdict on itself: the alert's content. */
export function abandonedVerdict(o: AbandonedOccurrence, runId: string | null): CheckVerdict {
  const occurrence = `${o.task}@${o.occurrence ?? o.key}`;
  return {
    outcome: 'failed',
    title: `monitor: every scheduled occurrence finishes on the copy that took it`,
    stage: 'monitor',
    error: `The canary schedule copy "${o.owner}" vanished while running ${occurrence}${runId ? ` (run ${runId})` : ''}: its lease lapsed at ${o.lease_until.toISOString()} without the occurrence finishing (killed, crashed or cut off). It is not run again; the next occurrence runs on a live copy.`,
    evidence: { copy: o.owner, occurrence, task: o.task, claimed_at: o.claimed_at.toISOString(), lease_until: o.lease_until.toISOString(), run_id: runId },
  };
}

export function abandonedSummary(o: AbandonedOccurrence, s: AbandonedRunSettings): RunSummary {
  const afterMs = Math.max(0, o.lease_until.getTime() - o.claimed_at.getTime());
  const occurrence = `${o.task}@${o.occurrence ?? o.key}`;
  return runSummarySchema.parse(
    buildSummary(
      {
        run_id: o.run_id ?? abandonedRunId(o),
        trigger: 'schedule',
        deployer: null,
        commit: null,
        grep: s.grep,
        started_at: o.claimed_at.toISOString(),
        timeout_ms: s.timeoutMs,
        shard: null,
        target: s.target,
        report_dir: null,
      },
      {
        tests: [],
        errors: [
          `the canary schedule copy "${o.owner}" vanished while running occurrence ${occurrence}: its lease lapsed at ${o.lease_until.toISOString()} without the run finishing (killed, crashed or cut off); the occurrence is not run again, and what the run created is left for canary prune`,
        ],
        outcome: 'aborted',
        // The last moment the copy counted as alive: when its lease ran out.
        finished_at: o.lease_until.toISOString(),
        duration_ms: afterMs,
        stopped: { reason: 'lost', signal: null, after_ms: afterMs },
      },
    ),
  );
}

/**
 * The coordinator's `onAbandoned` for `canary schedule`: a run occurrence goes into the
 * PostgreSQL history inside the coordinator's transaction (a failure rolls back its flag, so a
 * later sweep records it); every abandoned occurrence is logged, with the run id it was given.
 */
export function recordAbandoned(o: {
  settings: AbandonedRunSettings;
  reportsDir: string;
  reportUrl?: string;
  log: (line: string) => void;
  /** Raises the monitor's alert for the occurrence (after the claim's transaction committed). */
  alert?: (verdict: CheckVerdict) => Promise<void>;
}): AbandonedHandler {
  return async (occurrence, db) => {
    const what = `the occurrence at ${occurrence.occurrence ?? occurrence.key} was abandoned by ${occurrence.owner} (its lease lapsed at ${occurrence.lease_until.toISOString()})`;
    const alert = o.alert;
    const then = alert ? (runId: string | null) => () => alert(abandonedVerdict(occurrence, runId)) : () => undefined;
    if (occurrence.task !== RUN_TASK) {
      o.log(`${occurrence.task.replace(/^canary-/, '')}: ${what}; it is not run again`);
      return then(occurrence.run_id);
    }
    const summary = abandonedSummary(occurrence, o.settings);
    const added = await appendIfAbsent(db, summary, path.join(o.reportsDir, summary.run_id), { reportsDir: o.reportsDir, reportUrl: o.reportUrl });
    o.log(`run: ${what}: ${added ? 'recorded in the history as aborted' : 'its run is already in the history'} (${summary.run_id}); it is not run again`);
    return then(summary.run_id);
  };
}
