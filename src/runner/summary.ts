/**
 * From what Playwright tells the reporter about each test to summary.json's entries, the run's
 * outcome, its exit code and the lines `canary run` prints. Pure functions over plain data, so
 * they are tested without Playwright.
 */
import path from 'node:path';
import type { Settings } from '../config/project.ts';
import { STAGE_TITLES, stageOfUnfinishedStep } from '../errors.ts';
import type { CleanupRecord } from '../cleanup/after-test.ts';
import { CLEANUP_ATTACHMENT, errorText, FAILURE_ATTACHMENT, parseFailureRecord } from './failure.ts';
import type { Handoff } from './handoff.ts';
import { SCHEMA_VERSION, TEST_OUTCOMES, type RunOutcome, type RunSummary, type TestCleanup, type TestOutcome, type TestSummary } from './summary-schema.ts';

export interface AttemptInput {
  /** Playwright's TestResult.status. */
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  duration: number;
  errors: { message?: string; location?: { file: string; line: number } }[];
  attachments: { name: string; path?: string; body?: Buffer }[];
  annotations: { type: string; description?: string }[];
  /** The journey steps that ended with an error, then those still open when the attempt ended (interrupted), innermost last. */
  failedSteps: string[];
}

export interface TestInput {
  title: string;
  file: string;
  tags: string[];
  /** Playwright's TestCase.outcome(); `running` while attempts are still going. */
  status: 'expected' | 'unexpected' | 'flaky' | 'skipped' | 'running';
  annotations: { type: string; description?: string }[];
  attempts: AttemptInput[];
  stepsInProgress: string[];
}

/** Test-mode dashboard pages of the objects a test records. */
const DASHBOARD_PATHS: Record<string, string> = {
  customer: 'customers',
  subscription: 'subscriptions',
  invoice: 'invoices',
  checkout_session: 'checkout/sessions',
};

export function stripeLinks(ids: Record<string, string>, target: RunSummary['target']): Record<string, string> {
  if (target.stripe !== 'stripe') return {};
  const links: Record<string, string> = {};
  for (const [type, id] of Object.entries(ids)) {
    if (DASHBOARD_PATHS[type]) links[`stripe_${type}`] = `https://dashboard.stripe.com/test/${DASHBOARD_PATHS[type]}/${id}`;
  }
  return links;
}

/** Why the attempt failed: the step's record, else the journey step that ended in error (a test timeout), else outside any step. */
function failureOf(attempt: AttemptInput): Pick<TestSummary, 'stage' | 'failed_step' | 'error' | 'evidence'> {
  const pwError = attempt.errors.find((e) => e.message)?.message;
  const record = parseFailureRecord(attempt.attachments.find((a) => a.name === FAILURE_ATTACHMENT)?.body);
  if (record) {
    return { stage: record.stage, failed_step: record.step, error: errorText(pwError ?? record.message), evidence: record.evidence };
  }
  const step = attempt.failedSteps.at(-1);
  const stage = stageOfUnfinishedStep(step);
  const location = attempt.errors.find((e) => e.location)?.location;
  if (stage) {
    const evidence = attempt.status === 'timedOut' ? { timed_out: true, duration_ms: Math.round(attempt.duration) } : {};
    return { stage, failed_step: step!, error: pwError ? errorText(pwError) : `the test timed out during "${step}"`, evidence };
  }
  return {
    stage: 'outside-step',
    failed_step: null,
    error: pwError ? errorText(pwError) : `the test ended ${attempt.status} outside any journey step`,
    evidence: { status: attempt.status, ...(location && { location: `${location.file}:${location.line}` }) },
  };
}

function parseCleanup(body: Buffer | undefined): CleanupRecord | null {
  try {
    return body ? (JSON.parse(body.toString()) as CleanupRecord) : null;
  } catch {
    return null;
  }
}

