/**
 * One monitoring run end to end: start what is not configured, run the Playwright specs in a
 * child process group, let its reporter write reports/<run-id>/summary.json, point
 * reports/latest at it, print a short summary, stop what was started, and answer the exit code.
 * The whole run is bounded (`--timeout`); a signal or the bound stops Playwright, its workers
 * and browsers and the embedded targets, and the summary says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '../config/duration.ts';
import type { Settings } from '../config/project.ts';
import { CanaryError, STAGE_TITLES, UserError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redact } from '../log/redact.ts';
import { assertTestKey } from '../stripe/client.ts';
import type { CheckoutVariantRequest } from '../config/checkout-variant.ts';
import { applyCheckoutVariant, checkVariantTarget, formatCheckoutVariant, requestedVariant, type CheckoutVariantRecord } from './checkout-variant.ts';
import { type DeployHealth, type DeployWait, reportedVersion, waitForDeploy } from './deploy-wait.ts';
import { finishRun } from './finish.ts';
import { handoffEnv, newRunId, type Handoff, type Trigger } from './handoff.ts';
import { killGroup, killProcessesOfRun, LIFELINE_FD } from './processes.ts';
import { formatShard, type Shard } from './shard.ts';
import { buildSummary, runOutcome, targetOf, targetOfSettings, type RunMeta } from './summary.ts';
import { readSummaryFile } from './summary-file.ts';
import type { RunSummary } from './summary-schema.ts';
import { checkAppReachable, startTargets, type Targets } from './targets.ts';

export type { Trigger };
export { processesOfRun } from './processes.ts';
export { DEFAULT_GREP } from '../config/defaults.ts';

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
  /** The hosted Checkout page to set on the embedded emulator (`--checkout-variant`); default CANARY_CHECKOUT_VARIANT. */
  checkoutVariant?: CheckoutVariantRequest;
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

export const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve('@playwright/test/cli');
/** The Playwright config `canary run` runs with: the package's own, which reads the run's hand-off (beside this module, .js once built). */
export const PLAYWRIGHT_CONFIG = fileURLToPath(new URL(`./playwright.config${path.extname(import.meta.url)}`, import.meta.url));
/** How long Playwright gets to stop its workers and browsers and write its reports after SIGINT. */
const STOP_GRACE_MS = 10_000;

type Stop = { reason: 'signal'; signal: string } | { reason: 'timeout' };

function playwrightArgs(o: RunOptions): string[] {
  const args = ['test', '--config', PLAYWRIGHT_CONFIG];
  if (o.grep) args.push('--grep', o.grep);
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.repeatEach) args.push('--repeat-each', String(o.repeatEach));
  if (o.retries !== undefined) args.push('--retries', String(o.retries));
  if (o.headed) args.push('--headed');
  if (o.shard) args.push('--shard', formatShard(o.shard));
  return args;
}

