/**
 * One monitoring run end to end: start what is not configured, run the Playwright specs in a
 * child process group, let its reporter write reports/<run-id>/summary.json, point
 * reports/latest at it, print a short summary, stop what was started, and answer the exit code.
 * The whole run is bounded (`--timeout`); a signal or the bound stops Playwright, its workers
 * and browsers and the embedded targets, and the summary says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppClient } from '../app-client/client.ts';
import type { Config } from '../config/config.ts';
import { formatDuration } from '../config/config.ts';
import { STAGE_TITLES, UserError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redact, registerSecret } from '../log/redact.ts';
import { assertTestKey } from '../stripe/client.ts';
import { type DeployHealth, type DeployWait, waitForDeploy } from './deploy-wait.ts';
import { handoffEnv, newRunId, type Handoff, type Trigger } from './handoff.ts';
import { killGroup, killProcessesOfRun, LIFELINE_FD } from './processes.ts';
import { formatShard, type Shard } from './shard.ts';
import { countOutcomes, exitCodeOf, formatSummary, runCleanup, runOutcome, targetOfConfig } from './summary.ts';
import { runMeta, SUMMARY_FILE, targetOf, writeSummary } from './summary-reporter.ts';
import { runSummarySchema, type RunSummary } from './summary-schema.ts';
import { startTargets, type Targets } from './targets.ts';

export type { Trigger };
export { processesOfRun } from './processes.ts';

/** What a run checks unless told otherwise: the upgrade journey, the suite of post-deploy and scheduled runs. */
export const DEFAULT_GREP = '@critical';

export interface RunOptions {
  trigger: Trigger;
  deployer?: string;
  commit?: string;
  grep?: string;
  workers?: number;
  repeatEach?: number;
  retries?: number;
  headed?: boolean;
  /** The bound on the whole run; default CANARY_RUN_TIMEOUT. */
  timeoutMs?: number;
  /** Cleanup errors fail the run (exit 1) instead of only being reported. */
  strictCleanup?: boolean;
  /** Post-deploy: wait for the deployed app to answer healthy (and report this version) before running. */
  waitFor?: DeployWait;
  /** Run only this part of the suite (Playwright's --shard), keeping its blob report for `canary merge-reports`. */
  shard?: Shard;
}

export interface RunIo {
  out(line: string): void;
  log: Logger;
  /** Aborted (with the signal's name as reason) when the run must stop. */
  signal?: AbortSignal;
  /** Told the run's id as soon as it is made (the scheduler notes it on its claim of the occurrence). */
  started?(runId: string): void;
}

export interface RunResult {
  exitCode: number;
  summary: RunSummary;
  reportDir: string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
export const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve('@playwright/test/cli');
/** How long Playwright gets to stop its workers and browsers and write its reports after SIGINT. */
const STOP_GRACE_MS = 10_000;

type Stop = { reason: 'signal'; signal: string } | { reason: 'timeout' };

function playwrightArgs(o: RunOptions): string[] {
  const args = ['test', '--config', path.join(ROOT, 'playwright.config.ts')];
  if (o.grep) args.push('--grep', o.grep);
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.repeatEach) args.push('--repeat-each', String(o.repeatEach));
  if (o.retries !== undefined) args.push('--retries', String(o.retries));
  if (o.headed) args.push('--headed');
  if (o.shard) args.push('--shard', formatShard(o.shard));
  return args;
}

/** The child's environment: the caller's, less what the hand-off now carries. */
function childEnv(handoff: Handoff): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|CANARY_HANDOFF$)/.test(k)) env[k] = v;
  return { ...env, ...handoffEnv(handoff), FORCE_COLOR: '0' };
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops Playwright: SIGINT to its group (it stops workers and browsers, writes reports), then SIGKILL, then any straggler. */
async function stopPlaywright(child: ChildProcess, runId: string, log: Logger): Promise<void> {
  killGroup(child.pid, 'SIGINT');
  if (!(await waitForExit(child, STOP_GRACE_MS))) {
    log.warn(`Playwright did not stop within ${STOP_GRACE_MS / 1000} s of SIGINT; killing it`);
    killGroup(child.pid, 'SIGKILL');
    await waitForExit(child, 5_000);
  }
  killGroup(child.pid, 'SIGKILL');
  for (const pid of killProcessesOfRun(runId)) log.debug(`killed process ${pid} left by the run`);
}

/** How Playwright ended: its exit code, its last lines, and when it was started (performance.now(), for the run's timings). */
interface PlaywrightExit {
  code: number | null;
  tail: string[];
  spawnedAt: number;
}

/**
 * Runs Playwright in its own process group (the embedded services keep serving in this one), output
 * redacted, with the lifeline (an extra pipe, never written) by which it notices this process die.
 */
async function runPlaywright(args: string[], handoff: Handoff, io: RunIo, stopped: Promise<Stop>): Promise<PlaywrightExit> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, ...args], {
    cwd: ROOT,
    env: childEnv(handoff),
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      const safe = redact(line);
      tail.push(safe);
      if (tail.length > 20) tail.shift();
      io.out(safe);
    });
  }
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const first = await Promise.race([exited.then(() => 'exited' as const), stopped.then(() => 'stop' as const)]);
  if (first === 'stop') await stopPlaywright(child, handoff.run_id, io.log);
  else killGroup(child.pid, 'SIGKILL'); // a worker or browser that outlived a finished run
  return { code: await exited, tail, spawnedAt };
}