/** What the fixtures deleted and kept over every attempt, with dashboard links for what was kept. */
export function cleanupOf(attempts: AttemptInput[], target: RunSummary['target']): TestCleanup {
  const cleanup: TestCleanup = { deleted: [], kept: [], kept_until: null, errors: [] };
  let until = Number.POSITIVE_INFINITY;
  for (const a of attempts) {
    for (const att of a.attachments.filter((x) => x.name === CLEANUP_ATTACHMENT)) {
      const r = parseCleanup(att.body);
      if (!r) continue;
      cleanup.deleted.push(...r.deleted);
      for (const k of r.kept) {
        const link = stripeLinks({ [k.type]: k.id }, target)[`stripe_${k.type}`];
        cleanup.kept.push(link ? { ...k, link } : k);
      }
      cleanup.errors.push(...r.errors);
      // The earliest: from then on prune may take the first of them.
      if (r.kept_until) until = Math.min(until, r.kept_until);
    }
  }
  cleanup.kept_until = Number.isFinite(until) ? new Date(until * 1000).toISOString() : null;
  return cleanup;
}

export function summariseTest(t: TestInput, target: RunSummary['target'], rel: (p: string) => string): TestSummary {
  const last = t.attempts.at(-1);
  let outcome: TestSummary['outcome'];
  if (t.status === 'running' || !last) outcome = 'running';
  else if (last.status === 'interrupted') outcome = 'aborted';
  else if (t.status === 'skipped') outcome = 'skipped';
  else if (t.status === 'flaky') outcome = 'flaky';
  else if (t.status === 'expected') outcome = 'passed';
  else outcome = 'failed';
  const failing = outcome === 'failed' && last ? failureOf(last) : null;
  if (failing?.stage === 'checkout-blocked') outcome = 'inconclusive';
  const annotations = [...t.annotations, ...t.attempts.flatMap((a) => a.annotations)];
  const stripeIds: Record<string, string> = {};
  for (const a of annotations) if (a.type.startsWith('stripe:') && a.description) stripeIds[a.type.slice(7)] = a.description;
  const artifacts: TestSummary['artifacts'] = {};
  for (const attempt of t.attempts) {
    for (const a of attempt.attachments) {
      if (a.path && (a.name === 'screenshot' || a.name === 'trace' || a.name === 'video')) artifacts[a.name] = rel(a.path);
    }
  }
  return {
    title: t.title,
    file: t.file,
    tags: t.tags,
    outcome,
    duration_ms: Math.round(t.attempts.reduce((n, a) => n + a.duration, 0)),
    attempts: t.attempts.length,
    stage: failing?.stage ?? null,
    stage_title: failing?.stage ? STAGE_TITLES[failing.stage] : null,
    failed_step: failing ? failing.failed_step : outcome === 'aborted' ? (last?.failedSteps.at(-1) ?? null) : null,
    error: failing?.error ?? null,
    evidence: failing?.evidence ?? null,
    steps_in_progress: t.stepsInProgress,
    environment: annotations.findLast((a) => a.type === 'environment')?.description ?? null,
    stripe_ids: stripeIds,
    links: stripeLinks(stripeIds, target),
    artifacts,
    cleanup: cleanupOf(t.attempts, target),
  };
}

/** What the configuration points a run at, for a summary written without the run's hand-off. */
export function targetOfSettings(s: Pick<Settings, 'config' | 'appUrl' | 'app'>): RunSummary['target'] {
  return {
    stripe: s.config.STRIPE_API_URL || !s.config.STRIPE_SECRET_KEY ? 'emulator' : 'stripe',
    stripe_api_url: s.config.STRIPE_API_URL ?? null,
    app: s.appUrl ? 'deployed' : 'embedded',
    app_url: s.appUrl ?? '',
    app_name: s.app.name,
  };
}

/** What summary.json says about the targets of a hand-off. */
export function targetOf(h: Handoff): RunSummary['target'] {
  return {
    stripe: h.stripe.kind,
    stripe_api_url: h.stripe.api_url,
    app: h.app.kind,
    app_url: h.app.url,
    app_version: h.app.version,
    app_name: h.app.name,
  };
}

/** What a run is, whoever summarises it: the hand-off's fields, or the same made without one. */
export type RunMeta = Pick<Handoff, 'run_id' | 'trigger' | 'deployer' | 'commit' | 'started_at' | 'timeout_ms' | 'shard'> & {
  /** The hosted Checkout page the run set (`--checkout-variant`); absent or null when it set none. */
  checkout_variant?: RunSummary['checkout_variant'] | null;
  /** Which tests ran (`--grep`); null for a run merged from shards that said none, and for an API check. */
  grep: string | null;
  /** The check this run is (default: the grep). */
  check?: string;
  /** The run's folder, for the links; null when it has none (an occurrence a vanished copy abandoned). */
  report_dir: string | null;
  target: RunSummary['target'];
};

