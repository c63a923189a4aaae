/**
 * One API check (no browser: seconds) as a run of its own: its own folder and summary.json (the
 * same contract as a browser run, with `check` naming it and its one verdict as the one test),
 * its own history entry and its own alert streak, through what follows every run (afterRun).
 * Exit codes as `canary run`: 0 healthy, 1 failing, 2 configuration (before any request), 3
 * inconclusive (Stripe could not be reached).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Stripe from 'stripe';
import type { Settings } from '../config/project.ts';
import { CanaryError, STAGE_TITLES, StripeApiFailure, UserError, type Evidence, type Stage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redact } from '../log/redact.ts';
import type { NotifyResult } from '../notify/notify.ts';
import { finishRun } from '../runner/finish.ts';
import { newRunId, type Trigger } from '../runner/handoff.ts';
import { afterRun } from '../runner/monitor.ts';
import { buildSummary, targetOfSettings } from '../runner/summary.ts';
import type { RunSummary, TestSummary } from '../runner/summary-schema.ts';

export const API_CHECKS = ['webhooks', 'reconcile', 'freshness'] as const;
export type ApiCheck = (typeof API_CHECKS)[number] | 'monitor';

/** What a check found. */
export interface CheckVerdict {
  outcome: 'passed' | 'failed' | 'inconclusive';
  /** What was checked, and for a pass what was seen ("42 events in the last 1h; none waits …"). */
  title: string;
  stage: Stage | null;
  /** The finding, one line or a few, for a failure. */
  error: string | null;
  evidence: Evidence | null;
  /** The Stripe objects it names (a stuck event, a subscription), as summary.json's stripe_ids. */
  ids?: Record<string, string>;
}

export interface CheckIo {
  out(line: string): void;
  log: Logger;
  signal?: AbortSignal;
  /** Told the run's id as soon as it is made (the scheduler notes it on its claim). */
  started?(runId: string): void;
}

export interface CheckRunOptions {
  trigger: Trigger;
  /** The bound on the whole check. */
  timeoutMs: number;
}

export interface CheckResult {
  exitCode: number;
  summary: RunSummary;
  reportDir: string;
  notified: NotifyResult;
}

/** A Stripe that could not be reached makes a check inconclusive (it says nothing about the app), not failed. */
function unreachable(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return cause instanceof Stripe.errors.StripeConnectionError;
}

/** What went wrong inside a check, as its verdict: a CanaryError names its stage; a UserError is the user's (exit 2). */
export function verdictOfError(title: string, err: unknown): CheckVerdict {
  if (err instanceof UserError) throw err;
  const message = redact((err as Error)?.message ?? String(err));
  if (err instanceof StripeApiFailure && unreachable(err)) {
    return { outcome: 'inconclusive', title, stage: 'stripe-api', error: `Stripe could not be reached: ${message}`, evidence: err.evidence };
  }
  if (err instanceof CanaryError) return { outcome: 'failed', title, stage: err.stage, error: message, evidence: err.evidence };
  return { outcome: 'failed', title, stage: 'outside-step', error: message, evidence: null };
}

/** The check's verdict as summary.json's one test. */
function testOf(name: ApiCheck, v: CheckVerdict, durationMs: number): TestSummary {
  return {
    title: v.title,
    file: `canary check ${name}`,
    tags: [],
    outcome: v.outcome,
    duration_ms: Math.round(durationMs),
    attempts: 1,
    stage: v.outcome === 'passed' ? null : v.stage,
    stage_title: v.outcome === 'passed' || !v.stage ? null : STAGE_TITLES[v.stage],
    failed_step: null,
    error: v.outcome === 'passed' ? null : v.error,
    evidence: v.outcome === 'passed' ? null : v.evidence,
    steps_in_progress: [],
    environment: null,
    stripe_ids: v.ids ?? {},
    links: {},
    artifacts: {},
    cleanup: { deleted: [], kept: [], kept_until: null, errors: [] },
  };
}

/** Bounds `work`: past `ms`, the check fails at stage timeout (its requests are abandoned). */
async function bounded<T>(work: Promise<T>, ms: number, title: string): Promise<T | CheckVerdict> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<CheckVerdict>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          outcome: 'failed',
          title,
          stage: 'timeout',
          error: `the check took longer than its bound of ${Math.round(ms / 1000)} s`,
          evidence: { timeout_ms: ms },
        }),
      ms,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Runs `body` as the check `name`: its summary written, `latest-<name>` pointed at it, printed, recorded and alerted on. */
export async function runCheck(
  name: ApiCheck,
  title: string,
  settings: Settings,
  options: CheckRunOptions,
  io: CheckIo,
  body: () => Promise<CheckVerdict>,
): Promise<CheckResult> {
  const runId = newRunId();
  const reportDir = path.join(settings.config.CANARY_REPORTS_DIR, runId);
  await mkdir(reportDir, { recursive: true });
  const started = new Date();
  io.started?.(runId);
  let verdict: CheckVerdict;
  try {
    verdict = await bounded(body(), options.timeoutMs, title);
  } catch (err) {
    verdict = verdictOfError(title, err);
  }
  const durationMs = Date.now() - started.getTime();
  const target = targetOfSettings(settings);
  const summary = buildSummary(
    {
      run_id: runId,
      trigger: options.trigger,
      deployer: null,
      commit: null,
      grep: null,
      check: name,
      started_at: started.toISOString(),
      report_dir: reportDir,
      timeout_ms: options.timeoutMs,
      shard: null,
      target,
    },
    {
      tests: [testOf(name, verdict, durationMs)],
      errors: [],
      finished_at: new Date().toISOString(),
      duration_ms: durationMs,
      links: { summary: path.join(reportDir, 'summary.json'), ...(target.app_url && { app: target.app_url }) },
    },
  );
  const exitCode = await finishRun(summary, reportDir, io.out);
  const { notified } = await afterRun(summary, reportDir, {}, settings, io);
  return { exitCode, summary, reportDir, notified };
}