function readSummary(reportDir: string): RunSummary | null {
  const file = path.join(reportDir, SUMMARY_FILE);
  if (!existsSync(file)) return null;
  const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

/**
 * The run's timings: the reporter's (Playwright's start, the browser's, the tests'), with the
 * targets' start and the report measured here. The report is the rest of Playwright's life after
 * its last test (its clock starts at its spawn) and what followed until now.
 */
function runTimings(reported: RunSummary['timings'], targetsMs: number | null, playwright: PlaywrightExit | null): RunSummary['timings'] {
  const t: NonNullable<RunSummary['timings']> = { ...reported };
  if (targetsMs !== null) t.targets_ms = Math.round(targetsMs);
  if (playwright && t.playwright_start_ms !== undefined && t.tests_ms !== undefined) {
    const lastTestEnded = t.playwright_start_ms + (t.browser_start_ms ?? 0) + t.tests_ms;
    t.report_ms = Math.max(0, Math.round(performance.now() - playwright.spawnedAt - lastTestEnded));
  }
  return Object.keys(t).length > 0 ? t : undefined;
}

/** The summary once the run is over: why it stopped, the tests it cut short, the final outcome. */
function finishSummary(base: RunSummary, stop: Stop | null, startedMs: number, playwright: PlaywrightExit | null, targetsMs: number | null): RunSummary {
  const s: RunSummary = { ...base, tests: base.tests.map((t) => ({ ...t })), errors: [...base.errors] };
  const afterMs = Date.now() - startedMs;
  // Stopped, Playwright reports the tests it never got to as skipped: they were cut short too.
  const cutShort = (t: RunSummary['tests'][number]) => t.outcome === 'running' || t.outcome === 'aborted' || t.outcome === 'skipped';
  if (stop?.reason === 'timeout') {
    for (const t of s.tests.filter(cutShort)) {
      const step = t.failed_step ?? t.steps_in_progress.at(-1) ?? null;
      Object.assign(t, {
        outcome: 'failed',
        stage: 'timeout',
        stage_title: STAGE_TITLES.timeout,
        failed_step: step,
        error: `The run exceeded its --timeout of ${formatDuration(s.timeout_ms)}${step ? ` during the step "${step}"` : ' before this test started'}; it was stopped.`,
        evidence: { timeout_ms: s.timeout_ms, step, steps_in_progress: t.steps_in_progress },
      });
    }
    s.stopped = { reason: 'timeout', signal: null, after_ms: afterMs };
  } else if (stop?.reason === 'signal') {
    for (const t of s.tests.filter(cutShort)) t.outcome = 'aborted';
    s.stopped = { reason: 'signal', signal: stop.signal, after_ms: afterMs };
  } else if (playwright && s.outcome === 'running') {
    // Playwright ended without its reporter's last word: it crashed or could not load the specs.
    s.errors.push(`Playwright exited with code ${playwright.code} before the run finished: ${playwright.tail.slice(-5).join(' | ')}`);
  }
  s.counts = countOutcomes(s.tests);
  s.cleanup = runCleanup(s.tests);
  if (stop?.reason === 'signal') s.outcome = 'aborted';
  else if (stop?.reason === 'timeout') s.outcome = 'failed';
  else s.outcome = s.tests.some((t) => t.outcome === 'running') ? 'failed' : runOutcome(s.tests, s.errors);
  s.finished_at = new Date().toISOString();
  s.duration_ms = afterMs;
  s.timings = runTimings(base.timings, targetsMs, playwright);
  return s;
}

/** The app's version from /healthz, for the report and the alert; null when it does not say (never fails the run). */
async function appVersion(url: string, adminToken: string): Promise<string | null> {
  try {
    return await new AppClient(url, adminToken, 5_000).version();
  } catch {
    return null;
  }
}

/** Points reports/latest at the run's folder, swapped in atomically (a new link renamed over the old one): concurrent runs may finish together. */
export async function pointLatest(reportsDir: string, runId: string): Promise<void> {
  const next = path.join(reportsDir, `.latest-${runId}`);
  await rm(next, { force: true });
  await symlink(runId, next);
  await rename(next, path.join(reportsDir, 'latest'));
}

/** A deploy that never became healthy: the run stops before starting anything. */
class DeployNotHealthy extends Error {}

export async function runCanary(given: RunOptions, config: Config, io: RunIo): Promise<RunResult> {
  const options = { ...given, grep: given.grep ?? DEFAULT_GREP };
  // A monitor must never run with a live key: refused before any request is made.
  assertTestKey(config.STRIPE_SECRET_KEY);
  for (const secret of [config.STRIPE_SECRET_KEY, config.STRIPE_WEBHOOK_SECRET, config.DEMO_APP_ADMIN_TOKEN]) registerSecret(secret);
  const timeoutMs = options.timeoutMs ?? config.CANARY_RUN_TIMEOUT;
  const runId = newRunId();
  const reportsDir = path.resolve(ROOT, config.CANARY_REPORTS_DIR);
  const reportDir = path.join(reportsDir, runId);
  await mkdir(reportDir, { recursive: true });
  const started = new Date();
  io.started?.(runId);

  let stop: Stop | null = null;
  let onStop: (s: Stop) => void = () => {};
  const stopped = new Promise<Stop>((resolve) => (onStop = resolve));
  const stopController = new AbortController();
  const stopWith = (s: Stop) => {
    if (stop) return;
    stop = s;
    stopController.abort();
    io.log.warn(s.reason === 'timeout' ? `the run exceeded its --timeout of ${formatDuration(timeoutMs)}; stopping it` : `${s.signal}: stopping the run`);
    onStop(s);
  };
  const timer = setTimeout(() => stopWith({ reason: 'timeout' }), timeoutMs);
  const onSignal = () => stopWith({ reason: 'signal', signal: String(io.signal?.reason ?? 'SIGTERM') });
  if (io.signal?.aborted) onSignal();
  io.signal?.addEventListener('abort', onSignal, { once: true });

  let targets: Targets | null = null;
  let handoff: Handoff | null = null;
  let playwright: PlaywrightExit | null = null;
  let targetsMs: number | null = null;
  const errors: string[] = [];
  let deploy: DeployHealth | null = null;
  /** What the run is, the same in the hand-off and in a summary written without one. */
  const run = {
    run_id: runId,
    trigger: options.trigger,
    deployer: options.deployer ?? null,
    commit: options.commit ?? null,
    grep: options.grep,
    started_at: started.toISOString(),
    report_dir: reportDir,
    timeout_ms: timeoutMs,
    shard: options.shard ?? null,
  };
  try {
    if (options.waitFor) {
      deploy = await waitForDeploy(options.waitFor, (line) => io.log.info(line), stopController.signal);
      if (!deploy.healthy) {
        if (!stop) {
          errors.push(
            redact(
              `The deploy at ${deploy.url} never became healthy within ${formatDuration(options.waitFor.timeoutMs)}: it last answered ${deploy.last_status}${deploy.last_version ? ` (version ${deploy.last_version})` : ''}${deploy.expected_version ? `, expected version ${deploy.expected_version}` : ''}.`,
            ),
          );
        }
        throw new DeployNotHealthy();
      }
    }
    const targetsFrom = performance.now();
    targets = await startTargets(config, io.log, { runId });
    handoff = {
      ...run,
      headed: options.headed === true,
      fulfilment_timeout_ms: config.CANARY_FULFILMENT_TIMEOUT_MS,
      retention_ms: config.CANARY_RETENTION,
      price_lookup_key: config.CANARY_PRICE_LOOKUP_KEY,
      stripe: { secret_key: targets.stripe.secretKey, api_url: targets.stripe.apiUrl ?? null, kind: targets.stripe.kind },
      app: {
        url: targets.app.url,
        admin_token: targets.app.adminToken,
        kind: targets.app.kind,
        version: await appVersion(targets.app.url, targets.app.adminToken),
      },
      secrets: [targets.stripe.secretKey, targets.app.adminToken, config.STRIPE_WEBHOOK_SECRET].filter((x): x is string => !!x),
      lifeline_fd: LIFELINE_FD,
    };
    targetsMs = performance.now() - targetsFrom;
    if (!stop) playwright = await runPlaywright(playwrightArgs(options), handoff, io, stopped);
  } catch (err) {
    if (err instanceof UserError) throw err;
    // A deploy that never became healthy is recorded above; anything else kept the targets from
    // starting: still a run, with a summary that says why.
    if (!(err instanceof DeployNotHealthy)) errors.push(redact(`the run could not start its targets: ${(err as Error).message}`));
  } finally {
    clearTimeout(timer);
    io.signal?.removeEventListener('abort', onSignal);
    await targets?.stop();
  }
  const target: RunSummary['target'] = handoff ? targetOf(handoff) : targetOfConfig(config);
  const base: RunSummary = readSummary(reportDir) ?? {
    ...runMeta({ ...run, target }),
    outcome: 'running',
    finished_at: null,
    duration_ms: 0,
    counts: countOutcomes([]),
    tests: [],
    errors: [],
    stopped: null,
    cleanup: runCleanup([]),
  };
  base.errors.push(...errors);
  base.deploy = deploy;
  base.stage = deploy && !deploy.healthy && !stop ? 'deploy-not-healthy' : null;
  const summary = finishSummary(base, stop, started.getTime(), playwright, targetsMs);
  writeSummary(reportDir, summary);
  await pointLatest(reportsDir, runId);
  io.out(formatSummary(summary, path.relative(process.cwd(), reportDir) || reportDir));
  // A shard may get no test (more shards than tests); whether any matched is the merged run's call.
  const exitCode = summary.shard && summary.outcome === 'no-tests' ? 0 : exitCodeOf(summary, { strictCleanup: options.strictCleanup });
  return { exitCode, summary, reportDir };
}
