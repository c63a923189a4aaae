/**
 * The Playwright reporter that writes `summary.json` (see summary-schema.ts) while the run goes:
 * at the start, whenever a journey step starts or ends and whenever a test ends, so even a run
 * that is killed leaves what it knew; and once more at the end. It reads each failure's stage
 * and evidence from the `canary-failure` attachment its step recorded, never from a message.
 *
 * Under `canary run` everything comes from the run's hand-off, and the runner finishes the
 * summary. A plain `npx playwright test` opts in with `reporter: [['checkout-canary/reporter']]`
 * (option `outputDir`, default `reports`, beside the Playwright config): the reporter then names
 * the run (CANARY_RUN_ID, which its workers inherit and label with), learns the targets from its
 * tests, and finishes the summary itself — no alert, no history, no `latest`.
 */
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult, TestStep } from '@playwright/test/reporter';
import { registerSecret } from '../log/redact.ts';
import { errorText, TARGET_ANNOTATION } from './failure.ts';
import { handoffIfPresent, newRunId } from './handoff.ts';
import { killGroup, killProcessesOfRun, watchLifeline } from './processes.ts';
import { buildSummary, runOutcome, summariseTest, targetOf, type AttemptInput, type RunMeta, type TestInput } from './summary.ts';
import { writeSummary } from './summary-file.ts';
import type { RunSummary } from './summary-schema.ts';

interface Tracked {
  test: TestCase;
  attempts: AttemptInput[];
  /** Journey steps running now, outermost first. */
  open: TestStep[];
  /** Journey steps of the current attempt that ended with an error. */
  failed: string[];
}

/** How long Playwright gets to stop after SIGINT when `canary run` is gone (as canary run gives it). */
const ORPHAN_STOP_GRACE_MS = 10_000;
/** Playwright's own fixture that launches the browser (worker-scoped: set up before a worker's first test). */
const BROWSER_FIXTURE = 'Fixture "browser"';

/** A fixture step's set-up, not its teardown (which Playwright reports under "After Hooks"). */
function isSetUp(step: TestStep): boolean {
  for (let s = step.parent; s; s = s.parent) if (s.category === 'hook' && s.title === 'After Hooks') return false;
  return true;
}

/** The options of a plain Playwright run's opt-in. */
export interface SummaryReporterOptions {
  /** Where run folders go, relative to the Playwright config's folder. Default `reports`. */
  outputDir?: string;
}

/** What a plain run says it drove until one of its tests tells (the workers start the targets). */
const UNKNOWN_TARGET: RunSummary['target'] = { stripe: 'emulator', stripe_api_url: null, app: 'embedded', app_url: '' };

export default class SummaryReporter implements Reporter {
  private readonly handoff = handoffIfPresent();
  /** The run, from the hand-off; for a plain run, made at onBegin. */
  private meta: (RunMeta & { report_dir: string }) | null = null;
  private readonly tracked = new Map<string, Tracked>();
  private readonly errors: string[] = [];
  private finished = false;
  /** `canary run`, whose death the lifeline tells. */
  private readonly parent = process.ppid;
  /** When `canary run` went away mid-run: this reporter then finishes the summary, and Playwright is stopped. */
  private lostAt: number | null = null;
  /** Where the time went (summary.json's `timings`), on this process's clock: performance.now() counts from Playwright's start. */
  private readonly marks: { firstTestBegan?: number; lastTestEnded?: number; browserStartMs: number } = { browserStartMs: 0 };

  constructor(private readonly options: SummaryReporterOptions = {}) {
    if (!this.handoff) {
      // A plain run: its name, set before Playwright starts its workers, which inherit it.
      process.env.CANARY_RUN_ID ??= newRunId();
      return;
    }
    this.meta = { ...this.handoff, target: targetOf(this.handoff) };
    for (const secret of this.handoff.secrets) registerSecret(secret);
    if (this.handoff.lifeline_fd != null) watchLifeline(this.handoff.lifeline_fd, () => this.orphaned());
  }