/** The child's environment: the caller's, less what the hand-off now carries (Stripe's, the app's and its adapter's variables). */
function childEnv(handoff: Handoff, adapterVariables: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(STRIPE_|DEMO_APP_|CANARY_HANDOFF$|CANARY_APP_URL$)/.test(k) && !adapterVariables.includes(k)) env[k] = v;
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
async function runPlaywright(args: string[], handoff: Handoff, adapterVariables: string[], io: RunIo, stopped: Promise<Stop>): Promise<PlaywrightExit> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, ...args], {
    cwd: handoff.project_dir,
    env: childEnv(handoff, adapterVariables),
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
function finishSummary(
  base: RunSummary,
  meta: RunMeta,
  stop: Stop | null,
  startedMs: number,
  playwright: PlaywrightExit | null,
  targetsMs: number | null,
): RunSummary {
  const tests = base.tests.map((t) => ({ ...t }));
  const errors = [...base.errors];
  const afterMs = Date.now() - startedMs;
  // Stopped, Playwright reports the tests it never got to as skipped: they were cut short too.
  const cutShort = (t: RunSummary['tests'][number]) => t.outcome === 'running' || t.outcome === 'aborted' || t.outcome === 'skipped';
  let stopped: RunSummary['stopped'] = base.stopped;
  if (stop?.reason === 'timeout') {
    for (const t of tests.filter(cutShort)) {
      const step = t.failed_step ?? t.steps_in_progress.at(-1) ?? null;
      Object.assign(t, {
        outcome: 'failed',
        stage: 'timeout',
        stage_title: STAGE_TITLES.timeout,
        failed_step: step,
        error: `The run exceeded its --timeout of ${formatDuration(meta.timeout_ms)}${step ? ` during the step "${step}"` : ' before this test started'}; it was stopped.`,
        evidence: { timeout_ms: meta.timeout_ms, step, steps_in_progress: t.steps_in_progress },
      });
    }
    stopped = { reason: 'timeout', signal: null, after_ms: afterMs };
    if (!tests.some((t) => t.stage === 'timeout')) {
      errors.push(`The run exceeded its --timeout of ${formatDuration(meta.timeout_ms)} before any test began; it was stopped.`);
    }
  } else if (stop?.reason === 'signal') {
    for (const t of tests.filter(cutShort)) t.outcome = 'aborted';
    stopped = { reason: 'signal', signal: stop.signal, after_ms: afterMs };
  } else if (playwright && base.outcome === 'running') {
    // Playwright ended without its reporter's last word: it crashed or could not load the specs.
    errors.push(`Playwright exited with code ${playwright.code} before the run finished: ${playwright.tail.slice(-5).join(' | ')}`);
  }
  const outcome =
    stop?.reason === 'signal'
      ? 'aborted'
      : stop?.reason === 'timeout'
        ? 'failed'
        : tests.some((t) => t.outcome === 'running')
          ? 'failed'
          : runOutcome(tests, errors);
  return buildSummary(meta, {
    tests,
    errors,
    outcome,
    finished_at: new Date().toISOString(),
    duration_ms: afterMs,
    stopped,
    // A run the bound cut short before any test began still names its stage, for the alert and the dashboard.
    stage: base.stage ?? (stop?.reason === 'timeout' && !tests.some((t) => t.stage === 'timeout') ? 'timeout' : null),
    deploy: base.deploy,
    timings: runTimings(base.timings, targetsMs, playwright),
  });
}

/** A deploy that never became healthy: the run stops before starting anything. */
class DeployNotHealthy extends Error {}

export async function runCanary(given: RunOptions, settings: Settings, io: RunIo): Promise<RunResult> {
  const config = settings.config;
  const options = { ...given, grep: given.grep ?? settings.suites.default };
  // A monitor must never run with a live key: refused before any request is made; so is an app it cannot reach.
  assertTestKey(config.STRIPE_SECRET_KEY);
  checkAppReachable(settings);
  const variantRequest = requestedVariant(options.checkoutVariant, config);
  checkVariantTarget(variantRequest, config, options.shard !== undefined);
  const timeoutMs = options.timeoutMs ?? config.CANARY_RUN_TIMEOUT;
  const runId = newRunId();
  const reportsDir = config.CANARY_REPORTS_DIR;
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
  /** The stage of what kept the run from starting (a Stripe that answers wrongly: stripe-api). */
  let startStage: RunSummary['stage'] = null;
  let deploy: DeployHealth | null = null;
  let checkoutVariant: CheckoutVariantRecord | null = null;
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
  const labels = { canary_run_id: runId };
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
    targets = await startTargets(settings, io.log, { runId, labels });
    if (variantRequest) {
      // Once, before any test: every session the run makes shows this page.
      checkoutVariant = await applyCheckoutVariant(targets.stripe.apiUrl!, variantRequest, runId);
      io.out(formatCheckoutVariant(checkoutVariant));
    }
    const health = settings.app.health;
    handoff = {
      ...run,
      headed: options.headed === true,
      fulfilment_timeout_ms: settings.fulfilmentMs,
      retention_ms: config.CANARY_RETENTION,
      price_lookup_key: settings.priceLookupKey,
      config_file: settings.project.configFile,
      project_dir: settings.project.root,
      test_dir: settings.testDir,
      stripe: { secret_key: targets.stripe.secretKey, api_url: targets.stripe.apiUrl ?? null, kind: targets.stripe.kind },
      app: {
        name: settings.app.name,
        url: targets.app.url,
        kind: targets.app.kind,
        version: health ? await reportedVersion(new URL(health.path, `${targets.app.url}/`).href) : null,
        variables: targets.app.variables,
      },
      checkout_variant: checkoutVariant,
      secrets: [targets.stripe.secretKey, ...secretValues(settings, targets.app.variables)],
      lifeline_fd: LIFELINE_FD,
    };
    targetsMs = performance.now() - targetsFrom;
    if (!stop) playwright = await runPlaywright(playwrightArgs(options), handoff, Object.keys(settings.app.variables ?? {}), io, stopped);
  } catch (err) {
    if (err instanceof UserError) throw err;
    // A deploy that never became healthy is recorded above; anything else kept the targets from
    // starting: still a run, with a summary that says why.
    if (!(err instanceof DeployNotHealthy)) {
      errors.push(redact(`the run could not start its targets: ${(err as Error).message}`));
      if (err instanceof CanaryError) startStage = err.stage;
    }
  } finally {
    clearTimeout(timer);
    io.signal?.removeEventListener('abort', onSignal);
    await targets?.stop();
  }
  const meta: RunMeta = { ...run, checkout_variant: checkoutVariant, target: handoff ? targetOf(handoff) : targetOfSettings(settings) };
  const written = readSummaryFile(reportDir);
  const base: RunSummary =
    'summary' in written ? written.summary : buildSummary(meta, { tests: [], errors: [], outcome: 'running', finished_at: null, duration_ms: 0 });
  base.errors.push(...errors);
  base.deploy = deploy;
  base.stage = deploy && !deploy.healthy && !stop ? 'deploy-not-healthy' : startStage;
  const summary = finishSummary(base, meta, stop, started.getTime(), playwright, targetsMs);
  const exitCode = await finishRun(summary, reportDir, io.out, { strictCleanup: options.strictCleanup });
  return { exitCode, summary, reportDir };
}

/** Every configured secret value (keys, tokens, the adapter's secret variables), for the child's redaction. */
function secretValues(settings: Settings, appVariables: Record<string, string>): string[] {
  const c = settings.config;
  const values = [c.STRIPE_SECRET_KEY, c.SLACK_BOT_TOKEN, c.CANARY_COORDINATOR_URL];
  for (const [name, v] of Object.entries(settings.app.variables ?? {})) if (v.secret) values.push(appVariables[name]);
  return values.filter((x): x is string => !!x);
}