/** The parts of a run's summary that are not computed from its tests. */
export interface SummaryParts {
  tests: TestSummary[];
  errors: string[];
  finished_at: string | null;
  duration_ms: number;
  /** Default: from the tests and errors, by the rule every run uses (`runOutcome`). */
  outcome?: RunOutcome;
  stopped?: RunSummary['stopped'];
  stage?: RunSummary['stage'];
  deploy?: RunSummary['deploy'];
  timings?: RunSummary['timings'];
  shards?: string[];
  /** Instead of the links to the run folder's reports (a plain Playwright run writes its own elsewhere). */
  links?: Record<string, string>;
}

/**
 * The one place a RunSummary is built: the run's identity and links from `meta`, counts and
 * cleanup from the tests, the outcome by the common rule unless the caller knows better (a
 * running or stopped run).
 */
export function buildSummary(meta: RunMeta, p: SummaryParts): RunSummary {
  const dir = meta.report_dir;
  return {
    schema_version: SCHEMA_VERSION,
    run_id: meta.run_id,
    outcome: p.outcome ?? runOutcome(p.tests, p.errors),
    trigger: meta.trigger,
    deployer: meta.deployer,
    commit: meta.commit,
    grep: meta.grep,
    check: meta.check ?? meta.grep ?? 'all',
    started_at: meta.started_at,
    finished_at: p.finished_at,
    duration_ms: p.duration_ms,
    timeout_ms: meta.timeout_ms,
    shard: meta.shard,
    target: meta.target,
    counts: countOutcomes(p.tests),
    tests: p.tests,
    errors: p.errors,
    stopped: p.stopped ?? null,
    ...(p.stage !== undefined && { stage: p.stage }),
    ...(p.deploy !== undefined && { deploy: p.deploy }),
    ...(p.timings !== undefined && { timings: p.timings }),
    ...(p.shards !== undefined && { shards: p.shards }),
    ...(meta.checkout_variant && { checkout_variant: meta.checkout_variant }),
    cleanup: runCleanup(p.tests),
    links: p.links
      ? p.links
      : dir
        ? {
            report: path.join(dir, 'html', 'index.html'),
            results: path.join(dir, 'results.json'),
            junit: path.join(dir, 'junit.xml'),
            app: meta.target.app_url,
            stripe: meta.target.stripe === 'stripe' ? 'https://dashboard.stripe.com/test' : (meta.target.stripe_api_url ?? ''),
          }
        : {},
  };
}

/** The run's cleanup, from its tests'. */
export function runCleanup(tests: TestSummary[]): RunSummary['cleanup'] {
  return {
    deleted: tests.reduce((n, t) => n + t.cleanup.deleted.length, 0),
    kept: tests.reduce((n, t) => n + t.cleanup.kept.length, 0),
    errors: tests.flatMap((t) => t.cleanup.errors.map((e) => `${t.title}: ${e}`)),
  };
}

export function countOutcomes(tests: TestSummary[]): Record<TestOutcome, number> {
  const counts = Object.fromEntries(TEST_OUTCOMES.map((o) => [o, 0])) as Record<TestOutcome, number>;
  for (const t of tests) if (t.outcome !== 'running') counts[t.outcome]++;
  return counts;
}