  /**
   * `canary run` died (SIGKILL, a crash): nobody will bound this run, finish its summary or stop
   * its browsers. Stop as it would have — SIGINT to Playwright's group, which this process leads,
   * everything of the run killed past the grace period or when this process exits — and say so
   * in the summary (aborted, stopped: lost), which is then written here.
   */
  private orphaned(): void {
    if (this.finished || this.lostAt !== null) return;
    this.lostAt = Date.now();
    // Nobody reads the output any more: a write to it must not end this process before the stop.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    this.errors.push(`the canary process that started this run (pid ${this.parent}) went away before it finished; its Playwright child stopped the run`);
    this.write();
    const runId = this.meta!.run_id;
    process.once('exit', () => killProcessesOfRun(runId));
    setTimeout(() => {
      killProcessesOfRun(runId);
      killGroup(process.pid, 'SIGKILL');
    }, ORPHAN_STOP_GRACE_MS).unref();
    killGroup(process.pid, 'SIGINT');
  }

  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    if (!this.meta) {
      const runId = process.env.CANARY_RUN_ID!;
      const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
      this.meta = {
        run_id: runId,
        trigger: 'manual',
        deployer: null,
        commit: null,
        grep: null,
        started_at: new Date(Date.now() - performance.now()).toISOString(),
        report_dir: path.resolve(root, this.options.outputDir ?? 'reports', runId),
        timeout_ms: config.globalTimeout,
        shard: null,
        target: UNKNOWN_TARGET,
      };
    }
    for (const test of suite.allTests()) this.tracked.set(test.id, { test, attempts: [], open: [], failed: [] });
    this.write();
  }

  onTestBegin(test: TestCase): void {
    this.marks.firstTestBegan ??= performance.now();
    const t = this.track(test);
    t.open = [];
    t.failed = [];
    this.write();
  }

  onStepBegin(test: TestCase, _result: TestResult, step: TestStep): void {
    if (step.category !== 'test.step') return;
    this.track(test).open.push(step);
    this.write();
  }

  onStepEnd(test: TestCase, _result: TestResult, step: TestStep): void {
    if (step.category === 'fixture' && step.title === BROWSER_FIXTURE && isSetUp(step)) this.marks.browserStartMs += step.duration;
    if (step.category !== 'test.step') return;
    const t = this.track(test);
    t.open = t.open.filter((s) => s !== step);
    if (step.error) t.failed.push(step.title);
    this.write();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.marks.lastTestEnded = performance.now();
    const told = !this.handoff && result.annotations.find((a) => a.type === TARGET_ANNOTATION)?.description;
    if (told && this.meta && this.meta.target === UNKNOWN_TARGET) this.meta.target = JSON.parse(told) as RunSummary['target'];
    const t = this.track(test);
    t.attempts.push({
      status: result.status,
      duration: result.duration,
      errors: result.errors.map((e) => ({
        message: e.message,
        location: e.location && { file: path.relative(process.cwd(), e.location.file), line: e.location.line },
      })),
      attachments: result.attachments.map((a) => ({ name: a.name, path: a.path, body: a.body })),
      annotations: result.annotations ?? [],
      failedSteps: [...t.failed, ...t.open.map((o) => o.title)],
    });
    t.open = [];
    t.failed = [];
    this.write();
  }

  onError(error: TestError): void {
    // Playwright says "no tests found" this way; that is the no-tests outcome, not an error.
    if (/No tests found/.test(error.message ?? '')) return;
    this.errors.push(errorText(error.message ?? error.value ?? 'unknown error'));
    this.write();
  }

  onEnd(_result: FullResult): void {
    this.finished = true;
    this.write();
  }

  private track(test: TestCase): Tracked {
    let t = this.tracked.get(test.id);
    if (!t) {
      t = { test, attempts: [], open: [], failed: [] };
      this.tracked.set(test.id, t);
    }
    return t;
  }

  private input(t: Tracked): TestInput {
    const last = t.attempts.at(-1);
    const retryComing = !this.finished && last !== undefined && last.status !== 'passed' && last.status !== 'skipped' && t.attempts.length <= t.test.retries;
    const running = t.open.length > 0 || (t.attempts.length === 0 && !this.finished) || retryComing;
    return {
      title: t.test.titlePath().slice(3).join(' › '),
      file: path.basename(t.test.location.file),
      tags: t.test.tags,
      status: running ? 'running' : t.test.outcome(),
      annotations: t.test.annotations,
      attempts: t.attempts,
      stepsInProgress: t.open.map((s) => s.title),
    };
  }

  /** Playwright's start, the browser's and the tests' (the runner adds the targets and the report). */
  private timings(): RunSummary['timings'] {
    const { firstTestBegan, lastTestEnded, browserStartMs } = this.marks;
    if (firstTestBegan === undefined) return undefined;
    const browser = Math.round(browserStartMs);
    return {
      playwright_start_ms: Math.round(firstTestBegan),
      browser_start_ms: browser,
      ...(lastTestEnded !== undefined && { tests_ms: Math.max(0, Math.round(lastTestEnded - firstTestBegan) - browser) }),
    };
  }

  private write(): void {
    const meta = this.meta;
    if (!meta) return;
    const rel = (p: string) => path.relative(meta.report_dir, p);
    const tests = [...this.tracked.values()].map((t) => summariseTest(this.input(t), meta.target, rel));
    const lost = this.lostAt !== null;
    // As canary run finishes a run it stopped: what had not finished was cut short.
    if (lost) for (const t of tests) if (t.outcome === 'running' || t.outcome === 'skipped') t.outcome = 'aborted';
    const started = Date.parse(meta.started_at);
    // A plain run has no runner after it: this reporter finishes its summary.
    const finishing = this.finished && (lost || !this.handoff);
    const summary = buildSummary(meta, {
      tests,
      errors: [...this.errors],
      outcome: lost ? 'aborted' : this.finished ? runOutcome(tests, this.errors) : 'running',
      finished_at: finishing ? new Date().toISOString() : null,
      duration_ms: Math.max(0, Date.now() - started),
      stopped: lost ? { reason: 'lost', signal: null, after_ms: Math.max(0, this.lostAt! - started) } : null,
      timings: this.timings(),
      ...(!this.handoff && { links: { app: meta.target.app_url } }),
    });
    writeSummary(meta.report_dir, summary);
  }
}