/** A finished run's outcome: any failure (or an error outside the tests) fails it; then inconclusive, flaky, passed. */
export function runOutcome(tests: TestSummary[], errors: string[]): RunOutcome {
  const c = countOutcomes(tests);
  if (c.failed > 0 || errors.length > 0) return 'failed';
  if (c.aborted > 0) return 'aborted';
  if (c.inconclusive > 0) return 'inconclusive';
  if (c.flaky > 0) return 'flaky';
  return c.passed > 0 ? 'passed' : 'no-tests';
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Exit code of `canary run`: 0 passed (flaky included, reported as such), 1 failed (a --timeout
 * included; cleanup errors too with --strict-cleanup), 2 when no test matched (a wrong --grep must not pass silently), 3 inconclusive,
 * 128+N when stopped by signal N (130 SIGINT, 143 SIGTERM).
 */
export function exitCodeOf(summary: Pick<RunSummary, 'outcome' | 'stopped' | 'cleanup'>, options: { strictCleanup?: boolean } = {}): number {
  switch (summary.outcome) {
    case 'passed':
    case 'flaky':
      // Cleanup never fails a passed run, unless asked to (--strict-cleanup).
      return options.strictCleanup && summary.cleanup.errors.length > 0 ? 1 : 0;
    case 'no-tests':
      return 2;
    case 'inconclusive':
      return 3;
    case 'aborted':
      return 128 + (SIGNAL_NUMBERS[summary.stopped?.signal ?? 'SIGTERM'] ?? 15);
    default:
      return 1;
  }
}

/** An API check (webhooks, reconcile, freshness, monitor): no browser, no grep, one verdict. */
export function isApiCheck(s: Pick<RunSummary, 'grep' | 'check'>): boolean {
  return s.grep === null && s.check !== undefined && !s.check.startsWith('@');
}

export function formatSummary(s: RunSummary, reportPath: string): string {
  const lines = [
    `checkout-canary ${isApiCheck(s) ? `check ${s.check}` : 'run'} ${s.run_id}${s.shard ? ` (shard ${s.shard.index}/${s.shard.total})` : ''}: ${s.outcome.toUpperCase()} in ${(s.duration_ms / 1000).toFixed(1)} s (${s.trigger}${s.deployer ? `, deployed by ${s.deployer}` : ''}${s.commit ? `, commit ${s.commit.slice(0, 12)}` : ''})`,
    `  target: Stripe ${s.target.stripe === 'emulator' ? `emulator ${s.target.stripe_api_url ?? '(embedded)'}` : 'test mode'}, app ${s.target.app_url ? `${s.target.app} ${s.target.app_url}` : `${s.target.app} (${s.target.app_name ?? 'demo-app'})`}`,
    `  tests: ${TEST_OUTCOMES.map((o) => `${s.counts[o]} ${o}`).join(', ')}`,
  ];
  if (s.shards?.length) lines.push(`  merged from ${s.shards.length} shards: ${s.shards.join(', ')}`);
  if (s.checkout_variant) {
    const v = s.checkout_variant;
    lines.push(
      `  checkout page: ${v.name}${v.seed !== null ? ` (seed ${v.seed}${v.requested === 'random' ? `: --checkout-variant ${v.seed} repeats it` : ''})` : ''}`,
    );
  }
  if (s.stopped) {
    lines.push(
      s.stopped.reason === 'timeout'
        ? `  stopped: the run exceeded its timeout after ${(s.stopped.after_ms / 1000).toFixed(1)} s`
        : s.stopped.reason === 'lost'
          ? `  stopped: the process running it went away after ${(s.stopped.after_ms / 1000).toFixed(1)} s`
          : `  stopped: ${s.stopped.signal ?? 'a signal'} after ${(s.stopped.after_ms / 1000).toFixed(1)} s`,
    );
  }
  if (isApiCheck(s)) for (const t of s.tests.filter((x) => x.outcome === 'passed')) lines.push(`  ${t.title}`);
  for (const t of s.tests.filter((x) => x.outcome !== 'passed' && x.outcome !== 'skipped')) {
    lines.push(`  ${t.outcome.toUpperCase()}: ${t.title}`);
    if (t.stage_title) lines.push(`    stage: ${t.stage_title}${t.failed_step ? ` (step "${t.failed_step}")` : ''}`);
    if (t.error) lines.push(`    ${t.error.split('\n')[0]}`);
  }
  for (const e of s.errors) lines.push(`  ERROR: ${e.split('\n')[0]}`);
  if (s.cleanup.deleted + s.cleanup.kept > 0) {
    const until = s.tests
      .map((t) => t.cleanup.kept_until)
      .filter(Boolean)
      .sort()[0];
    lines.push(`  cleanup: deleted ${s.cleanup.deleted}, kept ${s.cleanup.kept}${until ? ` (marked failed, kept until ${until})` : ''}`);
  }
  for (const e of s.cleanup.errors) lines.push(`  CLEANUP FAILED: ${e}`);
  if (s.outcome === 'no-tests' && s.shard) lines.push('  no test fell to this shard: the merged run judges whether any matched');
  else if (s.outcome === 'no-tests') lines.push('  no test matched: check --grep (the specs are tagged @critical and @extended)');
  lines.push(`  report: ${reportPath}`);
  return lines.join('\n');
}
